"""Indicator layer: waiting list, stay lengths and caseloads over time (DOMAIN.md § 4)."""

from __future__ import annotations

import weakref
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import IntArray
from langzeit._calendar import (
    DAYS_PER_MONTH,
    add_months,
    day_number,
    from_day_number,
    month_end,
    month_index,
    months_between_days,
)
from langzeit.indicators._columns import TYPE_CODES, EventColumns, as_columns, dense_codes
from langzeit.indicators._confidentiality import SHOWN, ConfidentialityRule, suppression_flags
from langzeit.indicators._pathways import _NONE, Data, _data_end, _grouping, _has, _pathways, _single_rate
from langzeit.indicators._tables import (
    DistributionTable,
    Grouping,
    RateTable,
    ValueCounts,
    merge_value_counts,
    value_counts,
)
from langzeit.tabular import Table

__all__ = [
    "Caseloads",
    "StayLengths",
    "WaitingListStatistics",
    "caseloads",
    "stay_lengths",
    "stay_months",
    "waiting_list",
]


# -- waiting list and stays --------------------------------------------------------------------


@attrs.frozen(eq=False)
class WaitingListStatistics(Table):
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

    def with_confidentiality(self, rule: ConfidentialityRule) -> WaitingListStatistics:
        """Suppress monthly lengths of 1 … min_n − 1 and small groups of the waiting times.

        Examples:
            >>> from datetime import date
            >>> w = WaitingListStatistics((date(2024, 1, 31), date(2024, 2, 29)), np.array([1, 4]),
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


def waiting_list(
    data: Data, *, by: Grouping | None = None, data_end: date | None = None,
) -> WaitingListStatistics:
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
    g = _grouping(cols, by)
    return waiting_list_table(waiting_list_counts(cols, by=g, end_day=_data_end(cols, data_end)), g.names,
                              _data_end(cols, data_end))


#: Mergeable parts of the waiting list: first month index (None: nobody waits), lengths from
#: it to the data's end, waiting days per group, reneged and still waiting per group.
WaitingCounts = tuple[int | None, IntArray, ValueCounts, IntArray, IntArray]


def waiting_list_counts(data: Data, *, by: Grouping | None, end_day: int) -> WaitingCounts:
    """The waiting list's counts of one log or partition (they add up; see :func:`merge_waiting_counts`)."""
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
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
    times = value_counts((stop - start)[admitted].astype(np.float64), g.codes[admitted], len(g.labels))
    if not waits.any():
        return None, np.zeros(0, dtype=np.int64), times, g.counts(reneged), g.counts(still)
    first_m = int(month_index(start[waits]).min())
    last_m = int(month_index(np.array([end_day]))[0])
    length = _monthly_stock(start[waits], stop[waits], first_m, last_m)
    return first_m, length, times, g.counts(reneged), g.counts(still)


def _align_months(first_a: int, a: IntArray, first_b: int, b: IntArray) -> tuple[int, IntArray]:
    """Two month series (first month index, values along the last axis) summed on their union."""
    first = min(first_a, first_b)
    last = max(first_a + a.shape[-1], first_b + b.shape[-1])
    out = np.zeros((*a.shape[:-1], last - first), dtype=np.int64)
    out[..., first_a - first:first_a - first + a.shape[-1]] += a
    out[..., first_b - first:first_b - first + b.shape[-1]] += b
    return first, out


def merge_waiting_counts(a: WaitingCounts, b: WaitingCounts) -> WaitingCounts:
    """The waiting-list counts of two partitions together (exact)."""
    if a[0] is None or b[0] is None:
        first, length = (b[0], b[1]) if a[0] is None else (a[0], a[1])
    else:
        first, length = _align_months(a[0], a[1], b[0], b[1])
    return first, length, merge_value_counts(a[2], b[2]), a[3] + b[3], a[4] + b[4]


