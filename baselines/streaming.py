"""Epochs of fresh, balanced windows, and their features from cached frames.

Every epoch draws fresh random windows from every *training* recording,
balances them across composers by resampling window *indices* with
imbalanced-learn (``RandomUnderSampler`` to a cap, then ``RandomOverSampler``
up to it, as the original study capped each composer at 85 windows), shuffles
them and yields mini-batches whose features are sliced from each recording's
cached frames (one STFT per recording, on disk).  Memory is bounded by the
mini-batch and the frames held in memory (``max_recordings_in_memory``),
not by the number of epochs or recordings.

- :class:`StreamingSampler`: ``epoch_windows(epoch)`` (windows only: the
  CNN reference cuts raw audio itself) and ``iter_batches(epoch)``.
- :class:`FrameSource`: features of windows from cached frames, with a small
  in-memory LRU of recordings.
- :func:`window_features`: features of many windows, joblib over recordings.

Balancing and drawing live in :mod:`baselines.sampling`; the memory
measurement (``python -m performance_report.streaming_memory``) in
:mod:`performance_report.streaming_memory`.
"""

from __future__ import annotations

import numbers
from collections import OrderedDict

import numpy as np
from joblib import Parallel, delayed

from baselines.data.windows import DEFAULT_WINDOW_SECONDS, Windows
# balance_indices and epoch_seed are re-exported: their home is baselines.sampling.
from baselines.sampling import balance_indices, balanced_windows, epoch_seed  # noqa: F401

__all__ = [
    "StreamingSampler",
    "FrameSource",
    "window_features",
    "balance_indices",
    "epoch_seed",
]


# ---------------------------------------------------------------------------
# Frames -> window features


def _frames_api():
    """The features package's frame door (imported late: it is optional here)."""
    from features import frames as frames_module

    return frames_module


def load_recording_frames(extractor, recording, cache=None):
    """Frames of one recording through the on-disk cache (one STFT, ever).

    ``recording`` is a :class:`Recording` (its ``audio(sr=)`` loads the audio
    on a cache miss); ``cache`` a ``FrameCache``, a folder, or None (the
    default cache folder).
    """
    frames_module = _frames_api()
    if not isinstance(cache, frames_module.FrameCache):
        cache = frames_module.FrameCache(cache)
    return frames_module.cached_recording_frames(extractor, recording, cache=cache)


def starts_in_samples(extractor, starts_seconds) -> np.ndarray:
    """Window starts in samples, snapped to the extractor's hop grid."""
    hop = int(extractor.hop_length)
    frames = np.rint(np.asarray(starts_seconds, dtype=np.float64) * extractor.sr / hop)
    return frames.astype(np.int64) * hop


class FrameSource:
    """Window features from cached recording frames.

    Parameters
    ----------
    extractor : features extractor
        A :class:`features.base.FrameExtractor` (``sr``, ``hop_length`` and
        ``from_frames_per_window``).
    recordings : sequence of Recording
        The recordings windows may come from (looked up by id).
    cache : features.frames.FrameCache, path or None
        The on-disk frame cache.
    length : float
        Window length in seconds.
    max_recordings_in_memory : int, default=8
        Frames of at most this many recordings stay in memory between
        batches (LRU); a batch holds its own recordings' frames (memory maps)
        while it is computed.
    """

    def __init__(self, extractor, recordings, *, cache=None,
                 length=DEFAULT_WINDOW_SECONDS, max_recordings_in_memory=8):
        self.extractor = extractor
        self.recordings = {r.id: r for r in recordings}
        self.cache = cache
        self.length = float(length)
        self.max_recordings_in_memory = int(max_recordings_in_memory)
        self._frames = OrderedDict()
        # Cache keys of recordings loaded before: a batch touches more
        # recordings than the LRU holds, so each batch reopens most of them;
        # with the key known that is a few file checks, not the audio's
        # identity (a stat), a hash and the checks twice over.
        self._keys = {}
        self._cache = None

    @property
    def n_samples(self) -> int:
        return int(round(self.length * self.extractor.sr))

    def frames(self, recording_id):
        if recording_id in self._frames:
            self._frames.move_to_end(recording_id)
            return self._frames[recording_id]
        frames = self._reopen(recording_id)
        if frames is None:
            if self._cache is None:
                cache_type = _frames_api().FrameCache
                self._cache = self.cache if isinstance(self.cache, cache_type) else cache_type(self.cache)
            frames = load_recording_frames(
                self.extractor, self.recordings[recording_id], self._cache
            )
            if frames.key is not None:
                self._keys[recording_id] = frames.key
        self._frames[recording_id] = frames
        while len(self._frames) > max(1, self.max_recordings_in_memory):
            self._frames.popitem(last=False)
        return frames

    def _reopen(self, recording_id):
        """The cached frames of a recording loaded before, by its known cache
        key; None if unknown or no longer on disk (then loaded in full)."""
        key = self._keys.get(recording_id)
        if key is None:
            return None
        e = self.extractor
        return self._cache.load(key, e.frame_products(), sr=e.sr, n_fft=e.n_fft,
                                hop_length=e.hop_length)

    def features(self, windows: Windows) -> np.ndarray:
        """Feature rows of ``windows``, in their order (float32)."""
        if len(windows) == 0:
            raise ValueError("no windows to compute features for")
        unknown = np.setdiff1d(windows.recording_ids, list(self.recordings))
        if unknown.size:
            raise ValueError(f"windows come from unknown recordings {unknown[:10].tolist()}")
        # One call for the whole batch: the extractor gathers windows of many
        # recordings into shared sub-batches, so a batch costs the same
        # whether its windows come from 10 recordings or from 1,000 (a call
        # per recording cost ~0.45 ms each, and a batch of a corpus x4 touches
        # four times the recordings with a quarter of the windows each).
        ids = windows.recording_ids
        unique, inverse = np.unique(ids, return_inverse=True)
        loaded = [self.frames(int(rid)) for rid in unique]
        frames = [loaded[k] for k in inverse.reshape(-1)]
        starts = starts_in_samples(self.extractor, windows.starts)
        rows = np.asarray(self.extractor.from_frames_per_window(frames, starts, self.n_samples))
        return rows.reshape(len(windows), -1).astype(np.float32, copy=False)


