"""The report's figures, from run records: every model's learning curves of a
task on one figure, a composer confusion matrix, per-instrument accuracy
bars.  matplotlib is imported on first use (Agg backend).
"""

from __future__ import annotations

import os

import numpy as np

from baselines.curves import Curve, plot_learning_curves
from baselines.report_tables import _get, _is_cnn, _is_dummy, _label

__all__ = ["confusion_of", "per_instrument_accuracy_of", "plot_confusion",
           "plot_instrument_accuracy", "plot_task_curves"]


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
