"""``python -m jointfilter``: the same command line as the ``jointfilter`` script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
