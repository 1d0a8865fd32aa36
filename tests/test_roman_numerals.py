"""Roman numeral analyses as chords: Harte labels from pitch classes, the
alignment of an analysis to its score."""

from __future__ import annotations

import pytest

from baselines.data.chord_labels import ChordLabelError, majmin_class
from baselines.data.roman_numerals import AnalysedChord, align, harte_label
from baselines.data.scores import ScoreNote


@pytest.mark.parametrize("pcs,root,name,bass,expected", [
    ({7, 11, 2}, 7, "G", 11, "G:maj/3"),
    ({7, 11, 2, 5}, 7, "G", 7, "G:7"),
    ({10, 1, 5, 8}, 10, "B-", None, "Bb:min7"),
    ({11, 2, 5}, 11, "B", 2, "B:dim/b3"),
    ({0, 4, 8}, 0, "C", None, "C:aug"),
    ({0, 7}, 0, "C", None, "C:5"),
    ({0, 4, 10}, 0, "C", None, "C:(1,3,b7)"),
])
def test_harte_labels_from_pitch_classes(pcs, root, name, bass, expected):
    label = harte_label(pcs, root, name, bass)
    assert label == expected
    majmin_class(label)  # mir_eval parses it


def test_a_bad_root_name_is_refused():
    with pytest.raises(ChordLabelError):
        harte_label({0, 4, 7}, 0, "H")


def _notes(chords, beats=1.0):
    """Block chords of whole notes: one part per chord tone."""
    parts = [[], [], []]
    for i, pcs in enumerate(chords):
        for part, pc in zip(parts, sorted(pcs)):
            part.append(ScoreNote(i * beats, (i + 1) * beats, 60 + pc, "Quarter"))
    return parts


def test_align_finds_a_shifted_and_transposed_analysis():
    progression = [{0, 4, 7}, {5, 9, 0}, {7, 11, 2}, {9, 0, 4}, {2, 5, 9}, {4, 7, 11}] * 4
    parts = _notes(progression)
    # the analysis: a tone lower and two beats late
    chords = [AnalysedChord(i + 2.0, i + 3.0, frozenset((pc - 2) % 12 for pc in pcs), 0, "C", None)
              for i, pcs in enumerate(progression)]
    shift, semitones, fit, unmoved = align(chords, parts)
    assert (shift, semitones) == (-2.0, 2) and fit > 0.9 > unmoved
    aligned = [c.moved(shift, semitones) for c in chords]
    assert aligned[0].start == 0.0 and aligned[0].pitch_classes == frozenset({0, 4, 7})
    assert aligned[0].root_name == "D"  # the root moved with it, spelled plainly


def test_align_leaves_a_fitting_analysis_alone():
    progression = [{0, 4, 7}, {7, 11, 2}] * 8
    chords = [AnalysedChord(float(i), i + 1.0, frozenset(p), 0, "C", None)
              for i, p in enumerate(progression)]
    assert align(chords, _notes(progression))[:2] == (0.0, 0)
