"""Windows of recordings, their labels, class filtering and splits.

A *window* is a crop of ``length`` seconds of a recording starting at
``start`` seconds.  Its labels are the recording's composer and the
instruments that sound inside it, as a multi-hot row over a fixed ordered
vocabulary of 1-based General MIDI programs (by default MusicNet's eleven,
:data:`baselines.data.ensembles.INSTRUMENT_PROGRAMS`).

- :func:`random_window_starts`, :func:`window_instruments`,
  :func:`draw_windows` and :class:`Windows`: pick and label windows;
- :func:`filter_classes`: drop rare composers and instruments, and
  recordings shorter than a window;
- :func:`split_recordings`: train/test split by recording, never by window.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from baselines.data.ensembles import INSTRUMENT_PROGRAMS, is_general_midi_program
from baselines.data.musicnet import CorpusWarning, Recording

__all__ = [
    "DEFAULT_WINDOW_SECONDS",
    "FilteredRecordings",
    "Windows",
    "draw_windows",
    "filter_classes",
    "random_window_starts",
    "split_recordings",
    "window_instruments",
]

DEFAULT_WINDOW_SECONDS = 5.0


def _rng(random_state):
    """A numpy Generator or RandomState from int, None, RandomState or Generator."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    return check_random_state(random_state)


def _integers(rng, high: int, size: int) -> np.ndarray:
    """Uniform integers in ``[0, high]`` (inclusive) from either kind of rng."""
    if isinstance(rng, np.random.Generator):
        return rng.integers(0, high, size=size, endpoint=True)
    return rng.randint(0, high + 1, size=size)


def _check_length(length) -> float:
    if not isinstance(length, numbers.Real) or not np.isfinite(length) or length <= 0:
        raise ValueError(f"length={length!r} must be a positive number of seconds")
    return float(length)


def random_window_starts(
    seconds: float,
    n: int,
    *,
    length: float = DEFAULT_WINDOW_SECONDS,
    grid: float | None = None,
    random_state=None,
) -> np.ndarray:
    """Draw window starts uniformly inside a recording.

    Parameters
    ----------
    seconds : float
        Duration of the recording.
    n : int >= 0
        Number of starts to draw.
    length : float > 0
        Window length in seconds; every window ends at or before ``seconds``.
    grid : float > 0 or None
        If given, starts are integer multiples of ``grid`` seconds (the
        streaming sampler passes ``hop_length / sr`` so that windows fall on
        STFT frames).
    random_state : int, None, np.random.RandomState or np.random.Generator

    Returns
    -------
    starts : np.ndarray [shape=(n,), dtype=float64]
        Starts in seconds, with ``0 <= start`` and ``start + length <= seconds``.

    Raises
    ------
    ValueError
        If ``n``, ``length`` or ``grid`` is invalid, or the recording is
        shorter than one window.
    """
    length = _check_length(length)
    if not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"n={n!r} must be a non-negative integer")
    if not np.isfinite(seconds) or seconds < length:
        raise ValueError(
            f"seconds={seconds} is shorter than one window of length={length}"
        )
    rng = _rng(random_state)
    span = float(seconds) - length
    if grid is None:
        return rng.uniform(0.0, span, size=int(n)) if span > 0 else np.zeros(int(n))
    if not isinstance(grid, numbers.Real) or not np.isfinite(grid) or grid <= 0:
        raise ValueError(f"grid={grid!r} must be a positive number of seconds or None")
    grid = float(grid)
    # Allow for floating-point error in span / grid, then make sure the last
    # start still fits.
    n_steps = int(np.floor(span / grid + 1e-9))
    while n_steps > 0 and n_steps * grid + length > seconds:
        n_steps -= 1
    return _integers(rng, n_steps, int(n)).astype(np.float64) * grid


