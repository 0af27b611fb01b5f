"""Small filtering helpers shared by the metric kernels (NumPy/SciPy only)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import fft as sfft
from scipy import ndimage

__all__ = [
    "block_reduce_sum",
    "fft_freq_grid",
    "fspecial_gaussian_1d",
    "gauss_filter_same_replicate",
    "gauss_filter_valid",
    "gauss_filter_valid_t_stack",
    "linear_filter_same_fft",
    "sobel_from_padded",
    "sobel_padded",
    "sobel_zero",
]


def fspecial_gaussian_1d(size: int, sigma: float) -> np.ndarray:
    """1-D factor of MATLAB ``fspecial('gaussian', size, sigma)`` (normalised to sum 1).

    The 2-D kernel is the outer product of this vector with itself (the exponential and the
    normalisation both factor).  ``fspecial`` also zeroes entries below ``eps * max``; that
    never happens for the sizes and sigmas used here.
    """
    half = (size - 1) / 2.0
    x = np.arange(size, dtype=np.float64) - half
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return g / g.sum()


def gauss_filter_valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``filter2(g g^T, x, 'valid')`` for a symmetric separable kernel ``g``.

    Returns an empty array when the image is smaller than the kernel (as MATLAB does).
    """
    n = g.size
    h = n // 2
    rows, cols = x.shape
    if rows < n or cols < n:
        return np.empty((max(rows - n + 1, 0), max(cols - n + 1, 0)))
    # Cut the rows first so the second pass runs on fewer pixels.
    y = ndimage.correlate1d(x, g, axis=0, mode="constant")[h : rows - h]
    return ndimage.correlate1d(y, g, axis=1, mode="constant")[:, h : cols - h]


def gauss_filter_valid_t_stack(stack: np.ndarray, g: np.ndarray, step: int = 1) -> np.ndarray:
    """Transposed :func:`gauss_filter_valid` of each plane of a ``(K, H, W)`` stack.

    Both passes run along the contiguous axis (``correlate1d`` is about twice as fast there),
    with one transposed copy in between, so the result comes out transposed.  Use it where
    only elementwise maps and global sums follow (SSIM, VIFF): a symmetric separable kernel
    commutes with transposition, so a chain of these calls stays consistent.

    Returns ``(K, W', H')``: plane k is the transposed 'valid' output of ``stack[k]``,
    decimated by ``step`` in both directions (``out[::step, ::step]``, taken as early as
    possible so the second pass only computes the kept samples).  One call per pass keeps
    allocations (and page faults) down.
    """
    n = g.size
    h = n // 2
    _, rows, cols = stack.shape
    y = ndimage.correlate1d(stack, g, axis=2, mode="constant")[:, :, h : cols - h : step]
    y = np.ascontiguousarray(y.transpose(0, 2, 1))
    return ndimage.correlate1d(y, g, axis=2, mode="constant")[:, :, h : rows - h : step]


def gauss_filter_same_replicate(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``imfilter(x, g g^T, 'replicate')``, same size (symmetric kernel: conv = corr)."""
    y = ndimage.correlate1d(x, g, axis=0, mode="nearest")
    return ndimage.correlate1d(y, g, axis=1, mode="nearest")


def sobel_zero(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sobel responses with zero padding, same size.

    Returns ``(dx, dy)`` with ``dx = filter2([-1 0 1; -2 0 2; -1 0 1], x, 'same')`` (right
    minus left, vertically smoothed) and ``dy = filter2([-1 -2 -1; 0 0 0; 1 2 1], x, 'same')``
    (below minus above, horizontally smoothed).
    """
    p = np.pad(x, 1)
    return sobel_from_padded(p)


def sobel_from_padded(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mid = p[1:-1]
    v = np.add(p[:-2], p[2:])  # vertical [1 2 1] smoothing, shape (H, W + 2)
    v += mid
    v += mid
    dx = np.subtract(v[:, 2:], v[:, :-2])
    d = np.subtract(p[2:], p[:-2], out=v)  # below minus above (reuses v's memory)
    dy = np.add(d[:, :-2], d[:, 2:])
    dmid = d[:, 1:-1]
    dy += dmid
    dy += dmid
    return dx, dy


def sobel_padded(x: np.ndarray, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`sobel_zero` with another ``np.pad`` border mode ('edge', 'reflect', ...)."""
    return sobel_from_padded(np.pad(x, 1, mode=mode))


def block_reduce_sum(x: np.ndarray, block: int) -> np.ndarray:
    """Sum over distinct ``block x block`` tiles, zero-padding partial tiles (``blkproc``)."""
    rows, cols = x.shape
    pr = -rows % block
    pc = -cols % block
    if pr or pc:
        x = np.pad(x, ((0, pr), (0, pc)))
    r, c = x.shape
    return x.reshape(r // block, block, c // block, block).sum(axis=(1, 3))


def fft_freq_grid(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB ``freqspace([rows, cols], 'meshgrid')`` in *unshifted* FFT order, real-FFT half.

    ``freqspace`` gives ``f = ((0:n-1) - floor(n/2)) * 2/n`` in ``fftshift`` order; after
    ``ifftshift`` this is ``2 * fftfreq(n)``.  Filters that depend on ``|f|`` only are
    Hermitian symmetric, so ``ifft2(ifftshift(fftshift(fft2(x)) .* S))`` equals
    ``irfft2(rfft2(x) * S)`` up to rounding (MATLAB keeps a ~1e-17 imaginary part).
    Returns ``(u, v)`` of shape ``(rows, cols // 2 + 1)``: ``u`` column, ``v`` row frequency.
    """
    fu = 2.0 * np.abs(sfft.rfftfreq(cols))
    fv = 2.0 * np.abs(sfft.fftfreq(rows))
    return np.broadcast_to(fu[None, :], (rows, fu.size)), np.broadcast_to(
        fv[:, None], (rows, fu.size)
    )


@lru_cache(maxsize=16)
def _kernel_fft(shape: tuple[int, int], g_key: tuple[float, ...], scale: float) -> np.ndarray:
    g = np.asarray(g_key)
    k = np.zeros(shape)
    k[: g.size, : g.size] = scale * np.outer(g, g)
    kf = sfft.rfft2(k)
    kf.setflags(write=False)  # shared through the cache
    return kf


def linear_filter_same_fft(
    x: np.ndarray, kernels: list[tuple[np.ndarray, float]]
) -> list[np.ndarray]:
    """``filter2(s * g g^T, x, 'same')`` (zero padding) for several symmetric kernels via FFT.

    Each kernel is ``(g, s)``: the 2-D kernel is ``s * outer(g, g)`` with odd ``g.size``.
    ``x`` may carry leading batch axes (``(..., H, W)``).  One forward transform of ``x`` is
    shared by all kernels.
    """
    rows, cols = x.shape[-2:]
    n = max(g.size for g, _ in kernels)
    shape = (sfft.next_fast_len(rows + n - 1, real=True), sfft.next_fast_len(cols + n - 1, True))
    xp = np.zeros(x.shape[:-2] + shape)
    xp[..., :rows, :cols] = x
    xf = sfft.rfft2(xp)
    del xp
    out = []
    for g, s in kernels:
        h = g.size // 2
        kf = _kernel_fft(shape, tuple(float(v) for v in g), float(s))
        full = sfft.irfft2(xf * kf, s=shape)
        out.append(full[..., h : h + rows, h : h + cols])
    return out
