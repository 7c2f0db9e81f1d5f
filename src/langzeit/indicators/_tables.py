"""Indicator layer: result tables of the programme indicators with confidentiality.

:class:`RateTable` holds numerators and denominators per group and item with a
value in percent and an interval; :class:`DistributionTable` holds count and
quantiles of a duration per group. Both apply the confidentiality rule of
DOMAIN.md § 3 through :func:`langzeit.indicators.suppress` (their
``with_confidentiality``), using the shared suppression core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._confidentiality import (
    FLAG_NAMES,
    SHOWN,
    ConfidentialityRule,
    rate_flags,
    rate_suppressed,
    round_to_multiple,
    suppression_flags,
)
from langzeit.indicators._intervals import normal_quantile, wilson_interval
from langzeit.tabular import Table

__all__ = ["QUANTILES", "DistributionTable", "Grouping", "Rate", "RateTable", "group_participants"]
# value_counts, merge_value_counts: private helpers of the partitioned report

FlagArray = npt.NDArray[np.int8]

#: Quantiles reported for durations.
QUANTILES = (0.25, 0.5, 0.75, 0.9)


@attrs.frozen(eq=False)
class Grouping:
    """Participants' groups by one attribute: ``codes[i]`` is the group of participant ``i``.

    Build it with :func:`group_participants`. Group ``"all"`` is always reported first.

    Examples:
        >>> g = Grouping("sex", ("F", "M"), np.array([0, 1, 0]))
        >>> g.counts().tolist()
        [3, 2, 1]
    """

    attribute: str
    labels: tuple[str, ...]
    codes: IntArray

    @property
    def names(self) -> tuple[str, ...]:
        """``"all"`` followed by the labels."""
        return ("all", *self.labels)

    def counts(self, mask: npt.NDArray[np.bool_] | None = None, *,
               weights: Any = None) -> npt.NDArray[Any]:
        """Counts (or sums of ``weights``) per group, ``all`` first, of the participants in ``mask``.

        Examples:
            >>> Grouping("x", ("a",), np.array([0, 0])).counts(np.array([True, False])).tolist()
            [1, 1]
        """
        codes = self.codes if mask is None else self.codes[mask]
        w = None
        if weights is not None:
            w = np.asarray(weights) if mask is None else np.asarray(weights)[mask]
        if not self.labels:
            return np.array([len(codes) if w is None else w.sum()])
        per = np.bincount(codes, weights=w, minlength=len(self.labels))
        return np.concatenate(([per.sum()], per))


def _attribute(record: Any, name: str) -> str:
    if record is None:
        return "unknown"
    value = record.get(name) if isinstance(record, dict) else getattr(record, name, None)
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(getattr(value, "value", value))
    return text or "unknown"


def group_participants(participant_ids: Sequence[str], attributes: Any, by: str | None, *,
                       labels: Sequence[str] | None = None) -> Grouping:
    """Group participants by one attribute (``sex``, ``single_parent``, a custom key…).

    Args:
        participant_ids: the participants in index order (e.g. ``EventColumns.participants``).
        attributes: a mapping from participant id to a :class:`~langzeit.domain.Participant`
            record or to a plain dict of attributes; participants missing from it, or
            without the attribute, fall in group ``"unknown"``.
        by: the attribute's name; None puts everyone in one group (only ``"all"``).
        labels: the groups, in this order (default: the values found, sorted) — e.g. the
            groups of all partitions of a log, for a partition that lacks some.

    Returns:
        The grouping (labels sorted).

    Raises:
        ValidationError: a participant's value is not one of ``labels``.

    Examples:
        >>> from langzeit.domain import Participant
        >>> g = group_participants(["p1", "p2", "p3"],
        ...                        {"p1": Participant("p1", sex="F"), "p2": {"sex": "M"}}, "sex")
        >>> g.labels, g.codes.tolist()
        (('F', 'M', 'unknown'), [0, 1, 2])
    """
    if by is None:
        return Grouping("", (), np.zeros(len(participant_ids), dtype=np.int64))
    values = [_attribute(attributes.get(pid), by) for pid in participant_ids]
    names = tuple(sorted(set(values))) if labels is None else tuple(labels)
    index = {v: i for i, v in enumerate(names)}
    unknown = set(values) - set(index)
    if unknown:
        raise ValidationError("values outside the labels", [Problem(by, f"{sorted(unknown)} not in {names}")])
    return Grouping(by, names, np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values)))


@attrs.frozen
class Rate:
    """One cell of a :class:`RateTable`: numerator, denominator, value (percent) and interval.

    Suppressed parts are None.

    Examples:
        >>> Rate(3, 4, 75.0, 30.1, 95.4).value
        75.0
    """

    numerator: int | None
    denominator: int | None
    value: float | None
    lower: float | None
    upper: float | None
    suppressed: bool = False


def _percent(num: Any, den: Any, level: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(den > 0, 100.0 * num / den, np.nan)
    lo, hi = wilson_interval(num, den, level=level)
    return value, 100.0 * np.asarray(lo), 100.0 * np.asarray(hi)


def _none(x: Any) -> Any:
    if x is None:
        return None
    f = float(x)
    return None if np.isnan(f) else f


@attrs.frozen(eq=False)
class RateTable(Table):
    """Rates per group and item: numerator, denominator, value in percent, Wilson interval.

    ``partition`` says that the items' numerators add up to the denominator (outcomes
    by kind): secondary suppression then protects each row against subtraction from
    the total. Groups always add up to ``"all"`` (first row).

    Examples:
        >>> t = RateTable.of_counts("take_up", ("all",), ("took_part",), [[3]], [[4]])
        >>> t.get("took_part").value
        75.0
        >>> t.with_confidentiality(ConfidentialityRule(min_n=5)).get("took_part").suppressed
        True
    """

    indicator: str
    groups: tuple[str, ...]
    items: tuple[str, ...]
    numerator: IntArray
    denominator: IntArray
    value: FloatArray
    lower: FloatArray
    upper: FloatArray
    notes: tuple[str, ...] = ()
    partition: bool = False
    level: float = 0.95
    numerator_flags: FlagArray | None = None
    denominator_flags: FlagArray | None = None
    rule: ConfidentialityRule | None = None

    @classmethod
    def of_counts(cls, indicator: str, groups: Sequence[str], items: Sequence[str], numerator: Any,
                  denominator: Any, *, notes: Sequence[str] = (), partition: bool = False,
                  level: float = 0.95) -> RateTable:
        """Rates from counts (groups × items), with Wilson intervals.

        Raises:
            ValidationError: shapes disagree or a numerator exceeds its denominator.

        Examples:
            >>> RateTable.of_counts("x", ("all",), ("a", "b"), [[1, 2]], [[4, 4]]).value.tolist()
            [[25.0, 50.0]]
        """
        num = np.asarray(numerator, dtype=np.int64).reshape(len(groups), len(items))
        den = np.broadcast_to(np.asarray(denominator, dtype=np.int64), num.shape).copy()
        if np.any(num > den) or np.any(num < 0):
            raise ValidationError(f"{indicator}: numerators must lie between 0 and the denominator",
                                  [Problem(indicator, "numerator > denominator")])
        value, lo, hi = _percent(num, den, level)
        return cls(indicator, tuple(groups), tuple(items), num, den, value, lo, hi,
                   tuple(notes) or ("",) * len(items), partition, level)

    def merge(self, other: RateTable) -> RateTable:
        """The rates of both tables' participants together: numerators and denominators add.

        For tables of disjoint partitions of the participants (with the same groups and
        items): the result equals the table computed on all of them. Merge the raw
        tables, then apply confidentiality to the result.

        Raises:
            ValidationError: the tables differ in indicator, groups or items, or one has
                confidentiality applied.

        Examples:
            >>> a = RateTable.of_counts("take_up", ("all",), ("took_part",), [[3]], [[4]])
            >>> b = RateTable.of_counts("take_up", ("all",), ("took_part",), [[1]], [[4]])
            >>> a.merge(b).get("took_part")
            Rate(numerator=4, denominator=8, value=50.0, lower=21.5..., upper=78.4..., suppressed=False)
        """
        if (self.indicator, self.groups, self.items) != (other.indicator, other.groups, other.items):
            raise ValidationError("rate tables do not match", [Problem(
                self.indicator, f"{other.indicator}: groups {other.groups} × items {other.items}, "
                f"expected {self.groups} × {self.items}")])
        if self.rule is not None or other.rule is not None:
            raise ValidationError("cannot merge tables after confidentiality",
                                  [Problem(self.indicator, "merge the raw tables, then apply the rule")])
        return RateTable.of_counts(self.indicator, self.groups, self.items, self.numerator + other.numerator,
                                   self.denominator + other.denominator, notes=self.notes,
                                   partition=self.partition, level=self.level)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("indicator", "group", "item", "numerator", "denominator", "value", "lower", "upper",
                "suppressed", "flag", "note")

    def _suppressed(self) -> npt.NDArray[np.bool_]:
        if self.numerator_flags is None or self.denominator_flags is None:
            return np.zeros(self.numerator.shape, dtype=bool)
        return rate_suppressed(self.numerator_flags, self.denominator_flags)

    def _shown(self, counts: IntArray) -> IntArray:
        if self.rule is not None and self.rule.round_to:
            out: IntArray = round_to_multiple(counts, self.rule.round_to)
            return out
        return counts

    def get(self, item: str, group: str = "all") -> Rate:
        """The cell of ``item`` in ``group``.

        Raises:
            ValidationError: unknown item or group.

        Examples:
            >>> RateTable.of_counts("x", ("all",), ("a",), [[0]], [[0]]).get("a").value is None
            True
        """
        if item not in self.items or group not in self.groups:
            raise ValidationError("unknown cell", [Problem(self.indicator, f"{group!r} × {item!r}")])
        return self._cell(self.groups.index(group), self.items.index(item))

    def _cell(self, g: int, i: int) -> Rate:
        sup = self._suppressed()
        nf = self.numerator_flags is not None and self.numerator_flags[g, i] != SHOWN
        df = self.denominator_flags is not None and self.denominator_flags[g, i] != SHOWN
        num = self._shown(self.numerator)[g, i]
        den = self._shown(self.denominator)[g, i]
        hide = bool(sup[g, i])
        nf = df = nf or df  # a suppressed cell carries no number at all
        return Rate(None if nf else int(num), None if df else int(den),
                    None if hide else _none(self.value[g, i]), None if hide else _none(self.lower[g, i]),
                    None if hide else _none(self.upper[g, i]), hide)

    def rows(self) -> list[dict[str, Any]]:
        """One row per group and item."""
        out = []
        flags = self.numerator_flags
        for g, group in enumerate(self.groups):
            for i, item in enumerate(self.items):
                r = self._cell(g, i)
                flag = 0 if flags is None else int(max(flags[g, i], self.denominator_flags[g, i]))  # type: ignore[index]
                out.append({"indicator": self.indicator, "group": group, "item": item,
                            "numerator": r.numerator, "denominator": r.denominator, "value": r.value,
                            "lower": r.lower, "upper": r.upper, "suppressed": r.suppressed,
                            "flag": FLAG_NAMES[flag], "note": self.notes[i] if self.notes else ""})
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> RateTable:
        """The same table with numerators, denominators and rates suppressed by ``rule``.

        One mechanism for all tables (:func:`~langzeit.indicators.rate_flags`): lines are
        each item's column over the groups (total: ``"all"``), for partition tables each
        group's row over the items (total: the denominator), and every numerator with its
        complement (denominator − numerator, a count of persons too). A suppressed cell
        shows no number at all.

        Examples:
            >>> t = RateTable.of_counts("x", ("all", "F", "M"), ("a",), [[7], [2], [5]], [[20], [10], [10]])
            >>> [r["numerator"] for r in t.with_confidentiality(ConfidentialityRule()).rows()]
            [7, None, None]
        """
        nflags, dflags = rate_flags(self.numerator, self.denominator, grouped=len(self.groups) > 1,
                                    partition=self.partition, min_n=rule.min_n, secondary=rule.secondary)
        return attrs.evolve(self, numerator_flags=nflags, denominator_flags=dflags, rule=rule)


#: Per group (``all`` first): the distinct values, ascending, and how often each occurs.
ValueCounts = tuple[tuple[FloatArray, IntArray], ...]


def value_counts(values: FloatArray, codes: IntArray, n_groups: int) -> ValueCounts:
    """The distinct values and their counts per group, ``all`` first: a mergeable distribution.

    Examples:
        >>> h = value_counts(np.array([2.0, 1.0, 2.0]), np.array([0, 1, 0]), 2)
        >>> [(v.tolist(), c.tolist()) for v, c in h]
        [([1.0, 2.0], [1, 2]), ([2.0], [2]), ([1.0], [1])]
    """
    values = np.asarray(values, dtype=np.float64)
    codes = np.asarray(codes, dtype=np.int64)
    out = []
    for g in range(n_groups + 1):
        part = values if g == 0 else values[codes == g - 1]
        v, c = np.unique(part, return_counts=True)
        out.append((v.astype(np.float64), c.astype(np.int64)))
    return tuple(out)


def merge_value_counts(a: ValueCounts, b: ValueCounts) -> ValueCounts:
    """Both distributions together, group by group (exact: counts of equal values add).

    Examples:
        >>> h = merge_value_counts(value_counts(np.array([1.0, 3.0]), np.zeros(2, int), 0),
        ...                        value_counts(np.array([3.0]), np.zeros(1, int), 0))
        >>> h[0][0].tolist(), h[0][1].tolist()
        ([1.0, 3.0], [1, 2])
    """
    out = []
    for (va, ca), (vb, cb) in zip(a, b, strict=True):
        v, inverse = np.unique(np.concatenate([va, vb]), return_inverse=True)
        out.append((v, np.bincount(inverse, weights=np.concatenate([ca, cb]),
                                   minlength=len(v)).astype(np.int64)))
    return tuple(out)


def _stats(counts_per_group: ValueCounts, level: float) -> tuple[IntArray, FloatArray]:
    """Count and (mean, its interval, min, quantiles…, max) per group, ``all`` first.

    Computed from the distinct values and their counts only, so that merged partitions
    give the numbers of the whole, bit for bit.
    """
    z = normal_quantile(level)
    out = np.full((len(counts_per_group), 5 + len(QUANTILES)), np.nan)
    counts = np.zeros(len(counts_per_group), dtype=np.int64)
    for g, (v, c) in enumerate(counts_per_group):
        n = int(c.sum())
        counts[g] = n
        if n:
            q = np.quantile(np.repeat(v, c), QUANTILES)
            mean = float((v * c).sum() / n)
            half = z * np.sqrt(float((c * (v - mean) ** 2).sum()) / (n - 1)) / np.sqrt(n) if n > 1 else np.nan
            out[g] = [mean, mean - half, mean + half, v[0], *q, v[-1]]
    return counts, out


@attrs.frozen(eq=False)
class DistributionTable(Table):
    """A duration's distribution per group: count, mean with interval, min, quartiles, 90th percentile, max.

    The mean's interval is the normal approximation mean ± z · s / √n (sample standard
    deviation; none for fewer than two values). Statistics of a group whose count is
    suppressed are hidden.

    Examples:
        >>> t = DistributionTable.of_values("stay_months", np.array([1.0, 2.0, 3.0, 10.0]),
        ...                                 np.zeros(4, dtype=np.int64), ("all",))
        >>> t.rows()[0]["median"], t.rows()[0]["mean"]
        (2.5, 4.0)
    """

    measure: str
    groups: tuple[str, ...]
    count: IntArray
    stats: FloatArray  # group × (mean, mean_lower, mean_upper, min, q25, median, q75, q90, max)
    flags: FlagArray | None = None
    rule: ConfidentialityRule | None = None

    @classmethod
    def of_values(cls, measure: str, values: FloatArray, codes: IntArray,
                  groups: Sequence[str], *, level: float = 0.95) -> DistributionTable:
        """Distribution of ``values`` whose group codes (into ``groups[1:]``) are ``codes``.

        ``groups[0]`` is ``"all"`` (every value).

        Examples:
            >>> DistributionTable.of_values("d", np.array([2.0]), np.array([0]), ("all", "F")).count.tolist()
            [1, 1]
        """
        return cls.of_value_counts(measure, value_counts(values, codes, len(groups) - 1), groups, level=level)

    @classmethod
    def of_value_counts(cls, measure: str, counts: ValueCounts, groups: Sequence[str], *,
                        level: float = 0.95) -> DistributionTable:
        """The distribution from each group's distinct values and counts (e.g. merged partitions).

        Quantiles need every value, but a duration in days or months takes few distinct
        values: their counts merge exactly, and the statistics follow from them alone.

        Examples:
            >>> h = value_counts(np.array([1.0, 2.0, 3.0, 10.0]), np.zeros(4, dtype=np.int64), 0)
            >>> DistributionTable.of_value_counts("d", h, ("all",)).rows()[0]["median"]
            2.5
        """
        n, stats = _stats(counts, level)
        if len(groups) == 1:
            n, stats = n[:1], stats[:1]
        return cls(measure, tuple(groups), n, stats)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("measure", "group", "n", "mean", "mean_lower", "mean_upper", "min", "q25", "median", "q75",
                "q90", "max", "suppressed")

    def rows(self) -> list[dict[str, Any]]:
        """One row per group."""
        out = []
        for g, group in enumerate(self.groups):
            hide = self.flags is not None and self.flags[g] != SHOWN
            n = int(self.count[g])
            if self.rule is not None and self.rule.round_to:
                n = int(round_to_multiple(n, self.rule.round_to))
            row: dict[str, Any] = {"measure": self.measure, "group": group, "n": None if hide else n}
            for name, v in zip(self.columns()[3:-1], self.stats[g],
                               strict=True):
                row[name] = None if hide else _none(v)
            row["suppressed"] = bool(hide)
            out.append(row)
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> DistributionTable:
        """Hide groups with fewer than ``min_n`` values (and, secondarily, one more group).

        Examples:
            >>> t = DistributionTable.of_values("d", np.array([1.0, 2.0]), np.array([0, 0]), ("all", "F"))
            >>> [r["n"] for r in t.with_confidentiality(ConfidentialityRule()).rows()]
            [None, None]
        """
        grouped = len(self.groups) > 1
        order = np.r_[np.arange(1, len(self.groups)), 0] if grouped else np.arange(len(self.groups))
        flags = suppression_flags(self.count[order][:, None], min_n=rule.min_n, row_totals=False,
                                  column_totals=grouped, secondary=rule.secondary)[:, 0]
        return attrs.evolve(self, flags=flags[np.argsort(order)].astype(np.int8), rule=rule)
