"""One streaming epoch for each SGD loss: time and peak memory.

An epoch is what ``baselines.streaming.StreamingSampler`` yields for the
training recordings of the profile's corpus: fresh balanced windows, their
features sliced from the on-disk frame cache, fed to ``partial_fit`` in
mini-batches.  The frame cache is filled in ``setup_cache``, so the epoch
measures slicing and learning, not STFTs (as every epoch after a run's
first does).
"""

from __future__ import annotations

from .common import (
    PROFILE,
    SEED,
    Benchmark,
    load_corpus,
    optional_import,
    repeated_recordings,
    require,
    selection_module,
    usable_recordings,
)

TASK = "joint"
_models = optional_import("baselines.models")
SGD_MODELS = (
    [name for name in _models.models_for(TASK) if _models.MODELS[name].streaming]
    if _models is not None else ["(models missing)"]
)
FEATURE_SET = "stats"


def streaming_setup():
    """Training recordings, extractor and class lists of the profile's corpus."""
    registry = require("features.registry")
    require("baselines.streaming")
    corpus = load_corpus()
    filtered = usable_recordings(corpus)
    train, _ = selection_module().split_recordings(filtered.recordings, random_state=SEED)
    extractor = registry.make_extractor(FEATURE_SET)
    return train, extractor, tuple(filtered.composers), tuple(filtered.programs)


def make_sampler(train, extractor, composers, programs, epoch_windows=None):
    streaming = require("baselines.streaming")
    return streaming.StreamingSampler(
        train, extractor, composers=composers, programs=programs,
        windows_per_epoch=max(len(composers), epoch_windows or PROFILE.epoch_windows),
        batch_size=1000, random_state=SEED,
    )


def growth_sampler(train, extractor, composers, programs, factor):
    """A sampler over the training recordings repeated ``factor`` times (new
    ids, same files and cached frames), the same windows per recording, no
    balancing: an epoch of ``factor`` times the windows."""
    streaming = require("baselines.streaming")
    step = 10 ** len(str(max(r.id for r in train)))
    batch_size = 200 if PROFILE.name == "fast" else 1000
    return streaming.StreamingSampler(
        repeated_recordings(train, factor, id_step=step), extractor,
        composers=composers, programs=programs,
        windows_per_recording=-(-2 * batch_size // len(train)), strategy="none",
        batch_size=batch_size, random_state=SEED,
    )


def warm_frame_cache(train, extractor):
    """One STFT per training recording, stored in the default frame cache."""
    streaming = require("baselines.streaming")
    for recording in train:
        streaming.load_recording_frames(extractor, recording)


def run_epoch(sampler, model_name, epoch=0):
    """Feed one epoch of ``sampler`` to a fresh model; return the model."""
    models = require("baselines.models")
    model = models.make_model(model_name, TASK, random_state=SEED)
    classes = models.output_classes(TASK, len(sampler.composers), len(sampler.programs))
    for X, y, Y in sampler.iter_batches(epoch):
        model.partial_fit(X, models.encode_targets(TASK, y, Y), classes=classes)
    return model


class StreamingEpoch(Benchmark):
    """One epoch of fresh windows through ``partial_fit``, per SGD loss."""

    param_names = ["model"]
    params = [SGD_MODELS]

    def setup_cache(self):
        train, extractor, _, _ = streaming_setup()
        warm_frame_cache(train, extractor)
        return len(train)

    def setup(self, n_train_recordings, model):
        if model not in SGD_MODELS or _models is None:
            raise NotImplementedError("baselines.models is not available")
        self.train, self.extractor, self.composers, self.programs = streaming_setup()
        self.model = model

    def _epoch(self):
        # A fresh sampler: its in-memory LRU of recordings starts empty, as
        # in a run's every epoch after the first reads frames from disk.
        sampler = make_sampler(self.train, self.extractor, self.composers, self.programs)
        run_epoch(sampler, self.model)

    def time_epoch(self, *args):
        self._epoch()

    def peakmem_epoch(self, *args):
        self._epoch()


class EpochGrowth(Benchmark):
    """One epoch of ``sgd-hinge`` on the corpus x1 and x4 (four times the
    windows, warm frame cache): linear cost is four times the time."""

    param_names = ["corpus_factor"]
    params = [[1, 4]]

    def setup_cache(self):
        train, extractor, _, _ = streaming_setup()
        warm_frame_cache(train, extractor)
        return len(train)

    def setup(self, n_train_recordings, factor):
        if _models is None:
            raise NotImplementedError("baselines.models is not available")
        self.setup_ = streaming_setup()
        self.factor = factor
        run_epoch(growth_sampler(*self.setup_, factor), "sgd-hinge")  # page cache, lazy state

    def time_epoch(self, *args):
        run_epoch(growth_sampler(*self.setup_, self.factor), "sgd-hinge")
