"""Kaplan–Meier and Aalen–Johansen on monthly time: hand computations and the lifelines oracle."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.indicators._survival import aalen_johansen, kaplan_meier


def test_kaplan_meier_hand_case_with_ties() -> None:
    """Two events tied at month 3 are processed together; censoring at 5 leaves 2 at risk at 6."""
    km = kaplan_meier([3, 3, 5, 6, 6], [1, 1, 0, 1, 0])
    # S(3) = 1 − 2/5 = 0.6; S(6) = 0.6 × (1 − 1/2) = 0.3
    assert km.survival.tolist() == pytest.approx([0.6, 0.6, 0.3])
    # Greenwood: Var S(3) = 0.36 × 2/(5·3); Var S(6) = 0.09 × (2/15 + 1/(2·1))
    assert km.std_error.tolist() == pytest.approx(
        [math.sqrt(0.36 * 2 / 15), math.sqrt(0.36 * 2 / 15), math.sqrt(0.09 * (2 / 15 + 0.5))])


def test_kaplan_meier_loglog_interval_hand_case() -> None:
    """The log(−log) interval is S^exp(±z·sqrt(Σ d/(n(n−d))) / |log S|)."""
    km = kaplan_meier([3, 3, 5, 6, 6], [1, 1, 0, 1, 0])
    z = 1.959963984540054
    v = math.sqrt(2 / 15) / abs(math.log(0.6))
    assert km.lower[0] == pytest.approx(0.6 ** math.exp(z * v))
    assert km.upper[0] == pytest.approx(0.6 ** math.exp(-z * v))


def test_kaplan_meier_refuses_negative_times() -> None:
    """Negative months are refused."""
    with pytest.raises(ValidationError):
        kaplan_meier([-1, 2], [1, 1])


def test_aalen_johansen_hand_case() -> None:
    """Cumulative incidence uses the all-cause survival just before each month."""
    ci = aalen_johansen([1, 2, 2, 3, 4], [1, 2, 1, 0, 1], causes=("work", "dropout"))
    # t1: F_w = 1/5; S = 4/5. t2: F_w += 4/5·1/4, F_d = 4/5·1/4; S = 2/5. t4: F_w += 2/5·1/1
    assert ci.incidence[0].tolist() == pytest.approx([0.2, 0.4, 0.4, 0.8])
    assert ci.incidence[1].tolist() == pytest.approx([0.0, 0.2, 0.2, 0.2])
    assert ci.survival.tolist() == pytest.approx([0.8, 0.4, 0.4, 0.0])


def test_aalen_johansen_variance_hand_case() -> None:
    """The delta-method variance matches the Marubini–Valsecchi formula computed by hand."""
    ci = aalen_johansen([1, 2, 2, 3, 4], [1, 2, 1, 0, 1], causes=("work", "dropout"))
    # cause work at t = 2: F(2) = 0.4, F(1) = 0.2; u = 1: n=5, d=1, d_k=1, S(u−)=1;
    # u = 2: n=4, d=2, d_k=1, S(u−)=0.8
    first = (0.4 - 0.2) ** 2 * 1 / (5 * 4) + 0.0
    second = 1**2 * 1 * 4 / 5**3 + 0.8**2 * 1 * 3 / 4**3
    third = (0.4 - 0.2) * 1 * 1 / 5**2 + 0.0
    assert ci.variance[0, 1] == pytest.approx(first + second - 2 * third)
    lo, hi = ci.interval_at("work", 2)
    se_g = math.sqrt(first + second - 2 * third) / (0.4 * abs(math.log(0.4)))
    z = 1.959963984540054
    assert lo == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.4)) + z * se_g)))
    assert hi == pytest.approx(math.exp(-math.exp(math.log(-math.log(0.4)) - z * se_g)))


def test_aalen_johansen_is_below_one_minus_kaplan_meier() -> None:
    """Treating the competing cause as censoring (1 − KM) overstates the incidence."""
    d = [1, 1, 2, 3, 3, 4]
    e = [1, 2, 2, 1, 2, 1]
    aj = aalen_johansen(d, e).incidence[0]
    km = kaplan_meier(d, [1 if x == 1 else 0 for x in e])
    assert aj[-1] < 1 - km.survival[-1]


def test_aalen_johansen_unnamed_code_is_refused() -> None:
    """An event code without a cause name is refused."""
    with pytest.raises(ValidationError):
        aalen_johansen([1, 2], [1, 3], causes=("a", "b"))


def test_cumulative_incidence_unknown_cause() -> None:
    """Asking for a cause that does not exist is refused."""
    with pytest.raises(ValidationError):
        aalen_johansen([1], [1], causes=("a",)).at("b", 1)


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 3)), min_size=1, max_size=40))
def test_incidences_and_survival_add_up_to_one(data: list[tuple[int, int]]) -> None:
    """At every month the causes' incidences plus all-cause survival equal 1."""
    d, e = zip(*data, strict=True)
    ci = aalen_johansen(list(d), list(e), causes=("a", "b", "c"))
    assert np.allclose(ci.incidence.sum(axis=0) + ci.survival, 1.0)
    assert np.all(np.diff(ci.incidence, axis=1) >= -1e-12)
    assert np.all((ci.lower <= ci.incidence + 1e-12) & (ci.incidence <= ci.upper + 1e-12))


