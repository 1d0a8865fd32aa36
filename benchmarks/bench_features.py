"""Every extractor, three doors onto the same windows.

``door``:

``librosa``
    What a user writes without this package: librosa's own calls on each
    window (:func:`librosa_reference`), e.g. ``melspectrogram(y=...)``,
    ``chroma_stft(y=...)`` and ``mfcc(y=...)`` for ``stats``.
``transform``
    The extractor's scikit-learn door: each window's frames computed alone
    (one shared STFT per window, filterbanks built once).
``frames``
    The streaming door: windows sliced from the recordings' cached frames
    (``from_frames`` on the memory-mapped frame cache, filled in
    ``setup_cache``), as every epoch after a run's first does.

Each call processes the same ``feature_windows`` windows of 5 s (20 s of
audio in the fast profile, 120 s in the regular one), so the times of the
three doors divide into ratios and into seconds of audio per CPU second.
"""

from __future__ import annotations

import warnings

import numpy as np

from .common import (
    PROFILE,
    SEED,
    WINDOW_SECONDS,
    Benchmark,
    extractor_rate,
    load_corpus,
    optional_import,
    plan_windows,
    require,
    window_plan,
)

_registry = optional_import("features.registry")
FEATURE_NAMES = (
    list(_registry.FEATURE_SETS) if _registry is not None else ["(features missing)"]
)
DOORS = ["librosa", "transform", "frames"]


def _preload_librosa():
    """Import librosa's lazily loaded modules now (~4 s on this kind of
    machine): under asv's forkserver every benchmark process inherits them."""
    try:
        import librosa
    except ImportError:
        return
    for name in ("feature", "beat", "onset", "util", "filters", "core"):
        getattr(librosa, name)
    librosa.feature.mfcc, librosa.beat.beat_track, librosa.onset.onset_strength


_preload_librosa()


def librosa_reference(extractor):
    """``f(y) -> features`` with librosa's own calls on one window.

    The calls a user would make for the same features, with the extractor's
    ``sr``, ``n_fft``, ``hop_length`` and sizes and otherwise librosa's
    defaults (``chroma_stft`` estimates tuning on every call).

    Raises
    ------
    NotImplementedError
        For an extractor class this function does not know.
    """
    import librosa
    import scipy.stats

    p = extractor.get_params()
    sr, hop = extractor_rate(extractor)
    n_fft = int(p.get("n_fft", 2048))
    n_mels = int(p.get("n_mels", 128))
    common = dict(sr=sr, n_fft=n_fft, hop_length=hop)

    def logmel(y):
        return librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, n_mels=n_mels, **common), ref=np.max
        )

    def chroma(y):
        if p.get("kind", "stft") == "cqt":
            return librosa.feature.chroma_cqt(y=y, sr=sr, hop_length=hop)
        return librosa.feature.chroma_stft(y=y, n_chroma=int(p.get("n_chroma", 12)), **common)

    def mfcc(y):
        M = librosa.feature.mfcc(y=y, n_mels=n_mels, n_mfcc=int(p.get("n_mfcc", 20)), **common)
        for order in range(1, int(p.get("deltas", 0) or 0) + 1):
            M = np.concatenate([M, librosa.feature.delta(M, order=order)])
        return M

    def statistics(F):
        # Constant rows (silence) make scipy warn about lost precision.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return _statistics(F)

    def _statistics(F):
        return np.concatenate([
            F.mean(axis=1), F.std(axis=1), scipy.stats.skew(F, axis=1),
            scipy.stats.kurtosis(F, axis=1), np.median(F, axis=1), F.min(axis=1),
            F.max(axis=1),
        ])

    def spectrogram(y):
        S = np.abs(librosa.stft(y, n_fft=n_fft, hop_length=hop)) ** 2
        return np.log(S + float(p.get("eps", 1e-6)))

    def beat(y):
        M = mfcc(y)
        _, beats = librosa.beat.beat_track(y=y, sr=sr, hop_length=hop)
        return librosa.util.sync(M, beats, aggregate=np.median)

    name = type(extractor).__name__
    per_window = {
        "SummaryStatistics": lambda y: np.concatenate(
            [statistics(logmel(y)), statistics(chroma(y)), statistics(mfcc(y)),
             statistics(librosa.feature.delta(mfcc(y))),
             statistics(librosa.feature.tonnetz(chroma=chroma(y)))]
        ),
        "MFCC": mfcc,
        "Chroma": chroma,
        "LogMel": logmel,
        "MelChroma": lambda y: np.concatenate([logmel(y), chroma(y)]),
        "Spectrogram": spectrogram,
        "BeatSynchronous": beat,
    }
    if name not in per_window:
        raise NotImplementedError(f"no librosa reference for {name}")
    window = per_window[name]

    def reference(X):
        return [np.asarray(window(np.ascontiguousarray(y))).ravel() for y in X]

    return reference


def feature_workload(name: str, n_windows: int, corpus=None):
    """Extractor, window plan and window audio for feature set ``name``."""
    registry = require("features.registry")
    extractor = registry.make_extractor(name)
    sr, hop = extractor_rate(extractor)
    corpus = load_corpus() if corpus is None else corpus
    key = (str(corpus.root), corpus.fingerprint(), int(n_windows), sr, hop, SEED)
    plan = window_plan(*key)
    windows = plan_windows(*key)
    return extractor, corpus, plan, windows


def cached_frames(extractor, corpus, plan):
    """Memory-mapped frames of the plan's recordings (computed on a miss)."""
    frames = require("features.frames")
    return [
        (frames.cached_recording_frames(extractor, corpus[recording_id]), starts)
        for recording_id, starts in plan
    ]


def frames_door(extractor, frame_plan, n_samples):
    return [extractor.from_frames(frames, starts, n_samples) for frames, starts in frame_plan]


class ExtractorDoors(Benchmark):
    """Seconds per ``feature_windows`` windows, by extractor and door."""

    param_names = ["features", "door"]
    params = (FEATURE_NAMES, DOORS)

    def setup_cache(self):
        # Fill the on-disk frame cache (one STFT per recording) and the
        # windows' audio, once per asv run.
        require("features.registry")
        corpus = load_corpus()
        for name in FEATURE_NAMES:
            extractor, _, plan, _ = feature_workload(name, PROFILE.feature_windows, corpus)
            cached_frames(extractor, corpus, plan)
        return PROFILE.feature_windows * WINDOW_SECONDS

    def setup(self, audio_seconds, features, door):
        if _registry is None:
            raise NotImplementedError("features.registry is not available")
        extractor, corpus, plan, windows = feature_workload(features, PROFILE.feature_windows)
        self.extractor = extractor.fit(windows)
        self.windows = windows
        self.n_samples = windows.shape[1]
        if door == "librosa":
            self.run = librosa_reference(extractor)
        elif door == "transform":
            self.run = extractor.transform
        else:
            frame_plan = cached_frames(extractor, corpus, plan)
            self.run = lambda X: frames_door(extractor, frame_plan, self.n_samples)
        # librosa's lazy imports (~4 s), numba compilation and the filterbanks
        # are paid once per process, not per call: keep them out of the time.
        self.run(windows[:2])

    def time_windows(self, *args):
        self.run(self.windows)

    def peakmem_windows(self, *args):
        self.run(self.windows)
