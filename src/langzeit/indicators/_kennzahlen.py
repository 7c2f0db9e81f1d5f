"""Indicator layer: the official Kennzahlen nach § 48a SGB II (K1–K3) from administrative spells.

Implements DOMAIN.md §§ 2–3 (Verordnung zur Festlegung der Kennzahlen nach § 48a SGB II,
version of 15.03.2019) with its numbered conventions. :func:`kennzahlen` computes
additive monthly partial counts per jobcenter × month × sex group (vectorised, see
``_kennzahlen_counts``) and returns a :class:`KennzahlenResult`; the cells (numerator,
denominator, value in percent, interval, availability, suppression) are derived from
those counts on demand, so results of partitions merge exactly with
:meth:`KennzahlenResult.merge`.

Partitioning contract (conventions 2 and 11 compare persons across jobcenters): a
partition must hold **every spell of each person it holds**. Two ways merge exactly:

- partition by person: every person's spells in exactly one part; compute each part
  for all jobcenters and merge (a jobcenter found in several parts is added up);
- partition by jobcenter: the part of jobcenter set *J* holds all spells of every
  person who ever had an ``elb`` spell (or an ``llu``/``luh`` row) at a jobcenter in *J*;
  compute it with ``jobcenters=J``, the sets *J* being disjoint, and merge.

Cells are reported for every jobcenter on an ``elb`` row and every jobcenter that
``llu``/``luh`` amounts count for (convention 8: the household's amounts count for the
jobcenter on their row, also those of members who are not ELB).

Why over 600 lines: the counting is in ``_kennzahlen_counts`` and the codes and names in
``_kennzahlen_types``; what stays here is the result, :class:`KennzahlenResult` (about
420 lines: the cells, their derived values, confidentiality, merge and the table and
frame views, each a documented method with its example) with the entry point and the
monthly counts it is built from. Its methods share the code arrays and flags of one
result; moving them apart would split one record's API across modules.

Examples:
    >>> import datetime as dt
    >>> from langzeit.spells import SpellTable
    >>> spells = SpellTable.from_records([
    ...     {"person_id": "a", "kind": "elb", "start": "2022-01-01", "jobcenter": "JC1", "sex": "F"},
    ...     {"person_id": "b", "kind": "elb", "start": "2023-03-01", "jobcenter": "JC1", "sex": "M"},
    ... ], data_end=dt.date(2024, 12, 31))
    >>> result = kennzahlen(spells, dt.date(2024, 1, 1))
    >>> c = result.cell("JC1", dt.date(2024, 1, 1), "K1E2")
    >>> c.numerator, c.denominator, c.value
    (2, 1, 200.0)
    >>> result.cell("JC1", dt.date(2024, 1, 1), "K3").numerator  # only a has 638 of 730 days
    1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._calendar import month_first, month_of
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.indicators._confidentiality import (
    SHOWN,
    ConfidentialityRule,
    protect,
)
from langzeit.indicators._intervals import garwood_interval, wilson_interval
from langzeit.indicators._kennzahlen_counts import (
    COMPONENTS,
    Counts,
    compute_counts,
    reported_jobcenters,
    stichtag_of,
)
from langzeit.spells import InstrumentCatalogue, SpellTable, date_to_day, label_sort_key
from langzeit.tabular import Table

__all__ = [
    "ALL_ONLY",
    "CODES",
    "GROUPS",
    "NAMES",
    "YEAR_ON_YEAR",
    "KennzahlCell",
    "KennzahlenOptions",
    "KennzahlenResult",
    "MonthlyCounts",
    "kennzahlen",
]

CODES = (
    "K1", "K1E1", "K1E2", "K1E3", "K1E4",
    "K2", "K2E1", "K2E2", "K2E3", "K2E4",
    "K3", "K3E1", "K3E2", "K3E3", "K3E4",
    "bedarfsdeckend",
)
"""The codes of a :class:`KennzahlenResult`, in output order."""

GROUPS = ("all", "F", "M")
"""The reported groups: everybody, women, men (other sexes count in ``all`` only)."""

NAMES = {
    "K1": "Veränderung der Summe der Leistungen zum Lebensunterhalt",
    "K1E1": "Veränderung der Summe der Leistungen für Unterkunft und Heizung",
    "K1E2": "Veränderung der Zahl der erwerbsfähigen Leistungsberechtigten",
    "K1E3": "Durchschnittliche Zugangsrate der erwerbsfähigen Leistungsberechtigten",
    "K1E4": "Durchschnittliche Abgangsrate der erwerbsfähigen Leistungsberechtigten",
    "K2": "Integrationsquote",
    "K2E1": "Quote der Eintritte in geringfügige Beschäftigung",
    "K2E2": "Quote der Eintritte in öffentlich geförderte Beschäftigung",
    "K2E3": "Kontinuierliche Beschäftigung nach Integration",
    "K2E4": "Integrationsquote der Alleinerziehenden",
    "K3": "Veränderung des Bestands an Langzeitleistungsbeziehenden",
    "K3E1": "Integrationsquote der Langzeitleistungsbeziehenden",
    "K3E2": "Aktivierungsquote der Langzeitleistungsbeziehenden",
    "K3E3": "Durchschnittliche Zugangsrate der Langzeitleistungsbeziehenden",
    "K3E4": "Durchschnittliche Abgangsrate der Langzeitleistungsbeziehenden",
    "bedarfsdeckend": "Anteil bedarfsdeckender Integrationen (BA-Monitoring, nicht in der Verordnung)",
}
"""The official German name of each code (§§ 4–6 of the Verordnung zur Festlegung der Kennzahlen
nach § 48a SGB II, version of 15.03.2019; ``bedarfsdeckend`` is the BA's supplementary rate)."""

YEAR_ON_YEAR = frozenset({"K1", "K1E1", "K1E2", "K3"})
"""Codes published as a change against the month a year before: they carry ``change`` = value − 100."""

ALL_ONLY = frozenset({"K1", "K1E1"})
"""Codes the BA reports for ``all`` only (convention 8): their ``F``/``M`` cells are not available."""

Regime = Literal["2019", "2011"]
StockWindow = Literal["previous", "current"]


class KennzahlenOptions(TypedDict, total=False):
    """The options of :func:`kennzahlen` that its partitioned form passes on to it unchanged.

    Examples:
        >>> options: KennzahlenOptions = {"regime": "2011", "level": 0.9}
        >>> sorted(KennzahlenOptions.__optional_keys__)[:3]
        ['catalogue', 'count_16k', 'level']
    """

    stichtag: int | None
    regime: Regime
    count_16k: bool
    level: float
    stock_window: StockWindow
    catalogue: InstrumentCatalogue | None

_C = {name: i for i, name in enumerate(COMPONENTS)}
_GARWOOD = frozenset({"K2", "K2E1", "K2E2", "K2E4", "K3E1"})
_WILSON = frozenset({"K2E3", "K3E2", "bedarfsdeckend"})
_MEAN_OF_RATES = frozenset({"K1E3", "K1E4", "K3E3", "K3E4"})
_EUROS = frozenset({"K1", "K1E1"})
_MEAN_STOCK_DENOMINATOR = frozenset({"K2", "K2E1", "K2E2", "K2E4", "K3E1"})
# internal group axis: F, M, other, all (the line F + M + other = all for suppression)
_OUT_GROUPS = (3, 0, 1)

FloatArray = npt.NDArray[np.float64]


def _first_of_month(value: dt.date) -> dt.date:
    return value.replace(day=1)


def _change(code: str, value: float | None) -> float | None:
    """The change value − 100 of a year-on-year code (convention 10), else None."""
    if code in YEAR_ON_YEAR and value is not None:
        return round(value - 100.0, 10)
    return None


@attrs.frozen
class KennzahlCell:
    """One cell: a code for one jobcenter, month and group.

    Args:
        jobcenter: the jobcenter id.
        month: the reference month (its first day).
        group: ``"all"``, ``"F"`` or ``"M"``.
        code: e.g. ``"K2"`` (see :data:`CODES`).
        numerator: the numerator (persons; euros for K1/K1E1); None when unavailable,
            suppressed, or for the mean-of-rates codes (K1E3, K1E4, K3E3, K3E4).
        denominator: the denominator (a mean stock for K2, K2E1, K2E2, K2E4, K3E1); None likewise.
        value: 100 × numerator / denominator (percent); None when not computable or hidden.
        ci_low: lower limit of the interval in percent (Wilson or Garwood), or None.
        ci_high: upper limit in percent, or None.
        available: False when the data do not reach a Stichtag the cell needs (and for the
            ``F``/``M`` cells of K1/K1E1, which are reported for ``all`` only).
        suppressed: True when confidentiality hides the cell (then it has no number at all).
        change: value − 100 for the year-on-year codes K1, K1E1, K1E2, K3 (−2.5: "gesunken
            um 2,5 %"), None otherwise or when the value is null.
        name: the official German name of the code (:data:`NAMES`).

    Examples:
        >>> c = KennzahlCell("JC1", dt.date(2024, 1, 1), "all", "K3", 39, 40, 97.5, None, None, True, False)
        >>> c.change, c.name
        (-2.5, 'Veränderung des Bestands an Langzeitleistungsbeziehenden')
    """

    jobcenter: str
    month: dt.date
    group: str
    code: str
    numerator: int | float | None
    denominator: int | float | None
    value: float | None
    ci_low: float | None
    ci_high: float | None
    available: bool
    suppressed: bool
    change: float | None = attrs.field()
    name: str = attrs.field()

    @change.default
    def _change(self) -> float | None:
        return _change(self.code, self.value)

    @name.default
    def _name(self) -> str:
        return NAMES.get(self.code, self.code)


@attrs.frozen
class _CodeArrays:
    """Per code, arrays of shape (jobcenter, month, 4 groups F/M/other/all)."""

    numerator: FloatArray  # nan where null
    denominator: FloatArray
    value: FloatArray
    available: npt.NDArray[np.bool_]
    cases_num: FloatArray  # the counts the confidentiality rule looks at
    cases_den: FloatArray
    primary_only_cases: FloatArray | None = None  # (J, R, 4, n): every count behind a mean of rates
    num_key: str = ""  # the quantity of the numerator: codes that share one share its flags
    den_key: str = ""


# codes whose numerator is a subset of the denominator's persons: denominator − numerator is a
# count of persons too (the complement, DOMAIN.md § 3 "Statistical confidentiality")
_SUBSET = ("K2E3", "K3E2", "bedarfsdeckend")
# quantities that are subsets of others without being one code's numerator and denominator: their
# difference is a count of persons as well (e.g. Integrationen not into svp), protected alike
_NESTED = (
    ("svp_integ", "integ"), ("integ_sp", "integ"), ("integ_lzb", "integ"), ("mean_sp_stock", "mean_stock"),
    ("mean_lzb", "mean_stock"), ("lzb", "stock"), ("lzb-12", "stock-12"),
)


def _quantity_flags(
    arrays: dict[str, _CodeArrays], rule: ConfidentialityRule
) -> dict[str, tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]]:
    """Per code, (numerator hidden, denominator hidden), shape (J, R, 4), from one system of lines.

    Every distinct quantity (a stock, a window sum, a mean stock …) is one set of four cells
    F, M, other, all per jobcenter and month, tied by the line F + M + other = all; codes
    that use the same quantity (K2, K2E1 and K2E2 share the mean stock; K3's numerator is
    K3E2's denominator) share its flags, so a number hidden in one cell is hidden wherever
    it appears. Where one quantity's persons are a subset of another's (a subset code's
    numerator and denominator; svp Integrationen within all Integrationen, the LZB within
    the ELB stock, …) the difference is a cell of its own, unpublished (line subset +
    difference = whole), so a shown subset cannot disclose a hidden whole or the other way
    round. A hidden denominator hides its numerator (even a zero).
    :func:`~langzeit.indicators.protect` does the rest.
    """
    keys: list[str] = []
    values: list[FloatArray] = []
    cases: list[FloatArray] = []
    active: list[npt.NDArray[np.bool_]] = []
    index: dict[str, int] = {}

    def add(key: str, value: FloatArray, case: FloatArray, avail: npt.NDArray[np.bool_]) -> int:
        v = np.where(avail, np.nan_to_num(value), 0.0)
        c = np.where(avail, np.nan_to_num(case), 0.0)
        if key in index:
            q = index[key]
            values[q] = np.where(avail, v, values[q])
            cases[q] = np.where(avail, c, cases[q])
            active[q] = active[q] | avail
            return q
        index[key] = len(keys)
        keys.append(key)
        values.append(v)
        cases.append(c)
        active.append(np.asarray(avail, dtype=np.bool_))
        return index[key]

    pairs: dict[str, tuple[int, int]] = {}
    complements: list[tuple[int, int, int]] = []
    for code, a in arrays.items():
        if a.primary_only_cases is not None:
            continue
        avail = np.asarray(a.available, dtype=np.bool_)
        qn = add(a.num_key, a.numerator, a.cases_num, avail)
        qd = add(a.den_key, a.denominator, a.cases_den, avail)
        pairs[code] = (qn, qd)
        if code in _SUBSET:
            comp = np.nan_to_num(a.denominator) - np.nan_to_num(a.numerator)
            comp_cases = np.nan_to_num(a.cases_den) - np.nan_to_num(a.cases_num)
            qc = add(f"{a.den_key}-{a.num_key}", comp, comp_cases, avail)
            complements.append((qn, qc, qd))
    for sub, whole in _NESTED:
        if sub in index and whole in index:
            qs, qw = index[sub], index[whole]
            both = active[qs] & active[qw]
            qc = add(f"{whole}-{sub}", values[qw] - values[qs], cases[qw] - cases[qs], both)
            complements.append((qs, qc, qw))
    n_q = len(keys)
    j, r = values[0].shape[:2]
    v = np.stack(values, axis=2).reshape(j * r, n_q * 4)
    c = np.stack(cases, axis=2).reshape(j * r, n_q * 4)
    act = np.stack(active, axis=2).reshape(j * r, n_q * 4)
    cell = np.arange(n_q * 4, dtype=np.int64).reshape(n_q, 4)
    # other sexes are never published; the differences are not either, but a secondary pick
    # prefers to hide a shown subset rather than its difference (a hidden whole with a shown
    # subset and a hidden difference leaks bounds: whole ≥ subset)
    published = np.ones((n_q, 4), dtype=np.bool_)
    published[:, 2] = False
    group_lines = cell  # F + M + other = all, per quantity
    comp_lines = np.array([[cell[qn, g], cell[qc, g], cell[qd, g]] for qn, qc, qd in complements
                           for g in range(4)], dtype=np.int64).reshape(-1, 3)
    implies = np.array([[cell[qd, g], cell[qn, g]] for qn, qd in pairs.values() for g in range(4)],
                       dtype=np.int64).reshape(-1, 2)
    flags = protect(v, [group_lines, comp_lines], cases=c, active=act, published=published.reshape(-1),
                    implies=implies, min_n=rule.min_n, secondary=rule.secondary).reshape(j, r, n_q, 4)
    hidden = flags != SHOWN
    return {code: (hidden[:, :, qn, :], hidden[:, :, qd, :]) for code, (qn, qd) in pairs.items()}