@given(st.lists(st.tuples(st.integers(0, 12), st.booleans()), min_size=1, max_size=40))
def test_single_cause_aalen_johansen_equals_one_minus_kaplan_meier(data: list[tuple[int, bool]]) -> None:
    """With one cause, the Aalen–Johansen incidence is 1 − Kaplan–Meier."""
    d, e = zip(*data, strict=True)
    ci = aalen_johansen(list(d), [int(x) for x in e])
    km = kaplan_meier(list(d), list(e))
    if ci.causes:
        assert np.allclose(ci.incidence[0], 1 - km.survival)


def _lifelines_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Events at even months ≥ 2 (ties among causes), censorings at odd months: lifelines
    # jitters tied event times and forces the first CIF value to 0, so censorings must not
    # share a month with events and no event may fall on the first month.
    rng = np.random.default_rng(seed)
    e = rng.integers(0, 4, 300)
    d = rng.integers(1, 15, 300) * 2 + (e == 0)
    return d, e


def test_kaplan_meier_matches_lifelines() -> None:
    """Point estimates and intervals agree with lifelines' KaplanMeierFitter."""
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(7)
    d, e = rng.integers(0, 30, 400), rng.integers(0, 2, 400)
    km = kaplan_meier(d, e)
    ref = KaplanMeierFitter().fit(d, e)
    assert np.allclose(ref.survival_function_.loc[km.times].to_numpy()[:, 0], km.survival)
    ci = ref.confidence_interval_.loc[km.times].to_numpy()
    assert np.allclose(ci[:, 0], km.lower)
    assert np.allclose(ci[:, 1], km.upper)


@pytest.mark.parametrize("seed", [1, 2])
def test_aalen_johansen_point_estimates_match_lifelines(seed: int) -> None:
    """Cumulative incidences agree with lifelines' AalenJohansenFitter (ties jittered there)."""
    from lifelines import AalenJohansenFitter

    d, e = _lifelines_data(seed)
    ci = aalen_johansen(d, e)
    for cause in (1, 2, 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = AalenJohansenFitter(seed=3).fit(d, e, event_of_interest=cause)
        theirs = ref.cumulative_density_.reindex(ci.times + 0.5, method="ffill").to_numpy()[:, 0]
        assert np.allclose(theirs, ci.incidence[cause - 1])


def test_aalen_johansen_variance_matches_lifelines_without_ties() -> None:
    """Without ties the delta-method variance equals lifelines' ``variance_``."""
    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(5)
    d = rng.permutation(120) + 1
    e = rng.integers(0, 3, 120)
    ci = aalen_johansen(d, e)
    for cause in (1, 2):
        ref = AalenJohansenFitter(calculate_variance=True).fit(d, e, event_of_interest=cause)
        # at the last month everyone left (n = d): lifelines divides by zero, we use 0 for that term
        assert np.allclose(ref.variance_.loc[ci.times].to_numpy()[:-1], ci.variance[cause - 1][:-1])
