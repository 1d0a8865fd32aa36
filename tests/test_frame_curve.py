"""The chords learning curve end to end on the small embedded chord corpus,
through the main command."""

from __future__ import annotations

import pytest

from baselines import records
from baselines.metrics_chords import CHORD_METRIC_KEYS


@pytest.fixture(scope="module")
def small_chord_corpus():
    from baselines.data.chord_corpus import chord_corpus

    return chord_corpus(small=True, n_jobs=2, progress=False)


def _curve(tmp_path, *args, protocol="official"):
    from baselines.learning_curve import main

    argv = [*args, "--task", "chords", "--dataset", "chords-small", "--out", str(tmp_path),
            "--no-progress", "--n-seeds", "1", "--protocol", protocol]
    assert main(argv) == 0
    return records.load_runs(tmp_path)


@pytest.mark.parametrize("model,n_points", [("template", 1), ("sgd-log", 2), ("knn", 2)])
def test_curve_writes_a_record_with_the_stable_keys(small_chord_corpus, tmp_path, model, n_points):
    (run,) = _curve(tmp_path, model, "--train-sizes", "0.5,1.0", "--epochs", "2")
    assert run["points_computed"] == n_points and run["points_reused"] == 0
    assert run["task"] == "chords" and run["headline_metric"] == "chord_majmin_wcsr"
    metrics = run["metrics"]
    for key in CHORD_METRIC_KEYS:
        assert 0.0 <= metrics[key] <= 1.0
        assert 0.0 <= metrics[f"{key}_hmm"] <= 1.0 and 0.0 <= metrics[f"{key}_median"] <= 1.0
    assert metrics["chord_majmin_wcsr_ci_low"] <= metrics["chord_majmin_wcsr"] <= \
        metrics["chord_majmin_wcsr_ci_high"]
    assert "chord_majmin_wcsr_hmm_ci_low" in metrics
    assert metrics["n_groups"] == len(run["dataset"]["test_recordings"])
    assert not set(run["dataset"]["test_recordings"]) & set(run["dataset"]["train_recordings"])
    points = run.points
    assert len(points) == n_points and points["train_windows"].is_monotonic_increasing
    assert set(run.record["detail"]["chords"]["per_collection"]) == {"Bach", "Monteverdi"}
    assert run["dataset"]["class_seconds"]["Bach"]["N"] > 0


def test_a_rerun_reuses_finished_points(small_chord_corpus, tmp_path):
    (first,) = _curve(tmp_path, "knn", "--train-sizes", "0.3,0.6,1.0")
    (again,) = _curve(tmp_path, "knn", "--train-sizes", "0.3,0.6,1.0")
    assert (again["points_reused"], again["points_computed"]) == (2, 1)
    assert again["metrics"]["chord_majmin_wcsr"] == first["metrics"]["chord_majmin_wcsr"]
    # the same points but for fit_seconds (a timing; the final point is refitted)
    assert again.points.drop(columns="fit_seconds").equals(first.points.drop(columns="fit_seconds"))


def test_template_beats_the_dummy_and_balance_names_the_run(small_chord_corpus, tmp_path):
    _curve(tmp_path, "template")
    _curve(tmp_path, "dummy", "--train-sizes", "1.0")
    _curve(tmp_path, "sgd-hinge", "--train-sizes", "1.0", "--epochs", "1", "--balance", "cap:100")
    runs = {r["model"]: r for r in records.load_runs(tmp_path)}
    assert runs["template"]["metrics"]["chord_majmin_wcsr"] > \
        runs["dummy"]["metrics"]["chord_majmin_wcsr"] + 0.2
    assert runs["sgd-hinge-balanced"]["args"]["balance"] == "cap:100"


