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
- ``python -m baselines.streaming --measure-memory``: peak memory of one
  epoch on the default corpus and on a corpus four times its size.
"""

from __future__ import annotations

import argparse
import math
import numbers
import sys
from collections import OrderedDict

import numpy as np
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from joblib import Parallel, delayed

from baselines.data.windows import DEFAULT_WINDOW_SECONDS, Windows, draw_windows

__all__ = [
    "StreamingSampler",
    "FrameSource",
    "window_features",
    "balance_indices",
    "epoch_seed",
    "measure_epoch_memory",
    "main",
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
        With ``sr``, ``hop_length``, ``recording_frames`` and ``from_frames``.
    recordings : sequence of Recording
        The recordings windows may come from (looked up by id).
    cache : features.frames.FrameCache, path or None
        The on-disk frame cache.
    length : float
        Window length in seconds.
    max_recordings_in_memory : int, default=8
        Frames of at most this many recordings stay in memory (LRU).
    """

    def __init__(self, extractor, recordings, *, cache=None,
                 length=DEFAULT_WINDOW_SECONDS, max_recordings_in_memory=8):
        self.extractor = extractor
        self.recordings = {r.id: r for r in recordings}
        self.cache = cache
        self.length = float(length)
        self.max_recordings_in_memory = int(max_recordings_in_memory)
        self._frames = OrderedDict()

    @property
    def n_samples(self) -> int:
        return int(round(self.length * self.extractor.sr))

    def frames(self, recording_id):
        if recording_id in self._frames:
            self._frames.move_to_end(recording_id)
            return self._frames[recording_id]
        frames = load_recording_frames(
            self.extractor, self.recordings[recording_id], self.cache
        )
        self._frames[recording_id] = frames
        while len(self._frames) > max(1, self.max_recordings_in_memory):
            self._frames.popitem(last=False)
        return frames

    def features(self, windows: Windows) -> np.ndarray:
        """Feature rows of ``windows``, in their order (float32)."""
        if len(windows) == 0:
            raise ValueError("no windows to compute features for")
        unknown = np.setdiff1d(windows.recording_ids, list(self.recordings))
        if unknown.size:
            raise ValueError(f"windows come from unknown recordings {unknown[:10].tolist()}")
        out = None
        # Group by recording so each recording's frames are touched once.
        order = np.argsort(windows.recording_ids, kind="stable")
        ids = windows.recording_ids[order]
        boundaries = np.flatnonzero(np.diff(ids)) + 1
        for group in np.split(order, boundaries):
            rid = int(windows.recording_ids[group[0]])
            starts = starts_in_samples(self.extractor, windows.starts[group])
            rows = np.asarray(
                self.extractor.from_frames(self.frames(rid), starts, self.n_samples)
            )
            rows = rows.reshape(len(group), -1).astype(np.float32, copy=False)
            if out is None:
                out = np.empty((len(windows), rows.shape[1]), dtype=np.float32)
            out[group] = rows
        return out


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
# Balancing


def epoch_seed(random_state, epoch: int) -> int:
    """A 32-bit seed for ``epoch``, derived from ``random_state`` alone."""
    if not isinstance(random_state, numbers.Integral):
        raise ValueError(f"random_state={random_state!r} must be an int here")
    sequence = np.random.SeedSequence([int(random_state), int(epoch)])
    return int(sequence.generate_state(1)[0])


