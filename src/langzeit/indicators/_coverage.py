"""Indicator layer: per-person spell coverage at arbitrary (person, day) pairs, and the LZB rule there.

The § 48a calculators (``_kennzahlen_counts``) evaluate the ELB stock and the LZB status
for *every* person at a few Stichtage. Programme evaluation needs the same facts for
*each participant on their own date* (referral, admission, exit, months after them).
:class:`SpellCoverage` answers such queries for whole arrays of (person, day) pairs with
binary search over the union of each person's spells — built with the same interval
union (``_union_intervals``) and the same LZB constants as the Kennzahlen (both defined here;
``_kennzahlen_counts`` imports them), so there is
one definition of "covered" and of "long-term recipient":

**LZB on day d** (DOMAIN.md § 3, BA glossary "Langzeitleistungsbezieher"): the person
has an ``elb`` spell covering ``d`` and the union of all its ``elb`` spells covers at
least 638 days of ``[d − 729, d]``.

Spells are clipped at the data's end (open spells run to it; spells starting after it
are ignored), so no query is answered beyond what the data show.

Examples:
    >>> import datetime as dt
    >>> from langzeit.spells import SpellTable, date_to_day
    >>> t = SpellTable.from_records(
    ...     [{"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
    ...     data_end=dt.date(2024, 12, 31))
    >>> days = [date_to_day(dt.date(2023, 9, 29)), date_to_day(dt.date(2023, 9, 30))]
    >>> long_term_recipient(t, [0, 0], days).tolist()
    [False, True]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import BoolArray, IntArray
from langzeit.spells import SpellKind, SpellTable

__all__ = ["SpellCoverage", "long_term_recipient", "long_term_recipients_on"]


LZB_WINDOW = 730
"""Days of the LZB window ``[d − 729, d]`` (DOMAIN.md § 3)."""
LZB_MIN_DAYS = 638
"""Days of ELB within the window that make a long-term recipient (21 months)."""


def _union_intervals(
    person: npt.NDArray[np.int32], start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Merge each person's overlapping (or adjacent) spells into disjoint intervals."""
    if person.size < 2 or bool(np.all((person[1:] > person[:-1])
                                       | ((person[1:] == person[:-1]) & (start[1:] >= start[:-1])))):
        p, s, e = person.astype(np.int64), start, end  # sorted already (the stable sort's identity)
    else:
        order = np.lexsort((start, person))
        p, s, e = person[order].astype(np.int64), start[order], end[order]
    if p.size == 0:
        return p, s, e
    # running maximum of the end within each person: persons are sorted, so offset them apart
    span = int(max(e.max() - s.min(), 1)) + 2
    offset = p * span * 2
    run_end = np.maximum.accumulate(e - s.min() + offset) + s.min() - offset
    prev_end = np.empty_like(run_end)
    prev_end[0] = np.iinfo(np.int64).min // 2
    prev_end[1:] = run_end[:-1]
    new_person = np.ones(p.size, dtype=np.bool_)
    new_person[1:] = p[1:] != p[:-1]
    starts_new = new_person | (s > prev_end + 1)
    first = np.flatnonzero(starts_new)
    last = np.append(first[1:], p.size) - 1
    return p[first], s[first], run_end[last]

_SHIFT = 1 << 22  # day numbers (and the offset below) stay far below 2**22 (year 13,000)
_OFFSET = 1 << 21  # days before 1970 are negative: shift them into [0, 2**22)


def _pack(person: IntArray, day: IntArray) -> IntArray:
    out: IntArray = person * _SHIFT + (day + _OFFSET)
    return out


