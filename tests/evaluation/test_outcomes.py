"""Outcomes after entry and exit, censoring and monthly state sequences (evaluation/_outcomes.py)."""

import datetime as dt

import numpy as np

from langzeit.evaluation import SpellIndex, outcomes_of, state_sequences_of
from langzeit.indicators import sequence_measures
from langzeit.spells import SpellTable, date_to_day

END = dt.date(2025, 6, 30)
ORIGIN = date_to_day(dt.date(2024, 1, 15))


def _elb(pid: str, start: str, end: str = "") -> dict[str, str]:
    return {"person_id": pid, "kind": "elb", "start": start, "end": end, "jobcenter": "J"}


def _index() -> SpellIndex:
    return SpellIndex(SpellTable.from_records([
        # a: svp from 2024-03-01 for 4 months only (not continuous), benefit ends 2024-03-31, back 2024-09-01
        _elb("a", "2022-01-01", "2024-03-31"), _elb("a", "2024-09-01"),
        {"person_id": "a", "kind": "svp", "start": "2024-03-01", "end": "2024-06-30"},
        # b: continuous svp from 2024-02-10, benefit continues (Aufstocker) until 2024-05-31
        _elb("b", "2022-01-01", "2024-05-31"),
        {"person_id": "b", "kind": "svp", "start": "2024-02-10", "end": ""},
        # c: stays in benefit, in a measure 2024-06-01 .. 2024-08-31
        _elb("c", "2022-01-01"),
        {"person_id": "c", "kind": "measure", "start": "2024-06-01", "end": "2024-08-31",
         "instrument": "16f"},
        # d: a minijob is no Integration; leaves benefit 2024-12-31
        _elb("d", "2022-01-01", "2024-12-31"),
        {"person_id": "d", "kind": "minijob", "start": "2024-02-01", "end": ""},
    ], data_end=END))


def test_outcomes_hand_computed() -> None:
    """Each outcome at 6 and 12 months, read from the spells as defined in the module."""
    ix = _index()
    o = outcomes_of(ix, np.arange(4), np.full(4, ORIGIN), horizons=(6, 12))
    # horizon days: 2024-07-15 and 2025-01-15
    assert o.get("integration", 6).tolist() == [True, True, False, False]
    # a's svp does not cover S(Apr)…S(Sep) 2024; b's covers S(Mar)…S(Aug) 2024
    assert o.get("continuous_employment", 6).tolist() == [False, True, False, False]
    # a: no ELB at S(Jun 2024) = 2024-06-30 -> bedarfsdeckend; b: in the stock at S(May) = 2024-05-31
    assert o.get("bedarfsdeckend", 6).tolist() == [True, False, False, False]
    assert o.get("off_benefit", 6).tolist() == [True, True, False, False]
    assert o.get("off_benefit", 12).tolist() == [False, True, False, True]
    # a was out on 2024-04-15 … 2024-08-15 and back on 2025-01-15
    assert o.get("back_in_benefit", 12).tolist() == [True, False, False, False]
    assert o.get("back_in_benefit", 6).tolist() == [False, False, False, False]
    assert o.get("in_measure", 6).tolist() == [False, False, True, False]


def test_follow_up_beyond_the_data_end_is_censored() -> None:
    """Continuity at 12 months needs S(Jan 2025 + 6) = 2025-07-31 > data end: censored, not False."""
    ix = _index()
    o = outcomes_of(ix, np.arange(4), np.full(4, ORIGIN), horizons=(6, 12, 24))
    assert not o.observed("continuous_employment", 12).any()
    assert o.observed("bedarfsdeckend", 12).all()  # S(Apr 2025) <= 2025-06-30
    assert not o.observed("off_benefit", 24).any()
    assert not o.get("off_benefit", 24).any()
    r = o.rates()
    assert r.get("continuous_employment_12m").denominator == 0
    assert r.get("continuous_employment_12m").value is None
    assert r.get("off_benefit_12m").numerator == 2
    assert r.get("off_benefit_12m").denominator == 4


def test_state_sequences_work_with_the_sequence_tools() -> None:
    """Monthly states from the spells, unobserved after the data end, measured by sequence_measures."""
    ix = _index()
    s = state_sequences_of(ix, np.arange(4), np.full(4, ORIGIN), months=18)
    assert s.to_lists()[0][:9] == ["benefit", "benefit", "work_with_benefit", "work", "work", "work", "out",
                                   "out", "benefit"]
    assert s.lengths.tolist() == [18] * 4  # 2025-07-15 is after the data end
    assert s.to_lists()[2][4:8] == ["benefit", "measure", "measure", "measure"]
    m = sequence_measures(s)
    assert m.rows()[3]["transitions"] == 1  # d: benefit -> out; a minijob is not work
