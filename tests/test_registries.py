"""The task and dataset registries: names, metadata, errors, and the groups
every item carries."""

import dataclasses

import numpy as np
import pytest

from baselines.data.registry import (
    DATASET_READERS,
    DatasetReader,
    dataset_names,
    get_dataset,
    register_dataset,
)
from baselines.tasks import TARGET_KINDS, TASKS, UNITS, Task, get_task, register_task


@pytest.fixture(scope="module")
def small_dataset(small_corpus_root):
    from baselines.datasets import load_dataset

    return load_dataset("small", root=small_corpus_root, progress=False)


# ---------------------------------------------------------------------------
# Tasks


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown task 'no-such-task'; valid tasks: "
                                         "composer, instruments, joint, chords, genre, affect"):
        get_task("no-such-task")


@pytest.mark.parametrize("name", ["composer", "instruments", "joint"])
def test_musicnet_tasks_declare_their_metadata(name):
    task = get_task(name)
    assert task.name == name and TASKS[name] is task
    assert task.unit in UNITS and task.target_kind in TARGET_KINDS
    assert task.headline_metric in task.metric_keys
    assert set(task.summary_keys) <= set(task.metric_keys)
    assert "musicnet" in task.dataset_kinds
    assert get_dataset(task.default_dataset).kind in task.dataset_kinds
    assert task.cnn_head == name


def test_headline_metrics_are_the_curves_of_today():
    assert {n: get_task(n).headline_metric for n in ("composer", "instruments", "joint")} == {
        "composer": "composer_accuracy",
        "instruments": "instrument_exact_match",
        "joint": "joint_exact_match",
    }


def test_a_task_with_bad_metadata_is_refused():
    composer = get_task("composer")
    with pytest.raises(ValueError, match="unit='song' is not one of"):
        dataclasses.replace(composer, unit="song")
    with pytest.raises(ValueError, match="target_kind='ranking' is not one of"):
        dataclasses.replace(composer, target_kind="ranking")
    with pytest.raises(ValueError, match="headline_metric='f2' is not among"):
        dataclasses.replace(composer, headline_metric="f2")
    with pytest.raises(ValueError, match="already registered"):
        register_task(composer)


def test_task_and_dataset_kind_mismatch_is_explained():
    composer = get_task("composer")
    composer.check_dataset_kind("musicnet")  # no error
    with pytest.raises(ValueError, match="task 'composer' reads dataset kinds musicnet; "
                                         "dataset 'beatles' is of kind 'lab'"):
        composer.check_dataset_kind("lab", "beatles")


def test_the_command_refuses_a_dataset_the_task_cannot_read(tmp_path):
    from baselines.learning_curve import run

    reader = register_dataset(DatasetReader(
        name="test-beats", kind="beats", group="track", description="a beat collection",
        open=lambda root: [], default_root=None))
    try:
        with pytest.raises(ValueError, match="reads dataset kinds musicnet; dataset "
                                             "'test-beats' is of kind 'beats'"):
            run("knn", task="composer", dataset=reader.name, root=tmp_path, out=tmp_path,
                progress=False, print_table=False)
        from baselines.datasets import load_dataset

        with pytest.raises(ValueError, match="kind 'beats', which has no loader; kinds "
                                             "with one: musicnet, lab, gtzan, fma, spectrograms"):
            load_dataset(reader.name, root=tmp_path)
    finally:
        del DATASET_READERS[reader.name]


@pytest.mark.parametrize("name", ["composer", "instruments", "joint"])
def test_targets_round_trip_and_evaluate_is_flat(name, small_dataset):
    from baselines.tasks.musicnet import decode_targets

    task = get_task(name)
    windows = small_dataset.evaluation_windows(n_per_recording=3, grid=0.01)
    y = task.targets(small_dataset, windows)
    composer, instruments = small_dataset.targets(windows)
    got_composer, got_instruments = decode_targets(name, y)
    if got_composer is not None:
        np.testing.assert_array_equal(got_composer, composer)
    if got_instruments is not None:
        np.testing.assert_array_equal(got_instruments, instruments)
    labels = task.labels(small_dataset)
    scores = task.evaluate(y, y, groups=windows.recording_ids, labels=labels)
    assert set(scores) <= set(task.metric_keys)
    assert task.headline_metric in scores
    assert all(isinstance(v, float) for v in scores.values())
    assert scores[task.headline_metric] == 1.0  # a perfect prediction
    with pytest.raises(ValueError):  # validates first: lengths differ
        task.evaluate(y, y[:-1], labels=labels)


