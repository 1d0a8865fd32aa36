"""Genre-collection datasets (kinds ``gtzan``, ``fma``, ``spectrograms``).

The loaders (registered with :func:`baselines.datasets.register_loader`)
read a collection with its reader (:mod:`baselines.data.gtzan`,
:mod:`baselines.data.fma`, :mod:`baselines.data.spectrograms`), keep its
official split (GTZAN's split files, FMA's artist-filtered ``set.split``,
the course layout's folders; the style corpus's piece-grouped split) or
draw one by group, and return a :class:`GenreDataset`: the interface of
:class:`baselines.datasets.musicnet.Dataset`, so the learning curve draws,
balances (over genres) and scores windows the same way.

A clip becomes a :class:`ClipRecording`: an integer ``id`` (window
bookkeeping is by integer recording id), ``composer`` = its genre (the
class windows are balanced over; ``"all"`` where a collection has none), no
notes, and the clip's ``clip_id``, ``group`` and ``targets``.

Precomputed arrays have no audio: for them :meth:`GenreDataset.window_features`
cuts windows out of the ``140 x T`` arrays and computes the features there
(``stats`` -> :class:`features.fused_stats.FusedStatistics`, the same
columns as from audio; ``mel-chroma`` -> the window itself), and
:meth:`GenreDataset.sampler` streams epochs from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from baselines.data.windows import DEFAULT_WINDOW_SECONDS, Windows, draw_windows
from baselines.datasets import register_loader
from baselines.sampling import balanced_windows, epoch_seed
from baselines.streaming import StreamingSampler, window_features

__all__ = ["ClipRecording", "GenreDataset", "load_gtzan", "load_fma", "load_spectrograms",
           "EVALUATION_WINDOWS_PER_CLIP", "ArraySampler",
           "array_window_features"]

#: Windows drawn per held-out clip when a command does not say.
EVALUATION_WINDOWS_PER_CLIP = 20
_NO_NOTES = pd.DataFrame({"start": [], "end": [], "instrument": []})
SR, HOP = 22050, 512


@dataclass(frozen=True)
class ClipRecording:
    """A clip dressed as a recording for the window machinery."""

    id: int
    clip_id: str
    composer: str
    group: str
    seconds: float
    split: str | None
    targets: dict = field(default_factory=dict, compare=False)
    audio_path: Path | None = None
    array_path: Path | None = None

    @property
    def genre(self) -> str:
        return self.composer

    def notes(self):
        return _NO_NOTES

    def audio(self, sr=SR):
        from baselines.data.clips import decode_audio

        if self.audio_path is None:
            raise ValueError(f"clip {self.clip_id} has precomputed arrays, no audio")
        return decode_audio(self.audio_path, sr=sr)

    def array(self):
        from baselines.data.clips import load_array

        return load_array(self.array_path)


@dataclass(frozen=True)
class GenreDataset:
    """A genre collection split by group.

    Attributes
    ----------
    name, kind : str
    root : Path
    fingerprint : str
    train, test : tuple of ClipRecording
        Disjoint by group.
    classes : tuple of str
        Genres (``("all",)`` for a targets-only collection).
    target_names : tuple of str
    length : float
    seed : int
    dropped : dict
        What the loader left out, by reason (e.g. the ``valid`` split).
    """

    name: str
    kind: str
    root: Path
    fingerprint: str
    train: tuple
    test: tuple
    classes: tuple
    target_names: tuple
    length: float
    seed: int
    dropped: dict = field(default_factory=dict)

    programs = ()

    @property
    def composers(self) -> tuple:
        return self.classes

    @property
    def recordings(self) -> tuple:
        return tuple(self.train) + tuple(self.test)

    @property
    def precomputed(self) -> bool:
        return self.kind == "spectrograms"

    def describe(self) -> dict:
        return {"root": str(self.root), "train_recordings": [r.clip_id for r in self.train],
                "test_recordings": [r.clip_id for r in self.test],
                "genres": list(self.classes), "targets": list(self.target_names)}

    def frame_cache(self, directory=None):
        from features.frames import FrameCache

        return FrameCache(directory)

    def evaluation_windows(self, *, n_per_recording=EVALUATION_WINDOWS_PER_CLIP, grid=None,
                           random_state=0) -> Windows:
        """Windows of the held-out clips, drawn once with a fixed seed."""
        return draw_windows(self.test, n_per_recording, length=self.length, grid=grid,
                            programs=(), random_state=np.random.default_rng([int(random_state), 7]))

    def training_windows(self, n_windows, *, grid=None, strategy="under-over",
                         random_state=0) -> Windows:
        """A fixed, genre-balanced sample of ``n_windows`` training windows."""
        if n_windows < len(self.classes):
            raise ValueError(f"train size {n_windows} is smaller than the number of genres "
                             f"({len(self.classes)})")
        cap = int(np.ceil(n_windows / len(self.classes)))
        windows = _class_balanced(self.train, cap=cap, n_classes=len(self.classes),
                                  length=self.length, grid=grid, strategy=strategy,
                                  seed=epoch_seed(int(random_state), 0))
        if len(windows) < n_windows:
            raise ValueError(f"train size {n_windows} is larger than the {len(windows)} "
                             f"training windows available")
        return windows[:n_windows]

    def max_training_windows(self, grid) -> int:
        return int(sum(np.floor((r.seconds - self.length) / grid + 1e-9) + 1 for r in self.train))

    def _by_id(self):
        return {r.id: r for r in self.recordings}

    def genre_index(self, windows: Windows) -> np.ndarray:
        """Class index of each window's clip genre."""
        lookup = {c: i for i, c in enumerate(self.classes)}
        unknown = sorted(set(windows.composers) - set(lookup))
        if unknown:
            raise ValueError(f"windows of genres outside the dataset: {unknown}")
        return np.array([lookup[c] for c in windows.composers], dtype=np.int64)

    def target_matrix(self, windows: Windows) -> np.ndarray:
        """``(n_windows, n_targets)`` float targets of each window's clip."""
        by_id = self._by_id()
        return np.array([[by_id[int(i)].targets[t] for t in self.target_names]
                         for i in windows.recording_ids], dtype=np.float64).reshape(
                             len(windows), len(self.target_names))

    # -- precomputed arrays ----------------------------------------------------
    def window_features(self, extractor, windows: Windows, recordings, *, cache=None, n_jobs=1,
                        progress=False, desc="features") -> np.ndarray:
        """Features of windows: from the frame cache (audio), or cut from the
        precomputed arrays (``spectrograms``); see the module docstring."""
        if not self.precomputed:
            return window_features(extractor, windows, recordings, cache=cache, n_jobs=n_jobs,
                                   progress=progress, desc=desc)
        return array_window_features(extractor, windows, recordings)

    def sampler(self, extractor, **options):
        """The streaming sampler of the training clips (arrays or audio)."""
        if not self.precomputed:
            return StreamingSampler(self.train, extractor, composers=self.classes, programs=(),
                                    length=self.length, **options)
        return ArraySampler(self.train, extractor, composers=self.classes, programs=(),
                             length=self.length, **options)

    def summary(self) -> str:
        return (f"{self.name} ({self.kind}) at {self.root}: {len(self.train)} training and "
                f"{len(self.test)} held-out clips, {len(self.classes)} genres, targets "
                f"{list(self.target_names) or 'none'}")


