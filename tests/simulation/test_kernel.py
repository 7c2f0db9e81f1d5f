"""The pathway kernel gives the engine-driven loop's pathways draw for draw, and runs only where it may."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import numpy as np
import pytest
from _same_pathways import assert_same_replication
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.cli import main
from langzeit.simulation import (
    Scenario,
    builtin_scenarios,
    compare,
    kernel_obstacles,
    load_scenario,
    relief_balance,
    scenario_from_dict,
    simulate,
)
from langzeit.simulation._kernel import run_kernel
from langzeit.simulation._model import run_replication


def _assert_same(scenario: Scenario, seed: int) -> None:
    kernel = run_kernel(scenario, np.random.default_rng(seed))
    assert_same_replication(kernel, run_replication(scenario, np.random.default_rng(seed), keep_events=False))


_STAYS = st.sampled_from([
    1, 2, 0.5, {"kind": "exponential", "mean": 1.5}, {"kind": "gamma", "mean": 2, "cv": 0.5},
    {"kind": "lognormal", "mean": 1.2, "cv": 0.4}, {"kind": "empirical", "values": [1, 1, 2, 3]},
    {"kind": "exponential", "mean": 10, "unit": "days"},
])
_CAUSES = ["dropout", "health", "integration", "minijob", "svp"]


@st.composite
def programmes(draw: st.DrawFn, *, costs: bool = False) -> dict[str, Any]:
    """Random scenarios: 1–4 phases with skips and side exits, routing, hazards, places, stays, lists.

    Also maximum stays with extensions, staffing, aftercare, follow-ups, plans and scales;
    with ``costs``, always staffing and ``[costs]`` (their metrics read exits and follow-ups).
    """
    k = draw(st.integers(1, 4))
    phases = [f"ph{j}" for j in range(1, k + 1)]
    voluntary = draw(st.booleans())
    side_exit = draw(st.booleans())
    transitions: list[dict[str, Any]] = []
    for j, p in enumerate(phases):
        onward = phases[j + 1:j + 2] + (phases[j + 2:j + 3] if draw(st.booleans()) else [])
        for q in onward:
            guards = draw(st.sampled_from([[], ["assessed"], ["assessed", "agreement"]]
                                          if voluntary else [[], ["assessed"]]))
            transitions.append({"from": p, "to": q, "guards": guards} if guards else {"from": p, "to": q})
        transitions.append({"from": p, "to": "exit"})
        if side_exit and j == 0:
            transitions.append({"from": p, "to": "other"})
    phase_tables: list[dict[str, Any]] = []
    for j, p in enumerate(phases):
        table: dict[str, Any] = {"id": p}
        places = draw(st.one_of(st.none(), st.integers(1, 4)))
        if places is not None:
            table["places"] = places
        if j > 0 and draw(st.booleans()):
            table["requires_assessment"] = True
        if draw(st.integers(0, 4)) == 0:
            table["data_exchange_with"] = ["partner"]
        phase_tables.append(table)
    phase_tables.append({"id": "exit", "terminal": True})
    if side_exit:
        phase_tables.append({"id": "other", "terminal": True})
    programme: dict[str, Any] = {"id": "rand", "name": "Random", "voluntary": voluntary,
                                 "phases": phase_tables, "transitions": transitions}
    total = draw(st.one_of(st.none(), st.integers(1, 8)))
    if total is not None:
        programme["capacity"] = {"places": total}
    max_stay = draw(st.sampled_from([None, "2 months", "3 months", "5 months"]))
    if max_stay is not None:
        programme["max_duration"] = max_stay
        extensions = draw(st.integers(0, 2))
        if extensions:
            programme["extension"] = {"max_extensions": extensions,
                                      "length": draw(st.sampled_from(["1 month", "2 months"]))}
    aftercare = draw(st.booleans())
    if aftercare:
        programme["aftercare"] = "3 months"
    routing: dict[str, dict[str, float]] = {}
    for p in phases:
        succ = [t["to"] for t in transitions if t["from"] == p]
        onward = [q for q in succ if q in phases]
        if len(onward) > 1 or (onward and draw(st.booleans())):
            weights = [draw(st.integers(0, 4)) for _ in succ]
            if sum(weights) == 0:
                weights[0] = 1
            routing[p] = {q: w / sum(weights) for q, w in zip(succ, weights, strict=True)}
    hazards: dict[str, dict[str, float]] = {}
    for p in phases:
        causes = draw(st.lists(st.sampled_from(_CAUSES), unique=True, max_size=2))
        if causes:
            hazards[p] = {c: draw(st.sampled_from([0.02, 0.1, 0.3])) for c in causes}
    scenario: dict[str, Any] = {
        "id": "rand", "start": "2020-01-01", "horizon": draw(st.sampled_from([6, 12, 18])),
        "programme": programme,
        "referrals": draw(st.sampled_from([{"kind": "poisson", "rate": 4}, {"kind": "poisson", "rate": 12},
                                           {"kind": "poisson", "rate": 2, "per": "week"}])),
        "durations": {p: draw(_STAYS) for p in phases},
        "hazards": hazards, "routing": routing,
        "completion": draw(st.sampled_from([{"none": 1.0}, {"none": 0.5, "svp": 0.3, "minijob": 0.2}])),
    }
    if voluntary:
        scenario["agreement_probability"] = draw(st.sampled_from([0.7, 1.0]))
    discipline = draw(st.sampled_from(["fifo", "priority", "none"]))
    waiting: dict[str, Any] = {"discipline": discipline}
    if discipline == "priority":
        waiting["priority_share"] = draw(st.sampled_from([0.0, 0.3]))
    if discipline != "none":
        patience = draw(st.sampled_from([None, 1, {"kind": "exponential", "mean": 2}]))
        if patience is not None:
            waiting["patience"] = patience
        max_length = draw(st.one_of(st.none(), st.integers(0, 5)))
        if max_length is not None:
            waiting["max_length"] = max_length
    scenario["waiting_list"] = waiting
    if costs or draw(st.integers(0, 3)) == 0:
        scenario["staffing"] = {"coaches": draw(st.integers(1, 3)), "caseload": draw(st.integers(1, 4)),
                                "tandems": draw(st.booleans())}
    if costs:
        scenario["costs"] = {"staff_cost_per_fte_year": draw(st.sampled_from([60_000, 85_760])),
                             "monthly_benefit": draw(st.sampled_from([700, 1_000]))}
    if "extension" in programme:
        scenario["extension"] = {"probability": draw(st.sampled_from([0.0, 0.5, 1.0]))}
    if aftercare:
        scenario["aftercare"] = {"after": "integration", "duration": "2 months"}
    if draw(st.booleans()):
        scenario["follow_up"] = {"months": [1, 3], "retention": 0.7, "later_work": 0.1}
    if draw(st.integers(0, 3)) == 0:
        scenario["plans"] = {"steps": 2, "achieve": 0.5, "due": "2 months", "review": "3 months"}
    if draw(st.integers(0, 3)) == 0:
        scenario["scales"] = {"who5": {"entry": 2.0, "exit": 2.5, "sd": 1.0}}
    return scenario


@settings(max_examples=70, deadline=None)
@given(programmes(), st.integers(0, 2**32 - 1))
def test_kernel_gives_the_event_loops_pathways_draw_for_draw(table: dict[str, Any], seed: int) -> None:
    """On random programmes the kernel's pathways and metrics equal the engine-driven loop's exactly."""
    scenario = scenario_from_dict(table)
    assert kernel_obstacles(scenario) == ()
    _assert_same(scenario, seed)


@settings(max_examples=40, deadline=None)
@given(programmes(costs=True), st.integers(0, 2**32 - 1))
def test_kernel_gives_the_event_loops_cost_metrics(table: dict[str, Any], seed: int) -> None:
    """With ``[costs]`` (and follow-ups or not) the kernel's cost metrics equal those read from the events."""
    scenario = scenario_from_dict(table)
    assert kernel_obstacles(scenario) == ()
    kernel = run_kernel(scenario, np.random.default_rng(seed))
    assert "relieved_months" in kernel.metrics
    _assert_same(scenario, seed)


