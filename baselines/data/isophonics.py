"""Reader of Isophonics-style chord collections (the layout mirdata uses).

A collection folder holds, per artist (the *collection* of the per-collection
tables)::

    <root>/<Artist>/chordlab/<Album>/<Track>.lab
    <root>/<Artist>/audio/<Album>/<Track>.{wav,flac,mp3}

Isophonics ships no audio, so ``audio_root`` may point elsewhere: audio is
looked for under ``<audio_root>/<Artist>/audio/<Album>/`` and then
``<audio_root>/<Artist>/<Album>/``.  A ``.lab`` line is ``start end label``,
separated by spaces or tabs (both occur in the real files), times in
seconds; ``#`` comments and blank lines are skipped; labels are Harte
syntax, checked with mir_eval's parser.

Problems:

- an unparsable line or label, ``end <= start``, or overlapping intervals
  raise :class:`IsophonicsFormatError` naming the file and line;
- gaps between intervals (and before the first) are filled with ``N``, as
  mir_eval pads a reference;
- an annotation without audio, audio without annotation, or an empty
  ``.lab`` warn (:class:`IsophonicsWarning`) naming the file; the track is
  left out and the rest goes on;
- audio shorter than its annotation: the annotation is cropped to the
  audio, with a warning.

The track is the group that never straddles a split.  Splits come from a
split file (csv with columns ``track,split``) when given, else are drawn
with the seed, stratified by collection.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import random
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chord_labels import ChordLabelError, check_label, class_distribution, format_distribution

__all__ = ["AUDIO_EXTENSIONS", "IsophonicsDataset", "IsophonicsFormatError", "IsophonicsWarning",
           "Track", "read_lab"]

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3")
#: Interval ends closer than this (seconds) are the same time, not a gap or an overlap.
TIME_TOLERANCE = 1e-3
_FIELDS = re.compile(r"[ \t]+")


class IsophonicsFormatError(ValueError):
    """A fatal problem in a ``.lab`` or split file; the message names file and line."""


class IsophonicsWarning(UserWarning):
    """A track left out or cropped; the message names the file."""


def read_lab(path) -> tuple[np.ndarray, list[str]]:
    """Read and check a ``.lab`` file; gaps become ``N``.

    Parameters
    ----------
    path : path-like

    Returns
    -------
    intervals : np.ndarray [shape=(n, 2)], float
        Start and end of each chord, seconds, contiguous from 0.
    labels : list of str
        Harte labels (``N`` where the file left a gap).

    Raises
    ------
    IsophonicsFormatError
        A line without three fields, a time that is not a number, an
        unparsable label, ``end <= start``, or an interval overlapping the
        previous one; the message reads ``<file>:<line>: <problem>``.
    """
    path = Path(path)
    rows = []
    with open(path, encoding="utf-8-sig") as handle:
        for lineno, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            fields = _FIELDS.split(line)
            where = f"{path}:{lineno}"
            if len(fields) != 3:
                raise IsophonicsFormatError(f"{where}: expected 'start end label', got {line!r}")
            try:
                start, end = float(fields[0]), float(fields[1])
            except ValueError:
                raise IsophonicsFormatError(f"{where}: times must be numbers, got {line!r}") from None
            if not (np.isfinite(start) and np.isfinite(end)) or end <= start:
                raise IsophonicsFormatError(f"{where}: end {end} <= start {start}")
            if start < 0:
                raise IsophonicsFormatError(f"{where}: start {start} is negative")
            try:
                check_label(fields[2])
            except ChordLabelError as exc:
                raise IsophonicsFormatError(f"{where}: {exc}") from None
            if rows and start < rows[-1][1] - TIME_TOLERANCE:
                raise IsophonicsFormatError(
                    f"{where}: interval {start}-{end} overlaps the previous one "
                    f"({rows[-1][0]}-{rows[-1][1]})")
            rows.append((start, end, fields[2]))
    intervals, labels = [], []
    previous_end = 0.0
    for start, end, label in rows:
        if start > previous_end + TIME_TOLERANCE:
            intervals.append((previous_end, start))
            labels.append("N")
        else:
            start = previous_end  # within tolerance: contiguous
        intervals.append((start, end))
        labels.append(label)
        previous_end = end
    return np.asarray(intervals, dtype=float).reshape(-1, 2), labels


@functools.lru_cache(maxsize=1024)
def _read_lab_cached(path: str, mtime_ns: int, size: int):
    return read_lab(path)


def crop_chords(intervals, labels, seconds: float):
    """Chords cut at ``seconds``: later ones dropped, the one across clipped."""
    keep = intervals[:, 0] < seconds - TIME_TOLERANCE
    intervals = intervals[keep].copy()
    labels = [lab for lab, k in zip(labels, keep) if k]
    if len(intervals):
        intervals[-1, 1] = min(intervals[-1, 1], seconds)
    return intervals, labels


@dataclass(frozen=True)
class Track:
    """One annotated recording.

    Attributes
    ----------
    id : str
        ``"<Artist>/<Album>/<Track>"``.
    split : str or None
        ``"train"`` or ``"test"``.
    group : str
        What never straddles a split: the track itself (its id).
    collection : str
        The artist folder: the unit of the per-collection table.
    seconds : float
        Annotated length, cropped to the audio.
    lab_path, audio_path : Path
    """

    id: str
    split: str | None
    group: str
    collection: str
    seconds: float
    lab_path: Path
    audio_path: Path

    def chords(self) -> tuple[np.ndarray, list[str]]:
        """``(intervals, labels)`` of the annotation (gaps as ``N``, cropped to
        the audio); see :func:`read_lab`."""
        st = self.lab_path.stat()
        intervals, labels = _read_lab_cached(str(self.lab_path), st.st_mtime_ns, st.st_size)
        return crop_chords(intervals, list(labels), self.seconds)

    def audio(self, sr: int = 22050) -> np.ndarray:
        """Mono float32 audio at ``sr`` (soundfile + soxr), cut at :attr:`seconds`."""
        from features.audio import load_audio

        y = load_audio(self.audio_path, sr=sr)
        return np.ascontiguousarray(y[: int(round(self.seconds * sr))])


def _audio_seconds(path: Path) -> float:
    import soundfile as sf

    try:
        return float(sf.info(str(path)).duration)
    except Exception:  # noqa: BLE001 - formats libsndfile lacks: decode to measure
        import librosa

        return float(librosa.get_duration(path=str(path)))


def _find_audio(bases, artist: str, album: str, stem: str) -> Path | None:
    for base in bases:
        for folder in (base / artist / "audio" / album, base / artist / album):
            for ext in AUDIO_EXTENSIONS:
                candidate = folder / f"{stem}{ext}"
                if candidate.is_file():
                    return candidate
    return None


def _warn(message: str) -> None:
    warnings.warn(message, IsophonicsWarning, stacklevel=4)


class IsophonicsDataset:
    """The tracks of an Isophonics-layout folder.

    Parameters
    ----------
    root : path-like
        Folder with ``<Artist>/chordlab/<Album>/<Track>.lab``.
    audio_root : path-like, optional
        Where the audio is, if not beside the annotations.
    split_file : path-like, optional
        csv with columns ``track,split`` (``split`` is ``train`` or ``test``);
        tracks it does not name are left out with a warning.
    test_size : float, default=0.25
        Share of each collection's tracks drawn for test when no split file.
    seed : int, default=0
        Seeds the drawn split.

    Attributes
    ----------
    tracks : tuple of Track, sorted by id
    collections : tuple of str
    """

    def __init__(self, root, *, audio_root=None, split_file=None, test_size=0.25, seed=0):
        self.root = Path(root)
        if not self.root.is_dir():
            raise IsophonicsFormatError(f"{self.root}: no such folder")
        self.audio_root = Path(audio_root) if audio_root is not None else None
        bases = [self.audio_root] if self.audio_root is not None else [self.root]
        found = self._open(bases)
        splits = (_read_split_file(Path(split_file), {t[0] for t in found}) if split_file is not None
                  else _drawn_split(found, test_size=test_size, seed=seed))
        tracks = []
        for track_id, collection, seconds, lab, audio in found:
            if track_id not in splits:
                _warn(f"{lab}: track {track_id!r} is not in the split file; left out")
                continue
            tracks.append(Track(track_id, splits[track_id], track_id, collection, seconds, lab, audio))
        self.tracks = tuple(tracks)
        self.collections = tuple(sorted({t.collection for t in tracks}))
        self._by_id = {t.id: t for t in tracks}

    def _open(self, bases):
        found, used_audio = [], set()
        for lab in sorted(self.root.glob("*/chordlab/**/*.lab")):
            artist = lab.relative_to(self.root).parts[0]
            album = lab.parent.relative_to(self.root / artist / "chordlab").as_posix()
            track_id = f"{artist}/{album}/{lab.stem}" if album != "." else f"{artist}/{lab.stem}"
            audio = _find_audio(bases, artist, album, lab.stem)
            if audio is None:
                _warn(f"{lab}: no audio file ({'/'.join(AUDIO_EXTENSIONS)}) for this annotation; "
                      f"track left out")
                continue
            used_audio.add(audio.resolve())
            intervals, _ = read_lab(lab)
            if len(intervals) == 0:
                _warn(f"{lab}: empty annotation (no chord lines); track left out")
                continue
            annotated = float(intervals[-1, 1])
            audio_seconds = _audio_seconds(audio)
            seconds = annotated
            if audio_seconds < annotated - TIME_TOLERANCE:
                _warn(f"{lab}: audio {audio} lasts {audio_seconds:.3f} s, the annotation "
                      f"{annotated:.3f} s; annotation cropped to the audio")
                seconds = audio_seconds
            found.append((track_id, artist, seconds, lab, audio))
        for base in bases:
            for ext in AUDIO_EXTENSIONS:
                for audio in sorted(base.glob(f"*/audio/**/*{ext}")):
                    if audio.resolve() not in used_audio:
                        _warn(f"{audio}: audio without an annotation (.lab); ignored")
        return found

    # -- access ------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.tracks)

    def __iter__(self) -> Iterator[Track]:
        return iter(self.tracks)

    def __getitem__(self, track_id: str) -> Track:
        try:
            return self._by_id[track_id]
        except KeyError:
            raise KeyError(f"no track {track_id!r} in {self.root}") from None

    def __repr__(self) -> str:
        return f"IsophonicsDataset({str(self.root)!r}, {len(self)} tracks)"

    def fingerprint(self) -> str:
        """sha256 of every track's id, split, annotation bytes and audio size."""
        digest = hashlib.sha256()
        for t in self.tracks:
            digest.update(f"\n{t.id}:{t.split}:{t.audio_path.stat().st_size}\n".encode())
            digest.update(t.lab_path.read_bytes())
        return digest.hexdigest()

    def class_distribution(self) -> dict:
        """Seconds per majmin class name (and ``"excluded"``), per collection."""
        out = {}
        for t in self.tracks:
            dist = class_distribution(*t.chords())
            acc = out.setdefault(t.collection, dict.fromkeys(dist, 0.0))
            for k, v in dist.items():
                acc[k] += v
        return out

    def summary(self) -> str:
        """Tracks, minutes and class distribution of each collection, one line each."""
        lines = []
        for collection, seconds in self.class_distribution().items():
            n = sum(t.collection == collection for t in self.tracks)
            n_test = sum(t.collection == collection and t.split == "test" for t in self.tracks)
            lines.append(f"{collection}: {n} tracks ({n_test} test), " + format_distribution(seconds))
        return "\n".join(lines)


def _read_split_file(path: Path, track_ids: set) -> dict:
    splits = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"track", "split"} <= set(reader.fieldnames):
            raise IsophonicsFormatError(f"{path}:1: a split file needs the columns 'track,split'")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if row["split"] not in ("train", "test"):
                raise IsophonicsFormatError(f"{where}: split {row['split']!r} must be 'train' or 'test'")
            if row["track"] not in track_ids:
                raise IsophonicsFormatError(f"{where}: no track {row['track']!r} in the collection")
            splits[row["track"]] = row["split"]
    return splits


def _drawn_split(found, *, test_size: float, seed: int) -> dict:
    """Seeded split by track, stratified by collection (at least one test track
    for a collection of two or more)."""
    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size} must be in (0, 1)")
    by_collection: dict[str, list[str]] = {}
    for track_id, collection, *_ in found:
        by_collection.setdefault(collection, []).append(track_id)
    splits = {}
    for collection, ids in sorted(by_collection.items()):
        order = sorted(ids)
        random.Random(f"isophonics-split-{seed}-{collection}").shuffle(order)
        n_test = max(1, round(test_size * len(order))) if len(order) > 1 else 0
        for i, track_id in enumerate(order):
            splits[track_id] = "test" if i < n_test else "train"
    return splits
