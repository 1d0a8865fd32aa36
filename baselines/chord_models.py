"""Chord-specific models and steps: the template floor, temporal smoothing,
undersampling of the majority chord classes.

- :class:`ChordTemplateClassifier` (``template``): binary major and minor
  triad templates matched to chroma by cosine, ``N`` when no template
  reaches ``threshold``; trains nothing (``fit`` only validates).
- :func:`smooth`: a median filter or an HMM Viterbi pass
  (``librosa.sequence.viterbi_discriminative`` with a self-transition
  prior) over a track's frame probabilities.
- :func:`undersample_indices`: imbalanced-learn's ``RandomUnderSampler`` on
  training frames only, ``sampling_strategy`` a string, a dict (a class
  asked for more than it holds is clamped, with a warning) or a callable.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .data.chord_labels import N_CLASSES, NO_CHORD

__all__ = ["ChordTemplateClassifier", "SMOOTHING", "chord_templates", "parse_balance",
           "pitch_class_profile", "smooth", "undersample_indices"]

SMOOTHING = ("none", "median", "hmm")


def chord_templates(n_chroma: int = 12) -> np.ndarray:
    """``(24, 12)`` binary triad templates: majors on C..B, then minors."""
    if n_chroma != 12:
        raise ValueError(f"n_chroma={n_chroma}: triad templates need 12 pitch classes")
    out = np.zeros((24, 12), dtype=np.float32)
    for root in range(12):
        out[root, [root, (root + 4) % 12, (root + 7) % 12]] = 1
        out[12 + root, [root, (root + 3) % 12, (root + 7) % 12]] = 1
    return out


def pitch_class_profile(X: np.ndarray) -> np.ndarray:
    """``(n, 12)``: each row's features averaged per pitch class.

    A row is read as :class:`features.context.FrameContext` flattens chroma
    with context: 12 pitch-class rows of ``n_frames`` columns, so feature
    ``j`` belongs to pitch class ``j // n_frames``.  A row of ``d`` features,
    ``d`` not a multiple of 12, is read the same way after zeros fill it to
    ``12 * ceil(d / 12)`` (the last pitch classes get fewer or no features).
    """
    n_frames = -(-X.shape[1] // 12)
    if X.shape[1] != 12 * n_frames:
        X = np.pad(X, ((0, 0), (0, 12 * n_frames - X.shape[1])))
    return X.reshape(len(X), 12, n_frames).mean(axis=2)


class ChordTemplateClassifier(ClassifierMixin, BaseEstimator):
    """Binary triad templates matched to chroma by cosine; ``N`` below a threshold.

    Input rows are chroma frames with context, laid out as
    :class:`features.context.FrameContext` flattens them (12 rows of
    ``n_frames`` columns); the frames are averaged before matching
    (:func:`pitch_class_profile`, which also reads any other feature count).
    The 25 classes are fixed: ``fit`` only checks that labels are among them,
    and every class can be predicted whatever ``y`` held.

    Parameters
    ----------
    threshold : float, default=0.5
        Predict ``N`` when the best cosine similarity is below it.
    temperature : float, default=0.05
        Softness of :meth:`predict_proba` (softmax of similarities / temperature).

    Attributes
    ----------
    classes_ : np.ndarray
        ``0..24`` (:data:`~baselines.data.chord_labels.MAJMIN_CLASSES`).
    n_features_in_ : int
    """

    #: Nothing is learned from the training frames (one learning-curve point).
    learns_from_data = False

    def __init__(self, *, threshold=0.5, temperature=0.05):
        self.threshold = threshold
        self.temperature = temperature

    def fit(self, X, y=None):
        """Validate ``X`` and ``y`` (chord class indices in 0..24); nothing is learned.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            A parameter out of range, non-finite ``X``, or a ``y`` that is not
            chord class indices (strings, continuous values, classes >= 25).
        """
        if not isinstance(self.threshold, numbers.Real) or not 0 <= self.threshold <= 1:
            raise ValueError(f"threshold={self.threshold!r} must be a number in [0, 1]")
        if not isinstance(self.temperature, numbers.Real) or not self.temperature > 0:
            raise ValueError(f"temperature={self.temperature!r} must be positive")
        if y is None:
            validate_data(self, X, dtype=np.float32)
        else:
            _, y = validate_data(self, X, y, dtype=np.float32)
            check_classification_targets(y)
            # The vocabulary is fixed: labels name the 25 classes, they are not learned.
            if y.dtype.kind not in "iuf" or not np.all(np.isin(y, np.arange(N_CLASSES))):
                shown = ", ".join(map(repr, np.unique(y)[:5].tolist()))
                raise ValueError(f"y must hold chord class indices in [0, {N_CLASSES}); got "
                                 f"labels {shown}{', ...' if len(np.unique(y)) > 5 else ''}")
        self.classes_ = np.arange(N_CLASSES)
        return self

    def decision_function(self, X):
        """Cosine similarity to each class's template; ``N`` scores ``threshold``.

        Returns
        -------
        np.ndarray [shape=(n, 25)]
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float32, reset=False)
        chroma = pitch_class_profile(X)
        norm = np.linalg.norm(chroma, axis=1, keepdims=True)
        chroma = np.divide(chroma, norm, out=np.zeros_like(chroma), where=norm > 0)
        templates = chord_templates()
        templates /= np.linalg.norm(templates, axis=1, keepdims=True)
        scores = np.empty((len(X), N_CLASSES), dtype=np.float32)
        scores[:, :24] = chroma @ templates.T
        scores[:, NO_CHORD] = self.threshold
        return scores

    def predict_proba(self, X):
        """Softmax of :meth:`decision_function` / ``temperature``."""
        z = self.decision_function(X) / np.float32(self.temperature)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, X):
        """The best-matching class (``N`` when no triad reaches ``threshold``)."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = True
        return tags


def frame_probabilities(model, X) -> np.ndarray:
    """``(n, 25)`` class probabilities of frames: ``predict_proba`` where the
    model has it, else one-hot predictions; columns follow ``0..24`` even if
    the model saw fewer classes."""
    out = np.zeros((len(X), N_CLASSES), dtype=np.float32)
    classes = np.asarray(model.classes_, dtype=np.int64)
    try:
        out[:, classes] = model.predict_proba(X)
    except AttributeError:  # hinge, perceptron (a wrapper may not tell in hasattr)
        out[np.arange(len(X)), np.asarray(model.predict(X), dtype=np.int64)] = 1.0
    return out


def smooth(probabilities, *, method: str = "none", median_frames: int = 9,
           self_transition: float = 0.9) -> np.ndarray:
    """Frame classes of one track after temporal smoothing.

    Parameters
    ----------
    probabilities : np.ndarray [shape=(n_frames, 25)]
        Frame class probabilities of one track, in time order.
    method : {"none", "median", "hmm"}
        ``"median"``: each class's probability median-filtered over
        ``median_frames`` frames, then the argmax; ``"hmm"``:
        ``librosa.sequence.viterbi_discriminative`` with a uniform prior and
        ``librosa.sequence.transition_loop(25, self_transition)``.
    median_frames : int, default=9 (odd)
    self_transition : float, default=0.9

    Returns
    -------
    np.ndarray [shape=(n_frames,)], int64
    """
    P = np.asarray(probabilities, dtype=np.float64)
    if P.ndim != 2 or P.shape[1] != N_CLASSES:
        raise ValueError(f"probabilities must have shape (n_frames, {N_CLASSES}); got {P.shape}")
    if method == "none":
        return np.argmax(P, axis=1).astype(np.int64)
    if method == "median":
        if median_frames < 1 or median_frames % 2 == 0:
            raise ValueError(f"median_frames={median_frames} must be a positive odd integer")
        from scipy.ndimage import median_filter

        return np.argmax(median_filter(P, size=(median_frames, 1), mode="nearest"), axis=1).astype(np.int64)
    if method == "hmm":
        import librosa

        if not 0 < self_transition < 1:
            raise ValueError(f"self_transition={self_transition} must be in (0, 1)")
        # a floor keeps one-hot frames (models without probabilities) decodable
        P = (P + 1e-3) / (1 + 1e-3 * N_CLASSES)
        transition = librosa.sequence.transition_loop(N_CLASSES, self_transition)
        return librosa.sequence.viterbi_discriminative(P.T, transition).astype(np.int64)
    raise ValueError(f"method={method!r} must be one of {', '.join(SMOOTHING)}")


def undersample_indices(y, sampling_strategy="auto", *, random_state=None) -> np.ndarray:
    """Indices of training frames kept after undersampling majority classes.

    Parameters
    ----------
    y : array of int [shape=(n,)]
        Frame classes (training frames only).
    sampling_strategy : str, dict or callable, default="auto"
        imbalanced-learn's ``RandomUnderSampler`` semantics: a string
        (``"auto"``, ``"majority"``, ``"not minority"``, ``"not majority"``,
        ``"all"``), a dict class -> frames to keep (the study's ``{0: 8000, 2:
        8000, ...}``), or a callable ``y -> dict``.  A dict asking for more
        frames than a class holds is clamped to what it holds (a warning
        names the classes); a class absent from ``y`` is dropped from it.
        ``"cap:<n>"`` keeps at most ``n`` frames of every class.
    random_state : int or None

    Returns
    -------
    np.ndarray [shape=(n_kept,)], int64, sorted
    """
    from imblearn.under_sampling import RandomUnderSampler

    y = np.asarray(y)
    if y.ndim != 1 or not len(y):
        raise ValueError(f"y must be a non-empty 1-d array; got shape {y.shape}")
    counts = dict(zip(*(a.tolist() for a in np.unique(y, return_counts=True))))
    strategy = sampling_strategy(y) if callable(sampling_strategy) else sampling_strategy
    if isinstance(strategy, str) and strategy.startswith("cap:"):
        cap = int(strategy.split(":", 1)[1])
        strategy = {c: min(n, cap) for c, n in counts.items()}
    if isinstance(strategy, dict):
        too_many = {c: n for c, n in strategy.items() if c in counts and n > counts[c]}
        if too_many:
            warnings.warn("sampling_strategy asks for more frames than classes hold; clamped: "
                          + ", ".join(f"class {c}: {n} -> {counts[c]}" for c, n in sorted(too_many.items())),
                          UserWarning, stacklevel=2)
        strategy = {c: min(int(n), counts[c]) for c, n in strategy.items() if c in counts}
    elif not isinstance(strategy, str):
        raise ValueError(f"sampling_strategy={sampling_strategy!r} must be a str, dict or callable")
    sampler = RandomUnderSampler(sampling_strategy=strategy, random_state=random_state)
    index, _ = sampler.fit_resample(np.arange(len(y)).reshape(-1, 1), y)
    return np.sort(index.ravel()).astype(np.int64)


def parse_balance(text):
    """A ``--balance`` value as :func:`undersample_indices` takes it.

    ``None`` or ``"none"``: no undersampling; a JSON object (``'{"0": 8000,
    "2": 8000}'``, the study's form): a dict class -> frames; anything else:
    an imblearn strategy string or ``"cap:<n>"``, passed as it is.

    Raises
    ------
    ValueError
        A JSON object whose keys or values are not integers.
    """
    if text is None or text == "none":
        return None
    if isinstance(text, str) and text.lstrip().startswith("{"):
        import json

        try:
            return {int(k): int(v) for k, v in json.loads(text).items()}
        except (ValueError, TypeError) as exc:
            raise ValueError(f"--balance {text!r}: a dict must map class indices to frame "
                             f"counts ({exc})") from None
    return text