@pytest.mark.parametrize("scenario", [s for s in builtin_scenarios() if not kernel_obstacles(s)],
                         ids=lambda s: s.id)
def test_kernel_matches_the_loop_on_the_built_in_scenarios(scenario: Scenario) -> None:
    """Every built-in scenario the kernel models: the same pathways on two seeds."""
    for seed in (1, 2):
        _assert_same(scenario, seed)


def test_the_leitbild_arms_run_on_the_kernel_with_the_engines_figures() -> None:
    """Both arms with costs: kernel metrics, the paired comparison and the relief balance as the engine's."""
    low, high = load_scenario("leitbild-1-60"), load_scenario("leitbild-1-12")
    assert kernel_obstacles(low) == kernel_obstacles(high) == ()
    for seed in (1, 7, 2024):
        runs = {(s.id, method): simulate(s, seed=seed, replications=3, method=method, keep_events=False)
                for s in (low, high) for method in ("kernel", "engine")}
        for (_, method), result in runs.items():
            assert {r.method for r in result.replications} == {method}
        for s in (low, high):
            kernel, engine = runs[(s.id, "kernel")], runs[(s.id, "engine")]
            assert [r.metrics for r in kernel.replications] == [r.metrics for r in engine.replications]
            assert kernel.replications[0].metrics["relieved_months"] > 0
        by_kernel = compare(runs[(low.id, "kernel")], runs[(high.id, "kernel")], paired=True)
        by_engine = compare(runs[(low.id, "engine")], runs[(high.id, "engine")], paired=True)
        assert by_kernel.rows() == by_engine.rows()
        assert relief_balance(by_kernel).rows() == relief_balance(by_engine).rows()