def waiting_list_table(counts: WaitingCounts, groups: tuple[str, ...], end_day: int) -> WaitingListStatistics:
    """The waiting-list statistics from (merged) counts."""
    first_m, length, hist, reneged, still = counts
    times = DistributionTable.of_value_counts("waiting_days", hist, groups)
    if first_m is None:
        return WaitingListStatistics((), np.zeros(0, dtype=np.int64), times, reneged, still)
    last_m = int(month_index(np.array([end_day]))[0])
    ends = tuple(from_day_number(int(d)) for d in month_end(np.arange(first_m, last_m + 1)))
    return WaitingListStatistics(ends, length, times, reneged, still)


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


def stay_months(admitted: npt.ArrayLike, exited: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Stays in months: completed calendar months from admission to exit, plus the remaining days / 30.44.

    The one definition of a stay's length, used by :func:`stay_lengths` on an event
    log and by the simulator (its ``mean_stay_months``) on the days its events carry.
    A month of remaining days is the Gregorian mean, 365.2425 / 12 days.

    Args:
        admitted: day numbers of admission (days since 1970-01-01, see ``EventColumns.day``).
        exited: day numbers of exit, on or after admission.

    Returns:
        The stays in months.

    Examples:
        >>> from langzeit._calendar import day_number
        >>> adm = [day_number(date(2024, 1, 31)), day_number(date(2024, 3, 1))]
        >>> ex = [day_number(date(2024, 2, 29)), day_number(date(2024, 9, 16))]
        >>> [round(m, 3) for m in stay_months(adm, ex).tolist()]
        [1.0, 6.493]
    """
    whole, rest = stay_parts(admitted, exited)
    out: npt.NDArray[np.float64] = whole + rest / DAYS_PER_MONTH
    return out


def stay_parts(admitted: npt.ArrayLike, exited: npt.ArrayLike) -> tuple[IntArray, IntArray]:
    """The two integer parts of :func:`stay_months`: completed calendar months and remaining days.

    ``stay_months == whole + rest / DAYS_PER_MONTH``. Sums of the parts add exactly
    across partitions (the contact density's exposure is built from them).

    Examples:
        >>> from langzeit._calendar import day_number
        >>> whole, rest = stay_parts([day_number(date(2024, 3, 1))], [day_number(date(2024, 9, 16))])
        >>> whole.tolist(), rest.tolist()
        ([6], [15])
    """
    adm_d = np.asarray(admitted, dtype=np.int64)
    exit_d = np.asarray(exited, dtype=np.int64)
    whole: IntArray = np.zeros(adm_d.shape, dtype=np.int64)
    rest: IntArray = exit_d - adm_d
    # a stay shorter than 28 days completes no calendar month (no month is shorter), so its
    # length is its days; only the longer stays need the calendar
    long = np.flatnonzero(exit_d - adm_d >= 28)
    if long.size:
        a, e = adm_d[long], exit_d[long]
        w = months_between_days(a, e)
        whole[long] = w
        rest[long] = e - add_months(a, w)
    return whole, rest


def stay_lengths(data: Data, *, planned_months: float | None = None, by: Grouping | None = None,
                 level: float = 0.95) -> StayLengths:
    """Actual stay (admission to exit) against the planned stay, in months.

    A stay's length is its completed calendar months plus the remaining days / 30.44
    (:func:`stay_months`).

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
    g = _grouping(as_columns(data), by)
    return stay_lengths_table(stay_counts(data, planned_months=planned_months, by=g, level=level), g.names,
                              planned_months, level=level)


#: Mergeable parts of the stay lengths: months per group (distinct values, counts), ongoing
#: stays per group, and the rate table of stays longer than planned (or None).
StayCounts = tuple[ValueCounts, IntArray, RateTable | None]


def stay_counts(data: Data, *, planned_months: float | None, by: Grouping | None,
                level: float = 0.95) -> StayCounts:
    """The stay lengths' counts of one log or partition (see :func:`merge_stay_counts`)."""
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    adm = _has(p.first["admitted"])
    done = adm & (p.exit_row >= 0) & (p.exit_day >= p.first["admitted"])
    months = stay_months(p.first["admitted"][done], p.exit_day[done])
    over = None
    if planned_months is not None:
        longer = np.zeros(cols.n_participants, dtype=bool)
        longer[done] = months > planned_months + 1e-9
        over = _single_rate("stay_lengths", "over_planned", longer, done, g, level,
                            f"stay > {planned_months:g} months / completed stays")
    return value_counts(months, g.codes[done], len(g.labels)), g.counts(adm & (p.exit_row < 0)), over


def merge_stay_counts(a: StayCounts, b: StayCounts) -> StayCounts:
    """The stay counts of two partitions together (exact)."""
    over = None if a[2] is None or b[2] is None else a[2].merge(b[2])
    return merge_value_counts(a[0], b[0]), a[1] + b[1], over


def stay_lengths_table(counts: StayCounts, groups: tuple[str, ...], planned_months: float | None, *,
                       level: float = 0.95) -> StayLengths:
    """The stay lengths from (merged) counts."""
    actual = DistributionTable.of_value_counts("stay_months", counts[0], groups, level=level)
    return StayLengths(actual, counts[1], planned_months, counts[2])


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
    flags: npt.NDArray[np.int8] | None = None

    _title = "Caseload per coach and tandem"

    def columns(self) -> tuple[str, ...]:
        """The column names (long format, cells with cases only)."""
        return ("month_end", "holder", "kind", "cases")

    def rows(self) -> list[dict[str, Any]]:
        """One row per holder and month with at least one case (cases None when suppressed)."""
        h, m = np.nonzero(self.load)
        hidden = np.zeros(self.load.shape, dtype=bool) if self.flags is None else self.flags != SHOWN
        return [{"month_end": self.month_ends[j], "holder": self.holders[i], "kind": self.kinds[i],
                 "cases": None if hidden[i, j] else int(self.load[i, j])}
                for i, j in zip(h.tolist(), m.tolist(), strict=True)]

    def summary(self, *, kind: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Per month: holders with cases, cases, mean, median and maximum caseload among them.

        Summaries run over all holders (also over cells suppressed in :meth:`rows`).

        Args:
            kind: only ``"coach"`` or only ``"tandem"`` holders (default both).
            limit: a caseload limit (e.g. 12): adds ``over_limit``, the holders above it.

        Returns:
            One dict per month.

        Examples:
            >>> c = Caseloads((date(2024, 1, 31),), ("c1", "c2"), ("coach", "coach"), np.array([[13], [9]]))
            >>> c.summary(limit=12)[0]["over_limit"], c.summary()[0]["mean"]
            (1, 11.0)
        """
        sel = np.array([kind is None or k == kind for k in self.kinds], dtype=bool)
        load = self.load[sel] if len(self.holders) else np.zeros((0, len(self.month_ends)), dtype=np.int64)
        out = []
        for j, d in enumerate(self.month_ends):
            col = load[:, j]
            col = col[col > 0]
            row: dict[str, Any] = {"month_end": d, "holders": len(col), "cases": int(col.sum()),
                                   "mean": float(col.mean()) if len(col) else None,
                                   "median": float(np.median(col)) if len(col) else None,
                                   "max": int(col.max()) if len(col) else None}
            if limit is not None:
                row["over_limit"] = int((col > limit).sum())
            out.append(row)
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> Caseloads:
        """Flag per-holder caseloads of 1 … min_n − 1 cases (primary rule); :meth:`rows` hides them.

        Examples:
            >>> c = Caseloads((), ("c1",), ("coach",), np.array([[2, 5]]))
            >>> c.with_confidentiality(ConfidentialityRule()).flags.tolist()
            [[1, 0]]
        """
        flags = suppression_flags(self.load, min_n=rule.min_n, row_totals=False, column_totals=False,
                                  secondary=False) if self.load.size else np.zeros(self.load.shape, np.int8)
        return attrs.evolve(self, flags=flags.astype(np.int8))


Spans = tuple[IntArray, IntArray, IntArray, npt.NDArray[np.bool_]]
_SPANS: weakref.WeakKeyDictionary[EventColumns, Spans] = weakref.WeakKeyDictionary()


def assignment_spans(cols: EventColumns) -> Spans:
    """Each coach or tandem assignment of an admitted participant as a half-open span of days.

    The one rule of a holder's active period (:func:`caseloads`, the contact density's
    coach months), computed once per columns object (read-only arrays): an assignment
    holds from its day, at the earliest the admission, until the participant's next
    assignment or exit (exclusive).

    Returns:
        ``rows`` (the assignments' rows, ordered by participant, day and row), ``start``,
        ``stop`` (``_NONE`` while open) and ``ok`` (the span is not empty).

    Examples:
        >>> from langzeit.events import Admitted, CoachAssigned, Exited
        >>> from langzeit.indicators._columns import EventColumns
        >>> c = EventColumns.from_events([Admitted("e1", "p1", date(2024, 1, 8)),
        ...     CoachAssigned("e2", "p1", date(2024, 1, 1), coach_id="c1"),
        ...     Exited("e3", "p1", date(2024, 1, 18), reason="completed")])
        >>> rows, start, stop, ok = assignment_spans(c)
        >>> (stop - start).tolist(), ok.tolist()
        ([10], [True])
    """
    cached = _SPANS.get(cols)
    if cached is not None:
        return cached
    p = _pathways(cols)
    assigned = (cols.type == TYPE_CODES["coach_assigned"]) | (cols.type == TYPE_CODES["tandem_assigned"])
    rows = np.flatnonzero(assigned)
    rows = rows[_has(p.first["admitted"][cols.participant[rows]])]  # assignments of admitted participants
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
    for a in (rows, start, stop, ok):
        a.setflags(write=False)  # shared by the callers through the cache
    out = _SPANS[cols] = (rows, start, stop, ok)
    return out


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
    end_day = _data_end(cols, data_end)
    rows, start, stop, ok = assignment_spans(cols)
    if not len(rows):
        return Caseloads((), (), (), np.zeros((0, 0), dtype=np.int64))
    holder_key = cols.key[rows].astype(np.int64) * 2 + (cols.type[rows] == TYPE_CODES["tandem_assigned"])
    uniq, h = dense_codes(holder_key)
    first_m = int(month_index(start[ok]).min()) if ok.any() else int(month_index(np.array([end_day]))[0])
    last_m = int(month_index(np.array([end_day]))[0])
    m = max(last_m - first_m + 1, 0)
    s = np.clip(month_index(start) - first_m, 0, m)
    e = np.clip(month_index(np.minimum(stop, 2**40)) - first_m, 0, m)
    ok = ok & (e > s)
    diff = np.zeros((len(uniq), m + 1), dtype=np.int64)
    np.add.at(diff, (h[ok], s[ok]), 1)
    np.add.at(diff, (h[ok], e[ok]), -1)
    load = np.cumsum(diff, axis=1)[:, :m]
    names = [(cols.keys[int(k) // 2], "tandem" if int(k) % 2 else "coach") for k in uniq]
    by_id = sorted(range(len(names)), key=names.__getitem__)  # by id: independent of the row order
    ends = tuple(from_day_number(int(d)) for d in month_end(np.arange(first_m, last_m + 1)))
    return Caseloads(ends, tuple(names[i][0] for i in by_id), tuple(names[i][1] for i in by_id),
                     load[by_id] if len(by_id) else load)


def merge_caseloads(a: Caseloads, b: Caseloads) -> Caseloads:
    """The caseloads of two partitions of the participants together (loads add per holder and month).

    Both must reach the same data end (their last month ends agree).
    """
    if not a.holders and not a.month_ends:
        return b
    if not b.holders and not b.month_ends:
        return a
    names = sorted(set(zip(a.holders, a.kinds, strict=True)) | set(zip(b.holders, b.kinds, strict=True)))
    index = {h: i for i, h in enumerate(names)}
    first_a = int(month_index(np.array([day_number(a.month_ends[0])]))[0])
    first_b = int(month_index(np.array([day_number(b.month_ends[0])]))[0])
    first = min(first_a, first_b)
    ends = a.month_ends if first == first_a else b.month_ends
    load = np.zeros((len(names), len(ends)), dtype=np.int64)
    for t, f in ((a, first_a), (b, first_b)):
        at = [index[h] for h in zip(t.holders, t.kinds, strict=True)]
        load[at, f - first:] += t.load
    return Caseloads(ends, tuple(h for h, _ in names), tuple(k for _, k in names), load)


