"""Tests of the default corpus builder (baselines.data.render and helpers)."""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf

from baselines.data import render
from baselines.data.ensembles import ENSEMBLE_BY_NAME, INSTRUMENT_BY_PROGRAM, PIZZICATO_PROGRAM
from baselines.data.orchestrate import assign_parts, fit_to_range, orchestrate
from baselines.data.render import (
    COMPLETE_MARKER,
    LABEL_COLUMNS,
    METADATA_COLUMNS,
    SMALL,
    CorpusSpec,
    ScoreJob,
    ScoreWarning,
    build_corpus,
    candidate_scores,
    corpus_cache_dir,
    corpus_folder_name,
    default_corpus,
    render_score,
)
from baselines.data.scores import TempoMap

# Two composers, two short recordings each: a whole build in a few seconds.
TINY = CorpusSpec(
    name="tiny",
    composers=("bach", "mozart"),
    recordings_per_composer=2,
    segment_seconds=6.0,
    min_seconds=3.0,
    max_segments=1,
    smallest_first=True,
)


def _label_path(root: Path, rec_id: int) -> Path:
    paths = list(root.glob(f"t*_labels/{rec_id}.csv"))
    assert len(paths) == 1, paths
    return paths[0]


# -- the small corpus ---------------------------------------------------------


def test_small_corpus_has_musicnet_layout(small_corpus_root):
    root = Path(small_corpus_root)
    assert root.name == corpus_folder_name(small=True, seed=0)
    assert root.name == f"corpus-v{render.BUILDER_VERSION}-small-seed0"
    assert (root / COMPLETE_MARKER).exists()
    assert not (root / ".build").exists()
    meta = pd.read_csv(root / "musicnet_metadata.csv")
    assert tuple(meta.columns) == METADATA_COLUMNS
    assert meta["id"].is_unique and meta["id"].is_monotonic_increasing
    files = {
        sub: {int(p.stem) for p in (root / sub).iterdir()}
        for sub in ("train_data", "train_labels", "test_data", "test_labels")
    }
    assert files["train_data"] == files["train_labels"]
    assert files["test_data"] == files["test_labels"]
    assert not files["train_data"] & files["test_data"]
    assert files["train_data"] | files["test_data"] == set(meta["id"])
    # Six composers, each with >= 5 recordings and some in each split.
    assert meta["composer"].nunique() >= 6
    for composer, group in meta.groupby("composer"):
        assert len(group) >= 5, composer
        test = group["id"].isin(files["test_data"])
        assert 1 <= test.sum() < len(group), composer
    assert set(meta["ensemble"]) <= set(ENSEMBLE_BY_NAME)
    assert meta["ensemble"].nunique() >= 5  # drawn, not one fixed ensemble


def test_small_corpus_audio_and_labels_agree(small_corpus_root):
    root = Path(small_corpus_root)
    meta = pd.read_csv(root / "musicnet_metadata.csv")
    for row in meta.itertuples(index=False):
        (wav,) = root.glob(f"t*_data/{row.id}.wav")
        info = sf.info(str(wav))
        assert (info.samplerate, info.channels, info.subtype) == (22050, 1, "PCM_16")
        assert info.format == "WAV"
        assert row.seconds == pytest.approx(info.frames / 22050, abs=1e-6)
        assert 10 <= row.seconds <= 21

        labels = pd.read_csv(_label_path(root, row.id))
        assert tuple(labels.columns) == LABEL_COLUMNS
        assert len(labels) > 0
        # Label times are sample indices at 44.1 kHz, inside the audio.
        assert (labels["start_time"] >= 0).all()
        assert (labels["end_time"] > labels["start_time"]).all()
        assert labels["end_time"].max() <= info.frames * 2
        assert labels["end_time"].max() > info.frames * 2 - 44100  # no long silence
        ensemble = ENSEMBLE_BY_NAME[row.ensemble]
        assert set(labels["instrument"]) <= set(ensemble.programs)
        for program, pitches in labels.groupby("instrument")["note"]:
            inst = INSTRUMENT_BY_PROGRAM[program]
            assert pitches.between(inst.low, inst.high).all(), (row.id, inst.name)
        assert (labels["end_beat"] > 0).all()  # MusicNet: end_beat is the length
        assert labels["note_value"].notna().all()


