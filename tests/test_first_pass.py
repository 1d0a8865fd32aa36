"""The first pass fills the frame cache the same way here and on a dask
cluster: byte-identical files; the command finds audio in folders."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from features.first_pass import audio_files, build_frame_cache, main
from features.registry import make_extractor

SR = 22050


@pytest.fixture
def recordings(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "audio"
    folder.mkdir()
    paths = []
    for i, (seconds, rate) in enumerate([(3.0, SR), (2.5, 44100), (4.0, SR)]):
        t = np.arange(int(seconds * rate)) / rate
        y = 0.3 * np.sin(2 * np.pi * (220 + 110 * i) * t) + 0.05 * rng.standard_normal(t.size)
        path = folder / f"{i}.wav"
        sf.write(path, y.astype(np.float32), rate, subtype="PCM_16")
        paths.append(path)
    return paths


def _files(directory):
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*.npy"))}


@pytest.mark.slow
def test_dask_cluster_writes_the_same_bytes_as_a_local_run(recordings, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    extractor = make_extractor("stats")
    local = tmp_path / "local"
    keys = build_frame_cache(extractor, recordings, cache=local, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote_keys = build_frame_cache(extractor, recordings, cache=tmp_path / "remote",
                                            scheduler=client, progress=False)
    assert remote_keys == keys and len(set(keys)) == len(recordings)
    here, there = _files(local), _files(tmp_path / "remote")
    # audio + mel dB + normalised chroma + tonnetz per recording
    assert len(here) == 4 * len(recordings)
    assert here.keys() == there.keys()
    assert all(here[name] == there[name] for name in here)


def test_command_builds_every_recording_once(recordings, tmp_path, capsys):
    cache = tmp_path / "cache"
    assert main([str(recordings[0].parent), "--features", "mfcc", "--cache", str(cache),
                  "--no-progress"]) == 0
    assert "3 recordings" in capsys.readouterr().out
    first = _files(cache)
    assert len(first) == 2 * len(recordings)  # audio + mel dB
    assert main([str(p) for p in recordings] + ["--features", "mfcc", "--cache", str(cache),
                                                "--no-progress"]) == 0
    assert _files(cache) == first


def test_missing_paths_are_named(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert "nowhere: no such file or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="empty: no audio file"):
        audio_files([tmp_path / "empty"])


def test_corpus_command_fills_the_cache_training_reads(tmp_path):
    from baselines.data.musicnet import MusicNetCorpus
    from baselines.data.render import default_corpus
    from baselines.first_pass import main as corpus_main
    from features.frames import FrameCache, cached_recording_frames

    root = default_corpus(small=True, progress=False)
    cache = FrameCache(tmp_path / "frames")
    assert corpus_main(["--root", str(root), "--features", "mfcc", "--cache",
                        str(cache.directory), "--no-progress"]) == 0
    recordings = MusicNetCorpus(root).recordings
    assert len(list(cache.directory.glob("*/*/audio.npy"))) == len(recordings)

    def no_decoding(source, sr):
        raise AssertionError(f"{source} was decoded again")

    # What the training side asks for is there already.
    frames = cached_recording_frames(make_extractor("mfcc"), recordings[0],
                                     load_audio=no_decoding, cache=cache)
    assert frames.n_samples > 0
