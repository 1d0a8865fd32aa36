"""Frames of a recording: one STFT, per-frame products, disk cache.

A recording's frames are computed once per (recording, sr, frame
parameters): the power spectrogram runs once and every *frame product*
(:mod:`features.products`: power, filterbank energies, and per-frame maps
of them such as mel dB, normalised chroma, tonnetz, log-magnitude) is
derived from it.  Products are per-frame maps, so a window's products are a
slice of the recording's, except the few edge frames whose support crosses
the window boundary; those are recomputed from the recording's audio (a
memory map in the cache) so that a slice equals the window computed alone.

Public names
------------
FrameProduct, RecordingFrames, compute_recording_frames, window_products,
FrameCache, cache_root, cached_recording_frames, ensure_cached (the first pass
over many recordings: :mod:`features.first_pass`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.fft

from .cache import cache_root
from .products import FrameProduct
from .stft import iter_power_chunks, n_frames, power_frames, power_transposed

__all__ = [
    "FrameProduct", "RecordingFrames", "compute_recording_frames", "window_products",
    "FrameCache", "cache_root", "cached_recording_frames", "ensure_cached",
]

#: Bump when the arithmetic of frames changes, so old caches are not served.
#: 2: products derived per frame (mel dB, normalised chroma, tonnetz,
#: log-magnitude) are stored, not recomputed per window; 3: mel dB from the
#: natural log.
FRAMES_VERSION = 3


@dataclass
class RecordingFrames:
    """The frames of one recording at one (sr, n_fft, hop_length).

    Attributes
    ----------
    sr, n_fft, hop_length : int
    audio : np.ndarray [shape=(n,)], float32
        The recording at ``sr`` (a read-only memory map when cached); only
        the samples around window edges are ever read by ``from_frames``.
    products : dict of FrameProduct.key -> np.ndarray [shape=(d, 1 + n // hop_length)]
    key : str or None
        Cache key when the frames came from a :class:`FrameCache`.
    """

    sr: int
    n_fft: int
    hop_length: int
    audio: np.ndarray
    products: dict = field(default_factory=dict)
    key: str | None = None

    @property
    def n_samples(self) -> int:
        return int(self.audio.shape[-1])

    @property
    def n_frames(self) -> int:
        return n_frames(self.n_samples, self.hop_length)

    def __getitem__(self, product: FrameProduct) -> np.ndarray:
        return self.products[product.key]


def _check_audio(y, sr) -> np.ndarray:
    y = np.asarray(y, dtype=np.float32)
    if y.ndim != 1:
        raise ValueError(f"a recording must be mono, shape (n,); got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError("audio contains NaN or infinite samples")
    return y


def compute_recording_frames(y, products, *, sr: int, n_fft: int, hop_length: int,
                             audio=None) -> RecordingFrames:
    """Run the STFT of a recording once and derive every requested product.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)]
        Mono audio at ``sr``.
    products : iterable of FrameProduct
    sr, n_fft, hop_length : int
    audio : np.ndarray, optional
        What to keep as ``RecordingFrames.audio`` (default ``y``).

    Returns
    -------
    RecordingFrames
    """
    y = _check_audio(y, sr)
    products = {p.key: p for p in products}
    linear = {k: p for k, p in products.items() if not p.recording_level}
    out = _recording_stft(y, linear, sr=sr, n_fft=n_fft, hop_length=hop_length) if linear else {}
    for key, p in products.items():
        if p.recording_level:
            out[key] = p.from_audio(y, sr, hop_length)
    return RecordingFrames(sr=sr, n_fft=n_fft, hop_length=hop_length,
                           audio=y if audio is None else audio, products=out)


def _recording_stft(y, products: dict, *, sr, n_fft, hop_length) -> dict:
    """The one STFT pass over a recording, applying every product chunk by
    chunk (a named step so tests can count STFTs)."""
    t = n_frames(len(y), hop_length)
    out = {}
    for c0, c1, power in iter_power_chunks(y, n_fft=n_fft, hop_length=hop_length):
        memo = {}
        for key, p in products.items():
            block = p.apply(power, sr, n_fft, memo)
            if key not in out:
                out[key] = np.empty((block.shape[0], t), dtype=np.float32)
            out[key][:, c0:c1] = block
    return out


def edge_frames(n_samples: int, *, n_fft: int, hop_length: int):
    """``(n_left, first_right)``: frames ``k < n_left`` and ``k >= first_right``
    of a window of ``n_samples`` reach past its ends (zeros in the window alone)."""
    pad = n_fft // 2
    t = n_frames(n_samples, hop_length)
    n_left = min(t, math.ceil(pad / hop_length))
    # frame k reads samples up to k*hop - pad + n_fft (exclusive)
    first_right = max(0, min(t, (n_samples - (n_fft - pad)) // hop_length + 1))
    return n_left, first_right


def window_products(frames: RecordingFrames, products, starts, n_samples: int) -> dict:
    """Products of windows ``[start, start + n_samples)`` from a recording's frames.

    Equal (to float tolerance) to computing each window alone with
    :func:`features.stft.power_frames` and applying the products.

    Parameters
    ----------
    frames : RecordingFrames
    products : iterable of FrameProduct
    starts : array of int [shape=(n_windows,)]
        Window starts in samples, multiples of ``frames.hop_length``.
    n_samples : int
        Window length in samples.

    Returns
    -------
    dict of FrameProduct.key -> np.ndarray [shape=(n_windows, d, t)], float32
    """
    hop, n_fft, sr = frames.hop_length, frames.n_fft, frames.sr
    starts = np.asarray(starts).reshape(-1)
    if starts.size and not np.issubdtype(starts.dtype, np.integer):
        if not np.all(starts == np.round(starts)):
            raise ValueError("starts must be whole sample indices")
    starts = starts.astype(np.int64)
    if np.any(starts % hop):
        bad = starts[starts % hop != 0][:3]
        raise ValueError(f"starts {bad.tolist()} are not multiples of hop_length={hop}")
    if np.any(starts < 0) or np.any(starts >= frames.n_samples):
        raise ValueError(f"windows at starts [{starts.min()}, {starts.max()}] lie outside "
                         f"the recording's {frames.n_samples} samples")
    products = list(products)
    if any(p.recording_level for p in products):
        raise ValueError("recording-level products (cqt) do not slice into windows computed alone; "
                         "use features.context.FrameContext")
    missing = [p.key for p in products if p.key not in frames.products]
    if missing:
        raise ValueError(f"frames lack products {missing}; compute them with this extractor")
    t = n_frames(n_samples, hop)
    n_left, first_right = edge_frames(n_samples, n_fft=n_fft, hop_length=hop)
    # Plain ndarray views of the memory maps: slicing a np.memmap builds a
    # memmap object per slice, a cost per window.
    audio = frames.audio
    if isinstance(audio, np.ndarray):
        audio = audio.view(np.ndarray)
    overrun = starts + n_samples > frames.n_samples
    if n_left >= first_right or np.any(overrun):
        # Every frame touches an edge, or windows run past the recording's end
        # (a rounding of seconds to samples): compute those windows alone,
        # samples past the end read as zeros.
        alone = overrun if n_left < first_right else np.ones(len(starts), dtype=bool)
        windows = np.zeros((int(alone.sum()), n_samples), dtype=np.float32)
        for row, s in zip(windows, starts[alone]):
            part = np.asarray(audio[s:s + n_samples], dtype=np.float32)
            row[:len(part)] = part
        power = power_frames(windows, n_fft=n_fft, hop_length=hop)
        memo = {}
        alone_out = {p.key: p.apply(power, sr, n_fft, memo) for p in products}
        if alone.all():
            return alone_out
        inside = window_products(frames, products, starts[~alone], n_samples)
        out = {}
        for key, block in inside.items():
            full = np.empty((len(starts),) + block.shape[1:], dtype=np.float32)
            full[~alone], full[alone] = block, alone_out[key]
            out[key] = full
        return out
    # Edge frames see the window's own zero padding.  All of them, for all
    # windows, are recomputed from the recording's samples in one gather and
    # one FFT call (a memory map: only these samples are read).
    edge = None
    if n_left or first_right < t:
        offsets, weights = _edge_plan(int(n_samples), n_fft, hop)
        segments = audio[starts[:, None, None] + offsets] * weights
        edge = power_transposed(scipy.fft.rfft(segments, axis=-1))
    out = {}
    j0 = starts // hop
    memo = {}
    for p in products:
        rec = np.asarray(frames.products[p.key])
        d = rec.shape[0]
        block = np.empty((len(starts), d, t), dtype=np.float32)
        for i, j in enumerate(j0):
            block[i, :, n_left:first_right] = rec[:, j + n_left:j + first_right]
        if edge is not None:
            values = p.apply(edge, sr, n_fft, memo)
            block[:, :, :n_left] = values[:, :, :n_left]
            block[:, :, first_right:] = values[:, :, n_left:]
        out[p.key] = block
    return out


@functools.lru_cache(maxsize=32)
def _edge_plan(n_samples: int, n_fft: int, hop_length: int):
    """Sample offsets ``(n_edge, n_fft)`` of a window's edge frames (left ones,
    then right ones) and their weights: the Hann window, zero where a frame
    reads past the window's ends (the window alone is zero-padded there)."""
    from .stft import hann_window

    n_left, first_right = edge_frames(n_samples, n_fft=n_fft, hop_length=hop_length)
    ks = np.r_[0:n_left, first_right:n_frames(n_samples, hop_length)]
    offsets = ks[:, None] * hop_length - n_fft // 2 + np.arange(n_fft)[None, :]
    inside = (offsets >= 0) & (offsets < n_samples)
    weights = np.where(inside, hann_window(n_fft)[None, :], 0).astype(np.float32)
    offsets = np.clip(offsets, 0, n_samples - 1).astype(np.intp)
    offsets.setflags(write=False)
    weights.setflags(write=False)
    return offsets, weights


