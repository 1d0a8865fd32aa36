"""Shared pieces of the asv suite: the profile, the mixins and the data.

Follows scikit-learn's ``asv_benchmarks/benchmarks/common.py``: a profile
chosen by an environment variable sets the sizes and asv's repeat/number,
small mixins carry those settings, and every dataset is built once by a
:class:`joblib.Memory`-cached function with a fixed seed, so a second run (and
every asv process after the first) reads it from disk.

Profiles (``MUSIC_BASELINES_BENCH_PROFILE``, default ``regular``):

``fast``
    CI: the small rendered corpus, a handful of windows, one repeat.  Used by
    ``make test`` (``python -m performance_report.asv_check``).
``regular``
    Real numbers: the default rendered corpus.
``large``
    The default corpus replicated four times (new ids, same audio), larger
    training sets: where the growth of cost with data shows.

Everything here uses one BLAS thread (PERFORMANCE_NOTES.md: two threads were
slower almost everywhere on 2 cores) and float32.
"""

from __future__ import annotations

import os

# Before numpy/librosa are imported anywhere in this process.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    os.path.join(os.path.expanduser("~"), ".cache", "music-baselines", "numba"),
)

# As the commands run (features.allocator): freed memory kept, so internal
# feature batches are larger; asv then times what a command's user gets.
try:  # noqa: E402
    from features.allocator import keep_freed_memory as _keep_freed_memory
except ImportError:  # a commit from before the allocator module (asv run over history)
    pass
else:
    _keep_freed_memory()

import importlib  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from joblib import Memory  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(1)

PROFILE_ENV = "MUSIC_BASELINES_BENCH_PROFILE"
DEFAULT_PROFILE = "regular"
SEED = 0
SR = 22050
WINDOW_SECONDS = 5.0
WINDOWS_PER_RECORDING = 4


@dataclass(frozen=True)
class Profile:
    """Sizes and asv timing settings of one benchmark profile.

    Attributes
    ----------
    name : str
    corpus : str
        ``"small"`` or ``"default"`` rendered corpus.
    corpus_copies : int
        How many times the corpus is replicated (ids renumbered).
    feature_windows : int
        Windows per feature benchmark call (``x 5 s`` of audio).
    train_sizes : tuple of int
        Two training sizes, the second four times the first.
    test_windows : int
        Held-out windows for the ``track_*`` scores.
    epoch_windows : int
        Windows drawn per streaming epoch.
    repeat, number, warmup_time, min_run_count
        asv's timing settings.
    """

    name: str
    corpus: str
    corpus_copies: int
    feature_windows: int
    train_sizes: tuple
    test_windows: int
    epoch_windows: int
    repeat: object
    number: int
    warmup_time: float
    min_run_count: int
    rounds: int = 1
    model_features: str = field(default="")


PROFILES = {
    "fast": Profile(
        name="fast",
        corpus="small",
        corpus_copies=1,
        feature_windows=8,
        train_sizes=(100, 400),
        test_windows=100,
        epoch_windows=200,
        repeat=1,
        number=1,
        warmup_time=0.0,
        min_run_count=1,
    ),
    "regular": Profile(
        name="regular",
        corpus="default",
        corpus_copies=1,
        feature_windows=24,
        train_sizes=(500, 2000),
        test_windows=500,
        epoch_windows=1000,
        repeat=(3, 10, 30.0),
        number=1,
        warmup_time=0.0,
        min_run_count=2,
        rounds=1,
    ),
    "large": Profile(
        name="large",
        corpus="default",
        corpus_copies=4,
        feature_windows=48,
        train_sizes=(2000, 8000),
        test_windows=1000,
        epoch_windows=2000,
        repeat=3,
        number=1,
        warmup_time=0.0,
        min_run_count=2,
    ),
}


