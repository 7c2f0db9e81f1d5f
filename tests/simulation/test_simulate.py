import datetime as dt
import itertools
import math
from collections import Counter
from typing import Any

import attrs
import numpy as np
import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit import events as ev
from langzeit.engine import PathwayEngine
from langzeit.events import Event, EventLog, Status, replay
from langzeit.simulation import (
    Scenario,
    SimulationResult,
    Staffing,
    compare,
    load_scenario,
    scenario_from_dict,
    simulate,
)


def _small(**changes: Any) -> Scenario:
    """A small single-phase scenario with a waiting list, hazards and aftercare."""
    data: dict[str, Any] = {
        "id": "small", "start": dt.date(2024, 1, 1), "horizon": "36 months",
        "programme": {
            "id": "sm", "name": "Small", "capacity": {"places": 5}, "aftercare": "3 months",
            "max_duration": "9 months", "extension": {"max_extensions": 1, "length": "3 months"},
            "phases": [{"id": "coaching"}, {"id": "exit", "terminal": True}],
            "transitions": [{"from": "coaching", "to": "exit"}],
        },
        "referrals": {"kind": "poisson", "rate": 1.5},
        "agreement_probability": 0.8,
        "waiting_list": {"patience": {"kind": "exponential", "mean": 3}},
        "durations": {"coaching": {"kind": "gamma", "mean": 7, "cv": 0.4}},
        "hazards": {"coaching": {"dropout": 0.03, "integration": 0.04}},
        "extension": {"probability": 0.5},
        "aftercare": {"after": "integration"},
        "follow_up": {"months": [6, 12], "retention": 0.7, "later_work": 0.1},
    }
    data.update(changes)
    return scenario_from_dict({k: v for k, v in data.items() if v is not None})


def _occupancy_path(events: list[Event]) -> list[int]:
    occupied, path = 0, []
    for e in events:
        if isinstance(e, ev.Admitted):
            occupied += 1
        elif isinstance(e, ev.Exited):
            occupied -= 1
        path.append(occupied)
    return path


@settings(max_examples=8)
@given(st.integers(0, 2**31 - 1))
def test_the_same_seed_gives_identical_logs(seed: int) -> None:
    """Two runs with one seed produce the same events, pathways and metrics."""
    a = simulate(_small(), seed=seed, replications=2)
    b = simulate(_small(), seed=seed, replications=2)
    for ra, rb in zip(a.replications, b.replications, strict=True):
        assert ra.events == rb.events
        assert ra.metrics == rb.metrics
        assert np.array_equal(ra.pathways.admitted, rb.pathways.admitted, equal_nan=True)


def test_replications_differ_from_each_other() -> None:
    """Replications draw from different spawned streams."""
    r = simulate(_small(), seed=3, replications=2)
    assert r.replications[0].events != r.replications[1].events


@pytest.mark.slow
def test_parallel_replications_equal_serial_ones() -> None:
    """Replications run in two processes give exactly the serial results."""
    serial = simulate(_small(), seed=11, replications=3, processes=1)
    parallel = simulate(_small(), seed=11, replications=3, processes=2)
    for rs, rp in zip(serial.replications, parallel.replications, strict=True):
        assert rs.index == rp.index
        assert rs.events == rp.events
        assert rs.metrics == rp.metrics


def test_progress_is_reported_per_replication() -> None:
    """The progress callback sees every finished replication and, between them, rising fractions."""
    seen: list[tuple[float, int]] = []
    simulate(_small(), seed=1, replications=3, progress=lambda d, n: seen.append((d, n)))
    assert [d for d, _ in seen if d == int(d)] == [1, 2, 3]
    assert {n for _, n in seen} == {3}
    done = [d for d, _ in seen]
    assert done == sorted(done)
    assert len(done) > 100


def test_bad_replication_counts_are_refused() -> None:
    """Zero replications or processes are errors."""
    with pytest.raises(ValueError, match="replications"):
        simulate(_small(), replications=0)
    with pytest.raises(ValueError, match="processes"):
        simulate(_small(), processes=0)