def _round(values: FloatArray, base: int) -> FloatArray:
    return np.floor(values / base + 0.5) * base


@attrs.frozen(eq=False)
class KennzahlenResult(Table):
    """The § 48a Kennzahlen per jobcenter × month × group × code, from additive partial counts.

    Build it with :func:`kennzahlen`; combine partitions with :meth:`merge`; apply
    confidentiality with :func:`~langzeit.indicators.suppress`. As a table, each row is a
    cell with the keys ``jobcenter``, ``month``, ``group``, ``code``, ``numerator``,
    ``denominator``, ``value``, ``ci_low``, ``ci_high``, ``suppressed``, ``available``.

    Args:
        counts: the partial counts (``int64``, jobcenter × component month × F/M/other × component).
        jobcenters: the jobcenter ids of the first axis.
        first_month: the first component month (12 months before the first reference month).
        months: the reference months (first days).
        stichtag: the day of month of S(m); None for the last day.
        data_end: the data's end.
        regime: the K2E3 rule, ``"2019"`` (S(k+1) … S(k+6)) or ``"2011"`` (S(k+12)).
        level: the confidence level of the intervals.
        count_16k: whether ``16k`` counted as activation.
        confidentiality: the rule applied to the cells, or None.
        stock_window: the months of the mean stocks of K2, K2E1, K2E2, K2E4, K3E1:
            ``"previous"`` (default, convention 4: the *Vormonate* S(m−12) … S(m−1)) or
            ``"current"`` (the earlier reading S(m−11) … S(m)).

    Examples:
        >>> from langzeit.spells import SpellTable
        >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
        ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
        >>> r = kennzahlen(s, dt.date(2024, 6, 1))
        >>> len(r.rows()) == len(CODES) * len(GROUPS)
        True
        >>> r.merge(kennzahlen(s, dt.date(2024, 6, 1))).cell("7", dt.date(2024, 6, 1), "K1E2").numerator
        2
    """

    counts: npt.NDArray[np.int64]
    jobcenters: tuple[str, ...]
    first_month: dt.date
    months: tuple[dt.date, ...]
    stichtag: int | None
    data_end: dt.date
    regime: Regime = "2019"
    level: float = 0.95
    count_16k: bool = False
    confidentiality: ConfidentialityRule | None = None
    stock_window: StockWindow = "previous"

    # ---- combining ---------------------------------------------------------------------------
    def merge(self, other: KennzahlenResult) -> KennzahlenResult:
        """The result of both partitions together: partial counts are added per jobcenter.

        Both must cover the same months with the same options; see the module docstring
        for how to partition the data so that the merge is exact.

        Args:
            other: the result of another partition.

        Returns:
            A new result over the union of the jobcenters.

        Raises:
            ValueError: the results differ in months or options.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> empty = kennzahlen(s.select(s.person < 0), dt.date(2024, 6, 1))
            >>> empty.jobcenters, empty.merge(kennzahlen(s, dt.date(2024, 6, 1))).jobcenters
            ((), ('7',))
        """
        def key(r: KennzahlenResult) -> tuple[Any, ...]:
            return (r.first_month, r.months, r.stichtag, r.data_end, r.count_16k, r.stock_window,
                    r.regime, r.counts.shape[1:])

        if key(self) != key(other):
            raise ValidationError("results cover different months or were computed with different options")
        if self.jobcenters == other.jobcenters:  # partitions of persons: usually every jobcenter in each
            return attrs.evolve(self, counts=self.counts + other.counts)
        jobcenters = sorted(set(self.jobcenters) | set(other.jobcenters), key=label_sort_key)
        position = {j: i for i, j in enumerate(jobcenters)}
        counts = np.zeros((len(jobcenters), *self.counts.shape[1:]), dtype=np.int64)
        for result in (self, other):
            # a result names each jobcenter once, so the rows it adds to are distinct: no add.at needed
            counts[np.array([position[j] for j in result.jobcenters], dtype=np.int64)] += result.counts
        return attrs.evolve(self, counts=counts, jobcenters=tuple(jobcenters))

    def with_confidentiality(self, rule: ConfidentialityRule) -> KennzahlenResult:
        """The same result with confidentiality applied to its cells (see :func:`suppress`).

        Lines for secondary suppression are the groups of one jobcenter, month, code and
        part (numerator or denominator): F + M + other sexes = all, where "other" is not
        published but protected like any cell. The mean-of-rates codes (no numerator or
        denominator) are suppressed when any monthly count behind them is below ``min_n``.

        Args:
            rule: the confidentiality rule.

        Returns:
            A new result whose cells carry suppression flags.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> r = kennzahlen(s, dt.date(2024, 6, 1)).with_confidentiality(ConfidentialityRule())
            >>> c = r.cell("7", dt.date(2024, 6, 1), "K1E2")
            >>> c.suppressed, c.numerator, c.value
            (True, None, None)
        """
        return attrs.evolve(self, confidentiality=rule)

    # ---- cells -------------------------------------------------------------------------------
    def _stichtag_days(self, offsets: Sequence[int]) -> npt.NDArray[np.int64]:
        return np.array(
            [
                [date_to_day(stichtag_of(month_of(m) + o, self.stichtag)) for o in offsets]
                for m in self.months
            ],
            dtype=np.int64,
        )

    def _code_arrays(self) -> dict[str, _CodeArrays]:
        j = self.counts.shape[0]
        raw = self.counts.astype(np.float64)
        g4 = np.concatenate([raw, raw.sum(axis=2, keepdims=True)], axis=2)  # F, M, other, all
        ri = np.array([month_of(m) - month_of(self.first_month) for m in self.months], dtype=np.int64)
        end = date_to_day(self.data_end)
        s_m = self._stichtag_days([0, 3, 6, 12])
        avail = np.broadcast_to((s_m[:, 0] <= end)[None, :, None], (j, ri.size, 4))
        avail3 = np.broadcast_to((s_m[:, 1] <= end)[None, :, None], avail.shape)
        avail6 = np.broadcast_to((s_m[:, 2] <= end)[None, :, None], avail.shape)
        avail12 = np.broadcast_to((s_m[:, 3] <= end)[None, :, None], avail.shape)
        cum = np.concatenate([np.zeros((j, 1, 4, len(COMPONENTS))), np.cumsum(g4, axis=1)], axis=1)

        def at(name: str, offset: int = 0) -> FloatArray:
            out: FloatArray = g4[..., _C[name]][:, ri + offset]
            return out

        def window(name: str) -> FloatArray:
            series = cum[..., _C[name]]
            out: FloatArray = series[:, ri + 1] - series[:, ri - 11]
            return out

        shift = 1 if self.stock_window == "previous" else 0

        def mean_stock(name: str) -> FloatArray:
            """Mean of the 12 stocks S(m−12) … S(m−1) (convention 4), or S(m−11) … S(m)."""
            series = cum[..., _C[name]]
            out: FloatArray = (series[:, ri + 1 - shift] - series[:, ri - 11 - shift]) / 12.0
            return out

        def months_of(name: str, shift: int = 0) -> FloatArray:
            out: FloatArray = np.stack([at(name, -i + shift) for i in range(12)], axis=-1)
            return out

        def ratio(num: FloatArray, den: FloatArray) -> FloatArray:
            with np.errstate(divide="ignore", invalid="ignore"):
                out: FloatArray = np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1.0), np.nan)
            return out

        def cell(
            keys: tuple[str, str], num: FloatArray, den: FloatArray, available: Any,
            cases_num: FloatArray | None = None, cases_den: FloatArray | None = None,
        ) -> _CodeArrays:
            available = np.broadcast_to(available, num.shape)
            return _CodeArrays(
                numerator=np.where(available, num, np.nan),
                denominator=np.where(available, den, np.nan),
                value=np.where(available, ratio(num, den), np.nan),
                available=available,
                cases_num=np.where(available, num if cases_num is None else cases_num, 0.0),
                cases_den=np.where(available, den if cases_den is None else cases_den, 0.0),
                num_key=keys[0], den_key=keys[1],
            )

        def mean_of_rates(num_name: str, den_name: str, den_shift: int) -> _CodeArrays:
            nums, dens = months_of(num_name), months_of(den_name, den_shift)
            available = avail & (dens > 0).all(axis=-1)
            with np.errstate(divide="ignore", invalid="ignore"):
                rates = np.where(dens > 0, nums / np.where(dens > 0, dens, 1.0), np.nan)
            value = np.where(available, 100.0 * rates.mean(axis=-1), np.nan)
            nan = np.full(value.shape, np.nan)
            return _CodeArrays(
                numerator=nan, denominator=nan, value=value, available=available,
                cases_num=np.zeros(value.shape), cases_den=np.zeros(value.shape),
                primary_only_cases=np.where(available[..., None], np.concatenate([nums, dens], axis=-1), 0.0),
            )

        elb_mean = mean_stock("STOCK")
        cont = "SVP_CONT_2019" if self.regime == "2019" else "SVP_CONT_2011"
        all_only = avail & (np.arange(4) >= 2)  # K1/K1E1: group "all" (and the unpublished "other")
        return {
            "K1": cell(("llu", "llu-12"), at("LLU_CENTS") / 100.0, at("LLU_CENTS", -12) / 100.0, all_only,
                       at("LLU_N"), at("LLU_N", -12)),
            "K1E1": cell(("luh", "luh-12"), at("LUH_CENTS") / 100.0, at("LUH_CENTS", -12) / 100.0, all_only,
                         at("LUH_N"), at("LUH_N", -12)),
            "K1E2": cell(("stock", "stock-12"), at("STOCK"), at("STOCK", -12), avail),
            "K1E3": mean_of_rates("ENTRIES", "STOCK", 0),
            "K1E4": mean_of_rates("EXITS", "STOCK", -1),
            "K2": cell(("integ", "mean_stock"), window("INTEG"), elb_mean, avail),
            "K2E1": cell(("minijob", "mean_stock"), window("MINIJOB"), elb_mean, avail),
            "K2E2": cell(("pubemp", "mean_stock"), window("PUBEMP"), elb_mean, avail),
            "K2E3": cell(("svp_cont", "svp_integ"), window(cont), window("SVP_INTEG"),
                         avail6 if self.regime == "2019" else avail12),
            "K2E4": cell(("integ_sp", "mean_sp_stock"), window("INTEG_SP"), mean_stock("SP_STOCK"), avail),
            "K3": cell(("lzb", "lzb-12"), at("LZB"), at("LZB", -12), avail),
            "K3E1": cell(("integ_lzb", "mean_lzb"), window("INTEG_LZB"), mean_stock("LZB"), avail),
            "K3E2": cell(("lzb_act", "lzb"), at("LZB_ACT"), at("LZB"), avail),
            "K3E3": mean_of_rates("LZB_ENTRIES", "LZB", 0),
            "K3E4": mean_of_rates("LZB_EXITS", "LZB", -1),
            "bedarfsdeckend": cell(("bedarf", "integ"), window("BEDARF"), window("INTEG"), avail3),
        }

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The cells as numpy columns (one element per cell; nan for null numbers).

        Columns: ``jobcenter`` (index into :attr:`jobcenters`), ``month`` (index into
        :attr:`months`), ``group`` (index into :data:`GROUPS`), ``code`` (index into
        :data:`CODES`), ``numerator``, ``denominator``, ``value``, ``ci_low``, ``ci_high``,
        ``available``, ``suppressed``. Order: jobcenter, month, group, code.

        Returns:
            A dict of equally long arrays.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> a = kennzahlen(s, dt.date(2024, 6, 1)).to_arrays()
            >>> a["value"].shape, int(a["available"].sum())
            ((48,), 32)
        """
        arrays = self._code_arrays()
        j, r = len(self.jobcenters), len(self.months)
        rule = self.confidentiality
        level = self.level
        columns: dict[str, list[npt.NDArray[Any]]] = {
            c: []
            for c in ("numerator", "denominator", "value", "ci_low", "ci_high", "available", "suppressed")
        }
        hidden = _quantity_flags(arrays, rule) if rule is not None and j and r else {}
        for code in CODES:
            a = arrays[code]
            num, den, value = a.numerator.copy(), a.denominator.copy(), a.value.copy()
            suppressed: npt.NDArray[np.bool_] = np.zeros(num.shape, dtype=np.bool_)
            if rule is not None:
                if a.primary_only_cases is not None:
                    small = (a.primary_only_cases > 0) & (a.primary_only_cases < rule.min_n)
                    suppressed = np.asarray(small.any(axis=-1), dtype=np.bool_)
                elif code in hidden:
                    num_flag, den_flag = hidden[code]
                    suppressed = (num_flag | den_flag) & a.available
                    if rule.round_to:
                        num, den = _round(num, rule.round_to), _round(den, rule.round_to)
                # a suppressed cell carries no number at all: no numerator, denominator or value
                num = np.where(suppressed, np.nan, num)
                den = np.where(suppressed, np.nan, den)
                value = np.where(suppressed, np.nan, value)
            low = np.full(value.shape, np.nan)
            high = np.full(value.shape, np.nan)
            show = ~np.isnan(value)
            if code in _GARWOOD and show.any():
                glow, ghigh = garwood_interval(a.numerator[show], level=level)
                low[show] = 100.0 * glow / a.denominator[show]
                high[show] = 100.0 * ghigh / a.denominator[show]
            elif code in _WILSON and show.any():
                wlow, whigh = wilson_interval(a.numerator[show], a.denominator[show], level=level)
                low[show], high[show] = 100.0 * wlow, 100.0 * whigh
            for name, arr in (
                ("numerator", num), ("denominator", den), ("value", value), ("ci_low", low),
                ("ci_high", high), ("available", a.available), ("suppressed", suppressed),
            ):
                columns[name].append(arr[:, :, _OUT_GROUPS])
        # stack to (J, R, 3, codes) and flatten in the documented order
        out: dict[str, npt.NDArray[Any]] = {
            name: np.stack(parts, axis=-1).reshape(-1) for name, parts in columns.items()
        }
        jj, mm, gg, cc = np.meshgrid(
            np.arange(j), np.arange(r), np.arange(len(GROUPS)), np.arange(len(CODES)), indexing="ij"
        )
        out.update(jobcenter=jj.reshape(-1), month=mm.reshape(-1), group=gg.reshape(-1), code=cc.reshape(-1))
        return out

    def cells(self) -> list[KennzahlCell]:
        """Every cell as a :class:`KennzahlCell` (order: jobcenter, month, group, code).

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> kennzahlen(s, dt.date(2024, 6, 1)).cells()[0].code
            'K1'
        """
        return [KennzahlCell(*fields) for fields in self._cell_fields()]

    def _cell_fields(self) -> list[tuple[Any, ...]]:
        """The fields of every cell in :class:`KennzahlCell` order (Python lists, no numpy per cell)."""
        return list(zip(*self._field_columns(), strict=True))

    def _field_columns(self) -> list[list[Any]]:
        """The fields of :meth:`_cell_fields`, column by column (one list per field)."""
        a = self.to_arrays()

        def numbers(values: npt.NDArray[np.float64], as_float: npt.NDArray[np.bool_]) -> list[Any]:
            # counts as int, euros and mean stocks as float, nan as None
            ints = np.where(np.isnan(values), 0, values).astype(np.int64).tolist()
            return [None if v != v else (v if f else i)
                    for v, i, f in zip(values.tolist(), ints, as_float.tolist(), strict=True)]

        def optional(values: npt.NDArray[np.float64]) -> list[float | None]:
            return [None if v != v else v for v in values.tolist()]

        code_index = a["code"]
        euros = np.array([c in _EUROS for c in CODES])[code_index]
        mean_den = np.array([c in _EUROS or c in _MEAN_STOCK_DENOMINATOR for c in CODES])[code_index]
        return [
            [self.jobcenters[j] for j in a["jobcenter"].tolist()],
            [self.months[m] for m in a["month"].tolist()],
            [GROUPS[g] for g in a["group"].tolist()],
            [CODES[c] for c in code_index.tolist()],
            numbers(a["numerator"], euros),
            numbers(a["denominator"], mean_den),
            optional(a["value"]), optional(a["ci_low"]), optional(a["ci_high"]),
            a["available"].tolist(), a["suppressed"].tolist(),
        ]

    def cell(self, jobcenter: str, month: dt.date, code: str, group: str = "all") -> KennzahlCell:
        """One cell.

        Args:
            jobcenter: the jobcenter id.
            month: any day of the reference month.
            code: the code, e.g. ``"K2"``.
            group: ``"all"`` (default), ``"F"`` or ``"M"``.

        Returns:
            The cell.

        Raises:
            UnknownNameError: an unknown jobcenter, month, code or group.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> kennzahlen(s, dt.date(2024, 6, 1)).cell("7", dt.date(2024, 6, 15), "K2").value
            0.0
        """
        for kind, name, known in (
            ("jobcenter", jobcenter, self.jobcenters), ("code", code, CODES), ("group", group, GROUPS),
            ("month", _first_of_month(month), self.months),
        ):
            if name not in known:
                raise UnknownNameError(kind, str(name), [str(k) for k in known])
        ji, mi = self.jobcenters.index(jobcenter), self.months.index(_first_of_month(month))
        sub = attrs.evolve(
            self, counts=self.counts[ji : ji + 1], jobcenters=(jobcenter,), months=(self.months[mi],)
        )
        local = GROUPS.index(group) * len(CODES) + CODES.index(code)
        return sub.cells()[local]

    def columns(self) -> tuple[str, ...]:
        """The keys of a cell row (also the CLI's JSON keys)."""
        return (
            "jobcenter", "month", "group", "code", "name", "numerator", "denominator", "value", "change",
            "ci_low", "ci_high", "suppressed", "available",
        )

    def rows(self) -> list[dict[str, Any]]:
        """Every cell as a flat dict (see :meth:`columns`); ``month`` is the month's first day."""
        columns = self.row_columns()
        keys = list(columns)
        return [dict(zip(keys, values, strict=True)) for values in zip(*columns.values(), strict=True)]

    def row_columns(self) -> dict[str, list[Any]]:
        """The values of :meth:`rows` column by column: one list per key of :meth:`columns`.

        No dict per cell (a national result has hundreds of thousands of cells): for
        writers that go column by column (the CLI's JSON).

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> result = kennzahlen(s, dt.date(2024, 6, 1))
            >>> columns = result.row_columns()
            >>> tuple(columns) == result.columns(), columns["code"][:2], len(columns["code"])
            (True, ['K1', 'K1E1'], 48)
        """
        jc, month, group, code, num, den, value, low, high, available, suppressed = self._field_columns()
        return {
            "jobcenter": jc, "month": month, "group": group, "code": code,
            "name": [NAMES.get(c, c) for c in code], "numerator": num, "denominator": den, "value": value,
            "change": [_change(c, v) for c, v in zip(code, value, strict=True)],
            "ci_low": low, "ci_high": high, "suppressed": suppressed, "available": available,
        }

    def monthly(self) -> MonthlyCounts:
        """The monthly partial counts behind the cells (stock, entries, exits, LZB, Integrationen …).

        One row per jobcenter, component month (the 12 months before the first reference
        month up to the last one) and group. Raw counts: apply confidentiality before
        publishing them (e.g. with a :class:`~langzeit.indicators.CountTable`).

        Returns:
            The monthly counts.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> s = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-03-10",
            ...                               "jobcenter": "7"}], data_end=dt.date(2024, 12, 31))
            >>> m = kennzahlen(s, dt.date(2024, 6, 1)).monthly()
            >>> m.get("7", dt.date(2024, 3, 1), "entries"), m.get("7", dt.date(2024, 6, 1), "stock")
            (1, 1)
        """
        return MonthlyCounts(
            counts=self.counts, jobcenters=self.jobcenters, first_month=self.first_month,
            stichtag=self.stichtag, data_end=self.data_end,
        )

    _title = "Kennzahlen nach § 48a SGB II"


# public names of the monthly components, and how many months of follow-up each needs
_MONTHLY = {
    "STOCK": ("stock", 0), "SP_STOCK": ("single_parent_stock", 0), "LZB": ("lzb", 0),
    "LZB_ACT": ("lzb_activated", 0), "ENTRIES": ("entries", 0), "EXITS": ("exits", 0),
    "LZB_ENTRIES": ("lzb_entries", 0), "LZB_EXITS": ("lzb_exits", 0), "INTEG": ("integrationen", 0),
    "INTEG_SP": ("integrationen_single_parent", 0), "INTEG_LZB": ("integrationen_lzb", 0),
    "MINIJOB": ("minijob_starts", 0), "PUBEMP": ("public_employment_starts", 0),
    "SVP_INTEG": ("svp_integrationen", 0), "SVP_CONT_2019": ("svp_continuous_2019", 6),
    "SVP_CONT_2011": ("svp_continuous_2011", 12), "BEDARF": ("bedarfsdeckend", 3),
    "LLU_CENTS": ("llu_euros", 0), "LLU_N": ("llu_persons", 0), "LUH_CENTS": ("luh_euros", 0),
    "LUH_N": ("luh_persons", 0),
}
_AMOUNTS = frozenset({"LLU_CENTS", "LLU_N", "LUH_CENTS", "LUH_N"})  # reported for "all" only (conv. 8)
_NEEDS_PREVIOUS = frozenset(
    {"ENTRIES", "EXITS", "LZB_ENTRIES", "LZB_EXITS", "INTEG", "INTEG_SP", "INTEG_LZB", "MINIJOB", "PUBEMP",
     "SVP_INTEG", "SVP_CONT_2019", "SVP_CONT_2011", "BEDARF"}
)


@attrs.frozen(eq=False)
class MonthlyCounts(Table):
    """Monthly partial counts per jobcenter, month and group (see :meth:`KennzahlenResult.monthly`).

    Components: ``stock`` (ELB at S(k)), ``single_parent_stock``, ``lzb``, ``lzb_activated``,
    ``entries``, ``exits``, ``lzb_entries``, ``lzb_exits`` (convention 2), ``integrationen``
    (of month k), ``integrationen_single_parent``, ``integrationen_lzb``, ``minijob_starts``,
    ``public_employment_starts``, ``svp_integrationen``, ``svp_continuous_2019``,
    ``svp_continuous_2011``, ``bedarfsdeckend``, ``llu_euros``, ``llu_persons``,
    ``luh_euros``, ``luh_persons`` (amounts of the jobcenter's rows, ``all`` only). A count
    is None where the data do not reach a Stichtag it needs (and for the flows of the first
    month, which need the month before), and for the amounts of ``F``/``M``.

    Args:
        counts: the partial counts of a :class:`KennzahlenResult`.
        jobcenters: the jobcenter ids.
        first_month: the first month (first day).
        stichtag: the day of month of S(m), None for the last day.
        data_end: the data's end.

    Examples:
        >>> MonthlyCounts(np.zeros((0, 1, 3, len(COMPONENTS)), dtype=np.int64), (), dt.date(2024, 1, 1),
        ...               None, dt.date(2024, 12, 31)).rows()
        []
    """

    counts: npt.NDArray[np.int64]
    jobcenters: tuple[str, ...]
    first_month: dt.date
    stichtag: int | None
    data_end: dt.date

    @property
    def months(self) -> tuple[dt.date, ...]:
        """The months covered (first days)."""
        first = month_of(self.first_month)
        return tuple(month_first(first + i) for i in range(self.counts.shape[1]))

    def _known(self, k: int, component: str) -> bool:
        if component in _NEEDS_PREVIOUS and k == 0:
            return False
        follow = _MONTHLY[component][1]
        day = stichtag_of(month_of(self.first_month) + k + follow, self.stichtag)
        return day <= self.data_end

    def get(self, jobcenter: str, month: dt.date, component: str, group: str = "all") -> int | float | None:
        """One count.

        Args:
            jobcenter: the jobcenter id.
            month: any day of the month.
            component: a component name, e.g. ``"entries"``.
            group: ``"all"``, ``"F"`` or ``"M"``.

        Returns:
            The count (euros for ``llu_euros``/``luh_euros``), or None when not known.

        Raises:
            UnknownNameError: an unknown jobcenter, month, component or group.

        Examples:
            >>> m = MonthlyCounts(np.zeros((1, 1, 3, len(COMPONENTS)), dtype=np.int64), ("1",),
            ...                   dt.date(2024, 1, 1), None, dt.date(2024, 12, 31))
            >>> m.get("1", dt.date(2024, 1, 9), "stock"), m.get("1", dt.date(2024, 1, 1), "entries")
            (0, None)
        """
        names = {public: raw for raw, (public, _) in _MONTHLY.items()}
        month = _first_of_month(month)
        for kind, name, known in (
            ("jobcenter", jobcenter, self.jobcenters), ("month", month, self.months),
            ("component", component, tuple(names)), ("group", group, GROUPS),
        ):
            if name not in known:
                raise UnknownNameError(kind, str(name), [str(k) for k in known])
        raw, k = names[component], self.months.index(month)
        if not self._known(k, raw) or (group != "all" and raw in _AMOUNTS):
            return None
        values = self.counts[self.jobcenters.index(jobcenter), k, :, _C[raw]]
        value = int(values.sum()) if group == "all" else int(values[GROUPS.index(group) - 1])
        return value / 100.0 if raw.endswith("_CENTS") else value

    def columns(self) -> tuple[str, ...]:
        """``jobcenter``, ``month``, ``group`` and one column per component."""
        return ("jobcenter", "month", "group", *(public for public, _ in _MONTHLY.values()))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per jobcenter, month and group."""
        out = []
        for j, jc in enumerate(self.jobcenters):
            for k, month in enumerate(self.months):
                for g, group in enumerate(GROUPS):
                    row: dict[str, Any] = {"jobcenter": jc, "month": month, "group": group}
                    for raw, (public, _) in _MONTHLY.items():
                        if not self._known(k, raw) or (g != 0 and raw in _AMOUNTS):
                            row[public] = None
                            continue
                        values = self.counts[j, k, :, _C[raw]]
                        value = int(values.sum()) if g == 0 else int(values[g - 1])
                        row[public] = value / 100.0 if raw.endswith("_CENTS") else value
                    out.append(row)
        return out

    _title = "Monthly partial counts (§ 48a)"


def kennzahlen(
    spells: SpellTable,
    months: dt.date | Sequence[dt.date],
    *,
    stichtag: int | None = None,
    data_end: dt.date | None = None,
    jobcenters: Sequence[str] | None = None,
    regime: Regime = "2019",
    count_16k: bool = False,
    level: float = 0.95,
    stock_window: StockWindow = "previous",
    catalogue: InstrumentCatalogue | None = None,
) -> KennzahlenResult:
    """The § 48a Kennzahlen (K1–K3 with sub-indicators) for the given reference months.

    Args:
        spells: the administrative spells (DOMAIN.md § 2).
        months: one reference month or several (any day of the month).
        stichtag: the day of the month of the Stichtag S(m); None (default) for the last day.
        data_end: the data's end (default: the table's, i.e. the latest date in the file);
            open spells run to it and cells needing a later Stichtag are not available.
        jobcenters: compute the cells of these jobcenters only (default: every jobcenter on
            an ``elb``, ``llu`` or ``luh`` row); persons are still followed through all jobcenters.
        regime: the K2E3 continuity rule, ``"2019"`` (default) or ``"2011"``.
        count_16k: count instrument ``16k`` as activation (K3E2); default False.
        level: the confidence level of the intervals (default 0.95).
        stock_window: the mean stocks of K2, K2E1, K2E2, K2E4 and K3E1 over the *Vormonate*
            S(m−12) … S(m−1) (``"previous"``, default, convention 4, as the BA publishes K2)
            or over S(m−11) … S(m) (``"current"``, the earlier reading).
        catalogue: the instrument catalogue that classes activation (default: the shipped
            one, :func:`~langzeit.spells.default_catalogue`).

    Returns:
        The result (apply :func:`~langzeit.indicators.suppress` before publishing).

    Raises:
        UnknownNameError: a jobcenter in ``jobcenters`` has no ``elb``, ``llu`` or ``luh`` row.
        ValueError: no months, a bad ``regime``, ``stock_window``, ``stichtag`` or ``level``.
        ValidationError: an instrument code of the table is not in the catalogue.

    Examples:
        >>> from langzeit.spells import SpellTable
        >>> s = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2024-01-01", "jobcenter": "JC1"},
        ...     {"person_id": "a", "kind": "svp", "start": "2024-03-10"},
        ... ], data_end=dt.date(2025, 3, 31))
        >>> c = kennzahlen(s, dt.date(2024, 12, 1)).cell("JC1", dt.date(2024, 12, 1), "K2")
        >>> c.numerator, round(c.denominator, 4), c.name  # stocks S(Dec 2023) … S(Nov 2024): 11 of 12
        (1, 0.9167, 'Integrationsquote')
        >>> kennzahlen(s, dt.date(2024, 12, 1), stock_window="current").cell(
        ...     "JC1", dt.date(2024, 12, 1), "K2").denominator
        1.0
    """
    month_list = [months] if isinstance(months, dt.date) else list(months)
    if not month_list:
        raise ValidationError("give at least one reference month")
    if regime not in ("2019", "2011"):
        raise ValidationError(f"regime must be '2019' or '2011', got {regime!r}")
    if stock_window not in ("previous", "current"):
        raise ValidationError(f"stock_window must be 'previous' or 'current', got {stock_window!r}")
    if stichtag is not None and not 1 <= stichtag <= 31:
        raise ValidationError(f"stichtag must be a day of the month (1-31) or None, got {stichtag!r}")
    if not 0.0 < level < 1.0:
        raise ValidationError(f"level must lie strictly between 0 and 1, got {level!r}")
    refs = sorted({_first_of_month(m) for m in month_list})
    reported = reported_jobcenters(spells)
    elb_labels = {spells.jobcenter_labels[int(c)] for c in reported}
    if jobcenters is not None:
        for j in jobcenters:
            if j not in elb_labels:
                raise UnknownNameError("jobcenter", j, sorted(elb_labels, key=label_sort_key))
    end = data_end if data_end is not None else spells.data_end_date
    counts: Counts = compute_counts(
        spells, [month_of(m) for m in refs], stichtag=stichtag, data_end=date_to_day(end),
        jobcenters=jobcenters, count_16k=count_16k, catalogue=catalogue, reported=reported,
    )
    return KennzahlenResult(
        counts=counts.counts,
        jobcenters=counts.jobcenters,
        first_month=month_first(counts.first_month),
        months=tuple(refs),
        stichtag=stichtag,
        data_end=end,
        regime=regime,
        level=level,
        count_16k=count_16k,
        stock_window=stock_window,
    )

