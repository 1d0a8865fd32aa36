"""Notes -> audio: General MIDI through a SoundFont, as every embedded corpus
renders it.

:func:`synthesise` plays orchestrated notes (:class:`~baselines.data.orchestrate.PlayedNote`)
with ``midirenderer`` and pretty_midi's TimGM6mb SoundFont, mixes them to
mono at :data:`AUDIO_SR`, cuts or pads to an exact length and normalises the
peak; :func:`write_wav` stores 16-bit PCM atomically.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from .corpus_build import replace_write

__all__ = ["AUDIO_SR", "synthesise", "write_wav"]

AUDIO_SR = 22050
_VELOCITY = 80
_PEAK = 0.9

_SOUNDFONT: bytes | None = None


def _soundfont() -> bytes:
    global _SOUNDFONT
    if _SOUNDFONT is None:
        import pretty_midi

        path = os.path.join(os.path.dirname(pretty_midi.__file__), "TimGM6mb.sf2")
        with open(path, "rb") as f:
            _SOUNDFONT = f.read()
    return _SOUNDFONT


def synthesise(notes, seconds: float) -> "np.ndarray":
    """Mono float32 audio at AUDIO_SR of exactly ``round(seconds * AUDIO_SR)``
    samples."""
    import numpy as np
    import midirenderer
    import pretty_midi
    import soundfile as sf
    import soxr

    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    instruments = {}
    for n in notes:
        if n.player not in instruments:
            instruments[n.player] = pretty_midi.Instrument(program=n.render_program - 1)
        instruments[n.player].notes.append(
            pretty_midi.Note(velocity=_VELOCITY, pitch=n.pitch, start=n.start, end=n.end)
        )
    for player in sorted(instruments):
        pm.instruments.append(instruments[player])
    midi = io.BytesIO()
    pm.write(midi)
    wav = midirenderer.render_wave_from(_soundfont(), midi.getvalue())
    data, sr = sf.read(io.BytesIO(wav), dtype="float32", always_2d=True)
    y = soxr.resample(data.mean(axis=1), sr, AUDIO_SR).astype(np.float32)
    n = int(round(seconds * AUDIO_SR))
    y = np.pad(y[:n], (0, max(0, n - len(y))))
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > 0:
        y *= _PEAK / peak
    return y


def write_wav(path: Path, y) -> None:
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, AUDIO_SR, subtype="PCM_16", format="WAV")
    replace_write(path, buf.getvalue())
