"""Where every on-disk cache of the project lives: one function, one place.

``features`` sits below ``baselines`` (it never imports it), so the cache
root is computed here and ``baselines`` (the rendered corpora, the frame
cache, the benchmarks' data) asks this module.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_root"]


def cache_root() -> Path:
    """The cache folder of music-baselines.

    ``$MUSIC_BASELINES_CACHE`` if set, else ``$XDG_CACHE_HOME/music-baselines``
    (``~/.cache/music-baselines`` by default).  Read on every call, so a test
    or a user can point it elsewhere through the environment.
    """
    override = os.environ.get("MUSIC_BASELINES_CACHE")
    if override:
        return Path(override).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "music-baselines"
