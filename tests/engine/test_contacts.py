"""Beratungskontakte in the engine: RecordContact's guards, the contacted event and the state it leaves."""

from datetime import date

import pytest

from engine._support import admitted, new_engine, small_programme
from langzeit.domain import Coach, ExitReason, OutcomeKind, Tandem
from langzeit.engine import PathwayEngine, RecordContact, TransitionRefused, command_from_dict
from langzeit.events import CONTACT_CHANNELS, Contacted, replay


def _guards(engine: object, command: object) -> list[str]:
    return [f.guard for f in engine.check(command)]  # type: ignore[attr-defined]


def test_a_contact_is_one_event_and_counts_in_the_state() -> None:
    """Two contacts: one contacted event each, contacts == 2, last_contact the later day."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    (first,) = e.record_contact("p1", date(2024, 1, 10), "in_person", "a", minutes=50)
    e.record_contact("p1", date(2024, 1, 24), "phone", "b")
    assert first == Contacted("p1-5", "p1", date(2024, 1, 10), channel="in_person", minutes=50, coach_id="a")
    s = e.state("p1")
    assert (s.contacts, s.last_contact) == (2, date(2024, 1, 24))
    assert replay(e.store.events())["p1"] == s


@pytest.mark.parametrize("channel", CONTACT_CHANNELS)
def test_every_channel_is_accepted(channel: str) -> None:
    """in_person, phone, video, outreach and group are the channels."""
    e = new_engine()
    admitted(e, "p1")
    assert e.check(RecordContact("p1", date(2024, 2, 1), channel, "c")) == ()


def test_an_unknown_channel_negative_minutes_and_an_unknown_coach_are_all_named() -> None:
    """Every failed guard with its reason: the channel, the minutes, the coach."""
    e = new_engine()
    admitted(e, "p1")
    with pytest.raises(TransitionRefused) as info:
        e.record_contact("p1", date(2024, 2, 1), "fax", "zz", minutes=-5)
    reasons = [(f.guard, f.reason) for f in info.value.failures]
    assert reasons == [
        ("contact", "channel must be one of in_person, phone, video, outreach, group, got 'fax'"),
        ("contact", "minutes must not be negative, got -5"),
        ("known", "coach 'zz' is not registered with the engine"),
    ]
    assert e.state("p1").contacts == 0


def test_a_tandem_member_is_a_registered_coach() -> None:
    """Coaches registered only through a tandem may record contacts too."""
    x = Coach("x", role="pap", organisation_id="jc")
    y = Coach("y", role="provider_coach", organisation_id="t")
    e = PathwayEngine(small_programme(), tandems=[Tandem("t9", [x, y])])
    admitted(e, "p1")
    assert e.check(RecordContact("p1", date(2024, 2, 1), "video", "y")) == ()


def test_contacts_before_admission_are_allowed() -> None:
    """Outreach while referred or waitlisted: the pathway is open."""
    e = new_engine()
    e.refer("p1", date(2024, 1, 8))
    e.record_contact("p1", date(2024, 1, 9), "outreach", "a", minutes=90)
    assert e.state("p1").contacts == 1


def test_after_the_exit_only_aftercare_allows_contacts() -> None:
    """Exited: refused (status); in aftercare: allowed; after aftercare: refused again."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.exit("p1", date(2024, 3, 1), ExitReason.WORK, OutcomeKind.SVP)
    assert _guards(e, RecordContact("p1", date(2024, 3, 2), "phone", "a")) == ["status"]
    e.start_aftercare("p1", date(2024, 3, 4))
    e.record_contact("p1", date(2024, 3, 5), "phone", "a")
    e.end_aftercare("p1", date(2024, 6, 1))
    assert _guards(e, RecordContact("p1", date(2024, 6, 2), "phone", "a")) == ["status"]
    assert e.state("p1").contacts == 1


