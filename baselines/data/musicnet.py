"""Reader of MusicNet's on-disk format.

A corpus folder holds::

    musicnet_metadata.csv        id, composer, composition, movement, ensemble,
                                 source, transcriber, catalog_name, seconds
    train_data/<id>.wav          train_labels/<id>.csv
    test_data/<id>.wav           test_labels/<id>.csv

Each label file has the columns ``start_time, end_time, instrument, note,
start_beat, end_beat, note_value``.  ``start_time`` and ``end_time`` are
**sample indices at 44.1 kHz**, whatever rate the wav file has, and
``instrument`` is the **1-based** General MIDI program.  :meth:`Recording.notes`
converts times to seconds.

A recording's *group* (what must never straddle a split or a fold) is its
*work*, the catalog entry its movement belongs to (:func:`work_key`): the
composer plus the ``catalog_name`` column, normalised (``"Op. 18 No. 1"``
and ``"OP18NO1"`` are one work), or the ``composition`` column where the
catalog name is empty.  The catalog name is preferred because it is the
standard identity of a work and is written the same way for every
movement, while composition titles are free text: in the music21 scores
the default corpus renders, a title is often the movement's own
(``"Opus 59 no 1 movement 3"``) or a file name (``"op18_no1_mvmnt2_all"``),
which would split one work into several groups and let its movements
straddle the split.  The composer is part of the key so that two
composers' ``Op. 1`` stay apart.

Opening a corpus is cheap and lazy: it reads the metadata, lists the folders,
reads each wav file's header and each label file's header line.  Audio is read
only by :meth:`Recording.audio`, label rows only by :meth:`Recording.notes`.

Problems are handled in two ways:

- fatal problems (no metadata file, metadata columns missing, duplicate ids)
  raise :class:`MusicNetFormatError`, whose message names the file and the
  problem;
- a problem confined to one recording found at opening (no audio file, no
  label file, no metadata row, unreadable or empty wav, label columns
  missing) emits a :class:`CorpusWarning` naming it, and that recording is
  dropped.

Problems that need the file contents (notes ending before they start or past
the end of the audio, instruments outside General MIDI 1-128, all-silent
audio) raise :class:`MusicNetFormatError` from :meth:`Recording.notes` and
:meth:`Recording.audio`.  :meth:`MusicNetCorpus.validate` makes that full
pass over every recording and reports each problem as a warning;
``MusicNetCorpus(root, check_audio=True)`` runs it at opening and drops the
recordings that fail.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

__all__ = [
    "CorpusWarning",
    "LABEL_COLUMNS",
    "LABEL_SAMPLE_RATE",
    "METADATA_COLUMNS",
    "METADATA_FILENAME",
    "MusicNetCorpus",
    "MusicNetFormatError",
    "Recording",
    "SPLITS",
    "work_key",
]

METADATA_FILENAME = "musicnet_metadata.csv"
METADATA_COLUMNS = (
    "id",
    "composer",
    "composition",
    "movement",
    "ensemble",
    "source",
    "transcriber",
    "catalog_name",
    "seconds",
)
LABEL_COLUMNS = (
    "start_time",
    "end_time",
    "instrument",
    "note",
    "start_beat",
    "end_beat",
    "note_value",
)
#: Rate of the sample indices in label files, whatever the wav file's rate.
LABEL_SAMPLE_RATE = 44100
SPLITS = ("train", "test")

# A note may end a little after the last sample (rounding of rendered or
# aligned note offsets); beyond this it is a labelling error.
END_TOLERANCE_SECONDS = 0.05
# Peak amplitude at or below which a recording counts as silent (-100 dBFS).
SILENCE_PEAK = 1e-5


class MusicNetFormatError(ValueError):
    """A fatal format problem; the message names the file and the problem."""


class CorpusWarning(UserWarning):
    """A recording was dropped from the corpus; the message says which, why."""


def work_key(composer: str, catalog_name: str = "", composition: str = "") -> str:
    """The work a recording belongs to: ``"<composer>: <catalog>"``.

    Parameters
    ----------
    composer : str
    catalog_name : str
        Catalog entry (``"BWV1010"``, ``"Op. 18 No. 1"``); case, spaces,
        dots and underscores are ignored.
    composition : str
        Used (as written, whitespace collapsed) where ``catalog_name`` is
        empty.

    Returns
    -------
    str

    Examples
    --------
    >>> work_key("Beethoven", "Op. 18 No. 1") == work_key("Beethoven", "OP18NO1")
    True
    """
    catalog = re.sub(r"[\s._-]+", "", catalog_name or "").upper()
    if catalog:
        return f"{composer.strip()}: {catalog}"
    title = " ".join((composition or "").split())
    return f"{composer.strip()}: {title}" if title else ""


def _format_rows(rows: np.ndarray, limit: int = 10) -> str:
    rows = [int(r) for r in rows]
    text = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        text += f", ... ({len(rows)} rows)"
    return f"[{text}]"


def _read_table(path, columns, what: str) -> pd.DataFrame:
    """Read a CSV, raising MusicNetFormatError naming ``path`` when it cannot
    be read or lacks any of ``columns``."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise MusicNetFormatError(f"{path}: cannot read {what} ({exc})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise MusicNetFormatError(f"{path}: {what} lacks columns {missing}")
    return table


