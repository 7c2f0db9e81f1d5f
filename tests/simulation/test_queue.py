"""The queue kernel gives the event loop's pathways, draw for draw, and is used only where it may."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import pytest
from _same_pathways import assert_same_replication
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.domain import Capacity, OutcomeKind
from langzeit.simulation import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    OpenDayReferrals,
    PoissonReferrals,
    Scenario,
    Staffing,
    WaitingListPolicy,
    load_scenario,
    queue_obstacles,
    simulate,
)
from langzeit.simulation._model import run_replication
from langzeit.simulation._queue import run_queue


def _queue(**changes: Any) -> Scenario:
    return attrs.evolve(load_scenario("mm-c-queue"), **changes)


stays = st.one_of(
    st.builds(Exponential, st.sampled_from([0.05, 0.5, 2.0])),
    st.builds(Fixed, st.sampled_from([0.1, 0.5, 1.0, 2.0])),
    st.builds(Gamma, st.sampled_from([0.2, 1.5]), st.sampled_from([0.5, 1.0])),
    st.builds(LogNormal, st.sampled_from([0.3, 1.2]), st.sampled_from([0.4, 1.0])),
    st.builds(Empirical, st.sampled_from([(0.5, 1.0, 3.0), (1.0, 1.0, 2.0)])),
)


@st.composite
def queue_scenarios(draw: st.DrawFn) -> Scenario:
    """Plain queues: any stays, Poisson or open-day referrals, take-up, FIFO or closed lists."""
    base = load_scenario("mm-c-queue")
    places = draw(st.one_of(st.none(), st.integers(1, 6)))
    voluntary = draw(st.booleans())
    referrals = draw(st.one_of(
        st.builds(PoissonReferrals, st.sampled_from([30.0, 120.0, 300.0])),  # per month
        st.builds(OpenDayReferrals, st.sampled_from([0.5, 1.0]), st.sampled_from([3.0, 10.0])),
    ))
    waiting = WaitingListPolicy(
        discipline=draw(st.sampled_from(["fifo", "none", "priority"])),
        max_length=draw(st.one_of(st.none(), st.integers(0, 4))),
        patience=draw(st.one_of(st.none(), stays)),
    )
    programme = attrs.evolve(base.programme, voluntary=voluntary,
                             capacity=Capacity(places=places))
    completion = draw(st.sampled_from([
        base.completion,
        ((OutcomeKind.NONE, 0.5), (OutcomeKind.SVP, 0.3), (OutcomeKind.MINIJOB, 0.2)),
    ]))
    return attrs.evolve(
        base, id="q", programme=programme, referrals=referrals,
        horizon=relativedelta(days=draw(st.sampled_from([40, 120]))),
        warm_up=relativedelta(days=draw(st.sampled_from([0, 10]))),
        agreement_probability=draw(st.sampled_from([0.6, 1.0])) if voluntary else 1.0,
        durations={"service": draw(stays)}, waiting_list=waiting, completion=completion,
    )


@settings(max_examples=60, deadline=None)
@given(queue_scenarios(), st.integers(0, 2**32 - 1))
def test_kernel_gives_the_event_loops_pathways_draw_for_draw(scenario: Scenario, seed: int) -> None:
    """On any plain queue, the kernel's pathways and metrics equal the engine-driven loop's exactly."""
    assert queue_obstacles(scenario) == ()
    kernel = run_queue(scenario, np.random.default_rng(seed))
    loop = run_replication(scenario, np.random.default_rng(seed))
    assert_same_replication(kernel, loop)


@settings(max_examples=60, deadline=None)
@given(queue_scenarios(), st.integers(0, 2**32 - 1))
def test_kernel_writes_the_engines_log_event_for_event(scenario: Scenario, seed: int) -> None:
    """On any plain queue, the kernel's events equal the engine-driven loop's, in the same order."""
    kernel = simulate(scenario, seed=seed, method="queue", keep_events=True).replications[0]
    loop = simulate(scenario, seed=seed, method="engine").replications[0]
    assert kernel.method == "queue"
    assert kernel.events == loop.events
    assert dict(kernel.metrics) == pytest.approx(dict(loop.metrics), nan_ok=True, rel=0, abs=0)


def _tied(**changes: Any) -> Scenario:
    """Open days every half month, stays and patience of exactly half a month: instants coincide."""
    base = load_scenario("mm-c-queue")
    defaults: dict[str, Any] = {
        "programme": attrs.evolve(base.programme, capacity=Capacity(places=2)),
        "referrals": OpenDayReferrals(every=0.5, mean=8.0),
        "horizon": relativedelta(days=200),
        "durations": {"service": Fixed(0.5)},
        "waiting_list": WaitingListPolicy(discipline="fifo", patience=Fixed(0.5)),
        "completion": ((OutcomeKind.NONE, 0.5), (OutcomeKind.SVP, 0.5)),
    }
    return _queue(**{**defaults, **changes})


_WHOLE = {"durations": {"service": Fixed(1.0)}, "referrals": OpenDayReferrals(every=1.0, mean=3.0)}


@pytest.mark.parametrize("changes", [
    {},
    {"waiting_list": WaitingListPolicy(discipline="fifo", max_length=3, patience=Fixed(0.5))},
    {"waiting_list": WaitingListPolicy(discipline="fifo", patience=Fixed(1.0)),
     "durations": {"service": Fixed(1.0)}},
    {**_WHOLE, "waiting_list": WaitingListPolicy(discipline="fifo", patience=Fixed(1.0))},
    {**_WHOLE, "waiting_list": WaitingListPolicy(discipline="fifo", max_length=1, patience=Fixed(2.0))},
    {**_WHOLE, "waiting_list": WaitingListPolicy(discipline="none")},
    {**_WHOLE, "programme": attrs.evolve(load_scenario("mm-c-queue").programme, voluntary=True,
                                         capacity=Capacity(places=3)), "agreement_probability": 0.7},
], ids=["half-months", "max-length", "whole-month-stays", "whole-months", "one-waiting", "no-list",
        "take-up"])
def test_kernel_writes_the_engines_log_on_ties(changes: dict[str, Any]) -> None:
    """Exits, give-ups and arrivals at one instant: the kernel's log is the engine's, in its order.

    With whole-month stays and monthly open days every exit falls on an open day, and
    with patience of whole months give-ups fall on exits too.
    """
    scenario = _tied(**changes)
    for seed in range(3):
        kernel = simulate(scenario, seed=seed, method="queue").replications[0]
        loop = simulate(scenario, seed=seed, method="engine").replications[0]
        assert kernel.events == loop.events
        assert_same_replication(kernel, loop)


def test_log_of_the_built_in_queue_is_the_engines() -> None:
    """The built-in M/M/12 scenario, events kept: auto takes the kernel and writes the engine's log."""
    scenario = load_scenario("mm-c-queue")
    kernel = simulate(scenario, seed=1).replications[0]
    loop = simulate(scenario, seed=1, method="engine").replications[0]
    assert (kernel.method, loop.method) == ("queue", "engine")
    assert kernel.events == loop.events
    assert [e.event_id for e in kernel.events[:3]] == ["p000001-1", "p000001-2", "p000001-3"]


