"""Indicator layer: the funnel and the exits by phase, stages read from an event log (DOMAIN.md § 4).

Both follow the programme's phase model: the phases in the model's order (given, or
read from the log), the exit phases recognised in the log and counted as exits from
the phase left.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from langzeit._arrays import BoolArray, IntArray
from langzeit.indicators._columns import OUTCOMES, REASONS, TYPE_CODES, EventColumns, as_columns
from langzeit.indicators._pathways import (
    Data,
    _first_rows,
    _grouping,
    _has,
    _pathways,
    _phase_codes,
    _phase_entries,
)
from langzeit.indicators._tables import Grouping, RateTable

__all__ = ["exits_by_phase", "funnel"]


# -- funnel -----------------------------------------------------------------------------------


_ENTRY_STAGES = ("referred", "assessed", "participation_agreed", "admitted")


def _majority_order(keys: Mapping[str, IntArray]) -> list[str]:
    """Stages in the order they happen: a pairwise majority vote on first occurrence.

    ``keys[name]`` is each participant's sort key of its first reaching the stage (-1:
    never). Each stage scores the share of pairs (over participants reaching both) in
    which it comes first; stages sort by total score, ties in the order of ``keys``.
    """
    names = list(keys)
    score = dict.fromkeys(names, 0.0)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = (keys[a] >= 0) & (keys[b] >= 0)
            if both.any():
                a_first = float(np.mean(keys[a][both] < keys[b][both]))
                score[a] += a_first
                score[b] += 1.0 - a_first
    return sorted(names, key=lambda name: (-score[name], names.index(name)))


def _first_keys(cols: EventColumns, mask: BoolArray) -> IntArray:
    """Per participant, (day, row) of its first event in ``mask`` as one sortable key; -1 if none."""
    rows = _first_rows(cols, mask)
    safe = np.where(rows >= 0, rows, 0)
    out: IntArray = np.where(rows >= 0, (cols.day[safe].astype(np.int64) << 32) | safe, -1)
    return out


def _entry_stage_order(cols: EventColumns) -> list[str]:
    """Einström stages in the order they happen (see :func:`_majority_order`)."""
    return _majority_order({name: _first_keys(cols, cols.type == TYPE_CODES[name]) for name in _ENTRY_STAGES})


def _working_phase_codes(cols: EventColumns, phases: Sequence[str] | None) -> list[int]:
    """Key codes of the phases worked through, in the phase model's order; no exit phases.

    With ``phases`` the model's order is given; without, it is read from the log as for
    the Einström stages: one phase comes before another when most participants who
    enter both enter it first. Exit (terminal) phases are left out (their entries are
    the exits, the Ausström), recognised as in :func:`exits_by_phase`.
    """
    p = _pathways(cols)
    pe = np.flatnonzero(cols.type == TYPE_CODES["phase_entered"])
    terminal = set(_exit_phase_codes(cols, pe, p.exit_day).tolist())
    codes = [c for c in _phase_codes(cols, phases) if c not in terminal]
    if phases is not None:
        return codes
    entered = cols.type == TYPE_CODES["phase_entered"]
    keys = {str(c): _first_keys(cols, entered & (cols.key == c)) for c in codes}
    return [int(c) for c in _majority_order(keys)]


def funnel(data: Data, *, phases: Sequence[str] | None = None, by: Grouping | None = None,
           level: float = 0.95) -> RateTable:
    """The funnel: Einström, Durchström, Ausström, each stage with the share that reached it.

    Stages: ``referred``, ``assessed``, ``participation_agreed``, ``admitted``
    (Einström), one ``phase:<id>`` per phase worked through (Durchström; exit phases
    are the Ausström and not shown), ``exited`` and ``integration`` (Ausström). Stages
    no participant reached are left out. The Einström stages, and the phases when
    ``phases`` is not given, are ordered as they happen in the log: one stage comes
    before another when most participants who reach both reach it first (ties in the
    order above) — so in a programme that assesses during intake, ``assessed`` follows
    ``admitted``.

    Denominators (the note names them): an Einström or Durchström stage counts the
    participants who reached it among those who reached the stage before; ``exited``
    counts the exits among the admitted (exits happen from every phase, not only the
    last); ``integration`` the exits into an Integration among the exited. The first
    stage is its own denominator.

    Args:
        data: the event log.
        phases: phase ids in the phase model's order (default: the order in the log).
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table whose notes give the flow (Einström / Durchström / Ausström) and
        the denominator's stage.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, PhaseEntered, Exited
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1)),
        ...        PhaseEntered("e4", "p1", date(2024, 2, 1), phase_id="coaching"),
        ...        PhaseEntered("e5", "p1", date(2024, 6, 3), phase_id="exit"),
        ...        Exited("e6", "p1", date(2024, 6, 3), reason="work", outcome="svp")]
        >>> t = funnel(log)
        >>> t.items
        ('referred', 'admitted', 'phase:coaching', 'exited', 'integration')
        >>> t.numerator[0].tolist(), t.denominator[0].tolist()
        ([2, 1, 1, 1, 1], [2, 2, 1, 1, 1])
        >>> t.notes[1:4]
        ('Einström, of referred', 'Durchström, of admitted', 'Ausström, of admitted')
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    stages: list[tuple[str, BoolArray, str]] = [
        (name, _has(p.first[name]), "Einström") for name in _entry_stage_order(cols)
    ]
    for code in _working_phase_codes(cols, phases):
        name = cols.keys[code] if code >= 0 else "?"
        stages.append((f"phase:{name}", _phase_entries(cols, code), "Durchström"))
    integ = np.array([o.is_integration for o in OUTCOMES])
    exited = p.exit_row >= 0
    stages.append(("exited", exited, "Ausström"))
    stages.append(("integration", exited & integ[np.where(exited, p.exit_outcome, 0)], "Ausström"))
    stages = [s for s in stages if s[1].any()] or stages[:1]
    shown = {name: reached for name, reached, _ in stages}
    nums, dens, notes = [], [], []
    for k, (name, reached, flow) in enumerate(stages):
        base = None if k == 0 else stages[k - 1][0]
        if name == "exited" and "admitted" in shown:
            base = "admitted"
        elif name == "integration" and "exited" in shown:
            base = "exited"
        of = reached if base is None else shown[base]
        nums.append(g.counts(reached & of))
        dens.append(g.counts(of))
        notes.append(flow if base is None else f"{flow}, of {base}")
    return RateTable.of_counts("funnel", g.names, tuple(s[0] for s in stages), np.stack(nums, axis=1),
                               np.stack(dens, axis=1), notes=tuple(notes), level=level)


