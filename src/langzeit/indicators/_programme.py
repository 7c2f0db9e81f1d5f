"""Indicator layer: programme indicators from an event log (DOMAIN.md § 4).

Every calculator takes the log as :class:`~langzeit.indicators.EventColumns` (or any
iterable of events, converted once) and works on whole columns with numpy: no Python
loop per event or per participant. Options are keyword-only; results are tables with
numerator, denominator, value (percent) and a Wilson interval per group, ready for
:func:`langzeit.indicators.suppress`.

Conventions (documented choices):

* A participant's pathway is read from the *first* event of each type (first
  referral, first admission, first exit). Monthly time is completed months
  (:func:`langzeit.domain.months_between`).
* The data's end (default: the latest event date) censors stays and follow-ups: a
  follow-up ``k`` months after exit is *due* when exit + k months ≤ data end.
* Take-up = admitted / referred; dropout = admitted who left with reason ``dropout`` /
  admitted; extension = admitted with at least one ``Extended`` / admitted.
* The exit phase is the last phase entered on or before the exit day.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np

from langzeit._calendar import add_months, from_day_number, months_between_days
from langzeit.domain import ExitReason
from langzeit.indicators._columns import (
    OUTCOMES,
    REASONS,
    TYPE_CODES,
    EventColumns,
    as_columns,
    dense_codes,
)
from langzeit.indicators._pathways import (
    _NONE,
    BoolArray,
    Data,
    IntArray,
    _data_end,
    _first_rows,
    _grouping,
    _has,
    _pathways,
    _phase_codes,
    _phase_entries,
    _single_rate,
)
from langzeit.indicators._tables import Grouping, RateTable
from langzeit.tabular import Table

__all__ = [
    "ParticipantSummary",
    "actor_referral_rate",
    "dropout_rate",
    "exits_by_phase",
    "extension_rate",
    "funnel",
    "outcomes_by_kind",
    "participant_summary",
    "plan_step_achievement",
    "sustainability",
    "take_up",
]


# -- rates ------------------------------------------------------------------------------------


def take_up(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Take-up: admitted participants among those referred / addressed.

    Args:
        data: the event log.
        by: optional grouping of participants (:func:`group_participants`).
        level: confidence level of the Wilson interval.

    Returns:
        A rate table with item ``took_part``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1))]
        >>> take_up(log).get("took_part").value
        50.0
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    return _single_rate("take_up", "took_part", _has(p.first["admitted"]), _has(p.first["referred"]), g,
                        level, "admitted / referred")


def dropout_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Dropout (Abbruch): admitted participants who left with reason ``dropout`` / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table with item ``dropout``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8)),
        ...        Exited("e3", "p1", date(2024, 3, 1), reason="dropout")]
        >>> dropout_rate(log).get("dropout").numerator
        1
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    drop = p.exit_reason == REASONS.index(ExitReason.DROPOUT)
    return _single_rate("dropout_rate", "dropout", drop, _has(p.first["admitted"]), g, level,
                        "dropouts / admitted")


def extension_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Extension rate: admitted participants with at least one extension (Verlängerung) / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table with item ``extended``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Extended
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)),
        ...        Extended("e2", "p1", date(2024, 12, 1), until=date(2025, 6, 30))]
        >>> extension_rate(log).get("extended").value
        100.0
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    return _single_rate("extension_rate", "extended", p.extensions > 0, _has(p.first["admitted"]), g, level,
                        "extended / admitted")


def actor_referral_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Networks: admitted participants referred to at least one actor of the social space / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table with item ``referred_to_actor`` (``ActorReferred`` events at any time).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, ActorReferred
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8)),
        ...        ActorReferred("e3", "p1", date(2024, 2, 1), actor_id="sb-1", need="debt"),
        ...        ActorReferred("e4", "p1", date(2024, 3, 1), actor_id="club-2")]
        >>> actor_referral_rate(log).get("referred_to_actor").value
        50.0
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    referred = np.zeros(cols.n_participants, dtype=bool)
    referred[cols.participant[cols.type == TYPE_CODES["actor_referred"]]] = True
    return _single_rate("actor_referral_rate", "referred_to_actor", referred, _has(p.first["admitted"]), g,
                        level, "referred to an actor / admitted")


def plan_step_achievement(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Achieved cooperation-plan steps among the agreed steps (each step once per participant).

    Items: ``steps`` (achieved / agreed steps) and ``participants_all_achieved``
    (participants who achieved every agreed step / participants with agreed steps).

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level (the step interval treats steps as independent).

    Returns:
        The rate table.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import PlanStepAgreed, PlanStepAchieved
        >>> log = [PlanStepAgreed("e1", "p1", date(2024, 2, 1), step_id="s1"),
        ...        PlanStepAgreed("e2", "p1", date(2024, 2, 1), step_id="s2"),
        ...        PlanStepAchieved("e3", "p1", date(2024, 3, 1), step_id="s1")]
        >>> plan_step_achievement(log).get("steps").value
        50.0
    """
    cols = as_columns(data)
    g = _grouping(cols, by)

    agreed_m = cols.type == TYPE_CODES["plan_step_agreed"]
    achieved_m = cols.type == TYPE_CODES["plan_step_achieved"]
    # step ids as dense codes, so that (participant, step) pairs fit a small integer range
    steps, dense = dense_codes(cols.key[agreed_m | achieved_m])
    width = max(len(steps), 1)
    code = np.full(len(cols), -1, dtype=np.int64)
    code[agreed_m | achieved_m] = dense

    def keys(m: BoolArray) -> IntArray:
        return dense_codes(cols.participant[m].astype(np.int64) * width + code[m])[0]

    agreed, achieved = keys(agreed_m), keys(achieved_m)
    done = np.isin(agreed, achieved)
    who = agreed // width
    n = cols.n_participants
    agreed_n = np.bincount(who, minlength=n)
    done_n = np.bincount(who[done], minlength=n)
    has_steps = agreed_n > 0
    all_done = has_steps & (done_n == agreed_n)
    num = np.stack([g.counts(weights=done_n), g.counts(all_done)], axis=1)
    den = np.stack([g.counts(weights=agreed_n), g.counts(has_steps)], axis=1)
    return RateTable.of_counts("plan_step_achievement", g.names, ("steps", "participants_all_achieved"),
                               num.astype(np.int64), den.astype(np.int64),
                               notes=("achieved / agreed steps", "all steps achieved / with steps"),
                               level=level)


