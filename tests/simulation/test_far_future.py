"""Durations that reach beyond the calendar (the year 9999) in the simulator."""

from __future__ import annotations

import attrs

from langzeit.simulation import Fixed, load_scenario, simulate


def test_an_aftercare_beyond_the_year_9999_runs_and_never_ends_in_the_window() -> None:
    """A huge aftercare duration (found by the bad-input harness) no longer overflows the calendar."""
    base = load_scenario("aktivoreha")
    assert base.aftercare is not None
    scenario = base.evolve(aftercare=attrs.evolve(base.aftercare, duration=Fixed(95_679)))
    result = simulate(scenario, seed=3, keep_events=False)
    assert result.replications[0].metrics["referred"] > 0
