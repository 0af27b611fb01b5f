"""The ``jointfilter`` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .errors import DTypeError, JointFilterError, ParameterError

#: smallest demo image: the restore gallery's tasks (depth upsampling by 4, SSIM's 11x11
#: window) need at least this many pixels per side
_DEMO_MIN_SIDE = 16


def _check_demo_args(args: argparse.Namespace) -> None:
    for name in ("height", "width"):
        if getattr(args, name) < _DEMO_MIN_SIDE:
            raise ParameterError(
                f"--{name} must be >= {_DEMO_MIN_SIDE}; got {getattr(args, name)}."
            )
    if args.threads is not None and args.threads < 0:
        raise ParameterError(f"--threads must be >= 0 (0 = all cores); got {args.threads}.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ParameterError(f"--out must be a folder; {str(out)!r} is a file.")
    if args.data and not Path(args.data).is_dir():
        raise ParameterError(f"--data must be an existing folder; got {args.data!r}.")


def _check_output_file(out: Path, name: str = "--out") -> None:
    """Refuse an output file that cannot be written, before any work is done."""
    if out.is_dir():
        raise ParameterError(
            f"{name} {str(out)!r} is a folder; for file inputs pass an output file name."
        )
    if not out.parent.is_dir():
        raise ParameterError(
            f"{name} {str(out)!r}: its folder {str(out.parent)!r} does not exist (or is not a "
            "folder); create it first."
        )


def _demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo
    from ._info import build_info, set_num_threads

    _check_demo_args(args)
    if args.threads is not None:
        set_num_threads(args.threads)
    info = build_info()
    print(f"jointfilter {info['version']} ({info['kernel_isa']}, {info['num_threads']} threads)")
    data_dir = Path(args.data) if args.data else _default_data_dir()
    r = run_demo(
        Path(args.out),
        height=args.height,
        width=args.width,
        tasks=not args.no_tasks,
        data_dir=data_dir,
    )
    print(f"guided filter, flash/no-flash denoising, {args.width}x{args.height} synthetic scene")
    print(f"  PSNR before: {r['psnr_before']:6.2f} dB")
    print(f"  PSNR after:  {r['psnr_after']:6.2f} dB")
    print(f"  time:        {r['ms']:6.1f} ms ({r['ms_per_megapixel']:.1f} ms per megapixel)")
    for t in r["tasks"]:
        print(
            f"  restore {t['task']:<19} PSNR {t['psnr_before']:6.2f} -> {t['psnr_after']:6.2f} dB"
            f"  SSIM {t['ssim_before']:.3f} -> {t['ssim_after']:.3f}  ({t['ms']:.0f} ms)"
        )
    for f in r.get("fusion", []):
        guided, average = f["metrics"]["guided"], f["metrics"]["average"]
        print(
            f"  fuse {f['pair']:<26} Qabf {average['Qabf']:.3f} (average) -> "
            f"{guided['Qabf']:.3f} (guided), VIFF {average['VIFF']:.3f} -> {guided['VIFF']:.3f}"
            f"  ({f['ms']['guided']:.0f} ms)"
        )
    if r["real"]:
        print(f"  real pairs from {data_dir}: {len(r['real'])}")
    print(f"wrote {Path(args.out) / 'index.html'}")
    return 0


def _same_file(a: Path, b: Path) -> bool:
    return a.exists() and b.exists() and a.resolve() == b.resolve()


def _pairwise(args: argparse.Namespace, op, first: str, second: str) -> int:
    """Files in, one file out; or two folders of pairs matched by name into a folder."""
    from . import batch

    a, b, out = Path(getattr(args, first)), Path(getattr(args, second)), Path(args.out)
    for name, p in ((first, a), (second, b)):
        if not p.exists():
            raise FileNotFoundError(f"cannot read {name} {str(p)!r}: no such file or folder")
    if a.is_dir() or b.is_dir():
        if not (a.is_dir() and b.is_dir()):
            kinds = ", ".join(
                f"{n} is a {'folder' if p.is_dir() else 'file'}"
                for n, p in ((first, a), (second, b))
            )
            raise ParameterError(
                f"{first} and {second} must both be files or both be folders; {kinds}."
            )
        result = batch.run_batch(
            a, b, out, op, overwrite=args.overwrite, scheduler=args.scheduler, progress=True
        )
        print(result.summary())
        if not (result.done or result.skipped or result.failed):
            print(
                f"jointfilter: error: no image of {str(a)!r} has a partner with the same file "
                f"name (stem) in {str(b)!r}; nothing was processed.",
                file=sys.stderr,
            )
            return 1
        return 0 if result.ok else 1
    if _same_file(out, a) or _same_file(out, b):
        raise OSError(f"refusing to overwrite an input file: {out}")
    _check_output_file(out)
    if out.suffix.lower() not in batch.IMAGE_EXTENSIONS:
        raise ParameterError(
            f"--out must end in an image suffix ({', '.join(batch.IMAGE_EXTENSIONS)}); "
            f"got {str(out)!r}."
        )
    if out.exists() and not args.overwrite:
        raise OSError(f"{out} exists; pass --overwrite to replace it")
    result = op(batch.read_image(a), batch.read_image(b))
    try:
        batch.write_image_atomic(out, result)
    except DTypeError as exc:
        raise ParameterError(
            f"--out {str(out)!r}: the result is {result.dtype}, which {out.suffix} files do not "
            "store; use a .tif output (uint8, uint16, float32, float64) or .png (uint8, uint16)."
        ) from exc
    print(f"wrote {out}")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from .batch import restore_op

    return _pairwise(args, restore_op(args.task, float_range=args.float_range), "target", "guide")


def _fuse(args: argparse.Namespace) -> int:
    from .batch import fuse_op

    kw = {} if args.float_range is None else {"data_range": args.float_range}
    return _pairwise(args, fuse_op(args.method, **kw), "infrared", "visible")


def _metrics(args: argparse.Namespace) -> int:
    import json

    from .batch import _split_alpha, read_image
    from .metrics import fusion_metrics

    names = [n.strip() for n in args.metrics.split(",") if n.strip()] if args.metrics else []
    images = [_split_alpha(read_image(p))[0] for p in (args.infrared, args.visible, args.fused)]
    scores = fusion_metrics(*images, metrics=names or None)
    if args.json:
        print(
            json.dumps(
                {
                    k: {"value": m.value, "higher_is_better": m.higher_is_better}
                    for k, m in scores.items()
                },
                indent=2,
            )
        )
    elif args.csv:  # one row per metric, full precision (repr of the float)
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["metric", "value", "better"])
        for name, m in scores.items():
            better = "higher" if m.higher_is_better else "lower"
            writer.writerow([name, repr(float(m.value)), better])
    else:
        for name, m in scores.items():
            direction = "higher" if m.higher_is_better else "lower"
            print(f"{name:>8}  {m.value:12.6g}  ({direction} is better)")
    return 0


def _video(args: argparse.Namespace) -> int:
    from .video import RestoreFilter, process_video

    if args.task and (args.radius is not None or args.eps is not None):
        raise ParameterError(
            "--radius/--eps set the default guided filter; --task uses the task's own "
            "parameters. Pass one or the other."
        )
    # a RestoreFilter keeps a fixed guide image's guide-only work between frames
    op = RestoreFilter(args.task) if args.task else None
    out = Path(args.out)
    if _same_file(out, Path(args.target)) or _same_file(out, Path(args.guide)):
        raise OSError(f"refusing to overwrite an input file: {out}")
    _check_output_file(out)
    if out.exists() and not args.overwrite:
        raise OSError(f"{out} exists; pass --overwrite to replace it")
    result = process_video(
        args.target,
        args.guide,
        args.out,
        op=op,
        radius=8 if args.radius is None else args.radius,
        eps=1e-3 if args.eps is None else args.eps,
        progress=True,
    )
    print(f"wrote {result.path}: {result.frames} frames, {result.fps:.1f} frames/s")
    return 0


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def _add_batch_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", required=True, help="output file, or folder for folder inputs")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument(
        "--float-range",
        type=_positive_float,
        default=None,
        metavar="V",
        help="value range of floating-point images, e.g. 255 for float TIFFs holding 8-bit "
        "values (default 1.0); integer images always use their dtype's range",
    )
    p.add_argument(
        "--scheduler",
        default=None,
        help="folders only: a Dask scheduler address, or 'local' for a local cluster",
    )


def _default_data_dir() -> Path | None:
    """``../shared/data`` beside the working directory or the source checkout, if present."""
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


def _version_line() -> str:
    """``jointfilter X.Y.Z (kernels: avx2, threads: N, CUDA: ...)`` from build_info()."""
    from ._info import build_info

    info = build_info()
    cuda = "built" if info["cuda_built"] else "not built"
    if info["cuda_built"]:
        cuda += f", {info['cuda_devices']} device(s)"
    return (
        f"jointfilter {info['version']} (kernels: {info['kernel_isa']}, "
        f"threads: {info['num_threads']}, CUDA: {cuda}, {info['compiler']})"
    )


class _VersionAction(argparse.Action):
    """``--version``: print :func:`_version_line` as is (argparse's own action rewraps it)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        print(_version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``jointfilter`` argument parser (subcommands demo, restore, fuse, metrics, video, bench).

    Returns
    -------
    argparse.ArgumentParser
        Parsed arguments carry ``func``, the subcommand's handler.
    """
    from .restoration import TASKS

    parser = argparse.ArgumentParser(
        prog="jointfilter",
        description="Multi-modal joint image restoration.",
        epilog="Outputs are written atomically and never over an input. Exit status: 0 ok, "
        "1 some pairs of a folder batch failed (or none matched), 2 bad arguments or input, "
        "130 interrupted.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the version and how the core was built, then exit",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the guided filter on built-in synthetic data")
    demo.add_argument(
        "--out", default="jointfilter-demo", help="output folder (default: %(default)s)"
    )
    demo.add_argument("--height", type=int, default=768)
    demo.add_argument("--width", type=int, default=1024)
    demo.add_argument("--threads", type=int, default=None, help="kernel threads (default: all)")
    demo.add_argument("--no-tasks", action="store_true", help="skip the restore-task gallery")
    demo.add_argument("--data", default=None, help="folder of real pairs (default: ../shared/data)")
    demo.set_defaults(func=_demo)

    restore = sub.add_parser("restore", help="restore a target image (or folder) with a guide")
    restore.add_argument("target")
    restore.add_argument("guide")
    restore.add_argument(
        "--task", default=None, choices=TASKS, help="task name (default: generic restoration)"
    )
    _add_batch_options(restore)
    restore.set_defaults(func=_restore)

    fuse = sub.add_parser("fuse", help="fuse an infrared and a visible image (or folders)")
    fuse.add_argument("infrared")
    fuse.add_argument("visible")
    fuse.add_argument("--method", default="guided", choices=["guided", "focus", "cnn"])
    _add_batch_options(fuse)
    fuse.set_defaults(func=_fuse)

    metrics = sub.add_parser("metrics", help="fusion metrics of a fused image")
    metrics.add_argument("infrared")
    metrics.add_argument("visible")
    metrics.add_argument("fused")
    metrics.add_argument("--metrics", default=None, help="comma-separated names (default: all)")
    fmt = metrics.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    fmt.add_argument(
        "--csv", action="store_true", help="print CSV rows: metric, value, better (higher/lower)"
    )
    metrics.set_defaults(func=_metrics)

    video = sub.add_parser("video", help="filter a video under a guide video or image")
    video.add_argument("target")
    video.add_argument("guide", help="guide video, or one guide image for every frame")
    video.add_argument("-o", "--out", required=True)
    video.add_argument("--overwrite", action="store_true", help="replace an existing output")
    video.add_argument(
        "--task",
        default=None,
        choices=TASKS,
        help="restore task per frame (default: guided filter)",
    )
    video.add_argument(
        "--radius",
        type=int,
        default=None,
        help="guided filter radius (default: 8; not with --task)",
    )
    video.add_argument(
        "--eps", type=float, default=None, help="guided filter eps (default: 1e-3; not with --task)"
    )
    video.set_defaults(func=_video)

    from . import _bench

    bench = sub.add_parser(
        "bench",
        help="time the guided filter against OpenCV's ximgproc (interleaved medians)",
        description="Time jointfilter.guided_filter and the GuidedFilter object against "
        "cv2.ximgproc.guidedFilter (interleaved medians, same thread count, same border) and "
        "print a markdown table with the ratios, MP/s, the difference to OpenCV and the scratch "
        "memory. Without opencv-contrib only our calls are timed.",
    )
    _bench.add_arguments(bench)
    bench.set_defaults(func=_bench.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jointfilter`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit status: 0 on success; 1 when pairs of a folder batch failed or no pair matched;
        2 for a bad argument, a missing or unreadable input, or a refused output (with a message
        on stderr); 130 when interrupted (Ctrl-C).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (JointFilterError, OSError) as exc:
        print(f"jointfilter: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # outputs are written atomically: nothing partial is left
        print("\njointfilter: interrupted; outputs written so far are complete.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
