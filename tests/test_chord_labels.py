"""The majmin vocabulary against mir_eval's own majmin comparison."""

from __future__ import annotations

import itertools

import mir_eval
import numpy as np
import pytest

from baselines.data.chord_labels import (
    EXCLUDED, MAJMIN_CLASSES, NO_CHORD, ChordLabelError, class_distribution, majmin_class,
    majmin_classes,
)

ROOTS = ["C", "C#", "Db", "D", "Eb", "E", "F", "F#", "Gb", "G", "Ab", "A", "Bb", "B", "Cb", "E#"]
QUALITIES = ["maj", "min", "7", "maj7", "min7", "maj6", "min6", "9", "maj9", "min9", "11", "13",
             "dim", "aug", "sus2", "sus4", "hdim7", "dim7", "minmaj7", "1", "5", "(1,3,5)",
             "(b3,5)", "(1,5)", "maj(9)", "min(b13)", "(3,#5)", "maj(*3)", "7(*5)"]
BASSES = ["", "/3", "/5", "/b7", "/b3"]


def _labels():
    for root, quality, bass in itertools.product(ROOTS, QUALITIES, BASSES):
        label = f"{root}:{quality}{bass}"
        try:
            mir_eval.chord.encode(label)
        except Exception:
            continue
        yield label
    yield from ("N", "X")


def test_mapping_agrees_with_mir_eval_majmin_on_every_label():
    labels = list(_labels())
    assert len(labels) > 1500
    classes = majmin_classes(labels)
    for label, k in zip(labels, classes):
        # mir_eval's verdict when the estimate is each class in turn: the
        # label is excluded (-1 for all), or exactly its class scores 1.
        scores = mir_eval.chord.majmin([label] * len(MAJMIN_CLASSES), list(MAJMIN_CLASSES))
        if k == EXCLUDED:
            assert np.all(scores < 0), label
        else:
            assert scores.tolist() == [float(j == k) for j in range(len(MAJMIN_CLASSES))], label


@pytest.mark.parametrize("label,expected", [
    ("C:maj", "C:maj"), ("G:7", "G:maj"), ("F:maj7/3", "F:maj"), ("A:min7", "A:min"),
    ("Bb:min6", "Bb:min"), ("Db:9", "C#:maj"), ("N", "N"), ("E:(1,b3,5)", "E:min"),
])
def test_family_members_map_to_their_triad(label, expected):
    assert MAJMIN_CLASSES[majmin_class(label)] == expected


@pytest.mark.parametrize("label", ["C:dim", "C:aug", "C:sus4", "C:sus2", "C:hdim7", "C:5", "C:1", "X"])
def test_chords_without_a_major_or_minor_third_are_excluded(label):
    assert majmin_class(label) == EXCLUDED


def test_unparsable_label_raises():
    with pytest.raises(ChordLabelError, match="'H:maj'"):
        majmin_class("H:maj")


def test_class_distribution_counts_seconds_per_class():
    dist = class_distribution([[0, 1], [1, 3], [3, 3.5], [3.5, 4]], ["N", "G:7", "B:dim", "G:maj"])
    assert dist["G:maj"] == pytest.approx(2.5)
    assert dist["N"] == pytest.approx(1.0)
    assert dist["excluded"] == pytest.approx(0.5)
    assert len(dist) == len(MAJMIN_CLASSES) + 1
    assert MAJMIN_CLASSES[NO_CHORD] == "N"
