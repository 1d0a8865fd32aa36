"""The first pass over a corpus: the shared STFT against its FFT floor, and
the whole pass (decode, resample, STFT and frame products, cache write).

``FirstPassFloor``: ``compute_recording_frames`` of the ``stats`` products
(``step="frames"``) and a bare ``scipy.fft.rfft`` of the same frames, cut
and windowed in ``setup`` (``step="fft"``), on the first recordings of the
profile's corpus (60 s fast, 240 s otherwise): their ratio is the report's
"first pass vs bare FFT" figure.

``WholeFirstPass``: ``features.first_pass.build_frame_cache`` over those
recordings into a fresh cache folder per call, one process.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from pathlib import Path

import numpy as np

from .common import PROFILE, Benchmark, extractor_rate, load_corpus, require

FEATURE_SET = "stats"


def first_recordings(corpus, seconds):
    """The corpus's first recordings adding up to ``seconds`` of audio."""
    chosen, total = [], 0.0
    for recording in corpus.recordings:
        chosen.append(recording)
        total += recording.seconds
        if total >= seconds:
            break
    return chosen


def _seconds():
    return 60.0 if PROFILE.name == "fast" else 240.0


class FirstPassFloor(Benchmark):
    """CPU seconds of the shared STFT + frame products, and of the bare FFT."""

    param_names = ["step"]
    params = [["frames", "fft"]]

    def setup(self, step):
        frames = require("features.frames")
        stft = require("features.stft")
        registry = require("features.registry")
        extractor = registry.make_extractor(FEATURE_SET)
        sr, _ = extractor_rate(extractor)
        audio = [r.audio(sr=sr) for r in first_recordings(load_corpus(), _seconds())]
        sr, n_fft, hop, products = frames._frame_spec(extractor)
        if step == "frames":
            self.run = lambda: [frames.compute_recording_frames(
                y, products, sr=sr, n_fft=n_fft, hop_length=hop) for y in audio]
        else:
            import scipy.fft

            window = stft.hann_window(n_fft)
            framed = [np.lib.stride_tricks.sliding_window_view(
                np.pad(y, n_fft // 2), n_fft)[::hop] * window for y in audio]
            self.run = lambda: [scipy.fft.rfft(f, axis=-1) for f in framed]
        self.run()  # filterbanks, FFT plans

    def time_first_pass(self, *args):
        self.run()


class WholeFirstPass(Benchmark):
    """Decode, resample, STFT, frame products and cache write, one process."""

    param_names: list = []
    params: list = []

    def setup(self):
        first_pass = require("features.first_pass")
        registry = require("features.registry")
        self.build = first_pass.build_frame_cache
        self.extractor = registry.make_extractor(FEATURE_SET)
        self.recordings = first_recordings(load_corpus(), _seconds())
        self.folder = Path(tempfile.mkdtemp(prefix="bench-first-pass-"))
        self.counter = itertools.count()
        self.build(self.extractor, self.recordings[:1], cache=self.folder / "warm",
                   progress=False)

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_first_pass(self):
        # A fresh folder per call: a warm cache would only check files.
        self.build(self.extractor, self.recordings, cache=self.folder / str(next(self.counter)),
                   progress=False)