def window_instruments(
    notes: pd.DataFrame,
    starts,
    length: float = DEFAULT_WINDOW_SECONDS,
    programs: Sequence[int] = INSTRUMENT_PROGRAMS,
) -> np.ndarray:
    """Multi-hot instrument labels of windows.

    An instrument is present in the window ``[start, start + length)`` when
    one of its notes sounds inside it for a positive time: ``note.start <
    start + length`` and ``note.end > start``.  Zero-length notes never count.

    Parameters
    ----------
    notes : pd.DataFrame
        With columns ``start``, ``end`` (seconds) and ``instrument`` (1-based
        General MIDI program), as :meth:`Recording.notes` returns.
    starts : array-like [shape=(n,)]
        Window starts in seconds.
    length : float > 0
        Window length in seconds.
    programs : sequence of int
        The vocabulary: column ``j`` is program ``programs[j]``.  Notes of
        other programs are ignored.

    Returns
    -------
    instruments : np.ndarray [shape=(n, len(programs)), dtype=uint8]
    """
    length = _check_length(length)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1)
    programs = tuple(int(p) for p in programs)
    missing = [c for c in ("start", "end", "instrument") if c not in notes.columns]
    if missing:
        raise ValueError(f"notes lacks columns {missing}")
    ends = starts + length
    note_start = notes["start"].to_numpy(dtype=np.float64)
    note_end = notes["end"].to_numpy(dtype=np.float64)
    note_program = notes["instrument"].to_numpy(dtype=np.int64)
    sounding = note_end > note_start
    out = np.zeros((starts.size, len(programs)), dtype=np.uint8)
    for column, program in enumerate(programs):
        mask = sounding & (note_program == program)
        if not mask.any():
            continue
        order = np.argsort(note_start[mask], kind="stable")
        first = note_start[mask][order]
        # Latest end among the notes that begin before each position.
        latest_end = np.maximum.accumulate(note_end[mask][order])
        n_begun = np.searchsorted(first, ends, side="left")  # notes with start < end
        begun = n_begun > 0
        present = np.zeros(starts.size, dtype=bool)
        present[begun] = latest_end[n_begun[begun] - 1] > starts[begun]
        out[:, column] = present
    return out


@dataclass(frozen=True)
class Windows:
    """Labelled windows of recordings.

    Attributes
    ----------
    recording_ids : np.ndarray [shape=(n,), dtype=int64]
        The recording of each window (the groups for grouped CV).
    starts : np.ndarray [shape=(n,), dtype=float64]
        Starts in seconds.
    length : float
        Window length in seconds.
    composers : np.ndarray [shape=(n,), dtype=object]
        Composer of each window's recording.
    instruments : np.ndarray [shape=(n, len(programs)), dtype=uint8]
        Multi-hot instrument labels.
    programs : tuple of int
        The vocabulary, in column order.
    """

    recording_ids: np.ndarray
    starts: np.ndarray
    length: float
    composers: np.ndarray
    instruments: np.ndarray
    programs: tuple[int, ...] = field(default=INSTRUMENT_PROGRAMS)

    def __post_init__(self):
        ids = np.asarray(self.recording_ids, dtype=np.int64).reshape(-1)
        starts = np.asarray(self.starts, dtype=np.float64).reshape(-1)
        composers = np.asarray(self.composers, dtype=object).reshape(-1)
        programs = tuple(int(p) for p in self.programs)
        instruments = np.asarray(self.instruments, dtype=np.uint8)
        if instruments.size == 0:
            instruments = instruments.reshape(len(ids), len(programs))
        n = len(ids)
        if len(starts) != n or len(composers) != n or instruments.shape != (
            n,
            len(programs),
        ):
            raise ValueError(
                f"inconsistent Windows: {n} recording_ids, {len(starts)} starts, "
                f"{len(composers)} composers, instruments of shape "
                f"{instruments.shape} for {len(programs)} programs"
            )
        object.__setattr__(self, "recording_ids", ids)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "composers", composers)
        object.__setattr__(self, "instruments", instruments)
        object.__setattr__(self, "programs", programs)
        object.__setattr__(self, "length", _check_length(self.length))

    def __len__(self) -> int:
        return len(self.recording_ids)

    def __getitem__(self, index) -> Windows:
        """The windows selected by an int, slice, integer array or boolean mask."""
        if isinstance(index, numbers.Integral):
            index = [int(index)]
        return Windows(
            recording_ids=self.recording_ids[index],
            starts=self.starts[index],
            length=self.length,
            composers=self.composers[index],
            instruments=self.instruments[index],
            programs=self.programs,
        )

    @classmethod
    def concat(cls, parts: Sequence[Windows]) -> Windows:
        """Concatenate windows of the same length and vocabulary."""
        parts = list(parts)
        if not parts:
            raise ValueError("cannot concatenate an empty sequence of Windows")
        first = parts[0]
        for part in parts[1:]:
            if part.programs != first.programs or part.length != first.length:
                raise ValueError(
                    f"cannot concatenate Windows with length={part.length}, "
                    f"programs={part.programs} to length={first.length}, "
                    f"programs={first.programs}"
                )
        return cls(
            recording_ids=np.concatenate([p.recording_ids for p in parts]),
            starts=np.concatenate([p.starts for p in parts]),
            length=first.length,
            composers=np.concatenate([p.composers for p in parts]),
            instruments=np.concatenate([p.instruments for p in parts], axis=0),
            programs=first.programs,
        )


