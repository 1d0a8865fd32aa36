"""The extractor base class: two doors onto one computation.

``transform(X)`` computes each window's frames from its samples;
``recording_frames(y)`` once per recording plus ``from_frames(frames,
starts, n_samples)`` per batch of windows slices stored frames
(``from_frames_per_window`` for a batch of windows of many recordings).
Both hand the same per-window frame products to ``_window_features``, the
only place a subclass turns frames into features, so the doors cannot drift
apart.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .allocator import memory_is_kept
from .frames import RecordingFrames, compute_recording_frames
from .slicing import distinct_frames, gather_windows, sliced_products
from .stft import n_frames, power_frames

__all__ = ["FrameExtractor"]

#: Windows per internal batch where freed memory goes back to the system
#: (malloc's defaults): 4 windows' frame products stay under its thresholds,
#: and at 16-32 windows the per-window cost of `stats` from cached frames
#: doubled, each batch faulting its buffers in again (measured).
BATCH_WINDOWS = 4
#: Windows per internal batch once :func:`features.allocator.keep_freed_memory`
#: is in effect: fewer, larger numpy calls (a `stats` epoch of 996 windows
#: 0.65 CPU-s at 4 windows, 0.47 at 16, 0.44 at 32; at 32 every feature set
#: from cached frames was as fast as at 16 or faster, measured by the report).
KEPT_BATCH_WINDOWS = 32


def batch_windows() -> int:
    """Windows per internal batch: :data:`KEPT_BATCH_WINDOWS` where the
    process keeps freed memory, else :data:`BATCH_WINDOWS`."""
    return KEPT_BATCH_WINDOWS if memory_is_kept() else BATCH_WINDOWS


def _check_int(name, value, minimum=1):
    if (not isinstance(value, numbers.Integral) or isinstance(value, bool)) or value < minimum:
        raise ValueError(f"{name}={value!r} must be an integer >= {minimum}")


class FrameExtractor(TransformerMixin, BaseEstimator):
    """Base class: subclasses define ``__init__`` (storing librosa-named
    parameters), ``frame_products()``, ``_window_features(products)`` and
    ``_output_layout(n_samples)``."""

    # -- what subclasses provide ------------------------------------------------
    def frame_products(self):
        """The per-frame products (:class:`~features.products.FrameProduct`)
        this extractor reads from a recording's frames."""
        raise NotImplementedError

    def _window_features(self, products: dict) -> np.ndarray:
        raise NotImplementedError

    def _output_layout(self, n_samples: int):
        """``[(prefix, n_rows, n_cols), ...]`` of the (image) output."""
        raise NotImplementedError

    def _check_extra_params(self):
        pass

    # -- shared machinery ------------------------------------------------------
    def _check_params(self):
        _check_int("sr", self.sr)
        _check_int("n_fft", self.n_fft, 2)
        _check_int("hop_length", self.hop_length)
        if getattr(self, "output", "flat") not in ("flat", "image"):
            raise ValueError(f"output={self.output!r} must be 'flat' or 'image'")
        self._check_extra_params()

    def _check_sr(self, sr):
        if sr is not None and sr != self.sr:
            raise ValueError(f"audio at sr={sr} does not match the extractor's sr={self.sr}; "
                             f"resample it first")

    def _min_samples(self) -> int:
        return self.n_fft

    def _check_n_samples(self, n_samples: int):
        # A warning, not an error (as librosa.stft): the centred, zero-extended
        # frames are defined for any length, and sklearn's estimator checks
        # feed windows of a few samples.
        need = self._min_samples()
        if n_samples < need:
            warnings.warn(f"windows of n_samples={n_samples} are too short: {type(self).__name__} "
                          f"is meant for at least {need} samples (n_fft={self.n_fft}, "
                          f"hop_length={self.hop_length}); their frames are mostly zero padding",
                          UserWarning, stacklevel=3)

    def _products_from_windows(self, X: np.ndarray) -> dict:
        power = power_frames(X, n_fft=self.n_fft, hop_length=self.hop_length)
        memo = {}
        return {p.key: p.apply(power, self.sr, self.n_fft, memo) for p in self.frame_products()}

    def _finish(self, features: np.ndarray) -> np.ndarray:
        if features.ndim > 2 and getattr(self, "output", "flat") == "flat":
            features = features.reshape(len(features), -1)
        return np.ascontiguousarray(features, dtype=np.float32)

    def _batched(self, n, compute, rows=None):
        """``compute(s)`` of sub-batches ``s`` of at most :func:`batch_windows`
        windows, stacked; the sub-batch ``s`` fills output rows ``rows[s]``
        (default ``s``)."""
        out = None
        step = batch_windows()
        for i in range(0, n, step):
            s = slice(i, min(n, i + step))
            part = self._finish(compute(s))
            if out is None:
                if len(part) == n and rows is None:
                    return part  # one sub-batch in order: no copy of the output
                # Filled in place: no list of parts and no concatenated copy.
                out = np.empty((n,) + part.shape[1:], dtype=np.float32)
            out[s if rows is None else rows[s]] = part
        if out is None:
            raise ValueError("no windows to compute features for")
        return out

    # -- the sklearn door ------------------------------------------------------
    def fit(self, X, y=None, *, sr=None):
        """Check parameters and the window length; nothing is learned.

        Parameters
        ----------
        X : array-like [shape=(n_windows, n_samples)]
            Audio windows at ``self.sr``.
        y : ignored
        sr : int, optional
            Sample rate of ``X``; a mismatch with ``self.sr`` raises.

        Returns
        -------
        self
        """
        self._check_params()
        self._check_sr(sr)
        X = validate_data(self, X, dtype=np.float32)
        self._check_n_samples(X.shape[1])
        return self

    def transform(self, X, *, sr=None):
        """Features of audio windows, each computed alone.

        Parameters
        ----------
        X : array-like [shape=(n_windows, n_samples)]
            Audio windows at ``self.sr``; finite values.
        sr : int, optional
            Sample rate of ``X``; a mismatch with ``self.sr`` raises.

        Returns
        -------
        features : np.ndarray, float32
            ``(n_windows, n_features)``, or an image stack
            ``(n_windows, channels, height, width)`` with ``output="image"``.

        Raises
        ------
        ValueError
            Non-finite samples, windows shorter than the extractor needs,
            a different window length than seen in ``fit``, or an ``sr``
            mismatch.
        """
        self._check_params()
        self._check_sr(sr)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        self._check_n_samples(X.shape[1])
        return self._batched(len(X), lambda s: self._window_features(self._products_from_windows(X[s])))

    # -- the frame door --------------------------------------------------------
    def recording_frames(self, y, *, sr=None) -> RecordingFrames:
        """Frames of a whole recording (one STFT), to slice windows from.

        Parameters
        ----------
        y : np.ndarray [shape=(n,)]
            Mono audio of the recording at ``self.sr``.
        sr : int, optional
            Sample rate of ``y``; a mismatch with ``self.sr`` raises.

        Returns
        -------
        RecordingFrames
            For a disk cache use :func:`features.frames.cached_recording_frames`.
        """
        self._check_params()
        self._check_sr(sr)
        return compute_recording_frames(y, self.frame_products(), sr=self.sr, n_fft=self.n_fft,
                                        hop_length=self.hop_length)

    def from_frames(self, frames: RecordingFrames, starts, n_samples: int) -> np.ndarray:
        """Features of windows cut from a recording, computed from its frames.

        Equal, to float tolerance, to ``transform`` of the same windows.

        Parameters
        ----------
        frames : RecordingFrames
            From :meth:`recording_frames` or the cache, at this extractor's
            sr, n_fft and hop_length.
        starts : array of int [shape=(n_windows,)]
            Window starts in samples, multiples of ``hop_length``.
        n_samples : int
            Window length in samples.

        Returns
        -------
        features : np.ndarray, float32 (as ``transform``)
        """
        return self._sliced_features(frames, starts, n_samples)

    def from_frames_per_window(self, frames, starts, n_samples: int) -> np.ndarray:
        """Features of windows cut from several recordings, from their frames.

        Row ``i`` equals ``from_frames(frames[i], starts[i:i + 1], n_samples)``
        (bit for bit: every step is per window).  Windows of different
        recordings share the internal sub-batches, so the cost follows the
        number of windows, not the number of recordings they come from.

        Parameters
        ----------
        frames : sequence of RecordingFrames [shape=(n_windows,)]
            Window ``i``'s recording frames (the same object for windows of
            one recording), each as :meth:`from_frames` takes them.
        starts : array of int [shape=(n_windows,)]
            Window starts in samples, multiples of ``hop_length``.
        n_samples : int
            Window length in samples.

        Returns
        -------
        features : np.ndarray, float32 (as ``transform``), rows in window order
        """
        if type(self).from_frames is not FrameExtractor.from_frames:
            # A subclass that computes from_frames its own way (recording-level
            # products): one call per recording.
            sources, which = distinct_frames(frames)
            starts = np.asarray(starts).reshape(-1)
            if len(which) != len(starts):
                raise ValueError(f"{len(which)} recordings' frames for {len(starts)} window "
                                 "starts: give one per window")
            out = None
            for k, source in enumerate(sources):
                rows = np.flatnonzero(which == k)
                part = self.from_frames(source, starts[rows], n_samples)
                if out is None:
                    out = np.empty((len(starts),) + part.shape[1:], dtype=np.float32)
                out[rows] = part
            if out is None:
                raise ValueError("no windows to compute features for")
            return out
        return self._sliced_features(frames, starts, n_samples)

    def _check_frames(self, frames: RecordingFrames):
        self._check_sr(frames.sr)
        if (frames.n_fft, frames.hop_length) != (self.n_fft, self.hop_length):
            raise ValueError(f"frames have n_fft={frames.n_fft}, hop_length={frames.hop_length}; "
                             f"the extractor has n_fft={self.n_fft}, hop_length={self.hop_length}")

    def _sliced_features(self, frames, starts, n_samples):
        """The frame door: windows checked once, then sliced and turned into
        features sub-batch by sub-batch, each recording's windows together."""
        self._check_params()
        n_samples = int(n_samples)
        self._check_n_samples(n_samples)
        products = self.frame_products()
        sources, which, starts = gather_windows(frames, products, starts, n_samples,
                                                check_frames=self._check_frames)
        # Each recording's windows in a run (its frames read together); rows
        # go back to the callers' order as sub-batches are written.
        order = np.argsort(which, kind="stable") if len(sources) > 1 else None
        if order is not None:
            which, starts = which[order], starts[order]
        return self._batched(len(starts), lambda s: self._window_features(
            sliced_products(sources, which[s], products, starts[s], n_samples)), rows=order)

    # -- names and tags --------------------------------------------------------
    def n_frames(self, n_samples: int) -> int:
        """Frames per window of ``n_samples`` (``1 + n_samples // hop_length``)."""
        return n_frames(n_samples, self.hop_length)

    def get_feature_names_out(self, input_features=None):
        """Names of the flattened features, e.g. ``mfcc_01_t000``.

        Returns
        -------
        np.ndarray of str
        """
        check_is_fitted(self, "n_features_in_")
        names = []
        for prefix, n_rows, n_cols in self._output_layout(self.n_features_in_):
            names.extend(f"{prefix}_{r + 1:02d}_t{c:03d}" for r in range(n_rows) for c in range(n_cols))
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
