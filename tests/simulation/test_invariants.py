"""Invariants of simulated logs over random scenarios (Hypothesis)."""

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.engine import PathwayEngine
from langzeit.events import Admitted, EventLog, Exited, Referred, Waitlisted
from langzeit.simulation import Scenario, scenario_from_dict, simulate


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Small random scenarios: places, inflow, stays, hazards, waiting list, extensions."""
    places = draw(st.integers(1, 8))
    data: dict[str, Any] = {
        "id": "random", "start": dt.date(2024, 1, 1), "horizon": f"{draw(st.integers(6, 30))} months",
        "programme": {
            "id": "r", "name": "Random", "capacity": {"places": places}, "max_duration": "10 months",
            "extension": {"max_extensions": draw(st.integers(0, 2)), "length": "2 months"},
            "aftercare": "3 months",
            "phases": [{"id": "a"}, {"id": "b"}, {"id": "exit", "terminal": True}],
            "transitions": [{"from": "a", "to": "b"}, {"from": "a", "to": "exit"},
                            {"from": "b", "to": "exit"}],
        },
        "referrals": {"kind": "poisson", "rate": draw(st.floats(0.5, 6.0))},
        "agreement_probability": draw(st.floats(0.3, 1.0)),
        "durations": {"a": {"kind": "exponential", "mean": draw(st.floats(0.2, 4.0))},
                      "b": {"kind": "gamma", "mean": draw(st.floats(0.5, 9.0)),
                            "cv": draw(st.floats(0.1, 1.5))}},
        "hazards": {"b": {"dropout": draw(st.floats(0, 0.2)), "integration": draw(st.floats(0, 0.2))}},
        "waiting_list": {"discipline": draw(st.sampled_from(["fifo", "priority", "none"])),
                         "priority_share": 0.3},
        "extension": {"probability": draw(st.floats(0, 1))},
        "aftercare": {"after": "work"},
        "follow_up": {"months": [6]},
    }
    if draw(st.booleans()):
        data["waiting_list"]["patience"] = {"kind": "exponential", "mean": draw(st.floats(0.5, 6.0))}
    return scenario_from_dict(data)


@settings(max_examples=15)
@given(scenarios(), st.integers(0, 2**31 - 1))
def test_simulated_logs_keep_the_engines_rules(scenario: Scenario, seed: int) -> None:
    """Places are never exceeded, pathways start with a referral, and a fresh engine accepts the log."""
    rep = simulate(scenario, seed=seed).replications[0]
    occupied, seen = 0, set()
    for e in rep.events:
        if isinstance(e, Referred):
            seen.add(e.participant_id)
        assert e.participant_id in seen
        occupied += isinstance(e, Admitted) - isinstance(e, Exited)
        assert 0 <= occupied <= (scenario.places or 0)
    engine = PathwayEngine(scenario.programme, store=EventLog(rep.events))
    assert engine.occupancy().occupied == occupied == rep.metrics["occupied_at_end"]
    waiting = sum(1 for e in rep.events if isinstance(e, Waitlisted))
    assert (scenario.waiting_list.discipline == "none") <= (waiting == 0)
