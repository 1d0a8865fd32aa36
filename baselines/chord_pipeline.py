"""The chord task's loop: training frames -> fit -> every test frame -> scores.

Training units are in-vocabulary frames of the training tracks (each with
its context), drawn uniformly, optionally undersampled
(``balance``: imbalanced-learn's ``sampling_strategy``, training frames
only).  Offline models ``fit`` once; streaming models (the SGD family)
``partial_fit`` on fresh frames each epoch.  Evaluation predicts every frame
of each test track, optionally smooths them (median filter or HMM), and
scores them with :mod:`baselines.chord_metrics`, one row per smoothing.
"""

from __future__ import annotations

import numpy as np

from .chord_metrics import aggregate, collection_table, score_track
from .chord_models import frame_probabilities, smooth, undersample_indices
from .data.chord_frames import draw_frames, units
from .data.chord_labels import N_CLASSES

__all__ = ["evaluate_items", "fit_offline", "fit_streaming", "predict_track", "training_units"]


def training_units(items, extractor, n_frames: int | None, *, random_state=None, balance=None):
    """``(X, y, groups)`` of ``n_frames`` training frames drawn uniformly from
    the in-vocabulary frames of all training tracks.

    Parameters
    ----------
    items : list of TrackFrames
        Training tracks only.
    extractor : features.context.FrameContext
    n_frames : int or None
        Frames drawn (without replacement); ``None`` or more than there
        are: every in-vocabulary frame.
    random_state : int or None
    balance : str, dict, callable or None
        :func:`~baselines.chord_models.undersample_indices`'s
        ``sampling_strategy``; ``None`` keeps every drawn frame.

    Returns
    -------
    X : np.ndarray [shape=(n, n_features)], float32
    y : np.ndarray [shape=(n,)], int64
    groups : np.ndarray [shape=(n,)] of str (track ids)
    """
    rng = np.random.default_rng(random_state)
    ti, fi = draw_frames(items, random_state=rng)
    if n_frames is not None and len(ti) > n_frames:
        keep = np.sort(rng.choice(len(ti), size=n_frames, replace=False))
        ti, fi = ti[keep], fi[keep]
    X, y = units(items, extractor, ti, fi)
    groups = np.array([items[i].track.id for i in ti], dtype=object)
    if balance is not None:
        keep = undersample_indices(y, balance, random_state=int(rng.integers(2 ** 31)))
        X, y, groups = X[keep], y[keep], groups[keep]
    return X, y, groups


def fit_offline(model, items, extractor, n_frames, *, random_state=None, balance=None):
    """Fit ``model`` on one draw of training frames; returns ``(model, n_units)``."""
    X, y, _ = training_units(items, extractor, n_frames, random_state=random_state,
                             balance=balance)
    model.fit(X, y)
    return model, len(y)


def fit_streaming(model, items, extractor, n_frames, *, epochs: int = 5, batch_size: int = 2000,
                  random_state=None, balance=None):
    """``partial_fit`` on fresh frames each epoch (``n_frames`` per epoch);
    returns ``(model, units seen)``."""
    rng = np.random.default_rng(random_state)
    seen = 0
    for _ in range(epochs):
        X, y, _ = training_units(items, extractor, n_frames, random_state=rng, balance=balance)
        order = rng.permutation(len(y))
        for b in range(0, len(order), batch_size):
            rows = order[b:b + batch_size]
            model.partial_fit(X[rows], y[rows], classes=np.arange(N_CLASSES))
        seen += len(y)
    return model, seen


def predict_track(model, item, extractor, *, smoothing="none") -> np.ndarray:
    """Classes of every frame of one track (after smoothing)."""
    X = extractor.frame_features(None, values=item.values)
    return smooth(frame_probabilities(model, X), method=smoothing)


def evaluate_items(model, items, extractor, *, smoothing="none"):
    """Scores of ``model`` on every frame of the test tracks.

    Returns
    -------
    metrics : dict
        The stable keys of :data:`~baselines.chord_metrics.CHORD_METRIC_KEYS`.
    per_track : list of dict
        :func:`~baselines.chord_metrics.score_track` of each track.
    table : dict
        :func:`~baselines.chord_metrics.collection_table`.
    """
    per_track = []
    for item in items:
        predicted = predict_track(model, item, extractor, smoothing=smoothing)
        per_track.append(score_track(*item.track.chords(), predicted, hop_seconds=item.hop_seconds,
                                     seconds=item.track.seconds, collection=item.track.collection,
                                     track_id=item.track.id))
    return aggregate(per_track), per_track, collection_table(per_track)
