"""Constant-Q frames of a recording: computed once, cached like STFT frames.

The CQT's long low-frequency filters do not slice into windows computed
alone, so CQT frames are a *recording-level* frame product: computed from
the whole recording's audio (``librosa.cqt``, ``tuning=0.0``) and stored in
the :class:`~features.frames.FrameCache` beside the STFT products.
:func:`chroma_from_cqt` folds them to chroma exactly as
``librosa.feature.chroma_cqt`` does.

Public names
------------
cqt_magnitude, chroma_from_cqt, cqt_n_octaves (the frame product itself,
``FrameProduct("cqt", ...)``, is :func:`features.context.cqt_product`)
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .scaling import normalize_frames

__all__ = ["C1_HZ", "chroma_from_cqt", "cqt_magnitude", "cqt_n_octaves"]

C1_HZ = 32.703195662574764


def cqt_n_octaves(sr: int, fmin: float = C1_HZ, n_octaves: int = 7) -> int:
    """Octaves above ``fmin`` that fit below Nyquist (librosa's 7 exceed it at 8 kHz)."""
    return max(1, min(int(n_octaves), math.floor(math.log2(sr / 2 / fmin))))


def cqt_magnitude(y: np.ndarray, *, sr: int, hop_length: int, fmin: float = C1_HZ,
                  n_octaves: int = 6, bins_per_octave: int = 12) -> np.ndarray:
    """``|librosa.cqt(y, tuning=0.0)|`` as float32.

    Parameters
    ----------
    y : np.ndarray [shape=(..., n)]
    sr, hop_length : int
        ``hop_length`` must be divisible by ``2 ** (n_octaves - 1)``.
    fmin : float, default C1
    n_octaves, bins_per_octave : int

    Returns
    -------
    C : np.ndarray [shape=(..., n_octaves * bins_per_octave, 1 + n // hop_length)], float32
    """
    import librosa

    if hop_length % 2 ** (n_octaves - 1):
        raise ValueError(f"hop_length={hop_length} must be divisible by 2**(n_octaves - 1) = "
                         f"{2 ** (n_octaves - 1)} for a {n_octaves}-octave CQT")
    C = librosa.cqt(np.asarray(y, dtype=np.float32), sr=sr, hop_length=hop_length, fmin=fmin,
                    n_bins=n_octaves * bins_per_octave, bins_per_octave=bins_per_octave,
                    tuning=0.0)
    return np.abs(C).astype(np.float32)


@functools.lru_cache(maxsize=16)
def _cq_to_chroma(n_input: int, bins_per_octave: int, n_chroma: int, fmin: float) -> np.ndarray:
    import librosa

    basis = librosa.filters.cq_to_chroma(n_input, bins_per_octave=bins_per_octave,
                                         n_chroma=n_chroma, fmin=fmin).astype(np.float32)
    basis.setflags(write=False)
    return basis


def chroma_from_cqt(C: np.ndarray, *, fmin: float = C1_HZ, bins_per_octave: int = 12,
                    n_chroma: int = 12) -> np.ndarray:
    """Chroma of CQT magnitude frames ``C [shape=(..., n_bins, t)]``, each
    frame max-normalised: ``librosa.feature.chroma_cqt(C=C)``'s arithmetic."""
    basis = _cq_to_chroma(C.shape[-2], bins_per_octave, n_chroma, float(fmin))
    return normalize_frames(np.einsum("cb,...bt->...ct", basis, C, optimize=True))
