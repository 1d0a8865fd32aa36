"""The loop of frame-unit tasks: training frames -> fit -> every test frame -> scores.

Training units are frames of the training tracks with a target (each with
its context), drawn uniformly, optionally undersampled (``balance``:
imbalanced-learn's ``sampling_strategy``, on training frames only).
Offline models ``fit`` once; streaming models (the SGD family)
``partial_fit`` on fresh frames each epoch.  Evaluation predicts every frame
of each test track, optionally smooths them per track (median filter or
HMM), and hands them to the task's ``evaluate``.
"""

from __future__ import annotations

import numpy as np

from .chord_models import frame_probabilities, smooth, undersample_indices
from .data.chord_frames import draw_frames, units

__all__ = ["fit_offline", "fit_streaming", "predict_items", "score_items", "training_units"]


def training_units(items, extractor, n_frames, *, task, dataset, random_state=None,
                   balance=None):
    """``(X, y, groups)`` of ``n_frames`` training frames drawn uniformly from
    the frames with a target of all training tracks.

    Parameters
    ----------
    items : list of TrackFrames
        Training tracks only.
    extractor : features.context.FrameContext
    n_frames : int or None
        Frames drawn (without replacement); ``None`` or more than there
        are: every frame with a target.
    task : baselines.tasks.Task
        Its ``targets(dataset, (items, track_index, frame_index))`` gives ``y``.
    dataset : the loaded dataset
    random_state : int, Generator or None
    balance : str, dict, callable or None
        :func:`~baselines.chord_models.undersample_indices`'s
        ``sampling_strategy``; ``None`` keeps every drawn frame.

    Returns
    -------
    X : np.ndarray [shape=(n, n_features)], float32
    y : np.ndarray [shape=(n,)]
    groups : np.ndarray [shape=(n,)] of str (track ids)
    """
    rng = np.random.default_rng(random_state)
    ti, fi = draw_frames(items, random_state=rng)
    if n_frames is not None and len(ti) > n_frames:
        keep = np.sort(rng.choice(len(ti), size=n_frames, replace=False))
        ti, fi = ti[keep], fi[keep]
    X, _ = units(items, extractor, ti, fi)
    y = task.targets(dataset, (items, ti, fi))
    groups = np.array([items[i].track.id for i in ti], dtype=object)
    if balance is not None:
        keep = undersample_indices(y, balance, random_state=int(rng.integers(2 ** 31)))
        X, y, groups = X[keep], y[keep], groups[keep]
    return X, y, groups


def fit_offline(model, items, extractor, n_frames, *, task, dataset, random_state=None,
                balance=None):
    """Fit ``model`` on one draw of training frames; returns ``(model, n_units)``."""
    X, y, _ = training_units(items, extractor, n_frames, task=task, dataset=dataset,
                             random_state=random_state, balance=balance)
    model.fit(X, y)
    return model, len(y)


def fit_streaming(model, items, extractor, n_frames, *, task, dataset, epochs=5,
                  batch_size=1000, random_state=None, balance=None):
    """``partial_fit`` on fresh frames each epoch (``n_frames`` per epoch);
    returns ``(model, units seen)``."""
    rng = np.random.default_rng(random_state)
    classes = task.output_classes(dataset)
    seen = 0
    for _ in range(epochs):
        X, y, _ = training_units(items, extractor, n_frames, task=task, dataset=dataset,
                                 random_state=rng, balance=balance)
        order = rng.permutation(len(y))
        for b in range(0, len(order), batch_size):
            rows = order[b:b + batch_size]
            model.partial_fit(X[rows], y[rows], classes=classes)
        seen += len(y)
    return model, seen


def predict_items(model, items, extractor, *, smoothing="none"):
    """``(y_true, y_pred, groups)`` of every frame of the tracks, in order."""
    y_true, y_pred, groups = [], [], []
    for item in items:
        X = extractor.frame_features(None, values=item.values)
        y_pred.append(smooth(frame_probabilities(model, X), method=smoothing))
        y_true.append(item.targets)
        groups.append(np.full(item.n_frames, item.track.id, dtype=object))
    return np.concatenate(y_true), np.concatenate(y_pred), np.concatenate(groups)


def score_items(model, items, extractor, *, task, labels, smoothing="none", details=False):
    """The task's ``evaluate`` (and ``details`` if asked) of every test frame."""
    y_true, y_pred, groups = predict_items(model, items, extractor, smoothing=smoothing)
    metrics = task.evaluate(y_true, y_pred, groups=groups, labels=labels)
    if details and task.details is not None:
        return metrics, task.details(y_true, y_pred, groups=groups, labels=labels)
    return metrics, None