def get_profile(name: str | None = None) -> Profile:
    """The profile named ``name``, else ``$MUSIC_BASELINES_BENCH_PROFILE``.

    Raises
    ------
    ValueError
        If the name is not one of ``fast``, ``regular``, ``large``.
    """
    if name is None:
        name = os.environ.get(PROFILE_ENV, "") or DEFAULT_PROFILE
    name = name.strip().lower()
    if name not in PROFILES:
        raise ValueError(
            f"profile={name!r} is not one of {sorted(PROFILES)} "
            f"(set {PROFILE_ENV})"
        )
    return PROFILES[name]


PROFILE = get_profile()


class Benchmark:
    """Base mixin: asv's timing settings from the profile.

    CPU time, not wall time: the machines we measure on are shared and noisy,
    and PERFORMANCE_NOTES.md states rates per CPU second.
    """

    timer = time.process_time
    timeout = 600
    processes = 1
    profile = PROFILE
    repeat = PROFILE.repeat
    number = PROFILE.number
    warmup_time = PROFILE.warmup_time
    min_run_count = PROFILE.min_run_count
    rounds = PROFILE.rounds


# --------------------------------------------------------------------------
# Optional modules.  A benchmark whose module has not landed is skipped
# (asv skips a benchmark whose setup raises NotImplementedError), never an
# error.


def optional_import(name: str):
    """Import ``name`` or return ``None`` if it (or what it needs) is absent."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def require(name: str):
    """Import ``name``; raise ``NotImplementedError`` (asv: skip) if absent."""
    module = optional_import(name)
    if module is None:
        raise NotImplementedError(f"{name} is not available")
    return module


def selection_module():
    """The module of ``filter_classes`` and ``split_recordings``:
    ``baselines.data.selection``, or ``baselines.data.windows`` in the older
    commits asv also measures (before the two were split)."""
    return optional_import("baselines.data.selection") or require("baselines.data.windows")


# --------------------------------------------------------------------------
# Data, cached on disk with a fixed seed.


def cache_dir() -> Path:
    """Where the benchmark data lives: ``<corpus cache>/benchmarks``."""
    base = os.environ.get("MUSIC_BASELINES_CACHE")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.path.expanduser("~"), ".cache"
        )
        base = os.path.join(xdg, "music-baselines")
    path = Path(base) / "benchmarks"
    path.mkdir(parents=True, exist_ok=True)
    return path


memory = Memory(str(cache_dir() / "joblib"), verbose=0)


def rendered_corpus_root(corpus: str = "small", seed: int = SEED) -> Path:
    """Root of the rendered default corpus (built once by ``render``)."""
    render = require("baselines.data.render")
    return Path(
        render.default_corpus(
            small=(corpus == "small"), seed=seed, n_jobs=2, progress=False
        )
    )


def corpus_root(corpus: str = "small", copies: int = 1, seed: int = SEED) -> Path:
    """Root of the rendered corpus, replicated ``copies`` times.

    The copies are a MusicNet-format folder of symbolic links: copy ``k`` of
    recording ``i`` gets id ``i + k * 10**d`` (``10**d`` above every id) and
    the same split, audio and labels.  Enough to measure how cost grows with
    the number of recordings; it adds no new music.
    """
    root = rendered_corpus_root(corpus, seed)
    if copies == 1:
        return root
    import pandas as pd

    musicnet = require("baselines.data.musicnet")
    # Named after the source folder, which names the builder's version.
    target = cache_dir() / f"{root.name}-x{copies}"
    done = target / ".complete"
    if done.exists():
        return target
    metadata = pd.read_csv(root / musicnet.METADATA_FILENAME)
    step = 10 ** len(str(int(metadata["id"].max())))
    rows = []
    for split in musicnet.SPLITS:
        (target / f"{split}_data").mkdir(parents=True, exist_ok=True)
        (target / f"{split}_labels").mkdir(parents=True, exist_ok=True)
    for k in range(copies):
        copy = metadata.copy()
        copy["id"] = copy["id"] + k * step
        rows.append(copy)
        for split in musicnet.SPLITS:
            for folder, suffix in ((f"{split}_data", ".wav"), (f"{split}_labels", ".csv")):
                for source in sorted((root / folder).glob(f"*{suffix}")):
                    stem = source.stem
                    if not stem.isdigit():
                        continue
                    link = target / folder / f"{int(stem) + k * step}{suffix}"
                    if not link.exists():
                        os.symlink(source.resolve(), link)
    pd.concat(rows).to_csv(target / musicnet.METADATA_FILENAME, index=False)
    done.touch()
    return target


def repeated_recordings(recordings, factor: int, *, id_step: int = 10**7) -> list:
    """``recordings`` repeated ``factor`` times, copy ``k`` under ids shifted by
    ``k * id_step``: a corpus ``factor`` times the size for memory and cost
    measurements, sharing the originals' files (and so their cached frames).
    """
    import dataclasses

    return [r if k == 0 else dataclasses.replace(r, id=r.id + k * id_step)
            for k in range(int(factor)) for r in recordings]


def load_corpus(profile: Profile = PROFILE):
    """The profile's corpus, opened with the MusicNet reader."""
    musicnet = require("baselines.data.musicnet")
    return musicnet.MusicNetCorpus(
        corpus_root(profile.corpus, profile.corpus_copies)
    )


