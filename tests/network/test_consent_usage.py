"""Consent checks along a path of ties, and actor usage from referral events."""

from datetime import date

import pytest

from langzeit.domain import Consent, ConsentPurpose
from langzeit.events import ActorReferred, ConsentGiven, ConsentWithdrawn, Referred
from langzeit.exceptions import ValidationError
from langzeit.network import actor_usage, consent_check, consents_from_events, example_space


def test_each_hop_names_its_basis() -> None:
    """Anna to her coach (consent for the Träger) and on to the clinic (consent k-anna-tk)."""
    check = consent_check(example_space(), ["p-anna", "c-lena", "tk-preetz"], on=date(2024, 5, 2))
    assert check.allowed
    assert [(h.recipient, h.reason) for h in check.hops] == [
        ("bruecke", "consent k-anna-bruecke"), ("tk-preetz", "consent k-anna-tk")]


def test_consent_on_the_tie_covers_the_hop() -> None:
    """Ali's tie to his coach records his consent; no separate record is needed."""
    check = consent_check(example_space("leipzig"), ["l-ali", "c-sara"], on=date(2024, 1, 2))
    assert check.hops[0].reason == "consent recorded on tie u-ali-sara"


def test_withdrawn_consent_stops_future_exchange() -> None:
    """Dirk withdrew on 2024-05-01: the day before is covered, that day is not."""
    path = ["p-dirk", "c-jonas", "tk-luetjenburg"]
    assert consent_check(example_space(), path, on=date(2024, 4, 30)).allowed
    late = consent_check(example_space(), path, on=date(2024, 5, 1))
    assert [h.allowed for h in late.hops] == [True, False]
    assert late.failures[0].reason == (
        "consent k-dirk-tk for data_exchange with tk-luetjenburg was withdrawn on 2024-05-01")


def test_consent_for_another_purpose_does_not_cover() -> None:
    """Carla consented to a referral to the Kita, not to data exchange."""
    check = consent_check(example_space(), ["p-carla", "c-lena", "kita-luetjenburg"], on=date(2024, 3, 1))
    assert check.hops[1].reason == ("consent of p-carla with kita-luetjenburg covers referral, "
                                    "not data_exchange")
    ok = consent_check(example_space(), ["p-carla", "c-lena", "kita-luetjenburg"], on=date(2024, 3, 1),
                       purpose="referral")
    assert ok.hops[1].allowed


def test_consent_not_yet_given() -> None:
    """A consent given later does not cover an earlier exchange."""
    check = consent_check(example_space(), ["c-lena", "tk-preetz"], participant_id="p-anna",
                          on=date(2024, 1, 31))
    assert check.hops[0].reason == (
        "consent k-anna-tk for data_exchange with tk-preetz is given only from 2024-02-01")


def test_within_one_organisation_and_back_to_the_participant() -> None:
    """Coach to own employer needs no consent; data returning to the participant neither."""
    day = date(2024, 3, 1)
    check = consent_check(example_space(), ["c-mira", "jc-ploen"], participant_id="p-bernd", on=day)
    assert check.hops[0].reason == "within organisation jc-ploen"
    back = consent_check(example_space(), ["c-jonas", "p-bernd"], participant_id="p-bernd", on=day)
    assert back.hops[0].reason == "data return to the participant"


def test_broken_path_and_person_recipient() -> None:
    """A missing tie breaks the path; a private person is a recipient in their own right."""
    check = consent_check(example_space(), ["p-anna", "tk-preetz", "n-schwester"], on=date(2024, 5, 2))
    assert [h.reason for h in check.hops] == [
        "no tie between p-anna and tk-preetz: the path is broken",
        "no tie between tk-preetz and n-schwester: the path is broken"]
    sister = consent_check(example_space(), ["c-lena", "p-anna", "n-schwester"], participant_id="p-anna",
                           on=date(2024, 5, 2))
    assert sister.hops[1].reason == "no consent of p-anna for data_exchange with n-schwester on 2024-05-02"


def test_consents_from_events_feed_the_check() -> None:
    """Consents recorded as events by the engine can be passed in; withdrawal dates are kept."""
    events = [ConsentGiven("e1", "p-carla", date(2024, 1, 5), consent_id="k9", purpose="data_exchange",
                           recipient="kita-luetjenburg"),
              ConsentWithdrawn("e2", "p-carla", date(2024, 9, 1), consent_id="k9"),
              ConsentWithdrawn("e3", "p-carla", date(2024, 9, 1), consent_id="unknown")]
    consents = consents_from_events(events)
    assert consents == [Consent("k9", "p-carla", ConsentPurpose.DATA_EXCHANGE, "kita-luetjenburg",
                                date(2024, 1, 5), date(2024, 9, 1))]
    path = ["c-lena", "kita-luetjenburg"]
    kw = {"participant_id": "p-carla", "consents": consents}
    assert consent_check(example_space(), path, on=date(2024, 8, 31), **kw).allowed
    assert not consent_check(example_space(), path, on=date(2024, 9, 1), **kw).allowed


def test_bad_paths_are_reported() -> None:
    """A one-node path and unknown nodes are reported together."""
    with pytest.raises(ValidationError) as info:
        consent_check(example_space(), ["ghost"], on=date(2024, 1, 1))
    assert len(info.value.problems) == 2


def test_actor_usage_counts_referrals_in_the_period() -> None:
    """Both ends of the period are inclusive; distinct participants are counted; other events ignored."""
    events = [
        ActorReferred("e1", "p1", date(2024, 1, 1), actor_id="sb", service_id="s", need="debt"),
        ActorReferred("e2", "p1", date(2024, 3, 31), actor_id="sb", service_id="s", need="debt"),
        ActorReferred("e3", "p2", date(2024, 2, 2), actor_id="sb", service_id="s", need="debt"),
        ActorReferred("e4", "p2", date(2024, 2, 2), actor_id="tk", need="mental_health"),
        ActorReferred("e5", "p3", date(2024, 4, 1), actor_id="tk", need="mental_health"),
        Referred("e6", "p3", date(2024, 2, 1), programme_id="pan"),
    ]
    usage = actor_usage(events, start=date(2024, 1, 1), end=date(2024, 3, 31))
    assert [(r.actor_id, r.referrals, r.participants) for r in usage.usage] == [("sb", 3, 2), ("tk", 1, 1)]
    assert (usage.total, usage.for_actor("tk"), usage.for_actor("none")) == (4, 1, 0)
    assert usage.to_records()[0] == {"actor_id": "sb", "service_id": "s", "need": "debt", "referrals": 3,
                                     "participants": 2}
    with pytest.raises(ValidationError):
        actor_usage(events, start=date(2024, 2, 1), end=date(2024, 1, 1))
