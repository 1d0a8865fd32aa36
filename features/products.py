"""Frame products: per-frame maps of the power spectrogram, stored per recording.

A *frame product* turns each power frame (one STFT column) into a column of
numbers that depends on that frame alone, so a window's product is a slice
of the recording's, apart from the few edge frames that
:func:`features.frames.window_products` recomputes.  Linear products
(filterbank energies) and the per-frame nonlinear steps that follow them
(dB, chroma normalisation, tonnetz, log-magnitude) are both per-frame, so
the nonlinear step is paid once per recording in the first pass rather than
once per window in every epoch.

Kinds
-----
``power``          the power spectrogram, ``(1 + n_fft // 2, t)``
``mel``            mel filterbank energies (librosa's Slaney filterbank)
``chroma``         STFT chroma filterbank energies (``tuning=0.0``)
``mel-db``         ``10 log10(max(mel, amin))``: dB re 1.0, no clipping
                   (clipping at a window's maximum minus ``top_db`` is a
                   window step, :func:`features.scaling.window_db`)
``chroma-norm``    chroma energies, each frame divided by its maximum
                   (librosa's ``chroma_stft``)
``tonnetz``        ``librosa.feature.tonnetz`` of the normalised chroma
``log-magnitude``  ``log(|S| + eps)``, optionally resized along frequency
                   to ``n_bins`` rows (linear interpolation, corners aligned)
``cqt``            a *recording-level* product: CQT magnitudes computed from
                   the whole recording's audio (:mod:`features.cqt`; params
                   fmin, n_octaves, bins_per_octave), never from STFT frames
                   and never recomputed for a window alone
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

import numpy as np

from . import filterbanks
from .scaling import AMIN, normalize_frames, resize_matrix

__all__ = ["FrameProduct", "mel_db", "log_magnitude"]

#: Nonlinear kind -> the linear kind it is derived from.
_SOURCES = {"mel-db": "mel", "chroma-norm": "chroma", "tonnetz": "chroma",
            "log-magnitude": "power"}
KINDS = ("power", "mel", "chroma") + tuple(_SOURCES)
RECORDING_LEVEL = ("cqt",)


#: 10 / ln(10): dB from the natural log, which numpy vectorises for float32
#: (log10 it does not: 2.7x slower on this kind of machine).
_DB_PER_NEPER = np.float32(10.0 / np.log(10.0))


def mel_db(mel: np.ndarray) -> np.ndarray:
    """``10 log10(max(mel, amin))`` in float32 (dB re 1.0, unclipped)."""
    db = np.log(np.maximum(mel, np.float32(AMIN)), dtype=np.float32)
    db *= _DB_PER_NEPER
    return db


def log_magnitude(power: np.ndarray, eps: float, n_bins=None) -> np.ndarray:
    """``log(sqrt(power) + eps)`` of ``power [shape=(..., n_fft // 2 + 1, t)]``,
    resized to ``n_bins`` rows if given."""
    img = np.log(np.sqrt(power) + np.float32(eps))
    if n_bins is not None and n_bins != img.shape[-2]:
        img = np.matmul(resize_matrix(img.shape[-2], int(n_bins)), img)
    return img.astype(np.float32, copy=False)


def tonnetz(chroma: np.ndarray) -> np.ndarray:
    """``librosa.feature.tonnetz(chroma=...)`` of normalised chroma ``(..., 12, t)``.

    L1-normalise each frame (silent frames stay zero), project onto the six
    tonal centroids; float32.
    """
    total = np.sum(np.abs(chroma), axis=-2, keepdims=True, dtype=np.float32)
    total[total < np.finfo(np.float32).tiny] = 1.0
    # In float64, as librosa: a float32 product's last bit depends on the
    # operands' memory alignment (BLAS kernels), so a window would differ
    # with its neighbours in a batch; rounded from float64 it does not.
    basis = filterbanks.tonnetz_basis().astype(np.float64)
    return np.matmul(basis, chroma / total).astype(np.float32)


@functools.lru_cache(maxsize=256)
def _product_key(kind: str, params: tuple) -> str:
    # Looked up for every product of every batch: hash once per product.
    text = json.dumps([kind, [list(p) for p in params]], default=repr)
    return f"{kind}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class FrameProduct:
    """A per-frame map of the power spectrogram.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS` (see the module docstring).
    params : tuple of (name, value) pairs
        ``mel`` / ``mel-db``: n_mels, fmin, fmax; ``chroma`` /
        ``chroma-norm`` / ``tonnetz``: n_chroma; ``log-magnitude``: eps,
        n_bins (``None``: all ``1 + n_fft // 2`` bins).
    """

    kind: str
    params: tuple = ()

    @property
    def key(self) -> str:
        """File-name-safe identity of the product (kind + parameters)."""
        return _product_key(self.kind, self.params)

    @property
    def recording_level(self) -> bool:
        """Computed from the whole recording's audio rather than STFT frames."""
        return self.kind in RECORDING_LEVEL

    def from_audio(self, y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
        """A recording-level product of audio ``y``."""
        from .cqt import cqt_magnitude

        return cqt_magnitude(y, sr=sr, hop_length=hop_length, **dict(self.params))

    def source(self) -> "FrameProduct":
        """The linear product this one is derived from (itself if linear)."""
        kind = _SOURCES.get(self.kind)
        if kind is None:
            return self
        if kind == "power":
            return FrameProduct("power")
        return FrameProduct(kind, self.params)

    def basis(self, sr: int, n_fft: int):
        p = dict(self.params)
        if self.kind == "power":
            return None
        if self.kind == "mel":
            return filterbanks.mel_basis(sr, n_fft, p["n_mels"], p["fmin"], p["fmax"])
        if self.kind == "chroma":
            return filterbanks.chroma_basis(sr, n_fft, p["n_chroma"])
        raise ValueError(f"unknown frame product kind={self.kind!r}")

    def apply(self, power: np.ndarray, sr: int, n_fft: int, memo=None) -> np.ndarray:
        """The product of power frames ``[shape=(..., 1 + n_fft // 2, t)]``.

        ``memo`` (a dict) shares linear energies between the products of one
        block of frames, so mel or chroma energies are computed once for
        ``mel`` and ``mel-db``, ``chroma-norm`` and ``tonnetz``.
        """
        if memo is not None and self.key in memo:
            return memo[self.key]
        out = self._compute(power, sr, n_fft, memo)
        if memo is not None:
            memo[self.key] = out
        return out

    def _compute(self, power, sr, n_fft, memo):
        if self.kind not in KINDS:
            raise ValueError(f"unknown frame product kind={self.kind!r}")
        source = self.source()
        if source is self:
            basis = self.basis(sr, n_fft)
            return power if basis is None else filterbanks.apply_basis(basis, power)
        p = dict(self.params)
        if self.kind == "tonnetz":
            return tonnetz(FrameProduct("chroma-norm", self.params).apply(power, sr, n_fft, memo))
        energies = source.apply(power, sr, n_fft, memo)
        if self.kind == "mel-db":
            return mel_db(energies)
        if self.kind == "chroma-norm":
            return normalize_frames(energies)
        return log_magnitude(energies, p["eps"], p["n_bins"])
