"""The genre and affect tasks on the small style corpus, through both readers."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.datasets import load_dataset
from baselines.tasks import get_task


@pytest.fixture(scope="module")
def audio_data():
    return load_dataset("styles-small", n_jobs=2, progress=False)


@pytest.fixture(scope="module")
def array_data():
    return load_dataset("spectrograms-small", n_jobs=2, progress=False)


def test_split_by_piece_and_same_clips_in_both_readers(audio_data, array_data):
    for data in (audio_data, array_data):
        assert not {r.group for r in data.train} & {r.group for r in data.test}
        assert data.classes == ("chorale", "fiddle", "folksong", "madrigal", "mass", "quartet",
                                "trecento")
    assert [r.clip_id for r in audio_data.test] == [r.clip_id for r in array_data.test]
    assert audio_data.target_names == ("tempo_bpm", "notes_per_second", "major_key_share")


def test_genre_targets_and_scores(audio_data):
    task = get_task("genre")
    windows = audio_data.evaluation_windows(n_per_recording=3, grid=512 / 22050)
    y = task.targets(audio_data, windows)
    clip_genre = {r.id: r.genre for r in audio_data.test}
    assert [audio_data.classes[i] for i in y] == [clip_genre[i] for i in windows.recording_ids]
    labels = task.labels(audio_data)
    perfect = task.evaluate(y, y, groups=windows.recording_ids, labels=labels)
    assert perfect == {k: 1.0 for k in task.metric_keys}
    wrong = (y + 1) % len(audio_data.classes)
    assert task.evaluate(y, wrong, groups=windows.recording_ids,
                         labels=labels)["genre_clip_accuracy"] == 0.0
    detail = task.details(y, y, groups=windows.recording_ids, labels=labels)["genre"]
    assert detail["labels"] == list(audio_data.classes)
    assert np.trace(detail["confusion_matrix"]) == len(y)
    with pytest.raises(ValueError, match="differ in length"):
        task.evaluate(y, y[:-1], groups=windows.recording_ids, labels=labels)


def test_affect_targets_are_the_clip_targets(audio_data):
    task = get_task("affect")
    windows = audio_data.evaluation_windows(n_per_recording=2)
    Y = task.targets(audio_data, windows)
    by_id = {r.id: r for r in audio_data.test}
    assert Y.shape == (len(windows), 3)
    assert Y[0, 0] == by_id[int(windows.recording_ids[0])].targets["tempo_bpm"]
    out = task.evaluate(Y, Y, labels=task.labels(audio_data))
    assert out["affect_spearman_mean"] == pytest.approx(1.0)
    assert out["affect_mae_notes_per_second"] == 0.0
    with pytest.raises(ValueError, match="needs target columns"):
        task.check_dataset(load_dataset("spectrograms-small", progress=False))


def test_array_window_stats_match_audio_window_stats(audio_data, array_data):
    """The two readers' doors: the same windows give the same statistics, but
    for the first MFCC's level (dB re the clip's maximum in the arrays)."""
    from features.registry import make_extractor

    extractor = make_extractor("stats-406")  # the arrays hold FMA's 406 statistics
    windows = audio_data.evaluation_windows(n_per_recording=2, grid=512 / 22050)
    from_audio = audio_data.window_features(extractor, windows, audio_data.test,
                                           cache=audio_data.frame_cache())
    from_arrays = array_data.window_features(extractor, windows, array_data.test)
    names = extractor.fit(np.zeros((1, 5 * 22050), np.float32)).get_feature_names_out()
    level = np.isin(names, [f"mfcc_{s}_01" for s in ("mean", "median", "min", "max")])
    # The arrays' log-mel floors at -80 dB re the clip's (not the window's)
    # maximum and their edge frames see the clip around the window, so the
    # columns are close, not equal: differences in units of the columns' spread.
    z = np.abs(from_arrays - from_audio)[:, ~level] / (from_audio[:, ~level].std(axis=0) + 1e-6)
    assert np.median(z) < 0.05 and np.quantile(z, 0.9) < 0.5


@pytest.mark.parametrize("dataset,task,model", [("styles-small", "genre", "sgd-log"),
                                                ("spectrograms-small", "genre", "dummy"),
                                                ("spectrograms-targets-small", "affect", "dummy")])
def test_learning_curve_writes_stable_keys(tmp_path, dataset, task, model):
    from baselines.learning_curve import run
    from baselines.records import read_run

    run(model, task=task, dataset=dataset, train_sizes="70,140", n_seeds=1, eval_windows=3,
        epochs=1, out=str(tmp_path), progress=False, print_table=False)
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    record = read_run(folder).record
    headline = get_task(task).headline_metric
    assert record["headline_metric"] == headline and headline in record["metrics"]
    if task == "genre":
        assert 0 <= record["metrics"]["genre_clip_accuracy"] <= 1


def test_fma_loader_windows_and_features_from_mp3(tmp_path):
    from test_genre_readers import fma_row, tone, write_fma

    from features.registry import make_extractor

    rows, mp3s = [], {}
    for k, (genre, freq) in enumerate((("Rock", 220.0), ("Hip-Hop", 660.0))):
        for j in range(4):
            tid = 10 * (k + 1) + j
            rows.append(fma_row(tid, tid, "test" if j == 3 else "training", "small", genre,
                                [12 if genre == "Rock" else 21]))
            mp3s[tid] = tone(3.0, freq + 10 * j)
    root = write_fma(tmp_path / "fma", rows, mp3s)
    data = load_dataset("fma", root=root, length=2.0, progress=False)
    assert data.classes == ("Hip-Hop", "Rock") and len(data.train) == 6 and len(data.test) == 2
    assert not {r.group for r in data.train} & {r.group for r in data.test}
    windows = data.evaluation_windows(n_per_recording=2, grid=512 / 22050)
    extractor = make_extractor("stats")
    X = data.window_features(extractor, windows, data.test,
                             cache=data.frame_cache(tmp_path / "frames"))
    assert X.shape == (4, 458) and np.all(np.isfinite(X))
    y = get_task("genre").targets(data, windows)
    assert sorted(set(y.tolist())) == [0, 1]
