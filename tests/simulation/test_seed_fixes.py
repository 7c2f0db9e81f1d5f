"""What a domain reader found in the seed programmes (issue 17, item 9), checked on the scenarios."""

from datetime import date

from langzeit.simulation import load_scenario, simulate


def test_geh_vor_offers_aftercare_only_from_august_2021() -> None:
    """No aftercare starts for an exit before 1 August 2021; afterwards it does."""
    scenario = load_scenario("geh-vor")
    assert scenario.aftercare is not None
    assert scenario.aftercare.available_from == date(2021, 8, 1)
    log = simulate(scenario, seed=7, replications=1).replications[0].events
    starts = [e.date for e in log if e.type == "aftercare_started"]
    assert starts
    assert min(starts) >= date(2021, 8, 1)


def test_rpe_ausstrom_is_the_participants_outflow() -> None:
    """RpE's Ausström 530 is calibrated on the exits of participants (phase II entrants), not on phase III."""
    metrics = {c.metric for c in load_scenario("rpe-euregio").calibration}
    assert "exits:phase-2" in metrics
    assert "entered:phase-3" not in metrics


def test_exits_of_a_phase_count_only_its_entrants() -> None:
    """exits:phase-2 counts exits of people who entered phase II; exits counts everyone's."""
    rep = simulate(load_scenario("rpe-euregio"), seed=3, replications=1).replications[0]
    log = rep.events
    entered = {e.participant_id for e in log if e.type == "phase_entered" and e.phase_id == "phase-2"}
    exits = [e.participant_id for e in log if e.type == "exited"]
    assert rep.metrics["exits:phase-2"] == sum(1 for p in exits if p in entered)
    assert rep.metrics["exits"] == len(exits)