def test_the_log_replays_in_a_fresh_engine() -> None:
    """The simulated log loads into a new PathwayEngine: the engine's own rules accept it."""
    s = _small()
    rep = simulate(s, seed=5).replications[0]
    engine = PathwayEngine(s.programme, store=EventLog(rep.events))
    assert len(engine) == len(rep.pathways)
    assert engine.occupancy().occupied == int(rep.metrics["occupied_at_end"])


def test_places_are_never_exceeded() -> None:
    """At no point in the log do more participants hold a place than the programme has."""
    rep = simulate(_small(), seed=8).replications[0]
    assert max(_occupancy_path(list(rep.events))) == 5


def test_events_are_in_date_order_and_every_pathway_starts_with_a_referral() -> None:
    """The log is ordered by date; each participant's first event is Referred."""
    events = list(simulate(_small(), seed=2).replications[0].events)
    assert all(a.date <= b.date for a, b in itertools.pairwise(events))
    first: dict[str, Event] = {}
    for e in events:
        first.setdefault(e.participant_id, e)
    assert all(isinstance(e, ev.Referred) for e in first.values())


def test_pathways_match_the_replayed_states() -> None:
    """Declined, reneged, exited and extended counts agree between pathways and the log."""
    rep = simulate(_small(), seed=9).replications[0]
    states = replay(rep.events)
    status = Counter(s.status for s in states.values())
    p = rep.pathways
    assert status[Status.DECLINED] == int((~p.agreed).sum())
    assert status[Status.RENEGED] == int((~np.isnan(p.left_list)).sum())
    assert status[Status.EXITED] == int((~np.isnan(p.exited)).sum())
    assert sum(s.extensions for s in states.values()) == int(p.extensions.sum())


def test_waiting_list_is_served_first_come_first_served() -> None:
    """Under FIFO, participants admitted from the list leave it in the order they joined."""
    events = simulate(_small(waiting_list={"discipline": "fifo"}), seed=4).replications[0].events
    listed = [e.participant_id for e in events if isinstance(e, ev.Waitlisted)]
    admitted = [e.participant_id for e in events if isinstance(e, ev.Admitted)]
    from_list = [pid for pid in admitted if pid in set(listed)]
    assert from_list == [pid for pid in listed if pid in set(from_list)]


def test_reneging_happens_only_from_the_waiting_list() -> None:
    """Everyone who reneged was on the waiting list before."""
    events = simulate(_small(), seed=6).replications[0].events
    listed = {e.participant_id for e in events if isinstance(e, ev.Waitlisted)}
    reneged = {e.participant_id for e in events if isinstance(e, ev.Reneged)}
    assert reneged
    assert reneged <= listed


def test_no_waiting_list_turns_people_away() -> None:
    """With discipline "none" a full programme declines instead of listing."""
    rep = simulate(_small(waiting_list={"discipline": "none"}), seed=6).replications[0]
    assert not any(isinstance(e, ev.Waitlisted) for e in rep.events)
    no_place = [e for e in rep.events if isinstance(e, ev.Declined) and e.reason == "no place free"]
    assert len(no_place) == rep.metrics["turned_away"] > 0


def test_aftercare_follows_integrations_only() -> None:
    """Aftercare starts on the day of an exit into an Integration and only then."""
    events = simulate(_small(), seed=12).replications[0].events
    exits = {e.participant_id: e for e in events if isinstance(e, ev.Exited)}
    started = [e for e in events if isinstance(e, ev.AftercareStarted)]
    assert started
    for e in started:
        assert exits[e.participant_id].outcome.is_integration
        assert exits[e.participant_id].date == e.date
    assert len(started) == sum(1 for e in exits.values() if e.outcome.is_integration)


def test_follow_ups_are_6_and_12_months_after_exit() -> None:
    """Follow-ups are dated 6 and 12 calendar months after the exit day."""
    events = simulate(_small(), seed=12).replications[0].events
    exits = {e.participant_id: e.date for e in events if isinstance(e, ev.Exited)}
    follow = [e for e in events if isinstance(e, ev.FollowUp)]
    assert {e.months_after_exit for e in follow} == {6, 12}
    for e in follow:
        assert exits[e.participant_id] + relativedelta(months=e.months_after_exit) == e.date


