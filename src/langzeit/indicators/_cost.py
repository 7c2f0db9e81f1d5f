"""Indicator layer: staff cost against benefit relief, month by month, and the break-even month.

Cost is the coaches' staff cost: full-time equivalent × monthly cost per FTE for each
month the coach works in the programme. Relief is the SGB II benefit no longer paid
for participants who left benefit receipt: from the month after an exit whose
outcome relieves (default: an Integration) — or from the month of a ``FollowUp``
reporting no benefit — until a later ``FollowUp`` reports benefit receipt again.
Amounts are inputs (one amount for all, or one per participant); the library knows
no benefit rates. The break-even month is the first month whose cumulative relief
reaches the cumulative cost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit._calendar import day_number, from_day_number, month_end, month_index, month_of
from langzeit.domain import Coach, OutcomeKind
from langzeit.events import Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import OUTCOMES, TYPE_CODES, EventColumns, as_columns
from langzeit.indicators._confidentiality import ConfidentialityRule
from langzeit.indicators._pathways import _NONE, _pathways
from langzeit.tabular import Table

__all__ = ["CostRelief", "StaffCost", "cost_relief"]

_INTEGRATION = frozenset(o for o in OutcomeKind if o.is_integration)


def _non_negative(_: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValidationError("negative amount", [Problem(attribute.name, f"{value} < 0")])


@attrs.frozen
class StaffCost:
    """One coach's staff cost: FTE × monthly cost per FTE, between optional start and end.

    Args:
        coach_id: the coach.
        fte: full-time equivalent in the programme.
        monthly_cost_per_fte: employer's cost of one full-time position per month (euros).
        start: first day in the programme (None: from the start of the period).
        end: last day in the programme (None: to the end of the period).

    Examples:
        >>> from langzeit.domain import Coach
        >>> s = StaffCost.from_coach(Coach("c1", role="provider_coach", organisation_id="awo", fte=0.5), 6000)
        >>> s.monthly_cost
        3000.0
    """

    coach_id: str
    fte: float = attrs.field(converter=float, validator=_non_negative)
    monthly_cost_per_fte: float = attrs.field(converter=float, validator=_non_negative)
    start: date | None = None
    end: date | None = None

    @property
    def monthly_cost(self) -> float:
        """The coach's cost per month."""
        return self.fte * self.monthly_cost_per_fte

    @classmethod
    def from_coach(cls, coach: Coach, monthly_cost_per_fte: float, *, start: date | None = None,
                   end: date | None = None) -> StaffCost:
        """The staff cost of a :class:`~langzeit.domain.Coach` record (its ``fte``).

        Examples:
            >>> from langzeit.domain import Coach
            >>> StaffCost.from_coach(Coach("c1", role="pap", organisation_id="jc"), 5000).fte
            1.0
        """
        return cls(coach.id, coach.fte, monthly_cost_per_fte, start, end)


@attrs.frozen(eq=False)
class CostRelief(Table):
    """Monthly staff cost, benefit relief, their cumulative sums and the break-even month.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited
        >>> log = [Exited("e1", "p1", date(2024, 1, 15), reason="work", outcome="svp")]
        >>> r = cost_relief(log, staff=[StaffCost("c1", 0.1, 5000)], monthly_benefit=1000,
        ...                 start=date(2024, 1, 1), end=date(2024, 6, 30))
        >>> r.cost.tolist(), r.relief.tolist(), r.break_even
        ([500.0, 500.0, 500.0, 500.0, 500.0, 500.0], [0.0, 1000.0, 1000.0, 1000.0, 1000.0, 1000.0], \
datetime.date(2024, 2, 29))
    """

    month_ends: tuple[date, ...]
    cost: FloatArray
    relief: FloatArray
    relieved: IntArray
    flags: npt.NDArray[np.int8] | None = None

    _title = "Cost and benefit relief"

    @property
    def cumulative_cost(self) -> FloatArray:
        """Cost summed up to each month."""
        out: FloatArray = np.cumsum(self.cost)
        return out

    @property
    def cumulative_relief(self) -> FloatArray:
        """Relief summed up to each month."""
        out: FloatArray = np.cumsum(self.relief)
        return out

    @property
    def break_even(self) -> date | None:
        """The end of the first month whose cumulative relief reaches the cumulative (positive) cost."""
        cc, cr = self.cumulative_cost, self.cumulative_relief
        hit = np.flatnonzero((cc > 0) & (cr >= cc))
        return self.month_ends[int(hit[0])] if len(hit) else None

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("month_end", "staff_cost", "relief", "relieved_persons", "cumulative_cost",
                "cumulative_relief", "net")

    def rows(self) -> list[dict[str, Any]]:
        """One row per month."""
        cc, cr = self.cumulative_cost, self.cumulative_relief
        return [{"month_end": d, "staff_cost": float(self.cost[i]), "relief": float(self.relief[i]),
                 "relieved_persons": None if self.flags is not None and self.flags[i]
                 else int(self.relieved[i]),
                 "cumulative_cost": float(cc[i]),
                 "cumulative_relief": float(cr[i]), "net": float(cr[i] - cc[i])}
                for i, d in enumerate(self.month_ends)]


    def with_confidentiality(self, rule: ConfidentialityRule) -> CostRelief:
        """Suppress monthly counts of relieved persons of 1 … min_n − 1 (amounts stay: internal figures).

        Examples:
            >>> r = CostRelief((date(2024, 1, 31),), np.zeros(1), np.zeros(1), np.array([2]))
            >>> r.with_confidentiality(ConfidentialityRule()).rows()[0]["relieved_persons"] is None
            True
        """
        flags = np.where((self.relieved > 0) & (self.relieved < rule.min_n), 1, 0).astype(np.int8)
        return attrs.evolve(self, flags=flags)


