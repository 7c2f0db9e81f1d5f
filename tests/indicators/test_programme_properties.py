"""Invariants of the programme indicators: additivity over partitions, any log, date arithmetic."""

from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit import indicators as ind
from langzeit._calendar import add_months, day_number, from_day_number, months_between_days
from langzeit.domain import months_between
from langzeit.events import Admitted, Event, Exited, Extended, Referred
from langzeit.indicators import EventColumns
from strategies import event_logs

days = st.dates(date(2000, 1, 1), date(2040, 12, 31))


@given(days, days)
def test_months_between_days_equals_the_domain_rule(a: date, b: date) -> None:
    """Vectorised completed months equal langzeit.domain.months_between (relativedelta)."""
    got = months_between_days(np.array([day_number(a)]), np.array([day_number(b)]))[0]
    assert got == months_between(a, b)


@given(days, st.integers(-30, 30))
def test_add_months_equals_relativedelta(a: date, k: int) -> None:
    """Vectorised month addition clamps like relativedelta."""
    got = add_months(np.array([day_number(a)]), k)[0]
    assert from_day_number(int(got)) == a + relativedelta(months=k)


@st.composite
def pathways(draw: st.DrawFn, prefix: str) -> list[Event]:
    """Simple pathways (referral, admission, extension, exit) of up to six participants."""
    n = draw(st.integers(0, 6))
    out: list[Event] = []
    for i in range(n):
        pid = f"{prefix}{i}"
        start = date(2024, 1, 1) + timedelta(days=draw(st.integers(0, 300)))
        out.append(Referred(f"{pid}r", pid, start))
        if draw(st.booleans()):
            adm = start + timedelta(days=draw(st.integers(0, 60)))
            out.append(Admitted(f"{pid}a", pid, adm))
            if draw(st.booleans()):
                out.append(Extended(f"{pid}x", pid, adm + timedelta(days=200),
                                    until=adm + timedelta(days=400)))
            if draw(st.booleans()):
                out.append(Exited(f"{pid}e", pid, adm + timedelta(days=draw(st.integers(0, 400))),
                                  reason=draw(st.sampled_from(["work", "dropout", "other"])),
                                  outcome=draw(st.sampled_from(["svp", "minijob", "none"]))))
    return out


@given(pathways("a"), pathways("b"))
def test_counts_of_two_partitions_add_up(part_a: list[Event], part_b: list[Event]) -> None:
    """Numerators and denominators of two disjoint sets of participants add up to the whole (DESIGN.md)."""
    whole = part_a + part_b
    for calc in (ind.take_up, ind.dropout_rate, ind.outcomes_by_kind):
        t_all, t_a, t_b = calc(whole), calc(part_a), calc(part_b)
        assert np.array_equal(t_all.numerator, t_a.numerator + t_b.numerator)
        assert np.array_equal(t_all.denominator, t_a.denominator + t_b.denominator)


@settings(max_examples=25)
@given(event_logs())
def test_every_calculator_accepts_any_valid_log(log: object) -> None:
    """All calculators run on arbitrary valid logs and keep numerators within denominators."""
    cols = EventColumns.from_events(log)  # type: ignore[arg-type]
    for t in (ind.take_up(cols), ind.dropout_rate(cols), ind.outcomes_by_kind(cols), ind.funnel(cols),
              ind.exits_by_phase(cols), ind.sustainability(cols), ind.plan_step_achievement(cols)):
        assert np.all(t.numerator <= t.denominator)
    ind.waiting_list(cols)
    ind.stay_lengths(cols, planned_months=12)
    ind.caseloads(cols)
    ind.scale_change(cols, scale="who5")
    ind.scale_change(cols, scale="swe")
    ci = ind.competing_exits(cols)["all"]
    assert np.allclose(ci.incidence.sum(axis=0) + ci.survival, 1.0)
    ind.state_sequences(cols, months=6)
    assert len(ind.participant_summary(cols).rows()) == cols.n_participants


@given(event_logs())
def test_from_arrays_rebuilds_the_same_columns(log: object) -> None:
    """Columns rebuilt from their arrays are accepted and equal."""
    c = EventColumns.from_events(log)  # type: ignore[arg-type]
    d = EventColumns.from_arrays(c.participants, c.participant, c.type, c.day, key=c.key, code=c.code,
                                 code2=c.code2, value=c.value, keys=c.keys, item_rows=c.item_rows,
                                 items=c.items)
    assert np.array_equal(d.day, c.day)
    assert np.array_equal(d.items, c.items)
    assert d.keys == c.keys


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), min_size=1, max_size=6),
       st.booleans(), st.integers(1, 5))
def test_no_suppressed_numerator_can_be_recovered_by_subtraction(
    cells: list[tuple[int, int]], partition: bool, min_n: int
) -> None:
    """After suppression, no published line (a group column with its total) has exactly one hidden cell."""
    from langzeit.indicators import ConfidentialityRule, RateTable

    num = np.array([[min(a, b), max(a, b) - min(a, b)] for a, b in cells])  # two items per group
    den = np.array([[max(a, b)] * 2 for a, b in cells]) if partition else np.maximum(num, 1) + 3
    groups = ["all"] + [f"g{i}" for i in range(len(cells))]
    t = RateTable.of_counts("x", groups, ("a", "b"), np.vstack([num.sum(axis=0), num]),
                            np.vstack([den.sum(axis=0), den]), partition=partition)
    s = t.with_confidentiality(ConfidentialityRule(min_n=min_n))
    assert s.numerator_flags is not None
    hidden = s.numerator_flags != 0
    # every item's column over the groups, the "all" row included, never hides exactly one cell
    assert not np.any(hidden.sum(axis=0) == 1)
    if partition:  # each group's items with their total (the denominator) form a line too
        assert s.denominator_flags is not None
        assert not np.any(hidden.sum(axis=1) + (s.denominator_flags[:, 0] != 0) == 1)
    shown = t.numerator[~hidden]
    assert np.all((shown == 0) | (shown >= min_n))
