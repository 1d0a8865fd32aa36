"""Roman numeral analyses as chords: Harte labels and alignment to a score.

:func:`analysis_chords` reads a music21 RomanText analysis into contiguous
:class:`AnalysedChord` s; :func:`harte_label` names a chord in Harte syntax
(root, quality, the bass as an inversion); :func:`align` finds the shift
and transposition of an analysis that best fit its score's notes.  The
embedded chord corpus (:mod:`baselines.data.chord_corpus`) is built from
them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chord_labels import PITCH_NAMES, check_label

__all__ = ["AnalysedChord", "align", "analysis_chords", "harte_label"]

_DEGREES = ("1", "b2", "2", "b3", "3", "4", "b5", "5", "b6", "6", "b7", "7")
_SHORTHANDS = {
    (0, 4, 7): "maj", (0, 3, 7): "min", (0, 3, 6): "dim", (0, 4, 8): "aug",
    (0, 4, 7, 10): "7", (0, 4, 7, 11): "maj7", (0, 3, 7, 10): "min7", (0, 3, 6, 10): "hdim7",
    (0, 3, 6, 9): "dim7", (0, 3, 7, 11): "minmaj7", (0, 4, 7, 9): "maj6", (0, 3, 7, 9): "min6",
    (0, 2, 7): "sus2", (0, 5, 7): "sus4", (0, 7): "5", (0,): "1",
}


def _harte_pitch(name: str) -> str:
    return name.replace("-", "b")


def harte_label(pitch_classes, root_pc: int, root_name: str, bass_pc: int | None = None) -> str:
    """Harte label of a chord from its pitch classes, root and bass.

    Parameters
    ----------
    pitch_classes : iterable of int
    root_pc : int
    root_name : str
        music21 spelling of the root (``"B-"`` becomes ``"Bb"``).
    bass_pc : int, optional
        The sounding bass; an inversion (``/3``) when not the root.

    Examples
    --------
    >>> harte_label({7, 11, 2}, 7, "G", 11)
    'G:maj/3'
    >>> harte_label({10, 1, 5, 8}, 10, "B-")
    'Bb:min7'
    """
    intervals = tuple(sorted({(pc - root_pc) % 12 for pc in pitch_classes} | {0}))
    quality = _SHORTHANDS.get(intervals) or "(" + ",".join(_DEGREES[i] for i in intervals) + ")"
    label = f"{_harte_pitch(root_name)}:{quality}"
    if bass_pc is not None and (bass_pc - root_pc) % 12:
        label += "/" + _DEGREES[(bass_pc - root_pc) % 12]
    check_label(label)
    return label


@dataclass(frozen=True)
class AnalysedChord:
    """One Roman numeral as sounding pitch classes; beats are quarter lengths."""

    start: float
    end: float
    pitch_classes: frozenset
    root: int
    root_name: str
    bass: int | None

    def moved(self, beats: float, semitones: int) -> "AnalysedChord":
        """The chord ``beats`` later and ``semitones`` higher."""
        if not semitones:
            return AnalysedChord(self.start + beats, self.end + beats, self.pitch_classes,
                                 self.root, self.root_name, self.bass)
        root = (self.root + semitones) % 12
        return AnalysedChord(self.start + beats, self.end + beats,
                             frozenset((pc + semitones) % 12 for pc in self.pitch_classes), root,
                             PITCH_NAMES[root],
                             None if self.bass is None else (self.bass + semitones) % 12)

    @property
    def harte(self) -> str:
        return harte_label(self.pitch_classes, self.root, self.root_name, self.bass)


def analysis_chords(path) -> list[AnalysedChord]:
    """Every Roman numeral of an analysis, contiguous (a chord lasts until
    the next begins; of two at one offset the later one is kept)."""
    from music21 import converter, roman

    analysis = converter.parse(str(path), format="romanText")
    chords = []
    for rn in analysis.recurse().getElementsByClass(roman.RomanNumeral):
        start = float(rn.getOffsetInHierarchy(analysis))
        end = start + float(rn.quarterLength)
        if end <= start:
            continue
        root, bass = rn.root(), rn.bass()
        chords.append(AnalysedChord(start, end, frozenset(p.pitchClass for p in rn.pitches),
                                    root.pitchClass, root.name, bass.pitchClass if bass else None))
    chords.sort(key=lambda c: c.start)
    out = []
    for i, c in enumerate(chords):
        following = chords[i + 1].start if i + 1 < len(chords) else c.end
        if following > c.start:
            out.append(AnalysedChord(c.start, following, c.pitch_classes, c.root, c.root_name,
                                     c.bass))
    return out


_GRID = 0.25  # quarter lengths per cell of the alignment grid
_MAX_SHIFT = 8  # quarter lengths


def align(chords, parts):
    """The shift (quarter lengths) and transposition (semitones) of an
    analysis that best fit the score's notes.

    The fit is the share of note time whose pitch class lies in the labelled
    chord; shifts of up to +-8 quarters (measures numbered differently) and
    every transposition (the analyst's edition in another key) are tried.
    The analysis stays where it is unless a move fits better by 0.02.

    Returns
    -------
    shift : float
        Quarter lengths to add to every chord's offsets.
    semitones : int
        Transposition to apply to every chord.
    fit, fit_unmoved : float
    """
    import numpy as np

    last = max(max(c.end for c in chords), max(n.end_beat for part in parts for n in part))
    n_cells = int(np.ceil(last / _GRID)) + 1
    notes = np.zeros((n_cells, 12))
    for part in parts:
        for n in part:
            a = int(n.start_beat / _GRID)
            notes[a:max(a + 1, int(round(n.end_beat / _GRID))), n.pitch % 12] += 1
    labelled = np.zeros((n_cells, 12))
    for c in chords:
        labelled[int(c.start / _GRID):int(round(c.end / _GRID)), sorted(c.pitch_classes)] = 1
    total = notes.sum() or 1.0
    k = int(_MAX_SHIFT / _GRID)
    padded = np.concatenate([np.zeros((k, 12)), labelled, np.zeros((k, 12))])
    fits = np.empty((2 * k + 1, 12))
    for i, cells in enumerate(range(-k, k + 1)):
        moved = padded[k - cells:k - cells + n_cells]
        for semitones in range(12):
            fits[i, semitones] = (notes * np.roll(moved, semitones, axis=1)).sum() / total
    unmoved = float(fits[k, 0])
    i, semitones = np.unravel_index(np.argmax(fits), fits.shape)
    if fits[i, semitones] <= unmoved + 0.02:
        return 0.0, 0, unmoved, unmoved
    return (int(i) - k) * _GRID, int(semitones), float(fits[i, semitones]), unmoved
