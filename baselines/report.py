"""Results tables and plots from the run files under ``results/``.

``python -m baselines.report [--results DIR] [--out FILE]`` reads every
``run.json`` below ``DIR`` (and the ``points.csv`` beside it), and writes
``FILE`` (default ``DIR/README.md``) with

* per task (and corpus), a table with one row per model and feature set:
  composer accuracy, composer macro F1, instrument exact match, joint exact
  match, recording-level accuracy, fit seconds, predict seconds per 1,000
  windows, peak memory, training windows, seed, and the ``source`` run.json
  each row was read from;
* a separate table of the numbers the original study reported on real
  MusicNet, never mixed with numbers measured here;
* plots: the learning curves of every model of a task on one figure, the
  composer confusion matrices of the best classical model and of the CNN,
  and per-instrument accuracy bars.

The report reads only files: it never imports a model, a feature or torch.
Numbers are printed as they are in the JSON, rounded to 4 decimals (seconds
to 3 significant digits), so each can be traced back to its ``source``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["REPORTED", "TABLE_COLUMNS", "Run", "load_runs", "task_tables",
           "render_report", "main"]

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

#: (column title, how to read it from a run, format) of the results tables.
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
    ("seed", ("seed",), "seeds"),
)

#: The score a task's learning curve plots (first one present).
CURVE_METRIC = {
    "composer": ("composer_accuracy",),
    "instruments": ("instrument_exact_match",),
    "joint": ("joint_exact_match",),
}


@dataclass
class Run:
    """One run's files, as the report sees them.

    ``source`` is the path of ``run.json`` relative to the results folder.
    """

    source: str
    path: Path
    data: dict
    points: pd.DataFrame | None = None
    mtime: float = 0.0

    def get(self, *keys, default=None):
        value = self.data
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                return default
            value = value[key]
        return value

    def _field(self, name):
        value = self.data.get(name)
        if value is None:
            value = self.get("args", name)
        return value

    @property
    def task(self) -> str:
        return str(self._field("task") or "composer")

    @property
    def model(self) -> str:
        return str(self._field("model") or self.get("command", default="?"))

    @property
    def features(self) -> str:
        value = self._field("features") or self._field("feature_set")
        if isinstance(value, (list, tuple)):
            value = "+".join(map(str, value))
        return str(value) if value else "-"

    @property
    def corpus(self) -> str:
        """Corpus name and fingerprint: runs on different data never share a table."""
        name = self._field("corpus_name") or self.get("args", "dataset") or "corpus"
        name = Path(str(name)).name or str(name)
        fingerprint = self.data.get("dataset_fingerprint")
        return f"{name} corpus, fingerprint {str(fingerprint)[:10]}" if fingerprint else name

    @property
    def is_cnn(self) -> bool:
        return self.model.lower().startswith("cnn") or self.get("command") == "cnn"

    @property
    def is_dummy(self) -> bool:
        return self.model.lower().startswith("dummy")


def load_runs(results_dir) -> list:
    """Every run below ``results_dir``: its ``run.json`` and ``points.csv``.

    Unreadable files are skipped with a note on stderr; a run never half-counts.
    """
    results_dir = Path(results_dir)
    runs = []
    for path in sorted(results_dir.rglob("run.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            print(f"report: skipping {path}: {error}", file=os.sys.stderr)
            continue
        if not isinstance(data, dict):
            continue
        points = None
        points_path = path.with_name("points.csv")
        if points_path.exists():
            try:
                points = pd.read_csv(points_path)
            except (OSError, ValueError, pd.errors.EmptyDataError):
                points = None
        runs.append(Run(source=path.relative_to(results_dir).as_posix(),
                        path=path, data=data, points=points,
                        mtime=path.stat().st_mtime))
    return runs


def _latest_per_row(runs):
    """The newest run of each (corpus, task, model, features)."""
    chosen = {}
    for run in runs:
        key = (run.corpus, run.task, run.model, run.features)
        if key not in chosen or _order(run) >= _order(chosen[key]):
            chosen[key] = run
    return chosen


def _order(run):
    return (str(run.data.get("finished") or run.data.get("created") or ""),
            run.mtime, run.source)


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

    Rows are sorted: dummy first, then classical models by composer accuracy
    (instrument exact match for the instruments task), CNN rows last.  Every
    row carries its ``source``.
    """
    rows = {}
    for (corpus, task, model, features), run in _latest_per_row(runs).items():
        row = {"model": model, "features": features}
        for title, keys, kind in TABLE_COLUMNS:
            row[title] = run.get(*keys)
            if kind == "seeds" and isinstance(run.data.get("seeds"), list):
                row[title] = run.data["seeds"]  # metrics are their mean
        row["source"] = run.source
        row["_rank"] = (0 if run.is_dummy else 2 if run.is_cnn else 1,
                        -_score(run, task))
        rows.setdefault((corpus, task), []).append(row)
    tables = {}
    for key in sorted(rows):
        frame = pd.DataFrame(rows[key]).sort_values(["_rank", "model", "features"])
        tables[key] = frame.drop(columns="_rank").reset_index(drop=True)
    return tables


