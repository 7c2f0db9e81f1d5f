"""Spell coverage at (person, day) pairs and the per-person LZB rule (indicators/_coverage.py)."""

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit._calendar import month_of
from langzeit.indicators import SpellCoverage, long_term_recipient
from langzeit.indicators._kennzahlen_counts import C, compute_counts
from langzeit.spells import SpellKind, SpellTable, date_to_day, generate_spells


def test_lzb_per_person_equals_the_kennzahlen_lzb_stock() -> None:
    """Summed over persons, the per-person LZB rule gives the Kennzahlen' LZB stock at each Stichtag."""
    t = generate_spells(3000, seed=5, start=dt.date(2020, 1, 1), end=dt.date(2024, 6, 30))
    months = [month_of(dt.date(2024, 5, 1))]
    counts = compute_counts(t, months, stichtag=None, data_end=t.data_end, jobcenters=None, count_16k=False)
    cov = SpellCoverage.from_spells(t, [SpellKind.ELB])
    persons = np.arange(t.n_persons)
    for k in range(counts.counts.shape[1]):
        day = int(counts.stichtage[k])
        expected = int(counts.counts[:, k, :, C["LZB"]].sum())
        assert int(long_term_recipient(cov, persons, day).sum()) == expected
        assert int(cov.covers(persons, day).sum()) == int(counts.counts[:, k, :, C["STOCK"]].sum())


def test_lzb_boundary_hand_computed() -> None:
    """638 covered days of the 730-day window make LZB; 637 do not; a gap of the stock day excludes."""
    base = dt.date(2022, 1, 1)
    recs = [
        {"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"},
        # b: covered through 2023-09-29, then a gap on the stock day
        {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "2023-09-29", "jobcenter": "J"},
        {"person_id": "b", "kind": "elb", "start": "2023-10-02", "end": "", "jobcenter": "J"},
    ]
    t = SpellTable.from_records(recs, data_end=dt.date(2024, 12, 31))
    d637 = date_to_day(base) + 636  # 2023-09-29: 637 days covered
    got = long_term_recipient(t, [0, 0, 1, 1], [d637, d637 + 1, d637 + 1, d637 + 3])
    # b on 2023-10-02: window [2021-10-03, 2023-10-02] covers 637 + 1 = 638 days
    assert got.tolist() == [False, True, False, True]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 60), st.integers(0, 20)), max_size=8),
       st.lists(st.tuples(st.integers(0, 2), st.integers(-5, 90), st.integers(0, 40)), min_size=1,
                max_size=10))
def test_days_covered_equals_counting_days(spells: list[tuple[int, int, int]],
                                           queries: list[tuple[int, int, int]]) -> None:
    """Covered days of a window equal the days of the window in some spell (counted one by one)."""
    p = np.array([s[0] for s in spells], dtype=np.int64)
    start = np.array([s[1] for s in spells], dtype=np.int64)
    end = start + np.array([s[2] for s in spells], dtype=np.int64)
    from langzeit.indicators._coverage import _union_intervals

    up, us, ue = _union_intervals(p.astype(np.int32), start, end)
    cov = SpellCoverage(up.astype(np.int64), us, ue, 3)
    for person, first, width in queries:
        days = {d for q, s, e in zip(p, start, end, strict=True) if q == person for d in range(s, e + 1)}
        last = first + width
        expected = sum(1 for d in range(first, last + 1) if d in days)
        assert int(cov.days_covered([person], [first], [last])[0]) == expected
        assert bool(cov.covers([person], [first])[0]) == (first in days)
