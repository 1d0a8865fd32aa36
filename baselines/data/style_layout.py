"""Where the style corpus's clips go: GTZAN's layout and the course layouts.

The same clips, rendered into ``.build/``, are moved to::

    genres/<style>/<style>.000NN.wav      GTZAN's layout
    train_filtered.txt, test_filtered.txt the split, as GTZAN's lists
    clips.csv                             one row per clip
    spectrograms/styles{,_beat}/...       precomputed arrays, genre labels
    spectrograms/styles_targets{,_beat}/  the same arrays (hard links),
                                          regression targets as labels

(see :mod:`baselines.data.style_corpus`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .corpus_build import csv_bytes, grouped_test_ids, replace_write
from .style_clips import TARGETS

__all__ = ["write_layouts"]


def _link(src: Path, dst: Path) -> None:
    if dst.exists():
        dst.unlink()
    try:
        os.link(src, dst)
    except OSError:  # another file system: copy
        shutil.copyfile(src, dst)


def write_layouts(root: Path, staging: Path, kept: dict, *, test_fraction: float, seed: int) -> int:
    """Move the kept clips out of ``staging`` into GTZAN's layout and the
    course layouts under ``root/spectrograms`` and write their lists and
    label files; returns the number of clips.

    Parameters
    ----------
    root, staging : Path
    kept : dict
        Style -> its clips (dicts with ``name``, ``source``, ``ensemble`` and
        the :data:`~baselines.data.style_clips.TARGETS`), in order.
    test_fraction : float
        About this share of each style's clips is tested, piece by piece.
    seed : int
        Seeds the split.
    """
    rows, splits = [], {"train": [], "test": []}
    spec_root = root / "spectrograms"
    collections = {"styles": ".fused.full.npy", "styles_beat": ".fused.beat.npy",
                   "styles_targets": ".fused.full.npy", "styles_targets_beat": ".fused.beat.npy"}
    for collection in collections:
        for split in splits:
            (spec_root / collection / split).mkdir(parents=True, exist_ok=True)
    for style, clips in kept.items():
        (root / "genres" / style).mkdir(parents=True, exist_ok=True)
        test = grouped_test_ids(clips, id_field="name", fraction=test_fraction,
                                rng_seed=f"style-split-{seed}-{style}")
        for n, clip in enumerate(clips):
            clip_id = f"{style}.{n:05d}"
            split = "test" if clip["name"] in test else "train"
            wav = root / "genres" / style / f"{clip_id}.wav"
            moves = [(staging / f"{clip['name']}.wav", wav),
                     (staging / f"{clip['name']}.fused.npy",
                      spec_root / "styles" / split / f"{clip_id}.fused.full.npy"),
                     (staging / f"{clip['name']}.beat.npy",
                      spec_root / "styles_beat" / split / f"{clip_id}.fused.beat.npy")]
            for src, dst in moves:
                if src.exists():
                    os.replace(src, dst)
                elif not dst.exists():
                    raise FileNotFoundError(f"clip {clip_id}: {src} is missing")
            for kind in ("full", "beat"):
                twin = "" if kind == "full" else "_beat"
                _link(spec_root / f"styles{twin}" / split / f"{clip_id}.fused.{kind}.npy",
                      spec_root / f"styles_targets{twin}" / split / f"{clip_id}.fused.{kind}.npy")
            splits[split].append(f"{style}/{clip_id}.wav")
            rows.append({"file": f"{style}/{clip_id}.wav", "id": clip_id, "split": split,
                         "genre": style, "group": clip["source"], "ensemble": clip["ensemble"],
                         **{t: clip[t] for t in TARGETS}, "source": clip["source"]})
    columns = ["file", "genre", "group", "ensemble", *TARGETS, "source"]
    replace_write(root / "clips.csv", csv_bytes(columns, [[r[c] for c in columns] for r in rows]))
    for split, files in splits.items():
        replace_write(root / f"{split}_filtered.txt", ("\n".join(files) + "\n").encode())
        mine = [r for r in rows if r["split"] == split]
        for collection, suffix in collections.items():
            folder = spec_root / collection
            if collection.startswith("styles_targets"):
                text = "id\t" + "\t".join(TARGETS) + "\n" + "".join(
                    r["id"] + "\t" + "\t".join(repr(r[t]) for t in TARGETS) + "\n" for r in mine)
            else:
                text = "file\tgenre\n" + "".join(f"{r['id']}{suffix}\t{r['genre']}\n" for r in mine)
            replace_write(folder / f"{split}_labels.txt", text.encode())
    for collection in collections:
        text = "".join(f"{r['id']}\t{r['group']}\n" for r in rows)
        replace_write(spec_root / collection / "groups.txt", text.encode())
    return len(rows)