@functools.lru_cache(maxsize=2048)
def _read_notes(path: str, seconds: float, mtime_ns: int, size: int) -> pd.DataFrame:
    # mtime_ns and size key the cache so an edited file is read again.
    table = _read_table(path, LABEL_COLUMNS, "label file")
    for column in ("start_time", "end_time", "instrument", "note"):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = np.flatnonzero(values.isna().to_numpy())
        if bad.size:
            raise MusicNetFormatError(
                f"{path}: {column} is missing or not a number in rows "
                f"{_format_rows(bad)}"
            )
        table[column] = values
    start = table["start_time"].to_numpy(dtype=np.float64)
    end = table["end_time"].to_numpy(dtype=np.float64)
    instrument = table["instrument"].to_numpy(dtype=np.float64)
    note = table["note"].to_numpy(dtype=np.float64)

    bad = np.flatnonzero(start < 0)
    if bad.size:
        raise MusicNetFormatError(
            f"{path}: negative start_time in rows {_format_rows(bad)}"
        )
    bad = np.flatnonzero(end < start)
    if bad.size:
        raise MusicNetFormatError(
            f"{path}: end_time before start_time in rows {_format_rows(bad)}"
        )
    limit = (seconds + END_TOLERANCE_SECONDS) * LABEL_SAMPLE_RATE
    bad = np.flatnonzero(end > limit)
    if bad.size:
        raise MusicNetFormatError(
            f"{path}: end_time past the end of the audio ({seconds:.3f} s = "
            f"{seconds * LABEL_SAMPLE_RATE:.0f} samples at {LABEL_SAMPLE_RATE} Hz) "
            f"in rows {_format_rows(bad)}, latest end_time {end[bad].max():.0f}"
        )
    bad = np.flatnonzero((instrument < 1) | (instrument > 128) | (instrument % 1 != 0))
    if bad.size:
        values = sorted({float(v) for v in instrument[bad]})
        values = [int(v) if v.is_integer() else v for v in values]
        raise MusicNetFormatError(
            f"{path}: instrument {values} outside General MIDI programs 1-128 "
            f"(1-based) in rows {_format_rows(bad)}"
        )
    bad = np.flatnonzero((note < 0) | (note > 127) | (note % 1 != 0))
    if bad.size:
        raise MusicNetFormatError(
            f"{path}: note outside MIDI pitches 0-127 in rows {_format_rows(bad)}"
        )
    return pd.DataFrame(
        {
            "start": start / LABEL_SAMPLE_RATE,
            "end": end / LABEL_SAMPLE_RATE,
            "instrument": instrument.astype(np.int64),
            "note": note.astype(np.int64),
            "start_beat": pd.to_numeric(table["start_beat"], errors="coerce"),
            "end_beat": pd.to_numeric(table["end_beat"], errors="coerce"),
            "note_value": table["note_value"].astype(object),
        }
    )


