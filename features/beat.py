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

__all__ = ["BeatSynchronous", "beat_frames", "window_beats", "window_tempo", "beat_sync"]


def window_tempo(onset: np.ndarray, *, sr: int, hop_length: int, start_bpm=120.0,
                 std_bpm=1.0, ac_size=8.0, max_tempo=320.0) -> np.ndarray:
    """``librosa.feature.tempo(onset_envelope=...)`` of each row of ``onset (n, t)``.

    librosa averages the tempogram over time, and each tempogram frame is an
    autocorrelation divided by its own maximum (its lag-0 value, the
    frame's energy).  An autocorrelation is the inverse FFT of a power
    spectrum, so the average is one inverse FFT of the average of the
    frames' power spectra divided by their energies: one inverse FFT per
    window instead of one per frame, the rest as librosa (padding, Hann
    window, log-normal prior around ``start_bpm``, ``max_tempo`` cut).
    """
    import librosa
    import scipy.fft
    import scipy.signal

    onset = np.atleast_2d(onset)
    n, t = onset.shape
    win = int(librosa.time_to_frames(ac_size, sr=sr, hop_length=hop_length))
    padded = np.pad(onset, [(0, 0), (win // 2, win // 2)], mode="linear_ramp",
                    end_values=[0, 0])
    # float32 spectra (half the FFT cost of librosa's float64); the average
    # and the inverse FFT in float64.
    window = scipy.signal.get_window("hann", win, fftbins=True).astype(np.float32)
    n_pad = scipy.fft.next_fast_len(2 * win - 1, real=True)
    padded = padded.astype(np.float32, copy=False)
    tempogram = np.empty((n, win))
    for i in range(n):
        frames = np.lib.stride_tricks.sliding_window_view(padded[i], win)[:t] * window
        # Lag 0 of each frame's autocorrelation: its energy.
        energy = np.einsum("ij,ij->i", frames, frames, dtype=np.float64)
        energy[energy < np.finfo(np.float64).tiny] = 1.0
        spectrum = scipy.fft.rfft(frames, n=n_pad, axis=-1)
        power = np.square(spectrum.real)
        power += np.square(spectrum.imag)
        mean_power = np.dot(1.0 / energy, power) / t
        tempogram[i] = scipy.fft.irfft(mean_power, n=n_pad)[:win]
    bpms = librosa.tempo_frequencies(win, hop_length=hop_length, sr=sr)
    with np.errstate(divide="ignore"):
        logprior = -0.5 * ((np.log2(bpms) - np.log2(start_bpm)) / std_bpm) ** 2
    logprior[:int(np.argmax(bpms < max_tempo))] = -np.inf
    return bpms[np.argmax(np.log1p(1e6 * tempogram) + logprior, axis=-1)]


def onset_strength(logmel: np.ndarray, *, hop_length: int, n_fft: int = 2048) -> np.ndarray:
    """``librosa.onset.onset_strength(S=logmel)`` with its defaults (lag 1, no
    maximum filter, mean over bins, centred) for ``logmel (..., n_mels, t)``:
    the same operations without librosa's per-call dispatch."""
    rise = np.maximum(0.0, logmel[..., 1:] - logmel[..., :-1])
    onset = np.mean(rise, axis=-2)
    shift = 1 + n_fft // (2 * hop_length)
    pad = [(0, 0)] * (onset.ndim - 1) + [(shift, 0)]
    return np.pad(onset, pad, mode="constant")[..., :logmel.shape[-1]]


def window_beats(logmel: np.ndarray, *, sr: int, hop_length: int, n_beats: int):
    """Beat boundaries of windows from their log-mel ``(n, n_mels, t)``.

    Onset strength and librosa's beat tracker for all windows in one call
    each (the tracker runs batched when given the tempi, estimated by
    :func:`window_tempo`); a window with fewer than 2 beats (silence, no
    pulse) falls back to ``n_beats`` equal segments.

    Returns
    -------
    list of (np.ndarray, bool)
        Per window: the boundaries for :func:`beat_sync` and whether the
        fallback was used.
    """
    import librosa

    t = logmel.shape[-1]
    onset = onset_strength(logmel, hop_length=hop_length)
    found = [np.empty(0, dtype=int)] * len(onset)
    pulsing = np.flatnonzero(np.any(onset > 0, axis=-1))
    if pulsing.size:
        tempi = window_tempo(onset[pulsing], sr=sr, hop_length=hop_length)
        _, beats = librosa.beat.beat_track(onset_envelope=onset[pulsing], sr=sr,
                                           hop_length=hop_length, bpm=tempi, sparse=False)
        for row, mask in zip(pulsing, np.atleast_2d(beats)):
            found[row] = np.flatnonzero(mask)
    equal = np.unique(np.linspace(0, t, n_beats + 1).astype(int)[1:-1])
    return [(b, False) if len(b) >= 2 else (equal, True) for b in found]


def beat_frames(logmel: np.ndarray, *, sr: int, hop_length: int, n_beats: int):
    """Beat frame indices of one window from its log-mel ``(n_mels, t)``.

    Returns ``(boundaries, fallback)``: the boundaries passed to
    :func:`beat_sync` and whether the equal-segment fallback was used.
    """
    return window_beats(logmel[None], sr=sr, hop_length=hop_length, n_beats=n_beats)[0]


def beat_sync(F: np.ndarray, boundaries, n_beats: int) -> np.ndarray:
    """Median of ``F (d, t)`` between boundaries (segments ``[0, b0), [b0, b1),
    ..., [b_last, t)``, as ``librosa.util.sync(pad=True)``), the first
    ``n_beats`` segments, zero-padded to ``n_beats``.

    One sort for all segments: each is copied into a row padded with +inf
    (sorted last), and its median read at its own middle.
    """
    t = F.shape[-1]
    edges = np.unique(np.concatenate([[0, t], np.clip(boundaries, 0, t)]).astype(int))
    starts, ends = edges[:-1][:n_beats], edges[1:][:n_beats]
    lengths = ends - starts
    out = np.zeros((F.shape[0], n_beats), dtype=np.float32)
    if not len(lengths):
        return out
    padded = np.full((len(lengths), F.shape[0], int(lengths.max())), np.inf, dtype=F.dtype)
    for k, (a, b) in enumerate(zip(starts, ends)):
        padded[k, :, :b - a] = F[:, a:b]
    padded.sort(axis=-1)
    k = np.arange(len(lengths))
    low = padded[k, :, (lengths - 1) // 2]
    high = padded[k, :, lengths // 2]
    # np.median's mean of the two middle values, in F's dtype
    out[:, :len(lengths)] = ((low + high) / np.asarray(2, dtype=F.dtype)).T
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
        beats = window_beats(logmel, sr=self.sr, hop_length=self.hop_length,
                             n_beats=self.n_beats)
        for i, (bounds, _) in enumerate(beats):
            out[i] = beat_sync(F[i], bounds, self.n_beats)
        return out.reshape(len(F), -1)

    def get_feature_names_out(self, input_features=None):
        """``mfcc_01_b00`` ... ``chroma_12_b07``."""
        rows = [f"mfcc_{i + 1:02d}" for i in range(self.n_mfcc)] + \
               [f"chroma_{i + 1:02d}" for i in range(self.n_chroma)]
        return np.asarray([f"{r}_b{b:02d}" for r in rows for b in range(self.n_beats)], dtype=object)
