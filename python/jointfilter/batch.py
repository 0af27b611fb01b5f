"""Folder-to-folder processing of image pairs matched by name, in-process or on a Dask cluster.

:func:`run_batch` pairs the files of a target folder with the files of a guide folder (or an
infrared folder with a visible folder) by file stem, applies any callable
``op(target, guide) -> image`` to each pair and writes the result into an output folder under the
target's file name. It keeps going past a bad file and reports it at the end, skips outputs that
already exist unless ``overwrite=True``, writes each output atomically (a temporary file in the
output folder, then :func:`os.replace`), and never writes over an input.

Images are read with OpenCV (``cv2.IMREAD_UNCHANGED``, so 16-bit PNG/TIFF stay 16-bit) and
handed to `op` channels-last in RGB(A) order; the result is written back in the same convention.
The ops :func:`restore_op` and :func:`fuse_op` take care of alpha channels (a target's passes
through unfiltered; a guide's or a fusion input's is dropped).

Examples
--------
>>> from jointfilter.batch import run_batch, restore_op  # doctest: +SKIP
>>> res = run_batch("noflash/", "flash/", "out/", restore_op("flash_denoise"))  # doctest: +SKIP
>>> print(res.summary())  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._validate import describe
from .errors import DTypeError, MissingDependencyError, ParameterError, ShapeError

__all__ = [
    "IMAGE_EXTENSIONS",
    "BatchResult",
    "fuse_op",
    "match_pairs",
    "read_image",
    "restore_op",
    "run_batch",
    "write_image_atomic",
]

IMAGE_EXTENSIONS = (".png", ".tif", ".tiff", ".jpg", ".jpeg", ".bmp", ".exr", ".pgm", ".ppm")

# dtypes each format stores exactly (OpenCV silently converts others to uint8: refuse instead)
_FORMAT_DTYPES = {
    ".png": ("uint8", "uint16"),
    ".pgm": ("uint8", "uint16"),
    ".ppm": ("uint8", "uint16"),
    ".tif": ("uint8", "uint16", "float32", "float64"),
    ".tiff": ("uint8", "uint16", "float32", "float64"),
    ".jpg": ("uint8",),
    ".jpeg": ("uint8",),
    ".bmp": ("uint8",),
    ".exr": ("float32",),
}

Op = Callable[[np.ndarray, np.ndarray], np.ndarray]

#: files without a partner named by :meth:`BatchResult.summary` (the rest are counted)
_SHOW_UNMATCHED = 20


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:
        raise MissingDependencyError(
            "image I/O needs OpenCV: pip install 'jointfilter[io]' (opencv-python-headless)."
        ) from exc
    return cv2


@dataclass
class BatchResult:
    """Outcome of :func:`run_batch`.

    Attributes
    ----------
    done : list of Path
        Outputs written.
    skipped : list of Path
        Outputs that already existed and were kept (``overwrite=False``).
    failed : list of (Path, str)
        Target files whose processing failed, with the error message.
    unmatched : list of Path
        Input files without a partner of the same stem in the other folder.
    """

    done: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    unmatched: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no pair failed."""
        return not self.failed

    def summary(self) -> str:
        """One line of counts, one line per failure, then the files without a partner."""
        lines = [
            f"{len(self.done)} done, {len(self.skipped)} skipped (exist), "
            f"{len(self.failed)} failed, {len(self.unmatched)} without a partner"
        ]
        lines += [f"FAILED {p}: {msg}" for p, msg in self.failed]
        shown = self.unmatched[:_SHOW_UNMATCHED]
        lines += [f"NO PARTNER {p}" for p in shown]
        if len(self.unmatched) > len(shown):
            lines.append(f"... and {len(self.unmatched) - len(shown)} more without a partner")
        return "\n".join(lines)


def _list_images(folder: Path, extensions: tuple[str, ...]) -> tuple[dict[str, Path], list[Path]]:
    """Images of `folder` by stem, and the files whose stem an earlier file already took."""
    found: dict[str, Path] = {}
    duplicates: list[Path] = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() in extensions and not p.name.startswith("."):
            if p.stem in found:
                duplicates.append(p)  # a.png and a.tif: only a.png is paired, a.tif reported
            else:
                found[p.stem] = p
    return found, duplicates


def _as_path(value: Any, name: str) -> Path:
    if not isinstance(value, (str, os.PathLike)) or isinstance(value, bytes):
        raise DTypeError(f"{name} must be a str or os.PathLike path; got {describe(value)}.")
    return Path(value)


