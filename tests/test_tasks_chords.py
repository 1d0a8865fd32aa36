"""The chords task's metadata, targets and evaluate."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.data.registry import get_dataset
from baselines.tasks import get_task


@pytest.fixture(scope="module")
def small_chords():
    from baselines.datasets import load_dataset

    return load_dataset("chords-small", progress=False)


def test_metadata():
    task = get_task("chords")
    assert task.unit == "frame" and task.target_kind == "multiclass"
    assert task.headline_metric == "chord_majmin_wcsr"
    assert get_dataset(task.default_dataset).kind in task.dataset_kinds
    assert get_dataset("isophonics").group == "track"


def test_targets_round_trip_and_a_perfect_prediction_scores_one(small_chords):
    from features.context import FrameContext

    task = get_task("chords")
    fc = FrameContext(kind="chroma", context=1)
    items = small_chords.frame_items(small_chords.test, fc, progress=False)
    ti = np.concatenate([np.full(it.n_frames, i) for i, it in enumerate(items)])
    fi = np.concatenate([np.arange(it.n_frames) for it in items])
    y = task.targets(small_chords, (items, ti, fi))
    assert (y == np.concatenate([it.targets for it in items])).all()
    groups = np.concatenate([[it.track.id] * it.n_frames for it in items])
    labels = {**task.labels(small_chords), "hop_seconds": fc.hop_length / fc.sr}
    perfect = np.where(y < 0, 24, y)  # excluded frames: any class
    scores = task.evaluate(y, perfect, groups=groups, labels=labels)
    assert set(task.metric_keys) <= set(scores)
    assert scores["chord_frame_accuracy"] == 1.0
    # frames stand for half a hop around their centre: segment edges move by < 1 hop
    assert scores["chord_majmin_wcsr"] > 0.95 and scores["n_groups"] == len(items)
    wrong = task.evaluate(y, np.full_like(y, 24), groups=groups, labels=labels)
    assert wrong["chord_majmin_wcsr"] < 0.1
    with pytest.raises(ValueError, match="lengths"):
        task.evaluate(y, perfect[:-1], groups=groups, labels=labels)
    with pytest.raises(ValueError, match="evaluate needs groups"):
        task.evaluate(y, perfect)
