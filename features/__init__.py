"""Audio to numbers: spectrogram images, chroma, MFCC and beat-synchronous
features as scikit-learn transformers, computed once per recording and sliced.

Every extractor has two doors onto one computation: ``transform(windows)``
and ``recording_frames(y)`` + ``from_frames(frames, starts, n_samples)``.
"""

from .allocator import keep_freed_memory
from .beat import BeatSynchronous
from .chroma import Chroma, MelChroma
from .first_pass import build_frame_cache, corpus_frames
from .frames import FrameCache, RecordingFrames, cached_recording_frames
from .keychroma import KeyChroma
from .mfcc import MFCC
from .rhythm import Rhythm
from .registry import FEATURE_SETS, make_extractor
from .spectrogram import LogMel, Spectrogram
from .stats import SummaryStatistics

__all__ = [
    "BeatSynchronous", "Chroma", "KeyChroma", "MelChroma", "MFCC", "LogMel", "Rhythm",
    "Spectrogram",
    "SummaryStatistics", "FrameCache", "RecordingFrames", "cached_recording_frames",
    "corpus_frames", "build_frame_cache", "FEATURE_SETS", "make_extractor", "keep_freed_memory",
]
