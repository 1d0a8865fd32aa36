"""Which work a music21 corpus file belongs to, and which composers have enough.

A *work* is the catalog entry a movement belongs to: the group that must
never straddle a split, since two movements of one work share themes, key,
instrumentation and hand.  music21's corpus names its files after the
catalog, so the work is read from the path:

==========  ==================================  ==================
composer    file                                work
==========  ==================================  ==================
bach        ``bach/bwv244.37.mxl``              ``BWV 244`` (St Matthew Passion)
beethoven   ``beethoven/opus59no1/movement3``   ``Op. 59 No. 1``
haydn       ``haydn/opus74no1/movement2``       ``Op. 74 No. 1``
mozart      ``mozart/k458/movement1.mxl``       ``K. 458``
monteverdi  ``monteverdi/madrigal.4.12.mxl``    ``Madrigal 4.12`` (each madrigal is its own work)
palestrina  ``palestrina/Agnus_I_01.krn``       its ``!!!OPR`` record: ``Missa Aeterna Christi munera``
josquin     ``josquin/milleRegrets.abc``        ``milleRegrets`` (each chanson is its own work)
==========  ==================================  ==================

Palestrina's file numbers do not identify the mass (``Agnus_01`` and
``Agnus_I_01`` belong to different masses), so the humdrum file's own
parent-work record is read instead.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

__all__ = ["SCORE_EXTENSIONS", "composer_works", "corpus_root", "qualifying_composers",
           "score_files", "work_of"]

#: Score formats the default corpus renders (.rntxt files are harmonic
#: analyses, not music).
SCORE_EXTENSIONS = ("mxl", "xml", "musicxml", "krn", "abc")

#: music21 corpus folders that hold one composer's music (not collections
#: such as ``trecento`` or ``essenFolksong``), searched for qualifying composers.
COMPOSER_FOLDERS = (
    "bach", "beethoven", "chopin", "ciconia", "corelli", "cpebach", "handel", "haydn",
    "josquin", "joplin", "luca", "lusitano", "monteverdi", "mozart", "palestrina",
    "schoenberg", "schubert", "schumann_clara", "schumann_robert", "verdi", "weber",
    "webern",
)

_OPUS = re.compile(r"^op(?:us)?(\d+)(?:no(\d+))?", re.I)


def corpus_root() -> Path:
    """music21's corpus folder."""
    import music21

    return Path(music21.__file__).parent / "corpus"


@lru_cache(maxsize=4096)
def _humdrum_parent(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("!!!OPR:"):
                    return " ".join(line[len("!!!OPR:"):].split()) or None
                if not line.startswith("!"):
                    break  # reference records come first
    except OSError:
        return None
    return None


def work_of(source: str, *, root: Path | None = None) -> str:
    """The work (catalog entry) of a score file in music21's corpus.

    Parameters
    ----------
    source : str
        Path relative to music21's corpus, e.g. ``"mozart/k458/movement1.mxl"``.
    root : Path, optional
        music21's corpus folder (default :func:`corpus_root`); read only for
        humdrum files, whose parent-work record names the work.

    Returns
    -------
    str
        E.g. ``"K. 458"``, ``"BWV 244"``, ``"Op. 18 No. 1"``.

    Examples
    --------
    >>> work_of("bach/bwv248.42-4.mxl")
    'BWV 248'
    >>> work_of("beethoven/opus59no1/movement3.mxl")
    'Op. 59 No. 1'
    """
    parts = source.split("/")
    composer, rest = parts[0], parts[1:]
    stem = rest[0] if len(rest) > 1 else rest[0].rsplit(".", 1)[0]
    if composer == "bach":
        match = re.match(r"bwv(\d+)", stem, re.I)
        if match:
            return f"BWV {int(match.group(1))}"
    if composer == "mozart":
        match = re.match(r"k(\d+)", stem, re.I)
        if match:
            return f"K. {int(match.group(1))}"
    if composer == "monteverdi":
        match = re.match(r"madrigal\.(\d+)\.(\d+)", stem)
        if match:
            return f"Madrigal {match.group(1)}.{match.group(2)}"
    if source.endswith(".krn"):
        parent = _humdrum_parent(str((root or corpus_root()) / source))
        if parent:
            return parent
    match = _OPUS.match(stem)
    if match:
        number = f" No. {int(match.group(2))}" if match.group(2) else ""
        return f"Op. {int(match.group(1))}{number}"
    return stem


def score_files(composer: str, *, root: Path | None = None, max_file_bytes: int | None = None):
    """Score files of a composer, relative to music21's corpus, sorted.

    Leaves out analyses (.rntxt), a ``.krn`` that duplicates an ``.mxl`` of
    the same piece, superseded versions (``*_old``) and files bigger than
    ``max_file_bytes``.
    """
    root = root or corpus_root()
    folder = root / composer
    if not folder.is_dir():
        return []
    paths = sorted(p.relative_to(root).as_posix() for p in folder.rglob("*") if p.is_file())
    have = set(paths)
    keep = []
    for rel in paths:
        stem, _, ext = rel.rpartition(".")
        if ext not in SCORE_EXTENSIONS or stem.endswith("_old"):
            continue
        if ext == "krn" and f"{stem}.mxl" in have:
            continue  # the same piece twice
        if max_file_bytes is not None and (root / rel).stat().st_size > max_file_bytes:
            continue
        keep.append(rel)
    return keep


def composer_works(composer: str, *, root: Path | None = None,
                   max_file_bytes: int | None = None) -> dict[str, list[str]]:
    """Work -> its score files (movements), for one composer."""
    works: dict[str, list[str]] = {}
    for rel in score_files(composer, root=root, max_file_bytes=max_file_bytes):
        works.setdefault(work_of(rel, root=root), []).append(rel)
    return works


def qualifying_composers(min_works: int = 5, *, root: Path | None = None,
                         max_file_bytes: int | None = None) -> tuple[str, ...]:
    """Composer folders of music21's corpus with at least ``min_works`` works.

    With music21 9 and no size limit: bach, beethoven, josquin, monteverdi,
    mozart, palestrina (haydn has two works, op. 1 no. 1 and op. 74 no. 1).
    """
    return tuple(c for c in COMPOSER_FOLDERS
                 if len(composer_works(c, root=root, max_file_bytes=max_file_bytes)) >= min_works)