def _score(run, task) -> float:
    for key in CURVE_METRIC.get(task, ("composer_accuracy",)):
        value = run.get("metrics", key)
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    return float("-inf")


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



#: (column title, key in run.json, format) of the CNN runs' table.
CNN_COLUMNS = (
    ("task", "task", None),
    ("corpus", "corpus_name", None),
    ("device", "device", None),
    ("device name", "device_name", None),
    ("mixed precision", "autocast_dtype", None),
    ("training windows / s", "windows_per_second", "seconds"),
    ("steps", "steps", "integer"),
    ("parameters", "parameters", "integer"),
)
CNN_FORMATS = {title: kind for title, _, kind in CNN_COLUMNS if kind}


def cnn_table(runs) -> pd.DataFrame:
    """Device, its name and throughput of CNN runs, with their sources."""
    rows = []
    for run in runs:
        row = {"model": run.model}
        for title, key, _ in CNN_COLUMNS:
            value = run.data.get(key)
            row[title] = "-" if value is None and title not in CNN_FORMATS else value
        row["source"] = run.source
        rows.append(row)
    return pd.DataFrame(rows)


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


def curve_points(run, task):
    """``(windows seen, score)`` of a run's held-out learning curve, or None.

    Reads ``points.csv``: the ``validation`` rows, averaged over seeds.  A run
    with several train sizes gives one point per size (its last epoch); a
    run with one train size (the CNN, an SGD run over epochs) gives one point
    per epoch.  x is the windows the model was fitted on, ``train_windows x
    epoch`` (epochs of fresh windows count every epoch).
    """
    points = run.points
    if points is None or points.empty or "train_windows" not in points:
        return None
    metric = next((m for m in CURVE_METRIC[task] if m in points), None)
    if metric is None:
        return None
    if "split" in points:
        points = points[points["split"] == "validation"]
    points = points.copy()
    if "epoch" not in points:
        points["epoch"] = 1
    points = points.groupby(["train_windows", "epoch"], as_index=False)[metric].mean()
    if points["train_windows"].nunique() > 1:
        last = points.groupby("train_windows")["epoch"].transform("max")
        points = points[points["epoch"] == last]
    points = points.sort_values(["train_windows", "epoch"])
    x = (points["train_windows"] * points["epoch"]).to_numpy()
    return x, points[metric].to_numpy(), metric


