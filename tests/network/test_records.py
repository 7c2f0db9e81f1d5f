"""Records of the social space: validation at construction."""

from datetime import date, time

import pytest

from langzeit.domain import Participant
from langzeit.network import Need, ParticipantProfile, Schedule, Service, ServiceStatus, Tie, TieKind, Travel


def test_schedule_parses_times_and_orders_days() -> None:
    """A schedule parses 'HH:MM' and sorts day codes in week order without duplicates."""
    s = Schedule("09:30", "12:00", byday="fr,MO,FR")
    assert (s.opens_at, s.closes_at, s.byday) == (time(9, 30), time(12, 0), ("MO", "FR"))


@pytest.mark.parametrize(
    ("opens", "closes", "days"),
    [("12:00", "09:00", ""), ("25:00", "26:00", ""), ("9", "10:00", ""), ("09:00", "10:00", "XX")],
)
def test_schedule_refuses_bad_values(opens: str, closes: str, days: str) -> None:
    """Closing before opening, impossible times and unknown day codes are refused."""
    with pytest.raises(ValueError, match=r"closes_at|time|day code"):
        Schedule(opens, closes, byday=days)


def test_service_checks_ages_capacity_and_needs() -> None:
    """A service needs a need, ordered age limits and no more free places than places."""
    with pytest.raises(ValueError, match="meets no need"):
        Service("s", "o", "x", needs=[])
    with pytest.raises(ValueError, match="maximum_age"):
        Service("s", "o", "x", needs=["debt"], minimum_age=30, maximum_age=20)
    with pytest.raises(ValueError, match="exceeds capacity"):
        Service("s", "o", "x", needs=["debt"], capacity=2, available=3)
    with pytest.raises(ValueError, match="twice"):
        Service("s", "o", "x", needs=["debt"], location_ids=["a", "a"])


def test_service_age_limits_are_inclusive() -> None:
    """Ages at the limits are admitted; unknown ages are admitted."""
    s = Service("s", "o", "x", needs=["work"], minimum_age=18, maximum_age=67)
    assert [s.admits_age(a) for a in (17, 18, 67, 68, None)] == [False, True, True, False, True]


def test_only_active_services_are_offered() -> None:
    """Only status 'active' takes people (HSDS status)."""
    assert [Service("s", "o", "x", needs=["work"], status=st).is_offered for st in ServiceStatus] == [
        True, False, False, False,
    ]


def test_travel_is_symmetric_and_not_to_itself() -> None:
    """Travel has an unordered key and may not join an area to itself."""
    assert Travel("B", "A", minutes=5).key == Travel("A", "B", minutes=5).key == ("A", "B")
    with pytest.raises(ValueError, match="itself"):
        Travel("A", "A", minutes=0)
    with pytest.raises(ValueError, match="fare"):
        Travel("A", "B", minutes=3, fare=-1)


def test_tie_defaults_and_checks() -> None:
    """A tie is held by its source by default; self-ties, bad strength and inverted dates are refused."""
    t = Tie("t", "a", "b")
    assert (t.held_by, t.kind, t.strength, t.other("a"), t.touches("b")) == ("a", TieKind.INSTITUTIONAL, 1,
                                                                          "b", True)
    with pytest.raises(ValueError, match="itself"):
        Tie("t", "a", "a")
    with pytest.raises(ValueError, match="strength"):
        Tie("t", "a", "b", strength=4)
    with pytest.raises(ValueError, match="strength"):
        Tie("t", "a", "b", strength=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="before since"):
        Tie("t", "a", "b", since=date(2024, 2, 1), last_contact=date(2024, 1, 1))


def test_participant_profile_converts_needs_and_times() -> None:
    """Needs become a frozenset of Need, the earliest start a time, the age follows the birth month."""
    p = ParticipantProfile(Participant("p", birth_month="1980-05"), "A", needs=["debt", "debt", "housing"],
                           max_fare=3, earliest="08:15")
    assert p.needs == frozenset({Need.DEBT, Need.HOUSING})
    assert (p.max_fare, p.earliest) == (3.0, time(8, 15))
    assert (p.age_on(date(2025, 4, 30)), p.age_on(date(2025, 5, 1)), p.age_on(None)) == (44, 45, None)
    with pytest.raises(ValueError, match="max_fare"):
        ParticipantProfile(Participant("p"), "A", max_fare=-1)
