"""Evaluation layer: a spell table indexed once for vectorised (person, day) look-ups.

Everything the evaluation asks of the spells — in the ELB stock on a day, the deciding
``elb`` spell's jobcenter, sex and household type (DOMAIN.md convention 1), days in
benefit over a window, LZB (§ 48a rule, :func:`~langzeit.indicators.long_term_recipient`),
Integrationen and their K2E3 continuity and bedarfsdeckend follow-up, measures — is a
binary search over sorted columns, for whole arrays of (person, day) pairs at once.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import BoolArray, IntArray
from langzeit._calendar import DAYS_PER_MONTH, add_months, month_end, month_index
from langzeit.indicators import SpellCoverage, long_term_recipient, long_term_recipients_on
from langzeit.spells import INTEGRATION_KINDS, NO_CODE, SpellKind, SpellTable

__all__ = ["EMPLOYMENT_KINDS", "SpellIndex", "Starts"]


_SHIFT = 1 << 22
_OFFSET = 1 << 21
_MEASURE_KINDS = (SpellKind.MEASURE, SpellKind.PUBLIC_EMPLOYMENT)
EMPLOYMENT_KINDS = (SpellKind.SVP, SpellKind.APPRENTICESHIP, SpellKind.MINIJOB, SpellKind.SELF_EMPLOYMENT)
"""Spell kinds that are employment under § 16i Abs. 3 Satz 1 Nr. 3 SGB II.

