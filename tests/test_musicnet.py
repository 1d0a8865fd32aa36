"""Tests of the MusicNet-format reader on folders written by hand."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from baselines.data import musicnet
from baselines.data.musicnet import (
    CorpusWarning,
    MusicNetCorpus,
    MusicNetFormatError,
    Recording,
)

WAV_SR = 16000  # deliberately not 44.1 kHz: label times stay at 44.1 kHz
LABEL_SR = 44100
METADATA_COLUMNS = [
    "id", "composer", "composition", "movement", "ensemble", "source",
    "transcriber", "catalog_name", "seconds",
]
LABEL_COLUMNS = [
    "start_time", "end_time", "instrument", "note", "start_beat", "end_beat",
    "note_value",
]


def write_wav(path, seconds, *, freq=440.0, sr=WAV_SR, amplitude=0.5, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(round(seconds * sr))) / sr
    y = (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    if channels > 1:
        y = np.stack([y] * channels, axis=1)
    sf.write(path, y, sr, subtype="PCM_16")


def label_rows(notes):
    """``(start_s, end_s, program, pitch)`` -> label rows in 44.1 kHz samples."""
    return [
        {
            "start_time": int(round(start * LABEL_SR)),
            "end_time": int(round(end * LABEL_SR)),
            "instrument": program,
            "note": pitch,
            "start_beat": 0.0,
            "end_beat": 1.0,
            "note_value": "Quarter",
        }
        for start, end, program, pitch in notes
    ]


def write_labels(path, notes, *, columns=LABEL_COLUMNS):
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(label_rows(notes), columns=LABEL_COLUMNS)
    table[list(columns)].to_csv(path, index=False)


def write_corpus(root, recordings, *, metadata_columns=METADATA_COLUMNS):
    """Write a MusicNet-format folder.

    ``recordings``: dicts with ``id, split, composer, seconds, notes`` and
    optionally ``freq``, ``ensemble``.
    """
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for rec in recordings:
        rows.append({
            "id": rec["id"], "composer": rec["composer"],
            "composition": rec.get("composition", f"Piece {rec['id']}"),
            "movement": rec.get("movement", "1. Allegro"),
            "ensemble": rec.get("ensemble", "Solo Violin"), "source": "hand",
            "transcriber": "test", "catalog_name": rec.get("catalog_name", f"Op. {rec['id']}"),
            "seconds": rec["seconds"],
        })
        split = rec["split"]
        write_wav(root / f"{split}_data" / f"{rec['id']}.wav", rec["seconds"],
                  freq=rec.get("freq", 440.0))
        write_labels(root / f"{split}_labels" / f"{rec['id']}.csv", rec["notes"])
    pd.DataFrame(rows, columns=METADATA_COLUMNS)[list(metadata_columns)].to_csv(
        root / "musicnet_metadata.csv", index=False
    )
    return root


def two_recordings():
    return [
        {"id": 12, "split": "train", "composer": "Bach", "seconds": 3.0,
         "notes": [(0.5, 1.0, 41, 69), (1.25, 2.75, 43, 48)]},
        {"id": 7, "split": "test", "composer": "Mozart", "seconds": 2.0,
         "notes": [(0.0, 2.0, 1, 60)]},
    ]


def test_reads_hand_written_corpus(tmp_path):
    root = write_corpus(tmp_path / "corpus", two_recordings())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corpus = MusicNetCorpus(root)
    assert len(corpus) == 2
    assert [r.id for r in corpus] == [7, 12]  # sorted by id
    assert corpus.has_official_split
    rec = corpus[12]
    assert (rec.split, rec.composer, rec.composition) == ("train", "Bach", "Piece 12")
    assert rec.seconds == pytest.approx(3.0)  # from the 16 kHz header
    assert rec.audio_path == root / "train_data" / "12.wav"
    assert corpus[7].split == "test"
    assert list(corpus.metadata["id"]) == [7, 12]
    assert list(corpus.metadata["split"]) == ["test", "train"]
    with pytest.raises(KeyError, match="no recording with id 99"):
        corpus[99]

    notes = rec.notes()
    assert list(notes.columns) == [
        "start", "end", "instrument", "note", "start_beat", "end_beat", "note_value"
    ]
    # Sample indices at 44.1 kHz -> seconds, although the wav is at 16 kHz.
    np.testing.assert_allclose(notes["start"], [0.5, 1.25], atol=1e-9)
    np.testing.assert_allclose(notes["end"], [1.0, 2.75], atol=1e-9)
    assert list(notes["instrument"]) == [41, 43]  # 1-based, kept as written
    assert list(notes["note"]) == [69, 48]


def test_listing_reads_no_audio(tmp_path, monkeypatch):
    root = write_corpus(tmp_path / "corpus", two_recordings())

    def no_read(*args, **kwargs):
        raise AssertionError("audio read while listing")

    monkeypatch.setattr(musicnet.sf, "read", no_read)
    corpus = MusicNetCorpus(root)
    assert len(corpus) == 2
    with pytest.raises(AssertionError, match="audio read"):
        corpus[7].audio()


def test_audio_is_resampled_mono_float32(tmp_path):
    path = tmp_path / "train_data" / "1.wav"
    write_wav(path, 2.0, freq=440.0, channels=2)
    rec = Recording(1, "train", "X", "", "", 2.0, path, tmp_path / "1.csv")
    y = rec.audio(sr=22050)
    assert y.dtype == np.float32 and y.ndim == 1
    assert abs(len(y) - 44100) <= 1
    spectrum = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    peak_hz = np.argmax(spectrum) * 22050 / len(y)
    assert peak_hz == pytest.approx(440.0, abs=1.0)
    assert np.max(np.abs(y)) == pytest.approx(0.5, abs=0.02)  # mono, not summed
    native = rec.audio(sr=None)
    assert len(native) == 32000
    with pytest.raises(ValueError, match="sr=-1 must be a positive"):
        rec.audio(sr=-1)


def test_fingerprint_is_stable_and_tracks_labels(tmp_path):
    root = write_corpus(tmp_path / "corpus", two_recordings())
    first = MusicNetCorpus(root).fingerprint()
    assert first == MusicNetCorpus(root).fingerprint()
    assert len(first) == 64
    write_labels(root / "train_labels" / "12.csv", [(0.5, 1.5, 41, 69)])
    assert MusicNetCorpus(root).fingerprint() != first


def test_instrument_outside_vocabulary_is_not_an_error(tmp_path):
    recs = two_recordings()
    recs[0]["notes"] = [(0.0, 1.0, 25, 60)]  # acoustic guitar: valid GM
    corpus = MusicNetCorpus(write_corpus(tmp_path / "c", recs))
    assert list(corpus[12].notes()["instrument"]) == [25]


# --- bad input -------------------------------------------------------------


def test_missing_metadata_is_an_error(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    (root / "musicnet_metadata.csv").unlink()
    with pytest.raises(MusicNetFormatError, match="musicnet_metadata.csv: metadata file is missing"):
        MusicNetCorpus(root)


def test_metadata_missing_columns_is_an_error(tmp_path):
    columns = [c for c in METADATA_COLUMNS if c != "composer"]
    root = write_corpus(tmp_path / "c", two_recordings(), metadata_columns=columns)
    with pytest.raises(MusicNetFormatError, match=r"metadata.csv: metadata lacks columns \['composer'\]"):
        MusicNetCorpus(root)


def test_duplicate_metadata_ids_are_an_error(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    table = pd.read_csv(root / "musicnet_metadata.csv")
    pd.concat([table, table.iloc[[0]]]).to_csv(root / "musicnet_metadata.csv", index=False)
    with pytest.raises(MusicNetFormatError, match=r"duplicate ids \[12\]"):
        MusicNetCorpus(root)


def test_metadata_row_without_files_is_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    (root / "test_data" / "7.wav").unlink()
    (root / "test_labels" / "7.csv").unlink()
    with pytest.warns(CorpusWarning, match="id 7 has neither audio nor label file"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [12]
    assert not corpus.has_official_split


def test_files_without_metadata_row_are_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    write_wav(root / "train_data" / "99.wav", 1.0)
    write_labels(root / "train_labels" / "99.csv", [(0, 1, 1, 60)])
    with pytest.warns(CorpusWarning, match=r"99\.(wav|csv): id 99 has no row in musicnet_metadata.csv") as record:
        corpus = MusicNetCorpus(root)
    assert any("99.csv: id 99 has no row" in str(w.message) for w in record)
    assert [r.id for r in corpus] == [7, 12]


def test_missing_wav_is_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    (root / "train_data" / "12.wav").unlink()
    with pytest.warns(CorpusWarning, match=r"train_data/12.wav: audio file is missing"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [7]


def test_missing_label_file_is_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    (root / "train_labels" / "12.csv").unlink()
    with pytest.warns(CorpusWarning, match=r"train_labels/12.csv: label file is missing"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [7]


def test_corrupt_wav_is_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    (root / "train_data" / "12.wav").write_bytes(b"RIFF\x00\x01garbage" * 10)
    with pytest.warns(CorpusWarning, match=r"12.wav: audio file is unreadable"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [7]


def test_empty_wav_is_dropped(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    sf.write(root / "train_data" / "12.wav", np.zeros(0, dtype=np.float32), WAV_SR)
    with pytest.warns(CorpusWarning, match=r"12.wav: audio file is empty \(0 frames\)"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [7]


def test_silent_wav_fails_on_read_and_validation(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    sf.write(root / "train_data" / "12.wav", np.zeros(3 * WAV_SR, dtype=np.float32), WAV_SR)
    corpus = MusicNetCorpus(root)  # header checks only: still listed
    assert [r.id for r in corpus] == [7, 12]
    with pytest.raises(MusicNetFormatError, match=r"12.wav: audio is all silence"):
        corpus[12].audio()
    with pytest.warns(CorpusWarning, match=r"12.wav: audio is all silence"):
        problems = corpus.validate()
    assert list(problems) == [12]
    with pytest.warns(CorpusWarning, match="all silence"):
        checked = MusicNetCorpus(root, check_audio=True)
    assert [r.id for r in checked] == [7]


def test_label_file_missing_columns(tmp_path):
    root = write_corpus(tmp_path / "c", two_recordings())
    path = root / "train_labels" / "12.csv"
    write_labels(path, [(0, 1, 41, 60)], columns=[c for c in LABEL_COLUMNS if c != "instrument"])
    with pytest.warns(CorpusWarning, match=r"12.csv: label file lacks columns \['instrument'\]"):
        corpus = MusicNetCorpus(root)
    assert [r.id for r in corpus] == [7]
    rec = Recording(12, "train", "Bach", "", "", 3.0, root / "train_data" / "12.wav", path)
    with pytest.raises(MusicNetFormatError, match=r"12.csv: label file lacks columns \['instrument'\]"):
        rec.notes()


def bad_notes_corpus(tmp_path, notes):
    recs = two_recordings()
    recs[0]["notes"] = notes
    return MusicNetCorpus(write_corpus(tmp_path / "c", recs))


def test_end_before_start_is_an_error(tmp_path):
    corpus = bad_notes_corpus(
        tmp_path, [(0.0, 1.0, 41, 60), (2.0, 1.5, 41, 62), (0.1, 0.2, 41, 64), (1.0, 0.5, 43, 50)]
    )
    with pytest.raises(
        MusicNetFormatError,
        match=r"train_labels/12.csv: end_time before start_time in rows \[1, 3\]",
    ):
        corpus[12].notes()


def test_end_past_audio_is_an_error(tmp_path):
    corpus = bad_notes_corpus(tmp_path, [(0.0, 1.0, 41, 60), (2.0, 3.5, 41, 62)])
    with pytest.raises(
        MusicNetFormatError, match=r"12.csv: end_time past the end of the audio .* rows \[1\]"
    ):
        corpus[12].notes()


@pytest.mark.parametrize("program", [0, 129])
def test_instrument_outside_general_midi_is_an_error(tmp_path, program):
    corpus = bad_notes_corpus(tmp_path, [(0.0, 1.0, 41, 60), (1.0, 2.0, program, 62)])
    with pytest.raises(
        MusicNetFormatError,
        match=rf"12.csv: instrument \[{program}\] outside General MIDI programs 1-128",
    ):
        corpus[12].notes()


def test_validate_reports_label_errors(tmp_path):
    corpus = bad_notes_corpus(tmp_path, [(2.0, 1.0, 41, 60)])
    with pytest.warns(CorpusWarning, match="end_time before start_time"):
        problems = corpus.validate()
    assert list(problems) == [12]
    assert len(corpus) == 2  # validate() reports, it does not drop


def works_corpus(root, *, split_by_hand=True):
    """Two composers x two works x three movements; each movement's title
    is its own (as music21's are), only the catalog name ties a work together."""
    recordings = []
    rid = 1
    for composer, works in (("Haydn", ("Op. 1 No. 1", "Op. 74 No. 1")),
                            ("Mozart", ("K. 155", "K. 458"))):
        for w, catalog in enumerate(works):
            for movement in range(1, 4):
                recordings.append({
                    "id": rid, "composer": composer, "seconds": 2.0,
                    "split": "test" if split_by_hand and w == 1 else "train",
                    "catalog_name": catalog.replace(" ", "") if movement == 2 else catalog,
                    "composition": f"{catalog} movement {movement}",
                    "movement": f"{movement}. Allegro", "notes": [(0.0, 1.0, 41, 60 + w)],
                })
                rid += 1
    return write_corpus(root, recordings)


def test_recordings_know_their_work(tmp_path):
    corpus = MusicNetCorpus(works_corpus(tmp_path / "c"))
    assert len({r.group for r in corpus}) == 4
    assert corpus[1].group == corpus[2].group == corpus[3].group == "Haydn: OP1NO1"
    assert musicnet.work_key("Mozart", "", "Requiem") == "Mozart: Requiem"
    assert musicnet.work_key("Mozart", "", "") == ""


def test_no_work_straddles_any_split_or_fold(tmp_path):
    from baselines.data.selection import split_recordings
    from baselines.protocol import grouped_folds, official_folds

    corpus = MusicNetCorpus(works_corpus(tmp_path / "c"))
    recordings = list(corpus)
    groups = np.array([r.group for r in recordings])
    composers = np.array([r.composer for r in recordings])

    (fold,) = official_folds([r.split for r in recordings], groups)
    assert not set(groups[fold.train]) & set(groups[fold.test])
    for seed in range(5):
        train, test = split_recordings(recordings, use_official=False, random_state=seed,
                                       test_size=0.4)
        assert {r.composer for r in test} == {"Haydn", "Mozart"}
        assert not {r.group for r in train} & {r.group for r in test}
    folds = grouped_folds(groups, composers, n_splits=2, n_repeats=3)
    for fold in folds:
        assert not set(groups[fold.train]) & set(groups[fold.test])
        assert sorted(composers[fold.test]) == ["Haydn"] * 3 + ["Mozart"] * 3  # whole works


def test_split_needs_two_works_per_composer(tmp_path):
    from baselines.data.selection import split_recordings

    recs = [{"id": i, "split": "train", "composer": "Bach", "seconds": 2.0,
             "catalog_name": "BWV 1007", "notes": [(0.0, 1.0, 43, 48)]} for i in (1, 2)]
    corpus = MusicNetCorpus(write_corpus(tmp_path / "c", recs))
    with pytest.raises(ValueError, match="Bach has 2 recordings but only one work"):
        split_recordings(list(corpus), use_official=False)
