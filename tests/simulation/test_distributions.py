import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import Problem
from langzeit.simulation import (
    DAYS_PER_MONTH,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    distribution_from_dict,
)


def _rng() -> np.random.Generator:
    return np.random.default_rng(12345)


def test_fixed_draws_its_value() -> None:
    """A fixed distribution returns its value every time."""
    assert Fixed(6.5).sample(_rng(), 4).tolist() == [6.5] * 4


@pytest.mark.parametrize(
    ("dist", "mean", "var"),
    [
        (Exponential(2.0), 2.0, 4.0),
        (Gamma(12.0, cv=0.5), 12.0, (0.5 * 12.0) ** 2),
        (LogNormal(14.0, cv=0.4), 14.0, (0.4 * 14.0) ** 2),
        (Empirical([6, 12, 18], weights=[1, 2, 1]), 12.0, (36 + 0 + 36) / 4),
    ],
)
def test_sample_moments_match_the_parameters(dist: object, mean: float, var: float) -> None:
    """Sample mean and variance agree with the stated mean and cv (hand-computed moments)."""
    x = dist.sample(_rng(), 200_000)  # type: ignore[attr-defined]
    assert dist.mean == pytest.approx(mean)  # type: ignore[attr-defined]
    assert x.mean() == pytest.approx(mean, rel=0.01)
    assert x.var() == pytest.approx(var, rel=0.03)


def test_lognormal_parameters_follow_from_mean_and_cv() -> None:
    """sigma² = ln(1 + cv²) for a log-normal given by mean and cv."""
    assert LogNormal(10.0, cv=1.0).sigma == pytest.approx(math.sqrt(math.log(2.0)))


def test_empirical_rejects_mismatched_weights() -> None:
    """Weights of another length than the values are refused."""
    with pytest.raises(ValueError, match="2 weights for 3 values"):
        Empirical([1, 2, 3], weights=[1, 1])


def test_units_convert_to_months() -> None:
    """A mean given in days or years is stored in months."""
    problems: list[Problem] = []
    d = distribution_from_dict({"kind": "exponential", "mean": 30, "unit": "days"},
                               location="x", problems=problems)
    y = distribution_from_dict({"kind": "gamma", "mean": 1.5, "cv": 1, "unit": "years"},
                               location="x", problems=problems)
    assert not problems
    assert d is not None
    assert d.mean == pytest.approx(30 / DAYS_PER_MONTH)
    assert y is not None
    assert y.mean == pytest.approx(18.0)


def test_duration_text_is_a_fixed_distribution() -> None:
    """A duration text such as "18 months" reads as a fixed stay."""
    problems: list[Problem] = []
    assert distribution_from_dict("18 months", location="x", problems=problems) == Fixed(18.0)
    assert distribution_from_dict(3, location="x", problems=problems) == Fixed(3.0)


def test_every_problem_of_a_distribution_is_listed() -> None:
    """Unknown keys and bad parameters are all reported with their location."""
    problems: list[Problem] = []
    assert distribution_from_dict({"kind": "gamma", "mean": -1, "shape": 2}, location="durations.a",
                                  problems=problems) is None
    assert distribution_from_dict({"kind": "fixed", "value": 1, "unit": "hours"},
                                  location="durations.b", problems=problems) is None
    assert [p.location for p in problems] == ["durations.a", "durations.b.unit"]


@given(st.floats(0.1, 100), st.floats(0.1, 3), st.integers(0, 2**32 - 1))
def test_draws_are_non_negative_and_reproducible(mean: float, cv: float, seed: int) -> None:
    """Every distribution draws non-negative durations, identical for the same stream."""
    for dist in (Exponential(mean), Gamma(mean, cv=cv), LogNormal(mean, cv=cv)):
        a = dist.sample(np.random.default_rng(seed), 50)
        b = dist.sample(np.random.default_rng(seed), 50)
        assert (a >= 0).all()
        assert np.array_equal(a, b)
