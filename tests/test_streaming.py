"""Streaming: balancing by index, fresh seeded epochs, training data only."""

import numpy as np
import pytest

from baselines.streaming import (
    FrameSource,
    StreamingSampler,
    balance_indices,
    window_features,
)


def counts(y, idx):
    values, n = np.unique(np.asarray(y)[idx], return_counts=True)
    return dict(zip(values.tolist(), n.tolist()))


Y = np.array(["a"] * 50 + ["b"] * 20 + ["c"] * 5)


def test_under_over_gives_every_class_the_cap():
    idx = balance_indices(Y, cap=10, random_state=0)
    assert counts(Y, idx) == {"a": 10, "b": 10, "c": 10}
    # undersampling never repeats; only "c" (5 windows) is oversampled
    assert len(set(idx[Y[idx] == "a"])) == 10
    assert len(set(idx[Y[idx] == "c"])) == 5


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("under", {"a": 10, "b": 10, "c": 5}),
        ("over", {"a": 50, "b": 50, "c": 50}),
        ("none", {"a": 50, "b": 20, "c": 5}),
        ("under:not minority", {"a": 5, "b": 5, "c": 5}),
        ("over:minority", {"a": 50, "b": 20, "c": 50}),
        ({"a": 7, "c": 9}, {"a": 7, "b": 20, "c": 9}),
        (lambda y: {"b": 3}, {"a": 50, "b": 3, "c": 5}),
    ],
)
def test_strategies_follow_imblearn_semantics(strategy, expected):
    idx = balance_indices(Y, cap=10, strategy=strategy, random_state=0)
    assert counts(Y, idx) == expected


def test_balance_is_seeded():
    np.testing.assert_array_equal(balance_indices(Y, cap=10, random_state=3),
                                  balance_indices(Y, cap=10, random_state=3))
    assert not np.array_equal(balance_indices(Y, cap=10, random_state=3),
                              balance_indices(Y, cap=10, random_state=4))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"strategy": "sideways"}, "strategy='sideways' is not one of"),
        ({"cap": 0}, "cap=0 must be a positive integer"),
        ({"strategy": {"z": 3}}, "classes not present"),
    ],
)
def test_bad_balance_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        balance_indices(Y, **kwargs)


@pytest.fixture(scope="module")
def dataset(small_corpus_root):
    from baselines.datasets import load_dataset

    return load_dataset("small", root=small_corpus_root, progress=False)


@pytest.fixture(scope="module")
def extractor():
    from baselines.datasets import make_feature_extractor

    return make_feature_extractor("stats")


def sampler_for(dataset, extractor, **kwargs):
    params = dict(composers=dataset.composers, programs=dataset.programs, cap=12,
                  batch_size=25, random_state=0)
    params.update(kwargs)
    return StreamingSampler(dataset.train, extractor, **params)


def test_epochs_are_balanced_fresh_and_reproducible(dataset, extractor):
    sampler = sampler_for(dataset, extractor)
    first = sampler.epoch_windows(0)
    assert counts(first.composers.astype(str), slice(None)) == {
        c: 12 for c in dataset.composers}
    again = sampler_for(dataset, extractor).epoch_windows(0)
    np.testing.assert_array_equal(first.starts, again.starts)
    np.testing.assert_array_equal(first.recording_ids, again.recording_ids)
    second = sampler.epoch_windows(1)
    assert not np.array_equal(first.starts, second.starts)
    # starts on the hop grid, so frame slicing is exact
    hops = first.starts * extractor.sr / extractor.hop_length
    np.testing.assert_allclose(hops, np.round(hops), atol=1e-6)


def test_resampling_touches_only_training_recordings(dataset, extractor):
    test_ids = {r.id for r in dataset.test}
    train_ids = {r.id for r in dataset.train}
    assert test_ids and not test_ids & train_ids
    sampler = sampler_for(dataset, extractor, cap=40)
    for epoch in range(3):
        ids = set(sampler.epoch_windows(epoch).recording_ids.tolist())
        assert ids <= train_ids and not ids & test_ids
    sample = dataset.training_windows(120, grid=extractor.hop_length / extractor.sr)
    assert not set(sample.recording_ids.tolist()) & test_ids


