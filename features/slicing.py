"""Windows sliced from recordings' frames, equal to the windows computed alone.

A window's frame products are a slice of its recording's
(:mod:`features.frames`), except the few *edge frames* whose support crosses
the window's ends: alone, the window sees zeros there.  Those are recomputed
from the recording's samples (a memory map in the cache; only they are read).

- :func:`window_products`: products of windows of one recording, or of
  several (one frames object per window).
- :func:`gather_windows` checks windows once; :func:`sliced_products` slices
  checked windows, so a caller that splits a batch into small sub-batches
  (:class:`features.base.FrameExtractor`) checks it once.
- :func:`edge_frames`: which frames of a window are edge frames.

Windows of several recordings share one gather and one FFT call for their
edge frames, so a sub-batch costs the same whether its windows come from one
recording or from many: an epoch's cost follows its windows, not the number
of recordings a batch touches.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft

from .frames import RecordingFrames
from .stft import n_frames, power_frames, power_transposed

__all__ = ["window_products", "gather_windows", "sliced_products", "distinct_frames",
           "edge_frames"]


def edge_frames(n_samples: int, *, n_fft: int, hop_length: int):
    """``(n_left, first_right)``: frames ``k < n_left`` and ``k >= first_right``
    of a window of ``n_samples`` reach past its ends (zeros in the window alone)."""
    pad = n_fft // 2
    t = n_frames(n_samples, hop_length)
    n_left = min(t, math.ceil(pad / hop_length))
    # frame k reads samples up to k*hop - pad + n_fft (exclusive)
    first_right = max(0, min(t, (n_samples - (n_fft - pad)) // hop_length + 1))
    return n_left, first_right


def gather_windows(frames, products, starts, n_samples: int, *, check_frames=None):
    """Check windows ``[start, start + n_samples)`` of one or several recordings.

    Parameters
    ----------
    frames : RecordingFrames or sequence of RecordingFrames
        One recording's frames for every window, or ``frames[i]`` the frames
        of window ``i``'s recording (the same object for windows of one
        recording), all at one (sr, n_fft, hop_length).
    products : iterable of FrameProduct
    starts : array of int [shape=(n_windows,)]
        Window starts in samples, multiples of ``hop_length``.
    n_samples : int
        Window length in samples.
    check_frames : callable, optional
        Called with each distinct recording's frames before the windows are
        checked (an extractor checks their sr, n_fft and hop_length).

    Returns
    -------
    sources : list of RecordingFrames
        The distinct recordings, in order of first appearance.
    which : np.ndarray [shape=(n_windows,)], intp
        Index into ``sources`` of each window's recording.
    starts : np.ndarray [shape=(n_windows,)], int64
    """
    starts = np.asarray(starts).reshape(-1)
    if starts.size and not np.issubdtype(starts.dtype, np.integer):
        if not np.all(starts == np.round(starts)):
            raise ValueError("starts must be whole sample indices")
    starts = starts.astype(np.int64)
    if isinstance(frames, RecordingFrames):
        sources, which = [frames], np.zeros(len(starts), dtype=np.intp)
    else:
        sources, which = distinct_frames(frames)
        if len(which) != len(starts):
            raise ValueError(f"{len(which)} recordings' frames for {len(starts)} window starts: "
                             "give one per window")
    first = sources[0] if sources else None
    for source in sources:
        if check_frames is not None:
            check_frames(source)
        if (source.sr, source.n_fft, source.hop_length) != (first.sr, first.n_fft, first.hop_length):
            raise ValueError(f"frames at (sr, n_fft, hop_length)={(source.sr, source.n_fft, source.hop_length)} "
                             f"and {(first.sr, first.n_fft, first.hop_length)} in one call")
    hop = first.hop_length if first is not None else 1
    if np.any(starts % hop):
        bad = starts[starts % hop != 0][:3]
        raise ValueError(f"starts {bad.tolist()} are not multiples of hop_length={hop}")
    lengths = np.array([s.n_samples for s in sources], dtype=np.int64)
    outside = (starts < 0) | (starts >= lengths[which]) if len(starts) else starts.astype(bool)
    if np.any(outside):
        i = int(np.flatnonzero(outside)[0])
        raise ValueError(f"windows at starts [{starts.min()}, {starts.max()}] lie outside "
                         f"the recording's {lengths[which[i]]} samples (window {i} at "
                         f"start {starts[i]})")
    products = list(products)
    if any(p.recording_level for p in products):
        raise ValueError("recording-level products (cqt) do not slice into windows computed alone; "
                         "use features.context.FrameContext")
    missing = sorted({p.key for s in sources for p in products if p.key not in s.products})
    if missing:
        raise ValueError(f"frames lack products {missing}; compute them with this extractor")
    return sources, which, starts


def distinct_frames(frames):
    """The distinct recordings' frames of a sequence (one per window, the same
    object for windows of one recording) and each window's index into them."""
    index, sources = {}, []
    which = np.empty(len(frames), dtype=np.intp)
    for i, f in enumerate(frames):
        k = index.get(id(f))
        if k is None:
            if not isinstance(f, RecordingFrames):
                raise ValueError(f"frames[{i}] is a {type(f).__name__}, not RecordingFrames")
            k = index[id(f)] = len(sources)
            sources.append(f)
        which[i] = k
    return sources, which