def outcomes_by_kind(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Outcomes at exit by kind among exited participants; official Integrationen flagged.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A partition table (items add up to the exits); the note marks Integrationen
        (§ 48a SGB II: insured employment, full vocational training, self-employment).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited
        >>> log = [Exited("e1", "p1", date(2024, 5, 1), reason="work", outcome="svp"),
        ...        Exited("e2", "p2", date(2024, 5, 1), reason="work", outcome="minijob")]
        >>> t = outcomes_by_kind(log)
        >>> t.get("svp").value, t.notes[t.items.index("svp")]
        (50.0, 'Integration')
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    exited = p.exit_row >= 0
    num = np.stack([g.counts(p.exit_outcome == k) for k in range(len(OUTCOMES))], axis=1)
    den = g.counts(exited)[:, None]
    notes = tuple("Integration" if o.is_integration else ("work" if o.is_work else "") for o in OUTCOMES)
    return RateTable.of_counts("outcomes_by_kind", g.names, tuple(o.value for o in OUTCOMES), num, den,
                               notes=notes, partition=True, level=level)


def sustainability(data: Data, *, months: Sequence[int] = (6, 12), by: Grouping | None = None,
                   data_end: date | None = None, level: float = 0.95) -> RateTable:
    """What remains after participation: status ``k`` months after exit (``FollowUp`` events).

    For each ``k``: ``response_{k}m`` (followed up / due), ``work_{k}m`` (any work,
    Integrationen included / followed up), ``integration_{k}m`` (Integration / followed
    up) and ``off_benefit_{k}m`` (no SGB II benefit / followed up with benefit status
    known). A follow-up is due when exit + k months is on or before the data's end.

    Args:
        data: the event log.
        months: the follow-up points.
        by: optional grouping.
        data_end: the data's end (default: the latest event).
        level: confidence level.

    Returns:
        The rate table.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited, FollowUp
        >>> log = [Exited("e1", "p1", date(2024, 1, 10), reason="work", outcome="svp"),
        ...        FollowUp("e2", "p1", date(2024, 7, 10), months_after_exit=6, status="svp",
        ...                 receives_benefit=False)]
        >>> t = sustainability(log, months=[6])
        >>> t.get("work_6m").value, t.get("off_benefit_6m").value
        (100.0, 100.0)
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    end = _data_end(cols, data_end)
    exited = p.exit_row >= 0
    work = np.array([o.is_work for o in OUTCOMES])
    integ = np.array([o.is_integration for o in OUTCOMES])
    items, nums, dens, notes = [], [], [], []
    fu = cols.type == TYPE_CODES["follow_up"]
    for k in months:
        due = exited & (add_months(np.where(exited, p.exit_day, 0), k) <= end)
        row = _first_rows(cols, fu & (cols.value == k))
        seen = due & (row >= 0)
        safe = np.where(row >= 0, row, 0)
        status = cols.code[safe].astype(np.int64)
        benefit = cols.code2[safe].astype(np.int64)
        in_work = seen & work[np.where(seen, status, 0)]
        in_integ = seen & integ[np.where(seen, status, 0)]
        known = seen & (benefit >= 0)
        off = known & (benefit == 0)
        for name, num, den, note in (("response", seen, due, "followed up / due"),
                                     ("work", in_work, seen, "in work / followed up"),
                                     ("integration", in_integ, seen, "Integration / followed up"),
                                     ("off_benefit", off, known, "no SGB II benefit / status known")):
            items.append(f"{name}_{k}m")
            nums.append(g.counts(num))
            dens.append(g.counts(den))
            notes.append(note)
    return RateTable.of_counts("sustainability", g.names, tuple(items), np.stack(nums, axis=1),
                               np.stack(dens, axis=1), notes=tuple(notes), level=level)


# -- funnel -----------------------------------------------------------------------------------


_ENTRY_STAGES = ("referred", "assessed", "participation_agreed", "admitted")


def _entry_stage_order(cols: EventColumns) -> list[str]:
    """Einström stages in the order they happen: a pairwise majority vote on first occurrence.

    Each stage scores the share of pairs (over participants reaching both) in which its
    first event (by day, then log row) comes first; stages sort by total score, ties in
    the order of ``_ENTRY_STAGES``.
    """
    keys = {}
    for name in _ENTRY_STAGES:
        rows = _first_rows(cols, cols.type == TYPE_CODES[name])
        safe = np.where(rows >= 0, rows, 0)
        keys[name] = np.where(rows >= 0, (cols.day[safe].astype(np.int64) << 32) | safe, -1)
    score = dict.fromkeys(_ENTRY_STAGES, 0.0)
    for i, a in enumerate(_ENTRY_STAGES):
        for b in _ENTRY_STAGES[i + 1:]:
            both = (keys[a] >= 0) & (keys[b] >= 0)
            if both.any():
                a_first = float(np.mean(keys[a][both] < keys[b][both]))
                score[a] += a_first
                score[b] += 1.0 - a_first
    return sorted(_ENTRY_STAGES, key=lambda name: (-score[name], _ENTRY_STAGES.index(name)))


def funnel(data: Data, *, phases: Sequence[str] | None = None, by: Grouping | None = None,
           level: float = 0.95) -> RateTable:
    """The funnel: Einström, Durchström, Ausström with conversion from stage to stage.

    Stages: ``referred``, ``assessed``, ``participation_agreed``, ``admitted``
    (Einström), one ``phase:<id>`` per phase (Durchström), ``exited`` and
    ``integration`` (Ausström). Stages no participant reached are left out. The
    Einström stages are ordered as they happen in the log, not by a fixed list: one
    stage comes before another when most participants who reach both reach it first
    (ties in the order above) — so in a programme that assesses during intake,
    ``assessed`` follows ``admitted``. The numerator counts participants who reached
    the stage *and* the previous shown stage, the denominator those who reached the
    previous stage (the first stage: itself).

    Args:
        data: the event log.
        phases: phase ids in model order (default: order of first appearance).
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table whose notes give the flow (Einström / Durchström / Ausström).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, PhaseEntered
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1)),
        ...        PhaseEntered("e4", "p1", date(2024, 2, 1), phase_id="coaching")]
        >>> t = funnel(log)
        >>> t.items, t.numerator[0].tolist(), t.denominator[0].tolist()
        (('referred', 'admitted', 'phase:coaching'), [2, 1, 1], [2, 2, 1])
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    stages: list[tuple[str, BoolArray, str]] = [
        (name, _has(p.first[name]), "Einström") for name in _entry_stage_order(cols)
    ]
    for code in _phase_codes(cols, phases):
        name = cols.keys[code] if code >= 0 else "?"
        stages.append((f"phase:{name}", _phase_entries(cols, code), "Durchström"))
    integ = np.array([o.is_integration for o in OUTCOMES])
    exited = p.exit_row >= 0
    stages.append(("exited", exited, "Ausström"))
    stages.append(("integration", exited & integ[np.where(exited, p.exit_outcome, 0)], "Ausström"))
    stages = [s for s in stages if s[1].any()] or stages[:1]
    nums, dens = [], []
    prev: BoolArray | None = None
    for _, reached, _ in stages:
        nums.append(g.counts(reached if prev is None else reached & prev))
        dens.append(g.counts(reached if prev is None else prev))
        prev = reached
    return RateTable.of_counts("funnel", g.names, tuple(s[0] for s in stages), np.stack(nums, axis=1),
                               np.stack(dens, axis=1), notes=tuple(s[2] for s in stages), level=level)


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


