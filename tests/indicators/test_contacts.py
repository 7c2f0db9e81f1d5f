"""Contact density (Beratungskontakte): hand-computed densities per participation month and coach month."""

from datetime import date

import numpy as np
import pytest

from langzeit._calendar import DAYS_PER_MONTH
from langzeit.events import (
    Admitted,
    AftercareStarted,
    CoachAssigned,
    Contacted,
    Event,
    Exited,
    Referred,
)
from langzeit.exceptions import ValidationError
from langzeit.indicators import (
    ConfidentialityRule,
    EventColumns,
    contact_density,
    group_participants,
    poisson_rate_interval,
)
from langzeit.indicators._columns import OTHER_CHANNEL
from langzeit.indicators._contacts import contact_counts, contact_density_table

END = date(2024, 12, 2)


def _log() -> list[Event]:
    """p1 twice (exit, aftercare contact, re-referral), p2 without contacts, p3 contacted without a coach."""
    return [
        Referred("r1", "p1", date(2024, 1, 2)), Admitted("a1", "p1", date(2024, 1, 8)),
        CoachAssigned("c1", "p1", date(2024, 1, 8), coach_id="c1"),
        Contacted("k1", "p1", date(2024, 1, 15), channel="in_person", minutes=60, coach_id="c1"),
        Contacted("k2", "p1", date(2024, 2, 20), channel="phone", minutes=15, coach_id="c1"),
        Exited("x1", "p1", date(2024, 4, 8), reason="work", outcome="svp"),
        AftercareStarted("n1", "p1", date(2024, 4, 8)),
        Contacted("k3", "p1", date(2024, 5, 6), channel="phone", minutes=10, coach_id="c1"),  # aftercare
        Referred("r2", "p1", date(2024, 9, 2)), Admitted("a2", "p1", date(2024, 9, 2)),
        CoachAssigned("c2", "p1", date(2024, 9, 2), coach_id="c2"),
        Contacted("k4", "p1", date(2024, 9, 16), channel="video", minutes=30, coach_id="c2"),
        Referred("r3", "p2", date(2024, 2, 1)), Admitted("a3", "p2", date(2024, 2, 1)),
        CoachAssigned("c3", "p2", date(2024, 2, 1), coach_id="c1"),
        Exited("x2", "p2", date(2024, 8, 1), reason="dropout"),
        Referred("r4", "p3", date(2024, 3, 1)), Admitted("a4", "p3", date(2024, 3, 1)),
        Contacted("k5", "p3", date(2024, 3, 11), channel="outreach", minutes=45),
    ]


def test_participation_months_are_the_stays_of_each_participation() -> None:
    """Stays of 3, 3, 6 and 9 months + 1 day; the time between p1's two participations is no month."""
    d = contact_density(_log(), data_end=END)
    months = 3 + 3 + 6 + 9 + 1 / DAYS_PER_MONTH
    r = d.get()
    assert r.numerator == 4  # k1, k2 (stay 1), k4 (stay 2), k5 — not the aftercare contact k3
    assert r.denominator == pytest.approx(months)
    assert r.value == pytest.approx(4 / months)
    assert r.minutes == 150
    assert r.minutes_per_month == pytest.approx(150 / months)
    low, high = poisson_rate_interval(4, months)
    assert (r.lower, r.upper) == (pytest.approx(low), pytest.approx(high))
    row = d.rows()[0]
    assert (row["participations"], row["persons"], row["outside_stay"]) == (4, 3, 1)
    assert row["per"] == "participation month"


def test_channels_add_up_to_the_total() -> None:
    """One contact each in person, by phone, by video and outreach; none in a group."""
    d = contact_density(_log(), data_end=END)
    channels = ("in_person", "phone", "video", "outreach", "group")
    assert [d.get(ch).numerator for ch in channels] == [1, 1, 1, 1, 0]
    assert d.get("phone").minutes == 15
    aftercare = next(r for r in d.rows() if r["scope"] == "participation" and r["channel"] == "phone")
    assert aftercare["outside_stay"] == 1


