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

import weakref
from collections.abc import Iterable, Sequence
from datetime import date
from operator import itemgetter
from statistics import NormalDist
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.domain import ExitReason
from langzeit.events import Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import (
    EXIT_CAUSES,
    OUTCOMES,
    REASONS,
    TYPE_CODES,
    EventColumns,
    as_columns,
    dense_codes,
    exit_causes,
)
from langzeit.indicators._confidentiality import SHOWN, ConfidentialityRule, suppression_flags
from langzeit.indicators._dates import (
    add_months,
    day_number,
    from_day_number,
    month_end,
    month_index,
    months_between_days,
)
from langzeit.indicators._scales import SCALES, WHO5_RELEVANT_CHANGE, score_items
from langzeit.indicators._sequences import StateSequences
from langzeit.indicators._survival import CumulativeIncidence, aalen_johansen
from langzeit.indicators._tables import DistributionTable, Grouping, RateTable, group_participants
from langzeit.tabular import Table

__all__ = [
    "Caseloads",
    "ParticipantSummary",
    "ScaleChange",
    "StayLengths",
    "WaitingList",
    "caseloads",
    "competing_exits",
    "dropout_rate",
    "exits_by_phase",
    "extension_rate",
    "funnel",
    "outcomes_by_kind",
    "participant_summary",
    "plan_step_achievement",
    "scale_change",
    "state_sequences",
    "stay_lengths",
    "sustainability",
    "take_up",
    "waiting_list",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Data = EventColumns | Iterable[Event]

_NONE = np.iinfo(np.int64).max  # "no such event"
_DAYS_PER_MONTH = 365.2425 / 12
_FIRST_TYPES = ("referred", "assessed", "participation_agreed", "declined", "waitlisted", "reneged",
                "admitted", "extended")


@attrs.frozen(eq=False)
class _Pathways:
    """Per participant: first day of each event type and the first exit (computed once per log)."""

    first: dict[str, IntArray]
    exit_row: IntArray  # -1 when not exited
    exit_day: IntArray
    exit_reason: IntArray  # -1 when not exited
    exit_outcome: IntArray
    extensions: IntArray


_CACHE: weakref.WeakKeyDictionary[EventColumns, _Pathways] = weakref.WeakKeyDictionary()


def _first_rows(cols: EventColumns, mask: BoolArray) -> IntArray:
    """Per participant, the row of its earliest event in ``mask`` (ties: earlier row); -1 if none."""
    rows = np.flatnonzero(mask)
    key = np.full(cols.n_participants, _NONE, dtype=np.int64)
    np.minimum.at(key, cols.participant[rows], (cols.day[rows].astype(np.int64) << 32) | rows)
    out: IntArray = np.where(key == _NONE, -1, key & 0xFFFFFFFF)
    return out


def _pathways(cols: EventColumns) -> _Pathways:
    cached = _CACHE.get(cols)
    if cached is not None:
        return cached
    n = cols.n_participants
    first = {}
    for name in _FIRST_TYPES:
        rows = np.flatnonzero(cols.type == TYPE_CODES[name])
        day = np.full(n, _NONE, dtype=np.int64)
        np.minimum.at(day, cols.participant[rows], cols.day[rows].astype(np.int64))
        first[name] = day
    exit_row = _first_rows(cols, cols.type == TYPE_CODES["exited"])
    has = exit_row >= 0
    safe = np.where(has, exit_row, 0)
    exit_day = np.where(has, cols.day[safe].astype(np.int64), _NONE)
    reason = np.where(has, cols.code[safe].astype(np.int64), -1)
    outcome = np.where(has, cols.code2[safe].astype(np.int64), -1)
    ext = np.bincount(cols.participant[cols.type == TYPE_CODES["extended"]], minlength=n).astype(np.int64)
    out = _Pathways(first, exit_row, exit_day, reason, outcome, ext)
    _CACHE[cols] = out
    return out


def _data_end(cols: EventColumns, data_end: date | None) -> int:
    if data_end is not None:
        return day_number(data_end)
    return int(cols.day.max()) if len(cols) else 0


def _grouping(cols: EventColumns, by: Grouping | None) -> Grouping:
    if by is None:
        return group_participants(cols.participants, {}, None)
    if len(by.codes) != cols.n_participants:
        raise ValidationError("grouping does not fit the log",
                              [Problem("by", f"{len(by.codes)} participants, log has {cols.n_participants}")])
    return by


def _ids(cols: EventColumns, index: IntArray) -> tuple[str, ...]:
    """The participant ids at ``index`` (fast for many)."""
    if len(index) > 1:
        out: tuple[str, ...] = itemgetter(*index.tolist())(cols.participants)
        return out
    return tuple(cols.participants[i] for i in index.tolist())


def _has(day: IntArray) -> BoolArray:
    out: BoolArray = day != _NONE
    return out


# -- rates ------------------------------------------------------------------------------------


def _single_rate(name: str, item: str, num: BoolArray, den: BoolArray, g: Grouping, level: float,
                 note: str = "") -> RateTable:
    return RateTable.of_counts(name, g.names, (item,), g.counts(num & den)[:, None], g.counts(den)[:, None],
                               notes=(note,), level=level)


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


def _used_phase_codes(cols: EventColumns) -> IntArray:
    """Key codes of the phases entered in the log, in order of first appearance."""
    keys = cols.key[cols.type == TYPE_CODES["phase_entered"]]
    out: IntArray = np.flatnonzero(np.bincount(keys, minlength=len(cols.keys)))
    return out


def _phase_codes(cols: EventColumns, phases: Sequence[str] | None) -> list[int]:
    used = _used_phase_codes(cols)
    if phases is None:
        return [int(k) for k in used]  # order of first appearance in the log
    return [cols.key_code(ph) for ph in phases]


def _phase_entries(cols: EventColumns, code: int) -> BoolArray:
    out = np.zeros(cols.n_participants, dtype=bool)
    if code >= 0:
        out[cols.participant[(cols.type == TYPE_CODES["phase_entered"]) & (cols.key == code)]] = True
    return out


def funnel(data: Data, *, phases: Sequence[str] | None = None, by: Grouping | None = None,
           level: float = 0.95) -> RateTable:
    """The funnel: Einström, Durchström, Ausström with conversion from stage to stage.

    Stages: ``referred``, ``assessed``, ``participation_agreed``, ``admitted``
    (Einström), one ``phase:<id>`` per phase (Durchström), ``exited`` and
    ``integration`` (Ausström). Stages no participant reached are left out. The
    numerator counts participants who reached the stage *and* the previous shown
    stage, the denominator those who reached the previous stage (the first stage: itself).

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
        (name, _has(p.first[name]), "Einström")
        for name in ("referred", "assessed", "participation_agreed", "admitted")
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


def exits_by_phase(data: Data, *, phases: Sequence[str] | None = None, level: float = 0.95) -> RateTable:
    """Exits by reason from each phase, against the entries into that phase.

    Rows are phases (``"all"`` first; ``"-"`` for exits before any phase), items the
    exit reasons plus ``not_exited_here`` (moved on or still in the phase), so the items
    of a row add up to its entries.

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
    # last phase entered on or before the exit day
    before = cols.day[pe].astype(np.int64) <= p.exit_day[cols.participant[pe]]
    pe_b = pe[before]
    key = np.full(n, -1, dtype=np.int64)
    np.maximum.at(key, cols.participant[pe_b], (cols.day[pe_b].astype(np.int64) << 32) | pe_b)
    exit_phase = np.where(key >= 0, cols.key[np.where(key >= 0, key & 0xFFFFFFFF, 0)], -1)
    codes = _phase_codes(cols, phases)
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


# -- waiting list and stays --------------------------------------------------------------------


@attrs.frozen(eq=False)
class WaitingList(Table):
    """Waiting-list length at each month's end and the waiting times of those who left it.

    ``times`` is the distribution of days waited until admission; ``reneged`` and
    ``still_waiting`` count per group those who left without a place and those
    waiting at the data's end.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Waitlisted, Admitted
        >>> log = [Waitlisted("e1", "p1", date(2024, 1, 10)), Waitlisted("e2", "p2", date(2024, 1, 20)),
        ...        Admitted("e3", "p1", date(2024, 3, 10))]
        >>> w = waiting_list(log)
        >>> w.length.tolist(), w.times.rows()[0]["median"]
        ([2, 2, 1], 60.0)
    """

    month_ends: tuple[date, ...]
    length: IntArray
    times: DistributionTable
    reneged: IntArray
    still_waiting: IntArray
    flags: npt.NDArray[np.int8] | None = None

    _title = "Waiting list"

    def columns(self) -> tuple[str, ...]:
        """The column names (one row per month)."""
        return ("month_end", "waiting")

    def rows(self) -> list[dict[str, Any]]:
        """The waiting-list length at each month's end (None when suppressed)."""
        return [{"month_end": d, "waiting": None if self.flags is not None and self.flags[i] else int(n)}
                for i, (d, n) in enumerate(zip(self.month_ends, self.length, strict=True))]

    def with_confidentiality(self, rule: ConfidentialityRule) -> WaitingList:
        """Suppress monthly lengths of 1 … min_n − 1 and small groups of the waiting times.

        Examples:
            >>> from datetime import date
            >>> w = WaitingList((date(2024, 1, 31), date(2024, 2, 29)), np.array([1, 4]),
            ...                 waiting_list([]).times, np.zeros(1, int), np.zeros(1, int))
            >>> [r["waiting"] for r in w.with_confidentiality(ConfidentialityRule()).rows()]
            [None, 4]
        """
        flags = np.where((self.length > 0) & (self.length < rule.min_n), 1, 0).astype(np.int8)
        return attrs.evolve(self, flags=flags, times=self.times.with_confidentiality(rule))


def _monthly_stock(start: IntArray, end: IntArray, first_month: int, last_month: int) -> IntArray:
    """How many intervals [start, end) cover each month's last day, months first…last."""
    m = last_month - first_month + 1
    s = np.clip(month_index(start) - first_month, 0, m)
    e = np.clip(month_index(np.minimum(end, 2**40)) - first_month, 0, m)  # end day ≤ S(m) ⇔ month(end) ≤ m
    ok = e > s
    diff = np.bincount(s[ok], minlength=m + 1) - np.bincount(e[ok], minlength=m + 1)
    out: IntArray = np.cumsum(diff)[:m].astype(np.int64)
    return out


def waiting_list(data: Data, *, by: Grouping | None = None, data_end: date | None = None) -> WaitingList:
    """Waiting-list length over time and the distribution of waiting times.

    A participant waits from the first ``Waitlisted`` until the first admission,
    reneging, declining or exit on or after it; the waiting time is counted in days for
    those admitted.

    Args:
        data: the event log.
        by: optional grouping (for the waiting-time distribution and counts).
        data_end: the data's end (default: the latest event).

    Returns:
        The monthly lengths (at each month's last day) and the waiting-time table.

    Examples:
        >>> waiting_list([]).length.tolist()
        []
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    end_day = _data_end(cols, data_end)
    start = p.first["waitlisted"]
    waits = _has(start)
    stop = np.full(cols.n_participants, _NONE, dtype=np.int64)
    for name in ("admitted", "reneged", "declined"):
        d = p.first[name]
        stop = np.where((d >= start) & (d < stop), d, stop)
    stop = np.where((p.exit_day >= start) & (p.exit_day < stop), p.exit_day, stop)
    left = waits & (stop <= end_day)
    admitted = left & (stop == p.first["admitted"])
    reneged = left & (stop == p.first["reneged"]) & ~admitted
    still = waits & ((stop == _NONE) | (stop > end_day))
    times = DistributionTable.of_values("waiting_days", (stop - start)[admitted].astype(np.float64),
                                        g.codes[admitted], g.names)
    if not waits.any():
        return WaitingList((), np.zeros(0, dtype=np.int64), times, g.counts(reneged), g.counts(still))
    first_m = int(month_index(start[waits]).min())
    last_m = int(month_index(np.array([end_day]))[0])
    length = _monthly_stock(start[waits], stop[waits], first_m, last_m)
    ends = tuple(from_day_number(int(d)) for d in month_end(np.arange(first_m, last_m + 1)))
    return WaitingList(ends, length, times, g.counts(reneged), g.counts(still))


@attrs.frozen(eq=False)
class StayLengths(Table):
    """Stay length in the programme: actual months of completed stays vs the planned stay.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)), Admitted("e3", "p2", date(2024, 1, 1)),
        ...        Exited("e2", "p1", date(2025, 1, 1), reason="completed")]
        >>> s = stay_lengths(log, planned_months=12)
        >>> s.actual.rows()[0]["median"], s.ongoing.tolist(), s.over_planned.get("over_planned").value
        (12.0, [1], 0.0)
    """

    actual: DistributionTable
    ongoing: IntArray
    planned_months: float | None
    over_planned: RateTable | None

    _title = "Stay length"

    def columns(self) -> tuple[str, ...]:
        """The columns of :attr:`actual` (the distribution table)."""
        return self.actual.columns()

    def rows(self) -> list[dict[str, Any]]:
        """The rows of :attr:`actual`."""
        return self.actual.rows()


def stay_lengths(data: Data, *, planned_months: float | None = None, by: Grouping | None = None,
                 level: float = 0.95) -> StayLengths:
    """Actual stay (admission to exit) against the planned stay, in months.

    A stay's length is its completed calendar months plus the remaining days / 30.44.

    Args:
        data: the event log.
        planned_months: the programme's planned stay (e.g. from its phase model), or None.
        by: optional grouping.
        level: confidence level of the "longer than planned" rate.

    Returns:
        The distribution of completed stays, ongoing stays per group and the share of
        completed stays longer than planned.

    Examples:
        >>> stay_lengths([]).actual.count.tolist()
        [0]
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    adm = _has(p.first["admitted"])
    done = adm & (p.exit_row >= 0) & (p.exit_day >= p.first["admitted"])
    adm_d, exit_d = p.first["admitted"][done], p.exit_day[done]
    whole = months_between_days(adm_d, exit_d)
    months = whole + (exit_d - add_months(adm_d, whole)) / _DAYS_PER_MONTH
    actual = DistributionTable.of_values("stay_months", months, g.codes[done], g.names)
    over = None
    if planned_months is not None:
        longer = np.zeros(cols.n_participants, dtype=bool)
        longer[done] = months > planned_months + 1e-9
        over = _single_rate("stay_lengths", "over_planned", longer, done, g, level,
                            f"stay > {planned_months:g} months / completed stays")
    return StayLengths(actual, g.counts(adm & (p.exit_row < 0)), planned_months, over)