def _exit_phase_codes(cols: EventColumns, pe: IntArray, exit_day: IntArray) -> IntArray:
    """Key codes of exit (terminal) phases, recognised in the log itself.

    A phase is an exit phase when every entry into it is the participant's last phase
    entry and falls on the participant's exit day: the engine enters a terminal phase
    of the model and writes ``Exited`` on the same day. Exits are attributed to the
    phase the participant left, not to the exit phase.
    """
    if pe.size == 0:
        return np.zeros(0, dtype=np.int64)
    who = cols.participant[pe]
    entry_key = (cols.day[pe].astype(np.int64) << 32) | pe
    last = np.full(cols.n_participants, -1, dtype=np.int64)
    np.maximum.at(last, who, entry_key)
    at_exit = (entry_key == last[who]) & (cols.day[pe].astype(np.int64) == exit_day[who])
    code = cols.key[pe].astype(np.int64)
    entries = np.bincount(code, minlength=len(cols.keys))
    other = np.bincount(code[~at_exit], minlength=len(cols.keys))
    out: IntArray = np.flatnonzero((entries > 0) & (other == 0))
    return out


def exits_by_phase(data: Data, *, phases: Sequence[str] | None = None, level: float = 0.95) -> RateTable:
    """Exits by reason from each phase, against the entries into that phase.

    Rows are phases (``"all"`` first; ``"-"`` for exits before any phase), items the
    exit reasons plus ``not_exited_here`` (moved on or still in the phase), so the items
    of a row add up to its entries. An exit counts for the phase the participant left:
    exit (terminal) phases, recognised because every entry into them falls on the
    participant's exit day, have no row of their own.

    Args:
        data: the event log.
        phases: phase ids in model order (default: order of first appearance).
        level: confidence level.

    Returns:
        A partition table (phases × reasons).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import PhaseEntered, Exited
        >>> log = [PhaseEntered("e1", "p1", date(2024, 1, 8), phase_id="a"),
        ...        PhaseEntered("e2", "p2", date(2024, 1, 8), phase_id="a"),
        ...        Exited("e3", "p1", date(2024, 3, 1), reason="dropout")]
        >>> exits_by_phase(log).get("dropout", "a").value
        50.0
    """
    cols = as_columns(data)
    p = _pathways(cols)
    n = cols.n_participants
    pe = np.flatnonzero(cols.type == TYPE_CODES["phase_entered"])
    terminal = _exit_phase_codes(cols, pe, p.exit_day)
    pe = pe[~np.isin(cols.key[pe], terminal)]
    # last phase (other than an exit phase) entered on or before the exit day
    before = cols.day[pe].astype(np.int64) <= p.exit_day[cols.participant[pe]]
    pe_b = pe[before]
    key = np.full(n, -1, dtype=np.int64)
    np.maximum.at(key, cols.participant[pe_b], (cols.day[pe_b].astype(np.int64) << 32) | pe_b)
    exit_phase = np.where(key >= 0, cols.key[np.where(key >= 0, key & 0xFFFFFFFF, 0)], -1)
    codes = [c for c in _phase_codes(cols, phases) if c not in set(terminal.tolist())]
    exited = p.exit_row >= 0
    labels = ["all"] + [cols.keys[c] if c >= 0 else "?" for c in codes]
    rows_num, rows_den = [], []
    entries_all = np.zeros(n, dtype=bool)
    masks = []
    for c in codes:
        entered = _phase_entries(cols, c)
        entries_all |= entered
        masks.append((entered, exited & (exit_phase == c)))
    if (exited & (exit_phase < 0)).any():
        labels.append("-")
        masks.append((exited & (exit_phase < 0), exited & (exit_phase < 0)))
    reason_of = np.where(exited, p.exit_reason, -1)
    for entered, left in masks:
        counts = np.bincount(reason_of[left], minlength=len(REASONS))
        rows_num.append(np.r_[counts, entered.sum() - left.sum()])
        rows_den.append(entered.sum())
    num = np.array(rows_num, dtype=np.int64).reshape(-1, len(REASONS) + 1)
    den = np.array(rows_den, dtype=np.int64)
    total_num = num.sum(axis=0, keepdims=True)
    total_den = den.sum(keepdims=True)
    items = (*(r.value for r in REASONS), "not_exited_here")
    return RateTable.of_counts("exits_by_phase", labels, items,
                               np.concatenate([total_num, num]), np.concatenate([total_den, den])[:, None],
                               partition=True, level=level)