def window_products(frames, products, starts, n_samples: int) -> dict:
    """Products of windows ``[start, start + n_samples)`` from recordings' frames.

    Equal (to float tolerance) to computing each window alone with
    :func:`features.stft.power_frames` and applying the products.

    Parameters
    ----------
    frames : RecordingFrames or sequence of RecordingFrames
        One recording's frames, or one per window (see :func:`gather_windows`).
    products : iterable of FrameProduct
    starts : array of int [shape=(n_windows,)]
        Window starts in samples, multiples of ``frames.hop_length``.
    n_samples : int
        Window length in samples.

    Returns
    -------
    dict of FrameProduct.key -> np.ndarray [shape=(n_windows, d, t)], float32
    """
    products = list(products)
    sources, which, starts = gather_windows(frames, products, starts, n_samples)
    return sliced_products(sources, which, products, starts, int(n_samples))


def _plain(array):
    # A plain ndarray view of a memory map: slicing a np.memmap builds a
    # memmap object per slice, a cost per window.
    return array.view(np.ndarray) if isinstance(array, np.ndarray) else array


def sliced_products(sources, which, products, starts, n_samples: int) -> dict:
    """:func:`window_products` of windows already checked by :func:`gather_windows`.

    Windows of several recordings share one gather and one FFT call for
    their edge frames, so a batch costs the same whether its windows come
    from one recording or from many.
    """
    if len(sources) > 1:
        # A sub-batch of a batch: keep only its own recordings, so its cost
        # does not grow with the recordings the whole batch touches.
        used = sorted(set(which.tolist()))
        if len(used) < len(sources):
            local = np.zeros(len(sources), dtype=np.intp)
            local[used] = np.arange(len(used))
            sources, which = [sources[k] for k in used], local[which]
    first = sources[0]
    hop, n_fft, sr = first.hop_length, first.n_fft, first.sr
    t = n_frames(n_samples, hop)
    n_left, first_right = edge_frames(n_samples, n_fft=n_fft, hop_length=hop)
    lengths = np.array([s.n_samples for s in sources], dtype=np.int64)
    overrun = starts + n_samples > lengths[which]
    if n_left >= first_right or np.any(overrun):
        # Every frame touches an edge, or windows run past the recording's end
        # (a rounding of seconds to samples): compute those windows alone,
        # samples past the end read as zeros.
        alone = overrun if n_left < first_right else np.ones(len(starts), dtype=bool)
        windows = np.zeros((int(alone.sum()), n_samples), dtype=np.float32)
        for row, s, k in zip(windows, starts[alone], which[alone]):
            part = np.asarray(_plain(sources[k].audio)[s:s + n_samples], dtype=np.float32)
            row[:len(part)] = part
        power = power_frames(windows, n_fft=n_fft, hop_length=hop)
        memo = {}
        alone_out = {p.key: p.apply(power, sr, n_fft, memo) for p in products}
        if alone.all():
            return alone_out
        inside = sliced_products(sources, which[~alone], products, starts[~alone], n_samples)
        out = {}
        for key, block in inside.items():
            full = np.empty((len(starts),) + block.shape[1:], dtype=np.float32)
            full[~alone], full[alone] = block, alone_out[key]
            out[key] = full
        return out
    # Edge frames see the window's own zero padding.  All of them, for all
    # windows, are recomputed from the recordings' samples in one gather and
    # one FFT call (memory maps: only these samples are read).
    edge = None
    if n_left or first_right < t:
        offsets, weights = _edge_plan(int(n_samples), n_fft, hop)
        if len(sources) == 1:
            segments = _plain(first.audio)[starts[:, None, None] + offsets] * weights
        else:
            segments = np.empty((len(starts),) + offsets.shape, dtype=np.float32)
            audios = [_plain(s.audio) for s in sources]
            for segment, s, k in zip(segments, starts, which):
                np.multiply(audios[k][s + offsets], weights, out=segment)
        edge = power_transposed(scipy.fft.rfft(segments, axis=-1))
    out = {}
    j0 = starts // hop
    memo = {}
    for p in products:
        recs = [np.asarray(s.products[p.key]) for s in sources]
        block = np.empty((len(starts), recs[0].shape[0], t), dtype=np.float32)
        for i, (j, k) in enumerate(zip(j0, which)):
            block[i, :, n_left:first_right] = recs[k][:, j + n_left:j + first_right]
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