@attrs.frozen(eq=False)
class SpellCoverage:
    """The union of each person's spells of some kinds, for vectorised (person, day) look-ups.

    Build it with :meth:`from_spells`. Intervals are disjoint and not adjacent per person,
    sorted by person and start; days are day numbers (days since 1970-01-01).

    Args:
        person: person index of each interval (``int64``).
        start: first day of each interval.
        end: last day of each interval (inclusive).
        n_persons: the number of persons of the spell table.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable, date_to_day
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "svp", "start": "2024-01-01", "end": "2024-01-10"},
        ...     {"person_id": "a", "kind": "svp", "start": "2024-01-05", "end": "2024-01-20"}])
        >>> c = SpellCoverage.from_spells(t, [SpellKind.SVP])
        >>> c.start.size, int(c.end[0] - c.start[0] + 1)
        (1, 20)
    """

    person: IntArray
    start: IntArray
    end: IntArray
    n_persons: int
    _keys: IntArray = attrs.field(init=False)
    _before: IntArray = attrs.field(init=False)
    _base: IntArray = attrs.field(init=False)
    _runs: IntArray = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        keys = _pack(self.person, self.start)
        length = self.end - self.start + 1
        before = np.cumsum(length) - length  # covered days of all earlier intervals
        base = np.zeros(self.n_persons, dtype=np.int64)
        runs = np.zeros(0, dtype=np.int64)
        if self.person.size:
            first = np.ones(self.person.size, dtype=np.bool_)
            first[1:] = self.person[1:] != self.person[:-1]
            base[self.person[first]] = before[first]
            runs = np.flatnonzero(first)
        object.__setattr__(self, "_runs", runs)
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_before", before)
        object.__setattr__(self, "_base", base)

    @classmethod
    def from_spells(
        cls, spells: SpellTable, kinds: Iterable[SpellKind], *, mask: npt.ArrayLike | None = None
    ) -> SpellCoverage:
        """The coverage of the spells of ``kinds`` (and ``mask``, if given), clipped at the data's end.

        Args:
            spells: the spell table.
            kinds: the spell kinds to cover (e.g. ``[SpellKind.ELB]`` for the ELB stock).
            mask: optionally, a boolean array of the table's length restricting the spells further.

        Returns:
            The coverage.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2024-01-01",
            ...                               "end": "", "jobcenter": "J"}])
            >>> SpellCoverage.from_spells(t, [SpellKind.ELB]).n_persons
            1
        """
        keep = np.isin(spells.kind, np.array([int(k) for k in kinds], dtype=np.uint8))
        if mask is not None:
            keep &= np.asarray(mask, dtype=np.bool_)
        keep &= spells.start <= spells.data_end
        start = spells.start[keep].astype(np.int64)
        end = np.minimum(spells.end[keep].astype(np.int64), spells.data_end)
        p, s, e = _union_intervals(spells.person[keep], start, end)
        return cls(p.astype(np.int64), s.astype(np.int64), e.astype(np.int64), spells.n_persons)

    @classmethod
    def from_intervals(
        cls, person: npt.ArrayLike, start: npt.ArrayLike, end: npt.ArrayLike, n_persons: int
    ) -> SpellCoverage:
        """The coverage of arbitrary (person, start, end) intervals, overlaps merged.

        Args:
            person: person index per interval.
            start: first days.
            end: last days (inclusive).
            n_persons: the number of persons.

        Returns:
            The coverage.

        Examples:
            >>> c = SpellCoverage.from_intervals([0, 0], [1, 5], [4, 9], 1)
            >>> c.start.tolist(), c.end.tolist()
            ([1], [9])
        """
        p, s, e = _union_intervals(np.asarray(person, dtype=np.int32), np.asarray(start, dtype=np.int64),
                                   np.asarray(end, dtype=np.int64))
        return cls(p.astype(np.int64), s.astype(np.int64), e.astype(np.int64), n_persons)

    def _locate(self, person: Any, day: Any) -> tuple[IntArray, BoolArray, IntArray, IntArray]:
        p = np.asarray(person, dtype=np.int64)
        d = np.asarray(day, dtype=np.int64)
        p, d = np.broadcast_arrays(p, d)
        j = np.searchsorted(self._keys, _pack(p, d), side="right") - 1
        safe = np.maximum(j, 0)
        found = (j >= 0) & (self.person[safe] == p) if self.person.size else np.zeros(p.shape, dtype=np.bool_)
        return safe, found, p, d

    def covers(self, person: npt.ArrayLike, day: npt.ArrayLike) -> BoolArray:
        """Whether a spell covers ``day`` for ``person`` (arrays broadcast against each other).

        Examples:
            >>> c = SpellCoverage(np.array([0]), np.array([10]), np.array([20]), 1)
            >>> c.covers([0, 0, 0], [9, 10, 21]).tolist()
            [False, True, False]
        """
        j, found, _, d = self._locate(person, day)
        if not self.person.size:
            return found
        out: BoolArray = found & (self.end[j] >= d)
        return out

    def covers_all(self, day: int) -> BoolArray:
        """Whether a spell covers ``day``, for every person index (one pass over the intervals).

        Examples:
            >>> SpellCoverage(np.array([1]), np.array([10]), np.array([20]), 3).covers_all(15).tolist()
            [False, True, False]
        """
        out = np.zeros(self.n_persons, dtype=np.bool_)
        out[self.person[(self.start <= day) & (self.end >= day)]] = True
        return out

    def days_covered_all(self, first: int, last: int) -> IntArray:
        """Days of ``[first, last]`` covered, for every person index (one pass over the intervals).

        Examples:
            >>> c = SpellCoverage(np.array([0, 0]), np.array([10, 30]), np.array([20, 39]), 2)
            >>> c.days_covered_all(15, 35).tolist()
            [12, 0]
        """
        out: IntArray = np.zeros(self.n_persons, dtype=np.int64)
        if self.person.size:
            days = np.minimum(self.end, last) - np.maximum(self.start, first) + 1
            np.maximum(days, 0, out=days)
            out[self.person[self._runs]] = np.add.reduceat(days, self._runs)  # intervals sorted by person
        return out

    def _through(self, person: Any, day: Any) -> IntArray:
        """Days covered from the person's first interval through ``day`` (inclusive)."""
        j, found, p, d = self._locate(person, day)
        if not self.person.size:
            return np.zeros(p.shape, dtype=np.int64)
        inside = np.clip(d - self.start[j] + 1, 0, self.end[j] - self.start[j] + 1)
        out: IntArray = np.where(found, self._before[j] + inside - self._base[p], 0)
        return out

    def days_covered(self, person: npt.ArrayLike, first: npt.ArrayLike, last: npt.ArrayLike) -> IntArray:
        """Days of ``[first, last]`` (inclusive) covered for ``person``; 0 for an empty window.

        Examples:
            >>> c = SpellCoverage(np.array([0, 0]), np.array([10, 30]), np.array([20, 39]), 1)
            >>> c.days_covered([0, 0], [0, 15], [100, 35]).tolist()
            [21, 12]
        """
        out: IntArray = np.maximum(
            self._through(person, last) - self._through(person, np.asarray(first, dtype=np.int64) - 1), 0
        )
        return out


