"""How models are compared: folds that respect groups, and intervals over groups.

A *group* is what must never straddle a split (a work, an album, an
artist): two movements of one work share themes, key and hand, so a model
tested on one and trained on the other is partly tested on its training
data.  This module holds pure functions on arrays of group labels:

- :func:`official_folds`: a corpus's own train/test split as one fold;
- :func:`grouped_folds`: k-fold cross-validation over all items, no group on
  both sides, repeated with seeds; ``StratifiedGroupKFold`` where the classes
  allow it, ``GroupKFold`` (shuffled) otherwise, with a warning naming why;
- :func:`score_interval`, :func:`metric_interval`: a 95 % percentile
  bootstrap interval that resamples *test groups* (never windows: windows
  of one recording, and recordings of one work, are not independent);
- :func:`paired_interval`: the same for the difference of two models scored
  on the same items, resampling both with the same groups, so what they
  share cancels (a model against itself gives exactly ``[0, 0]``);
- :func:`expand_folds`: folds of recordings as folds of their windows, so
  every model (and the score-level reference) is scored on the same folds;
- :func:`n_groups`, :func:`check_disjoint`.

With repeated cross-validation every item is tested once per repeat; pool
the rows of all repeats and pass their groups: a resampled group brings its
rows from every repeat, so the interval reflects the groups, not the
repeats.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Fold",
    "Interval",
    "ProtocolWarning",
    "check_disjoint",
    "expand_folds",
    "grouped_folds",
    "make_folds",
    "metric_interval",
    "n_groups",
    "official_folds",
    "paired_interval",
    "score_interval",
]

#: Bootstrap resamples: the 2.5 % and 97.5 % percentiles are stable to about
#: half a point of accuracy at this count.
N_BOOT = 2000


class ProtocolWarning(UserWarning):
    """The protocol fell back to a weaker choice; the message says why."""


@dataclass(frozen=True)
class Fold:
    """One train/test partition of items.

    Attributes
    ----------
    repeat, fold : int
        Which repetition (seed) and which of its folds; ``(0, 0)`` for an
        official split.
    train, test : np.ndarray of int
        Item indices.
    """

    repeat: int
    fold: int
    train: np.ndarray
    test: np.ndarray


@dataclass(frozen=True)
class Interval:
    """A point estimate and its bootstrap interval.

    Attributes
    ----------
    estimate : float
        The statistic on all items.
    low, high : float
        Percentile bounds (NaN when no resample gave a finite value).
    n_groups : int
        Groups the estimate rests on (the resampling unit).
    confidence : float
    """

    estimate: float
    low: float
    high: float
    n_groups: int
    confidence: float = 0.95

    def as_dict(self, prefix: str) -> dict:
        """``{prefix: estimate, prefix_ci_low, prefix_ci_high, prefix_n_groups}``: the
        run record's metric keys (its schema allows these suffixes)."""
        return {prefix: self.estimate, f"{prefix}_ci_low": self.low,
                f"{prefix}_ci_high": self.high, f"{prefix}_n_groups": self.n_groups}


def _codes(groups) -> tuple[np.ndarray, np.ndarray]:
    groups = np.asarray(groups)
    if groups.ndim != 1:
        raise ValueError(f"groups must be one label per item, shape (n,); got {groups.shape}")
    labels, codes = np.unique(groups, return_inverse=True)
    return labels, codes


def n_groups(groups) -> int:
    """Number of distinct groups in ``groups`` (one label per item)."""
    return len(_codes(groups)[0])


def check_disjoint(train_groups, test_groups, *, what: str = "split") -> None:
    """Raise if any group is on both sides.

    Raises
    ------
    ValueError
        Naming up to five shared groups and how many there are.
    """
    shared = sorted(set(np.asarray(train_groups).tolist()) & set(np.asarray(test_groups).tolist()),
                    key=str)
    if shared:
        listed = ", ".join(map(repr, shared[:5])) + (", ..." if len(shared) > 5 else "")
        raise ValueError(f"{len(shared)} groups are on both sides of the {what}: {listed}")


