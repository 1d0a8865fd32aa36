"""One frame with +-k frames of context: the unit of frame-level tasks (chords).

:class:`FrameContext` describes frame ``j`` of a recording by the frames
``j - context .. j + context`` of a frame-level representation:

- ``"chroma"``: STFT chroma (``librosa.feature.chroma_stft(tuning=0.0)``),
  each frame max-normalised;
- ``"cqt-chroma"``: CQT chroma (``librosa.feature.chroma_cqt(tuning=0.0)``);
- ``"logmel"``: log-mel, dB re 1.0 (no per-window reference, so a frame's
  value does not depend on its neighbours);
- ``"logcqt"``: log-CQT magnitude, dB re 1.0 (the CNN's input);
- ``"beat-chroma"``: STFT chroma replaced, frame by frame, by the median of
  its beat segment (beats tracked on the recording's log-mel onsets).

The two doors:

- ``transform(X)``: audio windows ``(n_windows, n_samples)`` whose centre
  is the frame described; ``n_samples`` is meant to be at least
  :meth:`FrameContext.window_samples`, so the context frames never see the
  window's edges, and a multiple of ``2 * hop_length``; a shorter window
  (any length) warns and is zero-padded about its centre to that length;
- ``recording_frames(y)`` (or the disk cache) once per recording, then
  ``from_frames(frames, starts, n_samples)`` for the same windows, or
  :meth:`FrameContext.frame_features` for any frames of the recording
  (every frame, for dense evaluation: context past the recording's ends
  repeats its first and last frames).

Both doors hand the same frame products to one function, so they agree:
exactly for the STFT kinds, to resampling tolerance for the CQT kinds (the
CQT of a window is computed from that window alone).  ``beat-chroma``
tracks beats within each window in ``transform`` and over the whole
recording in the frame door, so there the doors differ by design.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .base import FrameExtractor
from .chroma import chroma_from_energies, chroma_product
from .cqt import C1_HZ, chroma_from_cqt, cqt_magnitude
from .frames import FrameProduct, RecordingFrames, compute_recording_frames
from .scaling import power_to_db
from .spectrogram import mel_product

__all__ = ["FrameContext", "KINDS", "beat_synchronous_frames", "context_indices", "cqt_product"]

KINDS = ("chroma", "cqt-chroma", "logmel", "logcqt", "beat-chroma")
_CQT_KINDS = ("cqt-chroma", "logcqt")


def cqt_product(*, fmin: float = C1_HZ, n_octaves: int = 6, bins_per_octave: int = 12) -> FrameProduct:
    """The CQT magnitude frame product (a recording-level product)."""
    return FrameProduct("cqt", (("fmin", float(fmin)), ("n_octaves", int(n_octaves)),
                                ("bins_per_octave", int(bins_per_octave))))


def context_indices(frames, context: int, n_frames: int) -> np.ndarray:
    """``(n, 2 * context + 1)`` frame indices around each frame, clamped to
    ``[0, n_frames)`` (edge frames repeat)."""
    offsets = np.arange(-context, context + 1)
    return np.clip(np.asarray(frames).reshape(-1, 1) + offsets, 0, n_frames - 1)


def beat_synchronous_frames(F: np.ndarray, beats) -> np.ndarray:
    """Each frame of ``F [shape=(d, t)]`` replaced by the median of its beat
    segment (``[0, b0), [b0, b1), ..., [b_last, t)``)."""
    t = F.shape[-1]
    bounds = np.unique(np.concatenate([[0], np.asarray(beats, dtype=int), [t]]).clip(0, t))
    out = np.empty_like(F)
    for a, b in zip(bounds[:-1], bounds[1:]):
        out[:, a:b] = np.median(F[:, a:b], axis=1, keepdims=True)
    return out


def _beats(mel: np.ndarray, *, sr: int, hop_length: int) -> np.ndarray:
    import librosa

    onset = librosa.onset.onset_strength(S=power_to_db(mel[None], ref=1.0, top_db=None)[0],
                                         sr=sr, hop_length=hop_length)
    if not np.any(onset > 0):
        return np.empty(0, dtype=int)
    _, beats = librosa.beat.beat_track(onset_envelope=onset, sr=sr, hop_length=hop_length)
    return np.asarray(beats, dtype=int)


class FrameContext(FrameExtractor):
    """Features of a frame and its ``context`` neighbours on each side.

    Parameters
    ----------
    kind : {"chroma", "cqt-chroma", "logmel", "logcqt", "beat-chroma"}, default="chroma"
    context : int, default=4
        Frames on each side (``2 * context + 1`` frames per unit).
    sr : int, default=22050
    n_fft : int, default=4096
        STFT kinds only.
    hop_length : int, default=2048
        Samples between frames (~93 ms at 22,050 Hz).  CQT kinds need it
        divisible by ``2 ** (n_octaves - 1)``.
    n_chroma : int, default=12
    n_mels : int, default=128
    fmin : float, default=32.70 (C1)
        Lowest CQT bin.
    n_octaves : int, default=6
    bins_per_octave : int, default=12
    output : {"flat", "image"}, default="flat"
        Flat ``(n, d * (2 * context + 1))`` or images ``(n, 1, d, 2 * context + 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> fc = FrameContext(context=2)
    >>> fc.fit_transform(np.zeros((3, fc.window_samples()), np.float32)).shape
    (3, 60)
    """

    def __init__(self, *, kind="chroma", context=4, sr=22050, n_fft=4096, hop_length=2048,
                 n_chroma=12, n_mels=128, fmin=C1_HZ, n_octaves=6, bins_per_octave=12,
                 output="flat"):
        self.kind = kind
        self.context = context
        self.sr = sr
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.n_chroma = n_chroma
        self.n_mels = n_mels
        self.fmin = fmin
        self.n_octaves = n_octaves
        self.bins_per_octave = bins_per_octave
        self.output = output

    # -- parameters ------------------------------------------------------------
    def _check_extra_params(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} must be one of {', '.join(KINDS)}")
        if not isinstance(self.context, (int, np.integer)) or self.context < 0:
            raise ValueError(f"context={self.context!r} must be an integer >= 0")
        if self.kind in _CQT_KINDS:
            if self.hop_length % 2 ** (self.n_octaves - 1):
                raise ValueError(f"kind={self.kind!r} needs hop_length divisible by "
                                 f"2**(n_octaves - 1) = {2 ** (self.n_octaves - 1)}; "
                                 f"got hop_length={self.hop_length}")
            if self.fmin * 2 ** self.n_octaves > self.sr / 2:
                raise ValueError(f"n_octaves={self.n_octaves} above fmin={self.fmin} exceed "
                                 f"Nyquist at sr={self.sr}")

    def _margin(self) -> int:
        """Samples beyond the context frames that keep them clear of a
        window's edges: half an FFT, or half the longest CQT filter plus two
        hops for librosa's resampling."""
        if self.kind in _CQT_KINDS:
            q = 1.0 / (2.0 ** (1.0 / self.bins_per_octave) - 1.0)
            half = q * self.sr / self.fmin / 2 + 2 * self.hop_length
        else:
            half = self.n_fft // 2
        return math.ceil(half / self.hop_length) * self.hop_length

    def window_samples(self) -> int:
        """Shortest audio window ``transform`` accepts: its centre frame's
        context never sees the window's edges."""
        self._check_params()
        return 2 * (self.context * self.hop_length + self._margin())

    def _min_samples(self) -> int:
        return self.window_samples()

    def _check_n_samples(self, n_samples: int):
        # A short window warns, as the base class does (sklearn's estimator
        # checks feed windows of a few samples), and is zero-padded about its
        # centre (_centred); a long enough one must be centred on a frame.
        need = self.window_samples()
        if n_samples < need:
            warnings.warn(f"windows of n_samples={n_samples} are too short: FrameContext is "
                          f"meant for at least {need} samples (context={self.context}, "
                          f"hop_length={self.hop_length}, kind={self.kind!r}); they are "
                          f"zero-padded about their centre", UserWarning, stacklevel=3)
        elif n_samples % (2 * self.hop_length):
            raise ValueError(f"windows of n_samples={n_samples} must be a multiple of "
                             f"2 * hop_length = {2 * self.hop_length} (centred on a frame)")

    def _centred(self, X: np.ndarray) -> np.ndarray:
        """Windows shorter than :meth:`window_samples` zero-padded to it, their
        centre sample ``n // 2`` on the padded window's centre frame; longer
        ones as they are."""
        need, n = self.window_samples(), X.shape[1]
        if n >= need:
            return X
        left = need // 2 - n // 2
        return np.pad(X, ((0, 0), (left, need - n - left)))

    # -- products --------------------------------------------------------------
    def frame_products(self):
        if self.kind in _CQT_KINDS:
            return [cqt_product(fmin=self.fmin, n_octaves=self.n_octaves,
                                bins_per_octave=self.bins_per_octave)]
        if self.kind == "logmel":
            return [mel_product(self.n_mels, 0.0, None)]
        if self.kind == "beat-chroma":
            return [chroma_product(self.n_chroma), mel_product(self.n_mels, 0.0, None)]
        return [chroma_product(self.n_chroma)]

    def _products_from_windows(self, X):
        X = self._centred(X)
        if self.kind not in _CQT_KINDS:
            return super()._products_from_windows(X)
        (p,) = self.frame_products()
        return {p.key: cqt_magnitude(X, sr=self.sr, hop_length=self.hop_length, **dict(p.params))}

    def _frame_values(self, products: dict) -> np.ndarray:
        """The per-frame representation ``(..., d, t)`` from frame products."""
        P = products[self.frame_products()[0].key]
        if self.kind in ("chroma", "beat-chroma"):
            return chroma_from_energies(P)
        if self.kind == "cqt-chroma":
            (p,) = self.frame_products()
            params = dict(p.params)
            return chroma_from_cqt(P, fmin=params["fmin"], bins_per_octave=params["bins_per_octave"],
                                   n_chroma=self.n_chroma)
        if self.kind == "logcqt":
            return power_to_db(np.square(P)[None], ref=1.0, top_db=None)[0]
        return power_to_db(P[None], ref=1.0, top_db=None)[0]  # logmel

    def _finish_units(self, units: np.ndarray) -> np.ndarray:
        """``(n, d, 2k+1)`` -> flat or image output."""
        units = units[:, None]
        return self._finish(units)

    # -- the sklearn door ------------------------------------------------------
    def _window_features(self, products):
        values = self._frame_values(products)  # (n, d, t)
        if self.kind == "beat-chroma":
            mel = products[self.frame_products()[1].key]
            values = np.stack([beat_synchronous_frames(v, _beats(m, sr=self.sr,
                                                                 hop_length=self.hop_length))
                               for v, m in zip(values, mel)])
        t = values.shape[-1]
        centre = (t - 1) // 2
        return values[..., centre - self.context:centre + self.context + 1][:, None]

    # -- the frame door --------------------------------------------------------
    def recording_frames(self, y, *, sr=None) -> RecordingFrames:
        """Frames of a whole recording (one STFT or one CQT)."""
        self._check_params()
        self._check_sr(sr)
        return compute_recording_frames(y, self.frame_products(), sr=self.sr, n_fft=self.n_fft,
                                        hop_length=self.hop_length)

    def recording_values(self, frames: RecordingFrames) -> np.ndarray:
        """The per-frame representation ``(d, n_frames)`` of a whole recording."""
        self._check_params()
        self._check_sr(frames.sr)
        if (frames.n_fft, frames.hop_length) != (self.n_fft, self.hop_length):
            raise ValueError(f"frames have n_fft={frames.n_fft}, hop_length={frames.hop_length}; "
                             f"the extractor has n_fft={self.n_fft}, hop_length={self.hop_length}")
        products = {p.key: np.asarray(frames[p]) for p in self.frame_products()}
        values = self._frame_values(products)
        if self.kind == "beat-chroma":
            mel = products[self.frame_products()[1].key]
            values = beat_synchronous_frames(values, _beats(mel, sr=self.sr,
                                                            hop_length=self.hop_length))
        return values

    def frame_features(self, frames: RecordingFrames, frame_indices=None, *, values=None) -> np.ndarray:
        """Features of frames of a recording (all of them by default).

        Parameters
        ----------
        frames : RecordingFrames
        frame_indices : array of int, optional
            Frames to describe; default every frame.
        values : np.ndarray, optional
            :meth:`recording_values` of ``frames``, when already computed.

        Returns
        -------
        np.ndarray, float32, as ``transform``
        """
        values = self.recording_values(frames) if values is None else values
        t = values.shape[-1]
        idx = np.arange(t) if frame_indices is None else np.asarray(frame_indices, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= t):
            raise ValueError(f"frame indices [{idx.min()}, {idx.max()}] lie outside the "
                             f"recording's {t} frames")
        units = np.moveaxis(values[:, context_indices(idx, self.context, t)], 0, 1)
        return self._finish_units(units)

    def from_frames(self, frames: RecordingFrames, starts, n_samples: int) -> np.ndarray:
        """Features of windows ``[start, start + n_samples)`` from a recording's
        frames: equal to ``transform`` of those windows."""
        self._check_params()
        self._check_n_samples(int(n_samples))
        starts = np.asarray(starts, dtype=np.int64).reshape(-1)
        if np.any(starts % self.hop_length):
            raise ValueError(f"starts must be multiples of hop_length={self.hop_length}")
        if np.any(starts < 0) or np.any(starts + n_samples > frames.n_samples):
            raise ValueError(f"windows of n_samples={n_samples} at starts [{starts.min()}, "
                             f"{starts.max()}] exceed the recording's {frames.n_samples} samples")
        if n_samples < self.window_samples():
            # A short window's context is zero padding, not the recording's
            # neighbouring frames: cut it from the audio and take the window door.
            self._check_sr(frames.sr)
            windows = np.stack([np.asarray(frames.audio[s:s + n_samples]) for s in starts])
            return self._batched(len(windows), lambda s: self._window_features(
                self._products_from_windows(windows[s])))
        return self.frame_features(frames, (starts + n_samples // 2) // self.hop_length)

    def _output_layout(self, n_samples):
        d = self.n_chroma if "chroma" in self.kind else (
            self.n_mels if self.kind == "logmel" else self.n_octaves * self.bins_per_octave)
        return [(self.kind.replace("-", ""), d, 2 * self.context + 1)]
