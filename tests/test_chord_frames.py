"""Track frames, frame draws, units with context, transposition."""

from __future__ import annotations

import numpy as np
import pytest
from chord_helpers import write_track

from baselines.data.chord_frames import (
    draw_frames, track_frames, transpose_classes, transpose_units, units,
)
from baselines.data.chord_labels import MAJMIN_CLASSES
from baselines.data.isophonics import IsophonicsDataset
from features.context import FrameContext
from features.frames import FrameCache


def test_track_frames_targets_and_units(tmp_path):
    chords = ([[0, 2], [2, 3], [3, 5]], ["C:maj", "B:dim", "A:min"])
    write_track(tmp_path / "data", "X", "a", "t", ["0 2 C:maj", "2 3 B:dim", "3 5 A:min"],
                audio_chords=chords)
    data = IsophonicsDataset(tmp_path / "data")
    fc = FrameContext(kind="chroma", context=1, hop_length=11025)  # 0.5 s frames
    (item,) = track_frames(data.tracks, fc, cache=FrameCache(tmp_path / "cache"), progress=False)
    assert item.n_frames == 11 and item.hop_seconds == 0.5
    names = [MAJMIN_CLASSES[k] if k >= 0 else "-" for k in item.targets]
    assert names == ["C:maj"] * 4 + ["-"] * 2 + ["A:min"] * 4 + ["-"]  # dim and past the end
    ti, fi = draw_frames([item])
    assert fi.tolist() == [0, 1, 2, 3, 6, 7, 8, 9] and (ti == 0).all()
    X, y = units([item], fc, ti, fi)
    assert X.shape == (8, 36) and y.tolist() == [0] * 4 + [21] * 4
    # the centre frame of a unit is the frame itself
    np.testing.assert_allclose(X[1].reshape(12, 3)[:, 1], item.values[:, 1])
    ti2, fi2 = draw_frames([item], 3, random_state=0)
    assert len(fi2) == 3 and set(fi2) <= set(fi)


def test_transposition_moves_chroma_and_labels_together():
    X = np.zeros((2, 12 * 3), np.float32)
    X[0].reshape(12, 3)[[0, 4, 7]] = 1  # C major
    X[1].reshape(12, 3)[[9, 0, 4]] = 1  # A minor
    Xt, yt = transpose_units(X, [0, 21], 2, n_rows=12)
    assert [MAJMIN_CLASSES[k] for k in yt] == ["D:maj", "B:min"]
    assert np.flatnonzero(Xt[0].reshape(12, 3)[:, 0]).tolist() == [2, 6, 9]
    assert transpose_classes([24, -1, 11, 23], 1).tolist() == [24, -1, 0, 12]
    Xc, _ = transpose_units(np.arange(6, dtype=np.float32)[None], [24], 1, n_rows=6,
                            circular=False)
    assert Xc[0].tolist() == [0, 0, 1, 2, 3, 4]
