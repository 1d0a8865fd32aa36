"""The GTZAN reader: ``genres/<genre>/<genre>.000NN.wav`` (or ``.au``).

GTZAN has 10 genres x 100 clips of 30 s at 22,050 Hz and no artist labels;
its clips repeat artists, so a random split leaks them (91-94 % claimed on
random splits against 53.4 % for MFCC + SVM on the fault-filtered split).
The reader therefore takes, in order of preference:

1. split files in the root, ``train_filtered.txt``, ``valid_filtered.txt``,
   ``test_filtered.txt`` (the fault-filtered lists: one
   ``<genre>/<genre>.000NN.wav`` per line); clips they do not list are
   dropped (that is what the filtering means), with one warning;
2. else a seeded split stratified by genre, by group.

An optional ``clips.csv`` (columns ``file, group`` and any numeric target
columns; the embedded style corpus writes one) gives each clip its group and
regression targets.  Without it a clip is its own group.

Bad input: a file name not of the form ``<genre>.<digits>`` or a clip
shorter than ``min_seconds`` is dropped with a :class:`GenreWarning` naming
it; a genre outside the class mapping raises :class:`GenreDataError` (unless
the mapping drops it); an empty ``genres/`` raises.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .clips import (Clip, ClipCollection, GenreDataError, class_mapping, clip_id, grouped_split,
                    warn)

__all__ = ["GTZAN", "SPLIT_FILES"]

SPLIT_FILES = {"train": "train_filtered.txt", "valid": "valid_filtered.txt",
               "test": "test_filtered.txt"}
_NAME = re.compile(r"^(?P<genre>.+)\.(?P<n>\d+)\.(wav|au|flac|mp3)$", re.I)
_TEXT_COLUMNS = {"file", "id", "genre", "group", "ensemble", "source", "split"}


def _read_clip_table(path: Path) -> tuple[dict, dict, tuple]:
    """``clips.csv`` -> (group by id, targets by id, target names)."""
    import pandas as pd

    table = pd.read_csv(path, dtype={"group": str})
    if "file" not in table.columns:
        raise GenreDataError(f"{path}: needs a 'file' column; has {list(table.columns)}")
    names = tuple(c for c in table.columns if c not in _TEXT_COLUMNS
                  and pd.api.types.is_numeric_dtype(table[c]))
    groups, targets = {}, {}
    for row in table.itertuples(index=False):
        cid = clip_id(str(row.file))
        if "group" in table.columns and isinstance(row.group, str):
            groups[cid] = row.group
        targets[cid] = {n: float(getattr(row, n)) for n in names}
    return groups, targets, names


class GTZAN(ClipCollection):
    """A GTZAN-layout collection.

    Parameters
    ----------
    root : path-like
        Holds ``genres/``; optional ``*_filtered.txt`` split files and ``clips.csv``.
    mapping : None, dict, str or path-like
        Class mapping (:func:`~baselines.data.clips.class_mapping`); default
        keeps the folder names.
    min_seconds : float, default=0.0
        Clips shorter than this (the unit a task cuts) are dropped with a warning.
    test_size : float, default=0.25
        Share of each genre's groups in the test split when no split files exist.
    seed : int, default=0
    require_targets : bool, default=False
        Drop (with a warning) clips whose targets are missing or NaN (where
        ``clips.csv`` has target columns at all).

    Attributes
    ----------
    clips : tuple of Clip, sorted by id
    genres : list of str
    target_names : tuple of str
    has_official_split : bool
    """

    group_kind = "clip, or clips.csv's group"

    def __init__(self, root, *, mapping=None, min_seconds: float = 0.0, test_size: float = 0.25,
                 seed: int = 0, require_targets: bool = False):
        import soundfile as sf

        self.root = Path(root)
        folder = self.root / "genres"
        files = sorted(p for p in folder.glob("*/*") if p.is_file()) if folder.is_dir() else []
        if not files:
            raise GenreDataError(f"{folder}: no clips found (expected genres/<genre>/<genre>.000NN.wav)")
        mapping = class_mapping(mapping)
        table = self.root / "clips.csv"
        groups, targets, self.target_names = _read_clip_table(table) if table.exists() else ({}, {}, ())
        found = {}
        for path in files:
            m = _NAME.match(path.name)
            if m is None or m["genre"] != path.parent.name:
                warn(f"{path}: not a clip name <genre>.<digits>.<wav|au> inside genres/<genre>/; skipped")
                continue
            genre = mapping.map(path.parent.name, where=str(path))
            if genre is None:
                continue
            try:
                seconds = float(sf.info(str(path)).duration)
            except Exception as exc:  # noqa: BLE001 - any unreadable header
                warn(f"{path}: cannot read the audio header ({exc}); clip dropped")
                continue
            cid = clip_id(path.name)
            if seconds < min_seconds:
                warn(f"clip {cid} ({path}) lasts {seconds:.2f} s, shorter than the unit "
                     f"of {min_seconds:g} s; dropped")
                continue
            found[cid] = (path, genre, seconds)
        if require_targets and self.target_names:
            found = {c: v for c, v in found.items() if self._has_targets(c, targets)}
        splits = self._read_splits(found)
        self.has_official_split = splits is not None
        if splits is None:
            splits = grouped_split({c: v[1] for c, v in found.items()},
                                   {c: groups.get(c, c) for c in found}, test_size=test_size,
                                   seed=seed)
        self.clips = tuple(
            Clip(id=c, split=splits[c], group=groups.get(c, c), genre=found[c][1],
                 targets=targets.get(c, {}), audio_path=found[c][0], seconds=found[c][2])
            for c in sorted(found) if c in splits)
        self.genres = sorted({c.genre for c in self.clips})

    def _has_targets(self, cid, targets) -> bool:
        values = targets.get(cid)
        if values is None or len(values) < len(self.target_names):
            warn(f"clip {cid}: no targets in clips.csv; dropped")
            return False
        bad = [n for n, v in values.items() if not np.isfinite(v)]
        if bad:
            warn(f"clip {cid}: targets {bad} are missing or NaN; dropped")
            return False
        return True

    def _read_splits(self, found: dict):
        present = {s: self.root / f for s, f in SPLIT_FILES.items() if (self.root / f).exists()}
        if not present:
            return None
        splits = {}
        for split, path in present.items():
            for n, line in enumerate(path.read_text().splitlines(), start=1):
                if not line.strip():
                    continue
                cid = clip_id(line.strip())
                if cid in splits and splits[cid] != split:
                    raise GenreDataError(f"{path}, line {n}: clip {cid} is already in the "
                                         f"{splits[cid]} split")
                if cid not in found:
                    warn(f"{path}, line {n}: clip {cid} is not among the readable clips; skipped")
                    continue
                splits[cid] = split
        unlisted = sorted(set(found) - set(splits))
        if unlisted:
            warn(f"{len(unlisted)} clips are in no split file ({', '.join(unlisted[:5])}"
                 f"{' ...' if len(unlisted) > 5 else ''}); dropped as the filtered split does")
        return splits

    def __getitem__(self, cid):
        for clip in self.clips:
            if clip.id == cid:
                return clip
        raise KeyError(cid)

    def _fingerprint_fields(self, c: Clip) -> tuple:
        """(id, split, group, genre, size, targets)."""
        return (c.id, c.split, c.group, c.genre, c.audio_path.stat().st_size,
                sorted(c.targets.items()))

    def __repr__(self):
        return f"GTZAN({str(self.root)!r}: {len(self.clips)} clips, {len(self.genres)} genres)"
