"""Notes out of music21 scores: parts, onsets in beats, and a tempo map.

music21's own MIDI export fails on some corpus scores, so the default corpus
reads the parsed notes directly: every part is flattened, ties are merged
(following the tie marks), chords are expanded into their pitches, and grace notes and
unpitched notes are dropped.  Beats are quarter lengths from the start of the
score; :class:`TempoMap` turns them into seconds from the score's metronome
marks (a fixed tempo where it has none).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_QUARTER_BPM",
    "ScoreNote",
    "ParsedScore",
    "TempoMap",
    "note_value_name",
    "parse_score",
]

#: Tempo of a score without a usable metronome mark, in quarter notes per
#: minute: a moderate tempo that suits chorales, madrigals and quartets alike.
DEFAULT_QUARTER_BPM = 96.0

# Marks outside this range are typos or exotic referents; clip them so that
# one odd mark cannot stretch a recording to minutes of silence.
_MIN_BPM, _MAX_BPM = 40.0, 200.0

_TYPE_NAMES = {
    "maxima": "Maxima",
    "longa": "Longa",
    "breve": "Breve",
    "whole": "Whole",
    "half": "Half",
    "quarter": "Quarter",
    "eighth": "Eighth",
    "16th": "Sixteenth",
    "32nd": "Thirty Second",
    "64th": "Sixty Fourth",
    "128th": "One Hundred Twenty Eighth",
}
_DOTS = {1: "Dotted ", 2: "Double Dotted ", 3: "Triple Dotted "}


@dataclass(frozen=True)
class ScoreNote:
    """One sounding pitch of a part; beats are quarter lengths."""

    start_beat: float
    end_beat: float
    pitch: int
    note_value: str


@dataclass(frozen=True)
class TempoMap:
    """Piecewise-constant tempo: beats (quarter lengths) to seconds.

    Attributes
    ----------
    starts : tuple of float
        Beat where each tempo begins; the first is 0.
    seconds_per_beat : tuple of float
        Seconds per quarter note from that beat on.
    """

    starts: tuple[float, ...]
    seconds_per_beat: tuple[float, ...]

    @classmethod
    def constant(cls, quarter_bpm: float = DEFAULT_QUARTER_BPM) -> "TempoMap":
        return cls((0.0,), (60.0 / quarter_bpm,))

    def seconds(self, beat: float) -> float:
        """Time in seconds of ``beat`` (quarter lengths from the score start)."""
        i = bisect.bisect_right(self.starts, beat) - 1
        i = max(i, 0)
        elapsed = 0.0
        for j in range(i):
            elapsed += (self.starts[j + 1] - self.starts[j]) * self.seconds_per_beat[j]
        return elapsed + (beat - self.starts[i]) * self.seconds_per_beat[i]


@dataclass(frozen=True)
class ParsedScore:
    """The notes of a score, one tuple per part, in the score's part order."""

    parts: tuple[tuple[ScoreNote, ...], ...]
    tempo: TempoMap
    title: str


def note_value_name(duration) -> str:
    """MusicNet-style name of a music21 duration: ``"Dotted Quarter"``.

    Tuplets add ``" Triplet"`` (or ``" Tuplet"``); a tied note whose length has
    no single name is ``"Complex"``.
    """
    name = _TYPE_NAMES.get(duration.type)
    if name is None:
        return "Complex"
    name = _DOTS.get(duration.dots, "") + name
    if duration.tuplets:
        name += " Triplet" if duration.tuplets[0].numberNotesActual == 3 else " Tuplet"
    return name


def _tempo_map(flat_parts) -> TempoMap:
    from music21 import tempo

    marks = {}
    for flat in flat_parts:
        for mark in flat.getElementsByClass(tempo.MetronomeMark):
            try:
                bpm = mark.getQuarterBPM()
            except Exception:  # a mark music21 cannot read: ignore it
                bpm = None
            if bpm is None or not bpm > 0:
                continue
            beat = round(float(mark.offset), 6)
            # The same mark is usually repeated in every part: keep the first.
            marks.setdefault(beat, min(max(float(bpm), _MIN_BPM), _MAX_BPM))
    if not marks:
        return TempoMap.constant()
    beats = sorted(marks)
    if beats[0] > 0:
        marks[0.0] = marks[beats[0]]
        beats.insert(0, 0.0)
    return TempoMap(tuple(beats), tuple(60.0 / marks[b] for b in beats))


def _part_notes(flat) -> tuple[ScoreNote, ...]:
    """Notes of a flattened part, tied notes merged.

    music21's ``stripTies`` would do the merging but deep-copies the whole
    part first, which costs seconds per quartet movement; following the tie
    marks pitch by pitch is enough here.
    """
    notes: list[ScoreNote] = []
    held: dict[int, list] = {}  # pitch -> [start, end, value] of a tie chain

    def close(pitch):
        start, end, value = held.pop(pitch)
        notes.append(ScoreNote(start, end, pitch, value))

    for element in flat.notes:
        length = float(element.duration.quarterLength)
        if length <= 0:  # grace notes
            continue
        start = float(element.offset)
        end = start + length
        if element.isChord:
            sounding = [(n.pitch, n.tie or element.tie) for n in element.notes]
        elif hasattr(element, "pitch"):
            sounding = [(element.pitch, element.tie)]
        else:  # unpitched
            continue
        value = note_value_name(element.duration)
        for pitch, tie in sounding:
            midi = int(pitch.midi)
            kind = tie.type if tie is not None else None
            chain = held.get(midi)
            if kind in ("continue", "stop") and chain and abs(chain[1] - start) < 1e-6:
                chain[1] = end
                if kind == "stop":
                    close(midi)
                continue
            if chain:
                close(midi)  # a tie that never stopped
            held[midi] = [start, end, value]
            if kind not in ("start", "continue"):
                close(midi)
    for midi in sorted(held):
        close(midi)
    notes.sort(key=lambda n: (n.start_beat, n.pitch, n.end_beat))
    return tuple(notes)


def parse_score(path: str | Path, *, number: int | None = None) -> ParsedScore:
    """Parse a score file with music21 and return its notes and tempo map.

    Parts without pitched notes are left out.

    Parameters
    ----------
    path : path-like
    number : int, optional
        The tune's reference number (``X:``) in a file holding many (an ABC
        collection such as the Essen folk songs); default the first score.

    Raises
    ------
    Exception
        Whatever music21 raises for a file it cannot read; ``ValueError`` if
        the score has no pitched notes.
    """
    from music21 import converter, stream

    score = converter.parse(str(path)) if number is None else converter.parse(str(path), number=number)
    parts = None
    if isinstance(score, stream.Opus):
        scores = list(score.scores)
        titles = {(s.metadata.title if s.metadata is not None else None) for s in scores}
        if len(scores) > 1 and len(titles) == 1 and all(len(s.parts) <= 1 for s in scores):
            # Multi-voice ABC (Josquin's chansons): one tune per voice, all
            # under the piece's title; they are the parts of one score.
            parts = [(list(s.parts) or [s])[0] for s in scores]
        score = scores[0]
    if parts is None:
        parts = list(score.parts) or [score]
    flat_parts = [p.flatten() for p in parts]
    notes = tuple(n for n in (_part_notes(f) for f in flat_parts) if n)
    if not notes:
        raise ValueError(f"score {path} has no pitched notes")
    title = ""
    if score.metadata is not None:
        title = score.metadata.title or score.metadata.movementName or ""
    return ParsedScore(notes, _tempo_map(flat_parts), str(title).strip())
