"""Indicator layer: time to event on monthly time — Kaplan–Meier and Aalen–Johansen.

Times are whole months (e.g. completed months since admission). Ties are handled
natively: all events of one month are processed together, and censorings of a month
count as at risk for that month's events (the usual convention: events before
censorings). Censoring happens at the data's end.

* Kaplan–Meier with Greenwood's variance and the log(−log) ("exponential Greenwood",
  Kalbfleisch & Prentice 2002, § 1.4) pointwise interval.
* Aalen–Johansen cumulative incidence of competing causes,
  ``F_k(t) = Σ_{u ≤ t} S(u−) d_k(u) / n(u)`` with ``S`` the all-cause Kaplan–Meier,
  and the delta-method (Greenwood-type) variance of Marubini & Valsecchi (1995,
  *Analysing Survival Data from Clinical Trials and Observational Studies*, § 10.2;
  Collett 2015, *Modelling Survival Data in Medical Research*, 3rd ed., p. 411)::

      Var F_k(t) = Σ_{u ≤ t} { [F_k(t) − F_k(u)]² d(u) / (n(u) (n(u) − d(u)))
                              + S(u−)² d_k(u) (n(u) − d_k(u)) / n(u)³
                              − 2 [F_k(t) − F_k(u)] S(u−) d_k(u) / n(u)² }

  with the pointwise interval on the log(−log F) scale (stays within 0 and 1).
  A term whose ``n(u) = d(u)`` has ``F_k(t) = F_k(u)`` for every later ``t`` and is 0.
  ``1 − KM`` treating other causes as censoring overstates the incidence; do not use it.

Both estimators read a :class:`RiskTable` — at risk, events per cause and censored per
distinct month — built from the durations, or given: risk tables of partitions of the
participants add up (:meth:`RiskTable.merge`), so the estimate of the merged table is
the estimate on all participants, number for number (the guide "Beyond one machine").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import FloatArray, IntArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import dense_codes
from langzeit.indicators._intervals import normal_quantile
from langzeit.tabular import Table

__all__ = ["CumulativeIncidence", "RiskTable", "SurvivalCurve", "aalen_johansen", "kaplan_meier"]


def _check(durations: Any, codes: Any, name: str) -> tuple[IntArray, IntArray]:
    d = np.asarray(durations)
    c = np.asarray(codes)
    problems = []
    if d.ndim != 1 or c.ndim != 1 or len(d) != len(c):
        problems.append(Problem("durations", f"durations and {name} must be 1-d arrays of equal length"))
    else:
        fractional = len(d) and not np.issubdtype(d.dtype, np.integer)
        if fractional and (not np.all(np.isfinite(d)) or not np.all(np.equal(np.mod(d, 1), 0))):
            problems.append(Problem("durations", "monthly times must be whole numbers"))
        if len(d) and np.any(d < 0):
            problems.append(Problem("durations", f"{int(np.sum(d < 0))} negative times"))
        if len(c) and np.any(np.asarray(c) < 0):
            problems.append(Problem(name, f"{int(np.sum(c < 0))} negative codes"))
    if problems:
        raise ValidationError("time-to-event input invalid", problems)
    return d.astype(np.int64), c.astype(np.int64)


def _risk_table(
    durations: IntArray, codes: IntArray, n_causes: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Distinct times, at risk, events per cause (times × causes) and censored counts."""
    times, inverse = dense_codes(durations)
    counts = np.zeros((len(times), n_causes + 1), dtype=np.int64)
    np.add.at(counts, (inverse, codes), 1)
    removed = counts.sum(axis=1)
    at_risk = (len(durations) - np.concatenate(([0], np.cumsum(removed)[:-1])))[:len(times)]
    return times, at_risk, counts[:, 1:], counts[:, 0]


def _int_array(values: Any) -> IntArray:
    out: IntArray = np.asarray(values, dtype=np.int64)
    return out


