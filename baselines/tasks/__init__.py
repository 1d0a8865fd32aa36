"""The task registry: what a task predicts and how it is scored, as metadata.

A task is described the way HEAR describes one, by data rather than code
paths: the commands (learning curves, the CNN, the report) ask the
:class:`Task` and never name a task themselves.

- :class:`Task`: name, the dataset kinds it reads, the unit it predicts, the
  target kind, how a unit's annotations become estimator targets, the one
  ``evaluate`` function (flat dict of stable keys), its headline metric and
  the CNN head it needs.
- :data:`TASKS`: name -> Task, filled by :func:`register_task`.
- :func:`get_task`: the Task of a name; unknown names list the valid ones.

A family of tasks lives in one module (``baselines/tasks/musicnet.py``:
composer, instruments, joint) that calls :func:`register_task` for each;
this package imports those modules at the bottom, so ``TASKS`` is complete
once ``baselines.tasks`` is imported.

>>> from baselines.tasks import get_task
>>> get_task("composer").headline_metric
'composer_accuracy'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from baselines.named import Registry

__all__ = [
    "UNITS",
    "TARGET_KINDS",
    "Task",
    "TASKS",
    "register_task",
    "get_task",
    "task_names",
]

#: What a task predicts one answer for: a window of ``length`` seconds, one
#: frame (with context), or a whole clip.
UNITS = ("window", "frame", "clip")

#: The estimator's target: scikit-learn's multi-class ``y (n,)``, multi-label
#: indicators ``Y (n, k)``, both side by side (class in column 0), or
#: multi-target regression ``Y (n, k)`` floats.
TARGET_KINDS = ("multiclass", "multilabel", "multiclass+multilabel", "regression")


@dataclass(frozen=True)
class Task:
    """A task, as metadata and four functions.

    Attributes
    ----------
    name : str
        The ``--task`` value.
    description : str
        One line for ``--help`` and the report.
    dataset_kinds : tuple of str
        The dataset kinds (:attr:`baselines.data.registry.DatasetReader.kind`)
        the task can read.
    default_dataset : str
        The ``--dataset`` used when none is given (an embedded default, so
        the task runs on a fresh clone).
    unit : {"window", "frame", "clip"}
    target_kind : {"multiclass", "multilabel", "multiclass+multilabel", "regression"}
    headline_metric : str
        The one score learning curves show and run records name
        (``run.json["headline_metric"]``); one of ``metric_keys``.
    metric_keys : tuple of str
        The keys ``evaluate`` returns (stable: run files and the report read
        them).
    summary_keys : tuple of str
        The keys ``run.json["metrics"]`` summarises (mean and std over seeds).
    cnn_head : str or None
        The head a CNN reference needs (``baselines.cnn.model`` head name), or
        None where there is no CNN reference.
    targets : callable ``(dataset, units) -> y``
        Annotations of the units (e.g. :class:`~baselines.data.windows.Windows`)
        -> the estimator's targets, in ``target_kind``'s shape.
    output_classes : callable ``(dataset) -> classes``
        ``classes=`` of the first ``partial_fit`` (None for regression).
    evaluate : callable ``(y_true, y_pred, *, scores=None, groups=None, labels=None) -> dict``
        Validates first, then returns ``{metric key: float}`` (mir_eval's
        ``evaluate``).  ``y_true``/``y_pred`` are in the estimator's target
        shape; ``scores`` is :func:`baselines.models.label_scores` output;
        ``groups`` the unit's group (e.g. recording ids) for group-level
        metrics; ``labels`` is ``labels(dataset)``.
    labels : callable ``(dataset) -> dict``
        Names of the classes / columns (``{"composers": ..., ...}``), given to
        ``evaluate`` and ``details``.
    details : callable or None
        Same arguments as ``evaluate``; the per-class breakdown (nested dicts:
        confusion matrix, per-class F1 ...) that ``run.json`` keeps beside the
        flat metrics.
    check : callable ``(dataset) -> None`` or None
        Raises ``ValueError`` when a loaded dataset cannot serve the task
        (e.g. fewer than two instruments left after filtering).
    item_scores : callable or None
        Same arguments as ``evaluate``; for the metrics that are a mean of
        per-item scores (accuracy, exact match, a vote per recording or
        clip), ``{key: (scores, rows)}``: one score per item and, for each,
        a row of ``y_true`` it stands for (so its group can be looked up).
        Bootstrap intervals resample group sums of these instead of calling
        ``evaluate`` once per resample; the mean of ``scores`` must equal
        ``evaluate``'s value.
    """

    name: str
    description: str
    dataset_kinds: tuple
    default_dataset: str
    unit: str
    target_kind: str
    headline_metric: str
    metric_keys: tuple
    summary_keys: tuple
    cnn_head: str | None
    targets: Callable
    output_classes: Callable
    evaluate: Callable
    labels: Callable
    details: Callable | None = None
    check: Callable | None = None
    item_scores: Callable | None = None

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"task {self.name!r}: unit={self.unit!r} is not one of {UNITS}")
        if self.target_kind not in TARGET_KINDS:
            raise ValueError(
                f"task {self.name!r}: target_kind={self.target_kind!r} is not one of "
                f"{TARGET_KINDS}"
            )
        if self.headline_metric not in self.metric_keys:
            raise ValueError(
                f"task {self.name!r}: headline_metric={self.headline_metric!r} is not "
                f"among its metric_keys {self.metric_keys}"
            )
        missing = [k for k in self.summary_keys if k not in self.metric_keys]
        if missing:
            raise ValueError(f"task {self.name!r}: summary_keys {missing} not in metric_keys")

    def check_dataset_kind(self, kind: str, dataset: str = "") -> None:
        """Raise ``ValueError`` if the task cannot read a dataset of ``kind``."""
        if kind not in self.dataset_kinds:
            named = f"dataset {dataset!r} " if dataset else ""
            raise ValueError(
                f"task {self.name!r} reads dataset kinds {', '.join(self.dataset_kinds)}; "
                f"{named}is of kind {kind!r}"
            )

    def check_dataset(self, dataset) -> None:
        """Raise ``ValueError`` if a loaded dataset cannot serve the task."""
        if self.check is not None:
            self.check(dataset)


#: Every registered task, by name, in registration order.
TASKS = Registry(Task, "task")


def register_task(task: Task) -> Task:
    """Add ``task`` to :data:`TASKS`; a second task of the same name raises."""
    return TASKS.register(task)


def task_names() -> tuple:
    """The registered task names, in registration order."""
    return tuple(TASKS)


def get_task(name) -> Task:
    """The task called ``name`` (a Task is returned as is).

    Raises
    ------
    ValueError
        If no task has that name; the message lists the valid names.
    """
    return name if isinstance(name, Task) else TASKS.lookup(name)


# The task families: each module registers its tasks on import.
from baselines.tasks import musicnet  # noqa: E402,F401  (registers composer, instruments, joint)
from baselines.tasks import chords  # noqa: E402,F401  (registers chords)
from baselines.tasks import genre  # noqa: E402,F401  (registers genre, affect)
