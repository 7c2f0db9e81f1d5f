"""Spell layer: a seeded generator of realistic synthetic spell data (tests, docs, benchmarks).

The data are built column-wise with numpy (no loop per person): persons with a home
jobcenter, sex and single-parent status; one to several benefit (``elb``) spells with
gaps, some of them in another jobcenter after a move (overlapping the old one by a few
days); job starts of every kind — insured jobs that end benefit receipt, jobs while
still receiving benefits (Aufstocker), apprenticeships, self-employment, Minijobs —,
public employment (§§ 16d, 16i, 16e old, Soziale Teilhabe) and measures (§ 45 SGB III,
§§ 81 ff. SGB III, § 16f, § 16k, Vermittlungsbudget), with codes of the instrument
catalogue valid at their start; and monthly ``llu``/``luh``
entitlements for the months of benefit receipt. Spells that reach beyond ``end`` are
open. The figures are plausible, not calibrated: use them to exercise code, not to
learn about jobcenters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import numpy.typing as npt

from langzeit._calendar import month_first, month_of
from langzeit.exceptions import ValidationError
from langzeit.spells._codes import NO_CODE, OPEN_END, SexCode, SpellKind, date_to_day, day_to_date
from langzeit.spells._table import SpellTable

__all__ = ["generate_spells"]

_INSTRUMENTS = ("16d", "16e_old", "16f", "16i", "16k", "44sgb3", "45sgb3", "81sgb3", "staa")
# the codes of the instrument catalogue, valid at the spell's start: public employment before 2019
# (§ 16e old version, Soziale Teilhabe from November 2015) and from 2019 (§ 16i); § 16k only
# from July 2023
_PUBLIC_BEFORE_STAA = (("16d", 0.8), ("16e_old", 0.2))
_PUBLIC_OLD = (("16d", 0.6), ("16e_old", 0.15), ("staa", 0.25))
_PUBLIC = (("16d", 0.7), ("16i", 0.3))
_MEASURES_OLD = (("45sgb3", 0.55), ("16f", 0.1), ("81sgb3", 0.2), ("44sgb3", 0.15))
_MEASURES = (("45sgb3", 0.5), ("16f", 0.1), ("16k", 0.1), ("81sgb3", 0.15), ("44sgb3", 0.15))
_DAY_STAA = 16740  # 2015-11-01
_DAY_2019 = 17897  # 2019-01-01
_DAY_16K = 19539  # 2023-07-01

IntArray = npt.NDArray[np.int64]


def _dated_pick(
    rng: np.random.Generator, start: IntArray,
    tables: tuple[tuple[int | None, tuple[tuple[str, float], ...]], ...],
) -> npt.NDArray[np.int16]:
    """Instrument codes by start day: ``tables`` are (first day after the table's period, table)."""
    out = np.full(start.shape, NO_CODE, dtype=np.int16)
    lo: int | None = None
    for until, table in tables:
        rows = np.ones(start.shape, dtype=np.bool_)
        if lo is not None:
            rows &= start >= lo
        if until is not None:
            rows &= start < until
        out[rows] = _pick(rng, int(rows.sum()), table)
        lo = until
    return out


def _pick(rng: np.random.Generator, n: int, table: tuple[tuple[str, float], ...]) -> npt.NDArray[np.int16]:
    labels = [label for label, _ in table]
    p = np.array([w for _, w in table])
    idx = rng.choice(len(labels), size=n, p=p / p.sum())
    codes = np.array([_INSTRUMENTS.index(label) for label in labels], dtype=np.int16)
    return codes[idx]


def _segment_cumsum(values: IntArray, first_of_group: npt.NDArray[np.bool_]) -> IntArray:
    """Cumulative sum that restarts at every ``first_of_group`` (exclusive: 0 for the first)."""
    total = np.cumsum(values) - values
    base = np.maximum.accumulate(np.where(first_of_group, total, 0))
    out: IntArray = total - base
    return out


def generate_spells(
    n_persons: int,
    *,
    seed: int | np.random.Generator = 0,
    start: dt.date = dt.date(2019, 1, 1),
    end: dt.date = dt.date(2025, 12, 31),
    n_jobcenters: int | None = None,
    amounts_from: dt.date | None = None,
) -> SpellTable:
    """Synthetic spell data for ``n_persons`` persons between ``start`` and ``end``.

    Args:
        n_persons: number of persons (each has at least one ``elb`` spell).
        seed: an int seed or a ``numpy.random.Generator``.
        start: first day of the observed period (benefit spells may have begun up to
            three years earlier).
        end: the data's end; spells reaching beyond it are open.
        n_jobcenters: number of jobcenters (default: one per 2,500 persons, at least 1).
        amounts_from: write monthly ``llu``/``luh`` rows for the months from this date on
            (default ``start``); ``end`` or later writes none.

    Returns:
        A :class:`SpellTable` with ``data_end = end`` (person ids ``0 … n − 1``).

    Raises:
        ValueError: ``n_persons`` < 1 or ``end`` before ``start``.

    Examples:
        >>> t = generate_spells(200, seed=1)
        >>> t.n_persons, len(t.jobcenter_labels)
        (200, 1)
        >>> bool((t.kind == SpellKind.ELB).any()), bool((t.kind == SpellKind.LLU).any())
        (True, True)
        >>> len(generate_spells(200, seed=1)) == len(t)
        True
    """
    if n_persons < 1:
        raise ValidationError("n_persons must be at least 1")
    if end < start:
        raise ValidationError("end must not be before start")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n_jc = n_jobcenters or max(1, n_persons // 2500)
    day0, day_end = date_to_day(start), date_to_day(end)

    # ---- persons ---------------------------------------------------------------------------
    sex = rng.choice(
        np.array([SexCode.F, SexCode.M, SexCode.D, SexCode.UNKNOWN], dtype=np.uint8),
        size=n_persons, p=[0.48, 0.5, 0.005, 0.015],
    )
    single_parent = rng.random(n_persons) < np.where(sex == SexCode.F, 0.22, 0.03)
    # jobcenter sizes vary (large cities and small districts)
    jc_weights = rng.lognormal(0.0, 0.8, n_jc)
    home = rng.choice(n_jc, size=n_persons, p=jc_weights / jc_weights.sum())
    n_spells = 1 + np.minimum(rng.geometric(0.55, n_persons) - 1, 5)

    # ---- benefit spells ------------------------------------------------------------------------
    person = np.repeat(np.arange(n_persons, dtype=np.int64), n_spells)
    first = np.ones(person.size, dtype=np.bool_)
    first[1:] = person[1:] != person[:-1]
    duration = np.maximum(1, rng.lognormal(np.log(420), 1.0, person.size)).astype(np.int64)
    gap = rng.exponential(200.0, person.size).astype(np.int64) + 1
    first_start = rng.integers(day0 - 3 * 365, day_end - 30, n_persons)
    step = _segment_cumsum(duration + gap, first)
    e_start = first_start[person] + step
    e_end = e_start + duration - 1
    moved = ~first & (rng.random(person.size) < 0.1)
    jc = home[person].astype(np.int64)
    jc = np.where(moved, rng.integers(0, n_jc, person.size), jc)
    # a move: the new jobcenter's spell starts a few days before the old one ends
    overlap = np.where(moved, rng.integers(0, 15, person.size), 0)
    e_start = e_start - overlap
    keep = e_start <= day_end
    keep[first] = True  # everybody stays in the data (first starts lie before ``end``)
    person, e_start, e_end, jc = person[keep], e_start[keep], e_end[keep], jc[keep]
    closed = e_end <= day_end
    n_elb = person.size

    # ---- job starts, public employment and measures -------------------------------------------
    kinds: list[npt.NDArray[np.uint8]] = []
    starts: list[IntArray] = []
    ends: list[IntArray] = []
    persons: list[IntArray] = []
    instruments: list[npt.NDArray[np.int16]] = []

    def add(
        mask: npt.NDArray[np.bool_],
        kind: npt.NDArray[np.uint8] | int,
        begin: IntArray,
        median: float,
        instrument: npt.NDArray[np.int16] | None = None,
    ) -> None:
        n = int(mask.sum())
        length = np.maximum(1, rng.lognormal(np.log(median), 0.9, n)).astype(np.int64)
        kinds.append(np.broadcast_to(np.asarray(kind, dtype=np.uint8), (n,)).copy())
        persons.append(person[mask])
        starts.append(begin)
        ends.append(begin + length - 1)
        instruments.append(np.full(n, NO_CODE, dtype=np.int16) if instrument is None else instrument)

    # an Integration that ends benefit receipt: the job starts around the spell's last day
    leave = closed & (rng.random(n_elb) < 0.45)
    job_kind = rng.choice(
        np.array([SpellKind.SVP, SpellKind.APPRENTICESHIP, SpellKind.SELF_EMPLOYMENT], dtype=np.uint8),
        size=int(leave.sum()), p=[0.84, 0.1, 0.06],
    )
    add(leave, job_kind, e_end[leave] + rng.integers(-25, 6, int(leave.sum())), 300.0)
    within_len = np.minimum(e_end, day_end) - e_start + 1

    def within(mask: npt.NDArray[np.bool_]) -> IntArray:
        out: IntArray = e_start[mask] + (rng.random(int(mask.sum())) * within_len[mask]).astype(np.int64)
        return out

    topup = rng.random(n_elb) < 0.1  # Aufstocker: insured job while still receiving benefits
    add(topup, SpellKind.SVP, within(topup), 240.0)
    mini = rng.random(n_elb) < 0.18
    add(mini, SpellKind.MINIJOB, within(mini), 150.0)
    public = rng.random(n_elb) < 0.06
    begin = within(public)
    add(public, SpellKind.PUBLIC_EMPLOYMENT, begin, 300.0,
        _dated_pick(rng, begin,
                    ((_DAY_STAA, _PUBLIC_BEFORE_STAA), (_DAY_2019, _PUBLIC_OLD), (None, _PUBLIC))))
    measure = rng.random(n_elb) < 0.35
    begin = within(measure)
    add(measure, SpellKind.MEASURE, begin, 90.0,
        _dated_pick(rng, begin, ((_DAY_16K, _MEASURES_OLD), (None, _MEASURES))))

    # ---- monthly entitlements (llu, luh) for the months of benefit receipt --------------------
    # a household's entitlement is the same month after month: one amount per benefit spell
    from_day = date_to_day(amounts_from or start)
    a_lo = np.maximum(e_start, from_day)
    a_hi = np.minimum(e_end, day_end)
    has = np.flatnonzero(a_lo <= a_hi)
    first_month = month_of(day_to_date(min(from_day, day_end)))
    n_table = month_of(day_to_date(day_end)) - first_month + 2
    month_first_day = np.array(
        [date_to_day(month_first(first_month + i)) for i in range(n_table)], dtype=np.int64
    )
    m_lo = np.searchsorted(month_first_day, a_lo[has], side="right") - 1
    m_hi = np.searchsorted(month_first_day, a_hi[has], side="right") - 1
    n_months = m_hi - m_lo + 1
    n_a = int(n_months.sum())
    row_spell = np.repeat(has, n_months)
    month = np.arange(n_a, dtype=np.int64) + np.repeat(m_lo - (np.cumsum(n_months) - n_months), n_months)
    a_day = np.maximum(month_first_day[month], a_lo[row_spell])
    month_end = month_first_day[month + 1] - 1
    a_person = person[row_spell]
    base_llu = np.round(np.clip(rng.normal(563.0, 90.0, n_elb), 50.0, 1500.0), 2)
    base_luh = np.round(np.clip(rng.normal(450.0, 160.0, n_elb), 0.0, 2000.0), 2)
    llu, luh = base_llu[row_spell], base_luh[row_spell]

    # ---- assemble ----------------------------------------------------------------------------
    job_kinds = np.concatenate(kinds)
    job_start = np.concatenate(starts)
    job_end = np.concatenate(ends)
    job_person = np.concatenate(persons)
    job_keep = np.flatnonzero(job_start <= day_end)
    n_jobs = job_keep.size
    n = n_elb + n_jobs + 2 * n_a
    elb_rows, job_rows = slice(0, n_elb), slice(n_elb, n_elb + n_jobs)
    llu_rows, luh_rows = slice(n_elb + n_jobs, n_elb + n_jobs + n_a), slice(n_elb + n_jobs + n_a, n)

    def column(dtype: type, fill: object) -> npt.NDArray[Any]:
        return np.full(n, fill, dtype=dtype)

    kind, all_person = column(np.uint8, SpellKind.ELB), column(np.int32, 0)
    spell_start, spell_end = column(np.int32, 0), column(np.int32, 0)
    jobcenter, instrument = column(np.int32, NO_CODE), column(np.int16, NO_CODE)
    all_sex, all_sp, amount = column(np.uint8, 0), column(np.bool_, False), column(np.float64, np.nan)
    all_person[elb_rows], all_person[job_rows] = person, job_person[job_keep]
    all_person[llu_rows] = all_person[luh_rows] = a_person
    kind[job_rows], kind[llu_rows], kind[luh_rows] = job_kinds[job_keep], SpellKind.LLU, SpellKind.LUH
    spell_start[elb_rows], spell_start[job_rows] = e_start, job_start[job_keep]
    spell_start[llu_rows] = spell_start[luh_rows] = a_day
    spell_end[elb_rows] = np.where(closed, e_end, OPEN_END)
    spell_end[job_rows] = np.where(job_end[job_keep] > day_end, OPEN_END, job_end[job_keep])
    spell_end[llu_rows] = spell_end[luh_rows] = month_end
    jobcenter[elb_rows] = jc
    jobcenter[llu_rows] = jobcenter[luh_rows] = jc[row_spell]  # amounts carry their jobcenter (conv. 8)
    all_sex[elb_rows], all_sp[elb_rows] = sex[person], single_parent[person]
    instrument[job_rows] = np.concatenate(instruments)[job_keep]
    amount[llu_rows], amount[luh_rows] = llu, luh
    return SpellTable(
        person=all_person, kind=kind, start=spell_start, end=spell_end, jobcenter=jobcenter, sex=all_sex,
        single_parent=all_sp, instrument=instrument, amount=amount,
        person_ids=np.arange(n_persons, dtype=np.int32),
        jobcenter_labels=[str(10001 + i) for i in range(n_jc)], instrument_labels=_INSTRUMENTS,
        data_end=day_end,
    )