def _check_extensions(extensions: Any) -> tuple[str, ...]:
    if isinstance(extensions, (str, bytes)) or not isinstance(extensions, Iterable):
        raise ParameterError(
            f"extensions must be an iterable of suffixes such as ('.png', '.tif'); got "
            f"{describe(extensions)}."
        )
    exts = tuple(extensions)
    if not all(isinstance(e, str) and e.startswith(".") for e in exts):
        raise ParameterError(
            f"extensions must be suffixes starting with a dot, such as '.png'; got {exts!r}."
        )
    return tuple(e.lower() for e in exts)


def _check_suffix(path: Path, name: str) -> None:
    """The output format must be one OpenCV writes (refuse before any work is done)."""
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ParameterError(
            f"{name} must end in an image suffix ({', '.join(IMAGE_EXTENSIONS)}); got "
            f"{str(path)!r}."
        )


def match_pairs(
    target_dir: str | os.PathLike[str],
    guide_dir: str | os.PathLike[str],
    *,
    extensions: Iterable[str] = IMAGE_EXTENSIONS,
) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """Pair the images of two folders by file stem (``a.png`` matches ``a.tif``).

    Parameters
    ----------
    target_dir, guide_dir : path
        Folders of target (or infrared) and guide (or visible) images.
    extensions : iterable of str
        File suffixes considered images (lower case, with the dot).

    Returns
    -------
    pairs : list of (Path, Path)
        ``(target, guide)`` sorted by stem.
    unmatched : list of Path
        Files of either folder with no partner, including a file whose stem another file of
        its folder already has (``a.tif`` beside ``a.png``: only the first in sorted order is
        paired).

    Raises
    ------
    ParameterError
        A folder that does not exist, or `extensions` that are not suffixes.
    DTypeError
        A folder argument that is not a path.
    """
    exts = _check_extensions(extensions)
    dirs = []
    for name, d in (("target_dir", target_dir), ("guide_dir", guide_dir)):
        p = _as_path(d, name)
        if not p.is_dir():
            raise ParameterError(f"{name} must be an existing folder; got {str(p)!r}.")
        dirs.append(p)
    targets, target_dups = _list_images(dirs[0], exts)
    guides, guide_dups = _list_images(dirs[1], exts)
    pairs = [(targets[k], guides[k]) for k in sorted(targets) if k in guides]
    unmatched = [targets[k] for k in sorted(targets) if k not in guides] + target_dups
    unmatched += [guides[k] for k in sorted(guides) if k not in targets] + guide_dups
    return pairs, unmatched


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image unchanged (bit depth kept), channels last in RGB(A) order.

    Parameters
    ----------
    path : str or os.PathLike
        Image file (PNG, TIFF, JPEG, ...; any format OpenCV decodes). Non-ASCII names work on
        every platform (the bytes are read by Python and decoded in memory).

    Returns
    -------
    ndarray
        ``(H, W)`` for gray images, ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA; the file's dtype
        (uint8, uint16, float32, ...).

    Raises
    ------
    FileNotFoundError
        No file at `path`.
    OSError
        The file cannot be read or decoded (a folder, unreadable, empty, truncated, corrupt).
    DTypeError
        `path` is not a str or os.PathLike.
    """
    cv2 = _cv2()
    path = _as_path(path, "path")
    where = repr(os.fspath(path))
    if not path.exists():
        raise FileNotFoundError(f"cannot read image {where}: no such file")
    if path.is_dir():
        raise IsADirectoryError(f"cannot read image {where}: it is a folder, not an image file")
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise OSError(f"cannot read image {where}: {exc.strerror or exc}") from exc
    img = None
    if data.size:
        try:
            img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED)
        except cv2.error:
            img = None
    if img is None:
        raise OSError(f"cannot read or decode image {where} (empty, corrupt or unsupported format)")
    if img.ndim == 3 and img.shape[2] in (3, 4):  # BGR(A) -> RGB(A), any dtype
        img = np.ascontiguousarray(img[..., [2, 1, 0, 3][: img.shape[2]]])
    return img


def _temp_beside(path: Path) -> tuple[Path, int]:
    """A new hidden file beside `path` (``.<stem>.<random>.tmp<suffix>``) and its open fd.

    Created like any new file (``0o666`` less the umask, unlike :func:`tempfile.mkstemp`'s
    ``0o600``), so the file that replaces `path` has the usual permissions.
    """
    for _ in range(100):
        candidate = path.with_name(f".{path.stem}.{os.urandom(4).hex()}.tmp{path.suffix}")
        try:
            return candidate, os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
    # pragma: no cover - 100 random-name collisions
    raise FileExistsError(f"cannot create a temporary file beside {str(path)!r}")


def _write_bytes_atomic(path: Path, data: bytes | memoryview | np.ndarray) -> None:
    """Write `data` to a hidden temporary file beside `path`, then rename it over `path`.

    The temporary file is created with the usual permissions (``0o666`` less the umask, like
    any new file) and removed if anything fails, Ctrl-C included: `path` is either the old file
    or the complete new one, never a partial write.
    """
    tmp: Path | None = None
    try:
        tmp, fd = _temp_beside(path)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if exc.errno is None:
            raise
        raise type(exc)(exc.errno, f"cannot write {str(path)!r}: {exc.strerror or exc}") from exc
    except BaseException:  # Ctrl-C: no partial file left behind
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise


def write_image_atomic(path: str | os.PathLike[str], image: np.ndarray) -> None:
    """Write `image` (RGB(A), channels last) to `path` atomically.

    The image is encoded in memory and written to a hidden temporary file in the same folder,
    which then replaces `path` with :func:`os.replace`; if anything fails (Ctrl-C included), the
    temporary file is removed and `path` is untouched. The format follows the suffix of `path`;
    uint16 stays 16-bit in PNG/TIFF. New files get the usual permissions (``0o666`` less the
    umask).

    Parameters
    ----------
    path : str or os.PathLike
        Output file; its folder must exist. The suffix picks the format.
    image : ndarray
        ``(H, W)`` or ``(H, W, 1|3|4)`` image in RGB(A) order.

    Raises
    ------
    OSError
        Encoding or writing failed (e.g. a read-only or missing folder).
    DTypeError
        The format cannot store the image's dtype exactly (e.g. float to PNG).
    ShapeError
        Not an ``(H, W)`` / ``(H, W, 1|3|4)`` image, or an empty one.
    """
    cv2 = _cv2()
    path = _as_path(path, "path")
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (1, 3, 4)):
        raise ShapeError(
            f"image must have shape (H, W) or (H, W, C) with C in 1, 3, 4 to be written as "
            f"{path.suffix!r}; got shape {img.shape}."
        )
    if img.size == 0:
        raise ShapeError(f"image must not be empty; got shape {img.shape}.")
    allowed = _FORMAT_DTYPES.get(path.suffix.lower())
    if allowed is not None and img.dtype.name not in allowed:
        raise DTypeError(
            f"cannot write a {img.dtype} image as {path.suffix!r} (stores {', '.join(allowed)}); "
            "give the operation dtype=np.uint8/np.uint16, or use out_ext='.tif' for float32."
        )
    if img.ndim == 3 and img.shape[2] in (3, 4):  # RGB(A) -> BGR(A), any dtype
        img = np.ascontiguousarray(img[..., [2, 1, 0, 3][: img.shape[2]]])
    try:
        ok, encoded = cv2.imencode(path.suffix, img)
    except cv2.error as exc:
        raise OSError(
            f"cannot encode {img.dtype} {img.shape} image as {path.suffix}: {exc}"
        ) from exc
    if not ok:
        raise OSError(
            f"cannot encode {img.dtype} {img.shape} image as {path.suffix!r}; use .tif for "
            "float images or convert with dtype= in the operation."
        )
    _write_bytes_atomic(path, encoded)


def _process_one(op: Op, target: Path, guide: Path, out: Path) -> tuple[str, Path, str]:
    """Run one pair; never raises (returns a status so one bad file does not stop the batch)."""
    try:
        t = read_image(target)
        g = read_image(guide)
        result = op(t, g)
        write_image_atomic(out, result)
    except Exception as exc:
        return ("failed", target, f"{type(exc).__name__}: {exc}")
    return ("done", out, "")


def _split_alpha(img: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``(rgb, alpha)`` of an ``(H, W, 4)`` RGBA image; ``(img, None)`` otherwise."""
    if img.ndim == 3 and img.shape[2] == 4:
        return img[..., :3], img[..., 3]
    return img, None