# -- caseloads ---------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class Caseloads(Table):
    """Active cases per coach and per tandem at each month's end.

    ``load[h, m]`` is the number of admitted, not yet exited participants assigned to
    holder ``h`` on the last day of month ``m``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, CoachAssigned
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)),
        ...        CoachAssigned("e2", "p1", date(2024, 1, 8), coach_id="c1")]
        >>> c = caseloads(log, data_end=date(2024, 2, 29))
        >>> c.holders, c.load.tolist()
        (('c1',), [[1, 1]])
    """

    month_ends: tuple[date, ...]
    holders: tuple[str, ...]
    kinds: tuple[str, ...]
    load: IntArray

    _title = "Caseload per coach and tandem"

    def columns(self) -> tuple[str, ...]:
        """The column names (long format, cells with cases only)."""
        return ("month_end", "holder", "kind", "cases")

    def rows(self) -> list[dict[str, Any]]:
        """One row per holder and month with at least one case."""
        h, m = np.nonzero(self.load)
        return [{"month_end": self.month_ends[j], "holder": self.holders[i], "kind": self.kinds[i],
                 "cases": int(self.load[i, j])} for i, j in zip(h.tolist(), m.tolist(), strict=True)]

    def summary(self, *, kind: str | None = None) -> list[dict[str, Any]]:
        """Per month: holders with cases, mean, median and maximum caseload among them.

        Examples:
            >>> caseloads([]).summary()
            []
        """
        sel = np.array([kind is None or k == kind for k in self.kinds], dtype=bool)
        load = self.load[sel] if len(self.holders) else np.zeros((0, len(self.month_ends)), dtype=np.int64)
        out = []
        for j, d in enumerate(self.month_ends):
            col = load[:, j]
            col = col[col > 0]
            out.append({"month_end": d, "holders": len(col),
                        "cases": int(col.sum()),
                        "mean": float(col.mean()) if len(col) else None,
                        "median": float(np.median(col)) if len(col) else None,
                        "max": int(col.max()) if len(col) else None})
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> Caseloads:
        """Caseloads of 1 … min_n − 1 cases are set to 0 in the per-holder table (primary rule).

        Examples:
            >>> c = Caseloads((), ("c1",), ("coach",), np.array([[2, 5]]))
            >>> c.with_confidentiality(ConfidentialityRule()).load.tolist()
            [[0, 5]]
        """
        flags = suppression_flags(self.load, min_n=rule.min_n, row_totals=False, column_totals=False,
                                  secondary=False) if self.load.size else np.zeros(self.load.shape, np.int8)
        return attrs.evolve(self, load=np.where(flags != SHOWN, 0, self.load))


