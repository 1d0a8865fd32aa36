"""The course layout of precomputed arrays (no audio).

Layout under ``root``::

    <collection>/train/<id>.fused.full.npy    140 x T float arrays ([:128]
    <collection>/test/<id>.fused.full.npy     log-mel, [128:] chroma); .npy.gz too
    <collection>/train_labels.txt             a header line, then one line per
    <collection>/test_labels.txt              clip: ``file name<TAB>genre``
    <collection>/groups.txt                   optional: ``id<TAB>group``
    <collection>_beat/...                     the beat-synchronous twins

A *targets* collection (the studies' multitask one) has label files whose
header is ``id`` then target names (``valence, energy, danceability``), one
numeric row per clip; the reader tells the two kinds apart by the header.

The file names in a label file do not always match those on disk: a label's
name is matched to an array by its id (folder and suffixes stripped) and a
:class:`GenreWarning` says how many were matched that way.

Bad input: a label naming a genre outside the class mapping raises
:class:`GenreDataError` naming the file and line (unless the mapping drops
it); a label naming a missing array, an array that is not 140 x T, and NaN or
missing targets drop the clip with a warning naming it.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from .clips import FUSED_ROWS, Clip, ClipCollection, GenreDataError, class_mapping, clip_id, warn

__all__ = ["SpectrogramCollection", "array_shape", "read_labels"]

SPLITS = ("train", "test")


def array_shape(path) -> tuple:
    """Shape of a ``.npy`` / ``.npy.gz`` array from its header (no data read)."""
    path = Path(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                else np.lib.format.read_array_header_2_0)
        shape, _, _ = read(fh)
    return tuple(shape)


def read_labels(path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header fields and ``(line number, fields)`` rows of a label file
    (tab-separated, or comma-separated when the header has no tab)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise GenreDataError(f"{path}: empty label file (expected a header line)")
    delimiter = "\t" if "\t" in lines[0] else ","
    header = [h.strip() for h in lines[0].split(delimiter)]
    rows = [(n, [f.strip() for f in line.split(delimiter)])
            for n, line in enumerate(lines[1:], start=2) if line.strip()]
    return header, rows


def _is_targets_header(header: list[str]) -> bool:
    return len(header) > 2 or (len(header) == 2 and header[0].lower() == "id"
                               and header[1].lower() not in ("genre", "label", "class"))


class SpectrogramCollection(ClipCollection):
    """A precomputed collection in the course layout.

    Parameters
    ----------
    root : path-like
        Folder holding the collections.
    collection : str
        Name of the collection folder (its beat twin is ``<collection>_beat``).
    beat : bool, default=False
        Read the beat-synchronous twin's arrays (labels from the twin's own
        label files if it has them, else from the collection's).
    mapping : None, dict, str or path-like
        Class mapping for genre labels.
    min_frames : int, default=1
        Arrays with fewer frames (shorter than the unit) are dropped.

    Attributes
    ----------
    clips : tuple of Clip (``array_path`` set, ``audio_path`` None)
    kind : {"genre", "targets"}
    genres : list of str
    target_names : tuple of str
    """

    group_kind = "clip, or groups.txt's group"
    has_official_split = True

    def __init__(self, root, collection: str, *, beat: bool = False, mapping=None,
                 min_frames: int = 1):
        self.root = Path(root)
        self.collection = collection
        base = self.root / collection
        folder = self.root / f"{collection}_beat" if beat else base
        if not folder.is_dir():
            raise GenreDataError(f"{folder}: no such collection folder")
        mapping = class_mapping(mapping)
        groups = self._groups(folder) or self._groups(base)
        clips, self.kind, self.target_names = [], None, ()
        for split in SPLITS:
            labels = folder / f"{split}_labels.txt"
            if not labels.exists():
                labels = base / f"{split}_labels.txt"
            if not labels.exists():
                raise GenreDataError(f"{labels}: missing label file")
            clips.extend(self._read_split(folder / split, labels, split, mapping, groups, min_frames))
        self.clips = tuple(sorted(clips, key=lambda c: c.id))
        self.genres = sorted({c.genre for c in self.clips if c.genre is not None})

    @staticmethod
    def _groups(folder: Path) -> dict:
        path = folder / "groups.txt"
        if not path.exists():
            return {}
        out = {}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                fields = line.split("\t")
                if len(fields) != 2:
                    raise GenreDataError(f"{path}, line {n}: expected 'id<TAB>group'")
                out[fields[0].strip()] = fields[1].strip()
        return out

    def _read_split(self, folder, labels, split, mapping, groups, min_frames):
        if not folder.is_dir():
            raise GenreDataError(f"{folder}: missing (the {split} arrays)")
        on_disk = {}
        for p in folder.iterdir():
            if p.name.endswith((".npy", ".npy.gz")):
                on_disk.setdefault(clip_id(p.name), p)
        header, rows = read_labels(labels)
        kind = "targets" if _is_targets_header(header) else "genre"
        if self.kind not in (None, kind):
            raise GenreDataError(f"{labels}: a {kind} label file, but the other split has "
                                 f"{self.kind} labels")
        self.kind = kind
        if kind == "targets":
            self.target_names = tuple(header[1:])
        loose, out = [], []
        for n, fields in rows:
            where = f"{labels}, line {n}"
            width = len(header) if kind == "targets" else 2
            if len(fields) != width:
                raise GenreDataError(f"{where}: expected {width} fields, got {len(fields)}")
            cid = clip_id(fields[0])
            path = on_disk.get(cid)
            if path is None:
                warn(f"{where}: names {fields[0]!r} but {folder} has no array for id {cid}; "
                     f"clip dropped")
                continue
            names_ids = kind == "targets" and header[0].lower() == "id"
            if not names_ids and path.name != fields[0].rsplit("/", 1)[-1]:
                loose.append(f"{fields[0]!r} -> {path.name!r}")
            genre, targets = None, {}
            if kind == "genre":
                genre = mapping.map(fields[1], where=where)
                if genre is None:
                    continue
            else:
                targets = self._targets(fields, where, cid)
                if targets is None:
                    continue
            shape = array_shape(path)
            if len(shape) != 2 or shape[0] != FUSED_ROWS:
                warn(f"{path}: array of shape {shape} is not {FUSED_ROWS} x T; clip {cid} dropped")
                continue
            if shape[1] < min_frames:
                warn(f"{path}: {shape[1]} frames, shorter than the unit of {min_frames}; "
                     f"clip {cid} dropped")
                continue
            out.append(Clip(id=cid, split=split, group=groups.get(cid, cid), genre=genre,
                            targets=targets, array_path=path))
        if loose:
            warn(f"{labels}: {len(loose)} label names differ from the files on disk and were "
                 f"matched by id (e.g. {loose[0]})")
        return out

    def _targets(self, fields, where, cid):
        values = {}
        for name, text in zip(self.target_names, fields[1:]):
            try:
                values[name] = float(text) if text else float("nan")
            except ValueError:
                raise GenreDataError(f"{where}: {name} = {text!r} is not a number") from None
        bad = [n for n, v in values.items() if not np.isfinite(v)]
        if bad:
            warn(f"{where}: clip {cid} has missing or NaN targets {bad}; dropped")
            return None
        return values

    def _fingerprint_fields(self, c: Clip) -> tuple:
        """(id, split, group, labels, array size)."""
        return (c.id, c.split, c.group, c.genre, sorted(c.targets.items()),
                c.array_path.stat().st_size)

    def __repr__(self):
        return (f"SpectrogramCollection({str(self.root)!r}, {self.collection!r}: "
                f"{len(self.clips)} clips, {self.kind})")