def draw_windows(
    recordings: Sequence[Recording],
    n_per_recording,
    *,
    length: float = DEFAULT_WINDOW_SECONDS,
    grid: float | None = None,
    programs: Sequence[int] = INSTRUMENT_PROGRAMS,
    random_state=None,
) -> Windows:
    """Draw random windows from each recording and label them.

    Parameters
    ----------
    recordings : sequence of Recording
    n_per_recording : int or sequence of int
        Windows per recording: one number for all, or one per recording.
    length, grid : float
        See :func:`random_window_starts`.
    programs : sequence of int
        Instrument vocabulary, see :func:`window_instruments`.
    random_state : int, None, np.random.RandomState or np.random.Generator

    Returns
    -------
    Windows
        The windows of each recording in turn, in the order given.

    Raises
    ------
    ValueError
        If a recording is shorter than ``length`` (run :func:`filter_classes`
        first), or ``n_per_recording`` does not match ``recordings``.
    """
    recordings = list(recordings)
    length = _check_length(length)
    programs = tuple(int(p) for p in programs)
    if isinstance(n_per_recording, numbers.Integral):
        counts = [int(n_per_recording)] * len(recordings)
    else:
        counts = [int(c) for c in n_per_recording]
        if len(counts) != len(recordings):
            raise ValueError(
                f"n_per_recording has {len(counts)} entries for "
                f"{len(recordings)} recordings"
            )
    rng = _rng(random_state)
    parts = []
    for recording, count in zip(recordings, counts):
        if recording.seconds < length:
            raise ValueError(
                f"recording {recording.id} ({recording.audio_path}) lasts "
                f"{recording.seconds:.3f} s, shorter than length={length}"
            )
        starts = random_window_starts(
            recording.seconds, count, length=length, grid=grid, random_state=rng
        )
        parts.append(
            Windows(
                recording_ids=np.full(count, recording.id, dtype=np.int64),
                starts=starts,
                length=length,
                composers=np.full(count, recording.composer, dtype=object),
                instruments=window_instruments(
                    recording.notes(), starts, length, programs
                ),
                programs=programs,
            )
        )
    if not parts:
        return Windows(
            recording_ids=np.zeros(0, dtype=np.int64),
            starts=np.zeros(0),
            length=length,
            composers=np.zeros(0, dtype=object),
            instruments=np.zeros((0, len(programs)), dtype=np.uint8),
            programs=programs,
        )
    return Windows.concat(parts)


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