def _fused_window_extractor(extractor):
    """The array-door twin of an audio extractor, or a clear error."""
    from features.chroma import MelChroma
    from features.fused_stats import FusedStatistics
    from features.stats import SummaryStatistics

    if (getattr(extractor, "sr", SR), getattr(extractor, "hop_length", HOP)) != (SR, HOP):
        raise ValueError(f"precomputed arrays are at sr={SR}, hop_length={HOP}; the features "
                         f"ask for sr={extractor.sr}, hop_length={extractor.hop_length}")
    if isinstance(extractor, SummaryStatistics):
        return FusedStatistics(n_mfcc=extractor.n_mfcc, deltas=extractor.deltas,
                               tonnetz=extractor.tonnetz)
    if type(extractor) is MelChroma:
        return None  # the window itself
    raise ValueError(f"features {type(extractor).__name__} cannot be computed from precomputed "
                     f"140 x T arrays; use --features stats or mel-chroma")


def array_window_features(extractor, windows: Windows, recordings) -> np.ndarray:
    """Features of windows cut from clips' fused arrays (frames ``start * sr /
    hop`` on, as many as the audio door's window would have)."""
    door = _fused_window_extractor(extractor)
    by_id = {r.id: r for r in recordings}
    n_frames = 1 + int(round(windows.length * SR)) // HOP
    out = None
    for rid in np.unique(windows.recording_ids):
        rows = np.flatnonzero(windows.recording_ids == rid)
        array = by_id[int(rid)].array()
        cut = np.zeros((len(rows), array.shape[0], n_frames), dtype=np.float32)
        for k, start in enumerate(np.round(windows.starts[rows] * SR / HOP).astype(int)):
            part = array[:, start:start + n_frames]
            cut[k, :, :part.shape[1]] = part
        X = cut.reshape(len(rows), -1) if door is None else door.fit(cut).transform(cut)
        if out is None:
            out = np.empty((len(windows), X.shape[1]), dtype=np.float32)
        out[rows] = X
    return out


def _class_balanced(recordings, *, cap, n_classes, length, grid, strategy, seed) -> Windows:
    """Windows balanced over genres; with one class (a targets-only
    collection) nothing to balance: ``cap`` windows drawn evenly over clips."""
    if n_classes > 1:
        return balanced_windows(recordings, cap=cap, programs=(), length=length, grid=grid,
                                strategy=strategy, seed=seed)
    rng = np.random.default_rng(seed)
    per_clip = int(np.ceil(cap / len(recordings)))
    pool = draw_windows(recordings, per_clip, length=length, grid=grid, programs=(),
                        random_state=rng)
    return pool[rng.permutation(len(pool))[:cap]]


