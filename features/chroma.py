"""Chroma (from the STFT, or the CQT as an option) and fused mel + chroma."""

from __future__ import annotations

import math

import numpy as np

from .base import FrameExtractor
from .products import FrameProduct
from .scaling import normalize_frames
from .spectrogram import _check_mel_params, logmel_from_db, mel_db_product

__all__ = ["Chroma", "MelChroma", "chroma_product", "chroma_norm_product", "tonnetz_product",
           "chroma_from_energies"]


def chroma_product(n_chroma) -> FrameProduct:
    """Raw chroma-filterbank energies (librosa's STFT chroma, ``tuning=0.0``)."""
    return FrameProduct("chroma", (("n_chroma", int(n_chroma)),))


def chroma_norm_product(n_chroma) -> FrameProduct:
    """``chroma_stft(tuning=0.0)`` frames: energies, each frame divided by its max."""
    return FrameProduct("chroma-norm", (("n_chroma", int(n_chroma)),))


def tonnetz_product() -> FrameProduct:
    """``librosa.feature.tonnetz`` of the 12-bin STFT chroma frames."""
    return FrameProduct("tonnetz", (("n_chroma", 12),))


def chroma_from_energies(raw: np.ndarray) -> np.ndarray:
    """librosa's ``chroma_stft`` normalisation: each frame divided by its max."""
    return normalize_frames(raw)


class Chroma(FrameExtractor):
    """Chromagram frames.

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_chroma : int, default=12
    kind : {"stft", "cqt"}, default="stft"
        ``"stft"``: ``librosa.feature.chroma_stft(tuning=0.0)`` from the
        shared STFT.  ``"cqt"``: ``librosa.feature.chroma_cqt(tuning=0.0,
        bins_per_octave=12)``; its long low-frequency filters do not slice,
        so ``from_frames`` recomputes each window from the recording's audio
        (exact, but not cheaper than ``transform``).
    output : {"flat", "image"}, default="flat"
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_chroma=12, kind="stft",
                 output="flat"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_chroma = n_chroma
        self.kind = kind
        self.output = output

    def _check_extra_params(self):
        if self.kind not in ("stft", "cqt"):
            raise ValueError(f"kind={self.kind!r} must be 'stft' or 'cqt'")
        if not isinstance(self.n_chroma, (int, np.integer)) or self.n_chroma < 1:
            raise ValueError(f"n_chroma={self.n_chroma!r} must be a positive integer")
        if self.kind == "cqt" and self.hop_length % 2 ** (self._n_octaves() - 1):
            raise ValueError(f"kind='cqt' needs hop_length divisible by 2**(n_octaves - 1) = "
                             f"{2 ** (self._n_octaves() - 1)}; got hop_length={self.hop_length}")

    def _n_octaves(self):
        # librosa's default 7 octaves above C1 exceed Nyquist at 8 kHz.
        return max(1, min(7, math.floor(math.log2(self.sr / 2 / 32.703195662574764))))

    def frame_products(self):
        return [] if self.kind == "cqt" else [chroma_norm_product(self.n_chroma)]

    def _products_from_windows(self, X):
        if self.kind != "cqt":
            return super()._products_from_windows(X)
        import librosa

        cq = np.stack([librosa.feature.chroma_cqt(
            y=x, sr=self.sr, hop_length=self.hop_length, n_chroma=self.n_chroma, tuning=0.0,
            bins_per_octave=12, n_octaves=self._n_octaves()) for x in X]).astype(np.float32)
        return {"cqt": cq}

    def from_frames(self, frames, starts, n_samples):
        if self.kind != "cqt":
            return super().from_frames(frames, starts, n_samples)
        from .audio import cut_windows

        self._check_sr(frames.sr)
        return self.transform(cut_windows(frames.audio, starts, int(n_samples)))

    def _window_features(self, products):
        if self.kind == "cqt":
            return products["cqt"][:, None]
        return products[chroma_norm_product(self.n_chroma).key][:, None]

    def _output_layout(self, n_samples):
        return [("chroma", self.n_chroma, self.n_frames(n_samples))]


class MelChroma(FrameExtractor):
    """Fused image: log-mel (dB re window max) rows stacked over chroma rows.

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_mels : int, default=128
    n_chroma : int, default=12
    fmin : float, default=0.0
    fmax : float or None, default=None
    top_db : float or None, default=80.0
    output : {"flat", "image"}, default="flat"
        Images have shape (n_windows, 1, n_mels + n_chroma, n_frames).
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_chroma=12,
                 fmin=0.0, fmax=None, top_db=80.0, output="flat"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_chroma = n_chroma
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.output = output

    def _check_extra_params(self):
        _check_mel_params(self)

    def frame_products(self):
        return [mel_db_product(self.n_mels, self.fmin, self.fmax),
                chroma_norm_product(self.n_chroma)]

    def _window_features(self, products):
        db, chroma = (products[p.key] for p in self.frame_products())
        return np.concatenate([logmel_from_db(db, self.top_db), chroma], axis=-2)[:, None]

    def _output_layout(self, n_samples):
        t = self.n_frames(n_samples)
        return [("logmel", self.n_mels, t), ("chroma", self.n_chroma, t)]
