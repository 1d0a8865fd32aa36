"""Frames of a recording: one STFT, linear per-frame products, disk cache.

A recording's frames are computed once per (recording, sr, frame
parameters): the power spectrogram runs once and every *frame product*
(raw power, mel energies, chroma filterbank energies) is derived from it.
Products are linear per-frame maps, so a window's products are a slice of
the recording's, except the few edge frames whose support crosses the
window boundary; those are recomputed from the recording's audio (a
memory map in the cache) so that a slice equals the window computed alone.

Public names
------------
FrameProduct, RecordingFrames, compute_recording_frames, window_products,
FrameCache, cache_root, cached_recording_frames, corpus_frames.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import filterbanks
from .cache import cache_root
from .stft import iter_power_chunks, n_frames, power_frames

__all__ = [
    "FrameProduct", "RecordingFrames", "compute_recording_frames", "window_products",
    "FrameCache", "cache_root", "cached_recording_frames", "corpus_frames",
]

#: Bump when the arithmetic of frames changes, so old caches are not served.
FRAMES_VERSION = 1


@dataclass(frozen=True)
class FrameProduct:
    """A linear per-frame map of the power spectrogram.

    Parameters
    ----------
    kind : {"power", "mel", "chroma", "cqt"}
    params : tuple of (name, value) pairs
        ``mel``: n_mels, fmin, fmax; ``chroma``: n_chroma; ``cqt``: fmin,
        n_octaves, bins_per_octave.  ``cqt`` is a *recording-level* product:
        computed from the whole recording's audio (:mod:`features.cqt`), not
        from STFT chunks, and never recomputed for a window alone.
    """

    kind: str
    params: tuple = ()

    @property
    def key(self) -> str:
        """File-name-safe identity of the product (kind + parameters)."""
        text = json.dumps([self.kind, [list(p) for p in self.params]], default=repr)
        return f"{self.kind}-{hashlib.sha1(text.encode()).hexdigest()[:12]}"

    @property
    def recording_level(self) -> bool:
        """Computed from the whole recording's audio rather than STFT frames."""
        return self.kind == "cqt"

    def from_audio(self, y: np.ndarray, sr: int, hop_length: int) -> np.ndarray:
        """A recording-level product of audio ``y``."""
        from .cqt import cqt_magnitude

        return cqt_magnitude(y, sr=sr, hop_length=hop_length, **dict(self.params))

    def basis(self, sr: int, n_fft: int):
        p = dict(self.params)
        if self.kind == "power":
            return None
        if self.kind == "mel":
            return filterbanks.mel_basis(sr, n_fft, p["n_mels"], p["fmin"], p["fmax"])
        if self.kind == "chroma":
            return filterbanks.chroma_basis(sr, n_fft, p["n_chroma"])
        raise ValueError(f"unknown frame product kind={self.kind!r}")

    def apply(self, power: np.ndarray, sr: int, n_fft: int) -> np.ndarray:
        basis = self.basis(sr, n_fft)
        if basis is None:
            return power
        return filterbanks.apply_basis(basis, power)


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
        for key, p in products.items():
            block = p.apply(power, sr, n_fft)
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
    audio = frames.audio
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
        alone_out = {p.key: p.apply(power, sr, n_fft) for p in products}
        if alone.all():
            return alone_out
        inside = window_products(frames, products, starts[~alone], n_samples)
        out = {}
        for key, block in inside.items():
            full = np.empty((len(starts),) + block.shape[1:], dtype=np.float32)
            full[~alone], full[alone] = block, alone_out[key]
            out[key] = full
        return out
    # Edge frames see the window's own zero padding.  Each is recomputed from
    # a short stretch of the recording (a memory map: only these samples are
    # read), all windows in one FFT call.
    pad = n_fft // 2
    left = right = None
    if n_left:
        left_len = min(n_samples, (n_left - 1) * hop - pad + n_fft)
        seg = np.stack([np.asarray(audio[s:s + left_len], dtype=np.float32) for s in starts])
        left = power_frames(seg, n_fft=n_fft, hop_length=hop, start=0, stop=n_left)
    if first_right < t:
        # start on the hop grid, early enough that frame first_right is whole
        a = (first_right * hop - pad) // hop * hop
        seg = np.stack([np.asarray(audio[s + a:s + n_samples], dtype=np.float32) for s in starts])
        k0 = first_right - a // hop
        right = power_frames(seg, n_fft=n_fft, hop_length=hop, start=k0, stop=k0 + t - first_right)
    out = {}
    j0 = starts // hop
    for p in products:
        rec = frames.products[p.key]
        d = rec.shape[0]
        block = np.empty((len(starts), d, t), dtype=np.float32)
        for i, j in enumerate(j0):
            block[i, :, n_left:first_right] = rec[:, j + n_left:j + first_right]
        if left is not None:
            block[:, :, :n_left] = p.apply(left, sr, n_fft)
        if right is not None:
            block[:, :, first_right:] = p.apply(right, sr, n_fft)
        out[p.key] = block
    return out


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
        path = Path(source).resolve()
        st = path.stat()
        return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    arr = np.ascontiguousarray(np.asarray(source, dtype=np.float32))
    return {"sha1": hashlib.sha1(arr.tobytes()).hexdigest(), "n": int(arr.size)}


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
        if not audio_path.exists() or not all(f.exists() for f in files.values()):
            return None
        return RecordingFrames(
            sr=sr, n_fft=n_fft, hop_length=hop_length, key=key,
            audio=np.load(audio_path, mmap_mode="r"),
            products={k: np.load(f, mmap_mode="r") for k, f in files.items()})

    def store(self, key: str, frames: RecordingFrames, products) -> RecordingFrames:
        """Write the audio and the given products (those not there yet)."""
        folder = self.path(key)
        if not (folder / "audio.npy").exists():
            _atomic_save(folder / "audio.npy", frames.audio)
        for p in products:
            f = folder / f"{p.key}.npy"
            if not f.exists():
                _atomic_save(f, frames.products[p.key])
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
    identity = source_identity(audio_path if is_array else _source_path(audio_path))
    key = cache.key(identity, sr=sr, n_fft=n_fft, hop_length=hop)
    hit = cache.load(key, products, sr=sr, n_fft=n_fft, hop_length=hop)
    if hit is not None:
        return hit
    audio_file = cache.path(key) / "audio.npy"
    if audio_file.exists():
        y = np.load(audio_file)
    else:
        y = audio_path if is_array else load_audio(audio_path, sr)
    frames = compute_recording_frames(y, products, sr=sr, n_fft=n_fft, hop_length=hop)
    return cache.store(key, frames, products)