def test_small_corpus_opens_with_reader_and_summarizes(small_corpus):
    from baselines.data.summary import summarize

    assert len(small_corpus.recordings) == 36
    rec = small_corpus.recordings[0]
    assert rec.notes()["start"].max() < rec.seconds
    audio = rec.audio()
    assert audio.ndim == 1 and 0.1 < abs(audio).max() <= 1.0
    text = summarize(small_corpus)
    assert text.startswith("36 recordings")
    for composer in ("Bach", "Beethoven", "Josquin", "Mozart", "Monteverdi", "Palestrina"):
        assert f"\n{composer} " in text
    assert "\nHaydn " not in text  # two works in music21's corpus: not a class
    assert text.splitlines()[1].split()[:3] == ["composer", "works", "mvts"]
    assert "violin" in text
    with pytest.raises(ValueError, match="window_seconds=0"):
        summarize(small_corpus, window_seconds=0)


def test_rendering_is_deterministic(small_corpus_root, tmp_path):
    # Render the first Bach, Mozart and Josquin scores again, twice, and compare with
    # the corpus's own label files byte for byte.
    root = Path(small_corpus_root)
    for composer in ("bach", "mozart", "josquin"):
        ci = SMALL.composer_names().index(composer)
        source = candidate_scores(composer, SMALL, 0)[0]
        job = ScoreJob(composer, ci, 0, source, SMALL.max_segments)
        results = []
        for name in ("a", "b"):
            staging = tmp_path / f"{composer}-{name}"
            staging.mkdir()
            results.append(render_score(job, staging, spec=SMALL, seed=0))
        assert results[0] == results[1]
        assert results[0]["error"] is None
        (rec,) = results[0]["recordings"]
        a = (tmp_path / f"{composer}-a" / f"{rec['id']}.csv").read_bytes()
        b = (tmp_path / f"{composer}-b" / f"{rec['id']}.csv").read_bytes()
        assert a == b == _label_path(root, rec["id"]).read_bytes()


# -- builds, resumes, cache ---------------------------------------------------


def test_interrupted_build_resumes_to_the_same_corpus(tmp_path):
    whole = build_corpus(tmp_path / "whole", spec=TINY, n_jobs=1, progress=False)

    # An interrupted build: one score done, one recording half-written.
    partial = tmp_path / "partial"
    staging = partial / ".build"
    staging.mkdir(parents=True)
    source = candidate_scores("bach", TINY, 0)[0]
    done = render_score(ScoreJob("bach", 0, 0, source, 1), staging, spec=TINY, seed=0)
    (rec,) = done["recordings"]
    before = os.stat(staging / f"{rec['id']}.wav").st_mtime_ns
    leftover = staging / "20000.wav.tmp-12345"
    leftover.write_bytes(b"RIFF half a file")
    (staging / "20000.csv").write_text("start_time,end_time\n")  # no json: not done

    assert not (partial / COMPLETE_MARKER).exists()
    build_corpus(partial, spec=TINY, n_jobs=1, progress=False)
    assert (partial / COMPLETE_MARKER).exists()
    assert not staging.exists() and not leftover.exists()
    # The finished score was reused, not rendered again.
    assert os.stat(next(partial.glob(f"t*_data/{rec['id']}.wav"))).st_mtime_ns == before
    # Same metadata and labels as the uninterrupted build.
    assert (partial / "musicnet_metadata.csv").read_bytes() == (
        whole / "musicnet_metadata.csv").read_bytes()
    for path in whole.glob("t*_labels/*.csv"):
        assert (partial / path.relative_to(whole)).read_bytes() == path.read_bytes()
    labels = pd.read_csv(_label_path(partial, 20000))
    assert tuple(labels.columns) == LABEL_COLUMNS and len(labels) > 0

    # A complete build returns at once, even with its sources gone.
    shutil.rmtree(partial / "train_data")
    assert build_corpus(partial, spec=TINY, n_jobs=1, progress=False) == partial