def test_a_coach_with_two_participants_counts_each_day_once() -> None:
    """c1 holds p1 (8 Jan – 8 Apr) and p2 (1 Feb – 1 Aug): active 8 Jan – 1 Aug = 6 months + 24 days."""
    d = contact_density(_log(), data_end=END)
    c1 = d.get(coach="c1")
    months = 6 + 24 / DAYS_PER_MONTH
    assert c1.denominator == pytest.approx(months)
    assert c1.numerator == 3  # the aftercare contact too: it falls in c1's active period (p2)
    assert c1.value == pytest.approx(3 / months)
    assert d.get("phone", coach="c1").numerator == 2
    assert c1.minutes == 85
    c2 = d.get(coach="c2")
    assert (c2.numerator, c2.denominator) == (1, pytest.approx(3.0))
    everyone = d.get(coach="all")
    assert everyone.numerator == 4  # the outreach contact has no coach
    assert everyone.denominator == pytest.approx(months + 3)
    rows = [r for r in d.rows() if r["scope"] != "participation"]
    assert [(r["unit"], r["channel"], r["persons"]) for r in rows if r["channel"] == "total"] == [
        ("c1", "total", 2), ("c2", "total", 1), ("all", "total", 2)]


def test_a_contact_outside_every_case_adds_its_day() -> None:
    """A coach's contact with someone not assigned to them counts one day of activity."""
    log = [Admitted("a1", "p1", date(2024, 1, 1)), CoachAssigned("c1", "p1", date(2024, 1, 1), coach_id="c9"),
           Exited("x1", "p1", date(2024, 2, 1), reason="completed"),
           Admitted("a2", "p2", date(2024, 1, 1)),
           Contacted("k1", "p2", date(2024, 3, 11), channel="group", minutes=90, coach_id="c9")]
    d = contact_density(log, data_end=date(2024, 4, 1))
    c9 = d.get(coach="c9")
    assert c9.numerator == 1
    assert c9.denominator == pytest.approx(1 + 1 / DAYS_PER_MONTH)


def test_zero_contacts_give_a_zero_density_with_an_upper_limit() -> None:
    """Admitted participants without contacts: 0 per month, Garwood upper limit 3.689 / months."""
    log = [Admitted("a1", "p1", date(2024, 1, 1)), Admitted("a2", "p2", date(2024, 1, 1)),
           CoachAssigned("c1", "p1", date(2024, 1, 1), coach_id="c1")]
    d = contact_density(log, data_end=date(2024, 7, 1))
    r = d.get()
    assert (r.numerator, r.denominator, r.value, r.lower) == (0, 12.0, 0.0, 0.0)
    assert r.upper == pytest.approx(3.6889 / 12, abs=1e-4)
    assert (d.get(coach="c1").numerator, d.get(coach="c1").denominator) == (0, 6.0)


def test_an_empty_log_has_no_density() -> None:
    """No stays: no months, no value; no coaches."""
    d = contact_density([])
    assert d.get().value is None
    assert d.coaches == ()
    assert [r["scope"] for r in d.rows()] == ["participation"] * 6


def test_contacts_after_the_data_end_are_not_counted() -> None:
    """A contact after ``data_end`` is neither in a stay nor outside it."""
    log = [Admitted("a1", "p1", date(2024, 1, 1)),
           Contacted("k1", "p1", date(2024, 3, 1), channel="phone"),
           Contacted("k2", "p1", date(2024, 8, 1), channel="phone")]
    d = contact_density(log, data_end=date(2024, 7, 1))
    assert d.get().numerator == 1
    assert d.rows()[0]["outside_stay"] == 0


