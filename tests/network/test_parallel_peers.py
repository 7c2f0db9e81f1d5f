"""Parallel offers and peer-group candidates."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import Participant
from langzeit.exceptions import ValidationError
from langzeit.network import (
    Need,
    ParticipantProfile,
    Tie,
    example_space,
    parallel_offers,
    peer_candidates,
    people_in_reach,
    synthetic_space,
)
from langzeit.network._reach import reachable_areas


def test_parallel_offers_in_the_same_area_without_a_tie() -> None:
    """Leipzig: LIPSY screening and the psychosocial counselling in Mitte do not know each other."""
    pairs = parallel_offers(example_space("leipzig")).pairs
    assert [(p.need, p.area, p.organisation_a, p.organisation_b) for p in pairs] == [
        (Need.MENTAL_HEALTH, "Mitte", "lipsy", "psb-mitte")]


def test_linked_pairs_only_on_request() -> None:
    """Once the organisations are tied, the pair is linked and hidden unless include_linked."""
    space = example_space("leipzig")
    space.add(Tie("u-lipsy-psb", "lipsy", "psb-mitte"))
    assert parallel_offers(space).pairs == ()
    pairs = parallel_offers(space, include_linked=True).pairs
    assert [(p.service_a, p.service_b, p.linked) for p in pairs] == [("lipsy-screening", "psb-ber", True)]


def test_people_in_reach_counts_participants_with_the_need() -> None:
    """Mitte: Doris (Schönefeld, 15 min) reaches it; Birgit (fare limit 0 €) cannot pay the 3 € fare."""
    reach = people_in_reach(example_space("leipzig"))
    assert reach[(Need.MENTAL_HEALTH, "Mitte")] == 1
    assert reach[(Need.MENTAL_HEALTH, "Paunsdorf")] == 2  # Birgit at home, Doris 20 min away
    assert reach[(Need.MENTAL_HEALTH, "Grünau")] == 0  # 40 min > Doris's 35


def test_parallel_offers_filter_by_need() -> None:
    """Only the needs asked for are examined."""
    assert parallel_offers(example_space(), needs=["health"]).pairs[0].service_a == "dak-seminar"
    assert parallel_offers(example_space(), needs=["debt"]).pairs == ()


def test_peer_candidates_share_needs_and_places() -> None:
    """Anna: Emil shares two needs, Carla one; Dirk does not want peers; Bernd shares no need."""
    got = peer_candidates(example_space(), "p-anna")
    assert [(c.participant_id, c.shared_needs, c.shared_areas) for c in got.candidates] == [
        ("p-emil", (Need.DEBT, Need.SOCIAL_CONTACT), 2), ("p-carla", (Need.MENTAL_HEALTH,), 3)]
    assert got.rows()[0]["shared_needs"] == "debt,social_contact"


def test_peer_candidates_limit_and_programme() -> None:
    """The limit cuts the list; same_programme keeps only the participant's programme."""
    space = example_space()
    space.add(ParticipantProfile(Participant("p-fritz"), "Plön", needs=["debt"], programme_id="other"))
    assert [c.participant_id for c in peer_candidates(space, "p-anna", limit=1).candidates] == ["p-emil"]
    everyone = {c.participant_id for c in peer_candidates(space, "p-anna").candidates}
    same = {c.participant_id for c in peer_candidates(space, "p-anna", same_programme=True).candidates}
    assert "p-fritz" in everyone
    assert "p-fritz" not in same
    with pytest.raises(ValidationError):
        peer_candidates(space, "p-anna", limit=0)


_SPACE = synthetic_space("rural", actors=60, participants=150, seed=5)


@given(st.integers(0, 149))
def test_peer_candidates_agree_with_brute_force(pick: int) -> None:
    """Oracle: check every other participant directly; the top 10 by the documented order agree."""
    ids = sorted(_SPACE.participants)
    ego = _SPACE.participants[ids[pick]]
    mine = reachable_areas(_SPACE, ego)
    expected = []
    for pid in ids:
        other = _SPACE.participants[pid]
        if pid == ego.id or not other.wants_peers:
            continue
        shared_needs = ego.needs & other.needs
        shared_areas = len(mine & reachable_areas(_SPACE, other))
        if shared_needs and shared_areas:
            expected.append((-len(shared_needs), -shared_areas, pid))
    expected.sort()
    got = peer_candidates(_SPACE, ego.id).candidates
    assert [(-len(c.shared_needs), -c.shared_areas, c.participant_id) for c in got] == expected[:10]


_DENSE = synthetic_space("city", actors=400, participants=200, seed=8)


def test_summary_counts_equal_the_listed_pairs() -> None:
    """Oracle: the summary's counts equal counting the pairs that parallel_offers lists."""
    from collections import Counter

    from langzeit.network import parallel_summary

    listed = parallel_offers(_DENSE, include_linked=True).pairs
    pairs = Counter((p.need, p.area) for p in listed)
    unlinked = Counter((p.need, p.area) for p in listed if not p.linked)
    summary = parallel_summary(_DENSE)
    assert {(a.need, a.area): a.pairs for a in summary.areas} == dict(pairs)
    assert {(a.need, a.area): a.unlinked for a in summary.areas} == {k: unlinked[k] for k in pairs}
    assert summary.unlinked == parallel_offers(_DENSE).unlinked > 0


def test_pairs_can_be_narrowed_to_areas() -> None:
    """The areas filter lists only pairs in those areas."""
    area = parallel_offers(_DENSE).pairs[0].area
    narrowed = parallel_offers(_DENSE, areas=[area]).pairs
    assert narrowed
    assert {p.area for p in narrowed} == {area}
