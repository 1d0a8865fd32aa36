"""The chords section of the report, read from run records."""

from __future__ import annotations

from baselines import records
from baselines.chord_report import REPORTED_CHORDS, chord_section


def _record(model, wcsr, **extra):
    metrics = {"chord_majmin_wcsr": wcsr, "chord_majmin_wcsr_hmm": wcsr + 0.01,
               "chord_root_wcsr": 0.7, "chord_frame_accuracy": 0.6, "n_groups": 11,
               "chord_majmin_wcsr_ci_low": wcsr - 0.05, "chord_majmin_wcsr_ci_high": wcsr + 0.05}
    return {"command": "learning_curve", "model": model, "task": "chords",
            "features": "cqt-chroma", "corpus_name": "chords", "args": {}, "seed": 0,
            "seeds": [0], "versions": {}, "dataset_fingerprint": "abcdef0123456789",
            "finished": True, "wall_seconds": 1.0, "peak_memory_mb": 1.0,
            "headline_metric": "chord_majmin_wcsr", "metrics": metrics, "fit_seconds": 1.0,
            "predict_seconds_per_1000": 0.1, "train_windows": 1000, **extra}


def test_chord_section_tables_best_first_and_reported_apart(tmp_path):
    records.write_run(tmp_path / "template", _record("template", 0.69))
    detail = {"chords": {"per_collection": {"Bach": {"tracks": 4, "minutes": 3.0,
                                                     "chord_majmin_wcsr": 0.8,
                                                     "chord_root_wcsr": 0.8,
                                                     "chord_frame_accuracy": 0.8}}}}
    records.write_run(tmp_path / "sgd", _record("sgd-log", 0.71, detail=detail,
                                                config={"protocol": "cv", "folds": 5}))
    text = "\n".join(chord_section(records.load_runs(tmp_path)))
    assert "## Task: chords (chords, fingerprint abcdef0123)" in text
    assert text.index("| sgd-log |") < text.index("| template |")
    assert "0.7100 [0.660, 0.760]" in text and "0.7200" in text
    assert "| Bach | 4 | 3.0 | 0.800 |" in text
    assert "| 11 | cv (5 folds) | 1000 |" in text and "| 11 | official | 1000 |" in text
    reported = text.index("## Reported chord recognition scores")
    assert all(entry[2] in text[reported:] for entry in REPORTED_CHORDS)
    assert "0.776" not in text[:reported]


def test_no_chords_runs_no_section(tmp_path):
    assert chord_section([]) == []


def test_the_report_gives_chords_their_own_section_and_confusion_plot(tmp_path):
    from baselines.report import render_report

    cm = [[0] * 25 for _ in range(25)]
    cm[0][0], cm[0][12] = 8, 2
    detail = {"chords": {"labels": [f"c{i}" for i in range(25)], "confusion_matrix": cm}}
    records.write_run(tmp_path / "runs" / "template", _record("template", 0.69, detail=detail))
    text = render_report(tmp_path / "runs", tmp_path / "README.md")
    assert text.count("## Task: chords") == 1
    assert "composer accuracy" not in text.split("## Task: chords")[1].split("##")[0]
    assert (tmp_path / "confusion_chords.png").exists()
    assert "Chord confusion matrix (frames), best chords run: template / cqt-chroma" in text
