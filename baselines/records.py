"""The run record: ``run.json`` and the ``points.csv`` beside it.

A *run* is one invocation of a command that trains and scores (the
learning curve, the CNN, later tasks); its files live in ``<out>/<run>/``:

- ``run.json``: the run record, one shape for every command, fixed by the
  JSON Schema ``baselines/run_record.schema.json``: what ran (``command``,
  ``model``, ``task``, ``features``, ``corpus_name``, ``args``, seeds,
  versions, dataset fingerprint), what it cost (``wall_seconds``,
  ``peak_memory_mb``, ``fit_seconds``, ``predict_seconds_per_1000``,
  ``train_windows``, a ``device`` block for torch runs), and what it scored:
  ``metrics`` (flat, stable key -> number or null), ``headline_metric`` (the
  key a learning curve of the task plots) and ``detail`` (per-class scores,
  confusion matrices, per-instrument accuracy: one block per task family);
- ``points.csv``: every point of the learning curve, one row per (train
  size, epoch, seed, split), a column per metric.

:func:`write_run` validates before it writes (atomically; NaN and inf become
null, numpy scalars plain numbers); :func:`read_run` and :func:`load_runs`
validate what they read, and a record that fails names its file and the
problem.  Nothing else reads or writes ``run.json``.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "SCHEMA_VERSION",
    "POINT_COLUMNS",
    "RecordError",
    "Run",
    "schema",
    "validate",
    "split_metrics",
    "write_run",
    "read_run",
    "load_runs",
    "write_points_csv",
    "mean_over_folds",
    "read_points",
    "to_jsonable",
    "atomic_write_text",
]

SCHEMA_VERSION = 1
RECORD_NAME = "run.json"
POINTS_NAME = "points.csv"

#: Leading columns of ``points.csv``; metric columns follow, sorted.
POINT_COLUMNS = ("model", "task", "features", "train_windows", "epoch", "seed", "split")


class RecordError(ValueError):
    """A run record that does not follow the schema; the message names the file."""


@dataclass(frozen=True)
class Run:
    """One run as read back: its record and its learning-curve points.

    Attributes
    ----------
    path : Path
        The ``run.json`` file.
    source : str
        ``path`` relative to the folder :func:`load_runs` searched (as
        given, for :func:`read_run`), in POSIX form.
    record : dict
        The validated record.
    points : pandas.DataFrame or None
        ``points.csv`` beside it, or None where there is none.
    """

    path: Path
    source: str
    record: dict
    points: pd.DataFrame | None = None

    def __getitem__(self, key):
        return self.record[key]

    def get(self, key, default=None):
        return self.record.get(key, default)


# ---------------------------------------------------------------- schema

@lru_cache(maxsize=1)
def schema() -> dict:
    """The JSON Schema of ``run.json`` (shipped in the package)."""
    text = resources.files("baselines").joinpath("run_record.schema.json").read_text()
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator():
    import jsonschema

    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema(), format_checker=cls.FORMAT_CHECKER)


def validate(record, *, where="run record") -> dict:
    """Check ``record`` against the schema and the rules a schema cannot state.

    Parameters
    ----------
    record : dict
        A record in plain JSON types (see :func:`to_jsonable`).
    where : str
        What to call it in the message (a file name).

    Returns
    -------
    dict
        ``record`` itself.

    Raises
    ------
    RecordError
        Naming ``where``, the first offending field and the problem.
    """
    if not isinstance(record, dict):
        raise RecordError(f"{where}: a run record is a JSON object, not "
                          f"{type(record).__name__}")
    errors = sorted(_validator().iter_errors(record),
                    key=lambda e: [str(part) for part in e.absolute_path])
    if errors:
        error = errors[0]
        field = "/".join(map(str, error.absolute_path)) or "(top level)"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise RecordError(f"{where}: {field}: {error.message}{more}")
    headline = record["headline_metric"]
    if headline not in record["metrics"]:
        raise RecordError(f"{where}: headline_metric {headline!r} is not one of its "
                          f"metrics ({', '.join(sorted(record['metrics'])) or 'none'})")
    if record["seed"] not in record["seeds"]:
        raise RecordError(f"{where}: seed {record['seed']} is not one of seeds "
                          f"{record['seeds']}")
    return record


def split_metrics(result: dict) -> tuple[dict, dict]:
    """``(metrics, detail)`` of a scoring result that nests blocks in a flat dict.

    Numbers stay in ``metrics``; dict values (``{"composer": {...}}``) go to
    ``detail`` under their key.  ``metrics.evaluate`` returns that mixed
    shape; the record keeps the two apart.
    """
    metrics = {k: v for k, v in result.items() if not isinstance(v, dict)}
    detail = {k: v for k, v in result.items() if isinstance(v, dict)}
    return metrics, detail


# ---------------------------------------------------------------- writing

def to_jsonable(value, *, nan_to_null=True):
    """``value`` in plain JSON types: numpy -> Python, tuples -> lists,
    paths -> strings and (``nan_to_null``) NaN and infinities -> None."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, nan_to_null=nan_to_null) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, nan_to_null=nan_to_null) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist(), nan_to_null=nan_to_null)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Path):
        return str(value)
    if nan_to_null and isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def atomic_write_text(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename, so a
    reader never sees half a file."""
    path = Path(path)
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
    return path


def write_run(run_dir, record: dict) -> Path:
    """Validate ``record`` and write it to ``run_dir/run.json``, atomically.

    Parameters
    ----------
    run_dir : path-like
        The run's folder (created if missing).
    record : dict
        The record (see the module docstring and the schema); numpy values,
        tuples and paths are converted, NaN and infinities written as null.
        ``schema_version`` and ``written_at`` (now, UTC) are filled in when
        absent.

    Returns
    -------
    Path
        The ``run.json`` written.

    Raises
    ------
    RecordError
        If the record does not follow the schema; nothing is written.
    """
    path = Path(run_dir) / RECORD_NAME
    record = to_jsonable(record)
    record.setdefault("schema_version", SCHEMA_VERSION)
    record.setdefault("written_at",
                      datetime.now(timezone.utc).isoformat(timespec="seconds"))
    validate(record, where=f"{path} (not written)")
    text = json.dumps(record, indent=2, allow_nan=False) + "\n"
    return atomic_write_text(path, text)


def mean_over_folds(rows, keys=None) -> list[dict]:
    """Points of every fold of a cross-validation -> one point per ``keys``
    (default: the :data:`POINT_COLUMNS` present), numeric columns averaged:
    what ``points.csv`` holds for a run under ``--protocol cv``."""
    frame = pd.DataFrame(list(rows))
    if keys is None:
        keys = [c for c in POINT_COLUMNS if c in frame.columns]
    return frame.groupby(list(keys), sort=False, dropna=False).mean(numeric_only=True) \
        .reset_index().to_dict("records")


def write_points_csv(rows, path) -> pd.DataFrame:
    """Write ``points.csv``: rows sorted so that equal runs give equal files.

    Columns: :data:`POINT_COLUMNS` (those present), then the metrics, sorted.
    """
    frame = pd.DataFrame(list(rows))
    metric_columns = sorted(c for c in frame.columns if c not in POINT_COLUMNS)
    frame = frame[[c for c in POINT_COLUMNS if c in frame.columns] + metric_columns]
    frame = frame.sort_values(
        [c for c in ("train_windows", "epoch", "seed", "split") if c in frame.columns],
        kind="stable").reset_index(drop=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format="%.6g")
    return frame


# ---------------------------------------------------------------- reading

def _reject_constant(name):
    raise ValueError(f"{name} is not JSON (write null for a missing number)")


def read_run(path, *, source=None) -> Run:
    """Read and validate one run: ``run.json`` (or its folder) and its points.

    Parameters
    ----------
    path : path-like
        ``run.json`` or the folder holding it.
    source : str, optional
        The name :attr:`Run.source` gets (default: ``path`` as given).

    Raises
    ------
    RecordError
        If the file is missing, is not strict JSON (``NaN`` is not) or does
        not follow the schema; the message names the file.
    """
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    try:
        record = json.loads(path.read_text(), parse_constant=_reject_constant)
    except OSError as error:
        raise RecordError(f"{path}: cannot be read: {error.strerror or error}") from None
    except ValueError as error:
        raise RecordError(f"{path}: not valid JSON: {error}") from None
    validate(record, where=str(path))
    return Run(path=path, source=source or path.as_posix(), record=record,
               points=read_points(path.with_name(POINTS_NAME)))


def read_points(path) -> pd.DataFrame | None:
    """``points.csv`` as a DataFrame, or None if it is missing or empty.

    Raises
    ------
    RecordError
        If the file exists but is not a table with a ``train_windows``
        column.
    """
    path = Path(path)
    if not path.exists():
        return None
    try:
        points = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return None
    except (OSError, ValueError) as error:
        raise RecordError(f"{path}: not a points table: {error}") from None
    if "train_windows" not in points:
        raise RecordError(f"{path}: no train_windows column "
                          f"(columns: {', '.join(points.columns)})")
    return points


def load_runs(results_dir, *, strict=True) -> list[Run]:
    """Every run below ``results_dir`` (recursively), sorted by path.

    Parameters
    ----------
    results_dir : path-like
        Folder searched for ``run.json`` files.
    strict : bool
        Raise on the first record that fails (default); if False, warn,
        naming the file and the problem, and skip it.

    Raises
    ------
    RecordError
        If ``strict`` and a record fails :func:`read_run`.
    """
    results_dir = Path(results_dir)
    runs = []
    for path in sorted(results_dir.rglob(RECORD_NAME)):
        source = path.relative_to(results_dir).as_posix()
        try:
            runs.append(read_run(path, source=source))
        except RecordError as error:
            if strict:
                raise
            warnings.warn(f"skipped {error}", stacklevel=2)
    return runs
