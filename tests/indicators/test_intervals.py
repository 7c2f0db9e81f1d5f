"""Wilson and Garwood intervals: hand-computed values and scipy as the oracle."""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from langzeit.indicators import garwood_interval, poisson_rate_interval, wilson_interval


def test_wilson_matches_the_textbook_formula_for_8_of_10() -> None:
    """Wilson 8/10 at 95 %: centre (p + z²/2n)/(1 + z²/n) ± z/(1 + z²/n)·sqrt(p(1-p)/n + z²/4n²)."""
    z = NormalDist().inv_cdf(0.975)
    p, n = 0.8, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(centre - half, abs=1e-14)
    assert high == pytest.approx(centre + half, abs=1e-14)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)


def test_wilson_limits_are_exactly_0_and_1_at_the_edges() -> None:
    """0 successes give a lower limit of exactly 0, all successes an upper limit of exactly 1."""
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_is_nan_without_trials() -> None:
    """No trials: no interval (nan), never a guess."""
    low, high = wilson_interval(0, 0)
    assert math.isnan(low)
    assert math.isnan(high)


def test_wilson_vectorised_equals_scalar_calls() -> None:
    """Array input gives the same limits as one scalar call per element."""
    k, n = np.array([0, 3, 5, 9]), np.array([4, 10, 5, 20])
    low, high = wilson_interval(k, n, level=0.9)
    for i in range(4):
        assert (low[i], high[i]) == pytest.approx(wilson_interval(int(k[i]), int(n[i]), level=0.9))


def test_wilson_rejects_impossible_counts() -> None:
    """More successes than trials or a level outside (0, 1) is an error."""
    with pytest.raises(ValueError, match="between 0 and trials"):
        wilson_interval(5, 4)
    with pytest.raises(ValueError, match="level"):
        wilson_interval(1, 4, level=1.0)


@given(st.integers(0, 500), st.integers(0, 500), st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_agrees_with_scipy(k: int, extra: int, level: float) -> None:
    """Wilson limits equal scipy's binomtest(...).proportion_ci(method='wilson')."""
    n = k + extra
    if n == 0:
        return
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="wilson")
    assert wilson_interval(k, n, level=level) == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_garwood_for_zero_events() -> None:
    """For k = 0: lower limit 0; upper limit −ln(α/2) = −ln(0.025) = 3.68888."""
    low, high = garwood_interval(0)
    assert low == 0.0
    assert high == pytest.approx(-math.log(0.025), rel=1e-12)


def test_garwood_for_one_event_by_hand() -> None:
    """For k = 1: lower −ln(1 − α/2) = 0.0253178; upper solves e^{−x}(1 + x) = α/2 (x = 5.5716)."""
    low, high = garwood_interval(1)
    assert low == pytest.approx(-math.log(0.975), rel=1e-12)
    assert math.exp(-high) * (1 + high) == pytest.approx(0.025, rel=1e-10)
    assert round(high, 4) == 5.5716


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99, 0.999])
def test_garwood_agrees_with_scipy_chi2(level: float) -> None:
    """Limits equal chi2.ppf(α/2, 2k)/2 and chi2.ppf(1 − α/2, 2k + 2)/2 from scipy."""
    k = np.array([0, 1, 2, 3, 4, 7, 10, 25, 99, 250, 1000, 4321, 20000, 123456])
    alpha = 1 - level
    low, high = garwood_interval(k, level=level)
    expected_low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(k, 1)) / 2, 0.0)
    expected_high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    np.testing.assert_allclose(low, expected_low, rtol=1e-9)
    np.testing.assert_allclose(high, expected_high, rtol=1e-9)


@given(st.lists(st.integers(0, 3000), min_size=1, max_size=30))
def test_garwood_vectorised_equals_scipy_elementwise(counts: list[int]) -> None:
    """Any array of counts (repeats included) gives scipy's limits element by element."""
    k = np.array(counts)
    low, high = garwood_interval(k)
    np.testing.assert_allclose(high, stats.chi2.ppf(0.975, 2 * k + 2) / 2, rtol=1e-9)
    np.testing.assert_allclose(low, np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0), rtol=1e-9)


def test_garwood_keeps_the_input_shape() -> None:
    """A 2-D array of counts gives 2-D limits; a scalar gives floats."""
    low, high = garwood_interval(np.array([[1, 2], [3, 4]]))
    assert low.shape == high.shape == (2, 2)
    assert isinstance(garwood_interval(5)[0], float)


def test_garwood_rejects_negative_counts() -> None:
    """A negative count is an error."""
    with pytest.raises(ValueError, match="negative"):
        garwood_interval(-1)


def test_rate_interval_divides_the_count_interval_by_the_exposure() -> None:
    """Rate per mean stock: Garwood(12)/40; nan where the exposure is 0."""
    low, high = poisson_rate_interval(np.array([12, 3]), np.array([40.0, 0.0]))
    glow, ghigh = garwood_interval(12)
    assert (low[0], high[0]) == pytest.approx((glow / 40, ghigh / 40))
    assert math.isnan(low[1])
    assert math.isnan(high[1])