@dataclass(frozen=True)
class Recording:
    """One recording of a MusicNet-format corpus.

    Attributes
    ----------
    id : int
        MusicNet id (the file stem).
    split : str
        ``"train"`` or ``"test"``: the folder the files were found in.
    composer, composition, ensemble : str
        From the metadata file.
    seconds : float
        Duration, from the wav file's header.
    audio_path, labels_path : Path
        The wav file and the label csv.
    work : str
        The work (catalog entry) the recording belongs to, from
        :func:`work_key`; empty when the metadata names neither catalog
        nor composition.
    group : str
        (property) The split group, see :attr:`group`.
    """

    id: int
    split: str
    composer: str
    composition: str
    ensemble: str
    seconds: float
    audio_path: Path
    labels_path: Path
    work: str = ""

    @property
    def group(self) -> str:
        """What must never straddle a split or fold: the work, or the
        recording itself (``"recording <id>"``) when no work is known."""
        return self.work or f"recording {self.id}"

    def notes(self) -> pd.DataFrame:
        """Parse and validate the label file.

        Returns
        -------
        notes : pd.DataFrame
            One row per note with columns ``start, end`` (seconds),
            ``instrument`` (1-based General MIDI program), ``note`` (MIDI
            pitch), ``start_beat, end_beat, note_value``, in file order.

        Raises
        ------
        MusicNetFormatError
            If the file cannot be read, lacks columns, has non-numeric
            times, instruments or pitches, a note ending before it starts
            or after the end of the audio, or an instrument outside General
            MIDI 1-128.  The message names the file and the rows (0-based
            data rows, the header not counted).
        """
        path = Path(self.labels_path)
        try:
            stat = path.stat()
        except OSError as exc:
            raise MusicNetFormatError(f"{path}: cannot read label file ({exc})") from None
        return _read_notes(
            str(path), float(self.seconds), stat.st_mtime_ns, stat.st_size
        ).copy()

    def audio(self, sr: float | None = 22050) -> np.ndarray:
        """Read the recording as mono float32, resampled to ``sr``.

        Parameters
        ----------
        sr : number > 0 or None
            Target sampling rate; ``None`` keeps the file's rate.
            Resampling uses soxr at high quality.

        Returns
        -------
        y : np.ndarray [shape=(n,), dtype=float32]

        Raises
        ------
        MusicNetFormatError
            If the file cannot be read, is empty or is all silence.
        ValueError
            If ``sr`` is not positive.
        """
        if sr is not None and not (np.isfinite(sr) and sr > 0):
            raise ValueError(f"sr={sr} must be a positive number or None")
        path = Path(self.audio_path)
        try:
            y, native_sr = sf.read(str(path), dtype="float32", always_2d=True)
        except (OSError, RuntimeError, sf.LibsndfileError) as exc:
            raise MusicNetFormatError(f"{path}: cannot read audio ({exc})") from None
        y = y.mean(axis=1, dtype=np.float32) if y.shape[1] > 1 else y[:, 0]
        if y.size == 0:
            raise MusicNetFormatError(f"{path}: audio is empty (0 frames)")
        peak = float(np.max(np.abs(y)))
        if not np.isfinite(peak):
            raise MusicNetFormatError(f"{path}: audio has non-finite samples")
        if peak <= SILENCE_PEAK:
            raise MusicNetFormatError(
                f"{path}: audio is all silence (peak {peak:.2g} <= {SILENCE_PEAK:g})"
            )
        if sr is None or float(sr) == float(native_sr):
            return np.ascontiguousarray(y, dtype=np.float32)
        import soxr

        y = soxr.resample(y, native_sr, float(sr), quality="HQ")
        return np.ascontiguousarray(y, dtype=np.float32)


def _int_stem(path: Path) -> int | None:
    try:
        return int(path.stem)
    except ValueError:
        return None