def test_kernel_matches_the_loop_on_the_built_in_queue() -> None:
    """The built-in M/M/12 scenario: kernel and loop agree on every participant."""
    scenario = load_scenario("mm-c-queue")
    for seed in (1, 2):
        assert_same_replication(run_queue(scenario, np.random.default_rng(seed)),
                                 run_replication(scenario, np.random.default_rng(seed)))


@pytest.mark.parametrize("max_length", [None, 3])
def test_kernel_breaks_ties_as_the_loop_does(max_length: int | None) -> None:
    """Open days and fixed stays make exits, give-ups and arrivals fall on the same instant."""
    base = load_scenario("mm-c-queue")
    scenario = _queue(
        programme=attrs.evolve(base.programme, capacity=Capacity(places=2)),
        referrals=OpenDayReferrals(every=0.5, mean=8.0),
        horizon=relativedelta(days=200),
        durations={"service": Fixed(0.5)},
        waiting_list=WaitingListPolicy(discipline="fifo", max_length=max_length, patience=Fixed(0.5)),
        completion=((OutcomeKind.NONE, 0.5), (OutcomeKind.SVP, 0.5)),
    )
    for seed in range(4):
        assert_same_replication(run_queue(scenario, np.random.default_rng(seed)),
                                 run_replication(scenario, np.random.default_rng(seed)))