class ArraySampler(StreamingSampler):
    """A streaming sampler whose batches are cut from precomputed arrays."""

    def epoch_windows(self, epoch: int) -> Windows:
        if len(self.composers) > 1:
            return super().epoch_windows(epoch)
        return _class_balanced(self.train_recordings, cap=self.cap_, n_classes=1,
                               length=self.length, grid=self.grid_, strategy=self.strategy,
                               seed=epoch_seed(self.random_state, epoch))

    def iter_window_batches(self, epoch):
        windows = self.epoch_windows(epoch)
        for start in range(0, len(windows), self.batch_size):
            batch = windows[start:start + self.batch_size]
            yield array_window_features(self.extractor, batch, self.train_recordings), batch


# ---------------------------------------------------------------- loaders

def _split(clips, seed, test_size):
    """Official split where every clip has one, else one drawn by group."""
    from baselines.data.clips import grouped_split

    if all(c.split in ("train", "valid", "test") for c in clips):
        return {c.id: c.split for c in clips}
    genres = {c.id: c.genre or "all" for c in clips}
    return grouped_split(genres, {c.id: c.group for c in clips}, test_size=test_size, seed=seed)


def _dataset(reader, root, corpus, clips, *, seconds_of, seed, test_size, length, target_names):
    splits = _split(clips, seed, test_size)
    recs, dropped = {"train": [], "test": []}, {}
    for n, clip in enumerate(sorted(clips, key=lambda c: c.id)):
        side = splits[clip.id]
        if side not in recs:  # valid: left out of both (it is for model selection)
            dropped.setdefault(side, []).append(clip.id)
            continue
        recs[side].append(ClipRecording(
            id=n, clip_id=clip.id, composer=clip.genre or "all", group=clip.group,
            seconds=seconds_of(clip), split=side, targets=dict(clip.targets),
            audio_path=clip.audio_path, array_path=clip.array_path))
    train_groups = {r.group for r in recs["train"]}
    leaked = sorted(train_groups & {r.group for r in recs["test"]})
    if leaked:
        raise ValueError(f"{root}: groups on both sides of the split: {leaked[:5]}")
    classes = tuple(sorted({r.composer for r in recs["train"]}))
    unseen = sorted({r.composer for r in recs["test"]} - set(classes))
    if unseen:
        dropped["test genres not in training"] = unseen
        recs["test"] = [r for r in recs["test"] if r.composer in classes]
    if not recs["train"] or not recs["test"]:
        raise ValueError(f"{root}: {len(recs['train'])} training and {len(recs['test'])} held-out "
                         f"clips; need both")
    return GenreDataset(name=reader.name, kind=reader.kind, root=Path(root),
                        fingerprint=corpus.fingerprint(), train=tuple(recs["train"]),
                        test=tuple(recs["test"]), classes=classes,
                        target_names=tuple(target_names), length=float(length), seed=int(seed),
                        dropped=dropped)


@register_loader("gtzan")
def load_gtzan(reader, root, *, seed=0, test_size=0.25, length=DEFAULT_WINDOW_SECONDS,
               mapping=None, **_ignored) -> GenreDataset:
    """A GTZAN-layout folder (the style corpus's default): split files or a
    seeded split by group; clips shorter than a window dropped."""
    corpus = reader.open(root, mapping=mapping, min_seconds=length, seed=seed,
                         test_size=test_size, require_targets=True)
    return _dataset(reader, root, corpus, corpus.clips, seconds_of=lambda c: c.seconds,
                    seed=seed, test_size=test_size, length=length,
                    target_names=corpus.target_names)


@register_loader("fma")
def load_fma(reader, root, *, seed=0, test_size=0.25, length=DEFAULT_WINDOW_SECONDS,
             mapping=None, subset="small", **_ignored) -> GenreDataset:
    """An FMA subset with its artist-filtered split; every mp3 decoded once
    at open (tracks that fail are dropped with a warning naming them)."""
    corpus = reader.open(root, subset=subset, mapping=mapping, min_seconds=length,
                         check_audio=True)
    import soundfile as sf

    return _dataset(reader, root, corpus, corpus.clips,
                    seconds_of=lambda c: float(sf.info(str(c.audio_path)).duration),
                    seed=seed, test_size=test_size, length=length, target_names=())


@register_loader("spectrograms")
def load_spectrograms(reader, root, *, seed=0, test_size=0.25, length=DEFAULT_WINDOW_SECONDS,
                      mapping=None, **_ignored) -> GenreDataset:
    """A course-layout collection folder (its ``_beat`` twin beside it);
    features come from the arrays."""
    min_frames = 1 + int(round(length * SR)) // HOP
    corpus = reader.open(root, mapping=mapping, min_frames=min_frames)
    from baselines.data.spectrograms import array_shape

    return _dataset(reader, root, corpus, corpus.clips,
                    seconds_of=lambda c: (array_shape(c.array_path)[1] - 1) * HOP / SR,
                    seed=seed, test_size=test_size, length=length,
                    target_names=corpus.target_names)