def _read_metadata(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise MusicNetFormatError(f"{path}: metadata file is missing")
    metadata = _read_table(path, METADATA_COLUMNS, "metadata")
    ids = pd.to_numeric(metadata["id"], errors="coerce")
    bad = np.flatnonzero(ids.isna().to_numpy() | (ids.to_numpy() % 1 != 0))
    if bad.size:
        raise MusicNetFormatError(
            f"{path}: id is missing or not an integer in rows {_format_rows(bad)}"
        )
    metadata["id"] = ids.astype(np.int64)
    duplicated = sorted(set(metadata["id"][metadata["id"].duplicated()]))
    if duplicated:
        raise MusicNetFormatError(f"{path}: duplicate ids {duplicated}")
    return metadata.sort_values("id", kind="stable").reset_index(drop=True)


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


class MusicNetCorpus:
    """A folder in MusicNet's on-disk format, opened lazily.

    Parameters
    ----------
    root : str or Path
        Folder holding ``musicnet_metadata.csv`` and the ``train_data``,
        ``train_labels``, ``test_data``, ``test_labels`` folders (either
        split may be absent).
    check_audio : bool
        Also read every label file and every recording's audio at opening
        (see :meth:`validate`) and drop those that fail.  Slow on a large
        corpus; the default only reads headers.

    Attributes
    ----------
    root : Path
    recordings : tuple of Recording
        The usable recordings, sorted by id.
    metadata : pd.DataFrame
        The metadata rows of those recordings, sorted by id, with an added
        ``split`` column.
    has_official_split : bool
        Whether the corpus has both train and test recordings.

    Raises
    ------
    MusicNetFormatError
        If the metadata file is missing, unreadable, lacks columns or has
        missing or duplicate ids.

    Warns
    -----
    CorpusWarning
        For each recording dropped: no audio or label file, files with no
        metadata row, an id found in both splits, an unreadable or empty
        wav file, a label file lacking columns, no composer.
    """

    def __init__(self, root, *, check_audio: bool = False):
        self.root = Path(root)
        if not self.root.is_dir():
            raise MusicNetFormatError(f"{self.root}: corpus folder does not exist")
        metadata = _read_metadata(self.root / METADATA_FILENAME)
        recordings = self._open(metadata)
        self._set(recordings, metadata)
        if check_audio:
            problems = self.validate()
            if problems:
                keep = [r for r in self.recordings if r.id not in problems]
                self._set(keep, metadata)

    def _set(self, recordings, metadata: pd.DataFrame) -> None:
        self.recordings = tuple(sorted(recordings, key=lambda r: r.id))
        self._by_id = {r.id: r for r in self.recordings}
        split = {r.id: r.split for r in self.recordings}
        kept = metadata[metadata["id"].isin(list(split))].copy()
        kept["split"] = kept["id"].map(split)
        self.metadata = kept.reset_index(drop=True)
        self._fingerprint = None

    def _drop(self, path, problem: str) -> None:
        warnings.warn(f"{path}: {problem}; recording dropped", CorpusWarning, stacklevel=4)

    def _open(self, metadata: pd.DataFrame) -> list[Recording]:
        found: dict[str, dict[int, Path]] = {}  # "<split>_data"/"<split>_labels"
        for split in SPLITS:
            for kind, suffix in (("data", ".wav"), ("labels", ".csv")):
                folder = self.root / f"{split}_{kind}"
                files = {}
                if folder.is_dir():
                    for path in sorted(folder.iterdir()):
                        if path.suffix.lower() != suffix or not path.is_file():
                            continue
                        stem = _int_stem(path)
                        if stem is None:
                            self._drop(path, "file name is not an integer id")
                            continue
                        files[stem] = path
                found[f"{split}_{kind}"] = files

        known = set(metadata["id"])
        for key, files in found.items():
            for stem, path in files.items():
                if stem not in known:
                    self._drop(path, f"id {stem} has no row in {METADATA_FILENAME}")

        metadata_path = self.root / METADATA_FILENAME
        recordings = []
        for row in metadata.itertuples(index=False):
            rid = int(row.id)
            splits = [
                s for s in SPLITS
                if rid in found[f"{s}_data"] or rid in found[f"{s}_labels"]
            ]
            if not splits:
                self._drop(metadata_path, f"id {rid} has neither audio nor label file")
                continue
            if len(splits) > 1:
                self._drop(metadata_path, f"id {rid} has files in both train and test")
                continue
            split = splits[0]
            audio_path = found[f"{split}_data"].get(rid)
            labels_path = found[f"{split}_labels"].get(rid)
            if audio_path is None:
                self._drop(
                    self.root / f"{split}_data" / f"{rid}.wav", "audio file is missing"
                )
                continue
            if labels_path is None:
                self._drop(
                    self.root / f"{split}_labels" / f"{rid}.csv", "label file is missing"
                )
                continue
            try:
                info = sf.info(str(audio_path))
            except (OSError, RuntimeError, sf.LibsndfileError) as exc:
                self._drop(audio_path, f"audio file is unreadable ({exc})")
                continue
            if info.frames <= 0 or info.samplerate <= 0:
                self._drop(audio_path, "audio file is empty (0 frames)")
                continue
            try:
                header = pd.read_csv(labels_path, nrows=0).columns
            except (OSError, ValueError, pd.errors.ParserError) as exc:
                self._drop(labels_path, f"label file is unreadable ({exc})")
                continue
            missing = [c for c in LABEL_COLUMNS if c not in header]
            if missing:
                self._drop(labels_path, f"label file lacks columns {missing}")
                continue
            composer = _text(row.composer).strip()
            if not composer:
                self._drop(metadata_path, f"id {rid} has no composer")
                continue
            recordings.append(
                Recording(
                    id=rid,
                    split=split,
                    composer=composer,
                    composition=_text(row.composition),
                    ensemble=_text(row.ensemble),
                    seconds=info.frames / info.samplerate,
                    audio_path=audio_path,
                    labels_path=labels_path,
                    work=work_key(composer, _text(row.catalog_name), _text(row.composition)),
                )
            )
        return recordings

    def validate(self) -> dict[int, str]:
        """Read every label file and every recording's audio.

        Returns
        -------
        problems : dict
            Recording id -> error message, for each recording whose
            :meth:`Recording.notes` or :meth:`Recording.audio` fails.  Each
            is also emitted as a :class:`CorpusWarning`.  The corpus itself
            is unchanged; open it with ``check_audio=True`` to drop them.
        """
        problems = {}
        for recording in self.recordings:
            try:
                recording.notes()
                recording.audio(sr=None)
            except MusicNetFormatError as exc:
                problems[recording.id] = str(exc)
                warnings.warn(f"{exc}; recording {recording.id} dropped",
                              CorpusWarning, stacklevel=2)
        return problems

    @property
    def has_official_split(self) -> bool:
        splits = {r.split for r in self.recordings}
        return all(s in splits for s in SPLITS)

    def fingerprint(self) -> str:
        """A stable sha256 hex digest of the corpus the recordings come from.

        It covers the metadata file's bytes, and for each recording its
        id, split, label file bytes and wav file size (not the audio bytes,
        to stay fast; not modification times, to stay stable across copies).
        """
        if self._fingerprint is None:
            digest = hashlib.sha256()
            digest.update((self.root / METADATA_FILENAME).read_bytes())
            for recording in self.recordings:
                labels = Path(recording.labels_path).read_bytes()
                size = os.path.getsize(recording.audio_path)
                digest.update(
                    f"\n{recording.id}:{recording.split}:{size}:{len(labels)}\n".encode()
                )
                digest.update(labels)
            self._fingerprint = digest.hexdigest()
        return self._fingerprint

    def __len__(self) -> int:
        return len(self.recordings)

    def __iter__(self) -> Iterator[Recording]:
        return iter(self.recordings)

    def __getitem__(self, id: int) -> Recording:
        try:
            return self._by_id[int(id)]
        except (KeyError, TypeError, ValueError):
            raise KeyError(f"no recording with id {id!r} in {self.root}") from None

    def __contains__(self, id) -> bool:
        try:
            return int(id) in self._by_id
        except (TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        return f"MusicNetCorpus({str(self.root)!r}, {len(self)} recordings)"
