"""The dataset registry: ``--dataset NAME [--root DIR]`` -> a reader.

A *dataset* here is a named way to get a corpus folder and read it:

- its ``kind``: the layout it reads (``"musicnet"``: wav + label csv +
  metadata csv); a task declares the kinds it can read;
- its ``group``: what must never fall on both sides of a train/test split
  (``"work"``, the catalog entry, for MusicNet-kind corpora: see
  :func:`baselines.data.musicnet.work_key`; an album or an artist
  elsewhere); every item the reader yields has a ``group`` attribute;
- ``open(root)``: the reader, returning a corpus whose items are mirdata-like
  (``id``, ``split`` or None, ``group``, ``seconds``, lazy ``audio(sr)``,
  annotations);
- ``default_root``: where one exists, the embedded default (built on first
  use, e.g. rendered from music21 scores), used when no ``--root`` is given.

:data:`DATASET_READERS` (name -> :class:`DatasetReader`), filled by
:func:`register_dataset`; :func:`get_dataset` raises ``ValueError`` listing
the valid names.  ``default`` and ``small`` are the rendered default corpus
and its test-sized version; ``musicnet`` is a MusicNet folder given by
``--root``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Callable

from baselines.named import Registry

__all__ = [
    "DatasetReader",
    "DATASET_READERS",
    "register_dataset",
    "get_dataset",
    "dataset_names",
]


@dataclass(frozen=True)
class DatasetReader:
    """A named dataset: its kind, its split group, its reader and its default.

    Attributes
    ----------
    name : str
        The ``--dataset`` value.
    kind : str
        The layout ``open`` reads; tasks list the kinds they read.
    group : str
        What never straddles a split (the items' ``group`` attribute holds it).
    description : str
        One line for ``--help``.
    open : callable ``(root: Path) -> corpus``
        Reads the folder; the corpus iterates over items and has
        ``fingerprint()``.
    default_root : callable ``(*, progress, n_jobs) -> Path`` or None
        The embedded default folder, built on first use; None where the
        dataset must be given with ``--root``.
    """

    name: str
    kind: str
    group: str
    description: str
    open: Callable
    default_root: Callable | None = None

    def resolve_root(self, root=None, *, progress=True, n_jobs=-1) -> Path:
        """``root`` if given (it must be a folder), else the embedded default.

        Raises
        ------
        ValueError
            No root and no embedded default, or a root that is not a folder.
        """
        if root is None:
            if self.default_root is None:
                raise ValueError(
                    f"dataset {self.name!r} needs a root folder (--root PATH)"
                )
            return Path(self.default_root(progress=progress, n_jobs=n_jobs))
        root = Path(root)
        if not root.is_dir():
            raise ValueError(f"{self.name} root {str(root)!r} is not a folder")
        return root


#: Every registered dataset, by name, in registration order.
DATASET_READERS = Registry(DatasetReader, "dataset")


def register_dataset(reader: DatasetReader) -> DatasetReader:
    """Add ``reader`` to :data:`DATASET_READERS`; a second one of the same name raises."""
    return DATASET_READERS.register(reader)


def dataset_names() -> tuple:
    """The registered dataset names, in registration order."""
    return tuple(DATASET_READERS)


def get_dataset(name) -> DatasetReader:
    """The reader called ``name``.

    Raises
    ------
    ValueError
        If no dataset has that name; the message lists the valid names.
    """
    return DATASET_READERS.lookup(name)


# ---------------------------------------------------------------------------
# Readers and embedded defaults, imported on first use (reading a corpus needs
# music21 or librosa; listing the datasets does not)


def _reader(module: str, name: str) -> Callable:
    """``open(root, **options)``: ``<module>.<name>(root, **options)``."""
    def open_(root, **options):
        return getattr(import_module(module), name)(root, **options)

    return open_


def _embedded(module: str, function: str, *, small: bool, subfolder: str | None = None) -> Callable:
    """``default_root(*, progress, n_jobs)``: ``<module>.<function>(small=small, ...)``,
    the folder it builds (or ``subfolder`` of it)."""
    def build(*, progress=True, n_jobs=-1):
        root = getattr(import_module(module), function)(small=small, progress=progress,
                                                         n_jobs=n_jobs)
        return root if subfolder is None else root / subfolder

    return build


# ---------------------------------------------------------------------------
# MusicNet-kind datasets


_open_musicnet = _reader("baselines.data.musicnet", "MusicNetCorpus")


def _rendered_default(small):
    return _embedded("baselines.data.render", "default_corpus", small=small)


register_dataset(DatasetReader(
    name="default", kind="musicnet", group="work",
    description="the default corpus, rendered from music21 scores on first use",
    open=_open_musicnet, default_root=_rendered_default(False)))
register_dataset(DatasetReader(
    name="small", kind="musicnet", group="work",
    description="the default corpus's test-sized version",
    open=_open_musicnet, default_root=_rendered_default(True)))
register_dataset(DatasetReader(
    name="musicnet", kind="musicnet", group="work",
    description="a MusicNet-format folder, given by --root",
    open=_open_musicnet))


# ---------------------------------------------------------------------------
# lab-kind datasets: Isophonics-layout chord collections


_open_isophonics = _reader("baselines.data.isophonics", "IsophonicsDataset")


def _chord_corpus(small):
    return _embedded("baselines.data.chord_corpus", "chord_corpus", small=small)


register_dataset(DatasetReader(
    name="chords", kind="lab", group="track",
    description="the embedded chord corpus: music21's Bach and Monteverdi harmonic analyses, "
                "rendered on first use",
    open=_open_isophonics, default_root=_chord_corpus(False)))
register_dataset(DatasetReader(
    name="chords-small", kind="lab", group="track",
    description="the embedded chord corpus's test-sized version",
    open=_open_isophonics, default_root=_chord_corpus(True)))
register_dataset(DatasetReader(
    name="isophonics", kind="lab", group="track",
    description="an Isophonics-layout folder (<artist>/chordlab/<album>/<track>.lab and audio), "
                "given by --root",
    open=_open_isophonics))


# ---------------------------------------------------------------------------
# Genre collections: GTZAN's layout, FMA, precomputed arrays (course layout)


_open_gtzan = _reader("baselines.data.gtzan", "GTZAN")
_open_fma = _reader("baselines.data.fma", "FMA")


def _open_spectrograms(root, **options):
    from baselines.data.spectrograms import SpectrogramCollection

    root = Path(root)
    return SpectrogramCollection(root.parent, root.name, **options)


def _style_corpus(small, folder=None):
    return _embedded("baselines.data.style_corpus", "style_corpus", small=small,
                     subfolder=None if folder is None else f"spectrograms/{folder}")


register_dataset(DatasetReader(
    name="styles", kind="gtzan", group="piece",
    description="the embedded style corpus (7 music21 repertoires, 30 s clips; GTZAN layout), "
                "rendered on first use",
    open=_open_gtzan, default_root=_style_corpus(False)))
register_dataset(DatasetReader(
    name="styles-small", kind="gtzan", group="piece",
    description="the style corpus's test-sized version (8 s clips)",
    open=_open_gtzan, default_root=_style_corpus(True)))
register_dataset(DatasetReader(
    name="gtzan", kind="gtzan", group="clip (GTZAN has no artists: use its fault-filtered split)",
    description="a GTZAN-layout folder (genres/<genre>/<genre>.000NN.wav) given by --root; "
                "without one, the embedded style corpus",
    open=_open_gtzan, default_root=_style_corpus(False)))
register_dataset(DatasetReader(
    name="fma", kind="fma", group="artist",
    description="a Free Music Archive folder (fma_metadata/ + fma_<subset>/) given by --root",
    open=_open_fma))
register_dataset(DatasetReader(
    name="spectrograms", kind="spectrograms", group="clip, or the collection's groups.txt",
    description="a course-layout collection of 140 x T arrays given by --root (its folder); "
                "without one, the style corpus's arrays",
    open=_open_spectrograms, default_root=_style_corpus(False, "styles")))
register_dataset(DatasetReader(
    name="spectrograms-targets", kind="spectrograms", group="clip, or the collection's groups.txt",
    description="a course-layout collection with regression targets (the multitask one); "
                "without --root, the style corpus's arrays with its score-measured targets",
    open=_open_spectrograms, default_root=_style_corpus(False, "styles_targets")))
register_dataset(DatasetReader(
    name="spectrograms-small", kind="spectrograms", group="piece",
    description="the small style corpus's arrays (tests)",
    open=_open_spectrograms, default_root=_style_corpus(True, "styles")))
register_dataset(DatasetReader(
    name="spectrograms-targets-small", kind="spectrograms", group="piece",
    description="the small style corpus's arrays with its score-measured targets (tests)",
    open=_open_spectrograms, default_root=_style_corpus(True, "styles_targets")))
