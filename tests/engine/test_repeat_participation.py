"""Repeat participation: a person referred again after their pathway ended has a new pathway."""

from datetime import date

import pytest

from engine._support import D0, admitted, new_engine
from langzeit.engine import TransitionRefused
from langzeit.events import EventLog, Exited, Referred, replay
from langzeit.store import read_events, write_events


def _exited_once(engine):
    admitted(engine, "p1")
    engine.exit("p1", date(2024, 3, 1), reason="dropout")


def test_a_referral_after_an_exit_starts_participation_two() -> None:
    """Referring an exited person again gives participation 2 with a fresh pathway."""
    engine = new_engine()
    _exited_once(engine)
    engine.refer("p1", date(2024, 9, 2))
    s = engine.state("p1")
    assert (s.participation, s.status.value, s.referred) == (2, "referred", date(2024, 9, 2))
    assert (s.admitted, s.phase_id, s.exit_reason, s.agreed, s.consents, s.phases) == (None, None, None,
                                                                                      None, (), ())


def test_the_second_participation_can_be_admitted_again() -> None:
    """The second participation takes a place again and frees it on its exit."""
    engine = new_engine()
    _exited_once(engine)
    engine.refer("p1", date(2024, 9, 2))
    engine.agree("p1", date(2024, 9, 2))
    engine.admit("p1", date(2024, 9, 3))
    assert engine.occupancy().occupied == 1
    engine.exit("p1", date(2024, 12, 20), reason="completed")
    assert engine.occupancy().occupied == 0


def test_a_referral_while_the_pathway_is_open_is_refused() -> None:
    """A person who holds a place cannot be referred again; the reason says why."""
    engine = new_engine()
    admitted(engine, "p1")
    with pytest.raises(TransitionRefused) as info:
        engine.refer("p1", date(2024, 2, 1))
    assert [f.guard for f in info.value.failures] == ["known"]
    assert "pathway to have ended" in info.value.failures[0].reason


def test_a_referral_during_aftercare_is_refused() -> None:
    """While aftercare runs, a new referral waits for its end."""
    engine = new_engine()
    _exited_once(engine)
    engine.start_aftercare("p1", date(2024, 3, 2))
    with pytest.raises(TransitionRefused) as info:
        engine.refer("p1", date(2024, 4, 1))
    assert [f.guard for f in info.value.failures] == ["aftercare"]
    engine.end_aftercare("p1", date(2024, 5, 1))
    assert engine.refer("p1", date(2024, 5, 2))[0].type == "referred"


def test_a_backdated_repeat_referral_is_refused() -> None:
    """A repeat referral dated before the person's last event is refused (chronology)."""
    engine = new_engine()
    _exited_once(engine)
    with pytest.raises(TransitionRefused) as info:
        engine.refer("p1", date(2024, 2, 1))
    assert [f.guard for f in info.value.failures] == ["chronology"]


def test_replay_and_a_reloaded_engine_agree_on_participations(tmp_path) -> None:
    """A JSON Lines round trip and a fresh engine on the store give the same participation."""
    engine = new_engine()
    _exited_once(engine)
    engine.refer("p1", date(2024, 9, 2))
    path = tmp_path / "log.jsonl"
    write_events(engine.store.events(), path)
    back = read_events(path)
    assert replay(back)["p1"].participation == 2
    assert new_engine(store=EventLog(back)).state("p1") == engine.state("p1")


def test_a_log_without_repeats_reads_as_before() -> None:
    """Old logs (one referral per person) fold to participation 1, as before."""
    s = replay([Referred("e1", "p1", D0), Exited("e2", "p1", date(2024, 2, 1), reason="other")])["p1"]
    assert s.participation == 1
