"""The fused 140 x T image and its beat-synchronous version."""

from __future__ import annotations

import numpy as np
import pytest

from features.chroma import MelChroma
from features.fused import BeatSyncMelChroma, beat_synchronous, fused_image


def click_track(seconds=8.0, bpm=120.0, sr=22050):
    t = np.arange(int(seconds * sr)) / sr
    y = 0.1 * np.sin(2 * np.pi * 330 * t)
    clicks = np.zeros_like(t)
    clicks[(np.arange(0, seconds, 60.0 / bpm) * sr).astype(int)] = 1.0
    y += np.convolve(clicks, np.exp(-np.arange(600) / 60.0))[: t.size]
    return y.astype(np.float32)


def test_fused_image_is_mel_over_chroma():
    y = click_track(4.0)
    image = fused_image(y)
    assert image.shape == (140, 1 + len(y) // 512)
    expected = MelChroma(output="image").fit_transform(y[None])[0, 0]
    np.testing.assert_array_equal(image, expected)
    assert image[:128].max() == 0.0 and image[128:].max() == pytest.approx(1.0)


def test_beat_synchronous_medians_between_beats_on_a_click_track():
    image = fused_image(click_track(8.0, bpm=120.0))
    synced = beat_synchronous(image)
    # 8 s at 120 BPM: about 16 beats, so about 16 segments (+1 before the first beat)
    assert synced.shape[0] == 140 and 13 <= synced.shape[1] <= 18
    fixed = beat_synchronous(image, n_beats=24)
    assert fixed.shape == (140, 24)
    np.testing.assert_array_equal(fixed[:, :synced.shape[1]], synced)
    assert not fixed[:, synced.shape[1]:].any()  # zero padding past the last segment


def test_beat_synchronous_falls_back_to_equal_segments_without_beats():
    image = np.zeros((140, 40), np.float32)
    image[128:, :20] = 1.0  # constant log-mel: no onsets, no beats
    image[128:, 20:] = 3.0
    out = beat_synchronous(image, sr=22050, hop_length=512, n_beats=4)
    # four equal segments of 10 frames: medians 1, 1, 3, 3 on the chroma rows
    np.testing.assert_array_equal(out[128:], np.repeat([[1.0, 1.0, 3.0, 3.0]], 12, axis=0))
    with pytest.raises(ValueError, match="must be \\(n_mels \\+ n_chroma, t\\)"):
        beat_synchronous(np.zeros((100, 5), np.float32))


def test_beat_sync_extractor_shapes_and_names():
    y = click_track(10.0)
    ext = BeatSyncMelChroma(n_beats=6, output="image")
    windows = np.stack([y[:5 * 22050], y[5 * 22050:]])
    out = ext.fit_transform(windows)
    assert out.shape == (2, 1, 140, 6)
    flat = BeatSyncMelChroma(n_beats=6).fit(windows)
    names = flat.get_feature_names_out()
    assert len(names) == 140 * 6 and names[0] == "logmel_beat_01_t000"
    assert names[-1] == "chroma_beat_12_t005"
    with pytest.raises(ValueError, match="n_beats=0"):
        BeatSyncMelChroma(n_beats=0).fit(windows)


def test_fused_statistics_equal_summary_statistics_but_the_first_mfcc_level():
    from features.fused_stats import FusedStatistics
    from features.stats import SummaryStatistics

    y = click_track(6.0)
    windows = np.stack([y[:3 * 22050], y[3 * 22050:]])
    # The arrays hold mel and chroma only: FMA's 406 statistics (`stats-406`),
    # without the rhythm and key-chroma blocks the audio door's `stats` adds.
    audio_door = SummaryStatistics(rhythm=False, key_chroma=False).fit(windows)
    expected = audio_door.transform(windows)
    images = MelChroma(output="image").fit_transform(windows)
    array_door = FusedStatistics().fit(images)
    got = array_door.transform(images)
    names = audio_door.get_feature_names_out()
    assert list(array_door.get_feature_names_out()) == list(names)
    # dB re the window's maximum instead of re 1.0 shifts mfcc 1's level only
    shifted = np.isin(names, [f"mfcc_{s}_01" for s in ("mean", "median", "min", "max")])
    np.testing.assert_allclose(got[:, ~shifted], expected[:, ~shifted], atol=2e-3, rtol=1e-3)
    offset = got[:, shifted] - expected[:, shifted]
    np.testing.assert_allclose(offset, offset[:, :1] * np.ones((1, 4)), atol=1e-2)
    assert np.all(np.abs(offset) > 1.0)
    with pytest.raises(ValueError, match=r"must be \(n_windows, 140, t\)"):
        array_door.transform(np.zeros((2, 128, 20), np.float32))