def _ensure_cached(extractor, source, load_audio, directory):
    frames = cached_recording_frames(extractor, source, load_audio=load_audio,
                                     cache=FrameCache(directory))
    return frames.key


def corpus_frames(extractor, items, *, cache=None, n_jobs=1, progress=True, load_audio=None):
    """Frames of many recordings, computed in parallel and cached; resumable.

    Parameters
    ----------
    extractor : FrameExtractor or list of FrameExtractor
    items : iterable of path-like or objects with ``audio_path`` / ``audio(sr=)``
    cache : FrameCache or path-like, optional
    n_jobs : int
        joblib processes; recordings already cached cost a file check.
    progress : bool
        Show a tqdm progress bar.
    load_audio : callable, optional
        As in :func:`cached_recording_frames` (must be picklable for n_jobs > 1).

    Returns
    -------
    list of RecordingFrames, memory-mapped, in the order of ``items``.
    """
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    sr, n_fft, hop, products = _frame_spec(extractor)
    cache = cache if isinstance(cache, FrameCache) else FrameCache(cache)
    items = list(items)
    jobs = (delayed(_ensure_cached)(extractor, it, load_audio, cache.directory) for it in items)
    keys = Parallel(n_jobs=n_jobs, return_as="generator")(jobs)
    keys = list(tqdm(keys, total=len(items), disable=not progress, desc="frames", unit="rec"))
    return [cache.load(k, products, sr=sr, n_fft=n_fft, hop_length=hop) for k in keys]