# ---------------------------------------------------------------- disk cache


def _atomic_save(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.ascontiguousarray(array))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def source_identity(source) -> dict:
    """What identifies a recording's audio: a file's resolved path, size and
    modification time, or the sha1 of an array's samples."""
    if isinstance(source, (str, os.PathLike)):
        path = _resolved(os.fspath(source))
        st = os.stat(path)
        return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    arr = np.ascontiguousarray(np.asarray(source, dtype=np.float32))
    return {"sha1": hashlib.sha1(arr.tobytes()).hexdigest(), "n": int(arr.size)}


@functools.lru_cache(maxsize=65536)
def _resolved(path: str) -> str:
    # Resolving walks every component of the path (an lstat each); an epoch
    # asks for the same recordings again every batch.
    return str(Path(path).resolve())


#: Memory maps already opened in this process, by (folder, file names):
#: opening one parses its header (~1 ms); an epoch re-opens every recording
#: in every batch.  File-backed, so holding them costs address space only.
_OPENED: OrderedDict = OrderedDict()
_MAX_OPENED = 1024


_OPENED_LOCK = threading.Lock()


def _open_memmap(path: Path) -> np.ndarray:
    key = str(path)
    with _OPENED_LOCK:
        array = _OPENED.get(key)
        if array is not None:
            _OPENED.move_to_end(key)
            return array
    array = np.load(path, mmap_mode="r")
    with _OPENED_LOCK:
        _OPENED[key] = array
        while len(_OPENED) > _MAX_OPENED:
            _OPENED.popitem(last=False)
    return array


