"""Eligibility facts from spells: benefit and employment days, household, unemployment (evaluation)."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import Participant, eligibility
from langzeit.evaluation import (
    SpellIndex,
    UnemploymentSpells,
    eligibility_facts,
    eligibility_facts_table,
)
from langzeit.spells import SpellTable

DAY = dt.date(2024, 1, 1)  # the seven-year window is 2017-01-01 .. 2023-12-31
END = dt.date(2024, 12, 31)


def _elb(pid: str, start: str, end: str, jc: str = "J", single_parent: str = "0") -> dict[str, str]:
    return {"person_id": pid, "kind": "elb", "start": start, "end": end, "jobcenter": jc,
            "single_parent": single_parent}


def _spell(pid: str, kind: str, start: str, end: str, instrument: str = "") -> dict[str, str]:
    return {"person_id": pid, "kind": kind, "start": start, "end": end, "instrument": instrument}


def _table() -> SpellTable:
    return SpellTable.from_records([
        _elb("a", "2015-01-01", "2016-11-30"),  # before the window
        _elb("a", "2016-12-01", "2017-01-31"),  # 31 days inside (January 2017)
        _elb("a", "2018-01-01", "2020-12-31", "J"),  # 365 + 365 + 366
        _elb("a", "2020-06-01", "2021-05-31", "K"),  # overlaps the last: + 151 (Jan-May 2021)
        _elb("a", "2023-12-31", "2024-03-31", single_parent="1"),  # 1 day inside; the day itself excluded
        _spell("a", "svp", "2019-01-01", "2019-01-31"),
        _spell("a", "minijob", "2019-01-15", "2019-02-14"),  # union with the svp: 45 days
        _spell("a", "self_employment", "2022-03-01", "2022-03-10"),  # 10
        _spell("a", "apprenticeship", "2016-12-25", "2017-01-05"),  # 5 inside
        _spell("a", "public_employment", "2021-01-01", "2021-06-30", "16i"),  # not employment (Nr. 3)
        _spell("a", "measure", "2022-01-01", "2022-02-28", "45sgb3"),  # not employment
        _elb("b", "2023-01-01", "", single_parent="0"),
    ], data_end=END)


def test_benefit_days_count_the_union_of_elb_spells_in_seven_years() -> None:
    """31 + 1096 + 151 + 1 = 1279 days: overlaps once, the day itself and earlier years not."""
    assert eligibility_facts(_table(), "a", DAY).benefit_days == 31 + 365 + 365 + 366 + 151 + 1


def test_employment_days_count_svp_minijob_self_employment_and_apprenticeship() -> None:
    """45 (svp ∪ minijob) + 10 (self-employment) + 5 (apprenticeship); public employment and measures not."""
    assert eligibility_facts(_table(), "a", DAY).employment_days == 45 + 10 + 5


def test_single_parent_household_on_the_day_before_is_a_minor_child() -> None:
    """single_parent = 1 on the deciding elb spell of 31.12.2023: a minor child; 0 is not known."""
    t = _table()
    assert eligibility_facts(t, "a", DAY).minor_child is True
    assert eligibility_facts(t, "a", dt.date(2023, 12, 31)).minor_child is None
    assert eligibility_facts(t, "b", DAY).minor_child is None


def test_facts_beyond_the_data_end_are_not_known() -> None:
    """The window's last day (day − 1) must be on or before the data's end."""
    t = _table()
    inside = eligibility_facts(t, "b", dt.date(2025, 1, 1))  # last day 2024-12-31 = data end
    assert inside.benefit_days == 731
    beyond = eligibility_facts(t, "b", dt.date(2025, 1, 2))
    assert (beyond.benefit_days, beyond.employment_days, beyond.minor_child) == (None, None, None)


def test_a_window_before_the_data_start_is_not_known() -> None:
    """With data_start 2017-01-02 the window from 2017-01-01 is not covered; with 2017-01-01 it is."""
    t = _table()
    assert eligibility_facts(t, "a", DAY, data_start=dt.date(2017, 1, 2)).benefit_days is None
    assert eligibility_facts(t, "a", DAY, data_start=dt.date(2017, 1, 1)).benefit_days == 1279


def test_a_person_without_spells_has_no_facts() -> None:
    """An id the spell table does not hold: every fact unknown, not zero."""
    f = eligibility_facts(_table(), "nobody", DAY)
    assert (f.benefit_days, f.employment_days, f.minor_child, f.unemployed) == (None, None, None, None)


def test_unemployment_is_left_unknown_without_unemployment_periods() -> None:
    """The spell format has no unemployment kind: without periods § 16e is assumed, not refused."""
    f = eligibility_facts(_table(), "a", DAY)
    assert (f.unemployed, f.unemployed_since) == (None, None)
    r = eligibility("16e", Participant("a"), DAY, f)
    assert r.eligible
    assert r.assumed == ("unemployed for at least two years (§ 16e Abs. 3 SGB II): not given",)


def test_unemployed_since_reaches_back_through_a_short_sickness() -> None:
    """Unemployed 2021-01 .. 06, sick 31 days (≤ 42), unemployed from 2021-08-01 on: since 2021-01-01."""
    t = _table()
    u = UnemploymentSpells.from_records(t, [
        {"person_id": "b", "start": "2021-01-01", "end": "2021-06-30"},
        {"person_id": "b", "start": "2021-07-01", "end": "2021-07-31", "kind": "sickness"},
        {"person_id": "b", "start": "2021-08-01", "end": "2024-01-31"},
    ])
    f = eligibility_facts(t, "b", DAY, unemployment=u)
    assert (f.unemployed, f.unemployed_since) == (True, dt.date(2021, 1, 1))
    after = eligibility_facts(t, "b", dt.date(2024, 3, 1), unemployment=u)
    assert (after.unemployed, after.unemployed_since) == (False, None)
    assert eligibility("16e", Participant("b"), dt.date(2024, 3, 1), after).failures[0].guard == "16e_lza"
    cut = eligibility_facts(t, "b", DAY, unemployment=u, data_start=dt.date(2021, 1, 1))
    assert (cut.unemployed, cut.unemployed_since) == (True, None)  # the start may lie before the data


def test_16e_two_years_from_spells() -> None:
    """Unemployed since 2022-01-01: on 2024-01-01 two years (eligible), on 2023-12-31 not."""
    t = _table()
    u = UnemploymentSpells.from_records(t, [{"person_id": "b", "start": "2022-01-01", "end": "2024-06-30"}])
    p = Participant("b")
    assert eligibility("16e", p, DAY, eligibility_facts(t, "b", DAY, unemployment=u)).eligible
    early = dt.date(2023, 12, 31)
    r = eligibility("16e", p, early, eligibility_facts(t, "b", early, unemployment=u))
    assert [f.guard for f in r.failures] == ["16e_lza"]


def test_the_table_equals_the_single_calls_and_takes_an_index() -> None:
    """One vectorised table, row by row the same as eligibility_facts; a SpellIndex is reused."""
    t = _table()
    ix = SpellIndex(t)
    days = [DAY, dt.date(2020, 5, 17), dt.date(2025, 6, 1)]
    table = eligibility_facts_table(ix, ["a", "b", "a"], days)
    assert [table.facts(i) for i in range(3)] == [eligibility_facts(t, p, d)
                                                  for p, d in zip(["a", "b", "a"], days, strict=True)]
    assert table.rows()[2]["benefit_days"] is None
    assert set(table.by_person()) == {"a", "b"}


_DAYS = st.integers(0, 4000)


@given(st.lists(st.tuples(st.sampled_from(["elb", "svp", "minijob", "measure"]), _DAYS, st.integers(0, 900)),
                min_size=1, max_size=12), st.integers(2600, 4500))
def test_counts_equal_a_day_by_day_oracle(spells: list[tuple[str, int, int]], day: int) -> None:
    """benefit_days and employment_days equal the size of the set of covered days in the window."""
    base = dt.date(2010, 1, 1)
    rows = [{"person_id": "x", "kind": k, "start": str(base + dt.timedelta(s)),
             "end": str(base + dt.timedelta(s + n)), "jobcenter": "J" if k == "elb" else "",
             "instrument": "45sgb3" if k == "measure" else ""} for k, s, n in spells]
    t = SpellTable.from_records(rows, data_end=base + dt.timedelta(5000))
    on = base + dt.timedelta(day)
    first = dt.date(on.year - 7, on.month, min(on.day, 28)) if (on.month, on.day) == (2, 29) \
        else dt.date(on.year - 7, on.month, on.day)
    window = {first + dt.timedelta(i) for i in range((on - first).days)}

    def covered(kinds: set[str]) -> int:
        days: set[dt.date] = set()
        for k, s, n in spells:
            if k in kinds:
                days |= {base + dt.timedelta(s + i) for i in range(n + 1)}
        return len(days & window)

    f = eligibility_facts(t, "x", on)
    assert f.benefit_days == covered({"elb"})
    assert f.employment_days == covered({"svp", "minijob"})
