"""What a command needs while it runs: resumable points, hashes, versions, memory.

The run's files themselves (``run.json``, ``points.csv``) belong to
:mod:`baselines.records`; the learning-curve plot to :mod:`baselines.curves`.
Here:

- ``points/<key>.json`` (:class:`PointStore`): each finished point of a
  learning curve, keyed by a hash of everything that determines it
  (:func:`stable_hash`), so a rerun (or a run with more train sizes or
  seeds) reuses what is done;
- :func:`package_versions` and :func:`peak_memory_mb`, the record's
  ``versions`` and ``peak_memory_mb``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import resource
from pathlib import Path

from baselines.curves import Curve, plot_learning_curves
from baselines.records import atomic_write_text, to_jsonable, write_points_csv

__all__ = [
    "stable_hash",
    "package_versions",
    "peak_memory_mb",
    "PointStore",
    "write_json",
    "write_points_csv",
    "plot_curves",
]


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


def write_json(path, payload) -> Path:
    """Write ``payload`` as indented JSON, atomically.

    For the point cache: NaN is kept (Python's ``json`` reads it back), so a
    resumed point averages exactly as a fresh one.  ``run.json`` is written by
    :func:`baselines.records.write_run`, never here.
    """
    text = json.dumps(to_jsonable(payload, nan_to_null=False), indent=2) + "\n"
    return atomic_write_text(path, text)


def plot_curves(points, metric: str, path, *, title="") -> Path:
    """A run's ``curve.png``: train and validation ``metric`` of its points.

    The one plotter, :func:`baselines.curves.plot_learning_curves`, drawing
    one run.
    """
    plot_learning_curves([Curve(str(points["model"].iloc[0]) if "model" in points
                                else "run", points)],
                         path, metric=metric, title=title,
                         splits=("train", "validation"))
    return Path(path)


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
