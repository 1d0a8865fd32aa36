"""The main command on the small corpus: every model x task, reproducible
CSV, resume, dask == loky, held-out windows shared, bad input."""

import json

import numpy as np
import pandas as pd
import pytest

from baselines.learning_curve import learning_curve, main, run
from baselines.metrics import RUN_METRIC_KEYS
from baselines.models import MODELS, models_for
from baselines.tasks import get_task, task_names

FAST = {"adaboost": {"n_estimators": 3}, "adaboost-logistic": {"n_estimators": 2},
        "knn": {"n_components": 8}, "random-forest": {"n_estimators": 10}}

TASK_KEYS = {
    "composer": {"composer_accuracy", "composer_macro_f1", "recording_accuracy"},
    "instruments": {"instrument_exact_match", "instrument_hamming_loss"},
    "joint": set(RUN_METRIC_KEYS),
    "genre": {"genre_accuracy", "genre_macro_f1", "genre_weighted_f1", "genre_clip_accuracy"},
    "affect": {"affect_spearman_mean"},
}
#: Tasks of the genre collections run on the small style corpus.
TASK_DATASETS = {"genre": "styles-small", "affect": "styles-small"}


def fast_run(root, out, model="knn", **kwargs):
    # The official split: one fit per point (grouped CV is tested in test_curve_cv).
    params = dict(task="composer", dataset="small", root=root, train_sizes="30,60",
                  n_seeds=1, epochs=2, eval_windows=5, backend="sequential", protocol="official",
                  progress=False, print_table=False, out=out,
                  model_params=FAST.get(model, {}))
    params.update(kwargs)
    return run(model, **params)


@pytest.mark.parametrize("model, task", [(m, t) for t in task_names() for m in models_for(t)
                                         if get_task(t).unit == "window"])
def test_every_model_runs_on_every_task(model, task, small_corpus_root, tmp_path):
    if task in TASK_DATASETS:
        payload = fast_run(None, tmp_path, model, task=task, dataset=TASK_DATASETS[task])
    else:
        payload = fast_run(small_corpus_root, tmp_path, model, task=task)
    run_dir = tmp_path / json.loads(json.dumps(payload))["run_dir"].split("/")[-1]
    for name in ("points.csv", "run.json"):
        assert (run_dir / name).exists()
    saved = json.loads((run_dir / "run.json").read_text())
    metrics = saved["metrics"]
    # no curve to draw where the headline is null (a constant prediction's correlation)
    assert (run_dir / "curve.png").exists() == (metrics[saved["headline_metric"]] is not None)
    assert TASK_KEYS[task] <= set(metrics)
    assert not (set(RUN_METRIC_KEYS) - TASK_KEYS[task]) & set(metrics)
    for key in TASK_KEYS[task]:
        if key.startswith("affect_spearman"):  # a correlation; null for a constant prediction
            assert metrics[key] is None or -1.0 <= metrics[key] <= 1.0
        else:
            assert 0.0 <= metrics[key] <= 1.0
    for key in ("versions", "dataset_fingerprint", "wall_seconds", "peak_memory_mb",
                "fit_seconds", "predict_seconds_per_1000", "train_windows", "args", "seed"):
        assert key in saved
    assert saved["versions"]["scikit-learn"]
    points = pd.read_csv(run_dir / "points.csv")
    assert set(points["split"]) == {"train", "validation"}
    assert sorted(points["train_windows"].unique()) == [30, 60]
    if MODELS[model].streaming:
        assert sorted(points["epoch"].unique()) == [1, 2]
        assert saved["train_windows"] == 60 * 2
    else:
        assert saved["train_windows"] == 60


def _points_without_timing(path):
    """points.csv less its one measured column (fit_seconds), which no two
    runs share; every other cell must be equal."""
    points = pd.read_csv(path)
    assert (points["fit_seconds"] > 0).all()
    return points.drop(columns="fit_seconds")


def test_same_arguments_same_csv_and_reuse(small_corpus_root, tmp_path):
    first = fast_run(small_corpus_root, tmp_path / "a", "sgd-log", task="joint")
    second = fast_run(small_corpus_root, tmp_path / "b", "sgd-log", task="joint")
    name = first["run_dir"].split("/")[-1]
    csv_a = (tmp_path / "a" / name / "points.csv").read_bytes()
    pd.testing.assert_frame_equal(
        _points_without_timing(tmp_path / "a" / name / "points.csv"),
        _points_without_timing(tmp_path / "b" / name / "points.csv"))
    # A streaming model's fit_seconds accumulate over the epochs of a point.
    points = pd.read_csv(tmp_path / "a" / name / "points.csv")
    for _, point in points[points["split"] == "validation"].groupby(
            ["train_windows", "seed"]):
        assert point.sort_values("epoch")["fit_seconds"].is_monotonic_increasing
    assert first["points_computed"] == 2 and first["points_reused"] == 0
    again = fast_run(small_corpus_root, tmp_path / "a", "sgd-log", task="joint")
    assert again["points_computed"] == 0 and again["points_reused"] == 2
    assert (tmp_path / "a" / name / "points.csv").read_bytes() == csv_a
    # a new train size reuses the finished ones
    more = fast_run(small_corpus_root, tmp_path / "a", "sgd-log", task="joint",
                    train_sizes="30,60,90")
    assert more["points_computed"] == 1 and more["points_reused"] == 2