def _features_of_recording(extractor, recording, starts, length, cache):
    source = FrameSource(extractor, [recording], cache=cache, length=length,
                         max_recordings_in_memory=1)
    windows = Windows(
        recording_ids=np.full(len(starts), recording.id),
        starts=starts,
        length=length,
        composers=np.full(len(starts), recording.composer, dtype=object),
        instruments=np.zeros((len(starts), 0), dtype=np.uint8),
        programs=(),
    )
    return source.features(windows)


def window_features(extractor, windows: Windows, recordings, *, cache=None,
                    n_jobs=1, progress=False, desc="features") -> np.ndarray:
    """Features of ``windows``, joblib over recordings, from cached frames.

    Parameters
    ----------
    extractor : features extractor
    windows : Windows
    recordings : sequence of Recording
        Must contain every recording the windows come from.
    cache : FrameCache, path or None
    n_jobs : int
    progress : bool
        Show a tqdm bar over recordings.

    Returns
    -------
    X : np.ndarray [shape=(len(windows), n_features), dtype=float32]
    """
    by_id = {r.id: r for r in recordings}
    ids = np.unique(windows.recording_ids)
    missing = [int(i) for i in ids if int(i) not in by_id]
    if missing:
        raise ValueError(f"windows come from recordings not given: {missing[:10]}")
    cache_arg = getattr(cache, "directory", None) or cache
    groups = [np.flatnonzero(windows.recording_ids == rid) for rid in ids]
    tasks = (
        delayed(_features_of_recording)(
            extractor, by_id[int(rid)], windows.starts[group], windows.length, cache_arg
        )
        for rid, group in zip(ids, groups)
    )
    if progress:
        from tqdm.auto import tqdm

        tasks = tqdm(tasks, total=len(ids), desc=desc, leave=False)
    parts = Parallel(n_jobs=n_jobs)(tasks)
    X = np.empty((len(windows), parts[0].shape[1]), dtype=np.float32)
    for group, part in zip(groups, parts):
        X[group] = part
    return X


# ---------------------------------------------------------------------------
# The sampler


