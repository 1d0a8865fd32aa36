"""The one STFT: power frames of a zero-padded, centred signal.

Every door uses :func:`power_frames` (a window alone, a whole recording,
or the few edge frames of a window cut from a recording), so frames that
cover the same samples are computed by the same arithmetic.

Framing follows librosa's ``stft(center=True, pad_mode="constant")``: frame
``k`` is centred on sample ``k * hop_length`` of a signal extended with zeros
on both sides, and a signal of ``n`` samples has ``1 + n // hop_length``
frames.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.fft
import scipy.signal

__all__ = ["n_frames", "power_frames", "power_transposed", "iter_power_chunks", "hann_window"]


def n_frames(n_samples: int, hop_length: int) -> int:
    """Number of centred frames of a signal of ``n_samples`` samples."""
    return 1 + int(n_samples) // int(hop_length)


@functools.lru_cache(maxsize=32)
def hann_window(n_fft: int) -> np.ndarray:
    """Periodic Hann window (librosa's default), float32, read-only."""
    w = scipy.signal.get_window("hann", int(n_fft), fftbins=True).astype(np.float32)
    w.setflags(write=False)
    return w


def iter_power_chunks(y, *, n_fft: int, hop_length: int, start: int = 0, stop=None,
                      chunk_frames: int = 128):
    """Yield ``(c0, c1, power)`` for frames ``c0:c1`` in chunks of ``chunk_frames``.

    Chunks small enough to stay in cache make the transposition to
    (bins, frames) cheap; products are applied chunk by chunk so a whole
    recording's power spectrogram is never held unless asked for.
    """
    n = y.shape[-1]
    if stop is None:
        stop = n_frames(n, hop_length)
    pad = n_fft // 2
    window = hann_window(n_fft)
    for c0 in range(start, stop, chunk_frames):
        c1 = min(stop, c0 + chunk_frames)
        a = c0 * hop_length - pad
        b = (c1 - 1) * hop_length - pad + n_fft
        lo, hi = max(a, 0), min(b, n)
        if lo == a and hi == b and y.dtype == np.float32:
            seg = y[..., a:b]  # inside the signal: frame it in place, no copy
        else:
            seg = np.zeros(y.shape[:-1] + (b - a,), dtype=np.float32)
            if hi > lo:
                seg[..., lo - a:hi - a] = y[..., lo:hi]
        spec = scipy.fft.rfft(_frames_of(seg, n_fft, hop_length, c1 - c0) * window, axis=-1)
        yield c0, c1, power_transposed(spec)


def _frames_of(seg: np.ndarray, n_fft: int, hop_length: int, count: int) -> np.ndarray:
    """``count`` frames of ``n_fft`` samples every ``hop_length`` samples of
    ``seg [shape=(..., n)]``, a strided view: ``sliding_window_view(seg,
    n_fft)[..., ::hop_length, :]`` without its per-call checks (a twentieth
    of the first pass, once per chunk)."""
    step = seg.strides[-1]
    return np.lib.stride_tricks.as_strided(
        seg, shape=seg.shape[:-1] + (count, n_fft),
        strides=seg.strides[:-1] + (hop_length * step, step), writeable=False)


def power_transposed(spec: np.ndarray) -> np.ndarray:
    """``|spec|**2`` of ``spec [shape=(..., frames, bins)]`` as float32
    ``(..., bins, frames)``: the squares and the transposition in one
    compiled, cache-blocked pass (numpy took a pass for each square and a
    strided copy for the transposition, together half the FFT's time)."""
    lead = spec.shape[:-2]
    flat = np.ascontiguousarray(spec, dtype=np.complex64).reshape((-1,) + spec.shape[-2:])
    out = np.empty((flat.shape[0], flat.shape[2], flat.shape[1]), dtype=np.float32)
    _power_kernel()(flat, out)
    return out.reshape(lead + out.shape[1:])


@functools.lru_cache(maxsize=1)
def _power_kernel():
    import numba  # comes with librosa; compiled once, cached on disk

    @numba.njit(cache=True, nogil=True)
    def power(spec, out):
        block = 64
        for i in range(spec.shape[0]):
            for b0 in range(0, spec.shape[2], block):
                b1 = min(b0 + block, spec.shape[2])
                for f in range(spec.shape[1]):
                    for b in range(b0, b1):
                        v = spec[i, f, b]
                        out[i, b, f] = v.real * v.real + v.imag * v.imag
    return power


def power_frames(y, *, n_fft: int, hop_length: int, start: int = 0, stop=None,
                 chunk_frames: int = 128) -> np.ndarray:
    """Power spectrogram frames ``start:stop`` of the zero-extended signal.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
        Audio, float32.  Leading axes are batch axes.  Only the samples that
        the requested frames cover are read (``y`` may be a memory map).
    n_fft : int
        FFT size.
    hop_length : int
        Samples between frame centres.
    start, stop : int
        Frame range; ``stop`` defaults to ``1 + n // hop_length``.
    chunk_frames : int
        Frames per FFT call, which bounds the temporary memory.

    Returns
    -------
    power : np.ndarray [shape=(..., 1 + n_fft // 2, stop - start)], float32
    """
    if stop is None:
        stop = n_frames(y.shape[-1], hop_length)
    out = np.empty(y.shape[:-1] + (1 + n_fft // 2, stop - start), dtype=np.float32)
    for c0, c1, power in iter_power_chunks(y, n_fft=n_fft, hop_length=hop_length, start=start,
                                           stop=stop, chunk_frames=chunk_frames):
        out[..., c0 - start:c1 - start] = power
    return out
