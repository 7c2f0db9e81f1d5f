"""Model clock and queries: due(), states, occupancy and caseload at a date."""

from datetime import date

import pytest

from engine._support import D0, admitted, consented, new_engine
from langzeit.engine import DUE_KINDS, AgreePlan, Due, PathwayEngine
from langzeit.events import replay
from langzeit.exceptions import UnknownNameError


def test_planned_phase_end_and_first_plan_review_are_due(engine: PathwayEngine) -> None:
    """Admitted 2024-01-08: intake (1 month) ends 2024-02-08; no plan: review due 2024-07-08."""
    admitted(engine, "p1")
    assert engine.due(date(2024, 2, 7)).items == ()
    assert list(engine.due(date(2024, 7, 8))) == [
        Due("p1", "phase_end", date(2024, 2, 8), "intake"),
        Due("p1", "plan_review", date(2024, 7, 8), "no plan agreed yet"),
    ]


def test_plan_review_follows_the_agreed_plan(engine: PathwayEngine) -> None:
    """An agreed plan is reviewed at its review date, at the latest six months on."""
    admitted(engine, "p1")
    engine.agree_plan("p1", date(2024, 2, 1), "Praktikum", review=date(2024, 5, 1))
    assert engine.due(date(2024, 5, 1)).of_kind("plan_review") == (
        Due("p1", "plan_review", date(2024, 5, 1), "Praktikum"),)
    engine.agree_plan("p1", date(2024, 5, 1), "Praktikum, dann Minijob")
    assert engine.state("p1").plan_review == date(2024, 11, 1)


def test_plan_review_later_than_six_months_is_refused(engine: PathwayEngine) -> None:
    """§ 15 Abs. 3 SGB II: the review is at most six months after agreement."""
    admitted(engine, "p1")
    reasons = [f.reason for f in engine.check(AgreePlan("p1", D0, "x", date(2024, 7, 9)))]
    assert reasons == ["review on 2024-07-09 is not within six months of 2024-01-08 (§ 15 Abs. 3 SGB II)"]


def test_maximum_stay_and_phase_maximum_are_due(engine: PathwayEngine) -> None:
    """Max stay 12 months from admission; clinic max 4 months from entering it."""
    admitted(engine, "p1")
    engine.record_consent("p1", D0, "tk-nord")
    engine.assess("p1", D0)
    engine.enter_phase("p1", date(2024, 2, 1), "clinic")
    due = engine.due(date(2025, 1, 8))
    assert due.of_kind("phase_max") == (Due("p1", "phase_max", date(2024, 6, 1), "clinic"),)
    assert due.of_kind("max_duration") == (Due("p1", "max_duration", date(2025, 1, 8), "0 extensions"),)
    engine.extend("p1", date(2024, 12, 1))
    assert engine.due(date(2025, 1, 8)).of_kind("max_duration") == ()
    assert engine.due(date(2025, 7, 8)).of_kind("max_duration")[0].date == date(2025, 7, 8)


def test_follow_ups_six_and_twelve_months_after_exit(engine: PathwayEngine) -> None:
    """Follow-ups fall due 6 and 12 months after exit until recorded."""
    admitted(engine, "p1")
    engine.exit("p1", date(2024, 3, 15), "work", "svp")
    assert [d.detail for d in engine.due(date(2025, 3, 15)).of_kind("follow_up")] == ["6 months", "12 months"]
    engine.record_follow_up("p1", date(2024, 9, 20), 6, "svp", receives_benefit=False)
    assert [d.date for d in engine.due(date(2025, 3, 15)).of_kind("follow_up")] == [date(2025, 3, 15)]


def test_aftercare_end_is_due(engine: PathwayEngine) -> None:
    """Aftercare (6 months in the test programme) ends 6 months after it started."""
    admitted(engine, "p1")
    engine.exit("p1", date(2024, 3, 15), "work", "svp")
    engine.start_aftercare("p1", date(2024, 3, 15))
    assert engine.due(date(2024, 9, 15)).of_kind("aftercare_end") == (
        Due("p1", "aftercare_end", date(2024, 9, 15), ""),)
    engine.end_aftercare("p1", date(2024, 9, 15))
    assert engine.due(date(2024, 9, 15)).of_kind("aftercare_end") == ()


