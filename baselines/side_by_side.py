"""The side-by-side table: the best classical model and each CNN, per task.

For each task (and corpus: runs on other data never share a row group), one
row for the classical model with the best headline metric (dummies left
out) and one row per CNN run, with

- the task's headline metric (the name each record carries),
- ``fit s``: the record's ``fit_seconds``, the wall seconds its training
  took (the classical models: one fit at the largest train size, mean over
  seeds; the CNN: every epoch, evaluation left out),
- ``s to 95 %``: seconds of training until the learning curve first reaches
  95 % of the run's final headline metric, read from ``points.csv``: the
  validation rows, averaged over seeds per (train size, epoch), and the
  cheapest of them, by ``fit_seconds``, that reaches 95 %.  A classical
  point's ``fit_seconds`` is its own fit (each train size is a fit from
  scratch; a streaming model's epochs accumulate), a CNN point's the
  cumulative training seconds at that epoch;
- the device (``cpu`` for the classical models, the CNN's ``device`` block).

It reads run records only (:mod:`baselines.records`).  Where the figure
cannot be had it is left empty and :func:`side_by_side_table`'s ``notes``
say why: ``points.csv`` missing or without ``fit_seconds`` (points written
before that column existed; the CNN's older ``seconds`` column is the same
figure and is read instead), or a final metric that is not positive (95 %
of it means nothing).  A headline metric where lower is better
(:func:`lower_is_better`) picks the smallest as the best classical model
and has no ``s to 95 %``.
"""

from __future__ import annotations

import math
import re

import pandas as pd

__all__ = ["FRACTION", "FORMATS", "lower_is_better", "seconds_to_fraction",
           "side_by_side_table"]

#: Share of the final metric the time-to-quality column waits for.
FRACTION = 0.95

#: Column -> format kind of :func:`baselines.report_tables.format_value`.
FORMATS = {"headline": "metric", "fit s": "seconds", "s to 95 %": "seconds",
           "held-out windows": "integer"}

_LOWER_IS_BETTER = re.compile(r"(loss|error|rmse|mae|mse)$")


def lower_is_better(metric: str) -> bool:
    """Whether a smaller ``metric`` is better (losses and errors)."""
    return bool(_LOWER_IS_BETTER.search(metric))


def _is_cnn(run) -> bool:
    # Torch runs carry a device block; nothing else does.
    return isinstance(run.get("device"), dict)


def _is_dummy(run) -> bool:
    return run["model"].lower().startswith("dummy")


def _is_reference(run) -> bool:
    # A score-level reference (the `notes` model) reads the label files, not
    # the audio: it is no classical audio baseline to set beside a CNN.
    return bool((run.get("config") or {}).get("reference"))


def _number(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def seconds_to_fraction(points, metric: str, final, *, fraction: float = FRACTION):
    """Training seconds until the curve first reaches ``fraction * final``.

    Parameters
    ----------
    points : pandas.DataFrame or None
        A run's ``points.csv``.
    metric : str
        The column to read (the run's headline metric).
    final : float or None
        The run's final value of ``metric``.
    fraction : float

    Returns
    -------
    (float or None, str or None)
        The seconds, or None and why not.
    """
    final = _number(final)
    if points is None:
        return None, "no points.csv"
    if metric not in points:
        return None, f"points.csv has no {metric} column"
    seconds = next((c for c in ("fit_seconds", "seconds") if c in points), None)
    if seconds is None:
        return None, "points.csv has no fit_seconds column (written before it existed)"
    if final is None or final <= 0 or lower_is_better(metric):
        return None, f"{FRACTION:.0%} of a final {metric} of {final} is not defined"
    rows = points
    if "split" in rows:
        rows = rows[rows["split"] == "validation"]
    keys = [c for c in ("train_windows", "epoch") if c in rows]
    curve = rows.groupby(keys)[[metric, seconds]].mean() if keys else rows
    reached = curve[curve[metric] >= fraction * final - 1e-12]
    if reached.empty:  # the final point is on the curve; rounding aside
        return None, f"no point of points.csv reaches {fraction:.0%} of {final}"
    if reached[seconds].isna().any():
        return None, "some points that reach it have no fit_seconds"
    return float(reached[seconds].min()), None


def _device(run) -> str:
    if not _is_cnn(run):
        return "cpu"
    device = run["device"]
    name = device.get("device_name")
    text = str(device.get("device", "?")) + (f" ({name})" if name else "")
    if device.get("mixed_precision"):
        text += f", {device['mixed_precision']}"
    return text


def _row(run, kind):
    metric = run["headline_metric"]
    final = run["metrics"].get(metric)
    to_fraction, why = seconds_to_fraction(run.points, metric, final)
    dataset = run.get("dataset") or {}
    return {"kind": kind, "model": run["model"], "features": run["features"],
            "metric": metric, "headline": _number(final),
            "fit s": _number(run["fit_seconds"]), "s to 95 %": to_fraction,
            "device": _device(run),
            "held-out windows": dataset.get("evaluation_windows"),
            "source": run.source}, why


def side_by_side_table(runs) -> tuple[dict, list]:
    """Per task, the best classical run and every CNN run, side by side.

    Parameters
    ----------
    runs : list of baselines.records.Run
        One run per (corpus, task, model, features): the newest, as the
        report keeps them.

    Returns
    -------
    tables : dict
        ``{(corpus name, fingerprint, task): DataFrame}`` with the columns
        ``kind, model, features, metric, headline, fit s, s to 95 %, device,
        held-out windows, source``; tasks without a CNN run are left out
        (there is nothing to set beside the classical model).
    notes : list of str
        Why a cell is empty, naming the run.
    """
    groups = {}
    for run in runs:
        key = (run["corpus_name"], run["dataset_fingerprint"], run["task"])
        groups.setdefault(key, []).append(run)
    tables, notes = {}, []
    for key in sorted(groups):
        group = groups[key]
        cnns = sorted((r for r in group if _is_cnn(r)), key=lambda r: r["model"])
        if not cnns:
            continue
        classical = [r for r in group if not _is_cnn(r) and not _is_dummy(r)
                     and not _is_reference(r)
                     and _number(r["metrics"].get(r["headline_metric"])) is not None]
        chosen = []
        if classical:
            sign = -1 if lower_is_better(classical[0]["headline_metric"]) else 1
            best = max(classical, key=lambda r: (
                sign * r["metrics"][r["headline_metric"]], r.source))
            chosen.append((best, "best classical (CPU)"))
        else:
            notes.append(f"task {key[2]}: no classical run beside the CNN")
        chosen += [(r, "CNN") for r in cnns]
        rows = []
        for run, kind in chosen:
            row, why = _row(run, kind)
            rows.append(row)
            if why:
                notes.append(f"{run.source}: no s to 95 %: {why}")
        tables[key] = pd.DataFrame(rows)
    return tables, notes
