import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from langzeit.simulation import erlang_c, mean_interval, student_t_quantile, welch_interval


@pytest.mark.parametrize("df", [1, 2, 3, 4, 4.6, 9, 29, 120])
@pytest.mark.parametrize("p", [0.005, 0.05, 0.5, 0.9, 0.975, 0.995])
def test_t_quantile_matches_scipy(df: float, p: float) -> None:
    """The t quantile agrees with scipy (oracle) to 1e-7."""
    assert student_t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), abs=1e-7)


def test_mean_interval_is_mean_plus_minus_t_times_se() -> None:
    """Mean ± t(0.975, n−1) · s / √n, computed by hand for 2, 4, 6, 8."""
    mean, low, high = mean_interval([2.0, 4.0, 6.0, 8.0])
    s = math.sqrt(((3**2 + 1 + 1 + 3**2)) / 3)
    half = stats.t.ppf(0.975, 3) * s / 2
    assert mean == 5.0
    assert (low, high) == pytest.approx((5 - half, 5 + half))


def test_one_replication_has_no_interval() -> None:
    """A single value gives a mean without interval."""
    assert mean_interval([3.0]) == (3.0, None, None)


def test_welch_interval_uses_satterthwaite_degrees_of_freedom() -> None:
    """The Welch interval matches the textbook formula with ν from Welch–Satterthwaite."""
    a, b = [1.0, 2.0, 4.0], [3.0, 5.0, 6.0, 9.0]
    diff, low, high = welch_interval(a, b)
    va, vb = stats.tvar(a) / 3, stats.tvar(b) / 4
    nu = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 3)
    half = stats.t.ppf(0.975, nu) * math.sqrt(va + vb)
    assert diff == pytest.approx(5.75 - 7 / 3)
    assert (low, high) == pytest.approx((diff - half, diff + half))


def _erlang_c_by_sum(lam: float, mu: float, c: int) -> float:
    """The textbook Erlang C: (a^c/c!)(c/(c−a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c−a)))."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@given(st.integers(1, 30), st.floats(0.05, 0.97), st.floats(0.1, 10))
def test_erlang_c_recursion_equals_the_sum_formula(c: int, rho: float, mu: float) -> None:
    """The Erlang B recursion gives the same P(wait) as the sum formula; Wq = C / (cμ − λ)."""
    lam = rho * c * mu
    q = erlang_c(lam, mu, c)
    assert q.probability_wait == pytest.approx(_erlang_c_by_sum(lam, mu, c), rel=1e-9)
    assert q.mean_wait == pytest.approx(q.probability_wait / (c * mu - lam), rel=1e-12)
    assert q.mean_queue == pytest.approx(lam * q.mean_wait)


def test_erlang_c_single_server_is_m_m_1() -> None:
    """For c = 1, P(wait) = ρ and Wq = ρ / (μ − λ)."""
    q = erlang_c(0.5, 1.0, 1)
    assert q.probability_wait == pytest.approx(0.5)
    assert q.mean_wait == pytest.approx(1.0)


def test_unstable_queue_is_refused() -> None:
    """λ ≥ cμ has no steady state."""
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(3.0, 1.0, 3)
