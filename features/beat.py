"""Beat-synchronous MFCC + chroma, as in the FMA genre labs.

Per window: onset strength from the window's log-mel frames, librosa's beat
tracker on it, then the median of each coefficient between consecutive
beats (``librosa.util.sync``, segments ``[0, b0), [b0, b1), ..., [b_last,
t)``), cut or zero-padded to ``n_beats`` segments.

Fallback: when the tracker finds fewer than 2 beats (silence, no pulse),
the window is split into ``n_beats`` equal segments instead, so the shape
never changes (:func:`beat_frames` reports whether it was used).
"""

from __future__ import annotations

import numpy as np

from .base import FrameExtractor
from .chroma import chroma_norm_product
from .mfcc import mfcc_from_db
from .spectrogram import _check_mel_params, logmel_from_db, mel_db_product

__all__ = ["BeatSynchronous", "beat_frames", "beat_sync"]


def beat_frames(logmel: np.ndarray, *, sr: int, hop_length: int, n_beats: int):
    """Beat frame indices of one window from its log-mel ``(n_mels, t)``.

    Returns ``(boundaries, fallback)``: the boundaries passed to
    ``librosa.util.sync`` and whether the equal-segment fallback was used.
    """
    import librosa

    t = logmel.shape[-1]
    onset = librosa.onset.onset_strength(S=logmel, sr=sr, hop_length=hop_length)
    beats = np.empty(0, dtype=int)
    if np.any(onset > 0):
        _, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=hop_length)
    beats = np.asarray(beats, dtype=int)
    if len(beats) >= 2:
        return beats, False
    return np.unique(np.linspace(0, t, n_beats + 1).astype(int)[1:-1]), True


def beat_sync(F: np.ndarray, boundaries, n_beats: int) -> np.ndarray:
    """Median of ``F (d, t)`` between boundaries, cut/zero-padded to ``n_beats``."""
    import librosa

    synced = librosa.util.sync(F, boundaries, aggregate=np.median, pad=True)[:, :n_beats]
    out = np.zeros((F.shape[0], n_beats), dtype=np.float32)
    out[:, :synced.shape[1]] = synced
    return out


class BeatSynchronous(FrameExtractor):
    """Beat-synchronous MFCC and chroma (median between beats).

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_mels : int, default=128
    n_mfcc : int, default=20
    n_chroma : int, default=12
    fmin : float, default=0.0
    fmax : float or None, default=None
    top_db : float or None, default=80.0
    n_beats : int, default=8
        Segments kept per window (a 5 s window at 120 BPM has ~11); fewer
        are padded with zeros.

    Output: ``(n_windows, (n_mfcc + n_chroma) * n_beats)``, names
    ``mfcc_01_b00`` ... ``chroma_12_b07``.
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_mfcc=20,
                 n_chroma=12, fmin=0.0, fmax=None, top_db=80.0, n_beats=8):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_mfcc = n_mfcc
        self.n_chroma = n_chroma
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.n_beats = n_beats

    def _check_extra_params(self):
        _check_mel_params(self)
        if not isinstance(self.n_beats, (int, np.integer)) or self.n_beats < 1:
            raise ValueError(f"n_beats={self.n_beats!r} must be a positive integer")
        if not isinstance(self.n_mfcc, (int, np.integer)) or not 1 <= self.n_mfcc <= self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc!r} must be an integer in [1, n_mels={self.n_mels}]")

    def frame_products(self):
        return [mel_db_product(self.n_mels, self.fmin, self.fmax),
                chroma_norm_product(self.n_chroma)]

    def _window_features(self, products):
        db, chroma = (products[p.key] for p in self.frame_products())
        F = np.concatenate([mfcc_from_db(db, self.n_mfcc, self.top_db), chroma], axis=-2)
        logmel = logmel_from_db(db, self.top_db)
        out = np.empty((len(F), F.shape[1], self.n_beats), dtype=np.float32)
        for i in range(len(F)):
            bounds, _ = beat_frames(logmel[i], sr=self.sr, hop_length=self.hop_length,
                                            n_beats=self.n_beats)
            out[i] = beat_sync(F[i], bounds, self.n_beats)
        return out.reshape(len(F), -1)

    def get_feature_names_out(self, input_features=None):
        """``mfcc_01_b00`` ... ``chroma_12_b07``."""
        rows = [f"mfcc_{i + 1:02d}" for i in range(self.n_mfcc)] + \
               [f"chroma_{i + 1:02d}" for i in range(self.n_chroma)]
        return np.asarray([f"{r}_b{b:02d}" for r in rows for b in range(self.n_beats)], dtype=object)