def official_folds(splits, groups=None) -> list[Fold]:
    """A corpus's own split as one fold.

    Parameters
    ----------
    splits : array-like of str [shape=(n,)]
        ``"train"`` or ``"test"`` per item.
    groups : array-like [shape=(n,)], optional
        If given, a group on both sides raises a :class:`ProtocolWarning`
        naming them (the split is the corpus's, so it is kept).

    Raises
    ------
    ValueError
        If either side is empty or a split is neither ``"train"`` nor ``"test"``.
    """
    splits = np.asarray(splits)
    bad = sorted(set(splits.tolist()) - {"train", "test"})
    if bad:
        raise ValueError(f"splits must be 'train' or 'test'; got {bad}")
    train, test = np.flatnonzero(splits == "train"), np.flatnonzero(splits == "test")
    if not len(train) or not len(test):
        raise ValueError(f"the official split needs train and test items; got {len(train)} "
                         f"train and {len(test)} test")
    if groups is not None:
        groups = np.asarray(groups)
        try:
            check_disjoint(groups[train], groups[test], what="official split")
        except ValueError as exc:
            warnings.warn(f"{exc}; kept as the corpus defines it", ProtocolWarning, stacklevel=2)
    return [Fold(0, 0, train, test)]


def _why_not_stratified(y, codes, n_splits) -> str | None:
    if y is None:
        return "no classes were given"
    y = np.asarray(y)
    if y.ndim != 1:
        return f"the targets have shape {y.shape} (multi-label), not one class per item"
    if y.dtype.kind == "f" and len(np.unique(y)) > max(20, len(y) // 2):
        return "the targets are continuous"
    thin = []
    for label in np.unique(y):
        k = len(np.unique(codes[y == label]))
        if k < n_splits:
            thin.append(f"{label} ({k})")
    if thin:
        return (f"classes with fewer groups than n_splits={n_splits} cannot be in every "
                f"test fold: {', '.join(thin)}")
    return None


def grouped_folds(groups, y=None, *, n_splits: int = 5, n_repeats: int = 1, random_state=0,
                  stratify: bool = True) -> list[Fold]:
    """Grouped k-fold cross-validation over all items, repeated with seeds.

    Parameters
    ----------
    groups : array-like [shape=(n,)]
        Group label per item; no group is ever on both sides of a fold.
    y : array-like [shape=(n,)] or None
        Class per item, for stratification.
    n_splits : int >= 2
    n_repeats : int >= 1
        Each repeat reshuffles the groups with its own seed (drawn from
        ``random_state``).
    random_state : int
    stratify : bool
        Use ``StratifiedGroupKFold`` where the classes allow: one class per
        item and every class in at least ``n_splits`` groups.  Otherwise a
        shuffled ``GroupKFold`` and a :class:`ProtocolWarning` saying why.

    Returns
    -------
    list of Fold
        ``n_repeats * n_splits`` folds; in each repeat every item is in
        exactly one test fold.

    Raises
    ------
    ValueError
        If there are fewer groups than ``n_splits``, or ``n_splits < 2``,
        ``n_repeats < 1``.
    """
    from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

    if int(n_splits) != n_splits or n_splits < 2:
        raise ValueError(f"n_splits={n_splits!r} must be an integer >= 2")
    if int(n_repeats) != n_repeats or n_repeats < 1:
        raise ValueError(f"n_repeats={n_repeats!r} must be an integer >= 1")
    _, codes = _codes(groups)
    k = codes.max() + 1 if len(codes) else 0
    if k < n_splits:
        raise ValueError(f"{k} groups cannot fill n_splits={n_splits} folds; "
                         f"lower n_splits or add groups")
    why = _why_not_stratified(y, codes, n_splits) if stratify else "stratify=False"
    if stratify and why:
        warnings.warn(f"grouped folds are not stratified: {why}; using GroupKFold",
                      ProtocolWarning, stacklevel=2)
    seeds = np.random.SeedSequence(int(random_state)).generate_state(int(n_repeats))
    dummy = np.zeros(len(codes))
    folds = []
    for repeat, seed in enumerate(seeds):
        seed = int(seed % (2 ** 31 - 1))
        if why is None:
            splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
            parts = splitter.split(dummy, np.asarray(y), codes)
        else:
            splitter = GroupKFold(n_splits, shuffle=True, random_state=seed)
            parts = splitter.split(dummy, None, codes)
        for fold, (train, test) in enumerate(parts):
            check_disjoint(codes[train], codes[test], what=f"fold {fold} of repeat {repeat}")
            folds.append(Fold(repeat, fold, np.asarray(train), np.asarray(test)))
    return folds


def expand_folds(folds, owner) -> list[Fold]:
    """Folds over owners (recordings) as folds over their items (windows).

    Parameters
    ----------
    folds : list of Fold
        Over owners ``0 .. n_owners - 1``.
    owner : array-like of int [shape=(n_items,)]
        Each item's owner index.

    Returns
    -------
    list of Fold
        Same repeats and folds; an item is on its owner's side.
    """
    owner = np.asarray(owner)
    out = []
    for fold in folds:
        in_test = np.zeros(int(owner.max(initial=-1)) + 1, dtype=bool)
        in_test[fold.test] = True
        in_train = np.zeros_like(in_test)
        in_train[fold.train] = True
        out.append(Fold(fold.repeat, fold.fold, np.flatnonzero(in_train[owner]),
                        np.flatnonzero(in_test[owner])))
    return out


def make_folds(protocol: str, *, groups, y=None, splits=None, n_splits: int = 5,
               n_repeats: int = 1, random_state=0) -> list[Fold]:
    """Folds for ``protocol``: ``"official"`` (needs ``splits``) or ``"cv"``."""
    if protocol == "official":
        if splits is None:
            raise ValueError("protocol='official' needs each item's split")
        return official_folds(splits, groups)
    if protocol == "cv":
        return grouped_folds(groups, y, n_splits=n_splits, n_repeats=n_repeats,
                             random_state=random_state)
    raise ValueError(f"protocol={protocol!r} must be 'official' or 'cv'")


# --------------------------------------------------------------------------
# Intervals


def _check_confidence(confidence):
    if not 0 < confidence < 1:
        raise ValueError(f"confidence={confidence!r} must be in (0, 1)")


def _draws(n_groups_: int, n_boot: int, random_state) -> np.ndarray:
    """``(n_boot, n_groups)`` counts: how often each group is drawn per resample."""
    rng = np.random.default_rng(random_state)
    picks = rng.integers(0, n_groups_, size=(int(n_boot), n_groups_))
    counts = np.zeros((int(n_boot), n_groups_), dtype=np.int64)
    np.add.at(counts, (np.arange(int(n_boot))[:, None], picks), 1)
    return counts


def _percentiles(values: np.ndarray, confidence: float) -> tuple[float, float]:
    values = values[np.isfinite(values)]
    if not len(values):
        return math.nan, math.nan
    alpha = (1 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def score_interval(scores, groups, *, n_boot: int = N_BOOT, confidence: float = 0.95,
                   random_state=0) -> Interval:
    """Interval of the mean of per-item scores (e.g. 1/0 correct), groups resampled.

    Parameters
    ----------
    scores : array-like of float [shape=(n,)]
    groups : array-like [shape=(n,)]
    n_boot : int
    confidence : float in (0, 1)
    random_state : int or np.random.Generator

    Returns
    -------
    Interval
    """
    _check_confidence(confidence)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    labels, codes = _codes(groups)
    if len(scores) != len(codes):
        raise ValueError(f"scores ({len(scores)}) and groups ({len(codes)}) differ in length")
    if not len(scores):
        return Interval(math.nan, math.nan, math.nan, 0, confidence)
    sums = np.bincount(codes, weights=scores, minlength=len(labels))
    sizes = np.bincount(codes, minlength=len(labels)).astype(np.float64)
    counts = _draws(len(labels), n_boot, random_state)
    means = (counts @ sums) / (counts @ sizes)
    low, high = _percentiles(means, confidence)
    return Interval(float(scores.mean()), low, high, len(labels), confidence)


def _group_index(codes: np.ndarray, n: int) -> list[np.ndarray]:
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n + 1))
    return [order[bounds[g]:bounds[g + 1]] for g in range(n)]


