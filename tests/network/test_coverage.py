"""Needs coverage: which needs have a really reachable offer, and which hindrances block the others."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import Organisation, Participant
from langzeit.network import (
    Hindrance,
    Location,
    Need,
    ParticipantProfile,
    Schedule,
    Service,
    SocialSpace,
    Tie,
    Travel,
    Trip,
    example_space,
    known_organisations,
    needs_coverage,
    offer_hindrances,
    synthetic_space,
    trip,
)


def _space(**profile: object) -> SocialSpace:
    """Home area H; offers at H (5 min) and at F (40 min by bus + 10 min, fare 4.50 + 0.50)."""
    s = SocialSpace()
    s.add(
        Organisation("near", "Near"), Organisation("far", "Far"),
        Location("l-near", "Near", area="H", organisation_id="near", transit_minutes=5),
        Location("l-far", "Far", area="F", organisation_id="far", transit_minutes=10, fare=0.5),
        Travel("H", "F", minutes=40, fare=4.5),
        Service("s-near", "near", "Near debt", needs=["debt"], location_ids=["l-near"],
                schedules=[Schedule("08:00", "09:00")]),
        Service("s-far", "far", "Far debt", needs=["debt"], location_ids=["l-far"]),
        ParticipantProfile(Participant("p", birth_month="1990-01"), "H", needs=["debt"], **profile),
    )
    return s


def test_trip_adds_travel_and_way_to_the_door() -> None:
    """Trip minutes and fare: travel between areas plus the location's own (hand-computed 50 min, 5.00 €)."""
    s = _space()
    assert trip(s, "H", s.locations["l-far"]) == Trip(50, 5.0)
    assert trip(s, "H", s.locations["l-near"]).minutes == 5
    assert trip(s, "X", s.locations["l-near"]) is None


def test_nearest_offer_without_hindrance_is_chosen() -> None:
    """Without limits biting, the 5-minute offer covers the need."""
    need = needs_coverage(_space(max_minutes=60), "p").get("debt")
    got = (need.covered, need.service_id, need.minutes, need.fare, need.offers)
    assert got == (True, "s-near", 5, 0.0, 2)


def test_early_hours_push_to_the_farther_offer() -> None:
    """Leaving at 08:56 arrives 09:01, after the near offer closed at 09:00; the far one covers."""
    need = needs_coverage(_space(max_minutes=60, earliest="08:56"), "p").get("debt")
    assert (need.service_id, need.minutes) == ("s-far", 50)
    need = needs_coverage(_space(max_minutes=60, earliest="08:54"), "p").get("debt")
    assert need.service_id == "s-near"


def test_blocked_need_counts_each_hindrance() -> None:
    """Too early for the near offer; 50 min > 45 and 5.00 € > 4.00 € for the far one."""
    need = needs_coverage(_space(max_minutes=45, max_fare=4.0, earliest="10:00"), "p").get("debt")
    assert not need.covered
    assert need.blocked == ((Hindrance.TRAVEL_TIME, 1), (Hindrance.FARE, 1), (Hindrance.EARLY_HOURS, 1))
    assert need.nearest == "Near debt (Near, H): closes 09:00, earliest start 10:00"


def test_fare_limit_is_inclusive() -> None:
    """A fare equal to the limit is affordable."""
    assert needs_coverage(_space(max_minutes=50, max_fare=5.0, earliest="10:00"), "p").get("debt").covered
    assert not needs_coverage(_space(max_minutes=49, max_fare=5.0, earliest="10:00"), "p").get("debt").covered


def test_need_without_any_offer_is_no_offer() -> None:
    """A need nobody serves is blocked by 'no_offer'."""
    cov = needs_coverage(_space(), "p", needs=["housing"])
    assert cov.get("housing").hindrances == (Hindrance.NO_OFFER,)
    assert (cov.numerator, cov.denominator, cov.value) == (0, 1, 0.0)


def test_age_limits_apply_only_with_a_date() -> None:
    """Age limits are checked on the day given; without a day they are not."""
    s = _space(max_minutes=60)
    s.add(Service("s-young", "near", "U25", needs=["housing"], location_ids=["l-near"], maximum_age=24))
    assert needs_coverage(s, "p", needs=["housing"]).get("housing").covered
    blocked = needs_coverage(s, "p", needs=["housing"], on=date(2024, 6, 1)).get("housing")
    assert blocked.hindrances == (Hindrance.NOT_ELIGIBLE,)


def test_known_face_is_preferred_over_a_shorter_trip() -> None:
    """An organisation the participant's coach knows wins over a nearer unknown one."""
    from langzeit.domain import Coach

    s = _space(max_minutes=60)
    s.add(Coach("c", role="pap", organisation_id="near"), Tie("t1", "p", "c", consent=True),
          Tie("t2", "c", "far"))
    assert known_organisations(s, "p") == frozenset({"near", "far"})
    s2 = _space(max_minutes=60)
    s2.add(Organisation("jc", "JC", kind="jobcenter"), Coach("c", role="pap", organisation_id="jc"),
           Tie("t1", "p", "c"),
           Tie("t2", "c", "far"))
    need = needs_coverage(s2, "p").get("debt")
    assert (need.service_id, need.known_face) == ("s-far", True)