def test_the_columns_read_channel_coach_and_minutes() -> None:
    """``contacted`` rows: code = channel, key = coach (-1 without), value = minutes (negative read as 0)."""
    cols = EventColumns.from_events([
        Contacted("k1", "p1", date(2024, 1, 1), channel="video", minutes=25, coach_id="c1"),
        Contacted("k2", "p1", date(2024, 1, 2), channel="Hausbesuch", minutes=-5)])
    assert cols.code.tolist() == [2, OTHER_CHANNEL]
    assert cols.key.tolist() == [0, -1]
    assert cols.keys == ("c1",)
    assert cols.value.tolist() == [25, 0]


def test_an_unknown_channel_is_shown_as_other() -> None:
    """A channel text outside CONTACT_CHANNELS counts in ``other`` and in the total."""
    log = [Admitted("a1", "p1", date(2024, 1, 1)), Contacted("k1", "p1", date(2024, 1, 9), channel="letter")]
    d = contact_density(log, data_end=date(2024, 2, 1))
    assert d.get("other").numerator == 1
    assert d.get().numerator == 1
    assert [r["channel"] for r in d.rows()][-1] == "other"


def test_groups_add_up_and_small_groups_are_hidden() -> None:
    """By sex: F has one person (primary), M then hidden too (secondary); ``all`` stays shown."""
    log: list[Event] = []
    for i in range(5):
        log += [Admitted(f"a{i}", f"p{i}", date(2024, 1, 1)),
                Contacted(f"k{i}", f"p{i}", date(2024, 1, 10), channel="phone")]
    sexes = {"p0": {"sex": "F"}, **{f"p{i}": {"sex": "M"} for i in range(1, 5)}}
    by = group_participants(EventColumns.from_events(log).participants, sexes, "sex")
    d = contact_density(log, by=by, data_end=date(2024, 2, 1))
    assert (d.get(group="F").numerator, d.get(group="M").numerator, d.get().numerator) == (1, 4, 5)
    hidden = d.with_confidentiality(ConfidentialityRule())
    assert hidden.get(group="F").suppressed
    assert hidden.get(group="M").suppressed
    assert hidden.get().numerator == 5
    f_row = next(r for r in hidden.rows() if r["unit"] == "F")
    assert f_row["contacts"] is None
    assert f_row["persons"] is None
    assert f_row["flag"] == "primary"


def test_a_coach_of_fewer_than_three_persons_is_hidden() -> None:
    """Coach rows count persons: c1 with 2 persons is hidden, and the all-coaches row with it."""
    d = contact_density(_log(), data_end=END).with_confidentiality(ConfidentialityRule())
    assert d.get(coach="c1").suppressed
    assert d.get(coach="all").suppressed
    assert not d.get().suppressed  # 3 persons with a stay


def test_unknown_cells_are_refused() -> None:
    """An unknown channel, group or coach is a ValidationError."""
    d = contact_density(_log(), data_end=END)
    for call in (lambda: d.get("fax"), lambda: d.get(group="F"), lambda: d.get(coach="c7")):
        with pytest.raises(ValidationError):
            call()


def test_partitions_of_persons_merge_to_the_whole() -> None:
    """c1's participants in different partitions: merged counts give the whole log's densities exactly."""
    log = _log()
    whole = contact_density(log, data_end=END)
    end = (END - date(1970, 1, 1)).days
    parts = [[e for e in log if e.participant_id in group] for group in (("p1",), ("p2", "p3"))]
    a, b = (contact_counts(p, by=None, end_day=end) for p in parts)
    merged = contact_density_table(a.merge(b), ("all",))
    assert merged.rows() == whole.rows()
    assert np.array_equal(merged.coach_months, whole.coach_months)


def test_columns_from_arrays_without_a_channel_count_as_other() -> None:
    """A columnar source that leaves ``code`` at -1 on contacts: channel ``other``, not the first channel."""
    from langzeit.indicators._columns import TYPE_CODES

    cols = EventColumns.from_arrays(["p1"], [0, 0], [TYPE_CODES["admitted"], TYPE_CODES["contacted"]],
                                    [19723, 19730])
    d = contact_density(cols, data_end=date(2024, 2, 1))
    assert d.get("other").numerator == 1
    assert d.get("in_person").numerator == 0
