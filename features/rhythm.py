"""Rhythm statistics of a window, from its log-mel frames.

The default corpus draws each recording's instruments at random, so what a
composer's music does in time (how dense the onsets are, how regular, at
which periods the onsets repeat) is more telling than its timbre.  Per
window:

- the onset-strength envelope (librosa's default recipe: the mean over mel
  bands of the positive first difference of the window's log-mel, in dB
  relative to the window's maximum): its mean, std, median, 90th
  percentile, maximum and peakiness (maximum over mean)
  (``rhythm_onset_mean`` ... ``rhythm_onset_peakiness``);
- onsets picked on the envelope (local maxima over +-3 frames that rise
  ``delta`` above the local mean over +-10 frames, on the envelope scaled
  to [0, 1]): ``rhythm_onset_rate`` (per second), and the inter-onset
  intervals' mean, std and coefficient of variation (seconds);
- the envelope's autocorrelation (smoothed over +-2 frames, mean removed,
  normalised at lag 0):
  its highest peak between 0.2 and 2 s (``rhythm_ac_peak``, pulse
  clarity) and that lag (``rhythm_ac_peak_lag``, seconds), and its mean in
  eight log-spaced bands of lags from 0.1 to 2.4 s (``rhythm_ac_band_01``
  ... ``_08``): a tempogram folded into a handful of numbers.

Everything is computed from the mel frames of the window, so both doors of
an extractor (audio windows and cached recording frames) give the same
values to float tolerance.
"""

from __future__ import annotations

import numpy as np

from .base import FrameExtractor
from .spectrogram import _check_mel_params, logmel_from_mel, mel_product

__all__ = ["RHYTHM_NAMES", "Rhythm", "onset_envelope", "rhythm_features"]

_PEAK_HALF_WIDTH = 3   # frames either side a peak must dominate (~70 ms at hop 512)
_MEAN_HALF_WIDTH = 10  # frames either side of the local mean (~230 ms)
_DELTA = 0.07          # rise above the local mean, envelope scaled to [0, 1]
_AC_BAND_EDGES = np.geomspace(0.1, 2.4, 9)  # seconds
_AC_PEAK_RANGE = (0.2, 2.0)                 # seconds: 30 to 300 beats per minute

_ONSET_STATISTICS = ("mean", "std", "median", "p90", "max", "peakiness")

RHYTHM_NAMES = tuple(
    [f"rhythm_onset_{s}" for s in _ONSET_STATISTICS]
    + ["rhythm_onset_rate", "rhythm_ioi_mean", "rhythm_ioi_std", "rhythm_ioi_cv",
       "rhythm_ac_peak", "rhythm_ac_peak_lag"]
    + [f"rhythm_ac_band_{i + 1:02d}" for i in range(len(_AC_BAND_EDGES) - 1)]
)


def onset_envelope(logmel: np.ndarray) -> np.ndarray:
    """Onset strength of log-mel frames ``(n, n_mels, t)`` -> ``(n, t)``.

    ``mean over bands of max(0, S[:, t] - S[:, t - 1])``, 0 at the first
    frame (``librosa.onset.onset_strength`` with ``lag=1, max_size=1`` and
    no centring shift).
    """
    env = np.zeros(logmel.shape[:1] + logmel.shape[-1:], dtype=np.float32)
    if logmel.shape[-1] > 1:
        rise = np.maximum(np.diff(logmel, axis=-1), 0)
        env[:, 1:] = rise.mean(axis=-2)
    return env


