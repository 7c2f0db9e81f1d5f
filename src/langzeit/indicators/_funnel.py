"""Indicator layer: the funnel and the exits by phase, stages read from an event log (DOMAIN.md § 4).

Both follow the programme's phase model: the phases in the model's order (given, or
read from the log), the exit phases recognised in the log and counted as exits from
the phase left.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray, IntArray
from langzeit.indicators._columns import OUTCOMES, REASONS, TYPE_CODES, EventColumns, as_columns
from langzeit.indicators._pathways import (
    Data,
    _first_rows,
    _grouping,
    _has,
    _pathways,
    _phase_entries,
    _used_phase_codes,
)
from langzeit.indicators._tables import Grouping, RateTable

__all__ = ["exits_by_phase", "funnel"]


# -- funnel -----------------------------------------------------------------------------------


_ENTRY_STAGES = ("referred", "assessed", "participation_agreed", "admitted")


@attrs.frozen(eq=False)
class PhaseEvidence:
    """What the funnel and the exits by phase read from the whole log to fix their rows.

    Counts that add up across partitions of the participants (:meth:`merge`): how many
    reached each stage, for each pair of stages how many reached both and how many the
    first of the pair first (the stage order is a majority vote on them), and per phase
    its entries, the entries not on the exit day (a phase without them is an exit
    phase) and the earliest entry day (the order of first appearance).
    """

    reached: dict[str, int]
    pairs: dict[tuple[str, str], tuple[int, int]]
    entries: dict[str, tuple[int, int, int]]  # phase -> (entries, entries not at exit, first day)

    def merge(self, other: PhaseEvidence) -> PhaseEvidence:
        """The evidence of both partitions together."""
        reached = dict(self.reached)
        for k, v in other.reached.items():
            reached[k] = reached.get(k, 0) + v
        pairs = dict(self.pairs)
        for pair, (a, b) in other.pairs.items():
            x, y = pairs.get(pair, (0, 0))
            pairs[pair] = (x + a, y + b)
        entries = dict(self.entries)
        for phase, (a, b, d) in other.entries.items():
            x, y, e = entries.get(phase, (0, 0, d))
            entries[phase] = (x + a, y + b, min(d, e))
        return PhaseEvidence(reached, pairs, entries)

    @property
    def terminal(self) -> frozenset[str]:
        """The exit phases: entered, but only ever on the participant's exit day."""
        return frozenset(k for k, (n, other, _) in self.entries.items() if n > 0 and other == 0)

    def used_phases(self) -> list[str]:
        """The phases entered, in order of first appearance (earliest entry day, ties by name)."""
        return sorted(self.entries, key=lambda k: (self.entries[k][2], k))

    def majority_order(self, names: Sequence[str]) -> list[str]:
        """Stages in the order they happen: a pairwise majority vote on first occurrence.

        Each stage scores the share of pairs (over participants reaching both) in which
        it comes first; stages sort by total score, ties in the order of ``names``.
        """
        score = dict.fromkeys(names, 0.0)
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                key = (a, b) if a < b else (b, a)
                first, both = self.pairs.get(key, (0, 0))
                if both:
                    a_first = (first if a < b else both - first) / both
                    score[a] += a_first
                    score[b] += 1.0 - a_first
        return sorted(names, key=lambda name: (-score[name], names.index(name)))


def _first_keys(cols: EventColumns, mask: BoolArray) -> IntArray:
    """Per participant, (day, row) of its first event in ``mask`` as one sortable key; -1 if none."""
    rows = _first_rows(cols, mask)
    safe = np.where(rows >= 0, rows, 0)
    out: IntArray = np.where(rows >= 0, (cols.day[safe].astype(np.int64) << 32) | safe, -1)
    return out


def _pair_counts(keys: Mapping[str, IntArray]) -> dict[tuple[str, str], tuple[int, int]]:
    """For each pair of stages (names sorted): participants reaching the first one first, and both."""
    out = {}
    names = sorted(keys)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            both = (keys[a] >= 0) & (keys[b] >= 0)
            out[(a, b)] = (int(np.count_nonzero(keys[a][both] < keys[b][both])), int(np.count_nonzero(both)))
    return out


def _stage_reached(cols: EventColumns, p: Any) -> list[tuple[str, BoolArray]]:
    integ = np.array([o.is_integration for o in OUTCOMES])
    exited = p.exit_row >= 0
    return [*((name, _has(p.first[name])) for name in _ENTRY_STAGES),
            ("exited", exited), ("integration", exited & integ[np.where(exited, p.exit_outcome, 0)])]


