"""The ``jointfilter`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import JointFilterError


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo
    from ._info import build_info, set_num_threads

    if args.threads is not None:
        set_num_threads(args.threads)
    info = build_info()
    print(f"jointfilter {info['version']} ({info['kernel_isa']}, {info['num_threads']} threads)")
    r = run_demo(Path(args.out), height=args.height, width=args.width)
    print(f"flash/no-flash denoising, {args.width}x{args.height} synthetic scene")
    print(f"  PSNR before: {r['psnr_before']:6.2f} dB")
    print(f"  PSNR after:  {r['psnr_after']:6.2f} dB")
    print(f"  time:        {r['ms']:6.1f} ms ({r['ms_per_megapixel']:.1f} ms per megapixel)")
    print(f"wrote {Path(args.out) / 'index.html'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jointfilter", description="Multi-modal joint image restoration."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the guided filter on built-in synthetic data")
    demo.add_argument(
        "--out", default="jointfilter-demo", help="output folder (default: %(default)s)"
    )
    demo.add_argument("--height", type=int, default=768)
    demo.add_argument("--width", type=int, default=1024)
    demo.add_argument("--threads", type=int, default=None, help="kernel threads (default: all)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jointfilter`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (JointFilterError, OSError) as exc:
        print(f"jointfilter: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