def test_extensions_respect_the_programme_rule() -> None:
    """Nobody is extended more often than the rule allows, and only at the maximum stay."""
    s = _small()
    events = simulate(s, seed=13, replications=1).replications[0].events
    admitted = {e.participant_id: e.date for e in events if isinstance(e, ev.Admitted)}
    extended = [e for e in events if isinstance(e, ev.Extended)]
    assert extended
    assert max(Counter(e.participant_id for e in extended).values()) == 1
    for e in extended:
        assert e.date == admitted[e.participant_id] + relativedelta(months=9)


def test_stays_end_by_the_maximum_or_its_extension() -> None:
    """No stay outlasts the maximum stay plus the one extension."""
    events = simulate(_small(), seed=14).replications[0].events
    admitted = {e.participant_id: e.date for e in events if isinstance(e, ev.Admitted)}
    for e in events:
        if isinstance(e, ev.Exited):
            assert e.date <= admitted[e.participant_id] + relativedelta(months=12)


def test_cohorts_are_admitted_on_their_start_days() -> None:
    """PaN's cycles: admissions happen on the four cohort days only."""
    events = simulate(load_scenario("pan-ploen"), seed=1).replications[0].events
    days = sorted({e.date for e in events if isinstance(e, ev.Admitted)})
    assert days == [dt.date(2019, 10, 1), dt.date(2020, 10, 1), dt.date(2021, 10, 1), dt.date(2022, 10, 1)]


def test_staff_caseloads_are_never_exceeded() -> None:
    """Geh vor!: every admitted case gets a tandem, and no tandem holds more than its limit."""
    s = load_scenario("geh-vor")
    rep = simulate(s, seed=2).replications[0]
    _, tandems = s.staffing.team()  # type: ignore[union-attr]
    limit = {t.id: t.max_cases for t in tandems}
    load: Counter[str] = Counter()
    holder: dict[str, str] = {}
    for e in rep.events:
        if isinstance(e, ev.TandemAssigned):
            holder[e.participant_id] = e.tandem_id
            load[e.tandem_id] += 1
            assert load[e.tandem_id] <= limit[e.tandem_id]
        elif isinstance(e, ev.Exited) and e.participant_id in holder:
            load[holder.pop(e.participant_id)] -= 1
        assert not isinstance(e, ev.CoachAssigned)
    assert len(holder) == rep.metrics["occupied_at_end"]


def test_phases_follow_the_routing_probabilities() -> None:
    """AktiVoReha: about a third of case analyses go on to intensive coaching."""
    rep = simulate(load_scenario("aktivoreha"), seed=3).replications[0]
    entered = Counter(e.phase_id for e in rep.events if isinstance(e, ev.PhaseEntered))
    share = entered["intensive"] / (entered["intensive"] + entered["recommendation"])
    assert share == pytest.approx(0.345, abs=0.04)


def test_case_work_meets_the_entry_guards() -> None:
    """An entry phase needing assessment and consent gets both recorded before admission."""
    s = _small(programme={
        "id": "g", "name": "Guarded", "capacity": {"places": 2},
        "phases": [{"id": "coaching", "planned_duration": 3, "requires_assessment": True,
                    "data_exchange_with": ["klinik"]}, {"id": "exit", "terminal": True}],
        "transitions": [{"from": "coaching", "to": "exit"}],
    }, extension=None, aftercare=None, agreement_probability=1.0)
    events = simulate(s, seed=4).replications[0].events
    first_types: dict[str, list[str]] = {}
    for e in events:
        first_types.setdefault(e.participant_id, []).append(e.type)
    admitted = [types for types in first_types.values() if "admitted" in types]
    assert admitted
    for types in admitted:
        assert types.index("assessed") < types.index("admitted")
        assert types.index("consent_given") < types.index("admitted")


