"""MusicNet-kind datasets: corpus, class filter, recording split, windows.

The loader of the ``musicnet`` kind (:func:`load_musicnet`, registered with
:func:`baselines.datasets.register_loader`), and the :class:`Dataset` it
returns, shared by :mod:`baselines.learning_curve` and the CNN command, so
every model is scored on the same held-out windows:

- :func:`load_musicnet`: rare classes filtered out (the study's
  thresholds); train/test split by recording (the group).
- :meth:`Dataset.evaluation_windows`: windows drawn once per held-out
  recording with a fixed seed (the study drew 100 per test recording).
- :meth:`Dataset.training_windows`: a fixed sample of training windows,
  balanced across composers as the streaming sampler balances an epoch.
- :meth:`Dataset.targets`: composer indices and instrument indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from baselines.data.selection import FilteredRecordings, filter_classes, split_recordings
from baselines.data.windows import DEFAULT_WINDOW_SECONDS, Windows, draw_windows
from baselines.datasets import register_loader
from baselines.sampling import balanced_windows, epoch_seed

__all__ = [
    "Dataset",
    "load_musicnet",
    "EVALUATION_WINDOWS_PER_RECORDING",
    "STUDY_MIN_COMPOSER_RECORDINGS",
    "STUDY_MIN_INSTRUMENT_RECORDINGS",
]

#: Windows drawn per held-out recording (the study drew 100).
EVALUATION_WINDOWS_PER_RECORDING = 100


#: The original MusicNet study's class filter: composers with fewer than 5
#: recordings and instruments playing in fewer than 10 are dropped.
STUDY_MIN_COMPOSER_RECORDINGS = 5
STUDY_MIN_INSTRUMENT_RECORDINGS = 10


@dataclass(frozen=True)
class Dataset:
    """A corpus, filtered and split by recording.

    Attributes
    ----------
    name : str
        ``default``, ``small`` or ``musicnet``.
    root : Path
    fingerprint : str
        The corpus's fingerprint (changes when any file changes).
    filtered : FilteredRecordings
    train, test : tuple of Recording
        Disjoint, by recording.
    length : float
        Window length in seconds.
    seed : int
        The split's seed.
    """

    name: str
    root: Path
    fingerprint: str
    filtered: FilteredRecordings
    train: tuple
    test: tuple
    length: float
    seed: int

    @property
    def composers(self) -> tuple[str, ...]:
        return self.filtered.composers

    @property
    def programs(self) -> tuple[int, ...]:
        return self.filtered.programs

    @property
    def instrument_names(self) -> list[str]:
        from baselines.data.ensembles import INSTRUMENT_BY_PROGRAM

        return [
            INSTRUMENT_BY_PROGRAM[p].name if p in INSTRUMENT_BY_PROGRAM else str(p)
            for p in self.programs
        ]

    @property
    def kind(self) -> str:
        """The dataset kind (:mod:`baselines.data.registry`) this class loads."""
        return "musicnet"

    @property
    def classes(self) -> tuple[str, ...]:
        """The classes training windows are balanced over: the composers."""
        return self.composers

    def describe(self) -> dict:
        """What a run record says about the data: root, split, vocabularies."""
        return {"root": str(self.root), "train_recordings": [r.id for r in self.train],
                "test_recordings": [r.id for r in self.test],
                "composers": list(self.composers), "instruments": self.instrument_names}

    @property
    def recordings(self) -> tuple:
        return tuple(self.train) + tuple(self.test)

    def frame_cache(self, directory=None):
        """The on-disk frame cache (``features.frames.FrameCache``)."""
        from features.frames import FrameCache

        return FrameCache(directory)

    def evaluation_windows(self, *, n_per_recording=EVALUATION_WINDOWS_PER_RECORDING,
                           grid=None, random_state=0) -> Windows:
        """Windows of the held-out recordings, drawn once with a fixed seed.

        The same arguments always give the same windows, whatever model is
        scored on them.
        """
        return draw_windows(
            self.test, n_per_recording, length=self.length, grid=grid,
            programs=self.programs, random_state=np.random.default_rng([int(random_state), 7]),
        )

    def training_windows(self, n_windows, *, grid=None, strategy="under-over",
                         random_state=0) -> Windows:
        """A fixed, composer-balanced sample of ``n_windows`` training windows.

        Drawn as a streaming epoch is (fresh windows from every training
        recording, balanced with imbalanced-learn), with ``cap = ceil(n_windows
        / n_composers)`` and then cut to exactly ``n_windows``.
        """
        if n_windows < len(self.composers):
            raise ValueError(
                f"train size {n_windows} is smaller than the number of composers "
                f"({len(self.composers)})"
            )
        cap = int(np.ceil(n_windows / len(self.composers)))
        # Epoch 0 of a streaming sampler with this seed: the same windows.
        windows = balanced_windows(
            self.train, cap=cap, programs=self.programs, length=self.length, grid=grid,
            strategy=strategy, seed=epoch_seed(int(random_state), 0),
        )
        if len(windows) < n_windows:
            raise ValueError(
                f"train size {n_windows} is larger than the {len(windows)} training "
                "windows available"
            )
        return windows[:n_windows]

    def max_training_windows(self, grid) -> int:
        """How many distinct training windows there are on ``grid`` (seconds)."""
        return int(sum(
            np.floor((r.seconds - self.length) / grid + 1e-9) + 1 for r in self.train
        ))

    def targets(self, windows: Windows):
        """``(composer_index, instruments)`` of windows, in this dataset's order."""
        lookup = {c: i for i, c in enumerate(self.composers)}
        unknown = sorted(set(windows.composers) - set(lookup))
        if unknown:
            raise ValueError(f"windows by composers outside the dataset: {unknown}")
        composer_index = np.array([lookup[c] for c in windows.composers], dtype=np.int64)
        if tuple(windows.programs) != tuple(self.programs):
            raise ValueError(
                f"windows use programs {windows.programs}, dataset {self.programs}"
            )
        return composer_index, windows.instruments

    def summary(self) -> str:
        return (
            f"{self.name} corpus at {self.root}: {len(self.train)} training and "
            f"{len(self.test)} held-out recordings, {len(self.composers)} composers, "
            f"{len(self.programs)} instruments\n{self.filtered.report()}"
        )