@attrs.frozen(eq=False)
class RiskTable(Table):
    """The risk table of time-to-event data on monthly time: the estimators' sufficient counts.

    Per distinct month ``t`` (ascending): ``at_risk[t]`` participants with a time of at
    least ``t``, ``events[k, t]`` events of cause ``k + 1`` and ``censored[t]``
    censorings at ``t``. Tables of disjoint sets of participants add up
    (:meth:`merge`): :func:`kaplan_meier` and :func:`aalen_johansen` of the merged
    table equal those of all durations together, so partitions can be counted apart.
    Build one with :meth:`of_durations`.

    Args:
        times: the distinct months, ascending.
        at_risk: per month, how many are still at risk at its start.
        events: cause × month event counts.
        censored: per month, the censorings.

    Raises:
        ValidationError: shapes disagree, times not strictly ascending, or negative counts.

    Examples:
        >>> a = RiskTable.of_durations([3, 6], [1, 1])
        >>> b = RiskTable.of_durations([3, 5, 6], [1, 0, 0])
        >>> m = a.merge(b)
        >>> m.times.tolist(), m.at_risk.tolist(), m.events.tolist(), m.censored.tolist()
        ([3, 5, 6], [5, 3, 2], [[2, 0, 1]], [0, 1, 1])
    """

    times: IntArray = attrs.field(converter=_int_array)
    at_risk: IntArray = attrs.field(converter=_int_array)
    events: IntArray = attrs.field(converter=_int_array)
    censored: IntArray = attrs.field(converter=_int_array)

    @censored.validator
    def _check_shapes(self, _: Any, censored: IntArray) -> None:
        n = len(self.times)
        problems = []
        if self.times.ndim != 1 or self.at_risk.shape != (n,) or censored.shape != (n,):
            problems.append(Problem("times", "times, at_risk and censored must be 1-d of equal length"))
        elif self.events.ndim != 2 or self.events.shape[1] != n:
            problems.append(Problem("events", f"events must be causes × {n} months"))
        elif n and (np.any(np.diff(self.times) <= 0) or self.times[0] < 0):
            problems.append(Problem("times", "times must be distinct months ≥ 0, ascending"))
        elif np.any(self.at_risk < 0) or np.any(self.events < 0) or np.any(censored < 0):
            problems.append(Problem("counts", "counts must not be negative"))
        if problems:
            raise ValidationError("risk table invalid", problems)

    @classmethod
    def of_durations(cls, durations: Sequence[int] | IntArray, events: Sequence[int] | Any, *,
                     causes: int | None = None) -> RiskTable:
        """The risk table of durations with event codes (0: censored, ``k``: cause ``k``).

        Args:
            durations: whole months until the event or censoring.
            events: per duration 0 (censored) or the 1-based cause.
            causes: how many causes (default: the largest code, at least 1).

        Returns:
            The table.

        Raises:
            ValidationError: bad arrays, or a code above ``causes``.

        Examples:
            >>> t = RiskTable.of_durations([1, 1, 2, 3], [1, 2, 1, 0])
            >>> t.at_risk.tolist(), t.events.tolist(), t.censored.tolist()
            ([4, 2, 1], [[1, 1, 0], [1, 0, 0]], [0, 0, 1])
        """
        d, c = _check(durations, events, "events")
        top = int(c.max()) if len(c) else 0
        n_causes = max(top, 1) if causes is None else causes
        if top > n_causes:
            raise ValidationError("event code without a cause",
                                  [Problem("events", f"code {top} but only {n_causes} causes")])
        times, at_risk, ev, censored = _risk_table(d, c, n_causes)
        return cls(times, at_risk, ev.T.copy(), censored)

    @property
    def n_causes(self) -> int:
        """How many causes the table counts (rows of :attr:`events`).

        Examples:
            >>> RiskTable.of_durations([], [], causes=3).n_causes
            3
        """
        return int(self.events.shape[0])

    def merge(self, other: RiskTable) -> RiskTable:
        """The risk table of both tables' participants together (they must be disjoint).

        Events and censorings add per month; the number at risk at a month one table
        lacks is that table's number at risk at its next month (or 0 after its last).

        Raises:
            ValidationError: the tables count different numbers of causes.

        Examples:
            >>> RiskTable.of_durations([2], [1]).merge(RiskTable.of_durations([4], [0])).at_risk.tolist()
            [2, 1]
        """
        if other.n_causes != self.n_causes:
            raise ValidationError("risk tables do not match",
                                  [Problem("events", f"{self.n_causes} causes and {other.n_causes} causes")])
        times = np.union1d(self.times, other.times).astype(np.int64)
        events = np.zeros((self.n_causes, len(times)), dtype=np.int64)
        censored = np.zeros(len(times), dtype=np.int64)
        at_risk = np.zeros(len(times), dtype=np.int64)
        for t in (self, other):
            where = np.searchsorted(times, t.times)
            events[:, where] += t.events
            censored[where] += t.censored
            later = np.searchsorted(t.times, times)  # first own month ≥ each merged month
            at_risk += np.where(later < len(t.times), np.r_[t.at_risk, 0][later], 0)
        return RiskTable(times, at_risk, events, censored)

    def columns(self) -> tuple[str, ...]:
        """The column names (one row per month)."""
        return ("time", "at_risk", *(f"events_{k + 1}" for k in range(self.n_causes)), "censored")

    def rows(self) -> list[dict[str, Any]]:
        """One row per distinct month."""
        return [dict(zip(self.columns(), (int(t), int(self.at_risk[i]),
                                          *(int(e) for e in self.events[:, i]), int(self.censored[i])),
                         strict=True))
                for i, t in enumerate(self.times)]


