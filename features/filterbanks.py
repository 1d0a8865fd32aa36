"""Filterbanks, built once per parameter set and shared (read-only)."""

from __future__ import annotations

import functools

import numpy as np
import scipy.sparse

__all__ = ["mel_basis", "chroma_basis", "apply_basis"]


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
    flat = np.moveaxis(power, -2, 0).reshape(n_bins, -1)
    out = np.asarray(basis @ flat, dtype=np.float32)
    out = out.reshape((out.shape[0],) + lead + (t,))
    return np.ascontiguousarray(np.moveaxis(out, 0, -2))