def phase_evidence(data: Data) -> PhaseEvidence:
    """The :class:`PhaseEvidence` of one log (or one partition of the participants).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> e = phase_evidence([Referred("e1", "p1", date(2024, 1, 8)),
        ...                     Admitted("e2", "p1", date(2024, 2, 1))])
        >>> e.reached["admitted"], e.pairs[("admitted", "referred")]
        (1, (0, 1))
    """
    cols = as_columns(data)
    p = _pathways(cols)
    reached = {name: int(np.count_nonzero(r)) for name, r in _stage_reached(cols, p)}
    pairs = _pair_counts({name: _first_keys(cols, cols.type == TYPE_CODES[name]) for name in _ENTRY_STAGES})
    pe = np.flatnonzero(cols.type == TYPE_CODES["phase_entered"])
    entered = cols.type == TYPE_CODES["phase_entered"]
    codes = [int(c) for c in _used_phase_codes(cols)]
    at_exit = _at_exit(cols, pe, p.exit_day)
    code = cols.key[pe].astype(np.int64)
    n_entries = np.bincount(code, minlength=len(cols.keys))
    n_other = np.bincount(code[~at_exit], minlength=len(cols.keys))
    first = np.full(len(cols.keys), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, code, cols.day[pe].astype(np.int64))
    entries = {cols.keys[c]: (int(n_entries[c]), int(n_other[c]), int(first[c])) for c in codes}
    phase_keys = {f"phase:{cols.keys[c]}": _first_keys(cols, entered & (cols.key == c)) for c in codes}
    pairs.update(_pair_counts(phase_keys))
    for name, keys in phase_keys.items():
        reached[name] = int(np.count_nonzero(keys >= 0))
    return PhaseEvidence(reached, pairs, entries)


def _working_phases(evidence: PhaseEvidence, phases: Sequence[str] | None) -> list[str]:
    """The phases worked through, in the phase model's order; no exit phases.

    With ``phases`` the model's order is given; without, it is read from the log as for
    the Einström stages: one phase comes before another when most participants who
    enter both enter it first. Exit (terminal) phases are left out (their entries are
    the exits, the Ausström), recognised as in :func:`exits_by_phase`.
    """
    terminal = evidence.terminal
    if phases is not None:
        return [ph for ph in phases if ph not in terminal]
    names = [f"phase:{ph}" for ph in evidence.used_phases() if ph not in terminal]
    return [name[len("phase:"):] for name in evidence.majority_order(names)]


def funnel_plan(evidence: PhaseEvidence,
                phases: Sequence[str] | None = None) -> tuple[tuple[str, str, str | None], ...]:
    """The funnel's stages: ``(name, flow, the stage of its denominator or None)``, in order.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> funnel_plan(phase_evidence([Referred("e1", "p1", date(2024, 1, 8)),
        ...                             Admitted("e2", "p1", date(2024, 2, 1))]))
        (('referred', 'Einström', None), ('admitted', 'Einström', 'referred'))
    """
    stages = [(name, "Einström") for name in evidence.majority_order(list(_ENTRY_STAGES))]
    stages += [(f"phase:{ph}", "Durchström") for ph in _working_phases(evidence, phases)]
    stages += [("exited", "Ausström"), ("integration", "Ausström")]
    shown = [s for s in stages if evidence.reached.get(s[0], 0) > 0] or stages[:1]
    names = {name for name, _ in shown}
    out = []
    for k, (name, flow) in enumerate(shown):
        base = None if k == 0 else shown[k - 1][0]
        if name == "exited" and "admitted" in names:
            base = "admitted"
        elif name == "integration" and "exited" in names:
            base = "exited"
        out.append((name, flow, base))
    return tuple(out)


def funnel_counts(data: Data, plan: Sequence[tuple[str, str, str | None]], *,
                  by: Grouping | None = None) -> tuple[IntArray, IntArray]:
    """Numerators and denominators (groups × stages) of the funnel's ``plan``; they add up.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1))]
        >>> num, den = funnel_counts(log, funnel_plan(phase_evidence(log)))
        >>> num.tolist(), den.tolist()
        ([[2, 1]], [[2, 2]])
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    reached = dict(_stage_reached(cols, p))
    nums, dens = [], []
    for name, _, base in plan:
        if name not in reached:  # a phase
            reached[name] = _phase_entries(cols, cols.key_code(name[len("phase:"):]))
        r = reached[name]
        of = r if base is None else reached[base]
        nums.append(g.counts(r & of))
        dens.append(g.counts(of))
    n_groups = len(g.names)
    num = np.stack(nums, axis=1) if nums else np.zeros((n_groups, 0), dtype=np.int64)
    den = np.stack(dens, axis=1) if dens else np.zeros((n_groups, 0), dtype=np.int64)
    return num.astype(np.int64), den.astype(np.int64)


def funnel_table(plan: Sequence[tuple[str, str, str | None]], groups: Sequence[str], numerator: IntArray,
                 denominator: IntArray, *, level: float = 0.95) -> RateTable:
    """The funnel's rate table from its plan and (merged) counts."""
    notes = tuple(flow if base is None else f"{flow}, of {base}" for _, flow, base in plan)
    return RateTable.of_counts("funnel", tuple(groups), tuple(name for name, _, _ in plan), numerator,
                               denominator, notes=notes, level=level)


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
    g = _grouping(cols, by)
    plan = funnel_plan(phase_evidence(cols), phases)
    num, den = funnel_counts(cols, plan, by=g)
    return funnel_table(plan, g.names, num, den, level=level)


