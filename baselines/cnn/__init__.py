"""Torch references: the MusicNet study's CNN and a small CPU variant.

torch is an optional extra: ``pip install 'music-baselines[cnn]'``.  This
``__init__`` imports nothing from torch, so ``import baselines.cnn`` and
``python -m baselines.cnn --help`` work without it; the names below are
loaded on first use.

- :mod:`baselines.cnn.model`: ``MusicNetCNN``, ``NetworkConfig``, the
  ``STUDY`` and ``SMALL`` presets, ``stage_shapes``.
- :mod:`baselines.cnn.frontend`: ``log_spectrogram`` (batched ``torch.stft``
  on the device, the features package's study image) and ``AudioBank``
  (every recording's 8 kHz audio in one tensor, windows cut by a gather).
- :mod:`baselines.cnn.train`: ``TrainConfig``, ``build_data``, ``train`` (import
  it from the module: the package attribute ``train`` is the module),
  ``predict``, ``evaluate_predictions``; :mod:`baselines.cnn.stacks`:
  ``stack_indices``, ``stack_targets``; :mod:`baselines.cnn.device`:
  ``resolve_device``, ``device_name``, ``autocast_dtype``.
- :mod:`baselines.cnn.run` and ``python -m baselines.cnn --task joint
  --device auto``: the command, writing ``points.csv``, ``curve.png`` and
  ``run.json`` as the learning-curve command does.
- The genre collections' networks: :mod:`baselines.cnn.genre_model`
  (``FusedCNN`` on 140 x T windows, ``BeatLSTM`` on beat sequences),
  :mod:`baselines.cnn.genre_train` and ``python -m baselines.cnn.genre
  --task genre|affect --network cnn|lstm`` (``python -m baselines.cnn
  --task genre`` hands over to it).
"""

import importlib

INSTALL_HINT = (
    "the CNN needs torch: pip install 'music-baselines[cnn]'  "
    "(CPU-only build: pip install torch --index-url "
    "https://download.pytorch.org/whl/cpu)"
)

_LAZY = {
    "MusicNetCNN": "model", "NetworkConfig": "model", "STUDY": "model",
    "SMALL": "model", "PRESETS": "model", "stage_shapes": "model",
    "log_spectrogram": "frontend", "AudioBank": "frontend",
    "TrainConfig": "train", "build_data": "train",
    "predict": "train", "evaluate_predictions": "train",
    "stack_indices": "stacks", "stack_targets": "stacks",
}

__all__ = ["INSTALL_HINT", "torch_available", *_LAZY]


def torch_available() -> bool:
    """Whether torch can be imported (without importing it)."""
    import importlib.util
    import sys

    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    return importlib.util.find_spec("torch") is not None


def __getattr__(name):
    if name in _LAZY:
        if not torch_available():
            raise ImportError(INSTALL_HINT)
        module = importlib.import_module(f"{__name__}.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