@attrs.frozen(eq=False)
class SurvivalCurve(Table):
    """A Kaplan–Meier curve on monthly time with Greenwood variance and log(−log) interval.

    One row per distinct time (event or censoring). ``survival`` is the probability of
    no event up to and including that month.

    Examples:
        >>> km = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
        >>> km.survival.tolist()
        [0.75, 0.5, 0.0]
        >>> km.at(2), km.median()
        (0.5, 2)
    """

    times: IntArray
    at_risk: IntArray
    events: IntArray
    censored: IntArray
    survival: FloatArray
    std_error: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float

    _title = "Kaplan–Meier"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("time", "at_risk", "events", "censored", "survival", "std_error", "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per distinct time."""
        return [
            dict(zip(self.columns(),
                     (int(t), int(n), int(d), int(c), float(s), float(e), float(lo), float(hi)), strict=True))
            for t, n, d, c, s, e, lo, hi in zip(self.times, self.at_risk, self.events, self.censored,
                                                self.survival, self.std_error, self.lower, self.upper,
                                                strict=True)
        ]

    def at(self, month: int) -> float:
        """The survival probability at ``month`` (1 before the first time).

        Examples:
            >>> kaplan_meier([2], [1]).at(1)
            1.0
        """
        i = int(np.searchsorted(self.times, month, side="right")) - 1
        return 1.0 if i < 0 else float(self.survival[i])

    def median(self) -> int | None:
        """The first month at which survival is 0.5 or less; None if never reached.

        Examples:
            >>> kaplan_meier([1, 5, 6], [1, 0, 0]).median() is None
            True
        """
        hit = np.nonzero(self.survival <= 0.5)[0]
        return int(self.times[hit[0]]) if len(hit) else None


def kaplan_meier(durations: Sequence[int] | IntArray | RiskTable, observed: Sequence[int] | Any = None, *,
                 level: float = 0.95) -> SurvivalCurve:
    """Kaplan–Meier estimate on monthly time, ties handled natively.

    Args:
        durations: whole months until the event or censoring — or a :class:`RiskTable`
            (e.g. merged from partitions; events of all its causes count as the event).
        observed: 1 (or True) where the event was observed, 0 where censored (not with a
            risk table).
        level: confidence level of the pointwise interval.

    Returns:
        The curve with Greenwood standard errors and log(−log) intervals.

    Raises:
        ValidationError: arrays of unequal length, negative or fractional times, or a bad level.

    Examples:
        >>> km = kaplan_meier([3, 3, 5, 6, 6], [1, 1, 0, 1, 0])
        >>> km.times.tolist(), km.at_risk.tolist(), km.survival.round(4).tolist()
        ([3, 5, 6], [5, 3, 2], [0.6, 0.6, 0.3])

        From a risk table, by hand: S(3) = 1 − 2/5 = 0.6, S(5) = 0.6 · (1 − 0/3),
        S(6) = 0.6 · (1 − 1/2) = 0.3:

        >>> table = RiskTable([3, 5, 6], [5, 3, 2], [[2, 0, 1]], [0, 1, 1])
        >>> kaplan_meier(table).survival.round(4).tolist()
        [0.6, 0.6, 0.3]
    """
    z = normal_quantile(level)
    if isinstance(durations, RiskTable):
        if observed is not None:
            raise ValidationError("time-to-event input invalid",
                                  [Problem("observed", "give durations and observed, or a risk table alone")])
        times, at_risk, censored = durations.times, durations.at_risk, durations.censored
        ev = durations.events.sum(axis=0)
    else:
        if observed is None:
            raise ValidationError("time-to-event input invalid",
                                  [Problem("observed", "observed is missing (or give a risk table)")])
        d, obs = _check(durations, np.asarray(observed).astype(np.int64), "observed")
        obs = (obs != 0).astype(np.int64)
        times, at_risk, events, censored = _risk_table(d, obs, 1)
        ev = events[:, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - ev / at_risk)
        gw_terms = np.where(ev > 0, ev / (at_risk * (at_risk - ev)), 0.0)
        greenwood = np.cumsum(gw_terms)
        se = surv * np.sqrt(greenwood)
        log_s = np.log(surv)
        v = np.sqrt(greenwood) / np.abs(log_s)
        lower = np.where(surv >= 1, 1.0, surv ** np.exp(z * v))
        upper = np.where(surv >= 1, 1.0, surv ** np.exp(-z * v))
    zero = surv <= 0
    se = np.where(zero, 0.0, se)
    lower = np.where(zero, 0.0, lower)
    upper = np.where(zero, 0.0, upper)
    return SurvivalCurve(times, at_risk, ev, censored, surv.astype(np.float64), se.astype(np.float64),
                         lower.astype(np.float64), upper.astype(np.float64), level)


@attrs.frozen(eq=False)
class CumulativeIncidence(Table):
    """Aalen–Johansen cumulative incidence of competing causes on monthly time.

    Arrays are indexed ``[time]`` or ``[cause, time]`` over the distinct times;
    ``survival`` is the all-cause Kaplan–Meier (still without any event).

    Examples:
        >>> ci = aalen_johansen([1, 1, 2, 3], [1, 2, 1, 0], causes=("work", "dropout"))
        >>> ci.at("work", 2), ci.at("dropout", 2)
        (0.5, 0.25)
    """

    causes: tuple[str, ...]
    times: IntArray
    at_risk: IntArray
    events: IntArray  # cause × time
    censored: IntArray
    survival: FloatArray
    incidence: FloatArray  # cause × time
    variance: FloatArray  # cause × time
    lower: FloatArray
    upper: FloatArray
    level: float

    _title = "Aalen–Johansen cumulative incidence"

    def columns(self) -> tuple[str, ...]:
        """The column names (long format: one row per cause and time)."""
        return ("cause", "time", "at_risk", "events", "censored", "cumulative_incidence", "std_error",
                "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per cause and distinct time."""
        out = []
        for k, cause in enumerate(self.causes):
            for i, t in enumerate(self.times):
                out.append({
                    "cause": cause, "time": int(t), "at_risk": int(self.at_risk[i]),
                    "events": int(self.events[k, i]), "censored": int(self.censored[i]),
                    "cumulative_incidence": float(self.incidence[k, i]),
                    "std_error": float(np.sqrt(self.variance[k, i])),
                    "lower": float(self.lower[k, i]), "upper": float(self.upper[k, i]),
                })
        return out

    def _index(self, cause: str) -> int:
        if cause not in self.causes:
            raise ValidationError("unknown cause", [Problem("cause", f"{cause!r} not in {self.causes}")])
        return self.causes.index(cause)

    def at(self, cause: str, month: int) -> float:
        """The cumulative incidence of ``cause`` by the end of ``month``.

        Raises:
            ValidationError: the cause is not one of :attr:`causes`.

        Examples:
            >>> aalen_johansen([4], [1], causes=("work",)).at("work", 3)
            0.0
        """
        k = self._index(cause)
        i = int(np.searchsorted(self.times, month, side="right")) - 1
        return 0.0 if i < 0 else float(self.incidence[k, i])

    def interval_at(self, cause: str, month: int) -> tuple[float, float]:
        """The pointwise interval of ``cause`` at ``month``.

        Raises:
            ValidationError: the cause is not one of :attr:`causes`.

        Examples:
            >>> aalen_johansen([4], [1], causes=("work",)).interval_at("work", 3)
            (0.0, 0.0)
        """
        k = self._index(cause)
        i = int(np.searchsorted(self.times, month, side="right")) - 1
        return (0.0, 0.0) if i < 0 else (float(self.lower[k, i]), float(self.upper[k, i]))


def aalen_johansen(durations: Sequence[int] | IntArray | RiskTable,
                   events: Sequence[int] | IntArray | None = None, *,
                   causes: Sequence[str] | None = None, level: float = 0.95) -> CumulativeIncidence:
    """Aalen–Johansen cumulative incidence of competing causes, ties handled natively.

    Args:
        durations: whole months until the first event or censoring — or a
            :class:`RiskTable` (e.g. merged from partitions).
        events: 0 for censored, ``k`` (1-based) for cause ``causes[k − 1]`` (not with a
            risk table).
        causes: names of the causes (default ``"1"``, ``"2"``, … up to the largest code,
            or the risk table's causes; a risk table needs one name per cause).
        level: confidence level of the pointwise interval.

    Returns:
        Incidence, delta-method variance and log(−log) interval per cause and time.

    Raises:
        ValidationError: bad arrays, a code without a cause name, or a bad level.

    Examples:
        >>> ci = aalen_johansen([1, 2, 2, 3, 4], [1, 2, 1, 0, 1], causes=("work", "dropout"))
        >>> ci.incidence.round(4).tolist()
        [[0.2, 0.4, 0.4, 0.8], [0.0, 0.2, 0.2, 0.2]]

        From a risk table, by hand: months 1 and 2 with 4 and 2 at risk; at month 1
        one work exit and one dropout, so F_work(1) = 1/4 and S(1) = 1/2; at month 2
        one work exit among 2: F_work(2) = 1/4 + (1/2) · (1/2) = 0.5:

        >>> table = RiskTable([1, 2], [4, 2], [[1, 1], [1, 0]], [0, 1])
        >>> aalen_johansen(table, causes=("work", "dropout")).incidence.tolist()
        [[0.25, 0.5], [0.25, 0.25]]
    """
    z = normal_quantile(level)
    if isinstance(durations, RiskTable):
        if events is not None:
            raise ValidationError("time-to-event input invalid",
                                  [Problem("events", "give durations and events, or a risk table alone")])
        n_causes = durations.n_causes
        names = tuple(causes) if causes is not None else tuple(str(k) for k in range(1, n_causes + 1))
        if len(names) != durations.n_causes:
            raise ValidationError("causes do not fit the risk table",
                                  [Problem("causes", f"{len(names)} names for {durations.n_causes} causes")])
        times, at_risk, censored = durations.times, durations.at_risk, durations.censored
        ev = durations.events
    else:
        if events is None:
            raise ValidationError("time-to-event input invalid",
                                  [Problem("events", "events are missing (or give a risk table)")])
        d, c = _check(durations, events, "events")
        top = int(c.max()) if len(c) else 0
        names = tuple(causes) if causes is not None else tuple(str(k) for k in range(1, top + 1))
        if top > len(names):
            raise ValidationError("event code without a cause name",
                                  [Problem("events", f"code {top} but only {len(names)} causes")])
        times, at_risk, ev_t, censored = _risk_table(d, c, len(names))
        ev = np.ascontiguousarray(ev_t.T)  # cause × time, laid out as in a RiskTable (same sums)
    total = ev.sum(axis=0)
    n = at_risk.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - total / n)
    lag = np.concatenate(([1.0], surv[:-1]))
    inc = np.cumsum(lag * ev / n, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where((total > 0) & (total < n), total / (n * (n - total)), 0.0)  # time u
    b = lag**2 * ev * (n - ev) / n**3  # cause × u
    c3 = lag * ev / n**2  # cause × u
    # diff[k, t, u] = F_k(t) − F_k(u) for u ≤ t (lower triangle), 0 elsewhere.
    tri = np.tril(np.ones((len(times), len(times)), dtype=bool))
    diff = np.where(tri, inc[:, :, None] - inc[:, None, :], 0.0)
    first = (diff**2 * a[None, None, :]).sum(axis=2)
    var = first + np.cumsum(b, axis=1) - 2 * (diff * c3[:, None, :]).sum(axis=2)
    var = np.maximum(var, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(-np.log(inc))
        se_g = np.sqrt(var) / (inc * np.abs(np.log(inc)))
        lower = np.exp(-np.exp(g + z * se_g))
        upper = np.exp(-np.exp(g - z * se_g))
    lower = np.where(inc <= 0, 0.0, np.where(inc >= 1, 1.0, lower))
    upper = np.where(inc <= 0, 0.0, np.where(inc >= 1, 1.0, upper))
    return CumulativeIncidence(names, times, at_risk, ev, censored, surv, inc, var, lower, upper, level)
