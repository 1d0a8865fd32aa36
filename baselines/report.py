"""Results tables and plots from the run files under ``results/``.

``python -m baselines.report [--results DIR] [--out FILE]`` reads every
run record below ``DIR`` through :mod:`baselines.records` (``run.json``,
validated, and the ``points.csv`` beside it; a record that fails is skipped
with a warning naming it), and writes ``FILE`` (default ``DIR/README.md``)
with

* per task (and corpus), a table with one row per model and feature set:
  composer accuracy, composer macro F1, instrument exact match, joint exact
  match, recording-level accuracy, fit seconds, predict seconds per 1,000
  windows, peak memory, training windows, seed, and the ``source`` run.json
  each row was read from;
  the genre and affect tables show the metrics their records hold instead
  (:mod:`baselines.report_genre`);
* each metric with its 95 % interval where the record has one
  (``<key>_ci_low``, ``<key>_ci_high``: a bootstrap over test groups) and a
  ``test groups`` column (``<key>_n_groups``: the works, albums or artists
  a number rests on); the score-level ``notes`` reference labelled as not
  an audio baseline;
* the feature-block ablation (records with ``config.ablation``): accuracy
  with intervals and the paired difference to its reference row;
* where a CNN run and classical runs keep their held-out answers on the
  same windows (``detail.predictions``: official-split runs), a column with
  each classical row's window accuracy minus the CNN's and its paired 95 %
  interval over test groups;
* per task with a CNN run, the best classical model beside each CNN
  (:mod:`baselines.side_by_side`: headline metric, training seconds,
  seconds to 95 % of the final metric, device);
* a separate table of the numbers the original study reported on real
  MusicNet, and for genre and affect the FMA paper's, GTZAN's and the
  course studies' published numbers, never mixed with numbers measured here;
* plots: the learning curves of every model of a task on one figure, the
  composer confusion matrices of the best classical model and of the CNN,
  and per-instrument accuracy bars.

The report reads only run records: it never imports a task, a model, a
feature or torch; a task's learning curve plots the metric its records name
(``headline_metric``).
Numbers are printed as they are in the JSON, rounded to 4 decimals (seconds
to 3 significant digits), so each can be traced back to its ``source``.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from baselines import records
from baselines.chord_report import chord_section, is_chord_run, plot_chord_confusion
from baselines.curves import Curve, plot_learning_curves
from baselines.report_genre import metric_columns, per_class_markdown, reported_markdown

__all__ = ["REPORTED", "TABLE_COLUMNS", "task_tables", "render_report", "main"]

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
    return None


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
    return f"{run['model']} (reference: {reference})" if reference else run["model"]


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


# ---------------------------------------------------------------- plots

def _pyplot():
    import matplotlib

    if os.environ.get("MPLBACKEND") is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-")


def plot_task_curves(runs, task, path) -> list:
    """Every run of ``task`` with a ``points.csv`` on one figure.

    y: the task's headline metric (as its records name it) on the held-out
    windows; x: training windows fitted on (log scale).  Returns the
    sources plotted (empty: nothing written).
    """
    runs = sorted((r for r in runs if r["task"] == task and r.points is not None),
                  key=lambda r: (_is_cnn(r), r["model"], r["features"]))
    if not runs:
        return []
    curves = [Curve(_label(run), run.points,
                    "--" if _is_cnn(run) else ":" if _is_dummy(run) else "-")
              for run in runs]
    drawn = plot_learning_curves(
        curves, path, metric=runs[0]["headline_metric"], log_x=True, spread=False,
        title=f"Learning curves, task {task} (held-out windows)")
    return [run.source for run, curve in zip(runs, curves)
            if any(curve is d for d in drawn)]


def confusion_of(run):
    """``(labels, matrix)`` of a run's composer confusion matrix, or None."""
    block = _get(run, "detail", "composer") or {}
    labels = block.get("labels") or _get(run, "dataset", "composers")
    if "confusion_matrix" not in block or labels is None:
        return None
    matrix = np.asarray(block["confusion_matrix"], dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != len(labels):
        return None
    return list(map(str, labels)), matrix


def plot_confusion(run, path) -> bool:
    found = confusion_of(run)
    if found is None:
        return False
    labels, matrix = found
    plt = _pyplot()
    rows = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    size = max(4.0, 0.6 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(normalised, vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{int(matrix[i, j])}", ha="center", va="center",
                    fontsize=7, color="white" if normalised[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted composer")
    ax.set_ylabel("true composer")
    ax.set_title(f"{_label(run)} ({run['task']}): windows, "
                 "colour = row fraction", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def per_instrument_accuracy_of(run):
    """Instrument name -> accuracy of a run, or None."""
    found = _get(run, "detail", "instruments", "per_instrument_accuracy")
    return ({str(k): np.nan if v is None else float(v) for k, v in found.items()}
            if found else None)


def plot_instrument_accuracy(runs, path) -> list:
    """Grouped bars: per-instrument accuracy of each given run."""
    found = [(run, per_instrument_accuracy_of(run)) for run in runs]
    found = [(run, acc) for run, acc in found if acc]
    if not found:
        return []
    instruments = sorted({name for _, acc in found for name in acc})
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(instruments) + 2), 4.5))
    width = 0.8 / len(found)
    for k, (run, acc) in enumerate(found):
        x = np.arange(len(instruments)) + (k - (len(found) - 1) / 2) * width
        ax.bar(x, [acc.get(name, np.nan) for name in instruments], width,
               label=f"{_label(run)} ({run['task']})")
    ax.set_xticks(range(len(instruments)), instruments, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy (present / absent per window)")
    ax.set_title("Per-instrument accuracy on held-out windows")
    ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [run.source for run, _ in found]


# ---------------------------------------------------------------- document

def _best(runs, predicate):
    candidates = [r for r in runs if predicate(r) and confusion_of(r) is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (_score(r, "composer_accuracy"), _order(r)))


def render_report(results_dir, out=None, *, plots=True, runs=None) -> str:
    """Write the report for ``results_dir`` and return its markdown.

    Parameters
    ----------
    results_dir : path
        Folder searched (recursively) for ``run.json`` files.
    out : path, optional
        Markdown file written (default ``results_dir/README.md``); plots are
        written beside it.
    plots : bool
        Draw the figures (default True).
    runs : list of baselines.records.Run, optional
        The runs to report (default: :func:`baselines.records.load_runs` of
        ``results_dir``, skipping, with a warning, records that fail).
    """
    results_dir = Path(results_dir)
    out = Path(out) if out is not None else results_dir / "README.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = out.parent
    if runs is None:
        runs = records.load_runs(results_dir, strict=False)
    latest = list(_latest_per_row(runs).values())
    # Chord runs score whole tracks with their own keys: a section of their own.
    chord_runs = [r for r in runs if is_chord_run(r)]
    tables = task_tables([r for r in runs if not is_chord_run(r)])
    formats = {title: kind for title, _, kind in TABLE_COLUMNS}
    for frame in tables.values():  # the genre and affect tables' metric columns
        formats.update({c: "metric" for c in frame.columns if c not in formats
                        and c not in ("model", "features", "source", "test groups", "protocol")})
    formats["test groups"] = "integer"

    def rel(path):
        return Path(os.path.relpath(path, out.parent)).as_posix()

    lines = [
        "# Results",
        "",
        "Written by `python -m baselines.report` from the run files "
        + (f"below `{rel(results_dir)}`" if results_dir.resolve()
           != out.parent.resolve() else "in this folder") + "; do not "
        "edit by hand.  Each row's `source` is the `run.json` it was read "
        "from (the `points.csv` beside it holds the learning curve).  Metrics "
        "are on held-out windows of held-out recordings; recording accuracy "
        "votes the windows of each held-out recording.  Where a model and "
        "feature set ran more than once, the newest run is shown.  Timings "
        "are as each command measured them: the classical models' fit and "
        "predict seconds exclude feature extraction (frames come from the "
        "on-disk cache), the CNN's include its spectrograms (computed on the "
        "device); for the classical models with several seeds the metrics are "
        "the mean over seeds at the largest train size.",
        "",
    ]
    if not runs:
        lines += ["No run files found yet: run `python -m baselines.learning_curve`"
                  " or `python -m baselines.cnn` first.", ""]
    for (corpus, task), frame in tables.items():
        lines += [f"## Task: {task} ({corpus})", "",
                  _markdown_table(frame, formats), ""]
        best = _best_genre_run(latest, corpus, task)
        if best is not None:
            lines += [f"Per class, {_label(best)} (the best classical model here, seed "
                      f"{_get(best, 'detail', 'seed')}): from `{best.source}`", "",
                      per_class_markdown(best), ""]
    for (corpus, name), table in ablation_tables(runs).items():
        lines += [f"## Ablation: {name} ({corpus})", "",
                  "Each row adds or removes a block of the `stats` features under one "
                  "pipeline and the same folds; intervals are 95 % bootstrap intervals "
                  "over test groups (works), the last column a paired interval on the "
                  "difference to the reference row.", "", table, ""]
    lines += chord_section(chord_runs)
    cnn_runs = sorted((r for r in latest if _is_cnn(r)),
                      key=lambda r: (_corpus(r), r["task"], r["model"]))
    if cnn_runs:
        lines += ["## CNN runs: device and throughput", "",
                  _markdown_table(cnn_table(cnn_runs), CNN_FORMATS), ""]
    lines += side_by_side_section(latest)
    lines += [
        "## Reported by the original study on real MusicNet (not measured here)",
        "",
        "Quoted from the study for orientation only: another corpus (real "
        "MusicNet recordings), other splits and other code.  These numbers "
        "are not comparable with, and never mixed into, the tables above.",
        "",
        reported_table(),
        "",
    ]
    if any(task in ("genre", "affect") for _, task in tables):
        lines += [reported_markdown()]
    if plots:
        lines += ["## Plots", ""]
        notes = []
        for task in sorted({run["task"] for run in latest}):
            path = figures / f"learning_curves_{task}.png"
            sources = plot_task_curves(latest, task, path)
            if sources:
                lines += [f"### Learning curves, task {task}", "",
                          f"![learning curves {task}]({rel(path)})", "",
                          "From: " + ", ".join(f"`{s}`" for s in sources), ""]
            else:
                notes.append(f"no learning curve for task {task}: no points.csv")
        for kind, predicate in (
                ("best classical model", lambda r: not _is_cnn(r) and not _is_dummy(r)),
                ("CNN", _is_cnn)):
            run = _best(latest, predicate)
            if run is None:
                notes.append(f"no confusion matrix for the {kind}: no run file "
                             "holds one")
                continue
            path = figures / f"confusion_{_slug(run['model'])}.png"
            plot_confusion(run, path)
            lines += [f"### Composer confusion matrix, {kind}: {_label(run)} "
                      f"({run['task']})", "",
                      f"![confusion {run['model']}]({rel(path)})", "",
                      f"From: `{run.source}`", ""]
        chord_plot = plot_chord_confusion(chord_runs, figures / "confusion_chords.png")
        if chord_plot is not None:
            lines += [f"### Chord confusion matrix (frames), best chords run: "
                      f"{_label(chord_plot)}", "",
                      f"![confusion chords]({rel(figures / 'confusion_chords.png')})", "",
                      f"From: `{chord_plot.source}`", ""]
        chosen = []
        for kind, predicate in (
                ("classical model", lambda r: not _is_cnn(r) and not _is_dummy(r)),
                ("CNN", _is_cnn)):
            candidates = [r for r in latest if predicate(r)
                          and per_instrument_accuracy_of(r)]
            if candidates:
                chosen.append(max(candidates, key=lambda r: (
                    _score(r, "instrument_exact_match"), _order(r))))
            else:
                notes.append(f"no {kind} in the per-instrument accuracy plot: "
                             "no such run file holds `per_instrument_accuracy`")
        path = figures / "instrument_accuracy.png"
        sources = plot_instrument_accuracy(chosen, path)
        if sources:
            lines += ["### Per-instrument accuracy (best run of each kind that "
                      "records it, by instrument exact match)",
                      "", f"![per-instrument accuracy]({rel(path)})", "",
                      "From: " + ", ".join(f"`{s}`" for s in sources), ""]
        else:
            notes.append("no per-instrument accuracy plot: no run file holds "
                         "`per_instrument_accuracy`")
        if notes:
            lines += ["Skipped: " + "; ".join(notes) + ".", ""]
    text = "\n".join(lines)
    out.write_text(text)
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m baselines.report",
        description="Write results tables and plots from the run files.")
    parser.add_argument("--results", default="results",
                        help="folder holding the runs (default: results)")
    parser.add_argument("--out", default=None,
                        help="markdown file to write (default: RESULTS/README.md)")
    parser.add_argument("--no-plots", action="store_true",
                        help="tables only (default: draw the plots)")
    parser.add_argument("--readme", default=None, metavar="FILE",
                        help="also copy the tables into FILE between the lines "
                        f"{README_BEGIN!r} and {README_END!r} (default: none)")
    args = parser.parse_args(argv)
    results = Path(args.results)
    if not results.is_dir():
        parser.error(f"--results {results} is not a folder")
    out = Path(args.out) if args.out else results / "README.md"
    runs = records.load_runs(results, strict=False)
    markdown = render_report(results, out, plots=not args.no_plots, runs=runs)
    print(f"wrote {out} from {len(runs)} run files")
    if args.readme:
        try:
            update_readme(args.readme, markdown, source=out)
        except ValueError as error:
            parser.error(str(error))
        print(f"updated the tables in {args.readme}")
    return 0


README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"


def update_readme(readme, report_markdown: str, *, source) -> str:
    """Replace the block between :data:`README_BEGIN` and :data:`README_END`
    in ``readme`` with the report's tables (its ``## Task`` and
    ``## Reported`` sections, one heading level down).

    Raises
    ------
    ValueError
        If ``readme`` lacks either marker line.
    """
    path = Path(readme)
    text = path.read_text()
    if README_BEGIN not in text or README_END not in text:
        raise ValueError(f"{path}: no {README_BEGIN!r} ... {README_END!r} block to update")
    sections, keep = [], False
    for line in report_markdown.splitlines():
        if line.startswith("## "):
            keep = line.startswith(("## Task", "## Reported", "## CNN"))
        if keep:
            sections.append("#" + line if line.startswith("## ") else line)
    block = "\n".join([
        README_BEGIN,
        f"Copied from `{Path(source).as_posix()}` by `python -m baselines.report "
        f"--readme {path.name}`; sources are relative to its folder.",
        "", *sections, README_END,
    ])
    head, rest = text.split(README_BEGIN, 1)
    tail = rest.split(README_END, 1)[1]
    path.write_text(head + block + tail)
    return block


if __name__ == "__main__":
    raise SystemExit(main())
