"""Summary statistics over frames (the FMA feature set's recipe).

Per coefficient over a window's frames: mean, std, skew, kurtosis (Fisher),
median, min, max; names ``<block>_<stat>_<coef>``, e.g. ``mfcc_mean_01``,
ordered block, statistic, coefficient as FMA's ``features.csv``.  The blocks
are MFCC, chroma, and optionally MFCC deltas and tonnetz (FMA's set has
tonnetz; deltas carry the short-term dynamics that frame statistics lose).
Two further blocks hear what the default corpus varies (its timbre is drawn
at random): rhythm statistics (:mod:`features.rhythm`) and key-normalised
chroma (:mod:`features.keychroma`), both from the same frames.
"""

from __future__ import annotations

import numpy as np

from .base import FrameExtractor
from .chroma import chroma_norm_product, tonnetz_product
from .mfcc import delta, mfcc_from_clipped
from .products import tonnetz
from .spectrogram import _check_mel_params, mel_db_product

__all__ = ["STATISTICS", "frame_statistics", "block_statistics", "SummaryStatistics"]

STATISTICS = ("mean", "std", "skew", "kurtosis", "median", "min", "max")


def _statistics(F: np.ndarray) -> np.ndarray:
    """Statistics of ``F [shape=(n, d, t)]`` over frames: shape (n, 7, d)."""
    F64 = F.astype(np.float64)
    mean = F64.mean(axis=-1)
    centred = F64 - mean[..., None]
    # Products, not ``** 3`` / ``** 4``: numpy's float pow is ~10x slower and
    # these moments were most of a window's cost from cached frames.
    squared = centred * centred
    m2 = squared.mean(axis=-1)
    m3 = np.mean(squared * centred, axis=-1)
    m4 = np.mean(squared * squared, axis=-1)
    # Rounding noise in a constant row must not read as skew: treat variance
    # below float32 resolution of the values as zero.
    flat = m2 <= (np.finfo(np.float32).eps * np.maximum(np.abs(mean), 1e-30)) ** 2
    safe = np.where(flat, 1.0, m2)
    skew = np.where(flat, 0.0, m3 / safe ** 1.5)
    kurt = np.where(flat, 0.0, m4 / safe ** 2 - 3.0)
    # One SIMD sort of the float32 rows gives the median, min and max (a
    # partition for the median alone cost five times as much).
    ordered = np.sort(F, axis=-1)
    t = F.shape[-1]
    if t % 2:
        median = ordered[..., t // 2]
    else:
        median = (ordered[..., t // 2 - 1] + ordered[..., t // 2]) * np.float32(0.5)
    stats = [mean, np.sqrt(m2), skew, kurt, median, ordered[..., 0], ordered[..., -1]]
    return np.stack([np.asarray(x, dtype=np.float32) for x in stats], axis=1)


def frame_statistics(F: np.ndarray) -> np.ndarray:
    """Statistics of ``F [shape=(n, d, t)]`` over frames: shape (n, 7 * d).

    Constant rows (silence) have skew and kurtosis 0, not NaN.
    """
    return _statistics(F).reshape(len(F), -1)


def block_statistics(blocks) -> np.ndarray:
    """``concatenate([frame_statistics(b) for b in blocks], axis=-1)``, with
    one pass over all blocks' rows (fewer, larger numpy calls)."""
    stats = _statistics(np.concatenate(blocks, axis=-2))
    edges = np.cumsum([0] + [b.shape[-2] for b in blocks])
    return np.concatenate([stats[:, :, a:b].reshape(len(stats), -1)
                           for a, b in zip(edges[:-1], edges[1:])], axis=-1)


def statistic_names(blocks):
    """``[(block, d), ...]`` -> names ``block_stat_01`` ..."""
    return [f"{block}_{stat}_{i + 1:02d}" for block, d in blocks for stat in STATISTICS
            for i in range(d)]


class SummaryStatistics(FrameExtractor):
    """FMA-style statistics of MFCC and chroma frames: the tabular feature set.

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
    deltas : bool, default=True
        Add the statistics of the first-order MFCC deltas
        (``librosa.feature.delta``, width 9, per window): block ``mfcc_delta``.
    tonnetz : bool, default=True
        Add the statistics of the tonal centroids
        (``librosa.feature.tonnetz`` of the chroma frames): block ``tonnetz``
        (needs ``n_chroma=12``).
    rhythm : bool, default=True
        Add the 20 rhythm statistics of :mod:`features.rhythm` (onset
        strength, onset rate, inter-onset spread, onset autocorrelation).
    key_chroma : bool, default=True
        Add the 32 key-normalised chroma statistics of
        :mod:`features.keychroma` (needs ``n_chroma=12``).

    Output has ``7 * (n_mfcc + n_chroma + n_mfcc * deltas + 6 * tonnetz)
    + 20 * rhythm + 32 * key_chroma`` columns (458 by default; 406, FMA's
    recipe, with ``rhythm=False, key_chroma=False``: the ``stats-406`` set),
    named by ``get_feature_names_out``: ``mfcc_mean_01`` ...
    ``chroma_max_12``, ``mfcc_delta_mean_01`` ..., ``tonnetz_mean_01`` ...
    ``tonnetz_max_06``, ``rhythm_onset_mean`` ..., ``keychroma_mean_01`` ....

    On the default corpus's held-out recordings the two optional blocks
    raised SGD and logistic-regression composer accuracy by about two
    points over MFCC + chroma alone (measured once, seed 0).
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, n_mfcc=20,
                 n_chroma=12, fmin=0.0, fmax=None, top_db=80.0, deltas=True, tonnetz=True,
                 rhythm=True, key_chroma=True):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.n_mfcc = n_mfcc
        self.n_chroma = n_chroma
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.deltas = deltas
        self.tonnetz = tonnetz
        self.rhythm = rhythm
        self.key_chroma = key_chroma

    def _check_extra_params(self):
        _check_mel_params(self)
        if not isinstance(self.n_mfcc, (int, np.integer)) or not 1 <= self.n_mfcc <= self.n_mels:
            raise ValueError(f"n_mfcc={self.n_mfcc!r} must be an integer in [1, n_mels={self.n_mels}]")
        if self.tonnetz and self.n_chroma != 12:
            raise ValueError(f"tonnetz=True needs n_chroma=12, got n_chroma={self.n_chroma!r}")
        if self.key_chroma and self.n_chroma != 12:
            raise ValueError(f"key_chroma=True needs n_chroma=12, got n_chroma={self.n_chroma!r}")

    def _min_samples(self) -> int:
        # Deltas need librosa's width of 9 frames inside every window.
        if self.deltas:
            return max(self.n_fft, 8 * self.hop_length + 1)
        return self.n_fft

    def _blocks(self):
        blocks = [("mfcc", self.n_mfcc), ("chroma", self.n_chroma)]
        if self.deltas:
            blocks.append(("mfcc_delta", self.n_mfcc))
        if self.tonnetz:
            blocks.append(("tonnetz", 6))
        return blocks

    def frame_products(self):
        # MFCC need the window (dB clipped below its maximum); chroma and
        # tonnetz are per frame and come stored.
        products = [mel_db_product(self.n_mels, self.fmin, self.fmax),
                    chroma_norm_product(self.n_chroma)]
        if self.tonnetz:
            products.append(tonnetz_product())
        return products

    def _window_features(self, products):
        db, chroma = (products[p.key] for p in self.frame_products()[:2])
        # One clip serves the MFCC (dB re 1.0) and the rhythm block (dB re
        # the window's maximum: the same values less the peak, bit for bit,
        # as ``logmel_from_db`` gives them); ``mfcc_from_db`` and
        # ``logmel_from_db`` each clipping on their own cost 10% of the block.
        peak = db.max(axis=(-2, -1), keepdims=True)
        clipped = db if self.top_db is None else np.maximum(db, peak - np.float32(self.top_db))
        mfcc = mfcc_from_clipped(clipped, self.n_mfcc)
        blocks = [mfcc, chroma]
        if self.deltas:
            blocks.append(delta(mfcc))
        if self.tonnetz:
            blocks.append(products[tonnetz_product().key])
        out = [block_statistics(blocks)]
        if self.rhythm:
            from .rhythm import rhythm_features

            out.append(rhythm_features(clipped - peak, sr=self.sr, hop_length=self.hop_length))
        if self.key_chroma:
            from .keychroma import key_chroma_features

            out.append(key_chroma_features(chroma))
        return np.concatenate(out, axis=-1)

    def get_feature_names_out(self, input_features=None):
        """``mfcc_mean_01`` ... ``tonnetz_max_06`` (block, statistic, coefficient),
        then ``rhythm_*`` and ``keychroma_*``."""
        names = statistic_names(self._blocks())
        if self.rhythm:
            from .rhythm import RHYTHM_NAMES

            names += list(RHYTHM_NAMES)
        if self.key_chroma:
            from .keychroma import KEYCHROMA_NAMES

            names += list(KEYCHROMA_NAMES)
        return np.asarray(names, dtype=object)


def tonnetz_from_chroma(chroma: np.ndarray) -> np.ndarray:
    """``librosa.feature.tonnetz(chroma=...)`` of ``(n, 12, t)`` frames.

    A per-frame projection (L1-normalised chroma onto six tonal centroids),
    so it slices like the chroma it comes from; silent frames stay zero.
    """
    return tonnetz(chroma)
