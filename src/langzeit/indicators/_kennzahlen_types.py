"""Indicator layer: the § 48a comparison by Vergleichstyp (§ 2 Abs. 3 VO) — sums per type and ranks within it.

The Verordnung compares each jobcenter with the jobcenters of its *Vergleichstyp* (a
type of similar labour-market conditions). :func:`by_comparison_type` adds up the
additive partial counts of the jobcenters of each type — so every Kennzahl of a type is
its summed numerator over its summed denominator (and the mean of its summed monthly
rates for K1E3, K1E4, K3E3, K3E4), never a mean of the jobcenters' rates.
:func:`comparison_ranks` ranks each jobcenter within its type per month, group and code:
rank 1 is the best by the code's direction (:data:`BETTER`); codes that describe context
(K2E1, K2E2) get no rank; cells without a value — not available, or suppressed by the
result's confidentiality — get no rank and do not count as ranked.

Examples:
    >>> import datetime as dt
    >>> from langzeit.spells import SpellTable
    >>> from langzeit.indicators import kennzahlen
    >>> rows = [{"person_id": f"p{i}", "kind": "elb", "start": "2022-01-01", "jobcenter": jc}
    ...         for i, jc in enumerate(["1"] * 4 + ["2"] * 6)]
    >>> r = kennzahlen(SpellTable.from_records(rows, data_end=dt.date(2024, 12, 31)), dt.date(2024, 6, 1))
    >>> by_comparison_type(r, {"1": "IIa", "2": "IIa"}).cell("IIa", dt.date(2024, 6, 1), "K1E2").numerator
    10
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.indicators._kennzahlen import CODES, GROUPS, NAMES, KennzahlenResult
from langzeit.spells import label_sort_key
from langzeit.tabular import Table

__all__ = ["BETTER", "ComparisonRanks", "by_comparison_type", "comparison_ranks"]

BETTER: dict[str, str | None] = {
    "K1": "lower", "K1E1": "lower", "K1E2": "lower", "K1E3": "lower", "K1E4": "higher",
    "K2": "higher", "K2E1": None, "K2E2": None, "K2E3": "higher", "K2E4": "higher",
    "K3": "lower", "K3E1": "higher", "K3E2": "higher", "K3E3": "lower", "K3E4": "higher",
    "bedarfsdeckend": "higher",
}
"""Which direction is better per code (DOMAIN.md § 3); None: context, not ranked."""


def _check(result: KennzahlenResult, groups: Mapping[str, str]) -> None:
    missing = [j for j in result.jobcenters if not str(groups.get(j, "")).strip()]
    if missing:
        raise ValidationError(
            "every jobcenter needs a Vergleichstyp",
            [Problem(f"jobcenter {j!r}", "not in the Vergleichstypen") for j in missing],
        )


def by_comparison_type(result: KennzahlenResult, groups: Mapping[str, str]) -> KennzahlenResult:
    """The Kennzahlen per Vergleichstyp, from the summed partial counts of its jobcenters.

    Args:
        result: the Kennzahlen per jobcenter (confidentiality, if set, is kept and
            applied to the type cells).
        groups: jobcenter id → Vergleichstyp (entries for other jobcenters are ignored).

    Returns:
        A result whose "jobcenters" are the Vergleichstypen (sorted).

    Raises:
        ValidationError: a jobcenter of ``result`` has no Vergleichstyp (all listed).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> from langzeit.indicators import kennzahlen
        >>> rows = [{"person_id": "a", "kind": "elb", "start": "2022-01-01", "jobcenter": "1"},
        ...         {"person_id": "b", "kind": "elb", "start": "2024-03-01", "jobcenter": "2"}]
        >>> r = kennzahlen(SpellTable.from_records(rows, data_end=dt.date(2024, 12, 31)), dt.date(2024, 6, 1))
        >>> t = by_comparison_type(r, {"1": "I", "2": "I"})
        >>> c = t.cell("I", dt.date(2024, 6, 1), "K1E2")
        >>> c.numerator, c.denominator, c.value  # (1 + 1) / (1 + 0), not the mean of 100 % and n/a
        (2, 1, 200.0)
    """
    _check(result, groups)
    types = sorted({str(groups[j]) for j in result.jobcenters}, key=label_sort_key)
    position = {t: i for i, t in enumerate(types)}
    index = np.array([position[str(groups[j])] for j in result.jobcenters], dtype=np.int64)
    counts = np.zeros((len(types), *result.counts.shape[1:]), dtype=np.int64)
    if index.size:
        np.add.at(counts, index, result.counts)
    return attrs.evolve(result, counts=counts, jobcenters=tuple(types))


@attrs.frozen(eq=False)
class ComparisonRanks(Table):
    """Each jobcenter's rank within its Vergleichstyp, per month, group and code.

    Rows: ``jobcenter``, ``vergleichstyp``, ``month``, ``group``, ``code``, ``name``,
    ``value``, ``rank`` (1 = best; None when not ranked), ``ranked`` (how many jobcenters
    of the type have a value for that cell).

    Args:
        records: the rows, as built by :func:`comparison_ranks`.

    Examples:
        >>> ComparisonRanks(()).rows()
        []
    """

    records: tuple[dict[str, Any], ...]

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("jobcenter", "vergleichstyp", "month", "group", "code", "name", "value", "rank", "ranked")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per jobcenter, month, group and code."""
        return [dict(r) for r in self.records]

    def get(self, jobcenter: str, month: dt.date, code: str, group: str = "all") -> dict[str, Any]:
        """The row of one cell.

        Raises:
            UnknownNameError: (a KeyError) no such cell.

        Examples:
            >>> ComparisonRanks(({"jobcenter": "1", "month": dt.date(2024, 6, 1), "group": "all",
            ...                   "code": "K2", "rank": 1},)).get("1", dt.date(2024, 6, 9), "K2")["rank"]
            1
        """
        month = month.replace(day=1)
        for r in self.records:
            if (r["jobcenter"], r["month"], r["group"], r["code"]) == (jobcenter, month, group, code):
                return dict(r)
        raise UnknownNameError("cell", repr((jobcenter, month, code, group)))

    _title = "Rang im Vergleichstyp (§ 48a SGB II)"