def _resampled(statistic: Callable[[np.ndarray], float], codes, n_boot, random_state):
    n = codes.max() + 1
    members = _group_index(codes, n)
    rng = np.random.default_rng(random_state)
    out = np.empty(int(n_boot))
    for b in range(int(n_boot)):
        idx = np.concatenate([members[g] for g in rng.integers(0, n, size=n)])
        out[b] = statistic(idx)
    return out


def metric_interval(metric: Callable, y_true, y_pred, groups, *, n_boot: int = N_BOOT,
                    confidence: float = 0.95, random_state=0) -> Interval:
    """Interval of ``metric(y_true, y_pred)`` with test groups resampled.

    Parameters
    ----------
    metric : callable
        ``metric(y_true_subset, y_pred_subset) -> float`` (macro F1, exact
        match, ...).  A resample where it is not finite is left out.
    y_true, y_pred : array-like [shape=(n, ...)]
    groups : array-like [shape=(n,)]

    Returns
    -------
    Interval
    """
    _check_confidence(confidence)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels, codes = _codes(groups)
    if not len(y_true) == len(y_pred) == len(codes):
        raise ValueError(f"y_true ({len(y_true)}), y_pred ({len(y_pred)}) and groups "
                         f"({len(codes)}) differ in length")
    estimate = float(metric(y_true, y_pred))
    stats = _resampled(lambda idx: metric(y_true[idx], y_pred[idx]), codes, n_boot, random_state)
    low, high = _percentiles(stats, confidence)
    return Interval(estimate, low, high, len(labels), confidence)


