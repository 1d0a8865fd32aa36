"""FMA-style summary statistics from precomputed fused arrays (no audio).

The course layout ships ``140 x T`` images (log-mel in dB re the clip's
maximum over chroma), not audio.  :class:`FusedStatistics` turns windows of
such images into the same columns as
:class:`~features.stats.SummaryStatistics` (MFCC as the orthonormal DCT of
the dB rows, chroma, MFCC deltas, tonnetz; seven statistics each), so a
model trained through the audio reader and one trained through the arrays
see the same feature names.

The dB reference of the arrays is the clip's (or window's) maximum, where
``SummaryStatistics`` uses 1.0: a constant per window, which moves only the
first MFCC coefficient (its mean, median, min and max); every other column
equals ``SummaryStatistics`` of the same window's audio.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .mfcc import add_deltas
from .stats import frame_statistics, statistic_names, tonnetz_from_chroma

__all__ = ["FusedStatistics"]


class FusedStatistics(TransformerMixin, BaseEstimator):
    """Summary statistics of fused ``(n_mels + n_chroma) x t`` windows.

    Parameters
    ----------
    n_mels : int, default=128
    n_chroma : int, default=12
    n_mfcc : int, default=20
    deltas : bool, default=True
    tonnetz : bool, default=True

    ``transform(X)`` takes ``X`` of shape ``(n_windows, n_mels + n_chroma,
    t)`` (or ``(n_windows, 1, rows, t)``) and returns ``(n_windows,
    7 * (n_mfcc + n_chroma + n_mfcc * deltas + 6 * tonnetz))`` float32.
    """

    def __init__(self, *, n_mels=128, n_chroma=12, n_mfcc=20, deltas=True, tonnetz=True):
        self.n_mels = n_mels
        self.n_chroma = n_chroma
        self.n_mfcc = n_mfcc
        self.deltas = deltas
        self.tonnetz = tonnetz

    def _check(self, X):
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 4 and X.shape[1] == 1:
            X = X[:, 0]
        rows = self.n_mels + self.n_chroma
        if X.ndim != 3 or X.shape[1] != rows:
            raise ValueError(f"windows of shape {X.shape} must be (n_windows, {rows}, t)")
        if not 1 <= self.n_mfcc <= self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc!r} must be in [1, n_mels={self.n_mels}]")
        if self.deltas and X.shape[2] < 9:
            raise ValueError(f"deltas need windows of at least 9 frames, got {X.shape[2]}")
        if not np.all(np.isfinite(X)):
            raise ValueError("windows contain NaN or infinite values")
        return X

    def fit(self, X, y=None):
        """Check the windows' shape; nothing is learned."""
        X = self._check(X)
        self.n_frames_in_ = X.shape[2]
        return self

    def transform(self, X):
        """Statistics of each window (see the class docstring)."""
        check_is_fitted(self, "n_frames_in_")
        X = self._check(X)
        mfcc = scipy.fft.dct(X[:, :self.n_mels], type=2, norm="ortho", axis=-2)[:, :self.n_mfcc]
        mfcc = mfcc.astype(np.float32)
        chroma = X[:, self.n_mels:]
        blocks = [mfcc, chroma]
        if self.deltas:
            blocks.append(add_deltas(mfcc, 1)[:, self.n_mfcc:])
        if self.tonnetz:
            blocks.append(tonnetz_from_chroma(chroma))
        return np.concatenate([frame_statistics(b) for b in blocks], axis=-1)

    def get_feature_names_out(self, input_features=None):
        """The names :class:`~features.stats.SummaryStatistics` gives without its
        rhythm and key-chroma blocks (the `stats-406` set: the arrays hold no audio)."""
        blocks = [("mfcc", self.n_mfcc), ("chroma", self.n_chroma)]
        if self.deltas:
            blocks.append(("mfcc_delta", self.n_mfcc))
        if self.tonnetz:
            blocks.append(("tonnetz", 6))
        return np.asarray(statistic_names(blocks), dtype=object)
