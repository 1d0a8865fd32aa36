"""The run record: schema, writer, reader, the one curve plotter."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from baselines import records
from baselines.curves import Curve, curve_points, plot_learning_curves

RESULTS = Path(__file__).resolve().parents[1] / "results"
COMMITTED = sorted(RESULTS.glob("**/run.json"))


def _strict_json(text):
    def reject(name):
        raise ValueError(f"{name} in a run record")

    return json.loads(text, parse_constant=reject)


def test_results_folder_has_records():
    assert len(COMMITTED) >= 30


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: p.parent.name)
def test_every_committed_run_json_follows_the_schema(path):
    _strict_json(path.read_text())
    run = records.read_run(path)
    assert run.record["headline_metric"] in run.record["metrics"]
    assert run.points is not None and run.record["headline_metric"] in run.points


def test_round_trip_converts_numpy_and_fills_version_and_time(tmp_path, make_run_record):
    record = make_run_record(
        seed=np.int64(0), train_windows=np.int64(480),
        metrics={"composer_accuracy": np.float32(0.5), "composer_macro_f1": 0.25},
        detail={"composer": {"labels": ("bach", "mozart"),
                             "confusion_matrix": np.array([[3, 1], [0, 4]])}})
    path = records.write_run(tmp_path / "run", record)
    assert path == tmp_path / "run" / "run.json"
    back = records.read_run(path).record
    assert back["schema_version"] == records.SCHEMA_VERSION
    assert back["written_at"].endswith("+00:00")
    assert back["metrics"] == {"composer_accuracy": 0.5, "composer_macro_f1": 0.25}
    assert back["detail"]["composer"]["confusion_matrix"] == [[3, 1], [0, 4]]
    assert back["detail"]["composer"]["labels"] == ["bach", "mozart"]
    assert type(back["train_windows"]) is int
    records.write_run(tmp_path / "again", back)  # a read record writes unchanged
    assert (tmp_path / "again" / "run.json").read_text() == path.read_text()


def test_nan_and_inf_are_written_as_null(tmp_path, make_run_record):
    record = make_run_record(
        metrics={"composer_accuracy": float("nan"), "recording_accuracy": np.inf},
        detail={"instruments": {"roc_auc": {"piano": np.float64("nan"), "cello": 0.9}}})
    path = records.write_run(tmp_path, record)
    data = _strict_json(path.read_text())
    assert data["metrics"] == {"composer_accuracy": None, "recording_accuracy": None}
    assert data["detail"]["instruments"]["roc_auc"] == {"piano": None, "cello": 0.9}
    assert math.isnan(record["metrics"]["composer_accuracy"])  # caller's dict untouched


def test_bad_record_is_not_written_and_the_message_names_file_and_field(
        tmp_path, make_run_record):
    record = make_run_record()
    del record["finished"]
    with pytest.raises(records.RecordError,
                       match=r"run\.json \(not written\): .*'finished' is a required"):
        records.write_run(tmp_path, record)
    assert not (tmp_path / "run.json").exists()
    with pytest.raises(records.RecordError, match=r"metrics/composer_accuracy: 'high'"):
        records.write_run(tmp_path, make_run_record(metrics={"composer_accuracy": "high"}))
    with pytest.raises(records.RecordError,
                       match="headline_metric 'joint_exact_match' is not one of its metrics"):
        records.write_run(tmp_path, make_run_record(headline_metric="joint_exact_match"))
    with pytest.raises(records.RecordError, match="seed 5 is not one of seeds"):
        records.write_run(tmp_path, make_run_record(seed=5))
    with pytest.raises(records.RecordError, match="Additional properties.*'run_dir'"):
        records.write_run(tmp_path, make_run_record(run_dir="results/x"))


def test_read_rejects_nan_bad_json_and_old_shapes_naming_the_file(tmp_path,
                                                                  make_run_record):
    folder = tmp_path / "a"
    folder.mkdir()
    path = folder / "run.json"
    text = json.dumps(make_run_record(schema_version=1,
                                      written_at="2026-11-22T00:00:00+00:00"))
    path.write_text(text.replace("0.61234", "NaN"))
    with pytest.raises(records.RecordError, match=rf"{path}: not valid JSON: NaN"):
        records.read_run(path)
    path.write_text("{not json")
    with pytest.raises(records.RecordError, match=rf"{path}: not valid JSON"):
        records.read_run(folder)  # the folder names its run.json
    old = make_run_record(schema_version=1, written_at="2026-11-22T00:00:00+00:00")
    old["metrics"]["composer"] = {"labels": ["bach"]}  # the pre-schema nesting
    path.write_text(json.dumps(old))
    with pytest.raises(records.RecordError, match=rf"{path}: metrics/composer: "):
        records.read_run(path)
    with pytest.raises(records.RecordError, match="cannot be read"):
        records.read_run(tmp_path / "missing" / "run.json")


def test_new_tasks_extend_metrics_and_detail(tmp_path, make_run_record):
    record = make_run_record(
        task="chords", headline_metric="chord_majmin",
        metrics={"chord_majmin": 0.7, "chord_majmin_ci_low": 0.65,
                 "chord_majmin_ci_high": 0.75, "n_groups": 12},
        detail={"chords": {"per_class": {"C:maj": 0.8, "N": None}}},
        device={"device": "cuda", "device_name": "H100", "mixed_precision": "bfloat16",
                "windows_per_second": 5000.0, "steps": 10, "parameters": 1000,
                "gpu_peak_memory_mb": 812.5})
    records.write_run(tmp_path, record)
    assert records.read_run(tmp_path).record["metrics"]["n_groups"] == 12
    with pytest.raises(records.RecordError, match="does not match"):
        records.write_run(tmp_path, make_run_record(
            metrics={"composer_accuracy": 0.5, "Bad Key": 1.0}))


def test_load_runs_strict_raises_lenient_warns_and_skips(tmp_path, make_run_record):
    records.write_run(tmp_path / "good", make_run_record())
    records.write_points_csv([{"train_windows": 10, "epoch": 1, "seed": 0,
                               "split": "validation", "composer_accuracy": 0.4}],
                             tmp_path / "good" / "points.csv")
    (tmp_path / "nested" / "bad").mkdir(parents=True)
    (tmp_path / "nested" / "bad" / "run.json").write_text("{}")
    with pytest.raises(records.RecordError, match=r"nested/bad/run\.json: .*required"):
        records.load_runs(tmp_path)
    with pytest.warns(UserWarning, match=r"skipped .*nested/bad/run\.json"):
        runs = records.load_runs(tmp_path, strict=False)
    assert [r.source for r in runs] == ["good/run.json"]
    assert runs[0].points["composer_accuracy"].tolist() == [0.4]


def _points(sizes, epochs, seeds, value):
    rows = []
    for size in sizes:
        for epoch in range(1, epochs + 1):
            for seed in seeds:
                for split in ("train", "validation"):
                    rows.append({"train_windows": size, "epoch": epoch, "seed": seed,
                                 "split": split,
                                 "score": value(size, epoch, seed, split)})
    return pd.DataFrame(rows)


def test_curve_points_last_epoch_per_size_mean_and_spread_over_seeds():
    points = _points([100, 200], 3, [0, 1],
                     lambda size, epoch, seed, split: size / 1000 + epoch / 100 + seed / 10
                     + (split == "train"))
    x, mean, low, high = curve_points(points, "score")
    assert x.tolist() == [300, 600]  # train size x its last epoch
    assert mean == pytest.approx([0.1 + 0.03 + 0.05, 0.2 + 0.03 + 0.05])
    assert (high - low) == pytest.approx([0.1, 0.1])
    one_size = points[points["train_windows"] == 100]
    x, mean, _, _ = curve_points(one_size, "score")
    assert x.tolist() == [100, 200, 300]  # one point per epoch
    assert curve_points(points, "missing") is None


def test_one_plotter_draws_runs_and_skips_empty_ones(tmp_path):
    points = _points([100, 200], 1, [0], lambda *a: 0.5)
    first, empty = Curve("a", points), Curve("b", points.drop(columns="score"))
    drawn = plot_learning_curves([first, empty], tmp_path / "c.png", metric="score",
                                 splits=("train", "validation"))
    assert drawn == [first] and (tmp_path / "c.png").stat().st_size > 1000
    assert plot_learning_curves([empty], tmp_path / "none.png", metric="score") == []
    assert not (tmp_path / "none.png").exists()


def test_report_reads_a_folder_of_records(tmp_path, make_run_record):
    from baselines import report

    for name, model, accuracy in (("knn", "knn", 0.61234), ("dummy", "dummy", 0.25)):
        records.write_run(tmp_path / name, make_run_record(
            model=model, metrics={"composer_accuracy": accuracy}))
        records.write_points_csv(
            [{"train_windows": n, "epoch": 1, "seed": 0, "split": "validation",
              "composer_accuracy": accuracy} for n in (60, 120)],
            tmp_path / name / "points.csv")
    text = report.render_report(tmp_path, tmp_path / "README.md")
    rows = [line for line in text.splitlines() if line.startswith("| dummy")
            or line.startswith("| knn")]
    assert [r.split("|")[1].strip() for r in rows] == ["dummy", "knn"]
    assert "| 0.6123 |" in rows[1] and "`knn/run.json`" in rows[1]
    assert "| 0, 1 |" in rows[1]  # the seeds the mean is over
    assert (tmp_path / "learning_curves_composer.png").stat().st_size > 1000