def test_dask_cluster_gives_loky_numbers(small_corpus_root, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    kwargs = dict(n_seeds=2, n_jobs=2)
    loky = fast_run(small_corpus_root, tmp_path / "loky", "sgd-hinge", backend="loky",
                    **kwargs)
    # --scheduler ADDRESS: a cluster started outside the command
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        dask = fast_run(small_corpus_root, tmp_path / "dask", "sgd-hinge", backend="dask",
                        scheduler=cluster.scheduler_address, **kwargs)
    name = loky["run_dir"].split("/")[-1]
    pd.testing.assert_frame_equal(
        _points_without_timing(tmp_path / "loky" / name / "points.csv"),
        _points_without_timing(tmp_path / "dask" / name / "points.csv"))
    assert loky["metrics"]["composer_accuracy"] == dask["metrics"]["composer_accuracy"]
    with pytest.raises(ValueError, match="--scheduler needs --backend dask"):
        fast_run(small_corpus_root, tmp_path, "knn", scheduler=cluster.scheduler_address)


def test_held_out_windows_are_shared_and_fixed(small_corpus_root, tmp_path):
    from baselines.datasets import load_dataset

    data = load_dataset("small", root=small_corpus_root, progress=False)
    a = data.evaluation_windows(n_per_recording=7, grid=0.01, random_state=0)
    b = data.evaluation_windows(n_per_recording=7, grid=0.01, random_state=0)
    np.testing.assert_array_equal(a.starts, b.starts)
    assert set(a.recording_ids.tolist()) == {r.id for r in data.test}
    knn = fast_run(small_corpus_root, tmp_path, "knn")
    dummy = fast_run(small_corpus_root, tmp_path, "dummy")
    assert knn["dataset"] == dummy["dataset"]
    # dummy (most frequent) is exactly one composer's share of the windows
    share = 1 / len(data.test) * np.bincount(
        [data.composers.index(r.composer) for r in data.test]).max()
    assert dummy["metrics"]["composer_accuracy"] == pytest.approx(share)


def test_python_level_function_has_sklearns_shapes(small_corpus_root, tmp_path):
    sizes, train, test = learning_curve(
        "knn", dataset="small", root=small_corpus_root, train_sizes="30,60", n_seeds=2,
        eval_windows=5, backend="sequential", progress=False, out=tmp_path,
        model_params=FAST["knn"])
    assert sizes.tolist() == [30, 60]
    assert train.shape == test.shape == (2, 2)


def test_command_line_prints_table_and_help(small_corpus_root, tmp_path, capsys):
    code = main(["dummy", "--dataset", "small", "--root", str(small_corpus_root),
                 "--train-sizes", "30", "--n-seeds", "1", "--eval-windows", "5",
                 "--out", str(tmp_path), "--no-progress", "--backend", "sequential"])
    assert code == 0
    out = capsys.readouterr().out
    assert "composer_accuracy" in out and "validation" in out
    with pytest.raises(SystemExit):
        main(["--help"])
    help_text = capsys.readouterr().out
    for option in ("--task", "--features", "--dataset", "--train-sizes", "--epochs",
                   "--windows-per-epoch", "--seed", "--n-jobs", "--backend", "--scheduler"):
        assert option in help_text
    assert help_text.count("default") >= 15
    assert main(["svm", "--dataset", "small", "--root", str(small_corpus_root)]) == 2
    assert "valid models" in capsys.readouterr().err


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"model": "svm"}, "unknown model 'svm'; valid models: knn, adaboost"),
        ({"task": "mood"}, "unknown task 'mood'; valid tasks: composer, instruments, joint, chords, genre, affect"),
        ({"features": "vibes"}, "unknown features 'vibes'; valid feature sets: .*stats"),
        ({"train_sizes": "30,100000"}, "train size 100000 is larger than the .* training windows available"),
        ({"min_composer_recordings": 100}, "need two"),
        ({"task": "instruments", "min_instrument_recordings": 1000},
         "needs at least two instruments"),
        ({"backend": "spark"}, "unknown backend 'spark'"),
    ],
)
def test_bad_input_is_explained(kwargs, match, small_corpus_root, tmp_path):
    kwargs = dict(kwargs)
    model = kwargs.pop("model", "knn")
    with pytest.raises(ValueError, match=match):
        fast_run(small_corpus_root, tmp_path, model, **kwargs)


def test_musicnet_root_that_is_not_one(tmp_path):
    from baselines.data.musicnet import MusicNetFormatError

    (tmp_path / "empty").mkdir()
    with pytest.raises(MusicNetFormatError, match="metadata"):
        run("knn", dataset="musicnet", root=tmp_path / "empty", progress=False,
            out=tmp_path)
    with pytest.raises(ValueError, match="needs a root"):
        run("knn", dataset="musicnet", progress=False, out=tmp_path)
    with pytest.raises(ValueError, match="is not a folder"):
        run("knn", dataset="musicnet", root=tmp_path / "nowhere", progress=False,
            out=tmp_path)


def test_points_stored_before_fit_seconds_get_their_fit_seconds(small_corpus_root,
                                                                tmp_path):
    first = fast_run(small_corpus_root, tmp_path, "knn")
    run_dir = tmp_path / first["run_dir"].split("/")[-1]
    fits = {}
    for path in sorted((run_dir / "points").glob("*.json")):
        stored = json.loads(path.read_text())
        for row in stored["rows"]:
            del row["fit_seconds"]  # as points were stored before the column
        fits[stored["rows"][0]["train_windows"]] = stored["fit_seconds"]
        path.write_text(json.dumps(stored))
    again = fast_run(small_corpus_root, tmp_path, "knn")
    assert again["points_reused"] == 2 and again["points_computed"] == 0
    points = pd.read_csv(run_dir / "points.csv")
    # One fit per point: its stored fit seconds, on both of its rows.
    for size, rows in points.groupby("train_windows"):
        assert rows["fit_seconds"].tolist() == pytest.approx([fits[size]] * len(rows),
                                                             rel=1e-5)
