"""Torch references: the MusicNet study's CNN and a small CPU variant.

torch is an optional extra: ``pip install 'music-baselines[cnn]'``.  This
package's ``__init__`` imports nothing from torch, so ``import baselines.cnn``
and ``python -m baselines.cnn --help`` work without it; the modules that
need torch are ``baselines.cnn.model``, ``.frontend`` and ``.train``.

``python -m baselines.cnn --task joint --device auto`` trains and evaluates
(see ``baselines.cnn.__main__``).
"""

INSTALL_HINT = (
    "the CNN needs torch: pip install 'music-baselines[cnn]'  "
    "(CPU-only build: pip install torch --index-url "
    "https://download.pytorch.org/whl/cpu)"
)


def torch_available() -> bool:
    """Whether torch can be imported (without importing it twice)."""
    import importlib.util
    import sys

    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    return importlib.util.find_spec("torch") is not None