class StreamingSampler:
    """Fresh, balanced windows of the training recordings, epoch by epoch.

    Parameters
    ----------
    train_recordings : sequence of Recording
        Training recordings only: nothing here ever sees held-out ones.
    extractor : features extractor or None
        Needed for :meth:`iter_batches` (features) and for the hop grid;
        ``None`` gives windows only, with starts on ``grid``.
    composers : sequence of str
        The class list; ``y_composer`` holds indices into it.
    programs : sequence of int
        Instrument vocabulary (column order of ``Y_instruments``).
    windows_per_recording : int or None, default=None
        Windows drawn from every training recording before balancing.  None:
        ``ceil(cap / n)`` for a composer with ``n`` recordings, so that each
        composer's pool holds about ``cap`` fresh windows.
    windows_per_epoch : int or None, default=None
        If given, sets ``cap = windows_per_epoch // n_composers``.
    length : float, default=5.0
        Window length in seconds.
    cap : int, default=85
        Windows per composer and epoch (see :func:`balance_indices`).
    strategy : str, dict or callable, default="under-over"
        See :func:`balance_indices`.
    batch_size : int, default=1000
    cache : FrameCache, path or None
        The on-disk frame cache.
    max_recordings_in_memory : int, default=8
    grid : float or None
        Start grid in seconds; default ``extractor.hop_length / extractor.sr``.
    random_state : int, default=0
        Epoch ``e`` uses the seed ``epoch_seed(random_state, e)``, so reruns
        and resumed runs draw the same windows.
    """

    def __init__(self, train_recordings, extractor=None, *, composers, programs,
                 windows_per_recording=None, windows_per_epoch=None,
                 length=DEFAULT_WINDOW_SECONDS, cap=85, strategy="under-over",
                 batch_size=1000, cache=None, max_recordings_in_memory=8,
                 grid=None, random_state=0):
        self.train_recordings = tuple(train_recordings)
        self.extractor = extractor
        self.composers = tuple(composers)
        self.programs = tuple(int(p) for p in programs)
        self.windows_per_recording = windows_per_recording
        self.windows_per_epoch = windows_per_epoch
        self.length = float(length)
        self.cap = cap
        self.strategy = strategy
        self.batch_size = batch_size
        self.cache = cache
        self.max_recordings_in_memory = max_recordings_in_memory
        self.grid = grid
        self.random_state = random_state
        self._validate()
        self._source = None

    def _validate(self):
        if not self.train_recordings:
            raise ValueError("no training recordings")
        if not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"random_state={self.random_state!r} must be an int")
        if not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1:
            raise ValueError(f"batch_size={self.batch_size!r} must be a positive integer")
        unknown = sorted({r.composer for r in self.train_recordings} - set(self.composers))
        if unknown:
            raise ValueError(f"training recordings by composers not in composers: {unknown}")
        if self.windows_per_epoch is not None:
            if (not isinstance(self.windows_per_epoch, numbers.Integral)
                    or self.windows_per_epoch < len(self.composers)):
                raise ValueError(
                    f"windows_per_epoch={self.windows_per_epoch!r} must be an integer "
                    f">= the number of composers ({len(self.composers)})"
                )
        if self.windows_per_recording is not None and (
            not isinstance(self.windows_per_recording, numbers.Integral)
            or self.windows_per_recording < 1
        ):
            raise ValueError(
                f"windows_per_recording={self.windows_per_recording!r} must be a "
                "positive integer or None"
            )

    @property
    def cap_(self) -> int:
        """Windows per composer and epoch."""
        if self.windows_per_epoch is not None:
            return max(1, int(self.windows_per_epoch) // len(self.composers))
        return int(self.cap)

    @property
    def grid_(self) -> float | None:
        if self.grid is not None:
            return float(self.grid)
        if self.extractor is not None:
            return self.extractor.hop_length / self.extractor.sr
        return None

    def epoch_windows(self, epoch: int) -> Windows:
        """The balanced, shuffled windows of ``epoch`` (no features).

        The same ``(random_state, epoch)`` always gives the same windows.
        """
        return balanced_windows(
            self.train_recordings, cap=self.cap_, programs=self.programs,
            length=self.length, grid=self.grid_, strategy=self.strategy,
            windows_per_recording=self.windows_per_recording,
            seed=epoch_seed(self.random_state, epoch),
        )

    def composer_index(self, composers) -> np.ndarray:
        """Indices of composer names in :attr:`composers`."""
        lookup = {c: i for i, c in enumerate(self.composers)}
        return np.array([lookup[c] for c in composers], dtype=np.int64)

    def iter_window_batches(self, epoch: int):
        """Mini-batches of ``epoch``: ``(X, windows)``.

        ``X`` is float32 features sliced from cached frames; ``windows`` the
        :class:`Windows` they come from, whose annotations a task turns into
        targets (:meth:`baselines.tasks.Task.targets`).
        """
        if self.extractor is None:
            raise ValueError("iter_batches needs an extractor")
        if self._source is None:
            self._source = FrameSource(
                self.extractor, self.train_recordings, cache=self.cache,
                length=self.length, max_recordings_in_memory=self.max_recordings_in_memory,
            )
        windows = self.epoch_windows(epoch)
        for start in range(0, len(windows), self.batch_size):
            batch = windows[start:start + self.batch_size]
            yield self._source.features(batch), batch

    def iter_batches(self, epoch: int):
        """Mini-batches of ``epoch``: ``(X, y_composer, Y_instruments)``.

        ``X`` is float32 features sliced from cached frames; ``y_composer``
        indexes :attr:`composers`; ``Y_instruments`` is uint8 multi-hot over
        :attr:`programs`.
        """
        for X, batch in self.iter_window_batches(epoch):
            yield X, self.composer_index(batch.composers), batch.instruments