def _alpha_like(alpha: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`alpha` rescaled from its dtype's full range to `dtype`'s (1.0 for floats)."""
    if alpha.dtype == dtype:
        return alpha
    scale = float(np.iinfo(alpha.dtype).max) if alpha.dtype.kind in "ui" else 1.0
    a = alpha.astype(np.float64) / scale
    if dtype.kind in "ui":
        top = np.iinfo(dtype).max
        return np.clip(np.rint(a * top), 0, top).astype(dtype)
    return a.astype(dtype)


def _restore_call(
    target: np.ndarray, guide: np.ndarray, float_range: float | None = None, **kw: Any
) -> np.ndarray:
    import jointfilter

    if float_range is not None:  # the range of float images only (integers keep their dtype's)
        if target.dtype.kind == "f":
            kw.setdefault("data_range", float_range)
        if guide.dtype.kind == "f":
            kw.setdefault("guide_range", float_range)
    rgb, alpha = _split_alpha(target)
    result = jointfilter.restore(rgb, _split_alpha(guide)[0], **kw)  # resolved at call time
    if alpha is None or result.ndim != 3 or result.shape[:2] != alpha.shape:
        return result
    return np.dstack([result, _alpha_like(alpha, result.dtype)])


def _fuse_call(infrared: np.ndarray, visible: np.ndarray, **kw: Any) -> np.ndarray:
    import jointfilter

    return jointfilter.fuse(_split_alpha(infrared)[0], _split_alpha(visible)[0], **kw)


def restore_op(task: str | None, float_range: float | None = None, **kw: Any) -> Op:
    """A picklable ``op(target, guide)`` calling ``jointfilter.restore(..., task=task, **kw)``.

    Images read from RGBA files are handled: the guide's alpha channel is dropped (it carries
    no structure) and the target's alpha channel is not filtered but passed through to the
    result unchanged (rescaled if the result has another dtype).

    Parameters
    ----------
    task : str or None
        A task of :func:`jointfilter.restore` (None: generic restoration).
    float_range : float, optional
        Value range of floating-point images (``data_range`` for a float target,
        ``guide_range`` for a float guide); integer images keep their dtype's range.
    **kw
        More keyword arguments of :func:`jointfilter.restore`.

    Returns
    -------
    callable
        ``op(target, guide) -> ndarray``, picklable for Dask workers.
    """
    return functools.partial(_restore_call, task=task, float_range=float_range, **kw)


def fuse_op(method: str | None = None, **kw: Any) -> Op:
    """A picklable ``op(infrared, visible)`` calling ``jointfilter.fuse(..., method=method)``.

    Alpha channels of RGBA inputs are dropped (the fused image has none).

    Parameters
    ----------
    method : str, optional
        A method of :func:`jointfilter.fuse` (``"guided"``, ``"focus"``, ``"cnn"``);
        None: its default.
    **kw
        More keyword arguments of :func:`jointfilter.fuse`.

    Returns
    -------
    callable
        ``op(infrared, visible) -> ndarray``, picklable for Dask workers.
    """
    if method is not None:
        kw["method"] = method
    return functools.partial(_fuse_call, **kw)


def _check_out_dir(out_dir: Path, inputs: tuple[Path, ...]) -> None:
    for d in inputs:
        if out_dir.resolve() == d.resolve():
            raise ParameterError(
                f"out_dir must differ from the input folders (it is {str(d)!r}); outputs take the "
                "target's file name and would replace inputs. Choose another folder."
            )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".jf-write-probe.", dir=out_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ParameterError(
            f"out_dir {str(out_dir)!r} is not writable ({exc.strerror or exc}); nothing was "
            "processed. Fix its permissions or choose another folder."
        ) from exc


class _TextProgress:
    """A plain progress counter on stderr, used when tqdm is not installed."""

    def __init__(self, total: int | None, noun: str = "images") -> None:
        self.total, self.noun, self.n, self._shown = total, noun, 0, -1
        self._tty = sys.stderr.isatty()

    def update(self, k: int = 1) -> None:
        self.n += k
        of = f"/{self.total}" if self.total else ""
        if self._tty:
            sys.stderr.write(f"\r{self.n}{of} {self.noun}")
            sys.stderr.flush()
            return
        # a line every 10 % (every 100 items when the total is unknown)
        step = (10 * self.n) // max(self.total, 1) if self.total else self.n // 100
        if step > self._shown:
            self._shown = step
            print(f"{self.n}{of} {self.noun}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._tty and self.n:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress(total: int | None, enabled: bool | None, unit: str = "img") -> Any:
    """A tqdm bar, else a :class:`_TextProgress`, or None (disabled, nothing to do, or no
    terminal with ``enabled=None``)."""
    if enabled is False or total == 0:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        if enabled is None and not sys.stderr.isatty():
            return None
        return _TextProgress(total, "images" if unit == "img" else f"{unit}s")
    return tqdm(total=total, unit=unit, disable=None if enabled is None else False)


def run_batch(
    target_dir: str | os.PathLike[str],
    guide_dir: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    op: Op,
    *,
    overwrite: bool = False,
    out_ext: str | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    cluster_kwargs: dict[str, Any] | None = None,
    progress: bool | None = None,
    extensions: Iterable[str] = IMAGE_EXTENSIONS,
) -> BatchResult:
    """Apply ``op(target, guide)`` to every name-matched pair and write the results.

    Parameters
    ----------
    target_dir, guide_dir : path
        Input folders (target/guide, or infrared/visible for fusion); files pair by stem.
    out_dir : path
        Output folder (created if missing); must differ from both input folders.
    op : callable
        ``op(target, guide) -> ndarray``, e.g. :func:`restore_op` / :func:`fuse_op` or any
        function. Must be picklable (cloudpickle is used) when `scheduler` is set.
    overwrite : bool, default False
        Recompute outputs that already exist; by default they are skipped.
    out_ext : str, optional
        Output suffix, e.g. ``".png"`` or ``".tif"``; default: the target's.
    scheduler : str, optional
        ``None``: run in this process. ``"local"``: start a ``distributed.LocalCluster`` on
        127.0.0.1 for the batch and close it at the end. Otherwise the address of a running
        Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``.
    n_workers : int, optional
        Workers of the local cluster (default: dask's choice).
    cluster_kwargs : dict, optional
        Extra ``LocalCluster`` arguments, e.g. ``{"threads_per_worker": 1, "processes": False}``.
    progress : bool, optional
        Show progress on stderr: a tqdm bar if tqdm is installed, else a plain counter;
        ``None`` = only on a terminal.
    extensions : iterable of str
        Suffixes considered images.

    Returns
    -------
    BatchResult
        ``done``, ``skipped``, ``failed`` (with messages) and ``unmatched`` files.

    Raises
    ------
    ParameterError
        Missing input folders, an output folder equal to an input folder or not writable,
        an `out_ext` that is not an image suffix (checked before anything is processed).
    DTypeError
        A folder argument that is not a path.
    MissingDependencyError
        OpenCV (``[io]``) or, with `scheduler`, distributed (``[dask]``) not installed.
    """
    if not callable(op):
        raise ParameterError(f"op must be a callable op(target, guide) -> image; got {op!r}.")
    pairs, unmatched = match_pairs(target_dir, guide_dir, extensions=extensions)
    out = _as_path(out_dir, "out_dir")
    if out_ext is not None:
        if not isinstance(out_ext, str):
            raise ParameterError(f"out_ext must be a suffix such as '.png'; got {out_ext!r}.")
        if not out_ext.startswith("."):
            out_ext = "." + out_ext
        _check_suffix(Path("x" + out_ext), "out_ext")
    _check_out_dir(out, (Path(target_dir), Path(guide_dir)))
    result = BatchResult(unmatched=unmatched)
    todo: list[tuple[Path, Path, Path]] = []
    for t, g in pairs:
        dest = out / (t.stem + (out_ext or t.suffix))
        if dest.exists() and not overwrite:
            result.skipped.append(dest)
        else:
            todo.append((t, g, dest))
    bar = _progress(len(todo), progress)
    try:
        if scheduler is None:
            for t, g, dest in todo:
                _record(result, _process_one(op, t, g, dest), bar)
        else:
            _run_distributed(op, todo, result, scheduler, n_workers, cluster_kwargs, bar)
    finally:
        if bar is not None:
            bar.close()
    return result


def _record(result: BatchResult, status: tuple[str, Path, str], bar: Any) -> None:
    kind, path, msg = status
    if kind == "done":
        result.done.append(path)
    else:
        result.failed.append((path, msg))
    if bar is not None:
        bar.update(1)


def _run_distributed(
    op: Op,
    todo: list[tuple[Path, Path, Path]],
    result: BatchResult,
    scheduler: str,
    n_workers: int | None,
    cluster_kwargs: dict[str, Any] | None,
    bar: Any,
) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise MissingDependencyError(
            "scheduler= needs dask.distributed: pip install 'jointfilter[dask]'."
        ) from exc
    cluster = None
    if scheduler == "local":
        kw: dict[str, Any] = {"host": "127.0.0.1", "dashboard_address": None}
        if n_workers is not None:
            kw["n_workers"] = n_workers
        kw.update(cluster_kwargs or {})
        if kw.get("processes") is False:  # threads in this process; keep TCP on loopback
            kw.setdefault("protocol", "tcp://")
        cluster = LocalCluster(**kw)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = [client.submit(_process_one, op, t, g, d, pure=False) for t, g, d in todo]
        for fut in as_completed(futures):
            _record(result, fut.result(), bar)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
