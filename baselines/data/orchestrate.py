"""Give the parts of a score to the players of an ensemble.

Parts are ordered by register (median pitch, highest first) and matched to
the ensemble's players, which are listed highest voice first:

- no more parts than players: each part gets its own player; the top and
  bottom parts go to the first and last players, inner parts to the players
  in between whose registers fit best (two parts in a string quartet go to
  the first violin and the cello); the other players stay silent;
- more parts than players, with a keyboard: the other players take one part
  each, spread from the top voice to the bass (a single one takes the part
  that fits its register best), and the keyboard takes all the rest;
- more parts than players, no keyboard: neighbouring parts are merged onto
  the nearest player.

A part is then moved by whole octaves to the shift that keeps most of its
notes in the instrument's range, and the notes still outside are folded in
by octaves, so every rendered pitch is playable.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from .ensembles import PIZZICATO_PROGRAM, Ensemble, instrument_range

__all__ = ["KEYBOARD_PROGRAMS", "PlayedNote", "assign_parts", "fit_to_range", "orchestrate"]

#: Instruments that may take several parts at once.
KEYBOARD_PROGRAMS = frozenset({1, 7, 20})
_STRING_PROGRAMS = frozenset({41, 42, 43, 44})


@dataclass(frozen=True)
class PlayedNote:
    """A note as rendered: who plays it, at which pitch, when (seconds)."""

    player: int
    instrument: int  # 1-based GM program written to the labels
    render_program: int  # 1-based GM program used to synthesise it
    pitch: int
    start: float
    end: float
    start_beat: float
    beats: float
    note_value: str


def _centre(program: int) -> float:
    inst = instrument_range(program)
    return (inst.low + inst.high) / 2


def _monotone_match(cost: list[list[float]]) -> list[int]:
    """Increasing column for each row (rows <= columns) at least total cost."""
    n_rows, n_cols = len(cost), len(cost[0])
    inf = float("inf")
    # best[i][j]: least cost of rows[:i+1] with row i on column j.
    best = [[inf] * n_cols for _ in range(n_rows)]
    back = [[-1] * n_cols for _ in range(n_rows)]
    for j in range(n_cols):
        best[0][j] = cost[0][j]
    for i in range(1, n_rows):
        run_min, run_arg = inf, -1
        for j in range(n_cols):
            if j - 1 >= 0 and best[i - 1][j - 1] < run_min:
                run_min, run_arg = best[i - 1][j - 1], j - 1
            if run_arg >= 0:
                best[i][j] = run_min + cost[i][j]
                back[i][j] = run_arg
    j = min(range(n_cols), key=lambda c: (best[-1][c], c))
    picks = [j]
    for i in range(n_rows - 1, 0, -1):
        j = back[i][j]
        picks.append(j)
    return picks[::-1]


def assign_parts(registers: list[float], programs: tuple[int, ...]) -> list[int]:
    """Player index for each part.

    Parameters
    ----------
    registers : list of float
        Median pitch of each part, highest part first.
    programs : tuple of int
        The ensemble's players (1-based GM programs), highest voice first.
    """
    n_parts, n_players = len(registers), len(programs)
    if n_parts == 0:
        return []
    if n_parts == 1:
        fit = [abs(registers[0] - _centre(p)) for p in programs]
        return [min(range(n_players), key=lambda j: (fit[j], j))]
    if n_parts <= n_players:
        # Outer voices to the outer players (the top one usually leads the
        # ensemble, the bottom one is its bass); inner voices where they fit.
        inner = [[abs(r - _centre(p)) for p in programs[1:-1]] for r in registers[1:-1]]
        middle = [j + 1 for j in _monotone_match(inner)] if inner else []
        return [0] + middle + [n_players - 1]
    keyboards = [j for j, p in enumerate(programs) if p in KEYBOARD_PROGRAMS]
    if keyboards:
        others = [j for j, p in enumerate(programs) if p not in KEYBOARD_PROGRAMS]
        players = [keyboards[0]] * n_parts
        if len(others) == 1:
            centre = _centre(programs[others[0]])
            best = min(range(n_parts), key=lambda i: (abs(registers[i] - centre), i))
            players[best] = others[0]
        elif others:
            # The outer voices carry the piece: give them to the melody
            # instruments and the inner voices to the keyboard.
            k = len(others)
            for j, player in enumerate(others):
                players[round(j * (n_parts - 1) / (k - 1))] = player
        return players
    return [round(i * (n_players - 1) / (n_parts - 1)) for i in range(n_parts)]


def fit_to_range(pitches: list[int], program: int) -> list[int]:
    """Move pitches by octaves into the instrument's range.

    The whole part moves by the octave shift that keeps most notes in range
    (the smallest such shift); notes still outside are folded in one by one.
    """
    inst = instrument_range(program)
    if not pitches:
        return []
    shifts = sorted(range(-48, 49, 12), key=abs)
    shift = max(shifts, key=lambda s: sum(inst.fits(p + s) for p in pitches))
    out = []
    for p in pitches:
        p += shift
        while p < inst.low:
            p += 12
        while p > inst.high:
            p -= 12
        out.append(p)
    return out


def _dedupe(notes: list[PlayedNote]) -> list[PlayedNote]:
    """One player cannot sound the same key twice: merge or cut overlaps."""
    notes = sorted(notes, key=lambda n: (n.pitch, n.start, -n.end))
    out: list[PlayedNote] = []
    for note in notes:
        prev = out[-1] if out else None
        if prev is not None and prev.pitch == note.pitch and note.start < prev.end:
            if note.start <= prev.start + 1e-9:
                continue  # same onset: keep the longer (sorted first)
            out[-1] = PlayedNote(**{**prev.__dict__, "end": note.start})
        out.append(note)
    return out


def orchestrate(parts, ensemble: Ensemble) -> list[PlayedNote]:
    """Notes of ``parts`` as played by ``ensemble``.

    Parameters
    ----------
    parts : list of list of tuple
        Each part's notes as ``(start, end, pitch, start_beat, beats,
        note_value)`` tuples, times in seconds.
    ensemble : Ensemble

    Returns
    -------
    list of PlayedNote
        Sorted by start, end, instrument, pitch.
    """
    parts = [p for p in parts if p]
    order = sorted(range(len(parts)), key=lambda i: -median(n[2] for n in parts[i]))
    registers = [median(n[2] for n in parts[i]) for i in order]
    players = assign_parts(registers, ensemble.programs)
    by_player: dict[int, list[PlayedNote]] = {}
    for i, player in zip(order, players):
        program = ensemble.programs[player]
        render = program
        if ensemble.pizzicato and program in _STRING_PROGRAMS:
            render = PIZZICATO_PROGRAM
        pitches = fit_to_range([n[2] for n in parts[i]], program)
        by_player.setdefault(player, []).extend(
            PlayedNote(player, program, render, p, s, e, sb, b, v)
            for (s, e, _, sb, b, v), p in zip(parts[i], pitches)
        )
    notes = [n for player in sorted(by_player) for n in _dedupe(by_player[player])]
    notes.sort(key=lambda n: (n.start, n.end, n.instrument, n.pitch, n.player))
    return notes
