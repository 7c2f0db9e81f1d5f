"""Indicator layer: confidence intervals for proportions (Wilson) and counts (Garwood).

DOMAIN.md § 3 ("Uncertainty"): proportions get Wilson score intervals; event rates
per mean stock get the exact Poisson (Garwood) interval of the numerator divided by
the denominator. Both functions accept scalars **and** numpy arrays (vectorised); a
scalar input gives a pair of floats, an array input a pair of float arrays.

scipy is not a runtime dependency: the exact Poisson limits are quantiles of the
gamma distribution (``chi2.ppf(q, 2k) / 2 == gamma.ppf(q, k)``), computed here from
the regularised lower incomplete gamma function ``P(a, x)`` (series for
``x < a + 1``, Lentz continued fraction otherwise) and its inverse (Wilson–Hilferty
start, Halley steps), all in numpy. The normal quantile comes from
:class:`statistics.NormalDist`.

Examples:
    >>> low, high = wilson_interval(8, 10)
    >>> round(low, 4), round(high, 4)
    (0.4902, 0.9433)
    >>> low, high = garwood_interval(3)
    >>> round(low, 4), round(high, 4)
    (0.6187, 8.7673)
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray
from langzeit.exceptions import Problem, ValidationError

__all__ = ["garwood_interval", "normal_quantile", "poisson_rate_interval", "wilson_interval"]


_EPS = 1e-15
_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def normal_quantile(level: float) -> float:
    """The two-sided standard-normal quantile of a confidence level (1.96 for 0.95): one definition.

    Args:
        level: the confidence level, strictly between 0 and 1.

    Returns:
        ``z`` with ``P(-z < Z < z) = level``.

    Raises:
        ValidationError: ``level`` is not strictly between 0 and 1 (a ``ValueError``).

    Examples:
        >>> round(normal_quantile(0.95), 4), round(normal_quantile(0.9), 4)
        (1.96, 1.6449)
        >>> normal_quantile(1.0)
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: bad confidence level (1 problem)
          - level: must lie strictly between 0 and 1, got 1.0
    """
    if not 0.0 < level < 1.0:
        raise ValidationError("bad confidence level",
                              [Problem("level", f"must lie strictly between 0 and 1, got {level!r}")])
    return NormalDist().inv_cdf(0.5 + level / 2.0)


def _is_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def _gamma_p(a: FloatArray, x: FloatArray) -> FloatArray:
    """Regularised lower incomplete gamma ``P(a, x)`` for ``a > 0``, ``x >= 0`` (elementwise).

    Sums the series ``P(a, x) = Σ_n exp(-x + (a + n) log x - lgamma(a + n + 1))`` in log
    space, a block of terms at a time (one numpy operation per block, not per term), until
    the terms are past their peak and negligible.
    """
    a = np.asarray(a, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros(a.shape, dtype=np.float64)
    positive = np.flatnonzero(x > 0)
    if positive.size == 0:
        return out
    # similar shapes need similar numbers of terms: sum them in groups sorted by ``a``
    order = positive[np.argsort(a[positive], kind="stable")]
    for group in np.array_split(order, max(1, order.size // 256)):
        out[group] = _gamma_p_series(a[group], x[group])
    return out


def _gamma_p_series(aa: FloatArray, xx: FloatArray) -> FloatArray:
    log_x = np.log(xx)
    log_term = -xx + aa * log_x - _lgamma(aa + 1.0)  # log of the n = 0 term
    total = np.zeros(aa.shape, dtype=np.float64)
    block = int(min(4096, max(32, 4 * math.sqrt(float(aa.max())))))
    steps = np.arange(1, block + 1, dtype=np.float64)
    n0 = np.zeros(aa.shape, dtype=np.float64)
    idx = np.arange(aa.size)
    while idx.size:
        # terms n0 .. n0 + block - 1 of the still active elements
        incr = log_x[idx, None] - np.log(aa[idx, None] + n0[idx, None] + steps[None, :])
        logs = np.empty((idx.size, block), dtype=np.float64)
        logs[:, 0] = log_term[idx]
        np.cumsum(incr[:, :-1], axis=1, out=logs[:, 1:])
        logs[:, 1:] += log_term[idx, None]
        total[idx] += np.exp(logs).sum(axis=1)
        log_term[idx] = logs[:, -1] + incr[:, -1]
        n0[idx] += block
        past_peak = aa[idx] + n0[idx] > xx[idx]
        negligible = np.exp(log_term[idx]) * (1.0 + xx[idx]) < _EPS * total[idx]
        idx = idx[~(past_peak & negligible)]
    return np.minimum(total, 1.0)


def _gamma_ppf(p: FloatArray, a: FloatArray) -> FloatArray:
    """The ``p``-quantile of the gamma distribution with shape ``a >= 1`` and scale 1."""
    p, a = np.broadcast_arrays(np.asarray(p, dtype=np.float64), np.asarray(a, dtype=np.float64))
    inv_cdf = NormalDist().inv_cdf
    z = np.array([inv_cdf(float(q)) for q in p.reshape(-1)], dtype=np.float64).reshape(p.shape)
    # Wilson–Hilferty start; closed form for a = 1 (exponential distribution)
    x = np.maximum(1e-3, a * (1.0 - 1.0 / (9.0 * a) + z / (3.0 * np.sqrt(a))) ** 3)
    x = np.where(a == 1.0, -np.log1p(-p), x)
    log_gamma_a = _lgamma(a)
    idx = np.flatnonzero(a != 1.0)
    for _ in range(100):
        if idx.size == 0:
            break
        ai, xi, pi = a[idx], x[idx], p[idx]
        a1 = ai - 1.0
        err = _gamma_p(ai, xi) - pi
        dens = np.exp(-xi + a1 * np.log(xi) - log_gamma_a[idx])
        u = err / dens
        step = u / (1.0 - 0.5 * np.minimum(1.0, u * (a1 / xi - 1.0)))
        new_x = xi - step
        new_x = np.where(new_x <= 0.0, 0.5 * xi, new_x)
        x[idx] = new_x
        idx = idx[np.abs(step) > 1e-13 * new_x]
    return x


@overload
def wilson_interval(successes: float, trials: float, *, level: float = ...) -> tuple[float, float]: ...
@overload
def wilson_interval(
    successes: npt.ArrayLike, trials: npt.ArrayLike, *, level: float = ...
) -> tuple[FloatArray, FloatArray]: ...
def wilson_interval(
    successes: Any, trials: Any, *, level: float = 0.95
) -> tuple[Any, Any]:
    """Wilson score interval of a proportion ``successes / trials``.

    Args:
        successes: number of successes (scalar or array).
        trials: number of trials (scalar or array, broadcast against ``successes``).
        level: confidence level (default 0.95).

    Returns:
        ``(low, high)`` as proportions in [0, 1] (not percent): floats for scalar input,
        float arrays otherwise. Where ``trials`` is 0 both limits are ``nan``.

    Raises:
        ValueError: ``level`` is not in (0, 1), or ``successes`` is negative or exceeds ``trials``.

    Examples:
        >>> wilson_interval(0, 10)[0]
        0.0
        >>> low, high = wilson_interval([5, 0], [10, 0])
        >>> [round(float(v), 4) for v in low]
        [0.2366, nan]
    """
    z = normal_quantile(level)
    k = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    if np.any(k < 0) or np.any(k > n):
        raise ValidationError("successes must lie between 0 and trials")
    with np.errstate(divide="ignore", invalid="ignore"):
        phat = k / n
        z2n = z * z / n
        denom = 1.0 + z2n
        centre = (phat + z2n / 2.0) / denom
        half = z / denom * np.sqrt(phat * (1.0 - phat) / n + z2n / (4.0 * n))
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    nan = n == 0
    low = np.where(nan, np.nan, low)
    high = np.where(nan, np.nan, high)
    if _is_scalar(successes, trials):
        return float(low), float(high)
    return low, high


@overload
def garwood_interval(count: float, *, level: float = ...) -> tuple[float, float]: ...
@overload
def garwood_interval(count: npt.ArrayLike, *, level: float = ...) -> tuple[FloatArray, FloatArray]: ...
def garwood_interval(count: Any, *, level: float = 0.95) -> tuple[Any, Any]:
    """Exact (Garwood) Poisson interval for an observed count.

    ``low = chi2.ppf(α/2, 2k) / 2`` (0 for ``k = 0``) and
    ``high = chi2.ppf(1 − α/2, 2k + 2) / 2`` with ``α = 1 − level``.

    Args:
        count: the observed count ``k >= 0`` (scalar or array; integers expected).
        level: confidence level (default 0.95).

    Returns:
        ``(low, high)`` for the Poisson mean: floats for scalar input, float arrays otherwise.

    Raises:
        ValueError: ``level`` is not in (0, 1) or a count is negative.

    Examples:
        >>> garwood_interval(0)[0], round(garwood_interval(0)[1], 4)
        (0.0, 3.6889)
        >>> low, high = garwood_interval([1, 10])
        >>> [round(float(v), 3) for v in high]
        [5.572, 18.39]
    """
    alpha = 1.0 - level
    normal_quantile(level)
    k = np.asarray(count, dtype=np.float64)
    if np.any(k < 0):
        raise ValidationError("counts must not be negative")
    # each distinct count is solved once (result tables repeat small counts a lot)
    values, inverse = np.unique(k.reshape(-1), return_inverse=True)
    low = np.zeros(values.shape, dtype=np.float64)
    pos = values > 0
    if pos.any():
        low[pos] = _gamma_ppf(np.full(int(pos.sum()), alpha / 2.0), values[pos])
    high = _gamma_ppf(np.full(values.shape, 1.0 - alpha / 2.0), values + 1.0)
    low_r, high_r = low[inverse].reshape(k.shape), high[inverse].reshape(k.shape)
    if _is_scalar(count):
        return float(low_r), float(high_r)
    return low_r, high_r


@overload
def poisson_rate_interval(
    count: float, exposure: float, *, level: float = ...
) -> tuple[float, float]: ...
@overload
def poisson_rate_interval(
    count: npt.ArrayLike, exposure: npt.ArrayLike, *, level: float = ...
) -> tuple[FloatArray, FloatArray]: ...
def poisson_rate_interval(count: Any, exposure: Any, *, level: float = 0.95) -> tuple[Any, Any]:
    """Interval of an event rate per mean stock: Garwood on the count, divided by ``exposure``.

    Args:
        count: the number of events (numerator).
        exposure: the denominator, e.g. the mean ELB stock over 12 months.
        level: confidence level (default 0.95).

    Returns:
        ``(low, high)`` of ``count / exposure``; ``nan`` where ``exposure`` is 0.

    Raises:
        ValueError: as :func:`garwood_interval`.

    Examples:
        >>> low, high = poisson_rate_interval(3, 100)
        >>> round(low, 6), round(high, 6)
        (0.006187, 0.087673)
    """
    low, high = garwood_interval(np.asarray(count), level=level)
    e = np.asarray(exposure, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rl = np.where(e > 0, low / np.where(e > 0, e, 1.0), np.nan)
        rh = np.where(e > 0, high / np.where(e > 0, e, 1.0), np.nan)
    if _is_scalar(count, exposure):
        return float(rl), float(rh)
    return rl, rh
