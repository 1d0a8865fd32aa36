"""The chords learning curve end to end on the small embedded chord corpus."""

from __future__ import annotations

import pytest

from baselines import records
from baselines.chord_metrics import CHORD_METRIC_KEYS


@pytest.fixture(scope="module")
def small_chord_corpus():
    from baselines.data.chord_corpus import chord_corpus

    return chord_corpus(small=True, n_jobs=2, progress=False)


@pytest.mark.parametrize("model,n_points", [("template", 1), ("sgd-log", 2), ("knn", 2)])
def test_curve_writes_a_record_with_the_stable_keys(small_chord_corpus, tmp_path, model, n_points):
    from baselines.chord_curve import main

    argv = [model, "--small", "--train-sizes", "0.5,1.0", "--epochs", "2", "--results",
            str(tmp_path), "--no-progress"]
    assert main(argv) == 0
    (run,) = records.load_runs(tmp_path)
    assert run["task"] == "chords" and run["headline_metric"] == "chord_majmin_wcsr"
    metrics = run["metrics"]
    for key in CHORD_METRIC_KEYS:
        assert 0.0 <= metrics[key] <= 1.0
        assert 0.0 <= metrics[f"{key}_hmm"] <= 1.0 and 0.0 <= metrics[f"{key}_median"] <= 1.0
    assert metrics["chord_majmin_wcsr_ci_low"] <= metrics["chord_majmin_wcsr"] <= \
        metrics["chord_majmin_wcsr_ci_high"]
    assert metrics["n_groups"] == len(run["dataset"]["test_recordings"])
    assert not set(run["dataset"]["test_recordings"]) & set(run["dataset"]["train_recordings"])
    points = run.points
    assert len(points) == n_points and points["train_windows"].is_monotonic_increasing
    assert set(run.record["detail"]["chords"]["per_collection"]) == {"Bach", "Monteverdi"}


def test_template_beats_the_dummy_on_rendered_chords(small_chord_corpus, tmp_path):
    from baselines.chord_curve import main

    for model in ("template", "dummy"):
        assert main([model, "--small", "--results", str(tmp_path), "--no-progress",
                     "--train-sizes", "1.0"]) == 0
    scores = {r["model"]: r["metrics"]["chord_majmin_wcsr"] for r in records.load_runs(tmp_path)}
    assert scores["template"] > scores["dummy"] + 0.2