def _split_targets(y, target: dict):
    counts = {c: int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    unknown = set(target) - set(counts)
    if unknown:
        raise ValueError(f"sampling_strategy names classes not present: {sorted(unknown)}")
    under = {c: int(n) for c, n in target.items() if n <= counts[c]}
    over = {c: int(n) for c, n in target.items() if n > counts[c]}
    return under, over


def balance_indices(y, *, cap=85, strategy="under-over", random_state=None) -> np.ndarray:
    """Resample the indices of ``y`` to balance its classes.

    Parameters
    ----------
    y : array-like [shape=(n,)]
        The class (composer) of each window.
    cap : int, default=85
        Target windows per class for ``"under-over"`` and ``"under"``.
    strategy : str, dict or callable, default="under-over"
        - ``"under-over"``: ``RandomUnderSampler`` down to ``cap``, then
          ``RandomOverSampler`` up to ``cap``: every class gets exactly ``cap``.
        - ``"under"``: only the first step (classes above ``cap`` cut to it).
        - ``"over"``: ``RandomOverSampler(sampling_strategy="not majority")``.
        - ``"none"``: no resampling.
        - ``"under:<s>"`` / ``"over:<s>"``: that sampler with imblearn's string
          ``sampling_strategy`` ``<s>`` (``"auto"``, ``"not minority"``, ...).
        - a dict class -> target count, or a callable ``y -> dict`` (imblearn's
          semantics): classes whose target is below their count are
          undersampled, those above it oversampled.
    random_state : int or None

    Returns
    -------
    indices : np.ndarray [shape=(n_resampled,), dtype=int64]
        Indices into ``y`` (repeats where oversampled), in imblearn's order.
    """
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"y must be a non-empty 1-d array, got shape {y.shape}")
    if not isinstance(cap, numbers.Integral) or cap < 1:
        raise ValueError(f"cap={cap!r} must be a positive integer")
    index = np.arange(len(y)).reshape(-1, 1)
    seeds = np.random.SeedSequence(
        0 if random_state is None else int(random_state)
    ).generate_state(2)
    under_seed, over_seed = int(seeds[0]), int(seeds[1])

    def under(strategy_, idx):
        sampler = RandomUnderSampler(sampling_strategy=strategy_, random_state=under_seed)
        out, _ = sampler.fit_resample(idx, y[idx.ravel()])
        return out

    def over(strategy_, idx):
        sampler = RandomOverSampler(sampling_strategy=strategy_, random_state=over_seed)
        out, _ = sampler.fit_resample(idx, y[idx.ravel()])
        return out

    if callable(strategy):
        strategy = strategy(y)
        if not isinstance(strategy, dict):
            raise ValueError("a callable strategy must return a dict class -> count")
    if isinstance(strategy, dict):
        lower, upper = _split_targets(y, strategy)
        if lower:
            index = under(lower, index)
        if upper:
            index = over(upper, index)
        return index.ravel().astype(np.int64)
    if not isinstance(strategy, str):
        raise ValueError(
            f"strategy={strategy!r} must be a str, dict or callable"
        )
    counts = {c: int(n) for c, n in zip(*np.unique(y, return_counts=True))}
    if strategy in ("under-over", "under"):
        index = under({c: min(n, cap) for c, n in counts.items()}, index)
        if strategy == "under-over":
            now = {c: int((y[index.ravel()] == c).sum()) for c in counts}
            upper = {c: cap for c, n in now.items() if n < cap}
            if upper:
                index = over(upper, index)
    elif strategy == "over":
        if len(counts) > 1:
            index = over("not majority", index)
    elif strategy == "none":
        pass
    elif strategy.startswith("under:"):
        index = under(strategy.split(":", 1)[1], index)
    elif strategy.startswith("over:"):
        index = over(strategy.split(":", 1)[1], index)
    else:
        raise ValueError(
            f"strategy={strategy!r} is not one of 'under-over', 'under', 'over', "
            "'none', 'under:<imblearn strategy>', 'over:<imblearn strategy>', a "
            "dict or a callable"
        )
    return index.ravel().astype(np.int64)


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

    def _draws_per_recording(self) -> list[int]:
        if self.windows_per_recording is not None:
            return [int(self.windows_per_recording)] * len(self.train_recordings)
        per_composer = {}
        for r in self.train_recordings:
            per_composer[r.composer] = per_composer.get(r.composer, 0) + 1
        return [max(1, math.ceil(self.cap_ / per_composer[r.composer]))
                for r in self.train_recordings]

    def epoch_windows(self, epoch: int) -> Windows:
        """The balanced, shuffled windows of ``epoch`` (no features).

        The same ``(random_state, epoch)`` always gives the same windows.
        """
        seed = epoch_seed(self.random_state, epoch)
        rng = np.random.default_rng(seed)
        pool = draw_windows(
            self.train_recordings, self._draws_per_recording(), length=self.length,
            grid=self.grid_, programs=self.programs, random_state=rng,
        )
        keep = balance_indices(
            pool.composers.astype(str), cap=self.cap_, strategy=self.strategy,
            random_state=seed,
        )
        return pool[rng.permutation(keep)]

    def composer_index(self, composers) -> np.ndarray:
        """Indices of composer names in :attr:`composers`."""
        lookup = {c: i for i, c in enumerate(self.composers)}
        return np.array([lookup[c] for c in composers], dtype=np.int64)

    def iter_batches(self, epoch: int):
        """Mini-batches of ``epoch``: ``(X, y_composer, Y_instruments)``.

        ``X`` is float32 features sliced from cached frames; ``y_composer``
        indexes :attr:`composers`; ``Y_instruments`` is uint8 multi-hot over
        :attr:`programs`.
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
            yield (self._source.features(batch), self.composer_index(batch.composers),
                   batch.instruments)


# ---------------------------------------------------------------------------
# Memory measurement


def _peak_rss_mb() -> float:
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0


def measure_epoch_memory(sampler: StreamingSampler, epoch: int = 0,
                         model=None, classes=None) -> dict:
    """Peak memory of one epoch of ``sampler`` (and ``partial_fit`` if given).

    Uses ``tracemalloc`` (Python-level allocations, including numpy's), which
    isolates the epoch from what the process held before.

    Returns
    -------
    dict
        ``peak_mb``, ``windows``, ``batches``, ``recordings``.
    """
    import tracemalloc

    tracemalloc.start()
    try:
        n_windows = n_batches = 0
        for X, y, Y in sampler.iter_batches(epoch):
            if model is not None:
                model.partial_fit(X, y, classes=classes)
            n_windows += len(X)
            n_batches += 1
            del X, y, Y
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "peak_mb": peak / 2**20,
        "windows": n_windows,
        "batches": n_batches,
        "recordings": len(sampler.train_recordings),
    }


def repeated_recordings(recordings, factor: int, *, id_step: int = 10**7) -> list:
    """``recordings`` repeated ``factor`` times, copy ``k`` under ids shifted by
    ``k * id_step``: a corpus ``factor`` times the size for memory and cost
    measurements, sharing the originals' files (and so their cached frames).
    """
    import dataclasses

    return [r if k == 0 else dataclasses.replace(r, id=r.id + k * id_step)
            for k in range(int(factor)) for r in recordings]


def main(argv=None) -> int:
    """``python -m baselines.streaming --measure-memory``."""
    parser = argparse.ArgumentParser(
        prog="python -m baselines.streaming",
        description="Peak memory of one streaming epoch on the default corpus "
        "and on a corpus four times its size (its recordings repeated, each "
        "copy drawn from as a separate recording).",
    )
    parser.add_argument("--measure-memory", action="store_true",
                        help="measure and print the peak memory (default: off)")
    parser.add_argument("--dataset", default="default",
                        help="default, small, or musicnet (with --root) (default: default)")
    parser.add_argument("--root", default=None, help="MusicNet root (default: none)")
    parser.add_argument("--features", default="stats", help="feature set (default: stats)")
    parser.add_argument("--factors", default="1,4",
                        help="corpus size multiples to measure (default: 1,4)")
    parser.add_argument("--windows-per-recording", type=int, default=20,
                        help="windows drawn per training recording (default: 20)")
    parser.add_argument("--batch-size", type=int, default=1000,
                        help="mini-batch size (default: 1000)")
    parser.add_argument("--model", default="sgd-hinge",
                        help="model fed by partial_fit during the epoch (default: sgd-hinge)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    args = parser.parse_args(argv)
    if not args.measure_memory:
        parser.print_help()
        return 0
    from baselines.datasets import load_dataset, make_feature_extractor
    from baselines.models import make_model, output_classes

    dataset = load_dataset(args.dataset, root=args.root, seed=args.seed)
    extractor = make_feature_extractor(args.features)
    cache = dataset.frame_cache()
    base = list(dataset.train)
    for factor in (int(f) for f in args.factors.split(",")):
        recordings = repeated_recordings(base, factor)
        sampler = StreamingSampler(
            recordings, extractor, composers=dataset.composers, programs=dataset.programs,
            windows_per_recording=args.windows_per_recording, batch_size=args.batch_size,
            # No balancing: the epoch grows with the corpus, the harder case.
            strategy="none", cache=cache,
            random_state=args.seed,
        )
        model = make_model(args.model, "composer", random_state=args.seed)
        classes = output_classes("composer", len(dataset.composers), len(dataset.programs))
        # Warm the frame cache, filterbanks and compiled code first, so the
        # epoch measures slicing and fitting, not one-off set-up.
        for r in base:
            load_recording_frames(extractor, r, cache)
        warm = StreamingSampler(
            base[:2], extractor, composers=dataset.composers, programs=dataset.programs,
            windows_per_recording=2, strategy="none", cache=cache, random_state=args.seed)
        measure_epoch_memory(warm, 0, model=make_model(args.model, "composer"),
                             classes=output_classes("composer", len(dataset.composers), 0))
        result = measure_epoch_memory(sampler, 0, model=model, classes=classes)
        print(
            f"x{factor}: {result['recordings']} recordings, {result['windows']} windows "
            f"in {result['batches']} batches: peak {result['peak_mb']:.1f} MB "
            f"(tracemalloc); process peak RSS so far {_peak_rss_mb():.0f} MB"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
