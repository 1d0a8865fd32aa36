"""The loader of ``lab``-kind datasets: Isophonics-layout chord collections.

:func:`load_lab` opens the folder with
:class:`~baselines.data.isophonics.IsophonicsDataset` (split by track: a
split file, else seeded and stratified by collection) and returns a
:class:`ChordDataset`.  Its unit is the frame: :meth:`ChordDataset.frame_items`
gives each track's frame representation and frame classes (from the disk
frame cache), :meth:`ChordDataset.references` the annotations the task
scores against.  The window methods of MusicNet-kind datasets do not apply
and raise, naming the unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from baselines.datasets import register_loader

__all__ = ["ChordDataset", "load_lab"]


@dataclass(frozen=True)
class ChordDataset:
    """Chord tracks, split by track.

    Attributes
    ----------
    name : str
        ``chords``, ``chords-small`` or ``isophonics``.
    root : Path
    fingerprint : str
    corpus : IsophonicsDataset
    train, test : tuple of Track
        Disjoint, by track (the group).
    seed : int
    """

    name: str
    root: Path
    fingerprint: str
    corpus: object
    train: tuple
    test: tuple
    seed: int
    length = None  # frames, not windows

    @property
    def kind(self) -> str:
        return "lab"

    @property
    def classes(self) -> tuple:
        from baselines.data.chord_labels import MAJMIN_CLASSES

        return MAJMIN_CLASSES

    @property
    def recordings(self) -> tuple:
        return tuple(self.train) + tuple(self.test)

    def describe(self) -> dict:
        """Root, tracks on each side, and the seconds of each majmin class per
        collection (the class distribution every run reports)."""
        return {"root": str(self.root), "train_recordings": [t.id for t in self.train],
                "test_recordings": [t.id for t in self.test],
                "class_seconds": {c: {k: round(v, 3) for k, v in d.items()}
                                  for c, d in self.corpus.class_distribution().items()}}

    def summary(self) -> str:
        return (f"{self.name} chord collection at {self.root}: {len(self.train)} training and "
                f"{len(self.test)} held-out tracks\n{self.corpus.summary()}")

    def frame_cache(self, directory=None):
        from features.frames import FrameCache

        return FrameCache(directory)

    def frame_items(self, tracks, extractor, *, n_jobs=1, progress=True) -> list:
        """:class:`~baselines.data.chord_frames.TrackFrames` of ``tracks``
        (frames cached on disk)."""
        from baselines.data.chord_frames import track_frames

        return track_frames(tracks, extractor, cache=self.frame_cache(), n_jobs=n_jobs,
                            progress=progress)

    def references(self, tracks) -> dict:
        """Track id -> ``{"intervals", "labels", "seconds", "collection"}``."""
        out = {}
        for track in tracks:
            intervals, labels = track.chords()
            out[track.id] = {"intervals": intervals, "labels": labels, "seconds": track.seconds,
                             "collection": track.collection}
        return out

    def _no_windows(self, *args, **kwargs):
        raise ValueError(f"{self.name}: a lab-kind dataset is read frame by frame (a frame-unit "
                         "task), not in windows")

    evaluation_windows = training_windows = max_training_windows = targets = _no_windows


@register_loader("lab")
def load_lab(reader, root, *, seed=0, test_size=0.25, split_file=None, audio_root=None,
             **ignored) -> ChordDataset:
    """Open and split an Isophonics-layout folder by track.

    Parameters
    ----------
    reader : DatasetReader
    root : Path
    seed : int
        Seed of the drawn split.
    test_size : float
        Share of each collection's tracks held out.
    split_file : path-like, optional
        csv ``track,split``.
    audio_root : path-like, optional
    **ignored
        Window options of other kinds (``min_composer_recordings``, ...).
    """
    from baselines.data.isophonics import IsophonicsDataset

    corpus = IsophonicsDataset(root, audio_root=audio_root, split_file=split_file,
                               test_size=test_size, seed=seed)
    train = tuple(t for t in corpus if t.split == "train")
    test = tuple(t for t in corpus if t.split == "test")
    if not train or not test:
        raise ValueError(f"{root}: a chord dataset needs training and held-out tracks; got "
                         f"{len(train)} and {len(test)}")
    return ChordDataset(reader.name, Path(root), corpus.fingerprint(), corpus, train, test, seed)
