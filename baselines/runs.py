"""Run files: ``points.csv``, ``curve.png``, ``run.json``, and resumable points.

A *run* is one invocation of a command; its files live in
``<out>/<run name>/``:

- ``points.csv``: every point of the learning curve, one row per (train
  size, epoch, seed, split), a column per metric;
- ``curve.png``: train and validation score, mean and spread over seeds;
- ``run.json``: arguments, seed, package versions, dataset fingerprint, wall
  time, peak memory, ``fit_seconds``, ``predict_seconds_per_1000``,
  ``train_windows`` and the final held-out ``metrics`` under stable keys;
- ``points/<key>.json``: each finished point, keyed by a hash of everything
  that determines it, so a rerun (or a run with more train sizes or seeds)
  reuses what is done.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import resource
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "POINT_COLUMNS",
    "stable_hash",
    "package_versions",
    "peak_memory_mb",
    "PointStore",
    "write_json",
    "write_points_csv",
    "plot_curves",
]

#: Leading columns of ``points.csv``; metric columns follow, sorted.
POINT_COLUMNS = ("model", "task", "features", "train_windows", "epoch", "seed", "split")


def stable_hash(payload, n=12) -> str:
    """A short hash of a JSON-able payload (key order does not matter)."""
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:n]


def package_versions() -> dict:
    """Versions of Python and the packages a run's numbers depend on."""
    from importlib import metadata

    versions = {"python": platform.python_version()}
    for name in ("music-baselines", "numpy", "scipy", "scikit-learn", "imbalanced-learn",
                 "librosa", "joblib", "pandas", "dask", "distributed"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


def peak_memory_mb() -> float:
    """Peak resident memory of this process plus its waited-for children (MB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if platform.system() == "Darwin":  # bytes there, KiB on Linux
        return (own + children) / 2**20
    return (own + children) / 1024.0


def _atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path, payload) -> Path:
    """Write ``payload`` as indented JSON, atomically."""
    path = Path(path)
    _atomic_write_text(path, json.dumps(_jsonable(payload), indent=2, sort_keys=False) + "\n")
    return path


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    return value


class PointStore:
    """Finished points of a run folder, one JSON file each.

    Parameters
    ----------
    directory : path-like
        The run folder; points go to ``directory/points/``.
    """

    def __init__(self, directory):
        self.directory = Path(directory) / "points"

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def get(self, key: str):
        """The stored result of ``key``, or None."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None  # half-written or damaged: recompute

    def put(self, key: str, result: dict) -> None:
        write_json(self.path(key), result)


def write_points_csv(rows, path) -> pd.DataFrame:
    """Write the rows of every point, sorted so that equal runs give equal files."""
    frame = pd.DataFrame(list(rows))
    metric_columns = sorted(c for c in frame.columns if c not in POINT_COLUMNS)
    frame = frame[[c for c in POINT_COLUMNS if c in frame.columns] + metric_columns]
    frame = frame.sort_values(
        ["train_windows", "epoch", "seed", "split"], kind="stable"
    ).reset_index(drop=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.6g")
    return frame


def plot_curves(points: pd.DataFrame, metric: str, path, *, title="") -> Path:
    """Train and validation ``metric``: mean and spread (min-max) over seeds.

    One panel against the number of training windows (final epoch of each
    size); a second panel against the epoch when the points have epochs.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = points["epoch"].max()
    final = points[points["epoch"] == points.groupby("train_windows")["epoch"].transform("max")]
    has_epochs = epochs > 1
    fig, axes = plt.subplots(1, 2 if has_epochs else 1, figsize=(10 if has_epochs else 6, 4),
                             squeeze=False)

    def panel(ax, frame, x, xlabel):
        for split, colour in (("train", "tab:blue"), ("validation", "tab:orange")):
            part = frame[frame["split"] == split]
            if part.empty:
                continue
            stats = part.groupby(x)[metric].agg(["mean", "min", "max"]).sort_index()
            ax.plot(stats.index, stats["mean"], "o-", color=colour, label=split)
            ax.fill_between(stats.index, stats["min"], stats["max"], color=colour, alpha=0.2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(alpha=0.3)
        ax.legend()

    panel(axes[0, 0], final, "train_windows", "training windows")
    if has_epochs:
        largest = points[points["train_windows"] == points["train_windows"].max()]
        panel(axes[0, 1], largest, "epoch", "epoch (largest train size)")
    fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
