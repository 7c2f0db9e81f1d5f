"""Evaluation layer: the facts of the § 16e/§ 16i target-group rules, read from administrative spells.

:func:`eligibility_facts` (one person) and :func:`eligibility_facts_table` (many, columnar)
compute the :class:`~langzeit.domain.EligibilityFacts` that
:func:`langzeit.domain.eligibility` checks, from the spells of DOMAIN.md § 2:

- ``benefit_days``: days covered by an ``elb`` spell in the seven years before the day
  (``[day − 7 years, day − 1]``, the day excluded), overlaps counted once (the ELB coverage
  of :class:`~langzeit.evaluation.SpellIndex`, the same union as the LZB rule).
- ``employment_days``: days covered by :data:`EMPLOYMENT_KINDS` in the same window.
  § 16i Abs. 3 Satz 1 Nr. 3 SGB II names "sozialversicherungspflichtig beschäftigt,
  geringfügig beschäftigt oder selbständig tätig": ``svp``, ``minijob`` and
  ``self_employment``; and ``apprenticeship``, because betriebliche Berufsausbildung is
  sozialversicherungspflichtige Beschäftigung (§ 7 Abs. 2 SGB IV). Not counted:
  ``public_employment`` (an AGH is no Arbeitsverhältnis, § 16d Abs. 7 SGB II; earlier § 16i
  support is Nr. 4's subject, not Nr. 3's) and ``measure``.
- ``minor_child``: True when the deciding ``elb`` spell of the day before (convention 1)
  is a single parent's household (``single_parent`` = 1: minor children live there);
  otherwise None — a 0 says only that the household is not a single parent's.
- ``unemployed_since`` / ``unemployed``: only when unemployment periods are given
  (:class:`~langzeit.evaluation.UnemploymentSpells`; the spell format has no unemployment
  kind, DOMAIN.md § 3): the start of the unemployment that covers the day before, bridged as
  for LZA (:meth:`~langzeit.evaluation.UnemploymentSpells.unemployed_since`); without them
  None, and the § 16e rule ends up in ``assumed``.

Nothing is guessed: when the day before lies beyond the data's end every fact is None,
and with ``data_start`` a window that begins before the data do leaves its counts None.
``severely_disabled`` is never in spells: add it from the case file (``attrs.evolve``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import IntArray
from langzeit._calendar import add_months
from langzeit.domain import EligibilityFacts
from langzeit.evaluation._index import EMPLOYMENT_KINDS, SpellIndex
from langzeit.evaluation._status import NO_DAY, UnemploymentSpells
from langzeit.exceptions import Problem, ValidationError
from langzeit.spells import SpellTable, date_to_day, day_to_date
from langzeit.tabular import Table

__all__ = ["EMPLOYMENT_KINDS", "EligibilityFactsTable", "eligibility_facts", "eligibility_facts_table"]

WINDOW_MONTHS = 84
"""The seven years of § 16i Abs. 3 Nr. 2 and 3, as months (``day − 84 months`` = ``day − 7 years``)."""

_UNKNOWN = -1


@attrs.frozen(eq=False)
class EligibilityFactsTable(Table):
    """The eligibility facts of many (person, day) pairs, as columns (one row per pair).

    Unknown values are ``-1`` (counts, flags) or :data:`~langzeit.evaluation._status.NO_DAY`
    (days); :meth:`facts` and :meth:`rows` decode them to None.

    Args:
        person_ids: the persons asked for, in order.
        day: the day of each row (day number): the first day of the support.
        benefit_days: days in benefit in the seven years before the day, ``-1`` unknown.
        employment_days: days of employment (:data:`EMPLOYMENT_KINDS`) in those years, ``-1`` unknown.
        unemployed: ``1`` unemployed on the day before, ``0`` not, ``-1`` unknown.
        unemployed_since: first day of that unemployment, NO_DAY when not unemployed or unknown.
        minor_child: ``1`` a minor child in the household, ``-1`` unknown.

    Examples:
        >>> t = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2020-01-01",
        ...                               "end": "", "jobcenter": "J"}], data_end=dt.date(2024, 12, 31))
        >>> ft = eligibility_facts_table(t, ["a", "a"], [dt.date(2024, 1, 1), dt.date(2025, 3, 1)])
        >>> ft.benefit_days.tolist(), ft.facts(1).benefit_days is None
        ([1461, -1], True)
    """

    _title = "eligibility facts"

    person_ids: tuple[str, ...]
    day: IntArray
    benefit_days: IntArray
    employment_days: IntArray
    unemployed: npt.NDArray[np.int8]
    unemployed_since: IntArray
    minor_child: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.person_ids)

    def facts(self, i: int) -> EligibilityFacts:
        """Row ``i`` as :class:`~langzeit.domain.EligibilityFacts` (unknown values None).

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}],
            ...                             data_end=dt.date(2024, 6, 30))
            >>> eligibility_facts_table(t, ["a"], [dt.date(2024, 3, 1)]).facts(0).employment_days
            60
            >>> eligibility_facts_table(t, ["a"], [dt.date(2024, 9, 1)]).facts(0).employment_days is None
            True
        """
        def count(col: IntArray) -> int | None:
            v = int(col[i])
            return None if v < 0 else v

        unemployed = int(self.unemployed[i])
        since = int(self.unemployed_since[i])
        return EligibilityFacts(
            benefit_days=count(self.benefit_days), employment_days=count(self.employment_days),
            unemployed_since=None if since == NO_DAY else day_to_date(since),
            minor_child=True if self.minor_child[i] == 1 else None,
            unemployed=None if unemployed < 0 else bool(unemployed))

    def by_person(self) -> dict[str, EligibilityFacts]:
        """Facts keyed by person id (the engine's ``eligibility_facts=`` mapping); a later row wins.

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
            >>> list(eligibility_facts_table(t, ["a"], [dt.date(2024, 3, 1)]).by_person())
            ['a']
        """
        return {pid: self.facts(i) for i, pid in enumerate(self.person_ids)}

    def columns(self) -> tuple[str, ...]:
        """The column names of :meth:`rows`."""
        return ("person_id", "date", "benefit_days", "employment_days", "unemployed", "unemployed_since",
                "minor_child")

    def rows(self) -> list[dict[str, Any]]:
        """One row per (person, day), unknown values None."""
        out = []
        for i, pid in enumerate(self.person_ids):
            f = self.facts(i)
            out.append({"person_id": pid, "date": day_to_date(int(self.day[i])),
                        "benefit_days": f.benefit_days, "employment_days": f.employment_days,
                        "unemployed": f.unemployed, "unemployed_since": f.unemployed_since,
                        "minor_child": f.minor_child})
        return out


def _as_days(days: Sequence[dt.date] | npt.ArrayLike) -> IntArray:
    if isinstance(days, np.ndarray) and days.dtype.kind in "iu":
        return days.astype(np.int64)
    return np.array([date_to_day(d) for d in days], dtype=np.int64)  # type: ignore[union-attr,arg-type]


def eligibility_facts_table(
    spells: SpellTable | SpellIndex,
    person_ids: Sequence[Any],
    days: Sequence[dt.date] | npt.ArrayLike,
    *,
    unemployment: UnemploymentSpells | None = None,
    data_start: dt.date | None = None,
) -> EligibilityFactsTable:
    """The eligibility facts of each (person, day) pair, computed in a few vectorised passes.

    See the module text for the definitions. A person id the spell table does not hold
    gets no facts at all (every value unknown): a failed linkage is not "no benefit receipt".

    Args:
        spells: the spell table, or its :class:`~langzeit.evaluation.SpellIndex` (built once
            when asking many times).
        person_ids: the spell table's ``person_id`` of each row (compared as text).
        days: the first day of the support, per row (dates, or day numbers as an integer array).
        unemployment: optional unemployment periods (for ``unemployed_since``).
        data_start: the first day the spells cover (None: the data hold the whole history);
            a seven-year window that begins before it leaves its counts unknown, an
            unemployment reaching back to it an unknown start.

    Returns:
        The table, in the order asked.

    Raises:
        ValidationError: ``person_ids`` and ``days`` differ in length.

    Examples:
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2017-01-01", "end": "", "jobcenter": "J"},
        ...     {"person_id": "a", "kind": "minijob", "start": "2023-01-01", "end": "2023-03-31"}],
        ...     data_end=dt.date(2024, 6, 30))
        >>> f = eligibility_facts_table(t, ["a"], [dt.date(2024, 1, 1)]).facts(0)
        >>> f.benefit_days, f.employment_days, f.unemployed_since
        (2556, 90, None)
    """
    index = spells if isinstance(spells, SpellIndex) else SpellIndex(spells)
    table = index.spells
    ids = tuple(str(p) for p in person_ids)
    day = _as_days(days)
    if day.shape != (len(ids),):
        raise ValidationError("eligibility facts: one day per person", [Problem(
            "days", f"{day.size} days for {len(ids)} persons")])
    person = index.person_index(ids)
    found = person >= 0
    p = np.maximum(person, 0)
    last = day - 1
    first = add_months(day, -WINDOW_MONTHS)
    known = found & (last <= table.data_end)
    start = None if data_start is None else date_to_day(data_start)
    window_known = known if start is None else known & (first >= start)
    benefit = index.elb.days_covered(p, first, last)
    employment = index.employment.days_covered(p, first, last)
    _, _, single = index.attributes(p, last)
    minor = np.where(known & single, 1, _UNKNOWN).astype(np.int8)
    unemployed = np.full(len(ids), _UNKNOWN, dtype=np.int8)
    since = np.full(len(ids), NO_DAY, dtype=np.int64)
    if unemployment is not None:
        begun = unemployment.unemployed_since(table, p, last)
        is_unemployed = begun != NO_DAY
        unemployed[known] = is_unemployed[known]
        cut = is_unemployed & (begun <= start) if start is not None else np.zeros(len(ids), np.bool_)
        since = np.where(known & is_unemployed & ~cut, begun, NO_DAY)
    return EligibilityFactsTable(
        ids, day, np.where(window_known, benefit, _UNKNOWN).astype(np.int64),
        np.where(window_known, employment, _UNKNOWN).astype(np.int64), unemployed, since, minor)


def eligibility_facts(
    spells: SpellTable | SpellIndex,
    person_id: Any,
    day: dt.date,
    *,
    unemployment: UnemploymentSpells | None = None,
    data_start: dt.date | None = None,
    birth_month: dt.date | str | None = None,
) -> EligibilityFacts:
    """The eligibility facts of one person for a support starting on ``day`` (one row of the table).

    Args:
        spells: the spell table, or its :class:`~langzeit.evaluation.SpellIndex`.
        person_id: the spell table's ``person_id``.
        day: the first day of the support.
        unemployment: optional unemployment periods (for ``unemployed_since``, § 16e).
        data_start: the first day the spells cover (see :func:`eligibility_facts_table`).
        birth_month: the person's birth month if known (spells carry none), for the § 16i age.

    Returns:
        The facts, unknown ones None.

    Examples:
        >>> from langzeit.domain import Participant, eligibility
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2019-01-01", "end": "", "jobcenter": "J"}],
        ...     data_end=dt.date(2024, 12, 31))
        >>> f = eligibility_facts(t, "a", dt.date(2024, 7, 1), birth_month="1970-01")
        >>> f.benefit_days
        2008
        >>> r = eligibility("16i", Participant("a"), dt.date(2024, 7, 1), f)
        >>> [x.guard for x in r.failures]
        ['16i_benefit']
    """
    row = eligibility_facts_table(spells, [person_id], [day], unemployment=unemployment,
                                  data_start=data_start).facts(0)
    return row if birth_month is None else attrs.evolve(row, birth_month=birth_month)

