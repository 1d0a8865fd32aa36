"""The embedded chord corpus: its jobs and ensembles, the small build in the
Isophonics layout (Harte labels and alignment: test_roman_numerals.py)."""

from __future__ import annotations

from baselines.data.chord_corpus import CHORD_ENSEMBLES, SMALL, chord_corpus, piece_jobs, summarize
from baselines.data.isophonics import IsophonicsDataset


def test_jobs_and_ensembles():
    jobs = piece_jobs(SMALL)
    assert [j.collection for j in jobs].count("Bach") == 6
    assert [j.collection for j in jobs].count("Monteverdi") == 3
    assert all(j.score.endswith(".mxl") for j in jobs)
    assert {e.name for e in CHORD_ENSEMBLES} >= {"Church Organ", "Choir", "Brass Quartet"}


def test_small_build_reads_as_an_isophonics_folder():
    root = chord_corpus(small=True, n_jobs=2, progress=False)
    assert chord_corpus(small=True, progress=False) == root  # cached
    data = IsophonicsDataset(root, seed=0)
    assert data.collections == ("Bach", "Monteverdi")
    assert len(data) >= 7
    track = data.tracks[0]
    intervals, labels = track.chords()
    assert labels[0] == "N" and intervals[0, 1] == 1.0  # the silent lead-in
    assert 10 < track.seconds <= 26.5
    assert (root / "Bach" / "chordlab" / "Riemenschneider chorales").is_dir()
    text = summarize(root)
    assert "Bach: 6 tracks" in text and "major" in text