def _first_after(cols: EventColumns, mask: npt.NDArray[np.bool_], after: IntArray) -> IntArray:
    """Per participant: the first day of an event in ``mask`` strictly after ``after`` (else _NONE)."""
    rows = np.flatnonzero(mask)
    part = cols.participant[rows]
    day = cols.day[rows].astype(np.int64)
    ok = day > after[part]
    out = np.full(cols.n_participants, _NONE, dtype=np.int64)
    np.minimum.at(out, part[ok], day[ok])
    return out


def cost_relief(
    data: EventColumns | Iterable[Event],
    *,
    staff: Sequence[StaffCost],
    monthly_benefit: float | Mapping[str, float],
    start: date,
    end: date | None = None,
    relieving_outcomes: Collection[OutcomeKind | str] = _INTEGRATION,
) -> CostRelief:
    """Staff cost against benefit relief per month from ``start`` to ``end``, with break-even.

    Args:
        data: the event log.
        staff: the coaches' staff costs.
        monthly_benefit: benefit per relieved participant and month (euros), or a
            mapping participant id → amount (participants not in it relieve nothing).
        start: the first month of the period (its month counts whole).
        end: the last month of the period (default: the latest event).
        relieving_outcomes: exit outcomes that end benefit receipt (default: Integrationen).

    Returns:
        The monthly table; :attr:`CostRelief.break_even` is the break-even month's end.

    Raises:
        ValidationError: ``end`` before ``start``, or a negative benefit amount.

    Examples:
        >>> from datetime import date
        >>> r = cost_relief([], staff=[StaffCost("c1", 1, 5000)], monthly_benefit=900,
        ...                 start=date(2024, 1, 1), end=date(2024, 3, 31))
        >>> r.cumulative_cost.tolist(), r.break_even is None
        ([5000.0, 10000.0, 15000.0], True)
    """
    cols = as_columns(data)
    last = end if end is not None else (cols.last_date or start)
    first_m = month_of(start)
    last_m = month_of(last)
    if last_m < first_m:
        raise ValidationError("period invalid", [Problem("end", f"{last} is before {start}")])
    m = last_m - first_m + 1
    ends = month_end(np.arange(first_m, last_m + 1))
    firsts = month_end(np.arange(first_m - 1, last_m)) + 1
    cost = np.zeros(m)
    for s in staff:
        lo = day_number(s.start) if s.start else -_NONE // 2
        hi = day_number(s.end) if s.end else _NONE // 2
        cost += np.where((firsts <= hi) & (ends >= lo), s.monthly_cost, 0.0)
    # per participant amount
    if isinstance(monthly_benefit, Mapping):
        amount = np.array([float(monthly_benefit.get(pid, 0.0)) for pid in cols.person_ids])
    else:
        amount = np.full(cols.n_participants, float(monthly_benefit))
    if np.any(amount < 0):
        raise ValidationError("negative benefit amount", [Problem("monthly_benefit", "amounts must be ≥ 0")])
    relieving = np.array([o in {OutcomeKind(x) for x in relieving_outcomes} for o in OUTCOMES])
    n = cols.n_participants
    path = _pathways(cols)  # first exit per participant, shared with the programme indicators
    has_exit = path.exit_row >= 0
    exit_day = path.exit_day
    relief_exit = has_exit & relieving[np.where(has_exit, path.exit_outcome, 0)]
    fu = cols.type == TYPE_CODES["follow_up"]
    off_day = _first_after(cols, fu & (cols.code2 == 0), np.full(n, -_NONE // 2, dtype=np.int64))
    # relief starts the month after a relieving exit, or in the month of a "no benefit" follow-up
    start_m = np.full(n, _NONE, dtype=np.int64)
    start_m = np.where(relief_exit, month_index(np.where(relief_exit, exit_day, 0)) + 1, start_m)
    has_off = off_day != _NONE
    start_m = np.minimum(start_m, np.where(has_off, month_index(np.where(has_off, off_day, 0)), _NONE))
    begun = start_m != _NONE
    begin_day = np.where(relief_exit, exit_day, np.where(has_off, off_day, 0))
    back_day = _first_after(cols, fu & (cols.code2 == 1), np.where(begun, begin_day, _NONE))
    stop_m = np.where(back_day != _NONE, month_index(np.where(back_day != _NONE, back_day, 0)), _NONE)
    s = np.clip(np.where(begun, start_m, 0) - first_m, 0, m)
    e = np.clip(np.minimum(stop_m, last_m + 1) - first_m, 0, m)
    ok = begun & (e > s)
    relief = np.cumsum(np.bincount(s[ok], weights=amount[ok], minlength=m + 1)
                       - np.bincount(e[ok], weights=amount[ok], minlength=m + 1))[:m]
    persons = np.cumsum(np.bincount(s[ok], minlength=m + 1) - np.bincount(e[ok], minlength=m + 1))[:m]
    return CostRelief(tuple(from_day_number(int(d)) for d in ends), cost, relief.astype(np.float64),
                      persons.astype(np.int64))
