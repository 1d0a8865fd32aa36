"""Key-normalised chroma: pitch classes relative to the window's estimated key.

Raw chroma says which key a window is in, which a composer's style does not
fix; relative to the key it says which scale degrees and harmonies the
music uses, which it does.  Per window:

- the key: the best of the 24 Krumhansl-Kessler major and minor profiles,
  correlated with the window's mean chroma; the chroma frames are rotated
  so that its tonic is bin 0 (``keychroma_mean_01`` ... ``_12`` and
  ``keychroma_std_01`` ... ``_12``, the mean and std over frames);
- how clearly it is in a key: the best major and the best minor
  correlation (``keychroma_major``, ``keychroma_minor``);
- the shift-invariant magnitudes of the mean chroma's discrete Fourier
  transform over the 12 bins, k = 1..6 (``keychroma_dft_1`` ... ``_6``):
  interval content that needs no key estimate (k = 5 is high for diatonic
  music, k = 3 for augmented, k = 6 for whole-tone).

The chroma is the STFT chroma (``kind="stft"``, librosa's ``chroma_stft``
with ``tuning=0.0``), a linear map of the cached power frames, so a window
costs a slice; ``kind="cqt"`` uses ``chroma_cqt`` (``bins_per_octave=12``),
sharper in the bass but recomputed from each window's audio.
"""

from __future__ import annotations

import numpy as np

from .base import FrameExtractor
from .chroma import Chroma, chroma_norm_product

__all__ = ["KEYCHROMA_NAMES", "KeyChroma", "estimate_key", "key_chroma_features"]

# Krumhansl-Kessler key profiles (major, minor), tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _profiles() -> np.ndarray:
    """(24, 12) z-scored profiles: 12 major keys then 12 minor keys."""
    rows = [np.roll(p, k) for p in (_MAJOR, _MINOR) for k in range(12)]
    P = np.asarray(rows, dtype=np.float64)
    P -= P.mean(axis=1, keepdims=True)
    return P / np.linalg.norm(P, axis=1, keepdims=True)


_PROFILES = _profiles()

KEYCHROMA_NAMES = tuple(
    [f"keychroma_mean_{i + 1:02d}" for i in range(12)]
    + [f"keychroma_std_{i + 1:02d}" for i in range(12)]
    + ["keychroma_major", "keychroma_minor"]
    + [f"keychroma_dft_{k}" for k in range(1, 7)]
)


def estimate_key(mean_chroma: np.ndarray):
    """Key of each row of ``mean_chroma (n, 12)``.

    Returns
    -------
    tonic : np.ndarray of int [shape=(n,)]
        Pitch class of the best key's tonic (0 = C).
    major, minor : np.ndarray [shape=(n,)]
        Correlation with the best major and the best minor key (0 for a
        silent window).
    """
    centred = mean_chroma.astype(np.float64) - mean_chroma.mean(axis=-1, keepdims=True)
    norm = np.linalg.norm(centred, axis=-1, keepdims=True)
    corr = (centred / np.where(norm > 0, norm, 1.0)) @ _PROFILES.T  # (n, 24)
    # Chroma from a batched float32 product differs by ~1e-6 between batches;
    # rounded, near-ties go to the first key whatever the batch, so a window's
    # key (and its rotated chroma) does not depend on its neighbours.
    best = np.round(corr, 4).argmax(axis=-1)
    return best % 12, corr[:, :12].max(axis=-1), corr[:, 12:].max(axis=-1)


def key_chroma_features(chroma: np.ndarray) -> np.ndarray:
    """Key-normalised chroma statistics of ``chroma (n, 12, t)``.

    Returns
    -------
    np.ndarray [shape=(n, len(KEYCHROMA_NAMES))], float32
    """
    if chroma.shape[-2] != 12:
        raise ValueError(f"key-normalised chroma needs 12 chroma bins; got {chroma.shape[-2]}")
    C = chroma.astype(np.float64)
    mean = C.mean(axis=-1)
    tonic, major, minor = estimate_key(mean)
    # Rotate bins so that the tonic comes first: index (tonic + j) % 12.
    index = (tonic[:, None] + np.arange(12)[None, :]) % 12
    rows = np.arange(len(C))[:, None]
    rotated = C[rows, index]  # (n, 12, t)
    total = mean.sum(axis=-1, keepdims=True)
    shape = mean / np.where(total > 0, total, 1.0)
    dft = np.abs(np.fft.rfft(shape, axis=-1))[:, 1:7]
    out = np.concatenate([rotated.mean(axis=-1), rotated.std(axis=-1), major[:, None],
                          minor[:, None], dft], axis=-1)
    return out.astype(np.float32)


class KeyChroma(FrameExtractor):
    """Key-normalised chroma statistics of each window (see the module docstring).

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    kind : {"stft", "cqt"}, default="stft"
        Which chroma, as :class:`~features.chroma.Chroma`'s ``kind``.

    Output: ``(n_windows, 32)``, names :data:`KEYCHROMA_NAMES`.
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, kind="stft"):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.kind = kind

    def _chroma(self) -> Chroma:
        """The chroma extractor whose frames this one reads."""
        return Chroma(sr=self.sr, n_fft=self.n_fft, hop_length=self.hop_length, n_chroma=12,
                      kind=self.kind)

    def _check_extra_params(self):
        self._chroma()._check_params()

    def frame_products(self):
        return self._chroma().frame_products()

    def _products_from_windows(self, X):
        return self._chroma()._products_from_windows(X)

    def from_frames(self, frames, starts, n_samples):
        if self.kind != "cqt":
            return super().from_frames(frames, starts, n_samples)
        from .audio import cut_windows

        self._check_sr(frames.sr)
        return self.transform(cut_windows(frames.audio, starts, int(n_samples)))

    def _window_features(self, products):
        if self.kind == "cqt":
            chroma = products["cqt"]
        else:
            # Chroma's frame product is already normalised per frame.
            chroma = products[chroma_norm_product(12).key]
        return key_chroma_features(chroma)

    def get_feature_names_out(self, input_features=None):
        """:data:`KEYCHROMA_NAMES`."""
        return np.asarray(KEYCHROMA_NAMES, dtype=object)