def long_term_recipients_on(cov: SpellCoverage, day: int) -> BoolArray:
    """LZB status of *every* person on one day (the bulk form of :func:`long_term_recipient`).

    Args:
        cov: the ELB coverage.
        day: the day number.

    Returns:
        One boolean per person index.

    Examples:
        >>> c = SpellCoverage(np.array([0, 1]), np.array([0, 0]), np.array([1000, 636]), 2)
        >>> long_term_recipients_on(c, 637).tolist()
        [True, False]
    """
    window = cov.days_covered_all(day - (LZB_WINDOW - 1), day)
    out: BoolArray = cov.covers_all(day) & (window >= LZB_MIN_DAYS)
    return out


def long_term_recipient(
    spells: SpellTable | SpellCoverage, person: npt.ArrayLike, day: npt.ArrayLike
) -> BoolArray:
    """LZB status (§ 48a rule, DOMAIN.md § 3) of each person on each day, vectorised.

    The person is in the ELB stock on ``day`` and the union of all its ``elb`` spells
    covers at least 638 days of the 730-day window ``[day − 729, day]``. The same rule and
    interval union as the Kennzahlen' LZB stock (K3), callable per person and date.

    Args:
        spells: the spell table, or its ELB coverage (``SpellCoverage.from_spells(t, [SpellKind.ELB])``,
            built once when asking many times).
        person: person indices (into ``spells.person_ids``).
        day: day numbers (broadcast against ``person``).

    Returns:
        A boolean array.

    Examples:
        >>> c = SpellCoverage(np.array([0, 1]), np.array([0, 0]), np.array([1000, 636]), 2)
        >>> long_term_recipient(c, [0, 0, 1], [637, 636, 636]).tolist()
        [True, False, False]
    """
    cov = spells if isinstance(spells, SpellCoverage) else SpellCoverage.from_spells(spells, [SpellKind.ELB])
    d = np.asarray(day, dtype=np.int64)
    window = cov.days_covered(person, d - (LZB_WINDOW - 1), d)
    out: BoolArray = cov.covers(person, d) & (window >= LZB_MIN_DAYS)
    return out