def test_a_contact_before_the_last_event_is_refused() -> None:
    """The participant's chronology: not dated before their last event."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.record_contact("p1", date(2024, 2, 1), "phone", "a")
    assert _guards(e, RecordContact("p1", date(2024, 1, 31), "phone", "a")) == ["chronology"]


def test_an_unknown_participant_is_refused() -> None:
    """Not referred: the known guard."""
    assert _guards(new_engine(), RecordContact("p9", date(2024, 2, 1), "phone", "a")) == ["known"]


def test_a_new_participation_counts_its_contacts_afresh() -> None:
    """Contacts are per participation: a second referral starts at zero, with no last contact."""
    e = new_engine()
    e.refer("p1", date(2024, 1, 8))
    e.record_contact("p1", date(2024, 1, 9), "outreach", "a")
    e.decline("p1", date(2024, 1, 20))
    e.refer("p1", date(2024, 6, 3))
    s = e.state("p1")
    assert (s.participation, s.contacts, s.last_contact) == (2, 0, None)


def test_a_contact_takes_no_place_and_no_caseload() -> None:
    """Recording a contact leaves occupancy and caseloads as they were."""
    e = new_engine()
    admitted(e, "p1")
    before = (e.occupancy(), e.caseload())
    e.record_contact("p1", date(2024, 2, 1), "group", "b", minutes=120)
    assert (e.occupancy(), e.caseload()) == before


def test_the_command_round_trips_as_a_record() -> None:
    """to_dict and command_from_dict carry every field."""
    cmd = RecordContact("p1", date(2024, 2, 1), "video", "a", minutes=30)
    assert cmd.to_dict() == {"command": "record_contact", "participant_id": "p1", "date": "2024-02-01",
                             "channel": "video", "coach_id": "a", "minutes": 30}
    assert command_from_dict(cmd.to_dict()) == cmd


def _no_contact(engine: PathwayEngine, as_of: date, gap: str = "6 weeks") -> list[tuple[str, date, str]]:
    return [(d.participant_id, d.date, d.detail) for d in engine.due(as_of, no_contact=gap)
            if d.kind == "no_contact"]


def test_no_contact_is_due_six_weeks_after_the_last_contact_or_after_admission() -> None:
    """p1 last seen 10 Jan → due 21 Feb; p2 admitted 15 Jan, never seen → due 26 Feb (hand-computed)."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    admitted(e, "p2", date(2024, 1, 15))
    e.record_contact("p1", date(2024, 1, 10), "phone", "a")
    assert _no_contact(e, date(2024, 2, 20)) == []
    assert _no_contact(e, date(2024, 2, 21)) == [("p1", date(2024, 2, 21), "last contact 2024-01-10")]
    assert _no_contact(e, date(2024, 2, 26)) == [("p1", date(2024, 2, 21), "last contact 2024-01-10"),
                                                 ("p2", date(2024, 2, 26), "no contact yet")]


def test_a_new_contact_moves_the_deadline_and_without_the_option_nothing_is_checked() -> None:
    """A contact on 20 Feb puts the next one due on 2 Apr; due() without no_contact lists none."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.record_contact("p1", date(2024, 2, 20), "video", "a")
    assert _no_contact(e, date(2024, 4, 1)) == []
    assert _no_contact(e, date(2024, 4, 2)) == [("p1", date(2024, 4, 2), "last contact 2024-02-20")]
    assert [d for d in e.due(date(2025, 1, 1)) if d.kind == "no_contact"] == []


def test_no_contact_is_not_due_for_the_referred_or_after_the_exit() -> None:
    """Only whoever is in the programme (or in aftercare) is owed contacts."""
    e = new_engine()
    e.refer("p1", date(2024, 1, 8))
    admitted(e, "p2", date(2024, 1, 8))
    e.exit("p2", date(2024, 1, 20), ExitReason.DROPOUT)
    assert _no_contact(e, date(2024, 12, 31)) == []
