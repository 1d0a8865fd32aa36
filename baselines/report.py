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
import os
import re
from pathlib import Path

from baselines import records
from baselines.chord_report import chord_section, is_chord_run, plot_chord_confusion
from baselines.report_plots import (_slug, confusion_of, per_instrument_accuracy_of,
                                    plot_confusion, plot_instrument_accuracy, plot_task_curves)
from baselines.report_tables import (CNN_FORMATS, REPORTED, TABLE_COLUMNS, _best_genre_run,
                                     _corpus, _get, _is_cnn, _is_dummy, _label, _latest_per_row,
                                     _markdown_table, _order, _score, ablation_tables, cnn_table,
                                     reported_table, side_by_side_section, task_tables)
from baselines.report_genre import per_class_markdown, reported_markdown

__all__ = ["REPORTED", "TABLE_COLUMNS", "task_tables", "render_report", "main"]

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
        lines += _without_interval_note(frame)
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


def _without_interval_note(frame) -> list[str]:
    """A line naming the rows whose records hold no interval for any metric
    (a row whose headline is undefined, shown "-", has nothing to bracket)."""
    cells = frame.drop(columns=[c for c in ("source",) if c in frame.columns])
    headline = [c for c in cells.columns if c not in ("model", "features")][0]

    def defined(value):
        return value is not None and str(value) not in ("-", "nan", "None", "")

    def bracketed(value):  # "0.6123 [0.52, 0.70]", not a seed list "[0]"
        return isinstance(value, str) and re.search(r"\d \[-?\d", value) is not None

    bare = [str(model) for model, (_, row) in zip(frame["model"], cells.iterrows())
            if defined(row[headline]) and not any(bracketed(v) for v in row.tolist())]
    if not bare:
        return []
    return [f"No interval in the run records of: {', '.join(bare)} (made before their "
            "command recorded one; rerunning the command as its record gives it adds "
            "the interval and the group count).", ""]


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
