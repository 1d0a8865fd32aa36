"""The Isophonics-layout reader and its bad-input paths."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from chord_helpers import write_track

from baselines.data.isophonics import (
    IsophonicsDataset, IsophonicsFormatError, IsophonicsWarning, read_lab,
)

CHORDS = ([[0, 1], [1, 2]], ["C:maj", "A:min"])


def _lab(tmp_path, text):
    path = tmp_path / "x.lab"
    path.write_text(text)
    return path


def test_read_lab_spaces_tabs_comments_and_gaps(tmp_path):
    path = _lab(tmp_path, "# a comment\n0.0 1.0 C:maj\n\n1.0\t2.5\tG:7\n3.0 4.0  A:min\n")
    intervals, labels = read_lab(path)
    assert labels == ["C:maj", "G:7", "N", "A:min"]
    np.testing.assert_allclose(intervals, [[0, 1], [1, 2.5], [2.5, 3], [3, 4]])


def test_read_lab_fills_leading_gap_with_n(tmp_path):
    intervals, labels = read_lab(_lab(tmp_path, "0.5 1.0 C:maj\n"))
    assert labels == ["N", "C:maj"]
    np.testing.assert_allclose(intervals, [[0, 0.5], [0.5, 1.0]])


@pytest.mark.parametrize("text,line,problem", [
    ("0 1 C:maj\n1 2 H:maj\n", 2, "invalid Harte chord label 'H:maj'"),
    ("0 1 C:maj\n# c\n2 2 G:maj\n", 3, "end 2.0 <= start 2.0"),
    ("0 1 C:maj\n1 0.5 G:maj\n", 2, "end 0.5 <= start 1.0"),
    ("0 2 C:maj\n1.5 3 G:maj\n", 2, "overlaps the previous one"),
    ("0 1\n", 1, "expected 'start end label'"),
    ("0 one C:maj\n", 1, "times must be numbers"),
])
def test_read_lab_errors_name_file_and_line(tmp_path, text, line, problem):
    path = _lab(tmp_path, text)
    with pytest.raises(IsophonicsFormatError, match=rf"x\.lab:{line}: .*{problem}"):
        read_lab(path)


def test_dataset_reads_tracks_collections_and_lazy_audio(tmp_path):
    write_track(tmp_path, "Queen", "Album A", "01 One", ["0 1 C:maj", "1 2 A:min"], audio_chords=CHORDS)
    write_track(tmp_path, "Queen", "Album A", "02 Two", ["0 1 G:maj", "1 2 E:min"], audio_chords=CHORDS)
    write_track(tmp_path, "Zweieck", "B", "03", ["0 2 F:maj"], audio_chords=([[0, 2]], ["F:maj"]))
    data = IsophonicsDataset(tmp_path, seed=0)
    assert [t.id for t in data] == ["Queen/Album A/01 One", "Queen/Album A/02 Two", "Zweieck/B/03"]
    assert data.collections == ("Queen", "Zweieck")
    track = data["Queen/Album A/01 One"]
    assert track.group == track.id and track.collection == "Queen"
    assert track.seconds == pytest.approx(2.0)
    assert track.chords()[1] == ["C:maj", "A:min"]
    y = track.audio(sr=11025)
    assert y.dtype == np.float32 and len(y) == 2 * 11025
    # stratified by collection: Queen's two tracks are split one and one
    assert sorted(t.split for t in data if t.collection == "Queen") == ["test", "train"]
    assert "Queen: 2 tracks (1 test)" in data.summary()
    assert "Queen" in data.class_distribution()


def test_drawn_split_depends_on_the_seed_only(tmp_path):
    for i in range(8):
        write_track(tmp_path, "A", "x", f"{i}", ["0 2 C:maj"], audio_chords=([[0, 2]], ["C:maj"]))
    splits = {s: [t.split for t in IsophonicsDataset(tmp_path, seed=s)] for s in range(4)}
    assert splits[0] == [t.split for t in IsophonicsDataset(tmp_path, seed=0)]
    assert all(v.count("test") == 2 for v in splits.values())
    assert len({tuple(v) for v in splits.values()}) > 1


def test_split_file(tmp_path):
    write_track(tmp_path, "A", "x", "1", ["0 2 C:maj"], audio_chords=([[0, 2]], ["C:maj"]))
    write_track(tmp_path, "A", "x", "2", ["0 2 C:maj"], audio_chords=([[0, 2]], ["C:maj"]))
    split = tmp_path / "split.csv"
    split.write_text("track,split\nA/x/1,test\n")
    with pytest.warns(IsophonicsWarning, match="A/x/2.*not in the split file"):
        data = IsophonicsDataset(tmp_path, split_file=split)
    assert [(t.id, t.split) for t in data] == [("A/x/1", "test")]
    split.write_text("track,split\nA/x/1,test\nA/x/9,train\n")
    with pytest.raises(IsophonicsFormatError, match=r"split\.csv:3: no track 'A/x/9'"):
        IsophonicsDataset(tmp_path, split_file=split)


def test_missing_audio_missing_annotation_and_empty_lab_warn_and_go_on(tmp_path):
    write_track(tmp_path, "A", "x", "ok", ["0 2 C:maj"], audio_chords=([[0, 2]], ["C:maj"]))
    write_track(tmp_path, "A", "x", "no audio", ["0 2 C:maj"], audio_chords=False)
    write_track(tmp_path, "A", "x", "empty", ["# nothing here"], audio_chords=([[0, 2]], ["C:maj"]))
    orphan = tmp_path / "A" / "audio" / "x" / "orphan.wav"
    sf.write(orphan, np.zeros(22050, np.float32), 22050)
    with pytest.warns(IsophonicsWarning) as record:
        data = IsophonicsDataset(tmp_path)
    messages = [str(w.message) for w in record]
    assert any("no audio.lab: no audio file" in m for m in messages)
    assert any("empty.lab: empty annotation" in m for m in messages)
    assert any("orphan.wav: audio without an annotation" in m for m in messages)
    assert [t.id for t in data] == ["A/x/ok"]


def test_audio_shorter_than_annotation_is_cropped_with_a_warning(tmp_path):
    write_track(tmp_path, "A", "x", "short", ["0 1 C:maj", "1 2 G:maj", "2 3 F:maj"],
                audio_chords=([[0, 1], [1, 2]], ["C:maj", "G:maj"]), audio_seconds=1.5)
    with pytest.warns(IsophonicsWarning, match=r"short\.lab: audio .* lasts 1\.500 s.*cropped"):
        data = IsophonicsDataset(tmp_path)
    intervals, labels = data["A/x/short"].chords()
    assert labels == ["C:maj", "G:maj"]
    np.testing.assert_allclose(intervals, [[0, 1], [1, 1.5]])
    assert len(data["A/x/short"].audio(sr=22050)) == round(1.5 * 22050)


def test_audio_root_elsewhere(tmp_path):
    write_track(tmp_path / "labs", "A", "x", "t", ["0 2 C:maj"], audio_chords=False)
    wav = tmp_path / "audio" / "A" / "x" / "t.flac"
    wav.parent.mkdir(parents=True)
    sf.write(wav, np.zeros(2 * 8000, np.float32) + 0.1, 8000)
    data = IsophonicsDataset(tmp_path / "labs", audio_root=tmp_path / "audio")
    assert data["A/x/t"].audio_path == wav