def test_the_cli_comparison_of_the_leitbild_arms_is_the_engines() -> None:
    """``langzeit simulate leitbild-1-60 --compare leitbild-1-12``: the comparison the engine alone gives."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["simulate", "leitbild-1-60", "--compare", "leitbild-1-12", "--seed", "3",
                     "--replications", "3", "--format", "json"]) == 0
    cli = json.loads(out.getvalue())["comparison"]
    low, high = (simulate(load_scenario(i), seed=3, replications=3, method="engine", keep_events=False)
                 for i in ("leitbild-1-60", "leitbild-1-12"))
    c = compare(high, low, paired=True)
    assert [[r[k] for k in ("metric", "baseline", "alternative", "difference", "low", "high")]
            for r in cli["rows"]] == [[r[k] for k in ("metric", "baseline", "alternative", "difference",
                                                      "low", "high")] for r in c.rows()]
    balance = relief_balance(c)
    assert (cli["relief_vs_investment"]["extra_cost"], cli["relief_vs_investment"]["extra_relief"]) == (
        balance.extra_cost, balance.extra_relief)


def _tied(**changes: Any) -> Scenario:
    """Fixed stays and open days: exits, retries, deadlines and arrivals on the same instants."""
    table: dict[str, Any] = {
        "id": "ties", "start": "2020-01-01", "horizon": 24,
        "programme": {
            "id": "t", "name": "Ties", "voluntary": False, "capacity": {"places": 3},
            "max_duration": "3 months", "extension": {"max_extensions": 1, "length": "1 month"},
            "phases": [{"id": "a", "places": 2}, {"id": "b", "places": 1}, {"id": "exit", "terminal": True}],
            "transitions": [{"from": "a", "to": "b"}, {"from": "a", "to": "exit"},
                            {"from": "b", "to": "exit"}],
        },
        "referrals": {"kind": "open_days", "every": "1 month", "mean": 4},
        "durations": {"a": 1, "b": 2},
        "routing": {"a": {"b": 0.8, "exit": 0.2}},
        "waiting_list": {"discipline": "fifo", "patience": 2, "max_length": 3},
        "extension": {"probability": 0.5},
    }
    table.update(changes)
    return scenario_from_dict(table)


@pytest.mark.parametrize("changes", [
    {},
    {"waiting_list": {"discipline": "priority", "priority_share": 0.5, "patience": 1}},
    {"waiting_list": {"discipline": "none"}},
    {"durations": {"a": 1, "b": 1}},  # the stay in b ends on the day the maximum stay ends
    {"staffing": {"coaches": 2, "caseload": 1, "tandems": True}},
], ids=["fifo", "priority", "closed", "deadline-ties", "tandems"])
def test_kernel_breaks_ties_as_the_loop_does(changes: dict[str, Any]) -> None:
    """Exits, phase retries, deadlines, give-ups and arrivals on the same instant: the same order."""
    scenario = _tied(**changes)
    assert kernel_obstacles(scenario) == ()
    for seed in range(4):
        _assert_same(scenario, seed)


def test_entry_phase_places_freed_by_moving_on_admit_from_the_list() -> None:
    """A full entry phase: moving on frees a place, and the head of the list is admitted then."""
    scenario = _tied(programme={
        "id": "t", "name": "Entry places", "voluntary": False,
        "phases": [{"id": "a", "places": 1}, {"id": "b"}, {"id": "exit", "terminal": True}],
        "transitions": [{"from": "a", "to": "b"}, {"from": "b", "to": "exit"}],
    }, routing={}, extension={"probability": 0.0})
    for seed in range(3):
        _assert_same(scenario, seed)
    loop = run_replication(scenario, np.random.default_rng(0))
    waited = loop.pathways.waitlisted == loop.pathways.waitlisted
    assert np.any(waited & (loop.pathways.admitted == loop.pathways.admitted))  # admitted from the list


def test_obstacles_name_what_the_kernel_does_not_model() -> None:
    """Cohorts, an agreement guard where nobody agrees, a guarded exit: each is a reason."""
    assert kernel_obstacles(load_scenario("pan-ploen")) == ("cohort referrals (admission on cycle days)",)
    scenario = _tied(programme={
        "id": "t", "name": "Guarded", "voluntary": False,
        "phases": [{"id": "a"}, {"id": "b"}, {"id": "exit", "terminal": True}],
        "transitions": [{"from": "a", "to": "b", "guards": ["agreement"]},
                        {"from": "b", "to": "exit", "guards": ["assessed"]}],
    }, routing={}, extension={"probability": 0.0})
    reasons = kernel_obstacles(scenario)
    assert any("agreement guard" in r for r in reasons)
    assert any("'b' → 'exit' is guarded" in r for r in reasons)


def test_auto_takes_the_kernel_without_events_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """keep_events=False on a programme of phases never enters the event loop; the method is named."""
    import langzeit.simulation._model as model

    scenario = load_scenario("rpe-euregio")
    engine = simulate(scenario, seed=3, replications=2, keep_events=False, method="engine")

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the event loop ran")

    monkeypatch.setattr(model, "run_replication", refuse)
    result = simulate(scenario, seed=3, replications=2, keep_events=False)
    assert [r.method for r in result.replications] == ["kernel", "kernel"]
    assert [r.metrics for r in result.replications] == [r.metrics for r in engine.replications]
    assert [r.method for r in engine.replications] == ["engine", "engine"]


def test_kept_events_always_come_from_the_engine() -> None:
    """keep_events={0}: the first replication runs through the engine, the others in the kernel."""
    result = simulate(load_scenario("aktivoreha"), seed=4, replications=3, keep_events={0})
    assert [r.method for r in result.replications] == ["engine", "kernel", "kernel"]
    assert len(result.replications[0].events) > 0


def test_kernel_method_refuses_what_it_cannot_do() -> None:
    """method='kernel' with events kept, or on cohorts, is an error naming why."""
    with pytest.raises(ValueError, match="keep_events=False"):
        simulate(load_scenario("rpe-euregio"), method="kernel")
    with pytest.raises(ValueError, match="cohort referrals"):
        simulate(load_scenario("pan-ploen"), method="kernel", keep_events=False)
    with pytest.raises(ValueError, match="needs the engine"):
        run_kernel(load_scenario("pan-ploen"), np.random.default_rng(1))