def plot_learning_curves(runs, task, path) -> list:
    """Every run of ``task`` with a ``points.csv`` on one figure.

    x: training windows fitted on (log scale); y: the task's score on the
    held-out windows.  Returns the sources plotted (empty: nothing written).
    """
    curves = []
    for run in sorted(runs, key=lambda r: (r.is_cnn, r.model, r.features)):
        if run.task != task:
            continue
        found = curve_points(run, task)
        if found is not None and len(found[0]):
            curves.append((run, *found))
    if not curves:
        return []
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for run, x, y, metric in curves:
        style = "--" if run.is_cnn else ":" if run.is_dummy else "-"
        label = run.model if run.features == "-" else f"{run.model} / {run.features}"
        ax.plot(x, y, style, marker="o", markersize=3, label=label)
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("training windows fitted on (train size x epochs)")
    metrics = sorted({c[3] for c in curves})
    ax.set_ylabel(" / ".join(m.replace("_", " ") for m in metrics))
    ax.set_title(f"Learning curves, task {task} (held-out windows)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [c[0].source for c in curves]


def confusion_of(run):
    """``(labels, matrix)`` of a run's composer confusion matrix, or None."""
    for holder in (run.data, run.get("metrics", default={}),
                   run.get("metrics", "composer", default={})):
        if isinstance(holder, dict) and "confusion_matrix" in holder:
            labels = (holder.get("labels") or holder.get("composers")
                      or run.data.get("composers"))
            matrix = np.asarray(holder["confusion_matrix"], dtype=float)
            if labels is not None and matrix.ndim == 2 and matrix.shape[0] == len(labels):
                return list(map(str, labels)), matrix
    return None


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
    ax.set_title(f"{run.model} / {run.features} ({run.task}): windows, "
                 "colour = row fraction", fontsize=9)
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def per_instrument_accuracy_of(run):
    for holder in (run.data, run.get("metrics", default={}),
                   run.get("metrics", "instruments", default={})):
        if isinstance(holder, dict) and isinstance(
                holder.get("per_instrument_accuracy"), dict):
            return {str(k): float(v)
                    for k, v in holder["per_instrument_accuracy"].items()}
    return None


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
               label=f"{run.model} / {run.features} ({run.task})")
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
    return max(candidates, key=lambda r: (_score(r, "composer"), _order(r)))


def render_report(results_dir, out=None, *, plots=True) -> str:
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
    """
    results_dir = Path(results_dir)
    out = Path(out) if out is not None else results_dir / "README.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    figures = out.parent
    runs = load_runs(results_dir)
    latest = list(_latest_per_row(runs).values())
    tables = task_tables(runs)
    formats = {title: kind for title, _, kind in TABLE_COLUMNS}

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
    cnn_runs = sorted((r for r in latest if r.is_cnn),
                      key=lambda r: (r.corpus, r.task, r.model))
    if cnn_runs:
        lines += ["## CNN runs: device and throughput", "",
                  _markdown_table(cnn_table(cnn_runs), CNN_FORMATS), ""]
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
    if plots:
        lines += ["## Plots", ""]
        notes = []
        for task in sorted({run.task for run in latest}):
            if task not in CURVE_METRIC:
                continue
            path = figures / f"learning_curves_{task}.png"
            sources = plot_learning_curves(latest, task, path)
            if sources:
                lines += [f"### Learning curves, task {task}", "",
                          f"![learning curves {task}]({rel(path)})", "",
                          "From: " + ", ".join(f"`{s}`" for s in sources), ""]
            else:
                notes.append(f"no learning curve for task {task}: no points.csv")
        for kind, predicate in (
                ("best classical model", lambda r: not r.is_cnn and not r.is_dummy),
                ("CNN", lambda r: r.is_cnn)):
            run = _best(latest, predicate)
            if run is None:
                notes.append(f"no confusion matrix for the {kind}: no run file "
                             "holds one")
                continue
            path = figures / f"confusion_{_slug(run.model)}.png"
            plot_confusion(run, path)
            lines += [f"### Composer confusion matrix, {kind}: {run.model} / "
                      f"{run.features} ({run.task})", "",
                      f"![confusion {run.model}]({rel(path)})", "",
                      f"From: `{run.source}`", ""]
        chosen = []
        for kind, predicate in (
                ("classical model", lambda r: not r.is_cnn and not r.is_dummy),
                ("CNN", lambda r: r.is_cnn)):
            candidates = [r for r in latest if predicate(r)
                          and per_instrument_accuracy_of(r)]
            if candidates:
                chosen.append(max(candidates, key=lambda r: (
                    _score(r, "instruments"), _order(r))))
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
    markdown = render_report(results, out, plots=not args.no_plots)
    print(f"wrote {out} from {len(load_runs(results))} run files")
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
