"""Waiting list: FIFO and priority order, admission when a place frees, reneging."""

from datetime import date

import pytest

from engine._support import D0, admitted, new_engine
from langzeit.engine import PathwayEngine, TransitionRefused
from langzeit.events import Status


def waitlisted(engine: PathwayEngine, pid: str, day: date = D0, priority: int = 0) -> None:
    """Refer, agree and admit ``pid`` into a full programme: it lands on the list."""
    engine.refer(pid, day)
    engine.agree(pid, day)
    (event,) = engine.admit(pid, day, priority=priority)
    assert event.type == "waitlisted"


def test_exit_admits_the_first_waiting_participant_on_the_exit_date() -> None:
    """A freed place goes to the head of the list: Admitted and PhaseEntered dated the exit day."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    waitlisted(engine, "p2")
    waitlisted(engine, "p3")
    events = engine.exit("p1", date(2024, 5, 2), "work", "svp")
    assert [(e.participant_id, e.type, e.date) for e in events] == [
        ("p1", "phase_entered", date(2024, 5, 2)),
        ("p1", "exited", date(2024, 5, 2)),
        ("p2", "admitted", date(2024, 5, 2)),
        ("p2", "phase_entered", date(2024, 5, 2)),
    ]
    assert engine.state("p2").phase_id == "intake"
    assert engine.waiting_list().participant_ids == ("p3",)


def test_fifo_serves_in_order_of_waitlisting() -> None:
    """FIFO: earlier waitlisting first, whatever the priority."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    waitlisted(engine, "p2", priority=0)
    waitlisted(engine, "p3", date(2024, 1, 9), priority=5)
    assert engine.waiting_list().participant_ids == ("p2", "p3")


def test_priority_serves_higher_priority_first_then_fifo() -> None:
    """Priority discipline: higher priority first; ties by waiting time."""
    engine = new_engine(places=1, discipline="priority")
    admitted(engine, "p1")
    waitlisted(engine, "p2", priority=0)
    waitlisted(engine, "p3", date(2024, 1, 9), priority=5)
    waitlisted(engine, "p4", date(2024, 1, 10), priority=5)
    assert engine.waiting_list().participant_ids == ("p3", "p4", "p2")
    engine.exit("p1", date(2024, 3, 1), "dropout")
    assert engine.state("p3").status is Status.ACTIVE


def test_auto_admit_off_keeps_the_place_free_until_asked() -> None:
    """With auto_admit=False, admit_from_waiting_list() fills places (cohort starts)."""
    engine = new_engine(places=2, auto_admit=False)
    admitted(engine, "p1")
    admitted(engine, "p2")
    for pid in ("p3", "p4", "p5"):
        waitlisted(engine, pid)
    engine.exit("p1", date(2024, 3, 1), "completed")
    engine.exit("p2", date(2024, 3, 1), "completed")
    assert engine.occupancy().occupied == 0
    events = engine.admit_from_waiting_list(date(2024, 4, 1))
    assert [e.participant_id for e in events if e.type == "admitted"] == ["p3", "p4"]
    assert engine.waiting_list().participant_ids == ("p5",)
    assert engine.admit_from_waiting_list(date(2024, 4, 2)) == ()


def test_admit_from_waiting_list_respects_a_limit() -> None:
    """limit= admits at most that many."""
    engine = new_engine(places=5, auto_admit=False)
    admitted(engine, "p0")
    engine.exit("p0", D0, "dropout")
    for pid in ("p1", "p2", "p3"):
        engine.refer(pid, D0)
        engine.agree(pid, D0)
        engine.waitlist(pid, D0)
    events = engine.admit_from_waiting_list(date(2024, 2, 1), limit=2)
    assert sum(e.type == "admitted" for e in events) == 2


def test_renege_after_maximum_wait() -> None:
    """renege_overdue() takes off everyone waiting max_wait, dated when the wait was reached."""
    engine = new_engine(places=1, max_wait="3 months")
    admitted(engine, "p1")
    waitlisted(engine, "p2", D0)
    waitlisted(engine, "p3", date(2024, 3, 1))
    events = engine.renege_overdue(date(2024, 5, 1))
    assert [(e.participant_id, e.date) for e in events] == [("p2", date(2024, 4, 8))]
    assert engine.state("p2").status is Status.RENEGED
    assert engine.waiting_list().participant_ids == ("p3",)
    assert engine.renege_overdue(date(2024, 5, 1)) == ()


def test_renege_without_max_wait_does_nothing() -> None:
    """Without max_wait nobody reneges automatically."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    waitlisted(engine, "p2")
    assert engine.renege_overdue(date(2030, 1, 1)) == ()


def test_waitlisting_needs_the_admission_guards() -> None:
    """Only participants who could be admitted (agreement given) go on the list."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    engine.refer("p2", D0)
    with pytest.raises(TransitionRefused, match="has not agreed"):
        engine.waitlist("p2", D0)


def test_declining_from_the_list_frees_the_queue() -> None:
    """A waiting participant may decline; the list drops them."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    waitlisted(engine, "p2")
    engine.decline("p2", date(2024, 2, 1), reason="kein Interesse mehr")
    assert len(engine.waiting_list()) == 0
    engine.exit("p1", date(2024, 3, 1), "completed")
    assert engine.occupancy().occupied == 0


def test_waiting_list_at_a_past_date_is_replayed() -> None:
    """waiting_list(as_of=...) shows the list as it was that day."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    waitlisted(engine, "p2", date(2024, 1, 9))
    waitlisted(engine, "p3", date(2024, 1, 10))
    engine.exit("p1", date(2024, 2, 1), "completed")
    assert engine.waiting_list(as_of=date(2024, 1, 9)).participant_ids == ("p2",)
    assert engine.waiting_list(as_of=date(2024, 1, 31)).participant_ids == ("p2", "p3")
    assert engine.waiting_list(as_of=date(2024, 2, 1)).participant_ids == ("p3",)
    assert engine.waiting_list().rows()[0] == {
        "position": 1, "participant_id": "p3", "since": date(2024, 1, 10), "priority": 0}


def test_waiting_order_survives_a_reload_from_the_store() -> None:
    """A new engine on the same store serves the list in the same order."""
    engine = new_engine(places=1, discipline="priority")
    admitted(engine, "p1")
    waitlisted(engine, "p2", priority=1)
    waitlisted(engine, "p3", priority=1)
    waitlisted(engine, "p4", priority=2)
    again = new_engine(places=1, discipline="priority", store=engine.store)
    assert again.waiting_list() == engine.waiting_list()
    assert again.waiting_list().participant_ids == ("p4", "p2", "p3")


def test_backdated_exit_admits_from_the_list_not_before_the_clock() -> None:
    """A backdated exit frees the place; the next is admitted on the clock day, not before."""
    engine = new_engine(places=2)
    admitted(engine, "p0", D0)
    admitted(engine, "p1", date(2024, 3, 1))
    waitlisted(engine, "p2", date(2024, 3, 1))
    events = engine.exit("p0", date(2024, 2, 1), "dropout")
    assert [(e.participant_id, e.type, e.date) for e in events][2:] == [
        ("p2", "admitted", date(2024, 3, 1)), ("p2", "phase_entered", date(2024, 3, 1))]
    for day in (date(2024, 1, 31), date(2024, 2, 15), date(2024, 3, 1)):
        assert engine.occupancy(as_of=day).occupied <= 2
    assert engine.occupancy(as_of=date(2024, 2, 15)).occupied == 0
