"""GTZAN, FMA and course-layout readers on folders the tests write by hand."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import soundfile as sf

from baselines.data.clips import (STUDY_20_TO_10, AudioDecodeError, GenreDataError, GenreWarning,
                                  class_mapping, clip_id)
from baselines.data.fma import FMA
from baselines.data.gtzan import GTZAN
from baselines.data.spectrograms import SpectrogramCollection

SR = 22050


def tone(seconds, freq=440.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


# ---------------------------------------------------------------- mapping

def test_clip_id_strips_folders_and_suffixes():
    assert clip_id("a/b/000123.fused.full.npy.gz") == "000123"
    assert clip_id("blues.00007.wav") == "blues.00007"
    assert clip_id("chorale.00012.fused.beat.npy") == "chorale.00012"


def test_class_mapping_from_dict_file_and_preset(tmp_path):
    m = class_mapping({"Rock": "Rock", "Punk": "Rock", "Spoken": None})
    assert m.map("Punk") == "Rock" and m.map("Spoken") is None
    with pytest.raises(GenreDataError, match=r"labels.txt, line 7: genre 'Jazz' is not in"):
        m.map("Jazz", where="labels.txt, line 7")
    text = tmp_path / "map.tsv"
    text.write_text("# genre -> class\nRock\tRock\nPunk\tRock\nSpoken\t\n")
    assert class_mapping(text).table == {"Rock": "Rock", "Punk": "Rock", "Spoken": None}
    js = tmp_path / "map.json"
    js.write_text(json.dumps({"Pop": "Pop", "Spoken": None}))
    assert class_mapping(js).map("Spoken") is None
    bad = tmp_path / "bad.tsv"
    bad.write_text("Rock\tRock\nPunk\tRock\textra\n")
    with pytest.raises(GenreDataError, match=r"bad.tsv, line 2"):
        class_mapping(bad)
    preset = class_mapping("study-20-to-10")
    assert len(STUDY_20_TO_10) == 20 and len(preset.classes) == 10
    assert preset.map("Metal") == "Rock" and preset.map("Spoken") is None


# ---------------------------------------------------------------- GTZAN

def write_gtzan(root, genres=("blues", "jazz"), n=4, seconds=2.0):
    for g, genre in enumerate(genres):
        folder = root / "genres" / genre
        folder.mkdir(parents=True)
        for i in range(n):
            sf.write(folder / f"{genre}.{i:05d}.wav", tone(seconds, 220 * (g + 1) + 10 * i), SR)
    return root


def test_gtzan_seeded_stratified_split_without_split_files(tmp_path):
    root = write_gtzan(tmp_path)
    data = GTZAN(root, seed=3)
    assert len(data) == 8 and data.genres == ["blues", "jazz"]
    assert not data.has_official_split
    for genre in data.genres:  # 0.25 of 4 clips per genre: one test clip each
        assert sum(c.split == "test" for c in data if c.genre == genre) == 1
    assert [c.id for c in GTZAN(root, seed=3)] == [c.id for c in data]
    clip = data["blues.00001"]
    assert clip.group == "blues.00001" and clip.seconds == pytest.approx(2.0)
    y = clip.audio(sr=SR)
    assert y.shape == (2 * SR,) and np.abs(y).max() == pytest.approx(0.3, abs=1e-3)


def test_gtzan_filtered_split_files_drop_unlisted_clips(tmp_path):
    root = write_gtzan(tmp_path)
    (root / "train_filtered.txt").write_text("blues/blues.00000.wav\njazz/jazz.00000.wav\n"
                                             "jazz/jazz.00001.wav\n")
    (root / "test_filtered.txt").write_text("blues/blues.00002.wav\njazz/jazz.00099.wav\n")
    with pytest.warns(GenreWarning) as record:
        data = GTZAN(root)
    messages = [str(w.message) for w in record]
    assert any("test_filtered.txt, line 2: clip jazz.00099" in m for m in messages)
    assert any("4 clips are in no split file" in m for m in messages)
    assert data.has_official_split
    assert {c.id: c.split for c in data} == {"blues.00000": "train", "jazz.00000": "train",
                                             "jazz.00001": "train", "blues.00002": "test"}


def test_gtzan_short_clip_dropped_and_mapping_errors(tmp_path):
    root = write_gtzan(tmp_path)
    sf.write(root / "genres" / "blues" / "blues.00009.wav", tone(0.5), SR)
    with pytest.warns(GenreWarning, match=r"clip blues.00009 .* lasts 0.50 s, shorter than the unit of 1 s"):
        data = GTZAN(root, min_seconds=1.0)
    assert "blues.00009" not in {c.id for c in data}
    with pytest.raises(GenreDataError, match=r"jazz.00000.wav: genre 'jazz' is not in the class mapping"):
        GTZAN(root, mapping={"blues": "blues"})
    with pytest.warns(GenreWarning, match="blues.00009"):
        only_blues = GTZAN(root, mapping={"blues": "Blues", "jazz": None}, min_seconds=1.0)
    assert only_blues.genres == ["Blues"] and len(only_blues) == 4


def test_gtzan_clips_csv_gives_groups_and_drops_nan_targets(tmp_path):
    root = write_gtzan(tmp_path)
    rows = ["file,genre,group,tempo_bpm"]
    for genre in ("blues", "jazz"):
        for i in range(4):
            bpm = "" if (genre, i) == ("jazz", 3) else str(100 + i)
            rows.append(f"{genre}/{genre}.{i:05d}.wav,{genre},{genre}-piece{i // 2},{bpm}")
    (root / "clips.csv").write_text("\n".join(rows) + "\n")
    data = GTZAN(root, seed=0)
    assert data.target_names == ("tempo_bpm",)
    assert data["blues.00003"].targets == {"tempo_bpm": 103.0}
    for piece in {c.group for c in data}:  # a group never straddles the split
        assert len({c.split for c in data if c.group == piece}) == 1
    with pytest.warns(GenreWarning, match=r"clip jazz.00003: targets \['tempo_bpm'\] are missing or NaN"):
        strict = GTZAN(root, require_targets=True)
    assert len(strict) == 7


# ---------------------------------------------------------------- FMA

TRACKS_HEADER = (
    ",album,artist,artist,set,set,track,track,track,track\n"
    ",tags,id,tags,split,subset,genre_top,genres,genres_all,tags\n"
    "track_id,,,,,,,,,\n"
)


def fma_row(tid, artist, split, subset, genre_top, genres):
    return (f"{tid},[],{artist},\"['a{artist}']\",{split},{subset},{genre_top},"
            f"\"{genres}\",\"{genres}\",\"['t']\"\n")


def write_fma(root, rows, mp3s):
    meta = root / "fma_metadata"
    meta.mkdir(parents=True)
    (meta / "tracks.csv").write_text(TRACKS_HEADER + "".join(rows))
    (meta / "genres.csv").write_text("genre_id,#tracks,parent,title,top_level\n"
                                     "12,10,0,Rock,12\n21,10,0,Hip-Hop,21\n25,5,12,Punk,12\n")
    for tid, payload in mp3s.items():
        name = f"{tid:06d}"
        path = root / "fma_small" / name[:3] / f"{name}.mp3"
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(payload, bytes):
            path.write_bytes(payload)
        else:
            sf.write(path, payload, SR, format="MP3", subtype="MPEG_LAYER_III")
    return root


def test_fma_reads_three_header_rows_literals_subset_split_and_mp3(tmp_path):
    rows = [fma_row(2, 1, "training", "small", "Hip-Hop", [21]),
            fma_row(3, 1, "training", "small", "Hip-Hop", [21]),
            fma_row(5, 2, "test", "small", "Rock", [12, 25]),
            fma_row(10, 3, "validation", "small", "", [25]),  # genre from genres.csv
            fma_row(20, 4, "training", "medium", "Rock", [12])]  # not in the small subset
    root = write_fma(tmp_path, rows, {2: tone(1.0), 3: tone(1.0, 330), 5: tone(1.0, 550),
                                      10: tone(1.0, 660)})
    from baselines.data.fma import read_tracks

    tracks = read_tracks(root / "fma_metadata" / "tracks.csv")
    assert tracks.loc[5, ("track", "genres")] == [12, 25]
    assert tracks.loc[2, ("artist", "tags")] == ["a1"]
    data = FMA(root, subset="small")
    assert [c.id for c in data] == ["000002", "000003", "000005", "000010"]
    assert {c.id: (c.split, c.group, c.genre) for c in data} == {
        "000002": ("train", "1", "Hip-Hop"), "000003": ("train", "1", "Hip-Hop"),
        "000005": ("test", "2", "Rock"), "000010": ("valid", "3", "Rock")}
    y = data.clips[0].audio(sr=SR)  # a real mp3 round trip through soundfile
    assert abs(len(y) - SR) < 0.1 * SR
    spectrum = np.abs(np.fft.rfft(y[2000:SR - 2000]))
    assert np.argmax(spectrum) * SR / len(y[2000:SR - 2000]) == pytest.approx(440, abs=3)


def test_fma_artist_never_straddles_and_mapping_line(tmp_path):
    rows = [fma_row(2, 7, "training", "small", "Hip-Hop", [21]),
            fma_row(3, 7, "training", "small", "Hip-Hop", [21]),
            fma_row(4, 7, "test", "small", "Hip-Hop", [21]),
            fma_row(5, 8, "test", "small", "Punk", [25])]
    root = write_fma(tmp_path, rows, {t: tone(0.5) for t in (2, 3, 4, 5)})
    with pytest.warns(GenreWarning, match="1 artists straddled the split"):
        data = FMA(root)
    assert {c.split for c in data if c.group == "7"} == {"train"}
    with pytest.raises(GenreDataError, match=r"tracks.csv, line 7: genre 'Punk' is not in"):
        FMA(root, mapping={"Hip-Hop": "Hip-Hop"})
    with pytest.warns(GenreWarning):
        mapped = FMA(root, mapping="study-20-to-10")
    assert {c.genre for c in mapped} == {"Hip-Hop", "Rock"}


def test_fma_bad_mp3_warns_naming_the_track_and_goes_on(tmp_path):
    rows = [fma_row(2, 1, "training", "small", "Rock", [12]),
            fma_row(3, 2, "training", "small", "Rock", [12]),
            fma_row(4, 3, "test", "small", "Rock", [12]),
            fma_row(6, 4, "test", "small", "Rock", [12])]
    root = write_fma(tmp_path, rows, {2: tone(1.0), 3: b"", 4: b"ID3\x03garbage" * 5,
                                      6: tone(0.2)})
    lazy = FMA(root)
    with pytest.raises(AudioDecodeError, match=r"000003.mp3: cannot decode audio"):
        [c for c in lazy if c.id == "000003"][0].audio()
    with pytest.warns(GenreWarning) as record:
        data = FMA(root, check_audio=True, min_seconds=0.5)
    messages = " | ".join(str(w.message) for w in record)
    assert "track 000003" in messages and "track 000004" in messages
    assert "track 000006 lasts" in messages
    assert [c.id for c in data] == ["000002"]


def test_fma_literal_error_names_file_and_line(tmp_path):
    rows = [fma_row(2, 1, "training", "small", "Rock", [12]),
            "3,[],1,\"['a']\",training,small,Rock,\"[12,\",\"[12]\",\"[]\"\n"]
    root = write_fma(tmp_path, rows, {2: tone(0.5)})
    with pytest.raises(GenreDataError, match=r"tracks.csv, line 5: track.genres = '\[12,' is not a Python literal"):
        FMA(root)


# ---------------------------------------------------------------- course layout

def write_collection(root, name, arrays, labels, header="file\tgenre"):
    for split in ("train", "test"):
        (root / name / split).mkdir(parents=True, exist_ok=True)
    for (split, fname), array in arrays.items():
        path = root / name / split / fname
        if fname.endswith(".gz"):
            with gzip.open(path, "wb") as fh:
                np.save(fh, array)
        else:
            np.save(path, array)
    for split, lines in labels.items():
        (root / name / f"{split}_labels.txt").write_text(header + "\n" + "\n".join(lines) + "\n")


def test_spectrograms_genre_collection_and_beat_twin(tmp_path):
    rng = np.random.default_rng(0)
    a = rng.normal(size=(140, 30)).astype(np.float32)
    write_collection(tmp_path, "fma", {
        ("train", "000002.fused.full.npy"): a,
        ("train", "000003.fused.full.npy.gz"): a + 1,
        ("test", "000005.fused.full.npy"): a + 2,
    }, {"train": ["000002.fused.full.npy\tPunk", "000003.mp3\tHip-Hop"],
        "test": ["000005.fused.full.npy\tSpoken"]})
    write_collection(tmp_path, "fma_beat", {
        ("train", "000002.fused.full.npy"): a[:, :5],
        ("train", "000003.fused.full.npy"): a[:, :6],
        ("test", "000005.fused.full.npy"): a[:, :7]}, {})
    with pytest.warns(GenreWarning, match=r"train_labels.txt: 1 label names differ .* matched by id "
                                          r"\(e.g. '000003.mp3' -> '000003.fused.full.npy.gz'\)"):
        data = SpectrogramCollection(tmp_path, "fma", mapping="study-20-to-10")
    assert data.kind == "genre"
    assert {c.id: (c.split, c.genre) for c in data} == {"000002": ("train", "Rock"),
                                                      "000003": ("train", "Hip-Hop")}
    np.testing.assert_array_equal(data.clips[1].array(), a + 1)
    with pytest.warns(GenreWarning):
        beat = SpectrogramCollection(tmp_path, "fma", beat=True)
    assert {c.id: c.array().shape for c in beat} == {"000002": (140, 5), "000003": (140, 6),
                                                    "000005": (140, 7)}


def test_spectrograms_bad_labels_arrays_and_targets(tmp_path):
    a = np.zeros((140, 20), np.float32)
    write_collection(tmp_path, "c", {("train", "1.npy"): a, ("train", "2.npy"): a[:130],
                                     ("test", "3.npy"): a},
                     {"train": ["1.npy\tRock", "2.npy\tRock", "9.npy\tRock"],
                      "test": ["3.npy\tPolka"]})
    with pytest.raises(GenreDataError, match=r"test_labels.txt, line 2: genre 'Polka' is not in"):
        with pytest.warns(GenreWarning):
            SpectrogramCollection(tmp_path, "c", mapping={"Rock": "Rock"})
    with pytest.warns(GenreWarning) as record:
        data = SpectrogramCollection(tmp_path, "c", mapping={"Rock": "Rock", "Polka": None})
    messages = " | ".join(str(w.message) for w in record)
    assert "train_labels.txt, line 4: names '9.npy'" in messages
    assert "2.npy: array of shape (130, 20) is not 140 x T; clip 2 dropped" in messages
    assert [c.id for c in data] == ["1"]
    write_collection(tmp_path, "multi", {("train", "1.npy"): a, ("train", "2.npy"): a,
                                         ("test", "3.npy"): a, ("test", "4.npy"): a},
                     {"train": ["1,0.5,0.25,0.75", "2,nan,0.1,0.2"],
                      "test": ["3,0.1,,0.3", "4,0.2,0.3,0.4"]},
                     header="id,valence,energy,danceability")
    with pytest.warns(GenreWarning) as record:
        multi = SpectrogramCollection(tmp_path, "multi")
    messages = " | ".join(str(w.message) for w in record)
    assert "clip 2 has missing or NaN targets ['valence']" in messages
    assert "clip 3 has missing or NaN targets ['energy']" in messages
    assert multi.kind == "targets" and multi.target_names == ("valence", "energy", "danceability")
    assert {c.id: c.targets for c in multi} == {
        "1": {"valence": 0.5, "energy": 0.25, "danceability": 0.75},
        "4": {"valence": 0.2, "energy": 0.3, "danceability": 0.4}}


def test_spectrograms_array_shorter_than_the_unit_is_dropped(tmp_path):
    a = np.zeros((140, 50), np.float32)
    write_collection(tmp_path, "c", {("train", "1.npy"): a, ("train", "2.npy"): a[:, :10],
                                     ("test", "3.npy"): a},
                     {"train": ["1.npy\tRock", "2.npy\tRock"], "test": ["3.npy\tRock"]})
    with pytest.warns(GenreWarning, match=r"2.npy: 10 frames, shorter than the unit of 20; "
                                          r"clip 2 dropped"):
        data = SpectrogramCollection(tmp_path, "c", min_frames=20)
    assert [c.id for c in data] == ["1", "3"]
