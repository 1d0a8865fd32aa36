"""MFCC from the shared mel frames, with optional deltas."""

from __future__ import annotations

import numpy as np
import scipy.fft

from .base import FrameExtractor
from .scaling import power_to_db, window_db
from .spectrogram import _check_mel_params, mel_db_product

__all__ = ["MFCC", "mfcc_from_mel", "mfcc_from_db", "mfcc_from_clipped", "add_deltas", "delta"]

DELTA_WIDTH = 9


def mfcc_from_mel(mel: np.ndarray, n_mfcc: int, top_db=80.0) -> np.ndarray:
    """librosa's ``mfcc`` from mel power ``(n, n_mels, t)``, dB per window.

    ``power_to_db(ref=1.0, top_db)`` then an orthonormal DCT-II over the mel
    axis, keeping ``n_mfcc`` coefficients.
    """
    db = power_to_db(mel, ref=1.0, top_db=top_db)
    return scipy.fft.dct(db, type=2, norm="ortho", axis=-2)[..., :n_mfcc, :].astype(np.float32)


def mfcc_from_db(db: np.ndarray, n_mfcc: int, top_db=80.0) -> np.ndarray:
    """:func:`mfcc_from_mel` from the mel frames' dB (``mel-db`` product)
    ``(n, n_mels, t)``: the clip below each window's maximum, then the DCT.

    The DCT runs frame by frame (pocketfft), so equal frames (silence) get
    equal coefficients; a matrix product's rounding differs between the
    columns of one BLAS call.
    """
    return mfcc_from_clipped(window_db(db, ref=1.0, top_db=top_db), n_mfcc)


def mfcc_from_clipped(clipped: np.ndarray, n_mfcc: int) -> np.ndarray:
    """The DCT step of :func:`mfcc_from_db`, of dB already clipped per window."""
    return scipy.fft.dct(clipped, type=2, norm="ortho", axis=-2)[..., :n_mfcc, :]


def delta(M: np.ndarray, order: int = 1) -> np.ndarray:
    """``librosa.feature.delta(M, order, width=9, axis=-1)`` of ``M (..., t)``.

    First order: librosa's Savitzky-Golay filter (``mode="interp"``, line
    fits) is ``sum_k k (M[t+k] - M[t-k]) / 60`` for ``k = 1..4``, and at the
    four frames of each end the slope of the line through the nine end
    frames, which is the value at the fifth frame; computed by four shifted
    differences instead of a fitted filter per call.  Other orders go
    through librosa.  Fewer than nine frames: edge-padded to nine, cropped
    back.
    """
    t = M.shape[-1]
    if t < DELTA_WIDTH:
        # librosa's delta needs DELTA_WIDTH frames: a shorter (warned) window
        # is edge-padded to that width and cropped back (one frame -> zeros).
        lo = (DELTA_WIDTH - t) // 2
        padded = np.pad(M, [(0, 0)] * (M.ndim - 1) + [(lo, DELTA_WIDTH - t - lo)], mode="edge")
        return delta(padded, order)[..., lo:lo + t]
    if order != 1:
        import librosa

        return librosa.feature.delta(M, order=order, width=DELTA_WIDTH, axis=-1).astype(np.float32)
    half = DELTA_WIDTH // 2
    inner = np.zeros(M.shape[:-1] + (t - 2 * half,), dtype=np.float32)
    for k in range(1, half + 1):
        inner += np.float32(k) * (M[..., half + k:t - half + k] - M[..., half - k:t - half - k])
    inner *= np.float32(1.0 / 60.0)
    out = np.empty(M.shape, dtype=np.float32)
    out[..., half:t - half] = inner
    out[..., :half] = inner[..., :1]
    out[..., t - half:] = inner[..., -1:]
    return out


def add_deltas(M: np.ndarray, deltas: int) -> np.ndarray:
    """Stack ``M`` with its deltas up to ``order=deltas`` along the rows
    (``librosa.feature.delta``, width 9, per window along time)."""
    if not deltas:
        return M
    parts = [M] + [delta(M, order=o) for o in range(1, deltas + 1)]
    return np.concatenate(parts, axis=-2).astype(np.float32)


class MFCC(FrameExtractor):
    """Mel-frequency cepstral coefficients per frame.

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_mels : int, default=128
    n_mfcc : int, default=20
    fmin : float, default=0.0
    fmax : float or None, default=None
    top_db : float or None, default=80.0
        dB floor below each window's loudest mel bin (librosa's default).
    deltas : {0, 1, 2}, default=0
        Append first (and second) order deltas (meant for at least 9 frames;
        shorter windows are edge-padded to 9 frames for the deltas).
    output : {"flat", "image"}, default="flat"
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_mfcc=20, fmin=0.0,
                 fmax=None, top_db=80.0, deltas=0, output="flat"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_mfcc = n_mfcc
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.deltas = deltas
        self.output = output

    def _check_extra_params(self):
        _check_mel_params(self)
        if not isinstance(self.n_mfcc, (int, np.integer)) or not 1 <= self.n_mfcc <= self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc!r} must be an integer in [1, n_mels={self.n_mels}]")
        if self.deltas not in (0, 1, 2):
            raise ValueError(f"deltas={self.deltas!r} must be 0, 1 or 2")

    def _min_samples(self):
        if self.deltas:
            return max(self.n_fft, (DELTA_WIDTH - 1) * self.hop_length)
        return self.n_fft

    def frame_products(self):
        return [mel_db_product(self.n_mels, self.fmin, self.fmax)]

    def _window_features(self, products):
        db = products[self.frame_products()[0].key]
        return add_deltas(mfcc_from_db(db, self.n_mfcc, self.top_db), self.deltas)[:, None]

    def _output_layout(self, n_samples):
        t = self.n_frames(n_samples)
        names = ["mfcc", "mfcc_delta", "mfcc_delta2"][:1 + self.deltas]
        return [(name, self.n_mfcc, t) for name in names]
