"""Every shipped programme runs on the engine: a participant can walk its main path to an exit."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from langzeit.engine import PathwayEngine
from langzeit.events import replay
from langzeit.programmes import list_programmes, load_programme


@pytest.mark.parametrize("name", list_programmes())
def test_main_path_of_each_shipped_programme(name: str) -> None:
    """Refer, agree, assess, consent to every partner, admit, follow first successors, exit."""
    prog = load_programme(name)
    engine = PathwayEngine(prog)
    day = date(2024, 1, 8)
    engine.refer("p1", day)
    if prog.voluntary:
        engine.agree("p1", day)
    engine.assess("p1", day)
    for phase in prog.phases:
        for org in phase.data_exchange_with:
            if not engine.state("p1").has_consent("data_exchange", org):
                engine.record_consent("p1", day, org)
    engine.admit("p1", day, waitlist=False)
    phase_id = prog.entry
    while True:
        nxt = [p for p in prog.successors(phase_id) if not prog.phase(p).terminal]
        if not nxt:
            break
        day += relativedelta(months=1)
        engine.enter_phase("p1", day, nxt[0])
        phase_id = nxt[0]
    engine.exit("p1", day + relativedelta(months=1), "completed")
    state = engine.state("p1")
    assert state.status.value == "exited"
    assert state.phase_id in prog.terminal_phases
    assert engine.states() == replay(engine.store.events())


def test_geh_vor_waiting_list_fills_after_thirty_two_places() -> None:
    """Geh vor!: the 33rd agreed participant waits; an exit admits them."""
    engine = PathwayEngine(load_programme("geh-vor"))
    day = date(2024, 1, 8)
    for i in range(40):
        engine.refer(f"p{i}", day)
        engine.agree(f"p{i}", day)
        engine.admit(f"p{i}", day)
    assert engine.occupancy().occupied == 32
    assert len(engine.waiting_list()) == 8
    engine.exit("p0", date(2024, 6, 1), "work", "svp")
    assert engine.state("p32").status.value == "active"


def test_fallmanagement_coaches_hold_sixty_cases() -> None:
    """Fallmanagement: a full-time Fallmanager*in at 1:60 takes the 60th case, not the 61st."""
    from langzeit.domain import Coach
    from langzeit.exceptions import CapacityExceeded

    fm = Coach("fm1", role="fallmanager", organisation_id="jc", caseload_limit=60)
    engine = PathwayEngine(load_programme("fallmanagement"), coaches=[fm])
    day = date(2024, 1, 8)
    for i in range(61):
        engine.refer(f"p{i}", day)
        engine.admit(f"p{i}", day)
    for i in range(60):
        engine.assign_coach(f"p{i}", day, "fm1")
    with pytest.raises(CapacityExceeded, match="60 of 60 cases"):
        engine.assign_coach("p60", day, "fm1")
