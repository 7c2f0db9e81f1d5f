"""Evaluation layer: effects of a programme from matched pairs — ATT, DiD, event time, naive contrast.

The estimates over the pairs of :func:`~langzeit.evaluation.match_comparison` (see
:mod:`._matching` for the design of the matching):

* *Effects* (the effect on the treated, ATT): mean of the pair differences of each
  outcome; the interval is normal with a cluster-robust variance by comparison person
  (a person matched to several participants forms one cluster), which accounts for
  matching with replacement.
* *Difference-in-differences* on monthly benefit receipt: per pair,
  ``(post_T − pre_T) − (post_C − pre_C)`` with pre = months −pre … −1 and post = months
  1 … post around the entry day (the same days for both members of a pair); the same
  cluster-robust interval. The *event-time* series gives the monthly shares and their
  difference for every month around entry.
* *Naive comparison* (for contrast): participants against a random sample of the whole
  eligible pool, pseudo-entry on a random participant's day of the same month;
  difference of shares with Newcombe's hybrid score interval (built on Wilson intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray, FloatArray, IntArray
from langzeit._calendar import add_months
from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._matching import MatchedPairs
from langzeit.evaluation._outcomes import HORIZONS, OUTCOMES, Outcomes, outcomes_of
from langzeit.exceptions import UnknownNameError
from langzeit.indicators import normal_quantile, wilson_interval
from langzeit.tabular import Table

__all__ = [
    "DiffInDiff",
    "EffectTable",
    "EventTime",
    "difference_in_differences",
    "effects",
    "event_time",
    "naive_effects",
]


def _cluster_mean(values: FloatArray, cluster: IntArray, level: float) -> tuple[float, float, float]:
    """Mean of ``values`` with a normal interval from the cluster-robust variance (clusters: ``cluster``)."""
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    _, inv = np.unique(cluster, return_inverse=True)
    sums = np.bincount(inv, weights=values - mean)
    var = float((sums**2).sum()) / n**2
    n_clusters = sums.size
    if n_clusters > 1:
        var *= n_clusters / (n_clusters - 1)  # small-sample factor of the cluster-robust variance
    half = normal_quantile(level) * np.sqrt(var)
    return mean, mean - half, mean + half


def _paired_difference(
    treated: FloatArray, control: FloatArray, cluster: IntArray, level: float
) -> tuple[float, float, float, float, float]:
    """Participants' and comparison's mean share, their pair difference and its interval, in percent."""
    mean, low, high = _cluster_mean(treated - control, cluster, level)
    return (100 * float(treated.mean()) if treated.size else np.nan,
            100 * float(control.mean()) if control.size else np.nan, 100 * mean, 100 * low, 100 * high)


def _five_columns(
    rows: list[tuple[float, float, float, float, float]],
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The rows of :func:`_paired_difference` as five ``float64`` columns."""
    table = np.array(rows, dtype=np.float64).reshape(len(rows), 5)
    a, b, d, lo, hi = (np.ascontiguousarray(table[:, j]) for j in range(5))
    return a, b, d, lo, hi


