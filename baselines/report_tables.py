"""The report's tables, from run records: one per task and corpus, the CNN
runs' device and throughput, the feature-block ablations, the classical and
CNN rows side by side, and the numbers the original study reported.

Every number is printed as the record holds it (:func:`format_value`); the
document around the tables is :mod:`baselines.report`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from baselines.report_genre import metric_columns, per_class_markdown

__all__ = ["CNN_COLUMNS", "REPORTED", "TABLE_COLUMNS", "ablation_tables", "cnn_table",
           "format_value", "reported_table", "side_by_side_section", "table_columns",
           "task_tables"]


#: Numbers the original MusicNet study reported on real MusicNet.  They were
#: not measured here and are shown in their own table only.
REPORTED = (
    {"model": "CNN (4 x 128 x 312 spectrogram stacks)", "split": "test",
     "composer_accuracy": 0.80, "instrument_exact_match": 0.5695,
     "joint_exact_match": 0.5108},
    {"model": "SGD on spectrograms", "split": "validation",
     "composer_accuracy": "0.41 to 0.59"},
    {"model": "KNN", "split": "validation", "composer_accuracy": "about 0.14"},
    {"model": "AdaBoost", "split": "validation",
     "composer_accuracy": "about 0.18"},
)

#: (column title, how to read it from a run record, format) of the results tables.
TABLE_COLUMNS = (
    ("composer accuracy", ("metrics", "composer_accuracy"), "metric"),
    ("composer macro F1", ("metrics", "composer_macro_f1"), "metric"),
    ("instrument exact match", ("metrics", "instrument_exact_match"), "metric"),
    ("joint exact match", ("metrics", "joint_exact_match"), "metric"),
    ("recording accuracy", ("metrics", "recording_accuracy"), "metric"),
    ("fit s", ("fit_seconds",), "seconds"),
    ("predict s / 1000 windows", ("predict_seconds_per_1000",), "seconds"),
    ("peak memory MB", ("peak_memory_mb",), "integer"),
    ("training windows", ("train_windows",), "integer"),
    ("seed", ("seeds",), "seeds"),
)

#: Metrics whose ``_n_groups`` fills the ``test groups`` column, first found wins.
GROUP_COUNT_KEYS = ("recording_accuracy", "composer_accuracy")


def _with_interval(run, keys, kind):
    """A metric with its interval, ``"0.6123 [0.52, 0.70]"``, where the record has one."""
    value = _get(run, *keys)
    if kind != "metric" or keys[0] != "metrics" or value is None:
        return value
    low = run["metrics"].get(f"{keys[1]}_ci_low")
    high = run["metrics"].get(f"{keys[1]}_ci_high")
    if low is None or high is None:
        return value
    return f"{format_value(value, kind)} [{low:.2f}, {high:.2f}]"


def _test_groups(run):
    for key in GROUP_COUNT_KEYS + (run["headline_metric"],):
        value = run["metrics"].get(f"{key}_n_groups")
        if value is not None:
            return int(value)
    value = run["metrics"].get("n_test_groups")  # a network's count of its test groups
    return None if value is None else int(value)


def _config(run) -> dict:
    return run.record.get("config") or {}


def _is_ablation(run) -> bool:
    return "ablation" in _config(run)


def _predictions(run):
    block = (run.record.get("detail") or {}).get("predictions")
    if not block:
        return None
    correct = np.asarray(block["y_true"]) == np.asarray(block["y_pred"])
    key = (tuple(block["recording_ids"]), tuple(block["starts"]))
    return key, correct.astype(float), np.asarray(block["groups"])


def paired_with_cnn(run, cnn) -> str | None:
    """``"+0.03 [-0.02, +0.08]"``: window accuracy of ``run`` minus the CNN's,
    with a paired 95 % interval over test groups, where both records hold
    their held-out predictions on the same windows; else None."""
    from baselines.protocol import paired_interval

    mine, theirs = _predictions(run), _predictions(cnn) if cnn is not None else None
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return None
    d = paired_interval(None, None, mine[1], theirs[1], mine[2], random_state=0)
    return f"{d.estimate:+.2f} [{d.low:+.2f}, {d.high:+.2f}]"


def _model_label(run) -> str:
    reference = _config(run).get("reference")
    if reference:
        return f"{run['model']} (reference: {reference})"
    args = run.record.get("args") or {}
    # --tune: the registry's param_grid chosen by grouped CV inside each training set
    return f"{run['model']} (tuned)" if args.get("tune") else run["model"]


def _get(run, *keys):
    """``run.record[k0][k1]...``, or None where a level is missing."""
    value = run.record
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _corpus(run) -> str:
    """Corpus name and fingerprint: runs on different data never share a table."""
    name = str(run["corpus_name"])
    name = Path(name).name or name
    fingerprint = run["dataset_fingerprint"]
    return f"{name} corpus, fingerprint {fingerprint[:10]}" if fingerprint else name


def _label(run) -> str:
    return f"{run['model']} / {run['features']}"


def _is_cnn(run) -> bool:
    """Torch references: the MusicNet CNN and the genre CNN / LSTM."""
    model = run["model"].lower()
    return (model.startswith("cnn") or model.startswith(("genre-cnn", "beat-lstm"))
            or run["command"] == "cnn" or str(run["command"]).startswith("python -m baselines.cnn"))


def _is_dummy(run) -> bool:
    return run["model"].lower().startswith("dummy")


def _latest_per_row(runs):
    """The newest run of each (corpus, task, model, features, ablation)."""
    chosen = {}
    for run in runs:
        key = (_corpus(run), run["task"], run["model"], run["features"],
               _config(run).get("ablation"))
        if key not in chosen or _order(run) >= _order(chosen[key]):
            chosen[key] = run
    return chosen


def _order(run):
    return (run["written_at"], run.source)


def format_value(value, kind: str) -> str:
    """How a number from a run file is printed in a table."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, str):
        return value
    if kind == "metric":
        return f"{float(value):.4f}"
    if kind == "seconds":
        return f"{float(value):.3g}"
    if kind == "seeds":
        if isinstance(value, (list, tuple)):
            return ", ".join(str(int(v)) for v in value)
        return f"{int(value)}"
    if kind == "integer":
        return f"{int(round(float(value)))}"
    return str(value)