def test_warm_up_is_left_out_of_the_metrics() -> None:
    """Referrals before the observation window are not counted; their events stay in the log."""
    s = _small(warm_up="12 months", horizon="24 months")
    rep = simulate(s, seed=21).replications[0]
    t0 = dt.date(2025, 1, 1)
    referred = [e for e in rep.events if isinstance(e, ev.Referred)]
    assert referred[0].date < t0
    assert rep.metrics["referred"] == sum(1 for e in referred if e.date >= t0)


def test_summary_and_comparison_of_scenarios() -> None:
    """More staff shortens waits: the comparison's difference is the difference of means."""
    base = load_scenario("geh-vor")
    more = attrs.evolve(base, id="geh-vor-4", staffing=attrs.evolve(base.staffing, coaches=4,
                                                                        fte=(1.0,) * 4))
    a = simulate(base, seed=1, replications=4)
    b = simulate(more, seed=2, replications=4)
    c = compare(a, b)
    row = {r["metric"]: r for r in c.rows()}["admitted"]
    assert row["difference"] == pytest.approx(np.mean(b.values("admitted")) - np.mean(a.values("admitted")))
    assert row["difference"] > 0
    assert row["low"] <= row["difference"] <= row["high"]
    s = a.summary()
    low, high = s.interval("admitted")
    assert low is not None
    assert high is not None
    assert low <= s["admitted"] <= high
    assert math.isclose(s["admitted"], float(np.mean(a.values("admitted"))))


def test_plans_and_scales_are_recorded_through_the_engine() -> None:
    """Plans at admission with steps and 6-monthly reviews; WHO-5 and SWE at admission and exit."""
    s = _small(plans={"steps": 2, "achieve": 0.5, "due": 3, "review": 6},
               scales={"who5": {"entry": 2.0, "exit": 3.0}, "swe": {"entry": 2.5, "exit": 3.0, "sd": 0.5}})
    events = simulate(s, seed=31).replications[0].events
    admitted = {e.participant_id: e.date for e in events if isinstance(e, ev.Admitted)}
    plans = [e for e in events if isinstance(e, ev.PlanAgreed)]
    steps = [e for e in events if isinstance(e, ev.PlanStepAgreed)]
    achieved = [e for e in events if isinstance(e, ev.PlanStepAchieved)]
    scores = [e for e in events if isinstance(e, ev.ScaleScored)]
    first_plan = {}
    for e in plans:
        first_plan.setdefault(e.participant_id, e)
    assert first_plan.keys() == admitted.keys()
    assert all(first_plan[p].date == d and first_plan[p].review == d + relativedelta(months=6)
               for p, d in admitted.items())
    assert len(steps) == 2 * len(admitted)
    assert 0 < len(achieved) < len(steps)
    assert {e.scale for e in scores} == {"who5", "swe"}
    assert all(len(e.items) == (5 if e.scale == "who5" else 10) for e in scores)
    assert all(0 <= i <= 5 for e in scores if e.scale == "who5" for i in e.items)
    assert all(1 <= i <= 4 for e in scores if e.scale == "swe" for i in e.items)
    exits = sum(1 for e in events if isinstance(e, ev.Exited))
    assert len(scores) == 2 * (len(admitted) + exits)


def test_pathways_and_metrics_are_tables() -> None:
    """Pathways give one row per participant, dated as in the log; metrics a long table."""
    result = simulate(_small(), seed=17, replications=2)
    rep = result.replications[0]
    frame = rep.pathways.to_frame()
    assert len(frame) == len(rep.pathways)
    referred = {e.participant_id: e.date for e in rep.events if isinstance(e, ev.Referred)}
    exits = {e.participant_id: e for e in rep.events if isinstance(e, ev.Exited)}
    for row in rep.pathways.rows():
        assert row["referred"] == referred[row["participant"]]
        if row["participant"] in exits:
            assert row["exited"] == exits[row["participant"]].date
            assert row["exit_reason"] == exits[row["participant"]].reason
    long = result.metrics().to_frame()
    assert set(long["replication"]) == {0, 1}
    wide = long.pivot(index="replication", columns="metric", values="value")
    assert list(wide["referred"]) == result.values("referred")


