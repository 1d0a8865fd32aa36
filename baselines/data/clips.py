"""What the genre readers share: the clip item, class mappings, decoding.

A *clip* is a whole file of a genre collection (GTZAN's 30 s excerpt, an FMA
track's 30 s preview, a course array): :class:`Clip` carries its id, split,
group (what never straddles a split), genre, affect targets, and either a
lazily decoded audio file or a precomputed 140 x T array.

A :class:`ClassMapping` takes a collection's genre names to the classes a
task predicts; a genre mapped to ``None`` is dropped, a genre the mapping does
not name is an error (:meth:`ClassMapping.map` names the file and line).
:data:`STUDY_20_TO_10` is the course studies' 20 -> 10 preset.

Public names
------------
Clip, ClipCollection, GenreDataError, GenreWarning, AudioDecodeError, ClassMapping,
STUDY_20_TO_10, MAPPING_PRESETS, class_mapping, decode_audio, clip_id, FUSED_ROWS.
"""

from __future__ import annotations

import csv
import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Clip", "GenreDataError", "GenreWarning", "AudioDecodeError", "ClassMapping",
    "STUDY_20_TO_10", "MAPPING_PRESETS", "class_mapping", "decode_audio", "clip_id", "FUSED_ROWS",
    "load_array", "grouped_split", "warn", "ClipCollection",
]

#: Rows of a fused image: 128 log-mel + 12 chroma.
FUSED_ROWS = 140


class GenreDataError(ValueError):
    """A fatal problem with a genre collection; the message names the file
    (and line) and the problem."""


class GenreWarning(UserWarning):
    """A clip was dropped or a name was matched loosely; the message says which."""


class AudioDecodeError(GenreDataError):
    """A clip's audio failed to decode or decoded to nothing."""


# ---------------------------------------------------------------- the item

@dataclass(frozen=True)
class Clip:
    """One clip of a genre collection.

    Attributes
    ----------
    id : str
    split : str or None
        ``"train"``, ``"valid"`` or ``"test"`` from the collection, or None.
    group : str
        What never straddles a split (artist, piece; the clip itself when
        the collection names none).
    genre : str or None
        The class after the mapping; None where the collection has no genres.
    targets : dict of str -> float
        Affect (or score-measured) regression targets; empty if none.
    audio_path : Path or None
    array_path : Path or None
        A precomputed fused array (``.npy`` or ``.npy.gz``).
    seconds : float or None
        Length of the audio when known.
    """

    id: str
    split: str | None
    group: str
    genre: str | None = None
    targets: dict = field(default_factory=dict, compare=False)
    audio_path: Path | None = None
    array_path: Path | None = None
    seconds: float | None = None

    def audio(self, sr: int = 22050) -> np.ndarray:
        """Mono float32 audio at ``sr``.

        Raises
        ------
        AudioDecodeError
            The file fails to decode or holds no samples (message names it).
        """
        if self.audio_path is None:
            raise GenreDataError(f"clip {self.id} has no audio (a precomputed collection)")
        return decode_audio(self.audio_path, sr=sr)

    def array(self) -> np.ndarray:
        """The precomputed ``(140, T)`` float32 array."""
        if self.array_path is None:
            raise GenreDataError(f"clip {self.id} has no precomputed array")
        return load_array(self.array_path)

    @property
    def annotations(self) -> dict:
        """``{"genre": ..., **targets}``."""
        return {"genre": self.genre, **self.targets}


class ClipCollection:
    """What every genre reader is: its ``clips`` (a list of :class:`Clip`),
    counted, iterated and fingerprinted.

    A reader names what its fingerprint covers in :meth:`_fingerprint_fields`.
    """

    clips: list

    def __len__(self):
        return len(self.clips)

    def __iter__(self):
        return iter(self.clips)

    def _fingerprint_fields(self, clip: Clip) -> tuple:
        raise NotImplementedError

    def fingerprint(self) -> str:
        """sha1 over every clip's :meth:`_fingerprint_fields` (16 hex digits)."""
        h = hashlib.sha1()
        for c in self.clips:
            h.update(repr(self._fingerprint_fields(c)).encode())
        return h.hexdigest()[:16]


def decode_audio(path, *, sr: int = 22050) -> np.ndarray:
    """Decode a wav, au, flac or mp3 file (soundfile; mp3 needs libsndfile >= 1.1)
    to mono float32 at ``sr``.

    Raises
    ------
    AudioDecodeError
        The file cannot be decoded, or decodes to no samples.
    """
    import soundfile as sf

    try:
        y, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError, sf.LibsndfileError) as exc:
        raise AudioDecodeError(f"{path}: cannot decode audio ({exc})") from None
    if y.size == 0:
        raise AudioDecodeError(f"{path}: audio decodes to no samples")
    y = y.mean(axis=1, dtype=np.float32)
    if not np.all(np.isfinite(y)):
        raise AudioDecodeError(f"{path}: audio has non-finite samples")
    if file_sr != sr:
        import soxr

        y = soxr.resample(y, file_sr, sr, quality="HQ")
    return np.ascontiguousarray(y, dtype=np.float32)


def load_array(path) -> np.ndarray:
    """A precomputed array from ``.npy`` or gzip-compressed ``.npy.gz``."""
    path = Path(path)
    if path.name.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as fh:
            return np.load(fh).astype(np.float32, copy=False)
    return np.load(path).astype(np.float32, copy=False)


