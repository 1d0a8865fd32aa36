"""The report: tables traced to run files, the study's numbers kept apart."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from baselines import records, report, report_tables


HEADLINE = {"composer": "composer_accuracy", "joint": "joint_exact_match"}


def _write_run(root, name, *, model, features, task, metrics, seed=0,
               confusion=True, per_instrument=True, n_points=3):
    detail = {}
    if confusion:
        detail["composer"] = {"labels": ["bach", "mozart"],
                              "confusion_matrix": [[3, 1], [0, 4]]}
    if per_instrument:
        detail["instruments"] = {"per_instrument_accuracy": {"Piano": 0.9, "Violin": 0.7}}
    record = {
        "command": "learning_curve", "model": model, "features": features,
        "task": task, "corpus_name": "default",
        "args": {"model": model, "features": features, "task": task},
        "seed": seed, "seeds": [seed], "versions": {},
        "dataset_fingerprint": "abc123def456", "finished": True,
        "wall_seconds": 1.5, "peak_memory_mb": 321.4, "metrics": dict(metrics),
        "headline_metric": HEADLINE[task], "detail": detail,
        "fit_seconds": 0.1234, "predict_seconds_per_1000": 0.0567,
        "train_windows": 480,
    }
    records.write_run(root / name, record)
    pd.DataFrame({
        "train_windows": [60 * 2 ** k for k in range(n_points)],
        **{key: [value] * n_points for key, value in metrics.items()},
    }).to_csv(root / name / "points.csv", index=False)
    return record


@pytest.fixture
def results(tmp_path):
    root = tmp_path / "results"
    composer = {"composer_accuracy": 0.61234, "composer_macro_f1": 0.5,
                "recording_accuracy": 0.75}
    _write_run(root, "knn-mfcc", model="knn", features="mfcc", task="composer",
               metrics=composer)
    _write_run(root, "dummy", model="dummy", features="mfcc", task="composer",
               metrics={"composer_accuracy": 0.25, "composer_macro_f1": 0.1,
                        "recording_accuracy": 0.25}, confusion=False,
               per_instrument=False)
    _write_run(root, "nested/cnn-small", model="cnn-small", features="spectrogram",
               task="composer", metrics={"composer_accuracy": 0.4,
                                         "composer_macro_f1": 0.3,
                                         "recording_accuracy": 0.5}, seed=7)
    _write_run(root, "sgd-joint", model="sgd-hinge", features="spectrogram",
               task="joint", metrics={"composer_accuracy": 0.5,
                                      "composer_macro_f1": 0.4,
                                      "instrument_exact_match": 0.3,
                                      "instrument_hamming_loss": 0.1,
                                      "joint_exact_match": 0.2,
                                      "recording_accuracy": 0.6})
    return root


def _table_rows(text):
    """(section, cells) of every results-table row in the markdown."""
    section, rows = None, []
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        elif line.startswith("| ") and "`" in line and section.startswith("## Task"):
            rows.append((section, [c.strip() for c in line.strip("|").split("|")]))
    return rows


def test_every_row_traces_to_its_run_json(results):
    (results / "broken").mkdir()
    (results / "broken" / "run.json").write_text("{not json")
    out = results / "README.md"
    with pytest.warns(UserWarning, match=r"skipped .*broken/run\.json: not valid JSON"):
        text = report.render_report(results, out)
    header = [l for l in text.splitlines() if l.startswith("| model | features")][0]
    columns = [c.strip() for c in header.strip("|").split("|")]
    rows = _table_rows(text)
    assert len(rows) == 4  # the unreadable run.json is skipped
    for section, cells in rows:
        row = dict(zip(columns, cells))
        source = row["source"].strip("`")
        data = json.loads((results / source).read_text())
        assert data["model"] == row["model"]
        assert data["task"] in section
        for title, keys, kind in report.TABLE_COLUMNS:
            value = data
            for key in keys:
                value = value.get(key) if isinstance(value, dict) else None
            assert row[title] == report_tables.format_value(value, kind), (source, title)
    assert "0.6123" in text and "| - |" in text  # rounded metric, missing one


def test_study_numbers_are_a_separate_labelled_table(results):
    text = report.render_report(results, results / "README.md", plots=False)
    head, study = text.split("## Reported by the original study on real MusicNet")
    assert "(not measured here)" in study.splitlines()[0]
    for number in ("0.8000", "0.5695", "0.5108", "0.41 to 0.59", "about 0.14",
                   "about 0.18"):
        assert number in study
        assert number not in head


def test_rows_sorted_dummy_first_cnn_last_and_newest_run_wins(results):
    tables = report.task_tables(records.load_runs(results))
    composer = next(t for (corpus, task), t in tables.items() if task == "composer")
    assert list(composer["model"]) == ["dummy", "knn", "cnn-small"]
    again = json.loads((results / "knn-mfcc" / "run.json").read_text())
    again["metrics"]["composer_accuracy"] = 0.9
    again["written_at"] = "2099-01-01T00:00:00+00:00"
    (results / "knn-rerun").mkdir()
    (results / "knn-rerun" / "run.json").write_text(json.dumps(again))
    tables = report.task_tables(records.load_runs(results))
    composer = next(t for (corpus, task), t in tables.items() if task == "composer")
    knn = composer[composer["model"] == "knn"].iloc[0]
    assert knn["source"] == "knn-rerun/run.json" and knn["composer accuracy"] == 0.9


def test_plots_written_and_linked(results):
    text = report.render_report(results, results / "README.md")
    for name in ("learning_curves_composer.png", "learning_curves_joint.png",
                 "confusion_knn.png", "confusion_cnn-small.png",
                 "instrument_accuracy.png"):
        assert (results / name).stat().st_size > 1000
        assert f"]({name})" in text
    assert re.search(r"From: `knn-mfcc/run.json`", text)


def test_missing_plot_inputs_are_noted(tmp_path):
    root = tmp_path / "r"
    _write_run(root, "a", model="knn", features="mfcc", task="composer",
               metrics={"composer_accuracy": 0.5}, confusion=False,
               per_instrument=False)
    text = report.render_report(root, root / "README.md")
    assert "no confusion matrix for the CNN" in text
    assert "no per-instrument accuracy plot" in text


def test_main_writes_out_file_and_rejects_missing_folder(results, tmp_path, capsys):
    out = tmp_path / "elsewhere" / "report.md"
    assert report.main(["--results", str(results), "--out", str(out),
                        "--no-plots"]) == 0
    assert "## Task: composer" in out.read_text()
    with pytest.raises(SystemExit):
        report.main(["--results", str(tmp_path / "nope")])


def test_report_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys; sys.modules['torch'] = None; "
            "import baselines.report, baselines.cnn; "
            "assert not baselines.cnn.torch_available()")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_report_from_small_runs_of_the_learning_curve_command(small_corpus_root,
                                                              tmp_path):
    from baselines import learning_curve

    results = tmp_path / "results"
    common = ["--dataset", "small", "--root", str(small_corpus_root),
              "--train-sizes", "0.5,1.0", "--windows-per-epoch", "120",
              "--n-seeds", "1", "--eval-windows", "4",
              "--out", str(results), "--no-progress"]
    assert learning_curve.main(["dummy", "--features", "stats", *common]) == 0
    assert learning_curve.main(["sgd-hinge", "--features", "stats", "--epochs", "2",
                                *common]) == 0
    text = report.render_report(results, results / "README.md")
    rows = _table_rows(text)
    assert {cells[0] for _, cells in rows} == {"dummy", "sgd-hinge"}
    header = [l for l in text.splitlines() if l.startswith("| model | features")][0]
    columns = [c.strip() for c in header.strip("|").split("|")]
    for _, cells in rows:
        row = dict(zip(columns, cells))
        data = json.loads((results / row["source"].strip("`")).read_text())
        assert row["model"] == data["model"]
        m = data["metrics"]
        assert row["composer accuracy"] == (f"{m['composer_accuracy']:.4f} "
                                            f"[{m['composer_accuracy_ci_low']:.2f}, "
                                            f"{m['composer_accuracy_ci_high']:.2f}]")
        assert row["test groups"] == str(m["recording_accuracy_n_groups"])
        assert row["training windows"] == str(data["train_windows"])
    assert (results / "learning_curves_composer.png").exists()
    assert "From: " in text and "confusion_sgd-hinge.png" in text


def test_runs_on_different_corpora_never_share_a_table(results):
    other = json.loads((results / "knn-mfcc" / "run.json").read_text())
    other["dataset_fingerprint"] = "ffff0000ffff"
    (results / "knn-other-corpus").mkdir()
    (results / "knn-other-corpus" / "run.json").write_text(json.dumps(other))
    text = report.render_report(results, results / "README.md", plots=False)
    sections = [l for l in text.splitlines() if l.startswith("## Task: composer")]
    assert len(sections) == 2
    assert any("fingerprint ffff0000ff" in s for s in sections)
    assert any("fingerprint abc123def4" in s for s in sections)


def test_update_readme_replaces_only_the_marked_block(tmp_path):
    from baselines.report import README_BEGIN, README_END, update_readme

    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nintro\n\n{README_BEGIN}\nold table\n{README_END}\n\nafter\n")
    report = ("# Results\n\nfront matter\n\n## Task: composer (default corpus)\n\n| a |\n|---|\n"
              "| 1 |\n\n## Reported by the original study\n\n| b |\n\n## Plots\n\n![x](x.png)\n")
    update_readme(readme, report, source=tmp_path / "results" / "README.md")
    text = readme.read_text()
    assert text.startswith("# title\n\nintro\n\n") and text.endswith("\n\nafter\n")
    assert "old table" not in text and "front matter" not in text and "x.png" not in text
    assert "### Task: composer (default corpus)" in text and "| 1 |" in text
    assert "### Reported by the original study" in text


def test_update_readme_without_markers_is_an_error(tmp_path):
    from baselines.report import update_readme

    readme = tmp_path / "README.md"
    readme.write_text("# no block\n")
    with pytest.raises(ValueError, match="no '<!-- results:begin -->'"):
        update_readme(readme, "## Task: x\n", source="results/README.md")
    assert readme.read_text() == "# no block\n"


def test_intervals_group_counts_notes_and_ablation(tmp_path):
    root = tmp_path / "results"
    with_ci = {"composer_accuracy": 0.5, "composer_accuracy_ci_low": 0.41,
               "composer_accuracy_ci_high": 0.6, "recording_accuracy": 0.55,
               "recording_accuracy_ci_low": 0.4, "recording_accuracy_ci_high": 0.7,
               "recording_accuracy_n_groups": 53}
    _write_run(root, "logreg", model="logreg", features="stats", task="composer",
               metrics=with_ci)
    record = _write_run(root, "notes", model="notes", features="notes", task="composer",
                        metrics=with_ci, confusion=False, per_instrument=False)
    record["config"] = {"reference": "score-level, not an audio baseline"}
    records.write_run(root / "notes", record)
    for name, diff in (("stats-406", None), ("stats", 0.08)):
        rec = _write_run(root, f"abl-{name}", model="logreg", features=name,
                         task="composer", metrics=with_ci)
        rec["config"] = {"ablation": "feature blocks", "ablation_reference": "stats-406"}
        if diff is not None:
            rec["metrics"].update(recording_accuracy_diff=diff,
                                  recording_accuracy_diff_ci_low=-0.02,
                                  recording_accuracy_diff_ci_high=0.19)
        records.write_run(root / f"abl-{name}", rec)
    text = report.render_report(root, plots=False)
    composer = text.split("## Task: composer")[1].split("##")[0]
    assert "| logreg | stats | 0.5000 [0.41, 0.60] |" in composer
    assert "0.5500 [0.40, 0.70]" in composer and "| 53 |" in composer
    assert "notes (reference: score-level, not an audio baseline)" in composer
    assert "abl-" not in composer  # ablation rows have their own table
    ablation = text.split("## Ablation: feature blocks")[1]
    lines = [line for line in ablation.splitlines() if line.startswith("| stats")]
    assert lines[0].startswith("| stats-406 |") and "| - |" in lines[0]
    assert "+0.08 [-0.02, +0.19]" in lines[1]


def test_paired_difference_with_the_cnn_on_the_same_windows(tmp_path):
    root = tmp_path / "results"
    windows = {"recording_ids": [1, 1, 2, 2, 3, 3, 4, 4], "starts": [0.0, 5.0] * 4,
               "groups": ["w1", "w1", "w2", "w2", "w3", "w3", "w4", "w4"],
               "y_true": [0, 0, 1, 1, 0, 0, 1, 1]}
    metrics = {"composer_accuracy": 0.5, "composer_macro_f1": 0.5, "recording_accuracy": 0.5}
    for name, model, y_pred in (("sgd", "sgd-hinge", [0, 0, 1, 1, 0, 0, 1, 0]),
                                ("same", "knn", [0, 1, 1, 0, 0, 0, 0, 1]),
                                ("cnn", "cnn-small", [0, 1, 1, 0, 0, 0, 0, 1])):
        record = _write_run(root, name, model=model, features="spectrogram", task="composer",
                            metrics=metrics)
        record["detail"]["predictions"] = {**windows, "y_pred": y_pred}
        records.write_run(root / name, record)
    record = _write_run(root, "other", model="sgd-log", features="stats", task="composer",
                        metrics=metrics)  # no predictions: nothing to pair
    text = report.render_report(root, plots=False)
    header = [line for line in text.splitlines() if line.startswith("| model |")][0]
    assert "window accuracy minus cnn-small (paired)" in header
    rows = {cells[0]: cells for _, cells in _table_rows(text)}
    column = [c.strip() for c in header.strip("|").split("|")].index(
        "window accuracy minus cnn-small (paired)")
    assert rows["sgd-hinge"][column].startswith("+0.25 [")  # 7/8 - 5/8 correct
    assert rows["knn"][column] == "+0.00 [+0.00, +0.00]"   # the same answers
    assert rows["sgd-log"][column] == "-" and rows["cnn-small"][column] == "-"


def test_a_tuned_run_is_labelled_so(tmp_path, make_run_record):
    from baselines.report_tables import _model_label

    records.write_run(tmp_path / "tuned", make_run_record(
        model="logreg", args={"model": "logreg", "task": "composer", "tune": True}))
    records.write_run(tmp_path / "plain", make_run_record(model="knn"))
    labels = sorted(_model_label(run) for run in records.load_runs(tmp_path))
    assert labels == ["knn", "logreg (tuned)"]