@memory.cache
def window_plan(root: str, fingerprint: str, n_windows: int, sr: int, hop_length: int,
                seed: int = SEED):
    """Random windows across the corpus, on the frame grid.

    ``fingerprint`` (the corpus's) only keys the cache.

    Returns
    -------
    plan : list of (recording_id, starts)
        ``starts`` in samples at ``sr``, multiples of ``hop_length``, for the
        ``n_windows`` windows, ``WINDOWS_PER_RECORDING`` from each of
        randomly chosen recordings, in id order.
    """
    musicnet = require("baselines.data.musicnet")
    recordings = list(musicnet.MusicNetCorpus(root).recordings)
    rng = np.random.RandomState(seed)
    n_samples = int(round(WINDOW_SECONDS * sr))
    # Several windows per recording, as an epoch draws them.
    n_recordings = min(len(recordings), max(1, -(-n_windows // WINDOWS_PER_RECORDING)))
    chosen = np.sort(rng.choice(len(recordings), size=n_recordings, replace=False))
    counts = np.bincount(np.arange(n_windows) % n_recordings, minlength=n_recordings)
    plan = []
    for index, count in zip(chosen, counts):
        recording = recordings[index]
        total = int(recording.seconds * sr)
        last = max(0, (total - n_samples) // hop_length)
        starts = np.sort(rng.randint(0, last + 1, size=int(count))) * hop_length
        plan.append((int(recording.id), starts.astype(np.int64)))
    return plan


@memory.cache
def plan_windows(root: str, fingerprint: str, n_windows: int, sr: int, hop_length: int,
                 seed: int = SEED) -> np.ndarray:
    """The audio of :func:`window_plan`'s windows, ``(n_windows, n)`` float32."""
    musicnet = require("baselines.data.musicnet")
    corpus = musicnet.MusicNetCorpus(root)
    plan = window_plan(root, fingerprint, n_windows, sr, hop_length, seed)
    return cut_windows(corpus, plan, int(round(WINDOW_SECONDS * sr)), sr)


def cut_windows(corpus, plan, n_samples: int, sr: int = SR) -> np.ndarray:
    """Audio windows ``(n_windows, n_samples)`` float32 for a window plan."""
    out = []
    for recording_id, starts in plan:
        y = corpus[recording_id].audio(sr=sr)
        for start in starts:
            window = y[start:start + n_samples]
            if len(window) < n_samples:
                window = np.pad(window, (0, n_samples - len(window)))
            out.append(window)
    return np.stack(out).astype(np.float32, copy=False)


def median_seconds(function, *, repeat: int = 5, timer=time.process_time) -> float:
    """Median CPU seconds of ``repeat`` calls of ``function()``."""
    times = []
    for _ in range(repeat):
        start = timer()
        function()
        times.append(timer() - start)
    return float(np.median(times))


def peak_allocated_bytes(function) -> int:
    """Peak bytes allocated while ``function()`` runs (``tracemalloc``).

    numpy reports its buffers to ``tracemalloc``, so this counts arrays as
    well as Python objects; it excludes what was allocated before the call
    (imports, the corpus listing), which a process-wide RSS would include.
    """
    import tracemalloc

    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return int(peak - base)


def extractor_rate(extractor) -> tuple[int, int]:
    """``(sr, hop_length)`` of an extractor (librosa's defaults if absent)."""
    return int(getattr(extractor, "sr", SR) or SR), int(
        getattr(extractor, "hop_length", 512) or 512
    )


def window_features(extractor, corpus, recording_ids, starts_seconds, length):
    """Features of windows through the cached-frame door, in the given order.

    One ``recording_frames`` per recording, then ``from_frames`` at the
    windows' starts (in samples, on the frame grid).
    """
    sr, hop = extractor_rate(extractor)
    n_samples = int(round(length * sr))
    recording_ids = np.asarray(recording_ids)
    starts = np.round(np.asarray(starts_seconds) * sr / hop).astype(np.int64) * hop
    out = None
    for recording_id in np.unique(recording_ids):
        rows = np.flatnonzero(recording_ids == recording_id)
        frames = extractor.recording_frames(corpus[int(recording_id)].audio(sr=sr))
        values = np.asarray(extractor.from_frames(frames, starts[rows], n_samples))
        values = values.reshape(len(rows), -1)
        if out is None:
            out = np.empty((len(recording_ids), values.shape[1]), dtype=np.float32)
        out[rows] = values
    return out


def usable_recordings(corpus):
    """Recordings with enough composers and instruments to learn from.

    ``filter_classes`` with its defaults; on a corpus too small for them
    (the fast profile's), keep every composer with two recordings or more.
    """
    selection = selection_module()
    filtered = selection.filter_classes(corpus.recordings)
    if len(filtered.composers) < 2:
        filtered = selection.filter_classes(
            corpus.recordings, min_composer_recordings=2, min_instrument_recordings=1
        )
    return filtered


@memory.cache
def model_dataset(root: str, fingerprint: str, feature_set: str, n_train: int,
                  n_test: int, seed: int = SEED) -> dict:
    """Training and held-out windows' features and labels.

    Train and test windows come from different recordings
    (``split_recordings``); features through the cached-frame door.
    ``fingerprint`` (the corpus's) only keys the cache.

    Returns
    -------
    dict
        ``X_train``, ``composer_train``, ``instruments_train``, ``X_test``,
        ``composer_test``, ``instruments_test``, ``composers``, ``programs``.
    """
    musicnet = require("baselines.data.musicnet")
    windows = require("baselines.data.windows")
    registry = require("features.registry")
    corpus = musicnet.MusicNetCorpus(root)
    filtered = usable_recordings(corpus)
    train, test = selection_module().split_recordings(filtered.recordings, random_state=seed)
    extractor = registry.make_extractor(feature_set)
    sr, hop = extractor_rate(extractor)
    rng = np.random.RandomState(seed)
    data = {"composers": list(filtered.composers), "programs": list(filtered.programs)}
    composer_index = {c: i for i, c in enumerate(filtered.composers)}
    for part, recordings, n in (("train", train, n_train), ("test", test, n_test)):
        per_recording = int(np.ceil(n / len(recordings)))
        drawn = windows.draw_windows(
            recordings, per_recording, length=WINDOW_SECONDS, grid=hop / sr,
            programs=filtered.programs, random_state=rng,
        )
        keep = np.sort(rng.choice(len(drawn), size=n, replace=False))
        drawn = drawn[keep]
        data[f"X_{part}"] = window_features(
            extractor, corpus, drawn.recording_ids, drawn.starts, WINDOW_SECONDS
        )
        data[f"composer_{part}"] = np.array(
            [composer_index[c] for c in drawn.composers], dtype=np.int64
        )
        data[f"instruments_{part}"] = np.asarray(drawn.instruments, dtype=np.int64)
    return data
