"""The embedded style corpus: its layouts, split, targets, and both readers on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from baselines.data.gtzan import GTZAN
from baselines.data.scores import TempoMap
from baselines.data.spectrograms import SpectrogramCollection
from baselines.data.style_clips import TARGETS, clip_sections, clip_targets
from baselines.data.style_corpus import SMALL, STYLES, candidate_pieces, style_corpus


@pytest.fixture(scope="module")
def small_styles():
    return style_corpus(small=True, seed=0, n_jobs=2, progress=False)


def test_small_corpus_in_gtzan_layout(small_styles):
    data = GTZAN(small_styles)
    assert data.has_official_split and data.genres == sorted(s.name for s in STYLES)
    assert data.target_names == TARGETS
    for style in data.genres:
        clips = [c for c in data if c.genre == style]
        assert len(clips) == SMALL.clips_per_style
        assert {c.split for c in clips} == {"train", "test"}
        assert all(c.seconds == pytest.approx(SMALL.clip_seconds) for c in clips)
    for group in {c.group for c in data}:  # a piece never straddles the split
        assert len({c.split for c in data if c.group == group}) == 1
    table = pd.read_csv(small_styles / "clips.csv")
    assert table[list(TARGETS)].notna().all().all()
    # instruments are drawn independently of the style: several ensembles per style
    assert table.groupby("genre")["ensemble"].nunique().min() >= 4
    y = data.clips[0].audio(sr=22050)
    assert y.shape == (int(SMALL.clip_seconds * 22050),) and np.abs(y).max() > 0.1


def test_small_corpus_in_course_layout(small_styles):
    root = small_styles / "spectrograms"
    gtzan = {c.id: c for c in GTZAN(small_styles)}
    styles = SpectrogramCollection(root, "styles")
    assert styles.kind == "genre" and len(styles) == len(gtzan)
    for clip in styles:
        assert (clip.split, clip.genre, clip.group) == (gtzan[clip.id].split, gtzan[clip.id].genre,
                                                         gtzan[clip.id].group)
    array = styles.clips[0].array()
    assert array.shape == (140, 1 + int(SMALL.clip_seconds * 22050) // 512)
    beat = SpectrogramCollection(root, "styles", beat=True)
    shapes = [c.array().shape for c in beat]
    assert all(s[0] == 140 and 3 <= s[1] < array.shape[1] // 4 for s in shapes)
    targets = SpectrogramCollection(root, "styles_targets")
    assert targets.kind == "targets" and targets.target_names == TARGETS
    first = targets.clips[0]
    assert first.targets == pytest.approx(gtzan[first.id].targets)
    targets_beat = SpectrogramCollection(root, "styles_targets", beat=True)
    assert [c.id for c in targets_beat] == [c.id for c in targets]
    np.testing.assert_array_equal(targets_beat.clips[0].array(),
                                  {c.id: c for c in beat}[first.id].array())


def test_candidates_are_seeded_and_differ_by_seed():
    style = STYLES[0]
    assert candidate_pieces(style, SMALL, 0) == candidate_pieces(style, SMALL, 0)
    assert candidate_pieces(style, SMALL, 0) != candidate_pieces(style, SMALL, 1)


def test_short_piece_is_repeated_to_fill_the_clip():
    parts = [[(0.0, 1.0, 60, 0.0, 1.0, "Quarter"), (1.0, 4.0, 64, 1.0, 3.0, "Half")]]
    sections, total = clip_sections(parts, 4.0, clip_seconds=10.0, max_clips=2)
    assert total == 4.0 and len(sections) == 1  # one clip: a second would be mostly empty
    k, clip, t0 = sections[0]
    assert [n[0] for n in clip[0]] == [0.0, 1.0, 4.0, 5.0, 8.0, 9.0]


def test_clip_targets_by_hand():
    # C major scale, one note per second, at 96 q/min times a factor 1.25 -> 120 q/min
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    parts = [[(float(i), float(i + 1), p, 0.0, 1.0, "Quarter") for i, p in enumerate(scale)]]
    out = clip_targets(parts, 0.0, 8.0, TempoMap.constant(96.0), 1.25, clip_seconds=8.0,
                       key_window_seconds=4.0)
    assert out["tempo_bpm"] == pytest.approx(120.0)
    assert out["notes_per_second"] == pytest.approx(1.0)
    # windows C D E F and G A B C both read as major by Krumhansl-Schmuckler
    assert out["major_key_share"] == pytest.approx(1.0)
    minor = [57, 59, 60, 62, 64, 65, 68, 69]  # A harmonic minor
    parts = [[(float(i), float(i + 1), p, 0.0, 1.0, "Quarter") for i, p in enumerate(minor)]]
    out = clip_targets(parts, 0.0, 8.0, TempoMap.constant(96.0), 1.0, clip_seconds=8.0,
                       key_window_seconds=8.0)
    assert out["major_key_share"] == 0.0 and out["tempo_bpm"] == pytest.approx(96.0)
