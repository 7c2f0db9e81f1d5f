"""Indicator layer: additive monthly partial counts behind the § 48a Kennzahlen (vectorised).

Everything here works on whole columns: the only Python loops run over Stichtage and
months (a few dozen), never over persons or spells. The output is an ``int64`` array
``counts[jobcenter, month, sex group, component]`` whose entries add up exactly across
partitions of the data (see ``KennzahlenResult.merge``).

The components (DOMAIN.md § 3 and its conventions, numbered as there):

========================  =============================================================
``STOCK``                 ELB stock at S(k) (conv. 1: one spell decides per person: the
                          latest start, then the smaller jobcenter id, then the earlier row)
``SP_STOCK``              … of them single parents
``LZB``                   long-term recipients at S(k): union of all ``elb`` spells
                          covers ≥ 638 days of [S − 729, S]
``LZB_ACT``               LZB at S(k) with an activation spell covering S(k): a ``measure`` or
                          ``public_employment`` whose instrument the catalogue classes as
                          activation at the spell's start (conv. 7, DOMAIN.md § 3a)
``ENTRIES``/``EXITS``     in some stock at S(k) and none at S(k−1), counted where it is at
                          S(k); exits the reverse, counted where it was at S(k−1) (conv. 2)
``LZB_ENTRIES``/``…EXITS``  the same for LZB status
``INTEG``                 Integrationen of month k (start in (S(k−1), S(k)], in the stock at
                          S(k−1) — or else at S(k) — and attributed to that stock; once per
                          person and month, conv. 5)
``INTEG_SP``/``INTEG_LZB``  … whose person is a single parent / LZB on the attribution day
``MINIJOB``/``PUBEMP``    ``minijob`` / ``public_employment`` starts, same rules (conv. 5)
``SVP_INTEG``             Integrationen whose kind is ``svp``
``SVP_CONT_2019``         … with an ``svp`` spell covering each of S(k+1) … S(k+6)
``SVP_CONT_2011``         … with an ``svp`` spell covering S(k+12)
``BEDARF``                Integrationen whose person is in no ELB stock at S(k+3)
``LLU_CENTS``/``LLU_N``   Σ ``llu`` amounts (cents) of month k (the month containing the row's
                          start) for the jobcenter on the row, whether or not the person is an
                          ELB (conv. 8: Sozialgeld of non-employable members is part of K1),
                          and the number of distinct persons behind them; counted in the group
                          "other" only (K1/K1E1 are not split by sex)
``LUH_CENTS``/``LUH_N``   the same for ``luh``
========================  =============================================================

Examples:
    >>> COMPONENTS.index("STOCK"), len(COMPONENTS)
    (0, 21)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._calendar import month_last
from langzeit.indicators._coverage import LZB_MIN_DAYS, LZB_WINDOW, SpellCoverage, _union_intervals
from langzeit.spells import (
    INTEGRATION_KINDS,
    InstrumentCatalogue,
    SpellKind,
    SpellTable,
    date_to_day,
    default_catalogue,
)

__all__ = ["COMPONENTS", "GROUP_OTHER", "Counts", "compute_counts", "reported_jobcenters", "stichtag_of"]

COMPONENTS = (
    "STOCK", "SP_STOCK", "LZB", "LZB_ACT", "ENTRIES", "EXITS", "LZB_ENTRIES", "LZB_EXITS",
    "INTEG", "INTEG_SP", "INTEG_LZB", "MINIJOB", "PUBEMP", "SVP_INTEG", "SVP_CONT_2019",
    "SVP_CONT_2011", "BEDARF", "LLU_CENTS", "LLU_N", "LUH_CENTS", "LUH_N",
)
C = {name: i for i, name in enumerate(COMPONENTS)}

GROUP_F, GROUP_M, GROUP_OTHER = 0, 1, 2
"""Sex groups of the partial counts: F, M and every other sex (D, unknown)."""

FOLLOW_UP = 12  # the longest follow-up any code needs (K2E3 regime 2011)
_SP_BIT = 4
_GROUP_OF_SEX = np.array([GROUP_OTHER, GROUP_F, GROUP_M, GROUP_OTHER], dtype=np.uint8)


def stichtag_of(month: int, day: int | None) -> dt.date:
    """The Stichtag S(m) of month index ``month``: day ``day`` (or the last day when None/too late).

    Examples:
        >>> stichtag_of(649, None)  # month index 649: February 2024
        datetime.date(2024, 2, 29)
        >>> stichtag_of(649, 15)
        datetime.date(2024, 2, 15)
    """
    last = month_last(month)
    return last if day is None or day >= last.day else last.replace(day=day)


@attrs.frozen(eq=False)
class Counts:
    """The raw additive partial counts and the months they cover.

    Args:
        counts: ``int64`` array (jobcenter, month, group F/M/other, component).
        first_month: month index of ``counts[:, 0]``.
        jobcenters: labels of the first axis.
        stichtage: day number of S(k) for ``first_month`` … ``first_month + K - 1 + FOLLOW_UP``.
    """

    counts: npt.NDArray[np.int64]
    first_month: int
    jobcenters: tuple[str, ...]
    stichtage: npt.NDArray[np.int64]


class _Tally:
    """Adds masked person-level facts into ``counts[jobcenter, month, group, component]``."""

    def __init__(self, jc_map: npt.NDArray[np.int64], n_out: int, n_months: int) -> None:
        self.jc_map = jc_map
        self.n_months = n_months
        self.counts = np.zeros((n_out, n_months, 3, len(COMPONENTS)), dtype=np.int64)
        self.size = n_out * n_months * 3

    def add(
        self,
        component: str,
        month: npt.NDArray[np.integer[Any]] | int,
        jc: npt.NDArray[np.integer[Any]],
        group: npt.NDArray[np.integer[Any]],
        weights: npt.NDArray[np.float64] | None = None,
    ) -> None:
        out = self.jc_map[jc]
        keep = out >= 0
        if not keep.all():
            out, group = out[keep], group[keep]
            if not np.isscalar(month):
                month = np.asarray(month)[keep]
            if weights is not None:
                weights = weights[keep]
        flat = (out * self.n_months + month) * 3 + group
        summed = np.bincount(flat, weights=weights, minlength=self.size)
        if weights is not None:
            summed = np.rint(summed)
        self.counts[..., C[component]] += summed.astype(np.int64).reshape(self.counts.shape[:3])


#: Rows per chunk of the column passes below: their temporaries stay small and are reused
#: (fresh memory is expensive: a whole-column temporary of a national table is hundreds of MB).
_CHUNK = 1 << 20
#: The kinds whose rows are few (everything but the monthly amounts): their row indices are kept.
_AMOUNT_KINDS = (SpellKind.LLU, SpellKind.LUH)
_REPORTED_KINDS = (SpellKind.ELB, SpellKind.LLU, SpellKind.LUH)
_FIRST_AMOUNT_KIND = min(_AMOUNT_KINDS)
assert set(_AMOUNT_KINDS) == {k for k in SpellKind if k >= _FIRST_AMOUNT_KIND}  # the largest codes
assert len(SpellKind) - len(_AMOUNT_KINDS) == _FIRST_AMOUNT_KIND


def _rows_by_kind(
    kind: npt.NDArray[np.uint8], start: npt.NDArray[np.int32], window: tuple[int, int]
) -> list[npt.NDArray[np.intp]]:
    """The row indices of each spell kind, ascending (one chunked pass over kinds and starts).

    The rows of ``llu``/``luh`` (most rows of a national table) are only those starting in
    ``window[0] <= start < window[1]``: the amount months, the only ones counted. Each chunk
    is split into its few rows of other kinds and its amount rows in the window (two masks,
    no sort of the whole chunk); the first are ordered by one stable sort of their kinds, the
    second split by comparison. Only the chunks' small index arrays and the result are
    allocated (a whole-column index, sort order and copies would be more than a gigabyte of
    fresh pages on a national table).
    """
    index_type = np.int32 if kind.size < 1 << 31 else np.int64
    parts: list[list[npt.NDArray[Any]]] = [[] for _ in SpellKind]
    few_kinds = len(SpellKind) - len(_AMOUNT_KINDS)
    for lo in range(0, kind.size, _CHUNK):
        chunk = kind[lo : lo + _CHUNK]
        days = start[lo : lo + _CHUNK]
        few = chunk < _FIRST_AMOUNT_KIND
        rows: npt.NDArray[np.integer[Any]] = np.flatnonzero(few).astype(index_type)
        kinds = np.take(chunk, rows)
        bounds = np.zeros(few_kinds + 1, dtype=np.int64)
        np.cumsum(np.bincount(kinds, minlength=few_kinds), out=bounds[1:])
        ordered = np.take(rows, np.argsort(kinds, kind="stable")) + index_type(lo)
        for k in range(few_kinds):
            parts[k].append(ordered[bounds[k] : bounds[k + 1]])
        in_window = ~few
        in_window &= days >= window[0]
        in_window &= days < window[1]
        rows = np.flatnonzero(in_window).astype(index_type)
        kinds = np.take(chunk, rows)
        rows += index_type(lo)
        for k in _AMOUNT_KINDS:
            parts[k].append(rows[kinds == k])
    return [np.concatenate(p) if p else np.zeros(0, index_type) for p in parts]


def reported_jobcenters(
    spells: SpellTable, by_kind: Sequence[npt.NDArray[np.int64]] | None = None
) -> npt.NDArray[np.int64]:
    """Codes of the jobcenters that get cells: on an ``elb`` row or an ``llu``/``luh`` row (conv. 8, 11).

    ``by_kind`` (the row indices of each kind), when the caller has them already.

    Examples:
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([{"person_id": "k", "kind": "llu", "start": "2024-01-01",
        ...                               "jobcenter": "7", "amount": 9}, {"person_id": "k", "kind": "svp",
        ...                               "start": "2024-01-01", "jobcenter": "8"}])
        >>> [t.jobcenter_labels[c] for c in reported_jobcenters(t)]
        ['7']
    """
    n_labels = len(spells.jobcenter_labels)
    if by_kind is not None:
        codes = spells.jobcenter[np.concatenate([by_kind[k] for k in _REPORTED_KINDS])]
        present = np.bincount(codes[codes >= 0], minlength=n_labels) > 0
    else:  # chunk by chunk (no row index of the whole table): elb rows first, they are few
        seen = np.zeros(n_labels + 1, dtype=np.int64)
        for lo in range(0, spells.kind.size, _CHUNK):
            rows = np.flatnonzero(spells.kind[lo : lo + _CHUNK] == SpellKind.ELB) + lo
            seen += np.bincount(spells.jobcenter[rows] + 1, minlength=n_labels + 1)  # NO_CODE -> bin 0
        if not seen[1:].all():  # a jobcenter not on an elb row: is it on an llu/luh row?
            for lo in range(0, spells.kind.size, _CHUNK):
                amounts = spells.kind[lo : lo + _CHUNK] >= _FIRST_AMOUNT_KIND
                seen += np.bincount(spells.jobcenter[lo : lo + _CHUNK][amounts] + 1, minlength=n_labels + 1)
        present = seen[1:] > 0
    out: npt.NDArray[np.int64] = np.flatnonzero(present).astype(np.int64)
    return out


def _decider_order(
    person: npt.NDArray[np.int32], start: npt.NDArray[np.int64], jc: npt.NDArray[np.int64]
) -> npt.NDArray[np.intp]:
    """The order (person, start, −jobcenter, −row): ``np.lexsort((-rows, -jc, start, person))``.

    One stable sort of a packed ``int64`` key over the reversed rows (ties keep the later row
    first), an order of magnitude faster than the four-key lexsort on a national table
    (whose rows come sorted by person); the lexsort when the key would not fit.
    """
    n = person.size
    if not n:
        return np.zeros(0, dtype=np.intp)
    first = int(start.min())
    days = int(start.max()) - first + 1
    jcs = int(jc.max()) + 2  # jc >= -1 (NO_CODE)
    if int(person.max()) + 1 >= (1 << 62) // (days * jcs):
        return np.lexsort((-np.arange(n), -jc, start, person))
    key = (person.astype(np.int64) * days + (start - first)) * jcs + (jcs - 2 - jc)
    reverse = np.argsort(key[::-1], kind="stable")
    order: npt.NDArray[np.intp] = (n - 1) - reverse
    return order


def _stichtag_days(first: int, n: int, day: int | None) -> npt.NDArray[np.int64]:
    return np.array([date_to_day(stichtag_of(first + i, day)) for i in range(n)], dtype=np.int64)


def compute_counts(
    spells: SpellTable,
    months: Sequence[int],
    *,
    stichtag: int | None,
    data_end: int,
    jobcenters: Sequence[str] | None,
    count_16k: bool,
    catalogue: InstrumentCatalogue | None = None,
    reported: npt.NDArray[np.int64] | None = None,
) -> Counts:
    """Partial counts for the component months ``min(months) − 12`` … ``max(months)``.

    Args:
        spells: the spell table.
        months: reference month indices (:func:`langzeit._calendar.month_of`).
        stichtag: day of the month of S(m), None for the last day.
        data_end: the data's end (day number): open spells run to it, later Stichtage are
            not evaluated.
        jobcenters: the jobcenters to count for (labels); None for every jobcenter on an
            ``elb``, ``llu`` or ``luh`` row. Persons are still followed through all jobcenters.
        count_16k: count ``16k`` as an activation instrument.
        catalogue: the instrument catalogue (default: the shipped one).
        reported: :func:`reported_jobcenters` of ``spells``, when the caller has it already.

    Returns:
        The counts.

    Raises:
        ValidationError: an instrument code of the table is not in the catalogue.
    """
    lo, hi = min(months) - 12, max(months)
    n_months = hi - lo + 1
    n_days = n_months + FOLLOW_UP
    stichtage = _stichtag_days(lo, n_days, stichtag)
    n_avail = int(np.searchsorted(stichtage, data_end, side="right"))
    n_persons = spells.n_persons

    n_amount_months = min(n_avail, n_months)
    month_first = np.array(
        [date_to_day(stichtag_of(lo + i, 1)) for i in range(n_amount_months + 1)], dtype=np.int64
    )
    # llu/luh rows only of the months the amounts count (most rows of a national table are not)
    by_kind = _rows_by_kind(spells.kind, spells.start, (int(month_first[0]), int(month_first[-1])))
    elb_rows = by_kind[SpellKind.ELB]
    elb_jcs = reported_jobcenters(spells) if reported is None else reported
    elb_rows = elb_rows[spells.start[elb_rows] <= data_end]  # later spells cover no evaluated Stichtag
    labels = spells.jobcenter_labels
    if jobcenters is None:
        out_codes = elb_jcs
    else:
        position = {label: i for i, label in enumerate(labels)}
        out_codes = np.array(sorted(position[j] for j in jobcenters), dtype=np.int64)
    jc_map = np.full(len(labels) + 1, -1, dtype=np.int64)  # index -1 (no jobcenter) maps to -1
    jc_map[out_codes] = np.arange(out_codes.size)
    tally = _Tally(jc_map, int(out_codes.size), n_months)

    # ---- ELB stocks at every evaluated Stichtag (dense per person) -------------------------
    ep = spells.person[elb_rows]
    es = spells.start[elb_rows].astype(np.int64)
    ee = np.minimum(spells.end[elb_rows].astype(np.int64), data_end)
    ejc = spells.jobcenter[elb_rows].astype(np.int64)
    sp_bits = np.where(spells.single_parent[elb_rows], _SP_BIT, 0).astype(np.uint8)
    eattr = _GROUP_OF_SEX[spells.sex[elb_rows]] | sp_bits
    # latest start decides, tie: smaller jobcenter, full tie: the earlier row -> it must come last
    # in (person, start, -jc, -row) order
    order = _decider_order(ep, es, ejc)
    ep, es, ee, ejc, eattr = ep[order], es[order], ee[order], ejc[order], eattr[order]
    stock_jc = np.full((n_avail, n_persons), -1, dtype=np.int64 if len(labels) > 32000 else np.int16)
    attr = np.zeros((n_avail, n_persons), dtype=np.uint8)
    for k in range(n_avail):
        s = stichtage[k]
        idx = np.flatnonzero((es <= s) & (ee >= s))
        if idx.size == 0:
            continue
        p = ep[idx]
        last = idx[np.append(p[1:] != p[:-1], True)]
        stock_jc[k, ep[last]] = ejc[last]
        attr[k, ep[last]] = eattr[last]
    in_stock = stock_jc >= 0
    group = attr & 3

    # ---- LZB at the Stichtage of the component months ----------------------------------------
    n_lzb = min(n_avail, n_months)
    up, us, ue = _union_intervals(ep, es, ee)
    if n_lzb:  # only intervals that reach into some window [S - 729, S] add days (most end before)
        near = (ue >= int(stichtage[0]) - (LZB_WINDOW - 1)) & (us <= int(stichtage[n_lzb - 1]))
        up, us, ue = up[near], us[near], ue[near]
    elb_cover = SpellCoverage(up.astype(np.int64), us.astype(np.int64), ue.astype(np.int64), n_persons)
    lzb = np.zeros((n_lzb, n_persons), dtype=np.bool_)
    for k in range(n_lzb):
        s = int(stichtage[k])
        if not in_stock[k].any():
            continue
        # the per-person form of this rule is indicators.long_term_recipient (same coverage)
        lzb[k] = in_stock[k] & (elb_cover.days_covered_all(s - (LZB_WINDOW - 1), s) >= LZB_MIN_DAYS)

    # ---- activation spells covering S(k) -------------------------------------------------------
    cat = catalogue if catalogue is not None else default_catalogue()
    act_rows = np.sort(np.concatenate([by_kind[SpellKind.MEASURE], by_kind[SpellKind.PUBLIC_EMPLOYMENT]]))
    act_rows = act_rows[cat.activation(spells.instrument[act_rows], spells.instrument_labels,
                                       spells.start[act_rows], count_16k=count_16k)]
    ap, as_, ae = spells.person[act_rows], spells.start[act_rows], np.minimum(spells.end[act_rows], data_end)

    # ---- stocks, entries and exits per component month ----------------------------------------
    for k in range(min(n_avail, n_months)):
        inside = in_stock[k]
        jc_k, g_k = stock_jc[k][inside], group[k][inside]
        tally.add("STOCK", k, jc_k, g_k)
        sp = (attr[k] & _SP_BIT).astype(np.bool_) & inside
        tally.add("SP_STOCK", k, stock_jc[k][sp], group[k][sp])
        tally.add("LZB", k, stock_jc[k][lzb[k]], group[k][lzb[k]])
        covered_act = np.zeros(n_persons, dtype=np.bool_)
        s = stichtage[k]
        covered_act[ap[(as_ <= s) & (ae >= s)]] = True
        act = lzb[k] & covered_act
        tally.add("LZB_ACT", k, stock_jc[k][act], group[k][act])
        if k == 0:
            continue
        entry = inside & ~in_stock[k - 1]
        tally.add("ENTRIES", k, stock_jc[k][entry], group[k][entry])
        leave = in_stock[k - 1] & ~inside
        tally.add("EXITS", k, stock_jc[k - 1][leave], group[k - 1][leave])
        lzb_entry = lzb[k] & ~lzb[k - 1]
        tally.add("LZB_ENTRIES", k, stock_jc[k][lzb_entry], group[k][lzb_entry])
        lzb_exit = lzb[k - 1] & ~lzb[k]
        tally.add("LZB_EXITS", k, stock_jc[k - 1][lzb_exit], group[k - 1][lzb_exit])

    # ---- job starts: Integrationen, Minijobs, public employment --------------------------------
    svp_rows = by_kind[SpellKind.SVP]
    sp_p, sp_s = spells.person[svp_rows], spells.start[svp_rows]
    sp_e = np.minimum(spells.end[svp_rows], data_end)
    svp_cover = np.zeros((n_avail, n_persons), dtype=np.bool_)
    for k in range(1, n_avail):
        s = stichtage[k]
        svp_cover[k, sp_p[(sp_s <= s) & (sp_e >= s)]] = True

    flat_jc = stock_jc.reshape(-1)
    flat_attr = attr.reshape(-1)
    flat_lzb = lzb.reshape(-1)

    def starts(kinds: tuple[SpellKind, ...]) -> tuple[npt.NDArray[np.int64], ...]:
        """Attributed starts of these kinds, once per person and month (earliest, then kind order)."""
        mask = np.sort(np.concatenate([by_kind[k] for k in kinds]))
        person = spells.person[mask].astype(np.int64)
        day = spells.start[mask].astype(np.int64)
        kind = spells.kind[mask].astype(np.int64)
        k = np.searchsorted(stichtage, day, side="left")
        ok = (k >= 1) & (k < min(n_avail, n_months))
        person, day, kind, k = person[ok], day[ok], kind[ok], k[ok]
        order = np.lexsort((kind, day, k, person))
        person, day, kind, k = person[order], day[order], kind[order], k[order]
        first = np.ones(person.size, dtype=np.bool_)
        first[1:] = (person[1:] != person[:-1]) | (k[1:] != k[:-1])
        person, kind, k = person[first], kind[first], k[first]
        prev = flat_jc[(k - 1) * n_persons + person].astype(np.int64)
        cur = flat_jc[k * n_persons + person].astype(np.int64)
        use_prev = prev >= 0
        jc = np.where(use_prev, prev, cur)
        day_k = np.where(use_prev, k - 1, k)
        ok = jc >= 0
        return person[ok], kind[ok], k[ok], jc[ok], day_k[ok]

    person, kind, mk, jc, day_k = starts(INTEGRATION_KINDS)
    cell = day_k * n_persons + person
    g = (flat_attr[cell] & 3).astype(np.uint8)
    tally.add("INTEG", mk, jc, g)
    sp = (flat_attr[cell] & _SP_BIT).astype(np.bool_)
    tally.add("INTEG_SP", mk[sp], jc[sp], g[sp])
    lz = flat_lzb[cell]
    tally.add("INTEG_LZB", mk[lz], jc[lz], g[lz])
    svp = kind == SpellKind.SVP
    tally.add("SVP_INTEG", mk[svp], jc[svp], g[svp])
    follow = mk + 6 < n_avail
    cont = svp & follow
    for j in range(1, 7):
        cont &= svp_cover.reshape(-1)[np.minimum(mk + j, n_avail - 1) * n_persons + person]
    tally.add("SVP_CONT_2019", mk[cont], jc[cont], g[cont])
    cont11 = svp & (mk + 12 < n_avail)
    cont11 &= svp_cover.reshape(-1)[np.minimum(mk + 12, n_avail - 1) * n_persons + person]
    tally.add("SVP_CONT_2011", mk[cont11], jc[cont11], g[cont11])
    later = np.minimum(mk + 3, n_avail - 1) * n_persons + person
    gone = (mk + 3 < n_avail) & (flat_jc[later] < 0)
    tally.add("BEDARF", mk[gone], jc[gone], g[gone])
    for component, kinds in (("MINIJOB", SpellKind.MINIJOB), ("PUBEMP", SpellKind.PUBLIC_EMPLOYMENT)):
        person, _, mk, jc, day_k = starts((kinds,))
        g = (flat_attr[day_k * n_persons + person] & 3).astype(np.uint8)
        tally.add(component, mk, jc, g)

    # ---- llu / luh amounts of the month containing start, for the row's jobcenter (conv. 8) -----
    # the month of a day by table lookup (one gather instead of calendar arithmetic per row)
    day_month = np.repeat(np.arange(n_amount_months, dtype=np.int32), np.diff(month_first))
    amount_kinds = ((SpellKind.LLU, "LLU_CENTS", "LLU_N"), (SpellKind.LUH, "LUH_CENTS", "LUH_N"))
    n_cells = tally.size
    shape = tally.counts.shape[:3]
    for kind_, cents_name, n_name in amount_kinds:

        def chunks(kind_: SpellKind = kind_) -> Iterator[tuple[npt.NDArray[Any], npt.NDArray[np.int64]]]:
            """Per chunk (millions of rows per kind): the rows with a reported jobcenter, and it."""
            all_rows = by_kind[kind_]  # those starting in the amount months only
            for first in range(0, all_rows.size, _CHUNK):
                rows = all_rows[first : first + _CHUNK]
                out_jc = np.take(jc_map, np.take(spells.jobcenter, rows))  # -1: none, or not reported
                keep = out_jc >= 0
                yield (rows, out_jc) if keep.all() else (rows[keep], out_jc[keep])

        def months_and_cells(rows: npt.NDArray[Any], out_jc: npt.NDArray[np.int64]) -> tuple[Any, Any]:
            month = np.take(day_month, np.take(spells.start, rows) - month_first[0])
            return month, (out_jc * n_months + month) * 3 + GROUP_OTHER  # not split by sex

        cents = np.zeros(n_cells, dtype=np.float64)
        persons = _DistinctPersons(n_persons, n_cells)  # the cases behind the sums
        for rows, out_jc in chunks():
            month, cell = months_and_cells(rows, out_jc)
            euros = np.take(spells.amount, rows)  # sums of whole cents: exact in any order
            cents += np.bincount(cell, weights=np.rint(euros * 100.0), minlength=n_cells)
            persons.add(np.take(spells.person, rows), month, out_jc, cell)
        tally.counts[..., C[cents_name]] += np.rint(cents).astype(np.int64).reshape(shape)
        if persons.some_apart():  # their chunks again: the rows of persons whose rows are not together
            for i, (rows, out_jc) in enumerate(chunks()):
                who = np.take(spells.person, rows)
                if persons.in_chunk(who):
                    persons.recount(i, who, *months_and_cells(rows, out_jc), out_jc)
        tally.counts[..., C[n_name]] += persons.counts().reshape(shape)

    return Counts(
        counts=tally.counts,
        first_month=lo,
        jobcenters=tuple(labels[int(c)] for c in out_codes),
        stichtage=stichtage,
    )


def _runs(
    person: npt.NDArray[np.int32], month: npt.NDArray[Any], jc: npt.NDArray[np.int64],
    before: tuple[int, int, int],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_], tuple[int, int, int]]:
    """Where runs of one (person, month, jobcenter) and runs of one person begin, and rows out of order.

    ``before`` is the (person, month, jobcenter) of the row before the chunk (``-1`` each
    before the first); the chunk's last row is returned for the next. A row is out of order
    when its person is the one before and its (month, jobcenter) is smaller.

    Examples:
        >>> new, person_new, wrong, last = _runs(np.array([4, 4, 4, 2]), np.array([1, 1, 0, 0]),
        ...                                      np.array([7, 7, 7, 7]), (-1, -1, -1))
        >>> new.tolist(), person_new.tolist(), wrong.tolist(), last
        ([True, False, True, True], [True, False, False, True], [False, False, True, False], (2, 0, 7))
    """
    if not person.size:
        empty = np.zeros(0, dtype=np.bool_)
        return empty, empty, empty, before

    def steps(values: npt.NDArray[Any], first: int) -> npt.NDArray[np.int64]:
        out = np.empty(values.size, dtype=np.int64)
        out[0] = int(values[0]) - first
        np.subtract(values[1:], values[:-1], out=out[1:])
        return out

    step_person, step_month, step_jc = steps(person, before[0]), steps(month, before[1]), steps(jc, before[2])
    person_new = step_person != 0
    new = person_new | (step_month != 0) | (step_jc != 0)
    wrong = ~person_new & ((step_month < 0) | ((step_month == 0) & (step_jc < 0)))
    return new, person_new, wrong, (int(person[-1]), int(month[-1]), int(jc[-1]))


class _DistinctPersons:
    """Distinct persons per cell (jobcenter, month) of the amount rows, added chunk by chunk.

    Files usually hold each person's rows together, in month order: then a person counts
    once per run of rows of one month and jobcenter, and the runs are counted without
    sorting. The persons whose rows come apart or out of that order (few, or all of a
    shuffled table) are counted again, exactly, from their distinct (cell, person) keys:
    the chunks that hold them are given once more (:meth:`in_chunk`, :meth:`recount`).
    """

    def __init__(self, n_persons: int, n_cells: int) -> None:
        self.n_persons, self.n_cells = n_persons, n_cells
        self.runs = np.zeros(n_cells, dtype=np.int64)
        self.person_runs = np.zeros(n_persons, dtype=np.int32)
        self.apart = np.zeros(n_persons, dtype=np.bool_)
        self.before: list[tuple[int, int, int]] = [(-1, -1, -1)]  # the row before each chunk
        self.keys: list[npt.NDArray[np.int64]] = []

    def add(self, person: npt.NDArray[np.int32], month: npt.NDArray[Any], jc: npt.NDArray[np.int64],
            cell: npt.NDArray[np.int64]) -> None:
        """Count the runs of the next chunk of rows (in the table's order)."""
        new, person_new, wrong, last = _runs(person, month, jc, self.before[-1])
        self.before.append(last)
        self.runs += np.bincount(cell[new], minlength=self.n_cells)
        np.add.at(self.person_runs, person[person_new], 1)
        self.apart[person[wrong]] = True

    def some_apart(self) -> bool:
        """Whether some person's rows came apart or out of order (after the last :meth:`add`)."""
        self.apart |= self.person_runs > 1
        return bool(self.apart.any())

    def in_chunk(self, person: npt.NDArray[np.int32]) -> bool:
        """Whether a chunk (its rows' persons) holds rows of a person whose rows came apart."""
        return bool(np.take(self.apart, person).any())

    def recount(self, i: int, person: npt.NDArray[np.int32], month: npt.NDArray[Any],
                cell: npt.NDArray[np.int64], jc: npt.NDArray[np.int64]) -> None:
        """Take chunk ``i``'s runs of persons apart back, and note their (cell, person) keys."""
        new, _, _, _ = _runs(person, month, jc, self.before[i])
        mine = np.take(self.apart, person)
        self.runs -= np.bincount(cell[new & mine], minlength=self.n_cells)
        self.keys.append(cell[mine] * self.n_persons + person[mine])

    def counts(self) -> npt.NDArray[np.int64]:
        """The distinct persons per cell."""
        if not self.keys:
            return self.runs
        distinct = np.unique(np.concatenate(self.keys)) // self.n_persons
        return self.runs + np.bincount(distinct, minlength=self.n_cells)
