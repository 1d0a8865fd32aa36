"""Short names for the command line's ``--features`` -> extractor factories.

``stats`` (default tabular set: FMA's statistics plus rhythm and
key-normalised chroma), ``stats-406`` (FMA's statistics alone, for the
ablation), ``rhythm``, ``key-chroma``, ``mfcc``, ``chroma``, ``logmel``,
``mel-chroma``, ``mel-chroma-beat`` (median between beats), ``spectrogram`` (MusicNet study preset, 8 kHz, 129 x 313 for
5 s), ``spectrogram-128`` (the same resized to 128 x 312), ``beat-mfcc``.

``FRAME_FEATURE_SETS``: the frame-level units of frame tasks (chords), one
frame with +-k frames of context (:class:`~features.context.FrameContext`):
``chroma``, ``cqt-chroma``, ``logmel``, ``logcqt``, ``beat-chroma``.
"""

from __future__ import annotations

from functools import partial

from .beat import BeatSynchronous
from .chroma import Chroma, MelChroma
from .context import KINDS as _CONTEXT_KINDS
from .context import FrameContext
from .fused import BeatSyncMelChroma
from .keychroma import KeyChroma
from .mfcc import MFCC
from .rhythm import Rhythm
from .spectrogram import LogMel, Spectrogram
from .stats import SummaryStatistics

__all__ = ["FEATURE_SETS", "FRAME_FEATURE_SETS", "make_extractor"]

FEATURE_SETS = {
    "stats": SummaryStatistics,
    "stats-406": partial(SummaryStatistics, rhythm=False, key_chroma=False),
    "rhythm": Rhythm,
    "key-chroma": KeyChroma,
    "mfcc": MFCC,
    "chroma": Chroma,
    "logmel": LogMel,
    "mel-chroma": MelChroma,
    "mel-chroma-beat": BeatSyncMelChroma,
    "spectrogram": partial(Spectrogram, sr=8000, n_fft=256, hop_length=128),
    "spectrogram-128": partial(Spectrogram, sr=8000, n_fft=256, hop_length=128, shape=(128, 312)),
    "beat-mfcc": BeatSynchronous,
}

FRAME_FEATURE_SETS = {kind: partial(FrameContext, kind=kind) for kind in _CONTEXT_KINDS}


def make_extractor(name: str, *, unit: str = "window", **params):
    """A new extractor by short name.

    Parameters
    ----------
    name : str
        One of ``FEATURE_SETS`` (``unit="window"``) or ``FRAME_FEATURE_SETS``
        (``unit="frame"``).
    unit : {"window", "frame"}, default="window"
    **params
        Constructor parameters (librosa names), overriding the preset.

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones).

    Examples
    --------
    >>> make_extractor("mfcc", n_mfcc=13).n_mfcc
    13
    """
    if unit not in ("window", "frame"):
        raise ValueError(f"unit={unit!r} must be 'window' or 'frame'")
    sets = FRAME_FEATURE_SETS if unit == "frame" else FEATURE_SETS
    try:
        factory = sets[name]
    except KeyError:
        raise ValueError(f"unknown {'frame ' if unit == 'frame' else ''}feature set {name!r}; "
                         f"valid names: "
                         f"{', '.join(sorted(sets))}") from None
    return factory(**params)