def test_grouped_cv_scores_every_track_once_and_never_on_both_sides(small_chord_corpus,
                                                                    tmp_path):
    (run,) = _curve(tmp_path, "sgd-log", "--train-sizes", "0.5,1.0", "--epochs", "1",
                    "--folds", "3", protocol="cv")
    tracks = run["dataset"]["train_recordings"] + run["dataset"]["test_recordings"]
    folds = run["dataset"]["folds"]
    assert len(folds) == 3 and all(folds)
    tested = [t for fold in folds for t in fold]
    assert sorted(tested) == sorted(tracks)  # every track tested exactly once
    assert run["metrics"]["n_groups"] == len(tracks)
    assert run["config"]["protocol"] == "cv" and run["config"]["folds"] == 3
    assert run["points_computed"] == 3 * 2
    points = run.points  # the mean over folds, one row per size
    assert len(points) == 2 and points["train_windows"].is_monotonic_increasing
    assert "fit_seconds" in points
    metrics = run["metrics"]
    assert metrics["chord_majmin_wcsr_ci_low"] <= metrics["chord_majmin_wcsr_ci_high"]
    assert 0.0 <= metrics["chord_majmin_wcsr_hmm"] <= 1.0
    (again,) = _curve(tmp_path, "sgd-log", "--train-sizes", "0.5,1.0", "--epochs", "1",
                      "--folds", "3", protocol="cv")
    # the smaller size of every fold is reused; each fold's final model is refitted
    assert (again["points_reused"], again["points_computed"]) == (3, 3)
    assert again["metrics"]["chord_majmin_wcsr"] == metrics["chord_majmin_wcsr"]


def test_frame_tasks_refuse_repeats_and_tune(small_chord_corpus, tmp_path, capsys):
    from baselines.learning_curve import main

    base = ["sgd-log", "--task", "chords", "--dataset", "chords-small", "--out", str(tmp_path),
            "--no-progress"]
    assert main([*base, "--protocol", "cv", "--repeats", "2"]) == 2
    assert "--repeats 2" in capsys.readouterr().err
    assert main([*base, "--tune"]) == 2
    assert "--tune is not supported" in capsys.readouterr().err


def test_a_window_task_dataset_is_refused_for_chords(tmp_path, capsys):
    from baselines.learning_curve import main

    assert main(["template", "--task", "chords", "--dataset", "small", "--out", str(tmp_path),
                 "--no-progress"]) == 2
    assert "task 'chords' reads dataset kinds lab" in capsys.readouterr().err


def test_an_isophonics_folder_with_audio_elsewhere_and_a_split_file(tmp_path):
    from chord_helpers import write_track

    from baselines.learning_curve import main

    progressions = {"1": ["C:maj", "A:min", "F:maj", "G:7"], "2": ["D:min7", "G:maj", "C:maj", "C:maj"],
                    "3": ["E:min", "A:min", "D:maj", "G:maj"], "4": ["F:maj", "Bb:maj", "C:7", "F:maj"]}
    for name, chords in progressions.items():
        intervals = [[2 * i, 2 * i + 2] for i in range(4)]
        lines = [f"{a}\t{b}\t{c}" for (a, b), c in zip(intervals, chords)]
        write_track(tmp_path / "labs", "Band", "Album", name, lines, audio_chords=(intervals, chords))
    (tmp_path / "labs" / "Band" / "audio").rename(tmp_path / "audio")
    (tmp_path / "wavs").mkdir()
    (tmp_path / "audio").rename(tmp_path / "wavs" / "Band")
    split = tmp_path / "split.csv"
    split.write_text("track,split\nBand/Album/1,train\nBand/Album/2,train\nBand/Album/3,train\n"
                     "Band/Album/4,test\n")
    out = tmp_path / "out"
    for model in ("template", "sgd-log"):
        assert main([model, "--task", "chords", "--dataset", "isophonics", "--root",
                     str(tmp_path / "labs"), "--audio-root", str(tmp_path / "wavs"),
                     "--split-file", str(split), "--features", "chroma", "--train-sizes", "1.0",
                     "--n-seeds", "1", "--epochs", "2", "--out", str(out), "--no-progress"]) == 0
    runs = {r["model"]: r for r in records.load_runs(out)}
    assert runs["template"]["dataset"]["test_recordings"] == ["Band/Album/4"]
    # synthesised triads and sevenths: the template reads them nearly all
    assert runs["template"]["metrics"]["chord_majmin_wcsr"] > 0.8
    assert runs["sgd-log"]["corpus_name"] == "isophonics"
