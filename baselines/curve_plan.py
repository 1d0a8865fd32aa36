"""Plan a learning curve: check the arguments, load the data, name the run.

:func:`plan_curve` does everything a learning curve needs before any model
is fitted and returns a :class:`CurvePlan`: the task (asked, never named),
the loaded dataset, the extractor, the train sizes and seeds, the held-out
windows (drawn once with a fixed seed, the same for every model), the run's
identity and folder, and the key of every (train size, seed) point, so that
finished points are reused by a rerun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from baselines import runs
from baselines.models import MODELS, make_model
from baselines.tasks import Task, get_task

__all__ = [
    "DEFAULT_TRAIN_SIZES",
    "DEFAULT_WINDOWS_PER_CLASS",
    "DEFAULT_EPOCHS",
    "BACKENDS",
    "CurvePlan",
    "plan_curve",
    "parse_train_sizes",
]

DEFAULT_TRAIN_SIZES = "0.1,0.325,0.55,0.775,1.0"
#: Training windows per balanced class (per composer on MusicNet) and epoch.
DEFAULT_WINDOWS_PER_CLASS = 255
DEFAULT_EPOCHS = 3
BACKENDS = ("loky", "threading", "sequential", "dask")


def parse_train_sizes(text, max_windows) -> list[int]:
    """``"0.1,0.5,1.0"`` (fractions of ``max_windows``) or ``"100,400"``."""
    sizes = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            value = float(part)
        except ValueError:
            raise ValueError(f"train size {part!r} is not a number") from None
        if value <= 0:
            raise ValueError(f"train size {part!r} must be positive")
        if "." in part or "e" in part.lower():
            if value > 1:
                raise ValueError(f"fractional train size {part!r} must be in (0, 1]")
            value = max(1, int(round(value * max_windows)))
        sizes.append(int(value))
    return sorted(set(sizes))


@dataclass
class CurvePlan:
    """Everything decided before fitting.

    Attributes
    ----------
    model : str
        Registry name (:data:`baselines.models.MODELS`).
    task : Task
    features, dataset : str
        Feature set and ``--dataset`` names.
    data : baselines.datasets.Dataset
    extractor : features extractor
    sizes, seeds : list of int
    epochs : int
    eval_windows : Windows
        The held-out windows, drawn once.
    y_eval : np.ndarray
        Their targets, in the task's encoding.
    args : dict
        The arguments as ``run.json`` records them.
    identity : dict
        Everything that determines a point (hashed into point keys).
    run_dir : Path
    protocol : dict
        ``{"name": "official"}`` or ``{"name": "cv", "folds": k, "repeats": r}``
        (:mod:`baselines.curve_cv`).
    tune : bool
        Choose the model's ``param_grid`` setting by grouped CV inside each
        point's training windows (:mod:`baselines.tuning`).
    """

    model: str
    task: Task
    features: str
    dataset: str
    data: object
    extractor: object
    sizes: list
    seeds: list
    epochs: int
    cap_strategy: str
    batch_size: int
    model_params: dict
    grid: float
    eval_windows: object
    y_eval: object
    args: dict
    identity: dict
    run_dir: Path
    store: runs.PointStore = field(repr=False, default=None)
    protocol: dict = field(default_factory=lambda: {"name": "official"})
    tune: bool = False

    @property
    def streaming(self) -> bool:
        return MODELS[self.model].streaming

    def point_key(self, size, seed) -> str:
        """The key of point (train size, seed): a hash of all that determines it."""
        return runs.stable_hash(dict(self.identity, train_sizes=None, n_seeds=None, seed=None,
                                     point=[size, seed], streaming=self.streaming))

    def todo(self) -> list:
        """The (train size, seed) points not finished yet."""
        return [(size, s) for size in self.sizes for s in self.seeds
                if self.store.get(self.point_key(size, s)) is None]


def _check_arguments(model, task, backend, scheduler, epochs, n_seeds, eval_windows):
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}; valid models: {', '.join(MODELS)}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid backends: {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise ValueError("--scheduler needs --backend dask")
    for name, value in (("epochs", epochs), ("n_seeds", n_seeds), ("eval_windows", eval_windows)):
        if int(value) < 1:
            raise ValueError(f"{name}={value} must be a positive integer")


def _check_sizes(sizes, data, grid):
    available = data.max_training_windows(grid)
    if sizes[-1] > available:
        raise ValueError(
            f"train size {sizes[-1]} is larger than the {available} training windows "
            f"available ({len(data.train)} training recordings, {data.length:g} s windows)"
        )
    if sizes[0] < len(data.classes):
        raise ValueError(
            f"train size {sizes[0]} is smaller than the number of classes "
            f"({len(data.classes)})"
        )


def _load(task, dataset, root, *, seed, progress, n_jobs, **options):
    from baselines.data.registry import get_dataset
    from baselines.datasets import load_dataset

    task.check_dataset_kind(get_dataset(dataset).kind, dataset)
    # Options left at None are the loader's defaults; a loader of another
    # kind need not know MusicNet's class filter.
    options = {k: v for k, v in options.items() if v is not None}
    data = load_dataset(dataset, root=root, seed=seed, progress=progress, n_jobs=n_jobs,
                        **options)
    task.check_dataset(data)
    return data


def plan_curve(model, *, task="composer", features="stats", dataset=None, root=None,
               train_sizes=DEFAULT_TRAIN_SIZES, epochs=DEFAULT_EPOCHS, windows_per_epoch=None,
               seed=0, n_seeds=3, eval_seed=0, eval_windows=100, cap_strategy="under-over",
               batch_size=1000, backend="loky", scheduler=None, out="results",
               min_composer_recordings=None, min_instrument_recordings=None,
               model_params=None, progress=True, n_jobs=1, protocol=None, folds=5,
               repeats=1, tune=False) -> CurvePlan:
    """Check the arguments, load the data and decide the run; fits nothing.

    Parameters mirror ``python -m baselines.learning_curve --help``;
    ``dataset=None`` is the task's embedded default; ``protocol=None`` is
    ``"cv"`` (grouped k-fold, ``folds`` x ``repeats``) on an embedded
    corpus and ``"official"`` (the corpus's own split) elsewhere.

    Raises
    ------
    ValueError
        Unknown model, task, dataset, backend or feature set; a dataset the
        task cannot read; train sizes out of range.
    """
    from baselines.datasets import make_feature_extractor

    from baselines.data.registry import get_dataset

    task = get_task(task)
    _check_arguments(model, task, backend, scheduler, epochs, n_seeds, eval_windows)
    dataset = task.default_dataset if dataset is None else dataset
    protocol = resolve_protocol(protocol, get_dataset(dataset), root, folds, repeats)
    model_params = dict(model_params or {})
    make_model(model, task.target_kind, **model_params)  # unknown params fail here, early
    extractor = make_feature_extractor(features)
    data = _load(task, dataset, root, seed=seed, progress=progress, n_jobs=n_jobs,
                 min_composer_recordings=min_composer_recordings,
                 min_instrument_recordings=min_instrument_recordings)
    grid = extractor.hop_length / extractor.sr
    if windows_per_epoch is None:
        # Three times the study's cap of 85 per composer: on the default
        # corpus every model gained from it (sgd-log 0.29 -> 0.31 composer
        # accuracy at 3 epochs), and an epoch still takes seconds.
        windows_per_epoch = DEFAULT_WINDOWS_PER_CLASS * len(data.classes)
    sizes = parse_train_sizes(train_sizes, windows_per_epoch)
    _check_sizes(sizes, data, grid)
    eval_w = data.evaluation_windows(n_per_recording=eval_windows, grid=grid,
                                     random_state=eval_seed)
    args = dict(model=model, task=task.name, features=features, dataset=dataset,
                root=str(root) if root else None, train_sizes=sizes, epochs=int(epochs),
                windows_per_epoch=int(windows_per_epoch), seed=int(seed), n_seeds=int(n_seeds),
                eval_seed=int(eval_seed), eval_windows=int(eval_windows),
                cap_strategy=cap_strategy, batch_size=int(batch_size),
                min_composer_recordings=min_composer_recordings,
                min_instrument_recordings=min_instrument_recordings,
                model_params=model_params)
    if protocol["name"] == "cv":
        # Only cv and tuning enter the identity: official, untuned runs keep
        # their names and points.
        args["protocol"] = protocol
    if tune:
        args["tune"] = True
    identity = dict(args, dataset_fingerprint=data.fingerprint,
                    extractor=repr(extractor.get_params()))
    # Sizes and seeds are left out of the name: a rerun with more of them
    # lands in the same folder and reuses the points it has.
    named = {k: v for k, v in identity.items() if k not in ("train_sizes", "n_seeds", "seed")}
    run_dir = Path(out) / f"{model}-{task.name}-{features}-{dataset}-{runs.stable_hash(named, 8)}"
    return CurvePlan(
        model=model, task=task, features=features, dataset=dataset, data=data,
        extractor=extractor, sizes=sizes, seeds=[int(seed) + i for i in range(int(n_seeds))],
        epochs=int(epochs), cap_strategy=cap_strategy, batch_size=int(batch_size),
        model_params=model_params, grid=grid, eval_windows=eval_w,
        y_eval=task.targets(data, eval_w), args=args, identity=identity, run_dir=run_dir,
        store=runs.PointStore(run_dir), protocol=protocol, tune=bool(tune),
    )


def resolve_protocol(protocol, reader, root, folds, repeats) -> dict:
    """The protocol as a dict; ``None``: cv on an embedded corpus, else official."""
    if protocol is None:
        embedded = reader.default_root is not None and root is None
        protocol = "cv" if embedded else "official"
    if protocol == "official":
        return {"name": "official"}
    if protocol != "cv":
        raise ValueError(f"protocol={protocol!r} must be 'official' or 'cv'")
    for name, value, least in (("folds", folds, 2), ("repeats", repeats, 1)):
        if int(value) < least:
            raise ValueError(f"{name}={value} must be an integer >= {least}")
    return {"name": "cv", "folds": int(folds), "repeats": int(repeats)}