def test_unreadable_score_warns_and_is_replaced(tmp_path, monkeypatch):
    real = render.candidate_scores

    def with_a_bad_score(composer, spec, seed):
        return ["bach/no-such-chorale.mxl"] + real(composer, spec, seed)

    monkeypatch.setattr(render, "candidate_scores", with_a_bad_score)
    spec = CorpusSpec(name="one", composers=("bach",), recordings_per_composer=2,
                      segment_seconds=5.0, min_seconds=3.0, max_segments=1,
                      smallest_first=True)
    with pytest.warns(ScoreWarning, match="no-such-chorale.mxl"):
        root = build_corpus(tmp_path / "c", spec=spec, n_jobs=1, progress=False)
    meta = pd.read_csv(root / "musicnet_metadata.csv")
    assert len(meta) == 2
    assert not meta["source"].str.contains("no-such").any()


def test_corpus_cache_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("MUSIC_BASELINES_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert corpus_cache_dir() == tmp_path / "home" / ".cache" / "music-baselines"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert corpus_cache_dir() == tmp_path / "xdg" / "music-baselines"
    monkeypatch.setenv("MUSIC_BASELINES_CACHE", str(tmp_path / "mine"))
    assert corpus_cache_dir() == tmp_path / "mine"

    # default_corpus looks there and reuses a finished corpus as it is.
    root = tmp_path / "mine" / corpus_folder_name(small=True, seed=3)
    root.mkdir(parents=True)
    (root / COMPLETE_MARKER).write_text("{}")
    assert default_corpus(small=True, seed=3) == root
    assert default_corpus(small=True, seed=3, cache_dir=tmp_path / "mine") == root


def test_command_line_prints_summary(small_corpus_root, capsys, monkeypatch):
    out = Path(small_corpus_root).parent
    assert render.main(["--small", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert str(small_corpus_root) in printed
    assert "36 recordings" in printed


# -- orchestration and tempo --------------------------------------------------


def test_assign_parts_fits_registers():
    quartet = ENSEMBLE_BY_NAME["String Quartet"].programs
    # Two parts: the first violin and the cello; the others stay silent.
    assert assign_parts([76.0, 48.0], quartet) == [0, 3]
    # The top part leads: the flute of a wind quintet always plays.
    quintet = ENSEMBLE_BY_NAME["Wind Quintet"].programs
    assert assign_parts([70.0, 60.0, 50.0], quintet) == [0, 3, 4]  # horn: 60
    assert assign_parts([60.0], quintet) == [3]  # one part: the best fit
    # SATB for violin, cello and piano: the cello takes the bass, the piano
    # the inner parts.
    trio = ENSEMBLE_BY_NAME["Piano Trio"].programs
    assert assign_parts([72.0, 65.0, 57.0, 48.0], trio) == [0, 2, 2, 1]
    # Solo keyboard takes everything; no keyboard: neighbours merge.
    assert assign_parts([72.0, 60.0, 48.0], (1,)) == [0, 0, 0]
    winds = ENSEMBLE_BY_NAME["Clarinet-Horn-Bassoon Trio"].programs
    assert assign_parts([80.0, 72.0, 65.0, 57.0, 48.0], winds) == [0, 0, 1, 2, 2]


def test_fit_to_range_moves_by_octaves_into_range():
    flute = INSTRUMENT_BY_PROGRAM[74]
    low_line = [40, 43, 47, 50]
    fitted = fit_to_range(low_line, 74)
    assert all(flute.fits(p) for p in fitted)
    assert all((a - b) % 12 == 0 for a, b in zip(fitted, low_line))
    # A part that mostly fits keeps its pitches; the stray note is folded in.
    assert fit_to_range([60, 64, 67, 30], 1) == [60, 64, 67, 30]
    assert fit_to_range([60, 64, 100, 20], 1) == [60, 64, 100, 32]


def test_pizzicato_renders_plucked_but_labels_the_instrument():
    parts = [[(0.0, 1.0, 76, 0.0, 1.0, "Quarter")], [(0.0, 1.0, 40, 0.0, 1.0, "Quarter")]]
    notes = orchestrate(parts, ENSEMBLE_BY_NAME["Pizzicato Strings"])
    assert {n.render_program for n in notes} == {PIZZICATO_PROGRAM}
    assert {n.instrument for n in notes} == {41, 44}
    notes = orchestrate(parts, ENSEMBLE_BY_NAME["String Quartet"])
    assert {(n.instrument, n.render_program) for n in notes} == {(41, 41), (43, 43)}


def test_tempo_map_is_piecewise_linear():
    tempo = TempoMap((0.0, 4.0), (0.5, 0.25))  # 120 then 240 quarters per minute
    assert tempo.seconds(0.0) == 0.0
    assert tempo.seconds(4.0) == pytest.approx(2.0)
    assert tempo.seconds(8.0) == pytest.approx(3.0)
    assert TempoMap.constant(60.0).seconds(3.0) == pytest.approx(3.0)


def test_no_warnings_from_a_clean_build_of_the_small_corpus(small_corpus_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert default_corpus(small=True, seed=0, n_jobs=2, progress=False) == Path(
            small_corpus_root)


# -- works and composers --------------------------------------------------------


def test_qualifying_composers_are_read_from_music21():
    from baselines.data.works import composer_works, qualifying_composers

    names = render.FULL.composer_names()
    assert names == ("bach", "beethoven", "josquin", "monteverdi", "mozart", "palestrina")
    assert qualifying_composers(max_file_bytes=render.FULL.max_file_bytes) == names
    assert sorted(composer_works("haydn")) == ["Op. 1 No. 1", "Op. 74 No. 1"]
    assert len(composer_works("mozart")) == 5


def test_work_of_reads_catalogs():
    from baselines.data.works import work_of

    assert work_of("bach/bwv244.37.mxl") == work_of("bach/bwv244.10.mxl") == "BWV 244"
    assert work_of("beethoven/opus18no1/movement2.mxl") == "Op. 18 No. 1"
    assert work_of("beethoven/opus18no3.mxl") == "Op. 18 No. 3"
    assert work_of("mozart/k458/movement4.mxl") == "K. 458"
    assert work_of("monteverdi/madrigal.4.12.mxl") == "Madrigal 4.12"
    # Palestrina: the humdrum parent-work record, not the file number.
    assert work_of("palestrina/Agnus_01.krn") == "Missa De Beata Marie Virginis (III)"
    assert work_of("palestrina/Agnus_I_01.krn") == "Missa Aeterna Christi munera"


def test_candidates_take_one_movement_per_work_first():
    from baselines.data.works import work_of

    spec = CorpusSpec(name="t", composers=("mozart",), recordings_per_composer=4,
                      segment_seconds=90.0, min_seconds=30.0, max_segments=2)
    order = candidate_scores("mozart", spec, seed=0)
    assert len(order) == 16 and len(set(order)) == 16
    assert len({work_of(s) for s in order[:5]}) == 5
    assert order != candidate_scores("mozart", spec, seed=1)


def test_small_corpus_splits_by_work_and_caps_movements(small_corpus):
    meta = small_corpus.metadata
    for composer, rows in meta.groupby("composer"):
        train = set(rows.loc[rows["split"] == "train", "catalog_name"])
        test = set(rows.loc[rows["split"] == "test", "catalog_name"])
        assert train and test and not train & test, composer
    assert meta.groupby("source").size().max() <= render.SMALL.max_segments
    assert render.FULL.max_segments == 2