def _peaks(env: np.ndarray) -> np.ndarray:
    """Boolean onset mask ``(n, t)``."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    low = env.min(axis=-1, keepdims=True)
    span = env.max(axis=-1, keepdims=True) - low
    scaled = (env - low) / np.where(span > 0, span, 1.0)
    local_max = maximum_filter1d(scaled, 2 * _PEAK_HALF_WIDTH + 1, axis=-1, mode="constant")
    local_mean = uniform_filter1d(scaled, 2 * _MEAN_HALF_WIDTH + 1, axis=-1, mode="constant")
    return (scaled >= local_max) & (scaled >= local_mean + _DELTA) & (span > 0)


def _autocorrelation(env: np.ndarray) -> np.ndarray:
    """Autocorrelation of each row, smoothed, mean removed, normalised at lag 0.

    The envelope is first smoothed over +-2 frames: a period that is not a
    whole number of frames (0.5 s is 21.5 frames at hop 512) would otherwise
    split its peak between two lags and lose to its own multiple.
    """
    from scipy.ndimage import convolve1d

    smooth = convolve1d(env.astype(np.float64), np.array([1.0, 2.0, 3.0, 2.0, 1.0]) / 9.0,
                        axis=-1, mode="constant")
    centred = smooth - smooth.mean(axis=-1, keepdims=True)
    t = env.shape[-1]
    spectrum = np.fft.rfft(centred, n=2 * t, axis=-1)
    ac = np.fft.irfft(spectrum * np.conj(spectrum), n=2 * t, axis=-1)[:, :t]
    zero = ac[:, :1]
    return np.where(zero > 0, ac / np.where(zero > 0, zero, 1.0), 0.0)


def _interval_statistics(peaks: np.ndarray, frame_seconds: float):
    """Mean and std (seconds) of the intervals between onsets, per row of
    ``peaks [shape=(n, t)]``; 0 where a row has fewer than two onsets.

    One pass over all rows: the onsets' frame indices in row order, their
    differences kept where both ends lie in the same row, and per-row sums
    by ``bincount`` (a loop over windows cost more than the rest of the
    block).
    """
    n = len(peaks)
    rows, cols = np.nonzero(peaks)
    same_row = rows[1:] == rows[:-1]
    gaps = np.diff(cols)[same_row] * frame_seconds
    owner = rows[1:][same_row]
    count = np.bincount(owner, minlength=n)
    total = np.bincount(owner, weights=gaps, minlength=n)
    has = count > 0
    mean = np.where(has, total / np.where(has, count, 1), 0.0)
    squares = np.bincount(owner, weights=(gaps - mean[owner]) ** 2, minlength=n)
    std = np.sqrt(np.where(has, squares / np.where(has, count, 1), 0.0))
    return mean, std


def _sorted_quantile(ordered: np.ndarray, q: float) -> np.ndarray:
    """``np.percentile(x, 100 q, axis=-1)`` (linear) from rows already sorted."""
    position = q * (ordered.shape[-1] - 1)
    lo = int(np.floor(position))
    hi = min(lo + 1, ordered.shape[-1] - 1)
    frac = position - lo
    return ordered[..., lo] + (ordered[..., hi] - ordered[..., lo]) * frac


def rhythm_features(logmel: np.ndarray, *, sr: int, hop_length: int) -> np.ndarray:
    """Rhythm statistics of windows from their log-mel ``(n, n_mels, t)``.

    ``logmel`` may carry any per-window offset in dB (relative to the
    window's maximum, or to 1.0): only its differences in time are read.

    Returns
    -------
    np.ndarray [shape=(n, len(RHYTHM_NAMES))], float32
    """
    env = onset_envelope(logmel)
    n, t = env.shape
    frame_seconds = hop_length / sr
    seconds = t * frame_seconds
    out = np.zeros((n, len(RHYTHM_NAMES)), dtype=np.float64)
    e = env.astype(np.float64)
    mean = e.mean(axis=-1)
    out[:, 0], out[:, 1] = mean, e.std(axis=-1)
    # One sort gives the median, the 90th percentile and the maximum.
    ordered = np.sort(e, axis=-1)
    out[:, 2], out[:, 3] = _sorted_quantile(ordered, 0.5), _sorted_quantile(ordered, 0.9)
    out[:, 4] = ordered[:, -1]
    out[:, 5] = np.where(mean > 0, out[:, 4] / np.where(mean > 0, mean, 1.0), 0.0)
    peaks = _peaks(env)
    out[:, 6] = peaks.sum(axis=-1) / seconds
    out[:, 7], out[:, 8] = _interval_statistics(peaks, frame_seconds)
    out[:, 9] = np.where(out[:, 7] > 0, out[:, 8] / np.where(out[:, 7] > 0, out[:, 7], 1.0), 0.0)
    ac = _autocorrelation(env)
    lags = np.arange(t) * frame_seconds
    in_range = (lags >= _AC_PEAK_RANGE[0]) & (lags <= _AC_PEAK_RANGE[1])
    if in_range.any():
        window = np.where(in_range, ac, -np.inf)
        best = window.argmax(axis=-1)
        out[:, 10] = ac[np.arange(n), best]
        out[:, 11] = np.where(out[:, 10] > 0, lags[best], 0.0)  # no pulse, no period
    for b, (lo, hi) in enumerate(zip(_AC_BAND_EDGES[:-1], _AC_BAND_EDGES[1:])):
        band = (lags >= lo) & (lags < hi)
        if band.any():
            out[:, 12 + b] = ac[:, band].mean(axis=-1)
    return out.astype(np.float32)


class Rhythm(FrameExtractor):
    """Rhythm statistics of each window (see the module docstring).

    Parameters
    ----------
    sr : int, default=22050
    n_fft : int, default=2048
    hop_length : int, default=512
    n_mels : int, default=128
    fmin : float, default=0.0
    fmax : float or None, default=None
    top_db : float or None, default=80.0

    Output: ``(n_windows, 20)``, names :data:`RHYTHM_NAMES`.
    """

    def __init__(self, *, sr=22050, n_fft=2048, hop_length=512, n_mels=128, fmin=0.0,
                 fmax=None, top_db=80.0):
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_mels = n_mels
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db

    def _check_extra_params(self):
        _check_mel_params(self)

    def frame_products(self):
        return [mel_product(self.n_mels, self.fmin, self.fmax)]

    def _window_features(self, products):
        logmel = logmel_from_mel(products[self.frame_products()[0].key], self.top_db)
        return rhythm_features(logmel, sr=self.sr, hop_length=self.hop_length)

    def get_feature_names_out(self, input_features=None):
        """:data:`RHYTHM_NAMES`."""
        return np.asarray(RHYTHM_NAMES, dtype=object)
