"""Simulation layer: statistics across replications and the Erlang C queue formula."""

from __future__ import annotations

import math
from statistics import NormalDist

import attrs

from langzeit.exceptions import ValidationError

__all__ = ["ErlangC", "erlang_c", "mean_interval", "student_t_quantile", "welch_interval"]


def student_t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Exact for 1 and 2 degrees of freedom; otherwise the Cornish–Fisher expansion of
    Hill (1970, CACM algorithm 396) gives a start that Newton steps on the t
    distribution function (Simpson's rule on the density) refine to about 1e-9
    (the tests compare it with scipy). Standard library only.

    Args:
        p: probability in (0, 1).
        df: degrees of freedom (> 0).

    Returns:
        The quantile.

    Raises:
        ValueError: ``p`` outside (0, 1) or ``df`` not positive.

    Examples:
        >>> round(student_t_quantile(0.975, 1), 4), round(student_t_quantile(0.975, 2), 4)
        (12.7062, 4.3027)
        >>> round(student_t_quantile(0.975, 9), 3)
        2.262
    """
    if not 0.0 < p < 1.0:
        raise ValidationError(f"p must lie in (0, 1), got {p}")
    if not df > 0:
        raise ValidationError(f"df must be positive, got {df}")
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    t = z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)

    def density(x: float) -> float:
        return math.exp(log_norm - (df + 1) / 2 * math.log1p(x * x / df))

    for _ in range(6):
        n = 512
        h = t / n
        area = density(0.0) + density(t)
        area += 4 * math.fsum(density((2 * i - 1) * h) for i in range(1, n // 2 + 1))
        area += 2 * math.fsum(density(2 * i * h) for i in range(1, n // 2))
        step = (0.5 + area * h / 3 - p) / density(t)
        t -= step
        if abs(step) < 1e-12:
            break
    return t


def mean_interval(values: list[float], *, level: float = 0.95) -> tuple[float, float | None, float | None]:
    """Mean of replication values with a Student-t confidence interval.

    Args:
        values: one value per replication (NaNs are dropped).
        level: confidence level.

    Returns:
        ``(mean, low, high)``; the interval is None with fewer than two values.

    Examples:
        >>> m, lo, hi = mean_interval([1.0, 2.0, 3.0])  # sd 1, se 1/sqrt(3), t(0.975, 2)
        >>> m, round(lo, 4), round(hi, 4)
        (2.0, -0.4841, 4.4841)
    """
    xs = [v for v in values if not math.isnan(v)]
    if not xs:
        return math.nan, None, None
    n = len(xs)
    mean = math.fsum(xs) / n
    if n < 2:
        return mean, None, None
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = student_t_quantile(0.5 + level / 2, n - 1) * math.sqrt(var / n)
    return mean, mean - half, mean + half


def welch_interval(
    a: list[float], b: list[float], *, level: float = 0.95
) -> tuple[float, float | None, float | None]:
    """Difference of means ``mean(b) - mean(a)`` with a Welch interval.

    Args:
        a: replication values of the baseline.
        b: replication values of the alternative.
        level: confidence level.

    Returns:
        ``(difference, low, high)``; the interval is None unless both have two values
        and some variation.

    Examples:
        >>> d, lo, hi = welch_interval([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
        >>> d, round(lo, 3), round(hi, 3)
        (1.0, -1.267, 3.267)
    """
    xa = [v for v in a if not math.isnan(v)]
    xb = [v for v in b if not math.isnan(v)]
    if not xa or not xb:
        return math.nan, None, None
    ma, mb = math.fsum(xa) / len(xa), math.fsum(xb) / len(xb)
    diff = mb - ma
    if len(xa) < 2 or len(xb) < 2:
        return diff, None, None
    va = math.fsum((x - ma) ** 2 for x in xa) / (len(xa) - 1) / len(xa)
    vb = math.fsum((x - mb) ** 2 for x in xb) / (len(xb) - 1) / len(xb)
    se2 = va + vb
    if se2 == 0:
        return diff, diff, diff
    df = se2 * se2 / ((va * va) / (len(xa) - 1) + (vb * vb) / (len(xb) - 1))
    half = student_t_quantile(0.5 + level / 2, df) * math.sqrt(se2)
    return diff, diff - half, diff + half


@attrs.frozen
class ErlangC:
    """Steady-state figures of an M/M/c queue (Erlang C).

    Attributes:
        arrival_rate: λ, arrivals per time unit.
        service_rate: μ, completions per server and time unit.
        servers: c.
        utilisation: ρ = λ / (c μ).
        probability_wait: P(W > 0), the Erlang C formula.
        mean_wait: E[W_q] = P(W > 0) / (c μ − λ).
        mean_queue: E[L_q] = λ E[W_q] (Little's law).
        mean_in_system: E[L] = E[L_q] + λ / μ.

    Examples:
        >>> q = erlang_c(1.0, 1.0, 2)  # a = 1, c = 2: P(wait) = 1/3, E[Wq] = 1/3
        >>> round(q.probability_wait, 6), round(q.mean_wait, 6)
        (0.333333, 0.333333)
    """

    arrival_rate: float
    service_rate: float
    servers: int
    utilisation: float
    probability_wait: float
    mean_wait: float
    mean_queue: float
    mean_in_system: float


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> ErlangC:
    """The Erlang C figures of an M/M/c queue, for comparing a simulation with theory.

    Computed with the numerically stable Erlang B recursion
    (the tests check it against the textbook sum formula)
    ``B(0) = 1, B(k) = a B(k−1) / (k + a B(k−1))`` and
    ``C = c B(c) / (c − a (1 − B(c)))`` with offered load ``a = λ / μ``.

    Args:
        arrival_rate: λ > 0.
        service_rate: μ > 0.
        servers: c ≥ 1 with λ < c μ (a stable queue).

    Returns:
        The steady-state figures.

    Raises:
        ValueError: non-positive rates, no server, or an unstable queue.

    Examples:
        >>> q = erlang_c(10.0, 1.0, 12)
        >>> round(q.utilisation, 4), round(q.probability_wait, 4), round(q.mean_wait, 4)
        (0.8333, 0.4494, 0.2247)
    """
    if not (arrival_rate > 0 and service_rate > 0 and servers >= 1):
        raise ValidationError("rates must be positive and there must be at least one server")
    a = arrival_rate / service_rate
    if a >= servers:
        raise ValidationError(f"unstable queue: offered load {a:g} >= {servers} servers")
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    c = servers * b / (servers - a * (1 - b))
    wq = c / (servers * service_rate - arrival_rate)
    lq = arrival_rate * wq
    return ErlangC(arrival_rate, service_rate, servers, a / servers, c, wq, lq, lq + a)
