"""Compare jointfilter.guided_filter with cv2.ximgproc.guidedFilter and print a markdown table.

The measurement lives in the package (``jointfilter._bench``, also ``jointfilter bench``);
this script runs it with every frame size by default. See that module's docstring for the
method: interleaved medians, same thread count for both libraries, the max abs difference on
[0, 255]-scaled frames, and ``--both-allocators`` for the page-fault-free and the default
malloc side by side (the table issue 2 asks for).

Usage::

    python benchmarks/compare_opencv.py                      # current environment
    python benchmarks/compare_opencv.py --both-allocators    # the issue's table
    python benchmarks/compare_opencv.py --sizes 1080p --threads 1 --repeat 31
"""

from __future__ import annotations

import argparse
import sys

from jointfilter import _bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _bench.add_arguments(parser)
    parser.set_defaults(sizes=",".join(_bench.SIZES))
    args = parser.parse_args(argv)
    try:
        return _bench.run(args)
    except ValueError as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
