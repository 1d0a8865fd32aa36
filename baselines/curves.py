"""The learning-curve plot: one function for a run's ``curve.png`` and the
report's figure of every model of a task.

x is the number of training windows a model was fitted on, train size x
epochs (an epoch of fresh windows counts every epoch); y is a metric from
``points.csv``, the mean over seeds with the min-max spread shaded.  A run
with several train sizes gives one point per size (its last epoch); a run
with one train size (the CNN, SGD over epochs) gives one point per epoch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["Curve", "curve_points", "plot_learning_curves"]


class Curve(NamedTuple):
    """One line (per split) of the figure.

    Attributes
    ----------
    label : str
        Legend entry.
    points : pandas.DataFrame
        Rows in the ``points.csv`` layout (``train_windows``, optional
        ``epoch``, ``seed``, ``split``, and metric columns).
    linestyle : str
        Matplotlib line style (default solid).
    """

    label: str
    points: pd.DataFrame
    linestyle: str = "-"


def curve_points(points: pd.DataFrame, metric: str, *, split="validation"):
    """``(x, mean, low, high)`` arrays of ``metric`` over seeds, or None.

    Parameters
    ----------
    points : pandas.DataFrame
        ``points.csv`` rows.
    metric : str
        Column to plot.
    split : str
        Rows of this split (where the table has a ``split`` column).

    Returns
    -------
    tuple of numpy.ndarray or None
        x (windows fitted on, ascending) and the mean, min and max of
        ``metric`` at each x; None when no row has a value.
    """
    if points is None or points.empty or metric not in points:
        return None
    if "split" in points:
        points = points[points["split"] == split]
    points = points.dropna(subset=[metric]).copy()
    if points.empty:
        return None
    if "epoch" not in points:
        points["epoch"] = 1
    stats = (points.groupby(["train_windows", "epoch"])[metric]
             .agg(["mean", "min", "max"]).reset_index())
    if stats["train_windows"].nunique() > 1:
        last = stats.groupby("train_windows")["epoch"].transform("max")
        stats = stats[stats["epoch"] == last]
    stats = stats.sort_values(["train_windows", "epoch"])
    x = (stats["train_windows"] * stats["epoch"]).to_numpy()
    return x, stats["mean"].to_numpy(), stats["min"].to_numpy(), stats["max"].to_numpy()


def _pyplot():
    import matplotlib

    if os.environ.get("MPLBACKEND") is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curves(curves, path, *, metric, title="",
                         splits=("validation",), log_x=False, spread=True) -> list:
    """Draw ``metric`` of each curve against the windows fitted on.

    Parameters
    ----------
    curves : sequence of Curve
        The runs to draw, in legend order.
    path : path-like
        The PNG written (only if something is drawn).
    metric : str
        The ``points.csv`` column on the y axis.
    title : str
        Figure title.
    splits : tuple of str
        Which rows of each curve to draw (``"train"``, ``"validation"``).
    log_x : bool
        Logarithmic x axis (default False).
    spread : bool
        Shade the min-max over seeds (default True; a figure of many runs
        reads better without).

    Returns
    -------
    list of Curve
        The curves drawn (the objects passed in); empty, and no file
        written, if no curve has a point.
    """
    drawn = []
    for curve in curves:
        lines = [(split, curve_points(curve.points, metric, split=split))
                 for split in splits]
        lines = [(split, found) for split, found in lines if found is not None]
        if lines:
            drawn.append((curve, lines))
    if not drawn:
        return []
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 5) if len(drawn) > 1 else (6.5, 4))
    values = []
    for curve, lines in drawn:
        for split, (x, mean, low, high) in lines:
            label = curve.label if len(splits) == 1 else f"{curve.label}, {split}"
            line, = ax.plot(x, mean, curve.linestyle, marker="o", markersize=3,
                            label=label)
            if spread and np.any(high > low):
                ax.fill_between(x, low, high, color=line.get_color(), alpha=0.15)
            values += [low, high]
    values = np.concatenate(values)
    if values.min() >= 0 and values.max() <= 1:  # scores in [0, 1]: show all of it
        ax.set_ylim(0, 1)
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel("training windows fitted on (train size x epochs)")
    ax.set_ylabel(metric.replace("_", " ") + (" (mean, min-max over seeds)" if spread
                                              else " (mean over seeds)"))
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [curve for curve, _ in drawn]
