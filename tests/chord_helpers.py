"""Test helpers for the chord tests: audio synthesised from Harte labels and
Isophonics-layout folders written by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf


def chord_pitches(label: str) -> list[int]:
    """MIDI pitches sounding a Harte chord: its tones from C4 up plus the root
    an octave below; none for ``N``."""
    import mir_eval

    root, bitmap, _ = mir_eval.chord.encode(label, reduce_extended_chords=True)
    if root < 0:
        return []
    tones = [60 + (root + k) % 12 for k in np.flatnonzero(bitmap[:12])]
    return sorted(set(tones + [48 + root]))


def synthesise(intervals, labels, *, sr: int = 22050, seconds: float | None = None) -> np.ndarray:
    """Harmonic tones (4 partials, 10 ms fades) for each chord; faint noise
    for ``N``, so no frame is digital silence."""
    seconds = float(intervals[-1][1]) if seconds is None else seconds
    rng = np.random.default_rng(0)
    y = 1e-3 * rng.standard_normal(int(round(seconds * sr))).astype(np.float32)
    for (start, end), label in zip(intervals, labels):
        a, b = int(round(start * sr)), min(len(y), int(round(end * sr)))
        if b <= a:
            continue
        t = np.arange(b - a) / sr
        tone = np.zeros(b - a)
        for pitch in chord_pitches(label):
            f0 = 440.0 * 2 ** ((pitch - 69) / 12)
            for h in range(1, 5):
                if h * f0 < sr / 2:
                    tone += np.sin(2 * np.pi * h * f0 * t) / h
        fade = min(len(t) // 2, int(0.01 * sr))
        if fade:
            ramp = np.linspace(0, 1, fade)
            tone[:fade] *= ramp
            tone[-fade:] *= ramp[::-1]
        y[a:b] += (0.1 * tone).astype(np.float32)
    return y


def write_track(root: Path, artist: str, album: str, name: str, lines: list[str], *,
                audio_chords=None, sr: int = 22050, audio_seconds=None) -> tuple[Path, Path]:
    """Write ``<root>/<artist>/chordlab/<album>/<name>.lab`` (``lines`` as given)
    and, unless ``audio_chords`` is False, a wav synthesised from
    ``audio_chords`` (``(intervals, labels)``)."""
    lab = root / artist / "chordlab" / album / f"{name}.lab"
    lab.parent.mkdir(parents=True, exist_ok=True)
    lab.write_text("".join(line + "\n" for line in lines))
    wav = root / artist / "audio" / album / f"{name}.wav"
    if audio_chords is not False:
        intervals, labels = audio_chords
        wav.parent.mkdir(parents=True, exist_ok=True)
        sf.write(wav, synthesise(intervals, labels, sr=sr, seconds=audio_seconds), sr)
    return lab, wav
