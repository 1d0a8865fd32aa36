"""The side-by-side table (issue 14 item 3), from run records written to a
temporary folder through baselines.records."""

from __future__ import annotations

import pytest

from baselines import records
from baselines.side_by_side import (lower_is_better, seconds_to_fraction,
                                    side_by_side_table)

CNN_DEVICE = {"device": "cuda", "device_name": "NVIDIA H100 80GB HBM3",
              "mixed_precision": "bfloat16", "windows_per_second": 5000.0,
              "steps": 300, "parameters": 2_000_000}


def _classical_points(model, sizes, scores, seconds, *, seeds=(0,)):
    return [{"model": model, "task": "composer", "features": "stats",
             "train_windows": size, "epoch": 1, "seed": seed, "split": split,
             "composer_accuracy": score + (0.02 if split == "train" else 0.0)
             + 0.01 * (seed - (len(seeds) - 1) / 2),
             "fit_seconds": s + 0.5 * seed}
            for size, score, s in zip(sizes, scores, seconds)
            for seed in seeds for split in ("train", "validation")]


def _cnn_points(scores, seconds, *, column="fit_seconds"):
    return [{"model": "cnn-study", "task": "composer", "features": "spec",
             "train_windows": 850, "epoch": epoch, "seed": 0, "split": "validation",
             "composer_accuracy": score, column: s}
            for epoch, (score, s) in enumerate(zip(scores, seconds), start=1)]


@pytest.fixture
def results(tmp_path, make_run_record):
    def write(name, points=None, **fields):
        record = make_run_record(**fields)
        records.write_run(tmp_path / name, record)
        if points is not None:
            records.write_points_csv(points, tmp_path / name / "points.csv")

    acc = lambda value: {"composer_accuracy": value}  # noqa: E731
    write("knn", _classical_points("knn", [100, 200, 300], [0.30, 0.39, 0.40],
                                   [1.0, 2.0, 3.0], seeds=(0, 1)),
          model="knn", metrics=acc(0.40), fit_seconds=3.25)
    write("sgd", _classical_points("sgd-log", [100], [0.35], [0.5]),
          model="sgd-log", metrics=acc(0.35))
    write("dummy", None, model="dummy", metrics=acc(0.90))
    # The score-level reference reads the label files, not the audio.
    write("notes", None, model="notes", features="notes", metrics=acc(0.95),
          config={"reference": "score-level, not an audio baseline"})
    write("cnn", _cnn_points([0.2, 0.58, 0.6], [10.0, 20.0, 30.0]),
          command="cnn", model="cnn-study", features="spec", metrics=acc(0.6),
          fit_seconds=30.0, device=CNN_DEVICE, seeds=[0])
    # A CNN run from before points had fit_seconds: its "seconds" column.
    write("cnn-old", _cnn_points([0.1, 0.5], [5.0, 9.0], column="seconds"),
          command="cnn", model="cnn-small", features="spec-pool2",
          metrics=acc(0.5), fit_seconds=9.0,
          device=dict(CNN_DEVICE, device="cpu", device_name="AMD EPYC",
                      mixed_precision=None), seeds=[0])
    # Another task with no CNN: no table.
    write("knn-instr", None, model="knn", task="instruments",
          headline_metric="instrument_exact_match",
          metrics={"instrument_exact_match": 0.2})
    return tmp_path


def test_best_classical_and_each_cnn_with_time_to_95_percent(results):
    tables, notes = side_by_side_table(records.load_runs(results))
    assert list(tables) == [("default", "abc123def456", "composer")]
    frame = tables[("default", "abc123def456", "composer")].set_index("model")
    assert list(frame.index) == ["knn", "cnn-small", "cnn-study"]  # no dummy, notes, sgd
    assert frame.loc["knn", "kind"] == "best classical (CPU)"
    assert frame.loc["knn", "headline"] == pytest.approx(0.40)
    assert frame.loc["knn", "fit s"] == pytest.approx(3.25)
    # 95 % of 0.40 = 0.38: first reached at 200 windows, seeds' mean 2.25 s.
    assert frame.loc["knn", "s to 95 %"] == pytest.approx(2.25)
    assert frame.loc["cnn-study", "s to 95 %"] == pytest.approx(20.0)  # 0.58 >= 0.57
    assert frame.loc["cnn-small", "s to 95 %"] == pytest.approx(9.0)  # old column
    assert frame.loc["cnn-study", "device"] == "cuda (NVIDIA H100 80GB HBM3), bfloat16"
    assert frame.loc["knn", "device"] == "cpu"
    assert frame.loc["cnn-study", "source"] == "cnn/run.json"
    assert notes == []


def test_empty_cells_say_why():
    import pandas as pd

    points = pd.DataFrame({"train_windows": [10], "composer_accuracy": [0.5]})
    assert seconds_to_fraction(None, "composer_accuracy", 0.5) == (None, "no points.csv")
    seconds, why = seconds_to_fraction(points, "composer_accuracy", 0.5)
    assert seconds is None and "no fit_seconds column" in why
    points["fit_seconds"] = 1.0
    assert seconds_to_fraction(points, "composer_accuracy", 0.5) == (1.0, None)
    seconds, why = seconds_to_fraction(points, "composer_accuracy", 0.0)
    assert seconds is None and "not defined" in why
    seconds, why = seconds_to_fraction(points, "composer_accuracy", 0.9)
    assert seconds is None and "reaches 95%" in why
    assert lower_is_better("instrument_hamming_loss") and not lower_is_better(
        "composer_accuracy")


def test_report_shows_the_table_with_its_notes(results):
    from baselines import report

    (results / "sgd" / "points.csv").write_text(
        "model,task,features,train_windows,epoch,seed,split,composer_accuracy\n"
        "sgd-log,composer,stats,100,1,0,validation,0.35\n")
    records.write_run(results / "sgd", records.read_run(results / "sgd").record
                      | {"metrics": {"composer_accuracy": 0.45}})
    text = report.render_report(results, results / "README.md", plots=False)
    section = text[text.index("## Side by side"):text.index("## Reported")]
    rows = [line for line in section.splitlines() if line.startswith("| best")]
    assert len(rows) == 1 and "sgd-log" in rows[0] and "| 0.4500 |" in rows[0]
    assert "| CNN | cnn-study |" in section and "| 20 |" in section
    assert "sgd/run.json: no s to 95 %: points.csv has no fit_seconds" in section
