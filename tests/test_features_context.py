"""Frames with context and CQT frames: the two doors agree, and match librosa."""

from __future__ import annotations

import numpy as np
import pytest
from chord_helpers import synthesise

from features.context import FrameContext, beat_synchronous_frames, context_indices
from features.cqt import chroma_from_cqt, cqt_magnitude
from features.frames import FrameCache, cached_recording_frames

SR = 22050


@pytest.fixture(scope="module")
def recording():
    chords = ["C:maj", "A:min", "F:maj7", "G:7", "E:min", "D:min"]
    intervals = [[i * 1.5, (i + 1) * 1.5] for i in range(len(chords))]
    return synthesise(intervals, chords, sr=SR)


@pytest.mark.parametrize("kind,atol", [("chroma", 1e-5), ("logmel", 1e-3),
                                       ("cqt-chroma", 0.03), ("logcqt", 0.5)])
def test_both_doors_agree_at_random_offsets(recording, kind, atol):
    fc = FrameContext(kind=kind, context=2)
    n = fc.window_samples()
    rng = np.random.default_rng(0)
    starts = rng.integers(0, (len(recording) - n) // fc.hop_length, size=4) * fc.hop_length
    windows = np.stack([recording[s:s + n] for s in starts])
    by_audio = fc.fit(windows).transform(windows)
    by_frames = fc.from_frames(fc.recording_frames(recording), starts, n)
    assert by_audio.shape == by_frames.shape == (4, by_audio.shape[1])
    np.testing.assert_allclose(by_audio, by_frames, atol=atol)


def test_cqt_chroma_is_librosas_chroma_cqt(recording):
    import librosa

    C = cqt_magnitude(recording, sr=SR, hop_length=2048, n_octaves=6)
    ours = chroma_from_cqt(C)
    theirs = librosa.feature.chroma_cqt(y=recording, sr=SR, hop_length=2048, tuning=0.0,
                                        n_octaves=6, bins_per_octave=12)
    np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_frame_features_cover_every_frame_and_peak_on_the_chord(recording):
    fc = FrameContext(kind="cqt-chroma", context=1)
    frames = fc.recording_frames(recording)
    X = fc.frame_features(frames)
    assert X.shape == (frames.n_frames, 12 * 3)
    # inside the C major chord: C strongest, E and G above the typical pitch class
    centre = X[int(0.75 * SR / fc.hop_length)].reshape(12, 3)[:, 1]
    assert np.argmax(centre) == 0
    assert centre[[4, 7]].min() > np.median(centre)


def test_cqt_frames_are_cached_like_stft_frames(recording, tmp_path):
    fc = FrameContext(kind="logcqt", context=0)
    first = cached_recording_frames(fc, recording, cache=FrameCache(tmp_path))
    again = cached_recording_frames(fc, recording, cache=FrameCache(tmp_path))
    assert isinstance(again.products[fc.frame_products()[0].key], np.memmap)
    np.testing.assert_array_equal(fc.frame_features(first), fc.frame_features(again))


def test_context_indices_repeat_the_edges():
    np.testing.assert_array_equal(context_indices([0, 5], 2, 6), [[0, 0, 0, 1, 2], [3, 4, 5, 5, 5]])


def test_beat_synchronous_frames_are_segment_medians():
    F = np.arange(12, dtype=np.float32).reshape(1, 12)
    out = beat_synchronous_frames(F, [4, 8])
    np.testing.assert_array_equal(out, [[1.5] * 4 + [5.5] * 4 + [9.5] * 4])


def test_bad_parameters_and_windows_raise(recording):
    with pytest.raises(ValueError, match="kind='nope'"):
        FrameContext(kind="nope").fit(np.zeros((1, 40960), np.float32))
    with pytest.raises(ValueError, match="divisible by"):
        FrameContext(kind="logcqt", hop_length=1000).window_samples()
    fc = FrameContext(context=1)
    with pytest.raises(ValueError, match="multiple of 2 \\* hop_length"):
        fc.fit(np.zeros((1, fc.window_samples() + fc.hop_length), np.float32))


@pytest.mark.parametrize("kind", ["chroma", "logcqt", "beat-chroma"])
def test_short_windows_warn_are_padded_about_their_centre_and_both_doors_agree(recording, kind):
    # As the window extractors: a window shorter than the extractor needs (any
    # length, sklearn's checks feed a few samples) warns and is framed from
    # zero padding, here about its centre so its centre stays the unit's.
    fc = FrameContext(kind=kind, context=1)
    need, hop = fc.window_samples(), fc.hop_length
    starts = np.array([3, 7]) * hop
    for n in (need - 2 * hop, need - 2 * hop + 1, 5):
        windows = np.stack([recording[s:s + n] for s in starts])
        with pytest.warns(UserWarning, match=f"n_samples={n} are too short.*at least {need}"):
            out = fc.fit(windows).transform(windows)
        left = need // 2 - n // 2
        padded = np.zeros((2, need), np.float32)
        padded[:, left:left + n] = windows
        np.testing.assert_array_equal(out, fc.fit(padded).transform(padded))
        with pytest.warns(UserWarning, match="too short"):
            sliced = fc.from_frames(fc.recording_frames(recording), starts, n)
        np.testing.assert_array_equal(sliced, out)


def test_frame_feature_registry():
    from features.registry import FRAME_FEATURE_SETS, make_extractor

    assert set(FRAME_FEATURE_SETS) == {"chroma", "cqt-chroma", "logmel", "logcqt", "beat-chroma"}
    ext = make_extractor("logcqt", unit="frame", context=3)
    assert isinstance(ext, FrameContext) and ext.kind == "logcqt" and ext.context == 3
    with pytest.raises(ValueError, match="unknown frame feature set 'mfcc'"):
        make_extractor("mfcc", unit="frame")
