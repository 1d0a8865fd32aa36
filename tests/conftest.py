"""Shared fixtures.

Audio in tests is made by the tests themselves (tones, noise, rendered notes).
The small rendered corpus is built once per machine into the user's cache
(``MUSIC_BASELINES_CACHE`` overrides it) and reused by later runs.
"""

from __future__ import annotations

import os

import pytest

# Keep numba's compiled functions between runs (librosa's first use costs
# ~28 s cold).  Set before librosa is imported anywhere.
os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    os.path.join(os.path.expanduser("~"), ".cache", "music-baselines", "numba"),
)


@pytest.fixture(scope="session")
def small_corpus_root():
    """Root folder of the small rendered default corpus (MusicNet format)."""
    from baselines.data.render import default_corpus

    return default_corpus(small=True, seed=0, n_jobs=2, progress=False)


@pytest.fixture(scope="session")
def small_corpus(small_corpus_root):
    """The small default corpus, opened with the MusicNet reader."""
    from baselines.data.musicnet import MusicNetCorpus

    return MusicNetCorpus(small_corpus_root)