def test_early_routing_to_an_exit_has_no_outcome() -> None:
    """AktiVoReha: a recommendation only after the case analysis ends without an outcome."""
    events = simulate(load_scenario("aktivoreha"), seed=5).replications[0].events
    last_phase: dict[str, str] = {}
    outcomes: Counter[str] = Counter()
    for e in events:
        if isinstance(e, ev.PhaseEntered):
            last_phase[e.participant_id] = e.phase_id
        elif isinstance(e, ev.Exited) and last_phase[e.participant_id] == "recommendation":
            outcomes[e.outcome.value] += 1
    assert outcomes
    assert set(outcomes) == {"none"}


def _result_of(values: list[float], scenario_id: str = "mm-c-queue") -> SimulationResult:
    """A result whose replications carry only the metric ``m``."""
    from langzeit.simulation import Pathways, Replication

    empty = Pathways.from_lists(referred=[], agreed=[])
    reps = tuple(Replication(i, (), empty, {"m": v}) for i, v in enumerate(values))
    return SimulationResult(load_scenario(scenario_id), 1, reps)


def test_paired_comparison_is_the_t_interval_of_the_differences() -> None:
    """Hand case: differences 1, 2, 2 → mean 5/3, sd √(1/3), t(0.975, 2) = 4.302653."""
    c = compare(_result_of([1.0, 2.0, 3.0]), _result_of([2.0, 4.0, 5.0]), paired=True)
    row = c.rows()[0]
    half = 4.302652729749464 * math.sqrt(1 / 3) / math.sqrt(3)
    assert row["difference"] == pytest.approx(5 / 3)
    assert (row["low"], row["high"]) == (pytest.approx(5 / 3 - half), pytest.approx(5 / 3 + half))
    assert (row["baseline"], row["alternative"]) == (pytest.approx(2.0), pytest.approx(11 / 3))


def test_paired_comparison_leaves_out_pairs_with_a_missing_value() -> None:
    """A NaN on either side drops the pair from the difference and from both means."""
    c = compare(_result_of([1.0, math.nan, 3.0]), _result_of([2.0, 4.0, math.nan]), paired=True)
    row = c.rows()[0]
    assert (row["baseline"], row["alternative"], row["difference"]) == (1.0, 2.0, 1.0)
    assert row["low"] is None  # one pair left: no interval


def test_paired_comparison_needs_equally_many_replications() -> None:
    """Pairs by index only exist when both results have the same number of replications."""
    with pytest.raises(ValueError, match="equally many replications"):
        compare(_result_of([1.0, 2.0]), _result_of([1.0, 2.0, 3.0]), paired=True)


def test_same_scenario_and_seed_compare_to_exactly_zero() -> None:
    """Common random numbers: a scenario against itself on the same seed differs nowhere."""
    scenario = load_scenario("geh-vor")
    a = simulate(scenario, seed=4, replications=3, keep_events=False)
    b = simulate(scenario, seed=4, replications=3, keep_events=False)
    for row in compare(a, b, paired=True).rows():
        assert row["difference"] == 0.0 or math.isnan(row["difference"]), row


def test_common_random_numbers_narrow_the_interval() -> None:
    """Four coaches instead of three, same seed and paired: narrower than Welch on other seeds."""
    base = load_scenario("geh-vor")
    four = attrs.evolve(base, id="geh-vor-4",
                        staffing=Staffing(coaches=4, caseload=12, fte=(1.0, 1.0, 0.7, 1.0), tandems=True))
    a = simulate(base, seed=1, replications=8, keep_events=False)
    paired = {r["metric"]: r for r in compare(
        a, simulate(four, seed=1, replications=8, keep_events=False), paired=True).rows()}
    welch = {r["metric"]: r for r in compare(
        a, simulate(four, seed=2, replications=8, keep_events=False)).rows()}
    for metric in ("admitted", "mean_wait_days", "reneged"):
        assert paired[metric]["high"] - paired[metric]["low"] < welch[metric]["high"] - welch[metric]["low"]
