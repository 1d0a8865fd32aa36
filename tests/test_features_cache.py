"""Frames computed once: disk cache keyed by audio and frame parameters,
atomic writes, one shared STFT, parallel resumable corpus extraction."""

from __future__ import annotations

import os

import numpy as np
import pytest
import soundfile as sf

import features.frames as frames_module
from features import MFCC, Chroma, LogMel
from features.first_pass import corpus_frames
from features.frames import FrameCache, cached_recording_frames

SR = 22050


def _tone(seconds=4, f=440.0, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(SR * seconds)) / SR
    return (0.5 * np.sin(2 * np.pi * f * t) + 0.01 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.fixture
def wav(tmp_path):
    path = tmp_path / "rec.wav"
    sf.write(path, _tone(), SR, subtype="FLOAT")
    return path


@pytest.fixture
def count_stft(monkeypatch):
    calls = []
    real = frames_module._recording_stft

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(frames_module, "_recording_stft", counting)
    return calls


def test_same_params_hit_and_memory_map(wav, tmp_path, count_stft):
    cache = FrameCache(tmp_path / "cache")
    ext = MFCC()
    first = cached_recording_frames(ext, wav, cache=cache)
    again = cached_recording_frames(MFCC(), wav, cache=cache)
    assert len(count_stft) == 1
    assert isinstance(again.audio, np.memmap)
    assert all(isinstance(v, np.memmap) for v in again.products.values())
    starts = np.array([0, 512 * 20])
    np.testing.assert_array_equal(ext.from_frames(first, starts, SR), ext.from_frames(again, starts, SR))
    # window-level parameters share the frames: n_mfcc is not a frame parameter
    cached_recording_frames(MFCC(n_mfcc=13, deltas=1), wav, cache=cache)
    assert len(count_stft) == 1


def test_changed_params_or_audio_miss(wav, tmp_path, count_stft):
    cache = FrameCache(tmp_path / "cache")
    cached_recording_frames(MFCC(), wav, cache=cache)
    cached_recording_frames(MFCC(n_mels=64), wav, cache=cache)  # new product
    cached_recording_frames(MFCC(hop_length=256), wav, cache=cache)  # new STFT
    assert len(count_stft) == 3
    # New audio of the same size: the key changes with the file's mtime.
    st = os.stat(wav)
    sf.write(wav, _tone(f=880.0), SR, subtype="FLOAT")
    os.utime(wav, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    fresh = cached_recording_frames(MFCC(), wav, cache=cache)
    assert len(count_stft) == 4
    np.testing.assert_allclose(fresh.audio, _tone(f=880.0), atol=1e-6)
    # Arrays are keyed by their samples.
    a = cached_recording_frames(MFCC(), _tone(), cache=cache)
    b = cached_recording_frames(MFCC(), _tone(f=330.0), cache=cache)
    assert a.key != b.key and len(count_stft) == 6


def test_interrupted_write_is_ignored(wav, tmp_path, count_stft, monkeypatch):
    cache = FrameCache(tmp_path / "cache")
    real_save = np.save

    def dying_save(fh, arr, *a, **k):
        real_save(fh, arr[: arr.shape[0] // 2], *a, **k)  # half written, then killed
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        cached_recording_frames(MFCC(), wav, cache=cache)
    monkeypatch.setattr(np, "save", real_save)
    assert not list(cache.directory.rglob("*.npy"))  # no half file under a final name
    frames = cached_recording_frames(MFCC(), wav, cache=cache)
    assert frames.audio.shape == (len(_tone()),) and len(count_stft) == 2
    # A stray temporary file from a killed process is never read.
    (cache.path(frames.key) / "audio.npy.x1.tmp").write_bytes(b"garbage")
    assert cached_recording_frames(MFCC(), wav, cache=cache).key == frames.key
    assert len(count_stft) == 2


def test_shared_stft_runs_once(wav, tmp_path, count_stft):
    extractors = [LogMel(), Chroma(), MFCC()]
    frames = cached_recording_frames(extractors, wav, cache=tmp_path / "c")
    assert len(count_stft) == 1
    y = frames.audio
    starts = np.array([0, 512 * 30])
    for ext in extractors:
        X = np.stack([y[s:s + SR] for s in starts])
        np.testing.assert_allclose(ext.from_frames(frames, starts, SR), ext.transform(X),
                                   atol=1e-4 * max(1, np.abs(ext.transform(X)).max()))
    with pytest.raises(ValueError, match="one \\(sr, n_fft, hop_length\\)"):
        cached_recording_frames([MFCC(), MFCC(hop_length=256)], wav, cache=tmp_path / "c")


def test_corpus_frames_parallel_and_resumes(tmp_path, count_stft):
    paths = []
    for i in range(3):
        p = tmp_path / f"r{i}.wav"
        sf.write(p, _tone(seconds=2, f=200.0 * (i + 1)), SR, subtype="FLOAT")
        paths.append(p)
    cache = FrameCache(tmp_path / "cache")
    # "interrupted" after the first recording
    cached_recording_frames(MFCC(), paths[0], cache=cache)
    out = corpus_frames(MFCC(), paths, cache=cache, n_jobs=2, progress=False)
    assert [f.n_samples for f in out] == [2 * SR] * 3
    assert out[0].key == cached_recording_frames(MFCC(), paths[0], cache=cache).key
    again = corpus_frames(MFCC(), paths, cache=cache, n_jobs=1, progress=False)
    assert [f.key for f in again] == [f.key for f in out]
    assert len(count_stft) == 1  # the workers' STFTs ran in other processes; none here after


def test_default_cache_location(monkeypatch, tmp_path):
    monkeypatch.setenv("MUSIC_BASELINES_CACHE", str(tmp_path / "mb"))
    assert FrameCache().directory == tmp_path / "mb" / "frames"
    monkeypatch.delenv("MUSIC_BASELINES_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert FrameCache().directory == tmp_path / "xdg" / "music-baselines" / "frames"


class _SpyAudio:
    """A recording's audio that records which samples are read."""

    def __init__(self, y):
        self.y, self.read = y, 0
        self.shape, self.ndim = y.shape, 1

    def __getitem__(self, index):
        out = self.y[index]
        self.read += out.size
        return out


def test_drawing_windows_reads_only_edge_samples():
    y = _tone(seconds=30)
    ext = MFCC()
    frames = ext.recording_frames(y)
    spy = _SpyAudio(y)
    frames.audio = spy
    starts = np.arange(8) * 512 * 100
    out = ext.from_frames(frames, starts, 5 * SR)
    np.testing.assert_allclose(out, ext.transform(np.stack([y[s:s + 5 * SR] for s in starts])),
                               atol=1e-3)
    # two edge stretches of about n_fft samples per window, never the window
    assert 0 < spy.read <= len(starts) * 2 * 2 * 2048 < len(y) // 10


def test_files_are_resampled_to_the_extractor_rate(tmp_path):
    path = tmp_path / "hi.wav"
    sf.write(path, np.repeat(_tone(seconds=2), 2), 2 * SR, subtype="FLOAT")
    frames = cached_recording_frames(MFCC(), path, cache=tmp_path / "c")
    assert frames.sr == SR and abs(frames.n_samples - 2 * SR) <= 2
