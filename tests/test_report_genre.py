"""The report's genre/affect columns and published-number tables."""

from __future__ import annotations

from pathlib import Path

from baselines.records import Run
from baselines.report_genre import metric_columns, reported_markdown


def fake_run(headline, metrics):
    return Run(path=Path("x/run.json"), source="x/run.json",
               record={"headline_metric": headline, "metrics": metrics})


def test_metric_columns_headline_first_without_spread_counts_or_r2():
    runs = [fake_run("affect_spearman_mean", {
        "affect_spearman_mean": 0.1, "affect_spearman_mean_std": 0.0,
        "affect_spearman_tempo_bpm": 0.2, "affect_r2_tempo_bpm": -1.0,
        "affect_mae_tempo_bpm": 3.0, "n_test_groups": 12, "affect_spearman_mean_n_groups": 12,
        "affect_spearman_mean_ci_low": 0.0, "affect_spearman_mean_ci_high": 0.2})]
    columns = metric_columns(runs)
    assert [keys[-1] for _, keys, _ in columns] == ["affect_spearman_mean",
                                                    "affect_spearman_tempo_bpm"]
    assert columns[0][0] == "affect spearman mean" and columns[0][2] == "metric"
    genre = [fake_run("genre_clip_accuracy", {"genre_accuracy": 0.5, "genre_clip_accuracy": 0.6,
                                              "genre_macro_f1": 0.4})]
    assert [k[-1] for _, k, _ in metric_columns(genre)] == [
        "genre_clip_accuracy", "genre_accuracy", "genre_macro_f1"]


def test_reported_tables_are_labelled_and_hold_the_published_numbers():
    text = reported_markdown()
    assert "reported elsewhere (not measured here)" in text
    for number in ("63 %", "61 %", "55 %", "41.6 %", "53.4 %", "91-94 %", "0.28-0.38",
                   "0.74", "0.42", "0.17"):
        assert number in text


def test_per_class_table_from_a_genre_detail_block():
    from baselines.report_genre import per_class_markdown

    run = fake_run("genre_clip_accuracy", {})
    assert per_class_markdown(run) is None  # no detail: no table
    run.record["detail"] = {"genre": {"labels": ["a", "b"], "precision": {"a": 0.5, "b": 1.0},
                                      "recall": {"a": 1.0, "b": None}, "f1": {"a": 2 / 3, "b": 0.0},
                                      "support": {"a": 3, "b": 4}}}
    lines = per_class_markdown(run).splitlines()
    assert lines[2] == "| a | 0.5000 | 1.0000 | 0.6667 | 3 |"
    assert lines[3] == "| b | 1.0000 | - | 0.0000 | 4 |"


def test_rows_without_an_interval_are_named_under_their_table():
    import pandas as pd

    from baselines.report import _without_interval_note

    frame = pd.DataFrame({"model": ["knn", "genre-cnn-study", "dummy"],
                          "features": ["stats", "mel-chroma", "stats"],
                          "genre clip accuracy": ["0.6100 [0.55, 0.66]", 0.6786, float("nan")],
                          "seed": [[0], [0], [0]],
                          "source": ["a [b]/run.json", "b/run.json", "c/run.json"]})
    (line, _) = _without_interval_note(frame)
    assert "genre-cnn-study" in line and "knn" not in line
    assert _without_interval_note(frame.iloc[:1]) == []
