"""Load a dataset: the registry's reader, then the loader of its kind.

- :func:`load_dataset`: ``--dataset NAME [--root DIR]`` -> a loaded dataset
  (filtered, split by group, held-out windows drawn on demand).  The reader
  comes from :mod:`baselines.data.registry`; the loader from
  :data:`DATASET_LOADERS`, by the reader's kind.
- :func:`register_loader`: how a module of this package adds the loader of
  a dataset kind (``baselines/datasets/musicnet.py`` for the ``musicnet``
  kind); the modules are imported at the bottom of this file.
- :func:`make_feature_extractor`: the feature registry, with a clear error.

A loaded dataset has :class:`baselines.datasets.musicnet.Dataset`'s
interface: ``name``, ``root``, ``fingerprint``, ``train``/``test`` (items,
disjoint by group), ``length``, ``classes`` (what windows are balanced
over), ``frame_cache()``, ``evaluation_windows``, ``training_windows``,
``max_training_windows``, ``targets(windows)``, ``describe()``,
``summary()``.
"""

from __future__ import annotations

from baselines.data.registry import dataset_names, get_dataset

__all__ = [
    "DATASETS",
    "DATASET_LOADERS",
    "Dataset",
    "register_loader",
    "load_dataset",
    "load_musicnet",
    "make_feature_extractor",
    "feature_names",
]

#: Loaders by dataset kind: ``kind -> loader(reader, root, **options) -> dataset``.
DATASET_LOADERS: dict = {}


def register_loader(kind: str):
    """Decorator: make ``loader(reader, root, **options)`` load datasets of ``kind``.

    A loader reads the folder (``reader.open(root)``), filters it and splits
    it by group, and returns an object with :class:`Dataset`'s interface
    (``train``, ``test``, ``classes``, ``fingerprint``,
    ``evaluation_windows``, ``training_windows``, ``targets``, ...).
    """
    def register(loader):
        if kind in DATASET_LOADERS:
            raise ValueError(f"datasets of kind {kind!r} already have a loader")
        DATASET_LOADERS[kind] = loader
        return loader

    return register


def load_dataset(name="default", *, root=None, progress=True, n_jobs=-1, **options):
    """Open, filter and split the dataset ``name`` (:mod:`baselines.data.registry`).

    Parameters
    ----------
    name : str
        A registered dataset: ``default``/``small`` (the rendered default
        corpus, built on first use), ``musicnet`` (the folder ``root``), ...
    root : path-like, optional
        The dataset's folder; default its embedded default (an error where
        it has none).
    progress : bool
        Show a progress bar while an embedded default is built.
    n_jobs : int
        Parallel jobs for that build.
    **options
        The loader's (for MusicNet-kind datasets, :func:`load_musicnet`'s).

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones), a kind with no
        loader, a missing root, or the loader's errors.
    """
    reader = get_dataset(name)
    if reader.kind not in DATASET_LOADERS:
        raise ValueError(
            f"dataset {name!r} is of kind {reader.kind!r}, which has no loader; kinds "
            f"with one: {', '.join(DATASET_LOADERS)}"
        )
    root = reader.resolve_root(root, progress=progress, n_jobs=n_jobs)
    return DATASET_LOADERS[reader.kind](reader, root, **options)


def feature_names() -> tuple[str, ...]:
    """The feature sets the registry offers."""
    from features.registry import FEATURE_SETS

    return tuple(FEATURE_SETS)


def make_feature_extractor(name, **params):
    """An extractor from :mod:`features.registry` (unknown names list the valid)."""
    from features.registry import FEATURE_SETS, make_extractor

    if name not in FEATURE_SETS:
        raise ValueError(
            f"unknown features {name!r}; valid feature sets: {', '.join(FEATURE_SETS)}"
        )
    return make_extractor(name, **params)


# The loaders: each module registers the loader of its kind on import.
from baselines.datasets.musicnet import Dataset, load_musicnet  # noqa: E402
from baselines.datasets import lab  # noqa: E402,F401  (lab-kind: chord collections)

#: ``--dataset`` values at import (the registry, :mod:`baselines.data.registry`,
#: is the truth: :func:`baselines.data.registry.dataset_names`).
DATASETS = dataset_names()
