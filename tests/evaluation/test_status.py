"""Status at entry: benefit history, LZB, LZA, household, earlier Integrationen (evaluation/_status.py)."""

import datetime as dt

import numpy as np

from langzeit._calendar import DAYS_PER_MONTH
from langzeit.evaluation import SpellIndex, UnemploymentSpells, entry_status, link
from langzeit.events import Admitted, Referred
from langzeit.indicators import EventColumns
from langzeit.spells import SpellTable, date_to_day

END = dt.date(2025, 12, 31)


def _table() -> SpellTable:
    return SpellTable.from_records([
        # p1: in benefit 2023-01-01 .. open, single parent in JC2 since 2024-01-01
        {"person_id": "p1", "kind": "elb", "start": "2023-01-01", "end": "2023-12-31", "jobcenter": "1",
         "sex": "F"},
        {"person_id": "p1", "kind": "elb", "start": "2024-01-01", "end": "", "jobcenter": "2", "sex": "F",
         "single_parent": "1"},
        {"person_id": "p1", "kind": "svp", "start": "2023-05-02", "end": "2023-06-30"},
        {"person_id": "p1", "kind": "measure", "start": "2023-08-01", "end": "2023-09-30",
         "instrument": "45sgb3"},
        # p2: benefit only 2024-03-01 .. 2024-03-31
        {"person_id": "p2", "kind": "elb", "start": "2024-03-01", "end": "2024-03-31", "jobcenter": "1",
         "sex": "M"},
    ], data_end=END)


def test_status_at_admission_hand_computed() -> None:
    """Months in benefit, LZB, household, jobcenter and earlier Integrationen/measures on the day."""
    t = _table()
    cols = EventColumns.from_events([Referred("e0", "p1", dt.date(2024, 6, 1)),
                                     Admitted("e1", "p1", dt.date(2025, 1, 1)),
                                     Admitted("e2", "p2", dt.date(2024, 4, 1))])
    s = entry_status(link(cols, t), cols, SpellIndex(t))
    r1, r2 = s.rows()
    # p1 on 2025-01-01: 24 months back = 2023-01-01 .. 2024-12-31, all 731 days in benefit
    assert r1["months_in_benefit_24"] == round(731 / DAYS_PER_MONTH, 2)
    assert r1["months_in_benefit_60"] == round(731 / DAYS_PER_MONTH, 2)
    # window [2023-01-03, 2025-01-01] lies inside the benefit spells: 730 days >= 638
    assert r1["lzb"] is True
    assert r1["single_parent"] is True
    assert r1["jobcenter"] == "2"
    assert r1["integrationen_60"] == 1
    assert r1["measures_60"] == 1
    assert r1["lza"] is None
    # p2 on 2024-04-01: out of benefit, 31 days in the 24 months before
    assert r2["in_benefit"] is False
    assert r2["jobcenter"] is None
    assert r2["months_in_benefit_24"] == round(31 / DAYS_PER_MONTH, 2)
    assert r2["lzb"] is False


def test_referral_origin_uses_the_referral_date() -> None:
    """The status at referral reads the first referral date (only participants who have one)."""
    t = _table()
    cols = EventColumns.from_events([Referred("e0", "p1", dt.date(2024, 6, 1)),
                                     Admitted("e2", "p2", dt.date(2024, 4, 1))])
    s = entry_status(link(cols, t), cols, SpellIndex(t), origin="referral")
    assert s.participant_ids == ("p1",)
    assert s.day.tolist() == [date_to_day(dt.date(2024, 6, 1))]
    # 2022-06-01 .. 2024-05-31: benefit from 2023-01-01 = 517 days; LZB window 2022-06-03 ..: 517 < 638
    assert s.rows()[0]["months_in_benefit_24"] == round(517 / DAYS_PER_MONTH, 2)
    assert s.rows()[0]["lzb"] is False


def test_lza_bridges_a_45sgb3_measure_and_short_sickness() -> None:
    """Unemployment continues through a § 45 SGB III measure and ≤ 42 days of sickness (§ 18 SGB III)."""
    t = _table()  # p1 has a 45sgb3 measure 2023-08-01 .. 2023-09-30
    u = UnemploymentSpells.from_records(t, [
        {"person_id": "p1", "start": "2023-01-01", "end": "2023-07-31"},
        {"person_id": "p1", "start": "2023-10-01", "end": "2023-11-30"},
        {"person_id": "p1", "start": "2023-12-01", "end": "2024-01-10", "kind": "sickness"},  # 41 days
        {"person_id": "p1", "start": "2024-01-11", "end": "2024-12-31"},
        {"person_id": "p2", "start": "2023-01-01", "end": "2023-06-30"},
        {"person_id": "p2", "start": "2023-07-01", "end": "2023-08-20", "kind": "sickness"},  # 51 days
        {"person_id": "p2", "start": "2023-08-21", "end": "2024-12-31"},
    ])
    day = date_to_day(dt.date(2023, 12, 31))  # 364 days after 2023-01-01, but p1 is sick that day
    d2 = date_to_day(dt.date(2024, 1, 11))
    got = u.long_term_unemployed(t, np.array([0, 0, 1, 1]), np.array([day, d2, d2, day]))
    # p2's sickness is too long: the period restarts on 2023-08-21
    assert got.tolist() == [False, True, False, False]
    assert u.long_term_unemployed(t, [1], [date_to_day(dt.date(2024, 8, 19))]).tolist() == [True]
    assert u.long_term_unemployed(t, [1], [date_to_day(dt.date(2024, 8, 18))]).tolist() == [False]
