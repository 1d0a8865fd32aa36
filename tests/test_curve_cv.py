"""The learning curve under grouped cross-validation: folds by work, intervals."""

from __future__ import annotations

import json

import numpy as np
import pytest

from baselines import learning_curve
from baselines.curve_cv import fold_plans, interval_metrics
from baselines.curve_plan import plan_curve
from baselines.tasks import get_task


def test_fold_plans_split_by_work_and_test_every_recording_once(small_corpus_root, tmp_path):
    plan = plan_curve("dummy", dataset="small", train_sizes="12", n_seeds=1, eval_windows=2,
                      out=tmp_path, progress=False, protocol="cv", folds=3)
    assert plan.protocol == {"name": "cv", "folds": 3, "repeats": 1}
    parts = fold_plans(plan, folds=3, repeats=1)
    assert len(parts) == 3
    tested = []
    for part in parts:
        train = {r.group for r in part.data.train}
        test = {r.group for r in part.data.test}
        assert train and test and not train & test
        assert set(part.eval_windows.recording_ids) == {r.id for r in part.data.test}
        tested += [r.id for r in part.data.test]
    assert sorted(tested) == sorted(r.id for r in plan.data.recordings)
    assert len({part.point_key(12, 0) for part in parts}) == 3


def test_cv_run_records_intervals_and_group_counts(small_corpus_root, tmp_path):
    code = learning_curve.main(["dummy", "--dataset", "small", "--train-sizes", "12",
                                "--n-seeds", "1", "--eval-windows", "2", "--folds", "2",
                                "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    (path,) = tmp_path.glob("*/run.json")
    record = json.loads(path.read_text())
    assert record["config"] == {"protocol": "cv", "folds": 2, "repeats": 1}
    m = record["metrics"]
    n_works = len({r for r in _works(small_corpus_root)})
    assert m["composer_accuracy_n_groups"] == m["recording_accuracy_n_groups"] == n_works
    assert m["composer_accuracy_ci_low"] <= m["composer_accuracy_ci_high"]
    assert record["dataset"]["evaluation_windows"] == 2 * 36


def _works(root):
    from baselines.data.musicnet import MusicNetCorpus

    return [r.group for r in MusicNetCorpus(root)]


def test_interval_metrics_resample_groups():
    task = get_task("composer")
    labels = {"composers": ["a", "b"]}
    y = np.array([0, 0, 1, 1] * 10)
    units = np.repeat(np.arange(20), 2).astype(str)
    groups = np.repeat(np.arange(10), 4).astype(str)
    out = interval_metrics(task, labels, y, y, units, groups, n_boot=50)
    assert out["composer_accuracy_ci_low"] == out["composer_accuracy_ci_high"] == 1.0
    assert out["composer_accuracy_n_groups"] == 10
    assert "composer_accuracy" not in out  # the run's own estimate stays


def test_fold_means_keep_a_dummy_without_a_correlation_interval():
    """Each fold's dummy predicts its own training mean: pooled, those
    constants correlate with the truth (here perfectly); within folds there
    is no correlation to speak of, so no interval."""
    task = get_task("affect")
    labels = {"targets": ("x",)}
    folds = np.repeat([0, 1, 2], 12)
    truth = (folds * 10.0 + np.tile(np.arange(12.0), 3))[:, None]
    dummy = (folds * 10.0 + 5.0)[:, None]
    units = np.arange(36).astype(str)
    groups = np.repeat(np.arange(18), 2).astype(str)
    pooled = interval_metrics(task, labels, truth, dummy, units, groups, n_boot=50)
    assert pooled["affect_spearman_mean_ci_low"] > 0.8  # the artefact
    assert interval_metrics(task, labels, truth, dummy, units, groups, n_boot=50,
                            folds=folds) == {"affect_spearman_mean_n_groups": 18}
    # a model that ranks well within each fold keeps its interval, near 1
    good = truth + np.random.default_rng(0).normal(0, 0.5, truth.shape)
    out = interval_metrics(task, labels, truth, good, units, groups, n_boot=50, folds=folds)
    assert 0.9 < out["affect_spearman_mean_ci_low"] <= out["affect_spearman_mean_ci_high"] <= 1
    assert out["affect_spearman_mean_n_groups"] == 18


def test_tune_chooses_inside_the_training_windows(small_corpus_root, tmp_path):
    """--tune on an offline and a streaming model: runs, records it, and the
    chosen setting is one of the registry's grid."""
    from baselines.curve_points import _tune, point_jobs
    from baselines.models import MODELS, make_model

    for model in ("logreg", "sgd-log"):
        plan = plan_curve(model, dataset="small", root=small_corpus_root, train_sizes="60",
                          n_seeds=1, epochs=1, eval_windows=2, out=tmp_path, progress=False,
                          tune=True)
        assert plan.tune and plan.args["tune"] is True
        (job,) = point_jobs(plan, plan.todo(), progress=False)
        assert job.tune and len(job.train_groups) == len(job.X_train) == 60
        search, best = _tune(make_model(model, "composer", random_state=0), job)
        (key,) = MODELS[model].param_grid
        assert best[f"estimator__{key}"] in MODELS[model].param_grid[key]
        assert search.n_groups_ == len(set(job.train_groups))


def test_genre_folds_keep_each_piece_on_one_side(tmp_path):
    from baselines.data.style_corpus import style_corpus

    style_corpus(small=True, n_jobs=2, progress=False)
    plan = plan_curve("dummy", task="genre", dataset="styles-small", train_sizes="12",
                      n_seeds=1, eval_windows=2, out=tmp_path, progress=False)
    assert plan.protocol["name"] == "cv"  # the default on an embedded corpus
    parts = fold_plans(plan, folds=3, repeats=1)
    tested = []
    for part in parts:
        assert not {r.group for r in part.data.train} & {r.group for r in part.data.test}
        tested += [r.id for r in part.data.test]
    assert sorted(tested) == sorted(r.id for r in plan.data.recordings)
    code = learning_curve.main(["dummy", "--task", "genre", "--dataset", "styles-small",
                                "--train-sizes", "12", "--n-seeds", "1", "--eval-windows", "2",
                                "--folds", "3", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    (path,) = tmp_path.glob("*/run.json")
    m = json.loads(path.read_text())["metrics"]
    n_pieces = len({r.group for r in plan.data.recordings})
    assert m["genre_clip_accuracy_n_groups"] == n_pieces
    assert 0 <= m["genre_clip_accuracy_ci_low"] <= m["genre_clip_accuracy_ci_high"] <= 1


def _random_task_arrays(task_name, rng, n_units=12, per_unit=5):
    """Truth and noisy predictions in a task's target shape; every window of
    a unit (recording or clip) carries the unit's class."""
    from baselines.tasks.musicnet import encode_targets

    units = np.repeat(np.arange(n_units), per_unit)
    classes = rng.integers(0, 4, size=n_units)[units]
    guess = np.where(rng.random(len(units)) < 0.6, classes, rng.integers(0, 4, len(units)))
    if task_name == "genre":
        return classes, guess, units.astype(str)
    instruments = rng.integers(0, 2, size=(len(units), 3))
    flipped = np.where(rng.random(instruments.shape) < 0.2, 1 - instruments, instruments)
    return (encode_targets(task_name, classes, instruments),
            encode_targets(task_name, guess, flipped), units.astype(str))


@pytest.mark.parametrize("task_name", ["composer", "instruments", "joint", "genre"])
def test_item_scores_average_to_what_evaluate_gives(task_name):
    # The intervals' fast path resamples these scores; their mean must be
    # the task's own metric on any subset of whole groups.
    rng = np.random.default_rng(7)
    task = get_task(task_name)
    labels = ({"genres": ["a", "b", "c", "d"]} if task_name == "genre" else
              {"composers": ["a", "b", "c", "d"], "instruments": ["x", "y", "z"]})
    y_true, y_pred, units = _random_task_arrays(task_name, rng)
    for keep in (np.ones(len(units), bool), np.isin(units, ["0", "3", "4", "9", "11"])):
        expected = task.evaluate(y_true[keep], y_pred[keep], groups=units[keep], labels=labels)
        fast = task.item_scores(y_true[keep], y_pred[keep], groups=units[keep], labels=labels)
        assert fast  # every mean-type key of these tasks has its scores
        for key, (scores, rows) in fast.items():
            assert scores.mean() == pytest.approx(expected[key]), key
            assert len(scores) == len(rows) and rows.max() < keep.sum()


def test_intervals_by_item_scores_match_the_resampled_evaluate():
    # Both resample whole groups; with many resamples their ends agree closely.
    from baselines.protocol import metric_interval

    rng = np.random.default_rng(3)
    task = get_task("joint")
    labels = {"composers": ["a", "b", "c", "d"], "instruments": ["x", "y", "z"]}
    y_true, y_pred, units = _random_task_arrays("joint", rng, n_units=30)
    groups = np.array([str(int(u) // 2) for u in units])
    fast = interval_metrics(task, labels, y_true, y_pred, units, groups, n_boot=2000)
    # the joint task's other columns get their intervals too
    for key in ("composer_accuracy", "instrument_exact_match", "recording_accuracy"):
        assert fast[f"{key}_ci_low"] <= fast[f"{key}_ci_high"]
        assert fast[f"{key}_n_groups"] == 15

    def joint(idx, _same):
        return task.evaluate(y_true[idx], y_pred[idx], groups=units[idx],
                             labels=labels)["joint_exact_match"]

    index = np.arange(len(units))
    slow = metric_interval(joint, index, index, groups, n_boot=400)
    assert fast["joint_exact_match_n_groups"] == slow.n_groups == 15
    assert abs(fast["joint_exact_match_ci_low"] - slow.low) < 0.05
    assert abs(fast["joint_exact_match_ci_high"] - slow.high) < 0.05