class FrameCache:
    """On-disk cache of :class:`RecordingFrames` as memory-mapped ``.npy`` files.

    Layout: ``<directory>/<key[:2]>/<key>/{audio.npy, <product key>.npy}``.
    The key hashes the audio's identity (see :func:`source_identity`), sr,
    n_fft, hop_length and :data:`FRAMES_VERSION`; each product has its own
    file named by its parameters, so a change of audio or of any frame
    parameter never serves stale frames.  Files are written to a temporary
    name and renamed, so an interrupted run leaves no half-written frames
    and the next run resumes.

    Parameters
    ----------
    directory : path-like, optional
        Default ``cache_root() / "frames"``.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory is not None else cache_root() / "frames"

    def __repr__(self):
        return f"FrameCache({str(self.directory)!r})"

    def key(self, identity: dict, *, sr: int, n_fft: int, hop_length: int) -> str:
        text = json.dumps({"audio": identity, "sr": int(sr), "n_fft": int(n_fft),
                           "hop_length": int(hop_length), "window": "hann",
                           "center": "constant", "version": FRAMES_VERSION}, sort_keys=True)
        return hashlib.sha1(text.encode()).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def load(self, key: str, products, *, sr, n_fft, hop_length):
        """Memory-map cached frames; ``None`` if the audio or a product is missing."""
        folder = self.path(key)
        files = {p.key: folder / f"{p.key}.npy" for p in products}
        audio_path = folder / "audio.npy"
        # Existence is checked every time (a file removed is recomputed);
        # a file's contents never change under its key, so a map opened
        # earlier in this process is reused.
        if not audio_path.exists() or not all(f.exists() for f in files.values()):
            return None
        return RecordingFrames(
            sr=sr, n_fft=n_fft, hop_length=hop_length, key=key,
            audio=_open_memmap(audio_path),
            products={k: _open_memmap(f) for k, f in files.items()})

    def has(self, key: str, products) -> bool:
        """Whether the audio and every product of ``key`` are on disk."""
        folder = self.path(key)
        return (folder / "audio.npy").exists() and all(
            (folder / f"{p.key}.npy").exists() for p in products)

    def write(self, key: str, frames: RecordingFrames, products) -> None:
        """Write the audio and the given products (those not there yet)."""
        folder = self.path(key)
        if not (folder / "audio.npy").exists():
            _atomic_save(folder / "audio.npy", frames.audio)
        for p in products:
            f = folder / f"{p.key}.npy"
            if not f.exists():
                _atomic_save(f, frames.products[p.key])

    def store(self, key: str, frames: RecordingFrames, products) -> RecordingFrames:
        """:meth:`write`, then the stored frames, memory-mapped."""
        self.write(key, frames, products)
        return self.load(key, products, sr=frames.sr, n_fft=frames.n_fft,
                         hop_length=frames.hop_length)


def _frame_spec(extractors):
    """Shared (sr, n_fft, hop_length) and the union of products of extractors."""
    if not isinstance(extractors, (list, tuple)):
        extractors = [extractors]
    specs = {(e.sr, e.n_fft, e.hop_length) for e in extractors}
    if len(specs) != 1:
        raise ValueError(f"extractors sharing one STFT need one (sr, n_fft, hop_length); got {sorted(specs)}")
    for e in extractors:
        e._check_params()
    products = {}
    for e in extractors:
        for p in e.frame_products():
            products[p.key] = p
    sr, n_fft, hop = specs.pop()
    return sr, n_fft, hop, list(products.values())


def _default_loader(source, sr):
    if hasattr(source, "audio") and callable(source.audio):
        return source.audio(sr=sr)
    from .audio import load_audio

    return load_audio(source, sr=sr)


def _source_path(source):
    return getattr(source, "audio_path", source)


def cached_recording_frames(extractor, audio_path, *, load_audio=None, cache=None) -> RecordingFrames:
    """Frames of one recording for one extractor (or a list sharing one STFT).

    Parameters
    ----------
    extractor : FrameExtractor or list of FrameExtractor
        A list computes the union of their products from one STFT.
    audio_path : path-like, object with ``audio_path`` (and ``audio(sr=)``), or np.ndarray
        The recording.  An array (already at ``extractor.sr``) is keyed by a
        hash of its samples.
    load_audio : callable, optional
        ``load_audio(audio_path, sr) -> np.ndarray``, called only on a cache
        miss.  Default: ``audio_path.audio(sr=sr)`` if it has one, else
        :func:`features.audio.load_audio`.
    cache : FrameCache, path-like or None
        ``None`` uses ``FrameCache()``; ``False`` computes without a cache.

    Returns
    -------
    RecordingFrames
        Memory-mapped when cached.
    """
    sr, n_fft, hop, products = _frame_spec(extractor)
    load_audio = _default_loader if load_audio is None else load_audio
    is_array = isinstance(audio_path, np.ndarray)
    if cache is False:
        y = audio_path if is_array else load_audio(audio_path, sr)
        return compute_recording_frames(y, products, sr=sr, n_fft=n_fft, hop_length=hop)
    if not isinstance(cache, FrameCache):
        cache = FrameCache(cache)
    key = ensure_cached(extractor, audio_path, load_audio=load_audio, cache=cache)
    return cache.load(key, products, sr=sr, n_fft=n_fft, hop_length=hop)


def ensure_cached(extractor, audio_path, *, load_audio=None, cache=None) -> str:
    """:func:`cached_recording_frames` without opening the result: compute and
    write what is missing, return the cache key (the first pass's task)."""
    sr, n_fft, hop, products = _frame_spec(extractor)
    load_audio = _default_loader if load_audio is None else load_audio
    if not isinstance(cache, FrameCache):
        cache = FrameCache(cache)
    is_array = isinstance(audio_path, np.ndarray)
    identity = source_identity(audio_path if is_array else _source_path(audio_path))
    key = cache.key(identity, sr=sr, n_fft=n_fft, hop_length=hop)
    if cache.has(key, products):
        return key
    audio_file = cache.path(key) / "audio.npy"
    if audio_file.exists():
        y = np.load(audio_file)
    else:
        y = audio_path if is_array else load_audio(audio_path, sr)
    frames = compute_recording_frames(y, products, sr=sr, n_fft=n_fft, hop_length=hop)
    cache.write(key, frames, products)
    return key