def test_obstacles_name_every_feature_that_needs_the_engine() -> None:
    """Staffing, hazards and more phases each come back as a reason."""
    reasons = queue_obstacles(load_scenario("geh-vor"))
    assert "staffing (caseloads of coaches or tandems)" in reasons
    assert "competing hazards" in reasons
    assert any(r.startswith("2 phases before exit") for r in reasons)


def test_a_priority_list_with_priority_cases_is_no_plain_queue() -> None:
    """Priority changes the order of the list, which the FIFO recursion does not model."""
    scenario = _queue(waiting_list=WaitingListPolicy(discipline="priority", priority_share=0.2))
    assert queue_obstacles(scenario) == ("a priority waiting list",)


def test_auto_uses_the_kernel_on_a_plain_queue_with_or_without_events(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A plain queue never enters the event loop under auto, whether the events are kept or not."""
    import langzeit.simulation._model as model

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("the event loop ran")

    monkeypatch.setattr(model, "run_replication", refuse)
    result = simulate(load_scenario("mm-c-queue"), seed=3, replications=2, keep_events=False)
    assert [r.events for r in result.replications] == [(), ()]
    kept = simulate(load_scenario("mm-c-queue"), seed=3)
    assert kept.replications[0].method == "queue"
    assert len(kept.replications[0].events) > 0


def test_engine_method_runs_the_loop_even_without_events() -> None:
    """method='engine' gives the same metrics as the kernel, through the engine."""
    scenario = load_scenario("mm-c-queue")
    loop = simulate(scenario, seed=5, keep_events=False, method="engine")
    kernel = simulate(scenario, seed=5, keep_events=False, method="queue")
    assert loop.replications[0].metrics == kernel.replications[0].metrics


def test_queue_method_keeps_events() -> None:
    """method='queue' with the events kept writes them (the pathway kernel still refuses)."""
    assert simulate(load_scenario("mm-c-queue"), method="queue").replications[0].events
    with pytest.raises(ValueError, match="keep_events=False"):
        simulate(load_scenario("rpe-euregio"), method="kernel")


def test_queue_method_lists_why_a_scenario_is_no_queue() -> None:
    """Asking for the kernel on a full programme names the features in the way."""
    with pytest.raises(ValueError, match="staffing"):
        simulate(load_scenario("geh-vor"), method="queue", keep_events=False)


def test_unknown_method_is_refused() -> None:
    """A misspelt method is an error, not a silent default."""
    with pytest.raises(ValueError, match="'auto', 'engine', 'kernel' or 'queue'"):
        simulate(load_scenario("mm-c-queue"), method="fast")  # type: ignore[arg-type]


def test_staffed_queue_stays_with_the_engine() -> None:
    """A queue with coaches is decided by caseloads too: auto falls back to the loop."""
    scenario = _queue(staffing=Staffing(coaches=1, caseload=12))
    assert queue_obstacles(scenario) == ("staffing (caseloads of coaches or tandems)",)
    result = simulate(scenario, seed=1, keep_events=False)
    loop = simulate(scenario, seed=1, keep_events=False, method="engine")
    assert result.replications[0].metrics == loop.replications[0].metrics


@pytest.mark.slow
def test_parallel_kernel_runs_equal_serial_ones() -> None:
    """Replications of the kernel in processes equal those run one after the other."""
    scenario = load_scenario("mm-c-queue")
    serial = simulate(scenario, seed=9, replications=2, keep_events=False)
    parallel = simulate(scenario, seed=9, replications=2, keep_events=False, processes=2)
    assert [r.metrics for r in serial.replications] == [r.metrics for r in parallel.replications]


def test_events_of_some_replications_only() -> None:
    """keep_events={0} keeps the first log; the others' metrics equal a run that keeps all."""
    scenario = load_scenario("mm-c-queue")
    some = simulate(scenario, seed=8, replications=3, keep_events={0})
    everything = simulate(scenario, seed=8, replications=3)
    assert some.replications[0].events == everything.replications[0].events
    assert [r.events for r in some.replications[1:]] == [(), ()]
    assert [r.metrics for r in some.replications] == [r.metrics for r in everything.replications]


def test_keeping_events_of_a_missing_replication_is_an_error() -> None:
    """A replication index outside the run is named in the error."""
    with pytest.raises(ValueError, match=r"\[3\]"):
        simulate(load_scenario("mm-c-queue"), replications=3, keep_events={0, 3})