def task_tables(runs) -> dict:
    """``{(corpus, task): DataFrame}``, one row per model and feature set.

    Rows are sorted: dummy first, then classical models by the task's
    headline metric (as the records name it), CNN rows last.  Every row
    carries its ``source``.  The seed column lists every seed the metrics
    are a mean of.
    """
    rows = {}
    latest = _latest_per_row(runs)
    columns, cnns = {}, {}
    for (corpus, task, *_), run in latest.items():
        if not _is_ablation(run):
            columns.setdefault((corpus, task), []).append(run)
        if _is_cnn(run) and _predictions(run) is not None:
            if (corpus, task) not in cnns or _score(run) > _score(cnns[(corpus, task)]):
                cnns[(corpus, task)] = run
    columns = {key: table_columns(group) for key, group in columns.items()}
    for (corpus, task, model, features, _), run in latest.items():
        if _is_ablation(run):
            continue
        row = {"model": _model_label(run), "features": features}
        for title, keys, kind in columns[(corpus, task)]:
            row[title] = _with_interval(run, keys, kind)
        row["test groups"] = _test_groups(run)
        row["protocol"] = _config(run).get("protocol", "official")
        cnn = cnns.get((corpus, task))
        if cnn is not None:
            paired = None if run is cnn else paired_with_cnn(run, cnn)
            row[f"window accuracy minus {cnn['model']} (paired)"] = paired or "-"
        row["source"] = run.source
        row["_rank"] = (0 if _is_dummy(run) else 2 if _is_cnn(run) else 1,
                        -_score(run))
        rows.setdefault((corpus, task), []).append(row)
    tables = {}
    for key in sorted(rows):
        frame = pd.DataFrame(rows[key]).sort_values(["_rank", "model", "features"])
        tables[key] = frame.drop(columns="_rank").reset_index(drop=True)
    return tables


def table_columns(runs) -> tuple:
    """The columns of one task's table: MusicNet's fixed ones where its runs
    hold MusicNet metrics, else the metrics they hold
    (:func:`baselines.report_genre.metric_columns`); costs and seeds always."""
    musicnet = {keys[-1] for _, keys, kind in TABLE_COLUMNS if kind == "metric"}
    if any(musicnet & set(run["metrics"]) for run in runs):
        return TABLE_COLUMNS
    return tuple(metric_columns(runs)) + tuple(c for c in TABLE_COLUMNS if c[2] != "metric")


def _best_genre_run(runs, corpus, task):
    """The best classical run of a (corpus, task) table whose record holds a
    per-class genre block, or None."""
    candidates = [r for r in runs if _corpus(r) == corpus and r["task"] == task
                  and not _is_cnn(r) and not _is_dummy(r) and per_class_markdown(r)]
    return max(candidates, key=lambda r: (_score(r), _order(r))) if candidates else None