def caseloads(data: Data, *, data_end: date | None = None) -> Caseloads:
    """Caseload per coach and tandem over time (Betreuungsschlüssel in practice).

    An assignment (``CoachAssigned`` / ``TandemAssigned``) holds from its day (at the
    earliest the admission) until the participant's next assignment or exit.

    Args:
        data: the event log.
        data_end: the last month's end is the month of this day (default: the latest event).

    Returns:
        The holders × months table.

    Examples:
        >>> caseloads([]).load.shape
        (0, 0)
    """
    cols = as_columns(data)
    p = _pathways(cols)
    end_day = _data_end(cols, data_end)
    assigned = (cols.type == TYPE_CODES["coach_assigned"]) | (cols.type == TYPE_CODES["tandem_assigned"])
    rows = np.flatnonzero(assigned)
    if not len(rows) or not _has(p.first["admitted"]).any():
        return Caseloads((), (), (), np.zeros((0, 0), dtype=np.int64))
    part = cols.participant[rows].astype(np.int64)
    day = cols.day[rows].astype(np.int64)
    order = np.lexsort((rows, day, part))
    rows, part, day = rows[order], part[order], day[order]
    nxt = np.full(len(rows), _NONE, dtype=np.int64)
    same = part[1:] == part[:-1]
    nxt[:-1] = np.where(same, day[1:], _NONE)
    start = np.maximum(day, p.first["admitted"][part])
    stop = np.minimum(nxt, p.exit_day[part])
    ok = _has(p.first["admitted"][part]) & (stop > start)
    holder_key = cols.key[rows].astype(np.int64) * 2 + (cols.type[rows] == TYPE_CODES["tandem_assigned"])
    uniq, h = dense_codes(holder_key)
    first_m = int(month_index(start[ok]).min()) if ok.any() else int(month_index(np.array([end_day]))[0])
    last_m = int(month_index(np.array([end_day]))[0])
    m = max(last_m - first_m + 1, 0)
    s = np.clip(month_index(start) - first_m, 0, m)
    e = np.clip(month_index(np.minimum(stop, 2**40)) - first_m, 0, m)
    ok &= e > s
    diff = np.zeros((len(uniq), m + 1), dtype=np.int64)
    np.add.at(diff, (h[ok], s[ok]), 1)
    np.add.at(diff, (h[ok], e[ok]), -1)
    load = np.cumsum(diff, axis=1)[:, :m]
    holders = tuple(cols.keys[int(k) // 2] for k in uniq)
    kinds = tuple("tandem" if int(k) % 2 else "coach" for k in uniq)
    ends = tuple(from_day_number(int(d)) for d in month_end(np.arange(first_m, last_m + 1)))
    return Caseloads(ends, holders, kinds, load)


# -- scales ------------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ScaleChange(Table):
    """Change of a scale score between each participant's first and last scoring.

    Per group: ``n`` participants scored at least twice, mean first / last score,
    mean change with a normal-approximation interval; for WHO-5 also the relevant
    improvements and deteriorations (≥ 10 percentage points) and the screening flags
    at first and last scoring (numerator / denominator / Wilson interval in ``rates``).
    ``participant_ids``, ``first``, ``last`` give the individual level.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import ScaleScored
        >>> log = [ScaleScored("e1", "p1", date(2024, 1, 1), scale="who5", items=[2, 2, 2, 2, 2]),
        ...        ScaleScored("e2", "p1", date(2024, 9, 1), scale="who5", items=[3, 3, 3, 3, 3])]
        >>> s = scale_change(log, scale="who5")
        >>> s.rows()[0]["mean_change"], s.rates.get("improved").numerator
        (20.0, 1)
    """

    scale: str
    groups: tuple[str, ...]
    n: IntArray
    mean_first: FloatArray
    mean_last: FloatArray
    mean_change: FloatArray
    lower: FloatArray
    upper: FloatArray
    rates: RateTable
    participant_ids: tuple[str, ...]
    first: FloatArray
    last: FloatArray
    flags: npt.NDArray[np.int8] | None = None

    _title = "Scale change"

    def columns(self) -> tuple[str, ...]:
        """The column names (one row per group)."""
        return ("scale", "group", "n", "mean_first", "mean_last", "mean_change", "lower", "upper",
                "suppressed")

    def rows(self) -> list[dict[str, Any]]:
        """One row per group."""
        out = []
        for g, group in enumerate(self.groups):
            hide = self.flags is not None and self.flags[g] != SHOWN

            def v(a: FloatArray, g: int = g, hide: bool = hide) -> float | None:
                return None if hide or np.isnan(a[g]) else float(a[g])

            out.append({"scale": self.scale, "group": group, "n": None if hide else int(self.n[g]),
                        "mean_first": v(self.mean_first), "mean_last": v(self.mean_last),
                        "mean_change": v(self.mean_change), "lower": v(self.lower), "upper": v(self.upper),
                        "suppressed": bool(hide)})
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> ScaleChange:
        """Hide groups with fewer than ``min_n`` participants; suppress the rates likewise.

        Examples:
            >>> from langzeit.indicators._tables import RateTable
            >>> s = scale_change([], scale="swe").with_confidentiality(ConfidentialityRule())
            >>> s.rows()[0]["n"]
            0
        """
        grouped = len(self.groups) > 1
        order = np.r_[np.arange(1, len(self.groups)), 0] if grouped else np.arange(len(self.groups))
        flags = suppression_flags(self.n[order][:, None], min_n=rule.min_n, row_totals=False,
                                  column_totals=grouped, secondary=rule.secondary)[:, 0]
        return attrs.evolve(self, flags=flags[np.argsort(order)].astype(np.int8),
                            rates=self.rates.with_confidentiality(rule))


def scale_change(data: Data, *, scale: str, by: Grouping | None = None, level: float = 0.95) -> ScaleChange:
    """Change in SWE or WHO-5 between first and last scoring (DOMAIN.md § 4 scoring rules).

    Unscorable sheets (too many missing answers, a wrong number of items, answers outside
    the scale's range) are skipped; participants need two scored sheets on different
    events. WHO-5 is compared in percent (raw × 4).

    Args:
        data: the event log.
        scale: ``"swe"`` or ``"who5"``.
        by: optional grouping.
        level: confidence level.

    Returns:
        The change per group with the individual first and last scores.

    Raises:
        ValidationError: unknown scale.

    Examples:
        >>> scale_change([], scale="swe").n.tolist()
        [0]
    """
    if scale not in SCALES:
        raise ValidationError("unknown scale", [Problem("scale", f"{scale!r} is not one of swe, who5")])
    cols = as_columns(data)
    g = _grouping(cols, by)
    n_items = SCALES[scale][0]
    code = cols.key_code(scale)
    sel = cols.key[cols.item_rows] == code if code >= 0 else np.zeros(len(cols.item_rows), dtype=bool)
    rows = cols.item_rows[sel]
    sheets = cols.items[sel][:, :n_items].astype(np.int64)
    _, low, high = SCALES[scale]
    in_range = (sheets == -1) | ((sheets >= low) & (sheets <= high))
    well_formed = (cols.value[rows] == n_items) & np.all(in_range, axis=1)
    score, screening, _ = score_items(np.where(well_formed[:, None], sheets, -1), scale)
    ok = well_formed & ~np.isnan(score)
    rows, score, screening = rows[ok], score[ok], screening[ok]
    n = cols.n_participants
    part = cols.participant[rows].astype(np.int64)
    key = (cols.day[rows].astype(np.int64) << 32) | rows
    lo = np.full(n, _NONE, dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(lo, part, key)
    np.maximum.at(hi, part, key)
    twice = (lo != _NONE) & (hi != lo)
    pos = np.full(len(cols), -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    first_i = pos[np.where(twice, lo & 0xFFFFFFFF, 0)]
    last_i = pos[np.where(twice, hi & 0xFFFFFFFF, 0)]
    first = np.where(twice, score[first_i] if len(score) else 0.0, np.nan)
    last = np.where(twice, score[last_i] if len(score) else 0.0, np.nan)
    change = last - first
    z = NormalDist().inv_cdf(0.5 + level / 2)
    cnt = g.counts(twice)
    sums = g.counts(twice, weights=np.where(twice, change, 0.0))
    sq = g.counts(twice, weights=np.where(twice, change**2, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / cnt
        var = (sq - cnt * mean**2) / (cnt - 1)
        half = z * np.sqrt(np.maximum(var, 0.0) / cnt)
        mean_first = g.counts(twice, weights=np.where(twice, first, 0.0)) / cnt
        mean_last = g.counts(twice, weights=np.where(twice, last, 0.0)) / cnt
    half = np.where(cnt > 1, half, np.nan)
    if scale == "who5":
        scr_first = np.zeros(n, dtype=bool)
        scr_last = np.zeros(n, dtype=bool)
        if len(screening):
            scr_first = twice & screening[first_i]
            scr_last = twice & screening[last_i]
        items: tuple[str, ...] = ("improved", "worsened", "screening_first", "screening_last")
        nums = [twice & (change >= WHO5_RELEVANT_CHANGE), twice & (change <= -WHO5_RELEVANT_CHANGE),
                scr_first, scr_last]
        notes: tuple[str, ...] = (f"change ≥ +{WHO5_RELEVANT_CHANGE} points",
                                  f"change ≤ −{WHO5_RELEVANT_CHANGE} points",
                                  "screening indicated at first scoring",
                                  "screening indicated at last scoring")
    else:
        items = ("improved", "worsened")
        nums = [twice & (change > 0), twice & (change < 0)]
        notes = ("score higher at last scoring", "score lower at last scoring")
    rates = RateTable.of_counts(f"scale_change_{scale}", g.names, items,
                                np.stack([g.counts(x) for x in nums], axis=1), cnt[:, None],
                                notes=notes, level=level)
    idx = np.flatnonzero(twice)
    return ScaleChange(scale, g.names, cnt.astype(np.int64), mean_first, mean_last, mean, mean - half,
                       mean + half, rates, _ids(cols, idx),
                       first[idx], last[idx])


# -- time to event and sequences -----------------------------------------------------------------


def _origin(p: _Pathways, origin: str) -> IntArray:
    if origin not in ("admission", "referral"):
        raise ValidationError("unknown origin",
                              [Problem("origin", f"{origin!r} is not admission or referral")])
    return p.first["admitted"] if origin == "admission" else p.first["referred"]


def competing_exits(data: Data, *, origin: str = "admission", by: Grouping | None = None,
                    data_end: date | None = None, level: float = 0.95) -> dict[str, CumulativeIncidence]:
    """Cumulative incidence of competing exits (Aalen–Johansen) on monthly time, per group.

    Causes (:data:`~langzeit.indicators.EXIT_CAUSES`): ``integration``, ``other_work``,
    ``dropout``, ``rehabilitation``, ``other``. Time is completed months since
    admission (or since referral: then declining or reneging counts as ``other``);
    participants without exit are censored at the data's end.

    Args:
        data: the event log.
        origin: ``"admission"`` or ``"referral"``.
        by: optional grouping: one estimate per group.
        data_end: the data's end (default: the latest event).
        level: confidence level of the pointwise intervals.

    Returns:
        ``{"all": …, <group>: …}``.

    Raises:
        ValidationError: an unknown origin.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)), Admitted("e2", "p2", date(2024, 1, 1)),
        ...        Exited("e3", "p1", date(2024, 4, 15), reason="work", outcome="svp")]
        >>> competing_exits(log, data_end=date(2024, 12, 31))["all"].at("integration", 3)
        0.5
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    end = _data_end(cols, data_end)
    start = _origin(p, origin)
    stop, cause = p.exit_day.copy(), np.zeros(cols.n_participants, dtype=np.int64)
    exited = (p.exit_row >= 0) & (p.exit_day <= end)
    cause[exited] = exit_causes(p.exit_reason[exited], p.exit_outcome[exited])
    if origin == "referral":
        for name in ("declined", "reneged"):
            d = p.first[name]
            earlier = _has(d) & (d <= end) & (d < stop)
            stop = np.where(earlier, d, stop)
            cause = np.where(earlier, EXIT_CAUSES.index("other") + 1, cause)
    ended = cause > 0
    stop = np.where(ended, stop, end)
    inside = _has(start) & (start <= end) & (stop >= start)
    months = months_between_days(np.where(inside, start, 0), np.where(inside, stop, 0))
    out = {}
    for k, name in enumerate(g.names):
        sel = inside if k == 0 else inside & (g.codes == k - 1)
        out[name] = aalen_johansen(months[sel], cause[sel], causes=EXIT_CAUSES, level=level)
    return out


def state_sequences(data: Data, *, origin: str = "referral", months: int = 36,
                    data_end: date | None = None) -> StateSequences:
    """Monthly state sequences of the participants, read from the log.

    The state of month ``m`` is the state on the day ``origin + m months``: ``waiting``
    (referred, assessed, agreed, waitlisted), the current phase (``active`` before any
    phase event), ``paused``, ``not_admitted`` after declining or reneging, and after
    exit the exit cause (:data:`~langzeit.indicators.EXIT_CAUSES`). Months after the
    data's end are unobserved (-1).

    Args:
        data: the event log.
        origin: ``"referral"`` or ``"admission"`` (participants without it are left out).
        months: sequence length.
        data_end: the data's end (default: the latest event).

    Returns:
        The sequences (ids are participant ids).

    Raises:
        ValidationError: an unknown origin.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, PhaseEntered, Exited
        >>> log = [Referred("e1", "p1", date(2024, 1, 1)), Admitted("e2", "p1", date(2024, 2, 1)),
        ...        PhaseEntered("e3", "p1", date(2024, 2, 1), phase_id="coaching"),
        ...        Exited("e4", "p1", date(2024, 4, 1), reason="work", outcome="svp")]
        >>> state_sequences(log, months=5, data_end=date(2024, 5, 1)).to_lists()
        [['waiting', 'coaching', 'coaching', 'integration', 'integration']]
    """
    cols = as_columns(data)
    p = _pathways(cols)
    end = _data_end(cols, data_end)
    start = _origin(p, origin)
    phase_codes = [int(k) for k in _used_phase_codes(cols)]
    phase_names = [cols.keys[k] for k in phase_codes]
    alphabet = ("waiting", *phase_names, "active", "paused", "not_admitted", *EXIT_CAUSES)
    s_wait, s_active, s_paused, s_not = 0, len(phase_names) + 1, len(phase_names) + 2, len(phase_names) + 3
    s_exit0 = len(phase_names) + 3  # + cause (1-based)
    phase_state = np.full(max(len(cols.keys), 1), -1, dtype=np.int64)
    phase_state[phase_codes] = np.arange(1, len(phase_codes) + 1)
    t = cols.type
    code = np.full(len(TYPE_CODES), -2, dtype=np.int64)  # -2: not a state event
    for name in ("referred", "assessed", "participation_agreed", "waitlisted"):
        code[TYPE_CODES[name]] = s_wait
    code[TYPE_CODES["admitted"]] = -3  # current phase or active
    code[TYPE_CODES["resumed"]] = -3
    code[TYPE_CODES["phase_entered"]] = -4
    code[TYPE_CODES["paused"]] = s_paused
    code[TYPE_CODES["declined"]] = s_not
    code[TYPE_CODES["reneged"]] = s_not
    code[TYPE_CODES["exited"]] = -5
    rows = np.flatnonzero(code[t] != -2)
    rows = rows[_has(start[cols.participant[rows]])]
    part = cols.participant[rows].astype(np.int64)
    day = cols.day[rows].astype(np.int64)
    span = int(day.max() - day.min()) + 1 if len(day) else 1
    order = np.argsort(part * span + (day - (int(day.min()) if len(day) else 0)), kind="stable")
    rows, part, day = rows[order], part[order], day[order]
    state = code[t[rows]]
    is_phase = state == -4
    state = np.where(is_phase, phase_state[np.where(is_phase, cols.key[rows], 0)], state)
    # -3 (admitted / resumed): the last phase entered before, else "active"
    pos = np.arange(len(rows))
    group_start = np.r_[True, part[1:] != part[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    last = np.maximum.accumulate(np.where(is_phase | group_start, pos, 0)) if len(rows) else pos
    carried = np.where(is_phase[last], state[last], s_active)
    state = np.where(state == -3, carried, state)
    ex = state == -5
    causes = exit_causes(np.where(ex, cols.code[rows], 0), np.where(ex, cols.code2[rows], 0))
    state = np.where(ex, s_exit0 + causes, state)
    # the first month m whose day (origin + m months) is on or after the event: it is in force from m on
    origin_day = start[part]
    mb = months_between_days(origin_day, day)
    k = np.maximum(np.where(add_months(origin_day, mb) >= day, mb, mb + 1), 0)
    # per participant and month keep the last event (events are in log order)
    last_of_month = np.r_[(part[1:] != part[:-1]) | (k[1:] != k[:-1]), True] if len(k) else k.astype(bool)
    keep = last_of_month & (k < months)
    who = np.flatnonzero(_has(start))
    slot = np.full(cols.n_participants, -1, dtype=np.int64)
    slot[who] = np.arange(len(who))
    matrix = np.full((len(who), months), -1, dtype=np.int16)
    matrix[slot[part[keep]], k[keep]] = state[keep]
    for m in range(1, months):
        col = matrix[:, m]
        np.copyto(col, matrix[:, m - 1], where=col < 0)
    # months after the data's end are unobserved (they trail: query days grow with the month)
    observed = np.where(start[who] <= end, months_between_days(start[who], np.full(len(who), end)) + 1, 0)
    matrix[np.arange(months)[None, :] >= observed[:, None]] = -1
    ids = _ids(cols, who)
    return StateSequences(ids, alphabet, matrix)


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

