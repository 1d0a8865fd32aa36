"""Instruments, their ranges and General MIDI numbers, and the ensembles that
the default corpus orchestrates its scores for.

MusicNet labels every note with the **1-based** General MIDI program of its
instrument (1 is the acoustic grand piano, 41 the violin).  The vocabulary
below is MusicNet's own eleven instruments, in General MIDI order; that order
is the column order of every multi-hot instrument label in this suite.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = [
    "Instrument",
    "INSTRUMENTS",
    "INSTRUMENT_BY_PROGRAM",
    "INSTRUMENT_PROGRAMS",
    "Ensemble",
    "ENSEMBLES",
    "ENSEMBLE_BY_NAME",
    "draw_ensemble",
    "instrument_name",
    "instrument_range",
    "is_general_midi_program",
    "RENDER_ONLY_INSTRUMENTS",
]


@dataclass(frozen=True)
class Instrument:
    """One instrument of the vocabulary.

    Attributes
    ----------
    program : int
        1-based General MIDI program, as MusicNet's label files write it.
    name : str
        Short lower-case name used in labels, tables and feature names.
    low, high : int
        Playable range as sounding MIDI pitches, inclusive.
    """

    program: int
    name: str
    low: int
    high: int

    def fits(self, pitch: int) -> bool:
        """Whether a sounding MIDI ``pitch`` lies inside the range."""
        return self.low <= pitch <= self.high


# Ranges are the usual orchestration-manual ranges (sounding pitch), slightly
# conservative at the top where the SoundFont's samples thin out.
INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(1, "piano", 21, 108),
    Instrument(7, "harpsichord", 29, 89),
    Instrument(41, "violin", 55, 100),
    Instrument(42, "viola", 48, 88),
    Instrument(43, "cello", 36, 76),
    Instrument(44, "contrabass", 28, 67),
    Instrument(61, "horn", 34, 77),
    Instrument(69, "oboe", 58, 91),
    Instrument(71, "bassoon", 34, 75),
    Instrument(72, "clarinet", 50, 94),
    Instrument(74, "flute", 60, 96),
)

INSTRUMENT_BY_PROGRAM: dict[int, Instrument] = {i.program: i for i in INSTRUMENTS}
INSTRUMENT_PROGRAMS: tuple[int, ...] = tuple(i.program for i in INSTRUMENTS)

#: General MIDI instruments outside MusicNet's vocabulary that only the chord
#: corpus renders (its labels are chords, not instruments): organ, voices,
#: brass.  Never part of a multi-hot instrument label.
RENDER_ONLY_INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(20, "church organ", 24, 96),
    Instrument(49, "string ensemble", 28, 96),
    Instrument(53, "choir aahs", 40, 81),
    Instrument(54, "voice oohs", 40, 81),
    Instrument(57, "trumpet", 55, 82),
    Instrument(58, "trombone", 40, 72),
    Instrument(59, "tuba", 28, 58),
)
_RANGE_BY_PROGRAM = {i.program: i for i in INSTRUMENTS + RENDER_ONLY_INSTRUMENTS}

#: General MIDI program used to *render* a pizzicato string part.  The note
#: is still labelled with its instrument (violin, viola, cello), as MusicNet
#: labels a plucked violin a violin.
PIZZICATO_PROGRAM = 46


def is_general_midi_program(program: int) -> bool:
    """Whether ``program`` is a valid 1-based General MIDI program (1-128)."""
    return 1 <= int(program) <= 128


def instrument_name(program: int) -> str:
    """Name of a vocabulary instrument from its 1-based General MIDI program.

    Raises
    ------
    KeyError
        If ``program`` is not one of the vocabulary's programs.
    """
    try:
        return INSTRUMENT_BY_PROGRAM[int(program)].name
    except KeyError:
        raise KeyError(
            f"instrument program {program} is not in the vocabulary "
            f"{list(INSTRUMENT_PROGRAMS)}"
        ) from None


def instrument_range(program: int) -> Instrument:
    """The :class:`Instrument` (range) of any program this suite renders:
    the vocabulary's and :data:`RENDER_ONLY_INSTRUMENTS`.

    Raises
    ------
    KeyError
        An unknown program.
    """
    try:
        return _RANGE_BY_PROGRAM[int(program)]
    except KeyError:
        raise KeyError(f"no range known for General MIDI program {program}") from None


@dataclass(frozen=True)
class Ensemble:
    """A realistic ensemble built from the vocabulary's instruments.

    Attributes
    ----------
    name : str
        Written to the metadata's ``ensemble`` column.
    programs : tuple of int
        The players' instruments, highest voice first.  A keyboard
        (piano, harpsichord) may take several parts.
    pizzicato : bool
        Render the strings with the pizzicato timbre.
    """

    name: str
    programs: tuple[int, ...]
    pizzicato: bool = False


ENSEMBLES: tuple[Ensemble, ...] = (
    Ensemble("Solo Piano", (1,)),
    Ensemble("Solo Harpsichord", (7,)),
    Ensemble("String Quartet", (41, 41, 42, 43)),
    Ensemble("Piano Trio", (41, 43, 1)),
    Ensemble("Accompanied Violin", (41, 1)),
    Ensemble("Accompanied Cello", (43, 1)),
    Ensemble("Wind Quintet", (74, 69, 72, 61, 71)),
    Ensemble("Horn Piano Trio", (41, 61, 1)),
    Ensemble("Clarinet Quintet", (72, 41, 41, 42, 43)),
    Ensemble("Horn and Strings", (61, 41, 42, 43)),
    Ensemble("Pizzicato Strings", (41, 42, 43, 44), pizzicato=True),
    Ensemble("String Orchestra", (41, 41, 42, 43, 44)),
    Ensemble("Wind and Continuo", (74, 69, 71, 7)),
    Ensemble("Clarinet-Horn-Bassoon Trio", (72, 61, 71)),
)

ENSEMBLE_BY_NAME: dict[str, Ensemble] = {e.name: e for e in ENSEMBLES}


def draw_ensemble(seed: int, composer: str, slot: int, ensembles=ENSEMBLES) -> Ensemble:
    """The ensemble of a composer's recording number ``slot`` (from
    ``ensembles``, default :data:`~baselines.data.ensembles.ENSEMBLES`).

    Each composer's slots run through its own seeded permutation of
    :data:`ENSEMBLES`, over and over: every ensemble is about equally common
    for every composer, so the ensemble says nothing about the composer, and
    no instrument is left too rare by chance.
    """
    order = list(range(len(ensembles)))
    random.Random(f"ensembles-{seed}-{composer}").shuffle(order)
    return ensembles[order[slot % len(order)]]