def test_instruments_need_two_instruments(small_dataset):
    one = dataclasses.replace(
        small_dataset, filtered=dataclasses.replace(
            small_dataset.filtered, programs=small_dataset.programs[:1]))
    get_task("composer").check_dataset(one)
    with pytest.raises(ValueError, match="task 'joint' needs at least two instruments"):
        get_task("joint").check_dataset(one)


# ---------------------------------------------------------------------------
# Datasets


def test_unknown_dataset_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown dataset 'no-such-set'; valid datasets: "
                                         "default, small, musicnet, chords, chords-small, "
                                         "isophonics, styles"):
        get_dataset("no-such-set")
    from baselines.datasets import load_dataset

    with pytest.raises(ValueError, match="valid datasets: default, small, musicnet, chords, .*styles"):
        load_dataset("no-such-set")


def test_default_names_stay_and_declare_kind_and_group():
    assert dataset_names()[:3] == ("default", "small", "musicnet")
    for name in ("default", "small", "musicnet"):
        reader = get_dataset(name)
        assert reader.kind == "musicnet" and reader.group == "work"
    assert get_dataset("default").default_root is not None
    assert get_dataset("musicnet").default_root is None
    with pytest.raises(ValueError, match="already registered"):
        register_dataset(get_dataset("small"))


def test_root_resolution(tmp_path, small_corpus_root):
    musicnet = get_dataset("musicnet")
    with pytest.raises(ValueError, match="dataset 'musicnet' needs a root folder"):
        musicnet.resolve_root(None)
    with pytest.raises(ValueError, match="is not a folder"):
        musicnet.resolve_root(tmp_path / "nowhere")
    assert musicnet.resolve_root(small_corpus_root) == small_corpus_root
    # no --root: the embedded default, the same folder the fixture built
    assert get_dataset("small").resolve_root(None, progress=False) == small_corpus_root


@pytest.mark.parametrize("name", ["small", "musicnet"])
def test_every_item_has_its_group(name, small_corpus_root):
    reader = get_dataset(name)
    corpus = reader.open(reader.resolve_root(small_corpus_root))
    items = list(corpus)
    assert items
    for item in items:
        # MusicNet-kind datasets group by work (the catalog entry)
        assert reader.group == "work" and item.group == item.work != ""


def test_the_split_never_puts_a_group_on_both_sides(small_dataset):
    train = {r.group for r in small_dataset.train}
    test = {r.group for r in small_dataset.test}
    assert train and test and not train & test


@pytest.mark.parametrize("name", ["genre", "affect"])
def test_genre_tasks_declare_their_metadata(name):
    task = get_task(name)
    assert task.unit == "window" and task.cnn_head == name
    assert task.dataset_kinds == ("gtzan", "fma", "spectrograms")
    assert get_dataset(task.default_dataset).kind in task.dataset_kinds
    assert task.target_kind == ("multiclass" if name == "genre" else "regression")
    assert task.headline_metric == ("genre_clip_accuracy" if name == "genre"
                                    else "affect_spearman_mean")


@pytest.mark.parametrize("name", ["styles-small", "spectrograms-small"])
def test_genre_collection_items_carry_their_piece(name):
    reader = get_dataset(name)
    corpus = reader.open(reader.resolve_root(None, progress=False, n_jobs=2))
    items = list(corpus)
    assert items and reader.group == "piece"
    for item in items:  # the group is the music21 piece the clip was cut from
        assert "/" in item.group and item.group != item.id