def test_batches_slice_cached_frames_like_transform(dataset, extractor, tmp_path):
    sampler = sampler_for(dataset, extractor, cache=tmp_path)
    windows = sampler.epoch_windows(0)
    batches = list(sampler.iter_batches(0))
    assert [len(b[0]) for b in batches] == [25, 25, 22]
    X = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    Y = np.concatenate([b[2] for b in batches])
    assert X.dtype == np.float32 and len(X) == len(windows)
    assert [dataset.composers[i] for i in y] == windows.composers.tolist()
    np.testing.assert_array_equal(Y, windows.instruments)
    # the same rows via the joblib path, and via transform of the cut audio
    np.testing.assert_allclose(
        window_features(extractor, windows, dataset.train, cache=tmp_path), X, rtol=1e-5)
    by_id = {r.id: r for r in dataset.train}
    n = int(round(windows.length * extractor.sr))
    cut = []
    for rid, start in zip(windows.recording_ids[:3], windows.starts[:3]):
        audio = by_id[rid].audio(sr=extractor.sr)
        s = int(round(start * extractor.sr))
        cut.append(audio[s:s + n])
    np.testing.assert_allclose(extractor.transform(np.stack(cut)), X[:3], rtol=1e-3, atol=1e-3)


def test_window_features_do_not_depend_on_the_batch(dataset, extractor, tmp_path):
    sampler = sampler_for(dataset, extractor, cache=tmp_path, batch_size=7)
    windows = sampler.epoch_windows(0)
    X = np.concatenate([b[0] for b in sampler.iter_batches(0)])
    source = FrameSource(extractor, dataset.train, cache=tmp_path, max_recordings_in_memory=2)
    order = np.random.default_rng(0).permutation(len(windows))
    # bit for bit, whichever batch, neighbours and recordings a window comes with
    np.testing.assert_array_equal(source.features(windows[order]), X[order])
    np.testing.assert_array_equal(source.features(windows[5:6]), X[5:6])


def test_recordings_reopen_by_key_and_recompute_removed_frames(dataset, extractor, tmp_path):
    import shutil

    from features.frames import FrameCache

    windows = sampler_for(dataset, extractor, cache=tmp_path).epoch_windows(0)[:12]
    source = FrameSource(extractor, dataset.train, cache=tmp_path, max_recordings_in_memory=1)
    X = source.features(windows)
    rid = int(windows.recording_ids[0])
    key = source.frames(rid).key
    assert key is not None and source._keys[rid] == key
    # frames removed under a known key: loaded (and computed) again, same rows
    shutil.rmtree(FrameCache(tmp_path).path(key))
    source._frames.clear()
    np.testing.assert_array_equal(source.features(windows), X)
    assert FrameCache(tmp_path).path(key).exists()


def test_memory_measurement_reports_a_peak(dataset, extractor, tmp_path):
    from baselines.models import make_model
    from performance_report.streaming_memory import measure_epoch_memory

    sampler = sampler_for(dataset, extractor, cache=tmp_path, cap=10)
    model = make_model("sgd-hinge", "composer", random_state=0)
    result = measure_epoch_memory(sampler, model=model,
                                  classes=np.arange(len(dataset.composers)))
    assert result["windows"] == 10 * len(dataset.composers)
    assert result["peak_mb"] > 0
    assert hasattr(model, "estimator_")


def test_memory_measurement_feeds_the_task_targets(dataset, extractor, tmp_path):
    from functools import partial

    from baselines.models import make_model, output_classes
    from baselines.tasks.musicnet import encode_targets
    from performance_report.streaming_memory import measure_epoch_memory

    sampler = sampler_for(dataset, extractor, cache=tmp_path, cap=10)
    model = make_model("sgd-hinge", "joint", random_state=0)
    classes = output_classes("joint", len(dataset.composers), len(dataset.programs))
    result = measure_epoch_memory(sampler, model=model, classes=classes,
                                  encode=partial(encode_targets, "joint"))
    assert result["windows"] == 10 * len(dataset.composers)
    # a joint model fitted on (composer, instruments) predicts both
    assert model.predict(np.zeros((2, model.n_features_in_)))[0].shape == (
        1 + len(dataset.programs),)


def test_sampler_validates(dataset, extractor):
    with pytest.raises(ValueError, match="no training recordings"):
        StreamingSampler([], extractor, composers=["a"], programs=[1])
    with pytest.raises(ValueError, match="composers not in composers"):
        StreamingSampler(dataset.train, extractor, composers=dataset.composers[:1],
                         programs=dataset.programs)
    with pytest.raises(ValueError, match="windows_per_epoch=2 must be an integer"):
        sampler_for(dataset, extractor, windows_per_epoch=2)
