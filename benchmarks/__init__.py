"""asv benchmark suite of music-baselines (see common.py for the profiles)."""
