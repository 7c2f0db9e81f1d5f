"""Leistungsminderungen in the simulator (issue 17, item 5): breaches drawn, the engine decides."""

from __future__ import annotations

from datetime import date

import pytest

from langzeit._toml import loads_toml
from langzeit.domain import PastReduction, decide_reduction
from langzeit.engine import PathwayEngine
from langzeit.events import BenefitReduced, EventLog
from langzeit.exceptions import ValidationError
from langzeit.simulation import (
    Reductions,
    Scenario,
    builtin_scenarios,
    load_scenario,
    queue_obstacles,
    scenario_from_dict,
    scenario_to_dict,
    scenario_to_toml,
    scenario_variant,
    simulate,
)

ON = {"duty_breach": 0.02, "missed_appointment": 0.03, "on_dropout": 0.5, "hardship": 0.1}


def _with(changes: dict[str, object], base: str = "geh-vor") -> Scenario:
    return scenario_variant(load_scenario(base), changes, id=f"{base}-reductions")


def test_reductions_are_off_by_default() -> None:
    """No built-in scenario and no scenario without a [reductions] table draws Leistungsminderungen."""
    assert all(s.reductions is None for s in builtin_scenarios())
    log = simulate(load_scenario("geh-vor"), seed=2024).replications[0].events
    assert not any(e.type == "benefit_reduced" for e in log)


def test_switching_reductions_on_adds_only_reduction_events() -> None:
    """Same seed: the log with reductions is the log without plus benefit_reduced events (own stream)."""
    base = simulate(load_scenario("geh-vor"), seed=2024).replications[0]
    on = simulate(_with({"reductions": ON}), seed=2024).replications[0]
    reduced = [e for e in on.events if e.type == "benefit_reduced"]
    assert reduced
    rest = [e for e in on.events if e.type != "benefit_reduced"]
    assert [(e.type, e.participant_id, e.date) for e in rest] == [
        (e.type, e.participant_id, e.date) for e in base.events]
    assert on.metrics == base.metrics


def test_reductions_are_the_engines_decisions() -> None:
    """Every simulated reduction is decide_reduction's answer on the participant's earlier reductions."""
    log = simulate(_with({"reductions": {**ON, "hardship": 0.0, "on_dropout": 0.0}}), seed=5
                   ).replications[0].events
    history: dict[str, list[PastReduction]] = {}
    seen = 0
    for e in log:
        if isinstance(e, BenefitReduced):
            past = tuple(history.get(e.participant_id, ()))
            d = decide_reduction(e.ground, e.date, past)
            assert d.allowed
            assert (d.percent, d.months, d.start, d.count) == (e.percent, e.months, e.start, e.count)
            history.setdefault(e.participant_id, []).append(
                PastReduction(e.ground, e.start, e.months, e.percent, e.count))
            seen += 1
    assert seen > 10


def test_reductions_fall_while_admitted_and_the_log_replays() -> None:
    """A breach is drawn only between admission and exit; a fresh engine loads the log."""
    scenario = _with({"reductions": ON})
    log = simulate(scenario, seed=9).replications[0].events
    admitted = {e.participant_id: e.date for e in log if e.type == "admitted"}
    exited = {e.participant_id: e.date for e in log if e.type == "exited"}
    for e in log:
        if e.type == "benefit_reduced":
            assert admitted[e.participant_id] <= e.date <= exited.get(e.participant_id, date.max)
    engine = PathwayEngine(scenario.programme, store=EventLog(log))
    assert engine.occupancy().occupied > 0


def test_breaking_off_coaching_is_not_sanctioned_under_16k_protection() -> None:
    """From 07/2024 the engine refuses every dropout's reduction (§ 16k Abs. 4); in 2020 it reduces."""
    only_dropouts = {"duty_breach": 0.0, "missed_appointment": 0.0, "on_dropout": 1.0}
    late = simulate(_with({"start": "2024-07-01", "reductions": only_dropouts}), seed=1).replications[0]
    assert late.metrics["dropouts"] > 0
    assert not any(e.type == "benefit_reduced" for e in late.events)
    early = simulate(_with({"start": "2020-01-01", "reductions": only_dropouts}), seed=1).replications[0]
    cut = [e for e in early.events if e.type == "benefit_reduced"]
    assert cut
    assert all(e.ground == "duty_breach" and e.date < date(2023, 7, 1) for e in cut)


def test_hardship_always_found_means_no_reduction() -> None:
    """With hardship 1 the engine refuses every reduction (§ 31a Abs. 3): no event."""
    log = simulate(_with({"reductions": {**ON, "hardship": 1.0}}), seed=3).replications[0].events
    assert not any(e.type == "benefit_reduced" for e in log)


def test_reductions_table_is_validated_with_every_problem() -> None:
    """Unknown keys, probabilities outside [0, 1) and text are all listed."""
    table = scenario_to_dict(load_scenario("geh-vor"))
    table["reductions"] = {"duty_breach": 1.0, "missed_appointment": "often", "hardship": 1.5, "sanction": 1}
    with pytest.raises(ValidationError) as err:
        scenario_from_dict(table, location="s.toml")
    text = str(err.value)
    for where in ("s.toml.reductions.duty_breach", "s.toml.reductions.missed_appointment",
                  "s.toml.reductions.hardship", "s.toml.reductions.sanction"):
        assert where in text
    with pytest.raises(ValidationError, match="monthly probability"):
        Reductions(missed_appointment=-0.1)


def test_reductions_round_trip_through_toml_and_keep_the_event_loop() -> None:
    """The [reductions] table is written and read back; it needs the event loop (no queue kernel)."""
    scenario = _with({"reductions": ON})
    again = scenario_from_dict(loads_toml(scenario_to_toml(scenario), "r.toml"))
    assert again.reductions == scenario.reductions == Reductions(**ON)
    assert "Leistungsminderungen" in queue_obstacles(_with({"reductions": ON}, base="mm-c-queue"))


def test_rate_is_the_monthly_probabilitys_hazard() -> None:
    """Hand case: p = 0.5 a month is the rate ln 2 ≈ 0.6931."""
    assert Reductions(duty_breach=0.5).rate("duty_breach") == pytest.approx(0.693147, abs=1e-6)
