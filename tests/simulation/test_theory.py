"""The simulator against queueing theory: Erlang C and Little's law (formulas computed here)."""

import math

import attrs
import pytest
from dateutil.relativedelta import relativedelta

from langzeit.simulation import DAYS_PER_MONTH, builtin_scenarios, load_scenario, simulate


def _erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """P(wait) and E[Wq] of M/M/c from the textbook sum formula."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait, p_wait / (c * mu - lam)


@pytest.fixture(scope="module", params=["engine", "queue"])
def mmc(request: pytest.FixtureRequest) -> object:
    """The built-in M/M/12 queue over 300 days after its warm-up, 10 replications.

    Run both ways: the event loop through the engine, and the queue kernel.
    """
    scenario = load_scenario("mm-c-queue")
    scenario = attrs.evolve(scenario, horizon=relativedelta(days=300))
    return simulate(scenario, seed=2024, replications=10, keep_events=False, method=request.param)


def _rates() -> tuple[float, float, int]:
    s = load_scenario("mm-c-queue")
    lam = s.referrals.rate / DAYS_PER_MONTH  # type: ignore[attr-defined]  # per day
    mu = 1.0 / (s.duration("service").mean * DAYS_PER_MONTH)
    assert s.places is not None
    return lam, mu, s.places


def test_mmc_scenario_is_the_textbook_queue() -> None:
    """The built-in queue has λ = 10 and μ = 1 per day and 12 places."""
    lam, mu, c = _rates()
    assert (lam, mu, c) == (pytest.approx(10.0), pytest.approx(1.0), 12)


def test_probability_of_waiting_matches_erlang_c(mmc: object) -> None:
    """P(wait) from Erlang C lies in the replications' 95 % interval."""
    p_wait, _ = _erlang_c(*_rates())
    low, high = mmc.summary().interval("p_wait")  # type: ignore[attr-defined]
    assert low <= p_wait <= high


def test_mean_wait_matches_erlang_c(mmc: object) -> None:
    """E[Wq] = C(c, a) / (cμ − λ) lies in the replications' 95 % interval of the mean wait."""
    _, wq = _erlang_c(*_rates())
    low, high = mmc.summary().interval("mean_wait_days")  # type: ignore[attr-defined]
    assert low <= wq <= high


def test_littles_law_holds_on_every_sample_path(mmc: object) -> None:
    """Time-average queue length = arrival rate × mean wait in each replication (within 3 %)."""
    for rep in mmc.replications:  # type: ignore[attr-defined]
        lam_hat = rep.metrics["referred"] / 300
        assert rep.metrics["mean_waiting"] == pytest.approx(lam_hat * rep.metrics["mean_wait_days"], rel=0.03)


def test_places_in_use_equal_offered_load(mmc: object) -> None:
    """Little's law for the places: mean occupied = λ / μ = 10 lies in the 95 % interval."""
    lam, mu, _ = _rates()
    low, high = mmc.summary().interval("mean_occupied")  # type: ignore[attr-defined]
    assert low <= lam / mu <= high


@pytest.mark.parametrize("scenario", [s for s in builtin_scenarios() if s.calibration], ids=lambda s: s.id)
def test_built_in_scenarios_reproduce_their_seed_figures(scenario: object) -> None:
    """Each calibration target is met by the mean over 8 replications, within its tolerance."""
    result = simulate(scenario, seed=2024, replications=8, keep_events=False)  # type: ignore[arg-type]
    summary = result.summary()
    misses = [(c.metric, summary[c.metric], c.target) for c in scenario.calibration  # type: ignore[attr-defined]
              if not c.accepts(summary[c.metric])]
    assert not misses
