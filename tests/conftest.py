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


@pytest.fixture
def make_run_record():
    """A factory of valid run records (schema 1): keyword arguments override
    top-level fields; ``metrics`` defaults to a composer run's."""

    def make(**fields):
        record = {
            "command": "learning_curve", "model": "knn", "task": "composer",
            "features": "stats", "corpus_name": "default",
            "args": {"model": "knn", "task": "composer"}, "seed": 0, "seeds": [0, 1],
            "versions": {"python": "3.11.7"}, "dataset_fingerprint": "abc123def456",
            "finished": True, "wall_seconds": 1.5, "peak_memory_mb": 321.4,
            "fit_seconds": 0.1234, "predict_seconds_per_1000": 0.0567,
            "train_windows": 480, "headline_metric": "composer_accuracy",
            "metrics": {"composer_accuracy": 0.61234, "composer_macro_f1": 0.5,
                        "recording_accuracy": 0.75},
        }
        record.update(fields)
        return record

    return make