def test_outreach_service_needs_no_trip() -> None:
    """A service without a location (outreach, phone) covers with 0 minutes from anywhere."""
    s = _space(max_minutes=1)
    s.add(Service("s-phone", "far", "Telefon", needs=["debt"]))
    need = needs_coverage(s, "p").get("debt")
    assert (need.service_id, need.location_id, need.minutes) == ("s-phone", "", 0)


def test_inactive_and_full_services_do_not_cover() -> None:
    """Inactive services and services without free places are hindered."""
    s = SocialSpace()
    s.add(Organisation("o", "O"), Location("l", "L", area="H", organisation_id="o"),
          Service("a", "o", "A", needs=["care"], location_ids=["l"], status="inactive"),
          Service("b", "o", "B", needs=["care"], location_ids=["l"], capacity=5, available=0),
          ParticipantProfile(Participant("p"), "H", needs=["care"]))
    need = needs_coverage(s, "p").get("care")
    assert need.blocked == ((Hindrance.INACTIVE, 1), (Hindrance.NO_CAPACITY, 1))


def test_rural_example_matches_the_hand_computation() -> None:
    """Plön: Selent has no bus to Preetz or Schönberg; Lütjenburg's Kita is full."""
    space = example_space("ploen")
    bernd = needs_coverage(space, "p-bernd")
    assert [n.hindrances for n in bernd.needs] == [(Hindrance.NO_CONNECTION,)] * 2
    carla = needs_coverage(space, "p-carla")
    assert [(n.need.value, n.covered) for n in carla.needs] == [
        ("health", False), ("mental_health", True), ("childcare", False), ("work", False)]
    assert carla.get("health").blocked == ((Hindrance.TRAVEL_TIME, 3), (Hindrance.NO_CAPACITY, 1))
    anna = needs_coverage(space, "p-anna").get("mental_health")
    assert (anna.service_id, anna.minutes, anna.fare, anna.known_face) == ("pan-gruppe", 30, 3.9, True)


def test_rows_are_flat() -> None:
    """Rows carry hindrances comma-separated."""
    row = needs_coverage(example_space(), "p-carla").rows()[0]
    assert row["hindrances"] == "travel_time,no_capacity"


@given(st.integers(0, 39), st.sampled_from(["rural", "city"]))
def test_coverage_agrees_with_brute_force(pick: int, setting: str) -> None:
    """Covered iff some offer has no hindrance; the chosen offer is the best by the documented order."""
    space = _SYNTH[setting]
    pid = sorted(space.participants)[pick]
    profile = space.participants[pid]
    known = known_organisations(space, pid)
    cov = needs_coverage(space, pid, on=date(2025, 1, 1))
    for need in cov.needs:
        options = []
        for s in space.services.values():
            if need.need not in s.needs:
                continue
            for lid in s.location_ids or [None]:
                loc = None if lid is None else space.locations[lid]
                route = trip(space, profile.home_area, loc) if loc is not None else Trip(0, 0.0)
                if not offer_hindrances(profile, s, loc, route, age=profile.age_on(date(2025, 1, 1))):
                    options.append((s.organisation_id not in known, route.minutes, route.fare, s.id))
        assert need.covered == bool(options)
        if options:
            best = min(options)
            assert (need.service_id, need.minutes) == (best[3], best[1])


_SYNTH = {
    "rural": synthetic_space("rural", actors=150, participants=40, seed=3),
    "city": synthetic_space("city", actors=150, participants=40, seed=4),
}


@pytest.mark.parametrize("need", list(Need))
def test_every_need_has_a_label(need: Need) -> None:
    """Every need has a German label."""
    assert need.label


@given(st.integers(0, 39), st.sampled_from(["rural", "city"]), st.sampled_from(list(Need)))
def test_hindrance_counts_equal_counting_offer_by_offer(pick: int, setting: str, need: Need) -> None:
    """Oracle: the column count of hindrances equals applying offer_hindrances to every offer."""
    from collections import Counter

    from langzeit.network._coverage import _columns, _offer_arrays
    from langzeit.network._reach import offer_index

    space = _SYNTH[setting]
    profile = space.participants[sorted(space.participants)[pick]]
    age = profile.age_on(date(2025, 1, 1))
    expected: Counter[Hindrance] = Counter()
    for s, loc in offer_index(space).everywhere.get(need, []):
        route = Trip(0, 0.0) if loc is None else trip(space, profile.home_area, loc)
        expected.update(offer_hindrances(profile, s, loc, route, age=age))
    arr = _offer_arrays(space, need)
    cols = _columns(space, arr, profile, age)
    assert {h: int(f.sum()) for h, f in cols.flags.items() if f.any()} == dict(expected)
