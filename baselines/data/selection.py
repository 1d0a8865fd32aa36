"""Which recordings and classes a MusicNet-kind task uses, and its split.

- :func:`filter_classes`: drop recordings shorter than a window, rare
  composers and rare instruments (:class:`FilteredRecordings` says what was
  kept and dropped);
- :func:`split_recordings`: train/test split by recording (never by
  window) and by work (never a work on both sides), or MusicNet's own.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from baselines.data.ensembles import INSTRUMENT_PROGRAMS, is_general_midi_program
from baselines.data.musicnet import CorpusWarning, Recording
from baselines.data.windows import DEFAULT_WINDOW_SECONDS, _check_length, _rng

__all__ = ["FilteredRecordings", "filter_classes", "split_recordings"]


@dataclass(frozen=True)
class FilteredRecordings:
    """What :func:`filter_classes` kept and dropped.

    Attributes
    ----------
    recordings : tuple of Recording
        The recordings kept, in the order given.
    composers : tuple of str
        The composers kept, sorted.
    programs : tuple of int
        The instruments kept, in vocabulary order.
    dropped_composers : dict
        Composer -> number of recordings, for composers with too few.
    dropped_instruments : dict
        Vocabulary program -> number of recordings it plays in, for
        instruments with too few (instruments that never play are not listed).
    unknown_instruments : dict
        Program -> number of recordings, for valid General MIDI programs
        outside the vocabulary; their notes are ignored.
    dropped_short : tuple of int
        Ids of the recordings shorter than one window.
    min_composer_recordings, min_instrument_recordings : int
    length : float
    """

    recordings: tuple[Recording, ...]
    composers: tuple[str, ...]
    programs: tuple[int, ...]
    dropped_composers: dict
    dropped_instruments: dict
    unknown_instruments: dict
    dropped_short: tuple[int, ...]
    min_composer_recordings: int
    min_instrument_recordings: int
    length: float

    def report(self) -> str:
        """A human-readable account of what was kept and dropped."""
        lines = [
            f"kept {len(self.recordings)} recordings, {len(self.composers)} "
            f"composers, {len(self.programs)} instruments"
        ]
        if self.dropped_short:
            lines.append(
                f"dropped {len(self.dropped_short)} recordings shorter than "
                f"{self.length:g} s: ids {list(self.dropped_short)}"
            )
        if self.dropped_composers:
            text = ", ".join(f"{c} ({n})" for c, n in sorted(self.dropped_composers.items()))
            lines.append(
                f"dropped {len(self.dropped_composers)} composers with fewer than "
                f"{self.min_composer_recordings} recordings: {text}"
            )
        if self.dropped_instruments:
            text = ", ".join(
                f"{_program_name(p)} ({n})"
                for p, n in sorted(self.dropped_instruments.items())
            )
            lines.append(
                f"dropped {len(self.dropped_instruments)} instruments playing in "
                f"fewer than {self.min_instrument_recordings} recordings: {text}"
            )
        if self.unknown_instruments:
            text = ", ".join(
                f"program {p} ({n})" for p, n in sorted(self.unknown_instruments.items())
            )
            lines.append(f"ignored instruments outside the vocabulary: {text}")
        return "\n".join(lines)


def _program_name(program: int) -> str:
    from baselines.data.ensembles import INSTRUMENT_BY_PROGRAM

    instrument = INSTRUMENT_BY_PROGRAM.get(program)
    return f"{instrument.name} [{program}]" if instrument else f"program {program}"


def filter_classes(
    recordings: Sequence[Recording],
    *,
    min_composer_recordings: int = 5,
    min_instrument_recordings: int = 10,
    length: float = DEFAULT_WINDOW_SECONDS,
    programs: Sequence[int] = INSTRUMENT_PROGRAMS,
) -> FilteredRecordings:
    """Drop short recordings, rare composers and rare instruments.

    The defaults are the original MusicNet study's: composers with fewer
    than 5 recordings and instruments playing in fewer than 10 recordings
    are dropped.  Steps, in order: drop recordings shorter than ``length``
    (each with a :class:`CorpusWarning`), then rare composers (with their
    recordings), then count instruments over the recordings left and drop
    the rare ones from the vocabulary (their recordings stay).

    Parameters
    ----------
    recordings : sequence of Recording
    min_composer_recordings, min_instrument_recordings : int >= 1
    length : float > 0
        Window length in seconds.
    programs : sequence of int
        Instrument vocabulary (1-based General MIDI programs).

    Returns
    -------
    FilteredRecordings

    Raises
    ------
    ValueError
        If fewer than two composers are left, naming the composers with too
        few recordings.
    """
    length = _check_length(length)
    for name, value in (
        ("min_composer_recordings", min_composer_recordings),
        ("min_instrument_recordings", min_instrument_recordings),
    ):
        if not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name}={value!r} must be a positive integer")
    programs = tuple(int(p) for p in programs)
    for p in programs:
        if not is_general_midi_program(p):
            raise ValueError(f"program {p} is not a General MIDI program 1-128")

    recordings = list(recordings)
    kept, short = [], []
    for recording in recordings:
        if recording.seconds < length:
            warnings.warn(
                f"recording {recording.id} ({recording.audio_path}) lasts "
                f"{recording.seconds:.3f} s, shorter than a {length:g} s window; "
                "recording dropped",
                CorpusWarning,
                stacklevel=2,
            )
            short.append(recording.id)
        else:
            kept.append(recording)

    counts = pd.Series([r.composer for r in kept], dtype=object).value_counts()
    rare = {str(c): int(n) for c, n in counts.items() if n < min_composer_recordings}
    composers = tuple(sorted(str(c) for c, n in counts.items() if n >= min_composer_recordings))
    if len(composers) < 2:
        detail = ", ".join(f"{c} ({n})" for c, n in sorted(rare.items())) or "none"
        raise ValueError(
            f"only {len(composers)} composer(s) {list(composers)} have at least "
            f"min_composer_recordings={min_composer_recordings} recordings of at "
            f"least {length:g} s; need two. A class with too few recordings: {detail}"
        )
    kept = [r for r in kept if r.composer not in rare]

    plays: dict[int, int] = {}
    for recording in kept:
        notes = recording.notes()
        sounding = notes[notes["end"] > notes["start"]]
        for program in set(int(p) for p in sounding["instrument"]):
            plays[program] = plays.get(program, 0) + 1
    kept_programs = tuple(
        p for p in programs if plays.get(p, 0) >= min_instrument_recordings
    )
    dropped_instruments = {
        p: plays[p] for p in programs if 0 < plays.get(p, 0) < min_instrument_recordings
    }
    unknown = {p: n for p, n in sorted(plays.items()) if p not in programs}
    return FilteredRecordings(
        recordings=tuple(kept),
        composers=composers,
        programs=kept_programs,
        dropped_composers=rare,
        dropped_instruments=dropped_instruments,
        unknown_instruments=unknown,
        dropped_short=tuple(short),
        min_composer_recordings=int(min_composer_recordings),
        min_instrument_recordings=int(min_instrument_recordings),
        length=length,
    )


def split_recordings(
    recordings: Sequence[Recording],
    *,
    test_size: float = 0.25,
    random_state=0,
    use_official: bool = True,
) -> tuple[tuple[Recording, ...], tuple[Recording, ...]]:
    """Split recordings (never windows, never a work) into train and test.

    Parameters
    ----------
    recordings : sequence of Recording
    test_size : float in (0, 1)
        Share of each composer's recordings put in the test set (at least
        one, and at least one left for training), taken work by work
        (``Recording.group``): no work is on both sides.  Ignored for the
        official split.
    random_state : int, None, np.random.RandomState or np.random.Generator
    use_official : bool
        Use MusicNet's own ``train``/``test`` folders when the recordings
        come from both; otherwise, or if False, a seeded split stratified
        by composer.

    Returns
    -------
    train, test : tuple of Recording
        Each sorted by id; no recording is in both.

    Raises
    ------
    ValueError
        If ``test_size`` is not in (0, 1), or (stratified split) a composer
        has fewer than two recordings or only one work, naming it.
    """
    recordings = sorted(recordings, key=lambda r: r.id)
    ids = [r.id for r in recordings]
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"recording ids {duplicated} are given more than once")
    if use_official and {r.split for r in recordings} >= {"train", "test"}:
        train = tuple(r for r in recordings if r.split == "train")
        test = tuple(r for r in recordings if r.split == "test")
        return train, test
    if not isinstance(test_size, numbers.Real) or not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size!r} must be a number in (0, 1)")
    rng = _rng(random_state)
    by_composer: dict[str, list[Recording]] = {}
    for recording in recordings:
        by_composer.setdefault(recording.composer, []).append(recording)
    too_few = {c: len(rs) for c, rs in sorted(by_composer.items()) if len(rs) < 2}
    if too_few:
        detail = ", ".join(f"{c} ({n})" for c, n in too_few.items())
        raise ValueError(
            "each composer needs at least 2 recordings for a train and a test "
            f"recording; too few: {detail}"
        )
    train, test = [], []
    for composer in sorted(by_composer):
        # Whole works (Recording.group) go to one side: movements of one work
        # on both sides would test a model on what it trained on.
        works: dict[str, list[Recording]] = {}
        for recording in by_composer[composer]:
            works.setdefault(recording.group, []).append(recording)
        if len(works) < 2:
            raise ValueError(
                f"composer {composer} has {len(by_composer[composer])} recordings but only "
                f"one work ({next(iter(works))!r}); a split by work needs two")
        blocks = list(works.values())
        n = len(by_composer[composer])
        n_test = min(max(1, int(round(test_size * n))), n - 1)
        taken = []
        for i in rng.permutation(len(blocks)):
            if not taken or sum(len(b) for b in taken) + len(blocks[i]) <= n_test:
                taken.append(blocks[i])
            if sum(len(b) for b in taken) >= n_test:
                break
        if len(taken) == len(blocks):
            taken = taken[:1]  # leave a work for training
        test.extend(r for b in taken for r in b)
        train.extend(r for b in blocks if not any(b is t for t in taken) for r in b)
    return (
        tuple(sorted(train, key=lambda r: r.id)),
        tuple(sorted(test, key=lambda r: r.id)),
    )