"Sozialversicherungspflichtig beschäftigt, geringfügig beschäftigt oder selbständig tätig":
``svp``, ``minijob``, ``self_employment``; and ``apprenticeship``, because betriebliche
Berufsausbildung is sozialversicherungspflichtige Beschäftigung (§ 7 Abs. 2 SGB IV).
Not ``public_employment`` (an AGH is no Arbeitsverhältnis, § 16d Abs. 7 SGB II) nor ``measure``.
"""
K2E3_MONTHS = 6
"""K2E3 (regime 2019): an ``svp`` spell covers each of S(k+1) … S(k+6) after the Integration month k."""
BEDARF_MONTHS = 3
"""Bedarfsdeckend: not in the ELB stock at S(k+3) after the Integration month k (BA monitoring)."""


def _pack(person: Any, day: Any) -> IntArray:
    out: IntArray = np.asarray(person, dtype=np.int64) * _SHIFT + (np.asarray(day, dtype=np.int64) + _OFFSET)
    return out


@attrs.frozen(eq=False)
class Starts:
    """Sorted (person, day) starts with per-start flags, for "any start in (a, b]" queries.

    Args:
        person: person index per start, sorted with ``day``.
        day: start day.
        flags: named boolean arrays of the same length (e.g. ``continuous``).
    """

    person: IntArray
    day: IntArray
    flags: dict[str, BoolArray] = attrs.field(factory=dict)
    _keys: IntArray = attrs.field(init=False)
    _flagged: dict[str, Starts] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_keys", _pack(self.person, self.day))
        object.__setattr__(self, "_flagged", {name: Starts(self.person[f], self.day[f])
                                              for name, f in self.flags.items()})

    def any_in(self, person: Any, after: Any, through: Any, *, flag: str | None = None) -> BoolArray:
        """Whether a start (with ``flag`` set, if given) lies in ``(after, through]``.

        Examples:
            >>> s = Starts(np.array([0, 0]), np.array([10, 20]), {"x": np.array([False, True])})
            >>> s.any_in([0, 0, 0], [5, 10, 0], [10, 19, 30], flag="x").tolist()
            [False, False, True]
            >>> s.any_in([0, 0], [5, 10], [10, 19]).tolist()
            [True, False]
        """
        if flag is None:
            return self.count_in(person, after, through) > 0
        return self._flagged[flag].count_in(person, after, through) > 0

    def count_in(self, person: Any, after: Any, through: Any) -> IntArray:
        """How many starts lie in ``(after, through]``.

        Examples:
            >>> Starts(np.array([0, 0, 1]), np.array([10, 20, 5])).count_in([0, 1], [0, 5], [20, 9]).tolist()
            [2, 0]
        """
        lo = np.searchsorted(self._keys, _pack(person, after), side="right")
        hi = np.searchsorted(self._keys, _pack(person, through), side="right")
        out: IntArray = np.maximum(hi - lo, 0).astype(np.int64)
        return out


def _sorted_person_ids(spells: SpellTable) -> tuple[npt.NDArray[Any], IntArray]:
    keys = np.asarray(spells.person_ids).astype(str)
    order = np.argsort(keys, kind="stable").astype(np.int64)
    return keys[order], order


def _find_persons(sorted_keys: npt.NDArray[Any], order: IntArray, person_ids: Sequence[Any]) -> IntArray:
    wanted = np.asarray([str(p) for p in person_ids], dtype=str)
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), max(sorted_keys.size - 1, 0))
    ok = sorted_keys.size > 0 and wanted.size > 0
    found = (sorted_keys[pos] == wanted) if ok else np.zeros(wanted.size, dtype=np.bool_)
    return np.where(found, order[pos] if ok else -1, -1).astype(np.int64)


def _person_index(spells: SpellTable, person_ids: Sequence[Any]) -> IntArray:
    """The person index of each id (compared as text), ``-1`` when the table does not hold it."""
    return _find_persons(*_sorted_person_ids(spells), person_ids)


def _codes(kinds: tuple[SpellKind, ...]) -> npt.NDArray[np.uint8]:
    return np.array([int(k) for k in kinds], dtype=np.uint8)


def _sorted_starts(person: IntArray, day: IntArray, kind: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    order = np.lexsort((kind, day, person))
    return person[order], day[order], kind[order]


@attrs.frozen(eq=False)
class SpellIndex:
    """A spell table prepared for the evaluation's look-ups (built once, in a few sorts).

    Args:
        spells: the spell table.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable, date_to_day
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2023-01-01", "end": "", "jobcenter": "J"},
        ...     {"person_id": "a", "kind": "svp", "start": "2024-03-04", "end": "2024-12-31"}],
        ...     data_end=dt.date(2024, 12, 31))
        >>> ix = SpellIndex(t)
        >>> day = date_to_day(dt.date(2024, 1, 15))
        >>> ix.in_benefit([0], [day]).tolist(), ix.jobcenter_label(ix.attributes([0], [day])[0])
        ([True], ['J'])
        >>> ix.integrations.any_in([0], [day], [day + 60]).tolist()
        [True]
    """

    spells: SpellTable
    elb: SpellCoverage = attrs.field(init=False)
    svp: SpellCoverage = attrs.field(init=False)
    work: SpellCoverage = attrs.field(init=False)
    measure: SpellCoverage = attrs.field(init=False)
    integrations: Starts = attrs.field(init=False)
    measure_starts: Starts = attrs.field(init=False)
    _elb_keys: IntArray = attrs.field(init=False)
    _elb_rows: IntArray = attrs.field(init=False)
    _elb_run_end: IntArray = attrs.field(init=False)
    _elb_person: IntArray = attrs.field(init=False)
    _elb_start: IntArray = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        t = self.spells
        end = t.data_end
        put = object.__setattr__
        put(self, "elb", SpellCoverage.from_spells(t, [SpellKind.ELB]))
        put(self, "svp", SpellCoverage.from_spells(t, [SpellKind.SVP]))
        put(self, "work", SpellCoverage.from_spells(t, INTEGRATION_KINDS))
        put(self, "measure", SpellCoverage.from_spells(t, _MEASURE_KINDS))
        # elb spells in convention-1 order: person, start, then -jobcenter, then -row, so that
        # the deciding spell of the ones covering a day is the last one starting on or before it
        rows = np.flatnonzero((t.kind == SpellKind.ELB) & (t.start <= end))
        ep = t.person[rows].astype(np.int64)
        es = t.start[rows].astype(np.int64)
        ejc = t.jobcenter[rows].astype(np.int64)
        order = np.lexsort((-rows, -ejc, es, ep))
        rows, ep, es = rows[order], ep[order], es[order]
        put(self, "_elb_rows", rows)
        put(self, "_elb_keys", _pack(ep, es))
        put(self, "_elb_run_end", np.minimum(t.end[rows].astype(np.int64), end))
        put(self, "_elb_person", ep)
        put(self, "_elb_start", es)
        # Integrationen (§ 5 Abs. 1 VO; convention 5): starts of svp / apprenticeship /
        # self-employment, once per person and month (the earliest, kind order on ties), of a
        # person in the ELB stock at S(k-1) or S(k) of the start's month k
        mask = np.isin(t.kind, _codes(INTEGRATION_KINDS)) & (t.start <= end)
        ip, iday, ikind = _sorted_starts(t.person[mask].astype(np.int64), t.start[mask].astype(np.int64),
                                         t.kind[mask].astype(np.int64))
        k = month_index(iday)
        first = np.ones(ip.size, dtype=np.bool_)
        first[1:] = (ip[1:] != ip[:-1]) | (k[1:] != k[:-1])
        ip, iday, ikind, k = ip[first], iday[first], ikind[first], k[first]
        prev_s, cur_s = month_end(k - 1), month_end(k)
        stock = self.elb.covers(ip, prev_s) | self.elb.covers(ip, cur_s)
        ip, iday, ikind, k = ip[stock], iday[stock], ikind[stock], k[stock]
        is_svp = ikind == SpellKind.SVP
        cont = is_svp.copy()
        for j in range(1, K2E3_MONTHS + 1):
            cont &= self.svp.covers(ip, month_end(k + j))
        bedarf = ~self.elb.covers(ip, month_end(k + BEDARF_MONTHS))
        flags = {"svp": is_svp, "continuous": cont, "bedarfsdeckend": bedarf}
        put(self, "integrations", Starts(ip, iday, flags))
        mmask = np.isin(t.kind, _codes(_MEASURE_KINDS)) & (t.start <= end)
        mp, mday, _ = _sorted_starts(t.person[mmask].astype(np.int64), t.start[mmask].astype(np.int64),
                                     t.kind[mmask].astype(np.int64))
        put(self, "measure_starts", Starts(mp, mday))

    @property
    def data_end(self) -> int:
        """The data's end (day number)."""
        return int(self.spells.data_end)

    @functools.cached_property
    def _person_keys(self) -> tuple[npt.NDArray[Any], IntArray]:
        return _sorted_person_ids(self.spells)

    @functools.cached_property
    def employment(self) -> SpellCoverage:
        """The coverage of :data:`EMPLOYMENT_KINDS` (built on first use, then kept).

        Examples:
            >>> import datetime as dt
            >>> from langzeit.spells import SpellTable
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "minijob", "start": "2024-01-01",
            ...                               "end": "2024-01-31"}], data_end=dt.date(2024, 6, 30))
            >>> SpellIndex(t).employment.days_covered([0], [0], [20000]).tolist()
            [31]
        """
        return SpellCoverage.from_spells(self.spells, EMPLOYMENT_KINDS)

    def person_index(self, person_ids: Sequence[Any]) -> IntArray:
        """The person index of each ``person_id`` (compared as text), ``-1`` when the table does not hold it.

        The sorted ids are kept after the first call, so looking up one person at a time is a
        binary search.

        Examples:
            >>> from langzeit.spells import SpellTable
            >>> t = SpellTable.from_records([{"person_id": "b", "kind": "svp", "start": "2024-01-01"},
            ...                              {"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
            >>> SpellIndex(t).person_index(["a", "zz", "b"]).tolist()
            [0, -1, 1]
        """
        return _find_persons(*self._person_keys, person_ids)

    def in_benefit(self, person: Any, day: Any) -> BoolArray:
        """In the ELB stock on ``day``: an ``elb`` spell covers it (False beyond the data's end)."""
        return self.elb.covers(person, day)

    def long_term(self, person: Any, day: Any) -> BoolArray:
        """LZB on ``day`` (:func:`~langzeit.indicators.long_term_recipient`, the § 48a rule)."""
        return long_term_recipient(self.elb, person, day)

    def months_in_benefit(self, person: Any, day: Any, months: int) -> npt.NDArray[np.float64]:
        """Days in benefit in the ``months`` calendar months before ``day``, in months of 365.2425 / 12 days.

        The window is ``[day − months months, day − 1]``; the union of ``elb`` spells counts
        overlaps once.
        """
        d = np.asarray(day, dtype=np.int64)
        first = add_months(d, -months)
        out: npt.NDArray[np.float64] = self.elb.days_covered(person, first, d - 1) / DAYS_PER_MONTH
        return out

    def attributes(self, person: Any, day: Any) -> tuple[IntArray, IntArray, BoolArray]:
        """Jobcenter code, sex code and single-parent flag of the deciding ``elb`` spell on ``day``.

        Convention 1: of the ``elb`` spells covering the day, the one with the latest start
        decides (tie: the smaller jobcenter id, then the earlier row). Persons not in the stock
        get jobcenter :data:`~langzeit.spells.NO_CODE`, sex 0 and False.
        """
        p = np.asarray(person, dtype=np.int64)
        d = np.asarray(day, dtype=np.int64)
        p, d = np.broadcast_arrays(p, d)
        t = self.spells
        jc = np.full(p.shape, NO_CODE, dtype=np.int64)
        sex = np.zeros(p.shape, dtype=np.int64)
        sp = np.zeros(p.shape, dtype=np.bool_)
        if not self._elb_rows.size:
            return jc, sex, sp
        j = np.searchsorted(self._elb_keys, _pack(p, d), side="right") - 1
        todo = np.flatnonzero(self.elb.covers(p, d))
        j = j[todo]
        # walk back from the last spell starting on or before the day to the first that covers
        # it; spells of one person rarely overlap, so this takes one or two rounds
        while todo.size:
            row = self._elb_rows[j]
            hit = self._elb_run_end[j] >= d[todo]
            done, rows_done = todo[hit], row[hit]
            jc[done] = t.jobcenter[rows_done]
            sex[done] = t.sex[rows_done]
            sp[done] = t.single_parent[rows_done]
            todo, j = todo[~hit], j[~hit] - 1
        return jc, sex, sp

    def snapshot(self, day: int) -> dict[str, Any]:
        """The stock on one day for *every* person, in a few passes over the spells.

        Returns ``in_benefit``, ``jobcenter``, ``sex``, ``single_parent`` (the deciding spell,
        convention 1), ``days_60`` (days in benefit in the 60 months before the day) and
        ``lzb`` — the same values as the per-pair look-ups, one element per person index.

        Examples:
            >>> import datetime as dt
            >>> from langzeit.spells import SpellTable
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2022-01-01",
            ...                               "end": "", "jobcenter": "J"}], data_end=dt.date(2024, 12, 31))
            >>> snap = SpellIndex(t).snapshot(19723)  # 2024-01-01
            >>> snap["in_benefit"].tolist(), snap["lzb"].tolist(), snap["days_60"].tolist()
            ([True], [True], [730])
        """
        n = self.spells.n_persons
        t = self.spells
        jc = np.full(n, NO_CODE, dtype=np.int64)
        sex = np.zeros(n, dtype=np.int64)
        sp = np.zeros(n, dtype=np.bool_)
        idx = np.flatnonzero((self._elb_start <= day) & (self._elb_run_end >= day))
        if idx.size:
            p = self._elb_person[idx]
            last = idx[np.append(p[1:] != p[:-1], True)]  # sorted: the deciding spell comes last
            rows = self._elb_rows[last]
            who = self._elb_person[last]
            jc[who], sex[who], sp[who] = t.jobcenter[rows], t.sex[rows], t.single_parent[rows]
        first = int(add_months(np.array([day], dtype=np.int64), -60)[0])
        return {"in_benefit": self.elb.covers_all(day), "jobcenter": jc, "sex": sex, "single_parent": sp,
                "days_60": self.elb.days_covered_all(first, day - 1),
                "lzb": long_term_recipients_on(self.elb, day)}

    def jobcenter_label(self, codes: IntArray) -> list[str | None]:
        """Jobcenter labels of codes (None for :data:`~langzeit.spells.NO_CODE`)."""
        labels = self.spells.jobcenter_labels
        return [None if c < 0 else labels[c] for c in np.asarray(codes).tolist()]