@register_loader("musicnet")
def load_musicnet(reader, root, *, seed=0, test_size=0.25, min_composer_recordings=None,
                  min_instrument_recordings=None, length=DEFAULT_WINDOW_SECONDS) -> Dataset:
    """Open, filter and split a MusicNet-kind corpus folder.

    Parameters
    ----------
    reader : DatasetReader
    root : Path
    seed : int
        Seed of the train/test split (ignored where the corpus has MusicNet's
        official train/test folders).
    test_size : float
    min_composer_recordings, min_instrument_recordings : int, optional
        Class filter thresholds; default (None) the original study's 5 and 10,
        on every corpus.  On the default corpus this drops the oboe (7
        recordings), which leaves the study's 10 instruments.
    length : float
        Window length in seconds.

    Raises
    ------
    ValueError
        Fewer than two composers left after filtering (from
        :func:`filter_classes`), or a folder that is not a MusicNet-format
        corpus (``MusicNetFormatError``).
    """
    corpus = reader.open(root)
    if len(corpus) == 0:
        raise ValueError(f"{str(root)!r} holds no MusicNet-format recordings")
    filtered = filter_classes(
        corpus.recordings,
        min_composer_recordings=(STUDY_MIN_COMPOSER_RECORDINGS if min_composer_recordings is None
                                 else min_composer_recordings),
        min_instrument_recordings=(STUDY_MIN_INSTRUMENT_RECORDINGS
                                   if min_instrument_recordings is None
                                   else min_instrument_recordings),
        length=length,
    )
    train, test = split_recordings(filtered.recordings, test_size=test_size, random_state=seed)
    train_composers = {r.composer for r in train}
    if len(train_composers) < 2:
        raise ValueError(
            f"only {len(train_composers)} composer(s) left in the training "
            f"recordings: {sorted(train_composers)}; need two"
        )
    return Dataset(
        name=reader.name, root=Path(root), fingerprint=corpus.fingerprint(), filtered=filtered,
        train=tuple(train), test=tuple(test), length=float(length), seed=int(seed),
    )
