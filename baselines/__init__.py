"""Classical machine-learning baselines for music audio classification.

Reads recordings in MusicNet's on-disk format (``baselines.data``), draws
windows, trains scikit-learn estimators and writes learning curves and
tables under ``results/``.
"""

__version__ = "0.1.0"