def test_max_wait_is_due() -> None:
    """A waiting participant's maximum wait shows in due()."""
    engine = new_engine(places=1, max_wait=2)
    admitted(engine, "p1")
    engine.refer("p2", D0)
    engine.agree("p2", D0)
    engine.admit("p2", D0)
    assert engine.due(date(2024, 3, 8)).of_kind("max_wait") == (Due("p2", "max_wait", date(2024, 3, 8), ""),)


def test_due_with_look_ahead(engine: PathwayEngine) -> None:
    """within= also lists deadlines after as_of, up to the look-ahead."""
    admitted(engine, "p1")
    assert engine.due(date(2024, 1, 10)).items == ()
    assert len(engine.due(date(2024, 1, 10), within="1 month")) == 1
    assert engine.due(date(2024, 1, 10)).rows() == []
    assert {d.kind for d in engine.due(date(2030, 1, 1))} <= set(DUE_KINDS)


def test_state_at_a_past_date_is_replayed(engine: PathwayEngine) -> None:
    """state(as_of=...) is the replay of the log up to that day."""
    engine.refer("p1", D0)
    engine.agree("p1", date(2024, 1, 10))
    engine.admit("p1", date(2024, 2, 1))
    assert engine.state("p1", as_of=date(2024, 1, 31)).status.value == "referred"
    assert engine.state("p1").status.value == "active"
    assert engine.states(as_of=date(2024, 1, 31)) == replay(engine.store.events(), as_of=date(2024, 1, 31))
    with pytest.raises(UnknownNameError):
        engine.state("p1", as_of=date(2024, 1, 1))
    with pytest.raises(UnknownNameError):
        engine.state("nobody")


def test_occupancy_and_caseload_at_a_date(engine: PathwayEngine) -> None:
    """Occupancy and caseload are counted from the states of that day."""
    admitted(engine, "p1")
    admitted(engine, "p2", date(2024, 2, 1))
    consented(engine, "p1", date(2024, 2, 1))
    consented(engine, "p2", date(2024, 2, 1))
    engine.assign_coach("p1", date(2024, 2, 1), "b")
    engine.assign_tandem("p2", date(2024, 2, 1), "t1")
    engine.exit("p1", date(2024, 3, 1), "completed")
    now = engine.occupancy()
    assert (now.occupied, now.capacity, now.free) == (1, 3, 2)
    past = engine.occupancy(as_of=date(2024, 2, 15))
    assert past.occupied == 2
    assert past.in_phase("intake") == 2
    load = engine.caseload(as_of=date(2024, 2, 15))
    assert [(r.id, r.cases, r.limit) for r in load.items] == [
        ("a", 1, 2), ("b", 1, 3), ("c", 1, 12), ("t1", 1, 2)]
    assert engine.caseload().of("b").cases == 0
    with pytest.raises(KeyError):
        engine.caseload().of("zz")


def test_result_tables_have_frames(engine: PathwayEngine) -> None:
    """Query results are Tables with to_frame() and to_records()."""
    admitted(engine, "p1")
    assert engine.occupancy().to_frame().columns.tolist() == ["phase", "occupied", "places"]
    assert engine.caseload().to_records()[0] == {"kind": "coach", "id": "a", "cases": 0, "limit": 2}
    assert engine.due(date(2024, 3, 1)).to_records()[0]["date"] == "2024-02-08"


def test_engine_loads_an_existing_log() -> None:
    """An engine built on a store with events has the replayed state and the same books."""
    first = new_engine()
    admitted(first, "p1")
    admitted(first, "p2")
    first.assign_coach("p1", D0, "a")
    second = new_engine(store=first.store)
    assert second.states() == first.states()
    assert second.occupancy() == first.occupancy()
    assert second.caseload() == first.caseload()
    assert second.clock == first.clock
    assert "p1" in second
    assert len(second) == 2
    assert second.participant_ids == ("p1", "p2")