def _score(run, metric=None) -> float:
    """``metric`` of a run (default: its headline metric); -inf where missing."""
    value = run["metrics"].get(metric or run["headline_metric"])
    return float(value) if value is not None else float("-inf")


def _markdown_table(frame: pd.DataFrame, formats: dict) -> str:
    columns = list(frame.columns)
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            value = row[column]
            if column == "source":
                cells.append(f"`{value}`")
            elif column in formats:
                cells.append(format_value(None if _missing(value) else value,
                                          formats[column]))
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))



#: (column title, how to read it from a run record, format) of the CNN runs' table.
CNN_COLUMNS = (
    ("task", ("task",), None),
    ("corpus", ("corpus_name",), None),
    ("device", ("device", "device"), None),
    ("device name", ("device", "device_name"), None),
    ("mixed precision", ("device", "mixed_precision"), None),
    ("training windows / s", ("device", "windows_per_second"), "seconds"),
    ("steps", ("device", "steps"), "integer"),
    ("parameters", ("device", "parameters"), "integer"),
)
CNN_FORMATS = {title: kind for title, _, kind in CNN_COLUMNS if kind}


def cnn_table(runs) -> pd.DataFrame:
    """Device, its name and throughput of CNN runs, with their sources."""
    rows = []
    for run in runs:
        row = {"model": run["model"]}
        for title, keys, _ in CNN_COLUMNS:
            value = _get(run, *keys)
            row[title] = "-" if value is None and title not in CNN_FORMATS else value
        row["source"] = run.source
        rows.append(row)
    return pd.DataFrame(rows)


def ablation_tables(runs) -> dict:
    """``{(corpus, ablation): markdown}`` of the ablation records, newest per row."""
    rows = {}
    for run in _latest_per_row(runs).values():
        if not _is_ablation(run):
            continue
        m = run["metrics"]

        def cell(key):
            if m.get(key) is None:
                return "-"
            low, high = m.get(f"{key}_ci_low"), m.get(f"{key}_ci_high")
            sign = "+" if key.endswith("_diff") else ""
            text = f"{m[key]:{sign}.2f}"
            if low is not None and high is not None:
                text += f" [{low:{sign}.2f}, {high:{sign}.2f}]"
            return text

        reference = _config(run).get("ablation_reference", "")
        rows.setdefault((_corpus(run), _config(run)["ablation"], reference), []).append((
            run["features"], cell("composer_accuracy"), cell("recording_accuracy"),
            str(_test_groups(run) or "-"), cell("recording_accuracy_diff"),
            _config(run).get("pipeline", run["model"]), run.source))
    tables = {}
    for (corpus, name, reference), items in sorted(rows.items()):
        lines = ["| features | window accuracy | recording accuracy | test groups | "
                 f"recording accuracy minus {reference} (paired) | model | source |",
                 "|---|---|---|---|---|---|---|"]
        for features, *cells, source in sorted(items, key=lambda r: r[0] != reference):
            lines.append("| " + " | ".join([features, *cells, f"`{source}`"]) + " |")
        tables[(corpus, name)] = "\n".join(lines)
    return tables


def side_by_side_section(runs) -> list:
    """Markdown lines of :func:`baselines.side_by_side.side_by_side_table`
    (issue 14): nothing where no task has a CNN run."""
    from baselines.side_by_side import FORMATS, FRACTION, side_by_side_table

    tables, notes = side_by_side_table(runs)
    if not tables:
        return []
    lines = ["## Side by side: the best classical model and each CNN", "",
             "Per task: the classical model with the best headline metric "
             "(dummies left out) and every CNN run, on the same held-out "
             "windows.  `fit s`: wall seconds of training; `s to "
             f"{100 * FRACTION:g} %`: training seconds until the learning curve "
             f"(`points.csv`) first reaches {100 * FRACTION:g} % of the run's "
             "final headline metric.", ""]
    for (corpus, fingerprint, task), frame in tables.items():
        lines += [f"### {task} ({corpus}, fingerprint {str(fingerprint)[:10]})", "",
                  _markdown_table(frame, FORMATS), ""]
    if notes:
        lines += ["Empty cells: " + "; ".join(notes) + ".", ""]
    return lines


def reported_table() -> str:
    """The study's own numbers, in a table of their own."""
    columns = ("composer_accuracy", "instrument_exact_match", "joint_exact_match")
    lines = ["| model (original study) | evaluated on | composer accuracy"
             " | instrument exact match | composer+instrument exact match |",
             "|---|---|---|---|---|"]
    for entry in REPORTED:
        cells = [entry["model"], entry["split"]]
        cells += [format_value(entry.get(c), "metric") if not isinstance(
            entry.get(c), str) else entry[c] for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
