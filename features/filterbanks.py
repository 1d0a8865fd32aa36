"""Filterbanks, built once per parameter set and shared (read-only)."""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse

__all__ = ["mel_basis", "chroma_basis", "apply_basis", "tonnetz_basis"]


@functools.lru_cache(maxsize=32)
def mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax):
    """librosa's Slaney mel filterbank as a sparse float32 matrix (n_mels, 1 + n_fft//2)."""
    import librosa

    basis = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax,
                                dtype=np.float32)
    # Each FFT bin falls in at most two triangles: a sparse product does ~1/50
    # of the dense work.
    return scipy.sparse.csr_array(basis)


@functools.lru_cache(maxsize=32)
def chroma_basis(sr: int, n_fft: int, n_chroma: int):
    """librosa's STFT chroma filterbank with ``tuning=0.0`` (no per-call estimate)."""
    import librosa

    basis = librosa.filters.chroma(sr=sr, n_fft=n_fft, n_chroma=n_chroma, tuning=0.0,
                                   dtype=np.float32)
    basis.setflags(write=False)
    return basis


def apply_basis(basis, power: np.ndarray) -> np.ndarray:
    """``basis @ power`` over the bin axis of ``power [shape=(..., n_bins, t)]``."""
    if power.ndim == 2:
        return np.asarray(basis @ power, dtype=np.float32)
    lead, (n_bins, t) = power.shape[:-2], power.shape[-2:]
    if not scipy.sparse.issparse(basis):
        # One product per window: a dense BLAS product's rounding depends on
        # the number of columns, so one product over a whole batch would
        # make a window's values depend on its neighbours (last bits, which
        # tonnetz kurtosis amplifies).
        flat = power.reshape((-1, n_bins, t))
        out = np.empty((len(flat), basis.shape[0], t), dtype=np.float32)
        for i, frames in enumerate(flat):
            np.matmul(basis, frames, out=out[i])
        return out.reshape(lead + (basis.shape[0], t))
    flat = np.moveaxis(power, -2, 0).reshape(n_bins, -1)
    out = np.asarray(basis @ flat, dtype=np.float32)
    out = out.reshape((out.shape[0],) + lead + (t,))
    return np.ascontiguousarray(np.moveaxis(out, 0, -2))


@functools.lru_cache(maxsize=1)
def tonnetz_basis() -> np.ndarray:
    """librosa's tonnetz projection (6, 12): fifths, minor and major thirds
    as sin/cos pairs (``librosa.feature.tonnetz``), float32, read-only."""
    dim_map = np.linspace(0, 12, num=12, endpoint=False)
    scale = np.asarray([7.0 / 6, 7.0 / 6, 3.0 / 2, 3.0 / 2, 2.0 / 3, 2.0 / 3])
    V = np.multiply.outer(scale, dim_map)
    V[::2] -= 0.5
    R = np.array([1, 1, 1, 1, 0.5, 0.5])
    phi = (R[:, None] * np.cos(np.pi * V)).astype(np.float32)
    phi.setflags(write=False)
    return phi
