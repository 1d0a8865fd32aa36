"""The FMA reader (Free Music Archive, Defferrard et al. 2017).

Layout under ``root``::

    fma_metadata/tracks.csv   three header rows: a two-level column index
                              (``track``/``album``/``artist``/``set`` over the
                              field names) and the ``track_id`` index row
    fma_metadata/genres.csv   genre_id, #tracks, parent, title, top_level
    fma_<subset>/<first 3 digits>/<6 digits>.mp3

``tracks.csv``'s list columns (``track.genres``, ``track.genres_all``,
``track.tags``, ``album.tags``, ``artist.tags``) are Python literals, read
with :func:`ast.literal_eval`.  The subset (``set.subset``: small within
medium within large) and the official split (``set.split``: training,
validation, test) come from the ``set`` columns; the group is the artist
(``artist.id``), and an artist the split puts on two sides is moved whole to
the side holding most of its tracks, with a warning.

A track's genre is ``track.genre_top``; where it is empty, the one top-level
genre of its ``track.genres`` (through ``genres.csv``), else the track is
dropped with a warning.  mp3 is decoded by soundfile (libsndfile >= 1.1, from
PyPI alone).  Tracks whose mp3 is missing, fails to decode or decodes to
nothing (three in fma_small) are dropped with a warning naming them when
``check_audio=True``; otherwise :meth:`Clip.audio` raises
:class:`~baselines.data.clips.AudioDecodeError` and the caller skips them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .clips import AudioDecodeError, Clip, ClipCollection, GenreDataError, class_mapping, warn

__all__ = ["FMA", "read_tracks", "read_genres", "SUBSETS", "LITERAL_COLUMNS"]

SUBSETS = ("small", "medium", "large", "full")
LITERAL_COLUMNS = (("track", "genres"), ("track", "genres_all"), ("track", "tags"),
                   ("album", "tags"), ("artist", "tags"))
_REQUIRED = (("set", "subset"), ("set", "split"), ("track", "genre_top"), ("artist", "id"))
_SPLITS = {"training": "train", "validation": "valid", "test": "test"}
_HEADER_ROWS = 3


def read_tracks(path) -> "pd.DataFrame":
    """``tracks.csv`` with its two-level column index, list columns parsed.

    Raises
    ------
    GenreDataError
        Missing required columns, or a list cell that is not a Python
        literal (the message names the file and line).
    """
    import pandas as pd

    path = Path(path)
    try:
        tracks = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise GenreDataError(f"{path}: cannot read as FMA tracks.csv ({exc})") from None
    missing = [".".join(c) for c in _REQUIRED if c not in tracks.columns]
    if missing:
        raise GenreDataError(f"{path}: missing columns {missing} (needs three header rows: "
                             f"a two-level column index and the track_id row)")
    for column in LITERAL_COLUMNS:
        if column not in tracks.columns:
            continue
        parsed = []
        for line, value in enumerate(tracks[column], start=_HEADER_ROWS + 1):
            if isinstance(value, str):
                try:
                    value = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    raise GenreDataError(f"{path}, line {line}: {'.'.join(column)} = {value!r} "
                                         f"is not a Python literal") from None
            parsed.append(value if isinstance(value, list) else [])
        tracks[column] = parsed
    tracks[("set", "subset")] = tracks[("set", "subset")].astype(str)
    return tracks


def read_genres(path) -> "pd.DataFrame":
    """``genres.csv`` indexed by genre_id (columns parent, title, top_level)."""
    import pandas as pd

    path = Path(path)
    table = pd.read_csv(path, index_col=0)
    missing = [c for c in ("title", "top_level") if c not in table.columns]
    if missing:
        raise GenreDataError(f"{path}: missing columns {missing}")
    return table


def audio_path(root: Path, subset: str, track_id: int) -> Path:
    """``fma_<subset>/<first 3 digits>/<6 digits>.mp3``."""
    name = f"{int(track_id):06d}"
    return root / f"fma_{subset}" / name[:3] / f"{name}.mp3"


class FMA(ClipCollection):
    """One FMA subset with its official, artist-filtered split.

    Parameters
    ----------
    root : path-like
        Holds ``fma_metadata/`` and ``fma_<subset>/``.
    subset : {"small", "medium", "large", "full"}, default="small"
    mapping : None, dict, str or path-like
        Class mapping of ``genre_top`` names; default keeps them.
    min_seconds : float, default=0.0
        With ``check_audio``, clips shorter than this are dropped.
    check_audio : bool, default=False
        Decode every mp3 once at open; drop (with a warning naming the
        track) those that fail, decode to nothing, or are too short.

    Attributes
    ----------
    clips : tuple of Clip (id = the six-digit track id)
    genres : list of str
    has_official_split : bool (True)
    """

    group_kind = "artist"

    def __init__(self, root, *, subset: str = "small", mapping=None, min_seconds: float = 0.0,
                 check_audio: bool = False):
        if subset not in SUBSETS:
            raise ValueError(f"subset={subset!r} must be one of {SUBSETS}")
        self.root, self.subset = Path(root), subset
        meta = self.root / "fma_metadata"
        tracks_path = meta / "tracks.csv"
        if not tracks_path.exists():
            raise GenreDataError(f"{tracks_path}: missing (the FMA metadata archive unpacks there)")
        tracks = read_tracks(tracks_path)
        genres = read_genres(meta / "genres.csv") if (meta / "genres.csv").exists() else None
        mapping = class_mapping(mapping)
        allowed = set(SUBSETS[:SUBSETS.index(subset) + 1]) if subset != "full" else None
        rows, no_genre, no_audio = [], [], []
        for line, (tid, row) in enumerate(tracks.iterrows(), start=_HEADER_ROWS + 1):
            if allowed is not None and row[("set", "subset")] not in allowed:
                continue
            genre = self._genre(row, genres)
            if genre is None:
                no_genre.append(f"{int(tid):06d}")
                continue
            genre = mapping.map(genre, where=f"{tracks_path}, line {line}")
            if genre is None:
                continue
            path = audio_path(self.root, subset, tid)
            if not path.exists():
                no_audio.append(f"{int(tid):06d}")
                continue
            split = _SPLITS.get(str(row[("set", "split")]))
            rows.append([f"{int(tid):06d}", split, str(row[("artist", "id")]), genre, path])
        if no_genre:
            warn(f"{len(no_genre)} tracks have no single top-level genre "
                 f"({', '.join(no_genre[:5])}); dropped")
        if no_audio:
            warn(f"{len(no_audio)} tracks have no mp3 under fma_{subset}/ "
                 f"({', '.join(no_audio[:5])}); dropped")
        rows = self._artists_on_one_side(rows)
        clips = [Clip(id=r[0], split=r[1], group=r[2], genre=r[3], audio_path=r[4]) for r in rows]
        if check_audio:
            clips = [c for c in clips if self._decodes(c, min_seconds)]
        self.clips = tuple(sorted(clips, key=lambda c: c.id))
        self.genres = sorted({c.genre for c in self.clips})
        self.has_official_split = True

    @staticmethod
    def _genre(row, genres):
        top = row[("track", "genre_top")]
        if isinstance(top, str) and top:
            return top
        if genres is None:
            return None
        ids = row[("track", "genres")] if ("track", "genres") in row.index else []
        tops = {genres.loc[g, "top_level"] for g in ids if g in genres.index}
        if len(tops) != 1:
            return None
        top_id = tops.pop()
        return str(genres.loc[top_id, "title"]) if top_id in genres.index else None

    @staticmethod
    def _artists_on_one_side(rows):
        sides: dict[str, dict] = {}
        for r in rows:
            sides.setdefault(r[2], {}).setdefault(r[1], 0)
            sides[r[2]][r[1]] += 1
        moved = {a: max(s, key=lambda k: (s[k], str(k))) for a, s in sides.items() if len(s) > 1}
        if moved:
            warn(f"{len(moved)} artists straddled the split ({', '.join(sorted(moved)[:5])}); "
                 f"each moved whole to the side holding most of its tracks")
        return [[r[0], moved.get(r[2], r[1]), *r[2:]] for r in rows]

    @staticmethod
    def _decodes(clip: Clip, min_seconds: float) -> bool:
        try:
            y = clip.audio(sr=22050)
        except AudioDecodeError as exc:
            warn(f"track {clip.id}: {exc}; dropped")
            return False
        if len(y) < min_seconds * 22050:
            warn(f"track {clip.id} lasts {len(y) / 22050:.2f} s, shorter than the unit of "
                 f"{min_seconds:g} s; dropped")
            return False
        return True

    def _fingerprint_fields(self, c: Clip) -> tuple:
        """(id, split, group, genre, mp3 size)."""
        return (c.id, c.split, c.group, c.genre, c.audio_path.stat().st_size)

    def __repr__(self):
        return f"FMA({str(self.root)!r}, subset={self.subset!r}: {len(self.clips)} clips)"