def comparison_ranks(result: KennzahlenResult, groups: Mapping[str, str]) -> ComparisonRanks:
    """Rank every jobcenter within its Vergleichstyp (§ 2 Abs. 3 VO), cell by cell.

    Rank 1 is the best value by :data:`BETTER` (ties share the better rank: 1, 2, 2, 4);
    only cells with a value are ranked, so suppressed cells (when ``result`` carries a
    confidentiality rule) get no rank and reveal nothing.

    Args:
        result: the Kennzahlen per jobcenter (apply confidentiality first for publishing).
        groups: jobcenter id → Vergleichstyp.

    Returns:
        The ranks.

    Raises:
        ValidationError: a jobcenter of ``result`` has no Vergleichstyp.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> from langzeit.indicators import kennzahlen
        >>> rows = [{"person_id": f"p{i}", "kind": "elb", "jobcenter": "1" if i < 5 else "2",
        ...          "start": "2024-01-01" if i in (0, 5) else "2021-01-01"} for i in range(10)]
        >>> r = kennzahlen(SpellTable.from_records(rows, data_end=dt.date(2024, 12, 31)), dt.date(2024, 6, 1))
        >>> ranks = comparison_ranks(r, {"1": "I", "2": "I"})
        >>> [(j, ranks.get(j, dt.date(2024, 6, 1), "K1E2")["rank"]) for j in ("1", "2")]  # 5/4 vs 5/4
        [('1', 1), ('2', 1)]
    """
    _check(result, groups)
    cells = result.cells()
    by_key: dict[tuple[str, dt.date, str, str], list[tuple[str, float]]] = {}
    for c in cells:
        if c.value is not None and not c.suppressed and BETTER.get(c.code):
            by_key.setdefault((str(groups[c.jobcenter]), c.month, c.group, c.code), []).append(
                (c.jobcenter, c.value))
    records: list[dict[str, Any]] = []
    for c in cells:
        t = str(groups[c.jobcenter])
        peers = by_key.get((t, c.month, c.group, c.code), [])
        rank = None
        if c.value is not None and not c.suppressed and BETTER.get(c.code):
            sign = -1.0 if BETTER[c.code] == "higher" else 1.0
            rank = 1 + sum(1 for _, v in peers if sign * v < sign * c.value)
        records.append({
            "jobcenter": c.jobcenter, "vergleichstyp": t, "month": c.month, "group": c.group, "code": c.code,
            "name": NAMES[c.code], "value": None if rank is None else c.value, "rank": rank,
            "ranked": len(peers),
        })
    order = {code: i for i, code in enumerate(CODES)}
    records.sort(key=lambda r: (label_sort_key(r["vergleichstyp"]), label_sort_key(r["jobcenter"]),
                                r["month"], GROUPS.index(r["group"]), order[r["code"]]))
    return ComparisonRanks(tuple(records))