def _at_exit(cols: EventColumns, pe: IntArray, exit_day: IntArray) -> BoolArray:
    """Per phase entry (rows ``pe``): is it the participant's last phase entry, on the exit day?

    A phase is an exit (terminal) phase when every entry into it is: the engine enters
    a terminal phase of the model and writes ``Exited`` on the same day. Exits are
    attributed to the phase the participant left, not to the exit phase.
    """
    if pe.size == 0:
        return np.zeros(0, dtype=bool)
    who = cols.participant[pe]
    entry_key = (cols.day[pe].astype(np.int64) << 32) | pe
    last = np.full(cols.n_participants, -1, dtype=np.int64)
    np.maximum.at(last, who, entry_key)
    out: BoolArray = (entry_key == last[who]) & (cols.day[pe].astype(np.int64) == exit_day[who])
    return out


def exits_by_phase_rows(evidence: PhaseEvidence, phases: Sequence[str] | None = None) -> tuple[str, ...]:
    """The phases with a row in :func:`exits_by_phase` (model order, or first appearance; no exit phases).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import PhaseEntered
        >>> exits_by_phase_rows(phase_evidence([PhaseEntered("e1", "p1", date(2024, 1, 8), phase_id="a")]))
        ('a',)
    """
    terminal = evidence.terminal
    return tuple(ph for ph in (evidence.used_phases() if phases is None else phases) if ph not in terminal)


def exits_by_phase_counts(data: Data, rows: Sequence[str],
                          terminal: frozenset[str]) -> tuple[IntArray, IntArray]:
    """Exits by reason (plus ``not_exited_here``) and entries per phase of ``rows``, then row ``"-"``.

    The counts add up across partitions of the participants; ``terminal`` are the exit
    phases of the whole log (:attr:`PhaseEvidence.terminal`).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import PhaseEntered, Exited
        >>> log = [PhaseEntered("e1", "p1", date(2024, 1, 8), phase_id="a"),
        ...        Exited("e2", "p1", date(2024, 3, 1), reason="dropout")]
        >>> num, den = exits_by_phase_counts(log, ["a"], frozenset())
        >>> num[0].tolist(), den.tolist()
        ([0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0])
    """
    cols = as_columns(data)
    p = _pathways(cols)
    n = cols.n_participants
    pe = np.flatnonzero(cols.type == TYPE_CODES["phase_entered"])
    terminal_codes = [c for c in (cols.key_code(ph) for ph in terminal) if c >= 0]
    pe = pe[~np.isin(cols.key[pe], terminal_codes)]
    # last phase (other than an exit phase) entered on or before the exit day
    before = cols.day[pe].astype(np.int64) <= p.exit_day[cols.participant[pe]]
    pe_b = pe[before]
    key = np.full(n, -1, dtype=np.int64)
    np.maximum.at(key, cols.participant[pe_b], (cols.day[pe_b].astype(np.int64) << 32) | pe_b)
    exit_phase = np.where(key >= 0, cols.key[np.where(key >= 0, key & 0xFFFFFFFF, 0)], -1)
    exited = p.exit_row >= 0
    nobody = np.zeros(n, dtype=bool)
    masks = []
    for ph in rows:
        c = cols.key_code(ph)
        masks.append((nobody, nobody) if c < 0 else (_phase_entries(cols, c), exited & (exit_phase == c)))
    masks.append((exited & (exit_phase < 0), exited & (exit_phase < 0)))
    reason_of = np.where(exited, p.exit_reason, -1)
    rows_num, rows_den = [], []
    for entered, left in masks:
        counts = np.bincount(reason_of[left], minlength=len(REASONS))
        rows_num.append(np.r_[counts, entered.sum() - left.sum()])
        rows_den.append(entered.sum())
    num: IntArray = np.array(rows_num, dtype=np.int64).reshape(-1, len(REASONS) + 1)
    den: IntArray = np.array(rows_den, dtype=np.int64)
    return num, den


def exits_by_phase_table(rows: Sequence[str], numerator: IntArray, denominator: IntArray, *,
                         level: float = 0.95) -> RateTable:
    """The rate table of :func:`exits_by_phase` from (merged) :func:`exits_by_phase_counts`."""
    labels = ["all", *rows]
    num, den = numerator, denominator
    if den[-1] > 0:
        labels.append("-")
    else:
        num, den = num[:-1], den[:-1]
    items = (*(r.value for r in REASONS), "not_exited_here")
    return RateTable.of_counts("exits_by_phase", labels, items,
                               np.concatenate([num.sum(axis=0, keepdims=True), num]),
                               np.concatenate([den.sum(keepdims=True), den])[:, None],
                               partition=True, level=level)


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
    evidence = phase_evidence(cols)
    rows = exits_by_phase_rows(evidence, phases)
    num, den = exits_by_phase_counts(cols, rows, evidence.terminal)
    return exits_by_phase_table(rows, num, den, level=level)