def paired_interval(metric: Callable | None, y_true, pred_a, pred_b, groups, *,
                    n_boot: int = N_BOOT, confidence: float = 0.95,
                    random_state=0) -> Interval:
    """Interval of ``metric(a) - metric(b)`` for two models scored on the same items.

    Both models are scored on the same resampled groups in every resample,
    so what the items share (easy or hard works) cancels in the difference.

    Parameters
    ----------
    metric : callable or None
        ``metric(y_true, y_pred) -> float``; ``None`` means ``pred_a`` and
        ``pred_b`` are already per-item scores whose means are compared
        (``y_true`` is then ignored; the fast path).
    y_true : array-like [shape=(n, ...)] or None
    pred_a, pred_b : array-like [shape=(n, ...)]
    groups : array-like [shape=(n,)]

    Returns
    -------
    Interval
        Of the difference a - b; a model against itself gives exactly
        ``estimate = low = high = 0``.
    """
    _check_confidence(confidence)
    labels, codes = _codes(groups)
    pred_a, pred_b = np.asarray(pred_a), np.asarray(pred_b)
    if not len(pred_a) == len(pred_b) == len(codes):
        raise ValueError(f"pred_a ({len(pred_a)}), pred_b ({len(pred_b)}) and groups "
                         f"({len(codes)}) differ in length")
    if metric is None:
        diff = pred_a.astype(np.float64) - pred_b.astype(np.float64)
        out = score_interval(diff, groups, n_boot=n_boot, confidence=confidence,
                             random_state=random_state)
        return out
    y_true = np.asarray(y_true)

    def difference(idx):
        return metric(y_true[idx], pred_a[idx]) - metric(y_true[idx], pred_b[idx])

    estimate = float(difference(np.arange(len(codes))))
    stats = _resampled(difference, codes, n_boot, random_state)
    low, high = _percentiles(stats, confidence)
    return Interval(estimate, low, high, len(labels), confidence)