_SUFFIXES = (".gz", ".npy", ".full", ".beat", ".fused", ".wav", ".au", ".mp3", ".flac")


def clip_id(name: str) -> str:
    """The id in a file name: its folder and known suffixes removed
    (``"a/000123.fused.full.npy.gz"`` -> ``"000123"``)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    return name


# ---------------------------------------------------------------- mapping

#: The course studies' preset: 20 FMA genres to 10 classes, ``None`` drops.
#: Reconstructed from the studies' description (it merges some genres and
#: drops others); check it against your copy of their table before quoting.
STUDY_20_TO_10 = {
    "Rock": "Rock", "Punk": "Rock", "Metal": "Rock",
    "Electronic": "Electronic", "Ambient Electronic": "Electronic",
    "Hip-Hop": "Hip-Hop",
    "Folk": "Folk", "Country": "Folk", "Old-Time / Historic": "Folk",
    "Pop": "Pop", "Easy Listening": "Pop",
    "Experimental": "Experimental",
    "Instrumental": "Instrumental", "Soundtrack": "Instrumental",
    "International": "International",
    "Jazz": "Jazz-Blues", "Blues": "Jazz-Blues", "Soul-RnB": "Jazz-Blues",
    "Classical": "Classical",
    "Spoken": None,
}

MAPPING_PRESETS = {"study-20-to-10": STUDY_20_TO_10}


@dataclass(frozen=True)
class ClassMapping:
    """Genre name -> class (``None`` drops the genre).

    Parameters
    ----------
    table : dict of str -> str or None
        ``None`` as the whole mapping (see :func:`class_mapping`) keeps
        every genre as it is.
    """

    table: dict | None = None

    @property
    def classes(self) -> list[str]:
        """Sorted classes the mapping produces (empty for the identity)."""
        return sorted({v for v in (self.table or {}).values() if v is not None})

    def map(self, genre: str, *, where: str = "") -> str | None:
        """The class of ``genre``; None if the mapping drops it.

        Parameters
        ----------
        genre : str
        where : str
            ``"file, line n"``: named in the error.

        Raises
        ------
        GenreDataError
            ``genre`` is not in the mapping.
        """
        if self.table is None:
            return genre
        if genre in self.table:
            return self.table[genre]
        raise GenreDataError(f"{where + ': ' if where else ''}genre {genre!r} is not in the class "
                             f"mapping (it names {sorted(self.table)}); map it to a class or to "
                             f"None to drop it")


def class_mapping(mapping=None) -> ClassMapping:
    """A :class:`ClassMapping` from a dict, a preset name, a file or None.

    Parameters
    ----------
    mapping : None, dict, ClassMapping, str or path-like
        None: the identity.  A preset name (``"study-20-to-10"``).  A file:
        JSON (``{"genre": "class" | null}``) or text lines ``genre<TAB>class``
        (a comma also separates; an empty class drops the genre; ``#`` lines
        are comments).

    Raises
    ------
    GenreDataError
        An unreadable file or a malformed line (file and line named).
    """
    if mapping is None or isinstance(mapping, ClassMapping):
        return mapping or ClassMapping()
    if isinstance(mapping, dict):
        return ClassMapping(dict(mapping))
    if isinstance(mapping, str) and mapping in MAPPING_PRESETS:
        return ClassMapping(dict(MAPPING_PRESETS[mapping]))
    path = Path(mapping)
    if not path.is_file():
        raise GenreDataError(f"class mapping {mapping!r} is neither a preset "
                             f"({', '.join(MAPPING_PRESETS)}) nor a file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            table = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GenreDataError(f"{path}: not valid JSON ({exc})") from None
        return ClassMapping({str(k): (None if v is None else str(v)) for k, v in table.items()})
    table = {}
    delimiter = "\t" if "\t" in text else ","
    for n, row in enumerate(csv.reader(text.splitlines(), delimiter=delimiter), start=1):
        if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
            continue
        if len(row) != 2 or not row[0].strip():
            raise GenreDataError(f"{path}, line {n}: expected 'genre{delimiter!r}class', got {row}")
        table[row[0].strip()] = row[1].strip() or None
    return ClassMapping(table)


def warn(message: str) -> None:
    """Emit a :class:`GenreWarning` (a clip dropped, a name matched loosely)."""
    warnings.warn(message, GenreWarning, stacklevel=3)


def grouped_split(genres: dict, groups: dict, *, test_size: float = 0.25, seed: int = 0) -> dict:
    """A seeded split by group, stratified by genre: clip id -> "train"/"test".

    Parameters
    ----------
    genres, groups : dict of clip id -> str
    test_size : float
        Share of each genre's groups on the test side (at least one group
        where a genre has two or more).
    seed : int

    Returns
    -------
    dict of clip id -> split; clips of one group always share it.
    """
    import random

    if not 0 < test_size < 1:
        raise ValueError(f"test_size={test_size} must lie in (0, 1)")
    by_genre: dict[str, set] = {}
    for cid, g in groups.items():
        by_genre.setdefault(genres[cid], set()).add(g)
    test_groups = set()
    for genre in sorted(by_genre, key=str):
        members = sorted(by_genre[genre] - test_groups)
        if len(members) < 2:
            continue
        random.Random(f"split-{seed}-{genre}").shuffle(members)
        test_groups.update(members[:max(1, round(test_size * len(members)))])
    return {cid: "test" if g in test_groups else "train" for cid, g in groups.items()}