@attrs.frozen(eq=False)
class EffectTable(Table):
    """Effects as differences of outcome shares (percentage points) with intervals.

    Args:
        method: ``"matched"`` (pair differences, cluster-robust interval) or ``"naive"``
            (participants against the pool, Newcombe hybrid score interval).
        items: ``<outcome>_<h>m``.
        n: persons (pairs for ``matched``) with the outcome observed.
        n_comparison: comparison persons with the outcome observed (distinct ones for ``matched``).
        share_participants: participants' share in percent.
        share_comparison: the comparison share in percent.
        difference: participants − comparison, percentage points.
        lower: lower limit of the difference.
        upper: upper limit of the difference.
        level: the confidence level.

    Examples:
        >>> e = EffectTable("matched", ("x_6m",), np.array([4]), np.array([4]), np.array([50.0]),
        ...                 np.array([25.0]), np.array([25.0]), np.array([-10.0]), np.array([60.0]), 0.95)
        >>> e.get("x_6m")["difference"]
        25.0
    """

    _title = "effects (percentage points)"

    method: str
    items: tuple[str, ...]
    n: IntArray
    n_comparison: IntArray
    share_participants: FloatArray
    share_comparison: FloatArray
    difference: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("method", "item", "n", "n_comparison", "share_participants", "share_comparison", "difference",
                "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per item (None where no one is observed)."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        return [{"method": self.method, "item": it, "n": int(n), "n_comparison": int(nc),
                 "share_participants": num(a), "share_comparison": num(b), "difference": num(d),
                 "lower": num(lo), "upper": num(hi)}
                for it, n, nc, a, b, d, lo, hi in zip(self.items, self.n, self.n_comparison,
                                                      self.share_participants, self.share_comparison,
                                                      self.difference, self.lower, self.upper, strict=True)]

    def get(self, item: str) -> dict[str, Any]:
        """The row of one item.

        Raises:
            UnknownNameError: (a KeyError) an unknown item.
        """
        if item not in self.items:
            raise UnknownNameError("item", item)
        return self.rows()[self.items.index(item)]


def effects(
    pairs: MatchedPairs, index: SpellIndex, *, horizons: Sequence[int] = HORIZONS, level: float = 0.95
) -> EffectTable:
    """Effects on the matched participants (ATT): mean pair differences of each outcome.

    A pair counts for an outcome and horizon when the outcome is observed — the same
    days for both members, so censoring is shared. Interval: normal, cluster-robust by
    comparison person.

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        horizons: months after entry.
        level: confidence level.

    Returns:
        The effect table (percentage points).

    Examples:
        >>> from langzeit.evaluation import example_pairs
        >>> p, ix = example_pairs()  # one pair: the participant leaves benefit 2 months after entry
        >>> effects(p, ix, horizons=[6]).get("off_benefit_6m")["difference"]
        100.0
    """
    ot = outcomes_of(index, pairs.treated, pairs.day, ids=pairs.participant_ids, horizons=horizons)
    oc = outcomes_of(index, pairs.control, pairs.day, horizons=horizons)
    items, n, nc, rows = [], [], [], []
    for name in OUTCOMES:
        for h in ot.horizons:
            seen = ot.observed(name, h)
            yt = ot.get(name, h)[seen].astype(np.float64)
            yc = oc.get(name, h)[seen].astype(np.float64)
            items.append(f"{name}_{h}m")
            n.append(int(seen.sum()))
            nc.append(int(np.unique(pairs.control[seen]).size))
            rows.append(_paired_difference(yt, yc, pairs.control[seen], level))
    return EffectTable("matched", tuple(items), np.array(n), np.array(nc), *_five_columns(rows), level)


def _newcombe(x1: IntArray, n1: IntArray, x2: IntArray, n2: IntArray, level: float) -> tuple[FloatArray, ...]:
    """Difference of two independent proportions with Newcombe's hybrid score interval (method 10)."""
    l1, u1 = wilson_interval(x1, n1, level=level)
    l2, u2 = wilson_interval(x2, n2, level=level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.where(n1 > 0, x1 / np.maximum(n1, 1), np.nan)
        p2 = np.where(n2 > 0, x2 / np.maximum(n2, 1), np.nan)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return p1, p2, d, lower, upper


def naive_effects(
    pairs: MatchedPairs,
    index: SpellIndex,
    participants: Outcomes,
    *,
    level: float = 0.95,
) -> EffectTable:
    """The naive contrast: participants' shares against the eligible pool's, no matching.

    Shown beside the matched effects to make the selection visible; it is *not* an effect
    estimate. The pool is the random sample kept in ``pairs`` with pseudo-entry days.

    Args:
        pairs: the matched pairs (their pool sample).
        index: the indexed spell table.
        participants: the participants' outcomes after entry (all linked participants).
        level: confidence level.

    Returns:
        The effect table (method ``"naive"``).

    Examples:
        >>> from langzeit.evaluation import example_pairs
        >>> p, ix = example_pairs()  # one pair: the participant leaves benefit 2 months after entry
        >>> o = outcomes_of(ix, p.treated, p.day, horizons=[6])
        >>> naive_effects(p, ix, o).get("off_benefit_6m")["difference"]
        100.0
    """
    oc = outcomes_of(index, pairs.pool_person, pairs.pool_day, horizons=participants.horizons)
    items = [f"{o}_{h}m" for o in OUTCOMES for h in participants.horizons]
    x1 = (participants.value & participants.available).sum(axis=0).reshape(-1)
    n1 = participants.available.sum(axis=0).reshape(-1)
    x2 = (oc.value & oc.available).sum(axis=0).reshape(-1)
    n2 = oc.available.sum(axis=0).reshape(-1)
    p1, p2, d, lo, hi = _newcombe(x1, n1, x2, n2, level)
    return EffectTable("naive", tuple(items), n1.astype(np.int64), n2.astype(np.int64), 100 * p1, 100 * p2,
                       100 * d, 100 * lo, 100 * hi, level)


@attrs.frozen(eq=False)
class EventTime(Table):
    """Monthly benefit receipt around entry: participants, matched comparison, difference.

    Args:
        months: months relative to the entry day (negative: before).
        n: pairs observed in that month.
        participants: share of participants in the ELB stock, percent.
        comparison: share of comparison persons, percent.
        difference: participants − comparison, percentage points.
        lower: lower limit (cluster-robust, by comparison person).
        upper: upper limit.

    Examples:
        >>> e = EventTime(np.array([-1, 0]), np.array([2, 2]), np.array([100.0, 50.0]),
        ...               np.array([100.0, 100.0]), np.array([0.0, -50.0]), np.array([0.0, -90.0]),
        ...               np.array([0.0, -10.0]))
        >>> e.rows()[1]["difference"]
        -50.0
    """

    _title = "benefit receipt around entry"

    months: IntArray
    n: IntArray
    participants: FloatArray
    comparison: FloatArray
    difference: FloatArray
    lower: FloatArray
    upper: FloatArray

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("month", "n", "participants", "comparison", "difference", "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per month."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        return [{"month": int(m), "n": int(n), "participants": num(a), "comparison": num(b),
                 "difference": num(d), "lower": num(lo), "upper": num(hi)}
                for m, n, a, b, d, lo, hi in zip(self.months, self.n, self.participants, self.comparison,
                                                 self.difference, self.lower, self.upper, strict=True)]


def _receipt(
    index: SpellIndex, person: IntArray, day: IntArray, offsets: IntArray
) -> tuple[BoolArray, BoolArray]:
    when = add_months(day[:, None], offsets[None, :])
    observed = when <= index.data_end
    return index.in_benefit(np.broadcast_to(person[:, None], when.shape), when) & observed, observed


def event_time(
    pairs: MatchedPairs, index: SpellIndex, *, before: int = 24, after: int = 24, level: float = 0.95
) -> EventTime:
    """Monthly shares in benefit for months ``−before … after`` around entry, both arms.

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        before: months before entry.
        after: months after entry.
        level: confidence level.

    Returns:
        The event-time series (months after the data's end: pairs not observed).

    Examples:
        >>> from langzeit.evaluation import example_pairs
        >>> p, ix = example_pairs()  # one pair: the participant leaves benefit 2 months after entry
        >>> event_time(p, ix, before=1, after=2).difference.tolist()
        [0.0, 0.0, 0.0, -100.0]
    """
    offsets = np.arange(-before, after + 1, dtype=np.int64)
    yt, seen = _receipt(index, pairs.treated, pairs.day, offsets)
    yc, _ = _receipt(index, pairs.control, pairs.day, offsets)
    n, rows = [], []
    for j in range(offsets.size):
        s = seen[:, j]
        vt, vc = yt[s, j].astype(np.float64), yc[s, j].astype(np.float64)
        n.append(int(s.sum()))
        rows.append(_paired_difference(vt, vc, pairs.control[s], level))
    return EventTime(offsets, np.array(n, dtype=np.int64), *_five_columns(rows))


@attrs.frozen
class DiffInDiff:
    """Difference-in-differences on monthly benefit receipt around entry (percentage points).

    Args:
        estimate: ``(post_T − pre_T) − (post_C − pre_C)``, mean over pairs.
        lower: lower limit (normal, cluster-robust by comparison person).
        upper: upper limit.
        n_pairs: pairs observed over the whole post period.
        pre_participants: participants' mean share in benefit over the pre months.
        post_participants: … over the post months.
        pre_comparison: the comparison's pre mean.
        post_comparison: the comparison's post mean.
        pre: months before entry.
        post: months after entry.
        level: confidence level.

    Examples:
        >>> DiffInDiff(-20.0, -30.0, -10.0, 50, 100.0, 60.0, 100.0, 80.0, 12, 12, 0.95).estimate
        -20.0
    """

    estimate: float | None
    lower: float | None
    upper: float | None
    n_pairs: int
    pre_participants: float | None
    post_participants: float | None
    pre_comparison: float | None
    post_comparison: float | None
    pre: int
    post: int
    level: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (for JSON)."""
        return attrs.asdict(self)


def difference_in_differences(
    pairs: MatchedPairs, index: SpellIndex, *, pre: int = 12, post: int = 12, level: float = 0.95
) -> DiffInDiff:
    """Difference-in-differences of monthly benefit receipt, months ``−pre … −1`` against ``1 … post``.

    Per pair, the participant's change in the share of months in benefit minus the
    comparison person's change on the same days; pairs whose post period reaches beyond
    the data's end are left out (censored). Matching already aligns the pre period on
    benefit history, so the DiD mainly guards against differences that matching on the
    stock day leaves (e.g. in the months just before entry).

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        pre: months before entry.
        post: months after entry.
        level: confidence level.

    Returns:
        The estimate with its interval.

    Examples:
        >>> from langzeit.evaluation import example_pairs
        >>> p, ix = example_pairs()  # one pair: the participant leaves benefit 2 months after entry
        >>> difference_in_differences(p, ix, pre=2, post=2).estimate
        -50.0
    """
    before = np.arange(-pre, 0, dtype=np.int64)
    after = np.arange(1, post + 1, dtype=np.int64)
    bt, _ = _receipt(index, pairs.treated, pairs.day, before)
    bc, _ = _receipt(index, pairs.control, pairs.day, before)
    at, seen = _receipt(index, pairs.treated, pairs.day, after)
    ac, _ = _receipt(index, pairs.control, pairs.day, after)
    ok = seen.all(axis=1)
    change_t = at[ok].mean(axis=1) - bt[ok].mean(axis=1)
    change_c = ac[ok].mean(axis=1) - bc[ok].mean(axis=1)
    mean, low, high = _cluster_mean(change_t - change_c, pairs.control[ok], level)

    def pct(x: FloatArray) -> float | None:
        return None if x.size == 0 else float(100 * x.mean())

    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(100 * x)

    return DiffInDiff(opt(mean), opt(low), opt(high), int(ok.sum()), pct(bt[ok].astype(np.float64)),
                      pct(at[ok].astype(np.float64)), pct(bc[ok].astype(np.float64)),
                      pct(ac[ok].astype(np.float64)), pre, post, level)