# -- individual level ---------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ParticipantSummary(Table):
    """The individual level: one row per participant with the pathway's key facts.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)),
        ...        Exited("e2", "p1", date(2024, 7, 1), reason="work", outcome="svp")]
        >>> r = participant_summary(log).rows()[0]
        >>> r["stay_months"], r["outcome"], r["integration"]
        (6, 'svp', True)
    """

    participant_ids: tuple[str, ...]
    referred: IntArray
    admitted: IntArray
    exited: IntArray
    stay_months: IntArray
    exit_reason: IntArray
    outcome: IntArray
    extensions: IntArray

    _title = "Participants"
    _dtypes = MappingProxyType({"referred": "date", "admitted": "date", "exited": "date",
                                "stay_months": "Int64"})

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("participant_id", "referred", "admitted", "exited", "stay_months", "exit_reason", "outcome",
                "integration", "extensions")

    def rows(self) -> list[dict[str, Any]]:
        """One row per participant."""
        def day(d: int) -> date | None:
            return None if d == _NONE else from_day_number(d)

        out = []
        for i, pid in enumerate(self.participant_ids):
            o = int(self.outcome[i])
            out.append({"participant_id": pid, "referred": day(int(self.referred[i])),
                        "admitted": day(int(self.admitted[i])), "exited": day(int(self.exited[i])),
                        "stay_months": None if self.stay_months[i] < 0 else int(self.stay_months[i]),
                        "exit_reason": None if self.exit_reason[i] < 0
                        else REASONS[int(self.exit_reason[i])].value,
                        "outcome": None if o < 0 else OUTCOMES[o].value,
                        "integration": None if o < 0 else OUTCOMES[o].is_integration,
                        "extensions": int(self.extensions[i])})
        return out


def participant_summary(data: Data) -> ParticipantSummary:
    """Each participant's referral, admission, exit, stay in completed months, outcome and extensions.

    Args:
        data: the event log.

    Returns:
        The individual-level table (not for publication: it has one row per person).

    Examples:
        >>> participant_summary([]).rows()
        []
    """
    cols = as_columns(data)
    p = _pathways(cols)
    adm = p.first["admitted"]
    done = _has(adm) & (p.exit_row >= 0)
    stay = np.where(done, months_between_days(np.where(done, adm, 0), np.where(done, p.exit_day, 0)), -1)
    return ParticipantSummary(cols.participants, p.first["referred"], adm, p.exit_day, stay,
                              p.exit_reason, p.exit_outcome, p.extensions)


