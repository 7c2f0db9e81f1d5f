"""Simulation layer: referral processes — Poisson inflow, fixed cohorts, open days."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs
import numpy as np

from langzeit import _checks
from langzeit._arrays import FloatArray
from langzeit.simulation._clock import add_months
from langzeit.simulation._distributions import DAYS_PER_MONTH, non_negative, positive

__all__ = ["CohortReferrals", "OpenDayReferrals", "PoissonReferrals", "ReferralProcess"]


@runtime_checkable
class ReferralProcess(Protocol):
    """Produces the referral times (model time, see ``_clock``) in ``[start, end)``.

    Examples:
        >>> isinstance(PoissonReferrals(4.0), ReferralProcess)
        True
    """

    def arrivals(self, rng: np.random.Generator, start: float, end: float) -> FloatArray:
        """Sorted referral times in ``[start, end)``."""
        ...

    def expected(self, start: float, end: float) -> float:
        """The expected number of referrals in ``[start, end)``."""
        ...


@attrs.frozen
class PoissonReferrals:
    """Referrals as a Poisson process with a constant rate (Zusteuerung by caseworkers).

    The number in the window is Poisson(rate × length); given the number, the times
    are independent uniforms (the order-statistics property), so the draw is exact.

    Args:
        rate: expected referrals per month (of ``DAYS_PER_MONTH`` = 365.2425 / 12 days).

    Examples:
        >>> times = PoissonReferrals(30.0).arrivals(np.random.default_rng(7), 0.0, 3652.5)
        >>> bool(abs(len(times) - 3600) < 200), bool(np.all(np.diff(times) >= 0))
        (True, True)
    """

    rate: float = attrs.field(converter=float, validator=positive)

    def expected(self, start: float, end: float) -> float:
        """Rate × window length in months."""
        return self.rate * max(end - start, 0.0) / DAYS_PER_MONTH

    def arrivals(self, rng: np.random.Generator, start: float, end: float) -> FloatArray:
        """Sorted referral times in ``[start, end)``."""
        n = int(rng.poisson(self.expected(start, end)))
        return np.sort(rng.uniform(start, end, n))


@attrs.frozen
class CohortReferrals:
    """Fixed cohorts (Zyklen): ``size`` referrals on one day every ``every`` months.

    Args:
        size: referrals per cohort.
        every: months between cohorts (calendar months).
        count: number of cohorts (None: as many as fit the window).
        offset: months from the window's start to the first cohort.

    Examples:
        >>> c = CohortReferrals(15, every=12, count=4)
        >>> from langzeit.simulation._clock import to_time, day_of
        >>> from datetime import date
        >>> t = c.arrivals(np.random.default_rng(0), to_time(date(2020, 1, 1)), to_time(date(2030, 1, 1)))
        >>> len(t), [str(day_of(x)) for x in sorted(set(t.tolist()))]
        (60, ['2020-01-01', '2021-01-01', '2022-01-01', '2023-01-01'])
    """

    size: int = attrs.field(validator=_checks.ge(1))
    every: float = attrs.field(default=12.0, converter=float, validator=positive)
    count: int | None = attrs.field(default=None)
    offset: float = attrs.field(default=0.0, converter=float, validator=non_negative)

    def _days(self, start: float, end: float) -> list[float]:
        out = []
        k = 0
        while self.count is None or k < self.count:
            t = add_months(start, self.offset + k * self.every)
            if t >= end:
                break
            out.append(t)
            k += 1
        return out

    def expected(self, start: float, end: float) -> float:
        """Size × number of cohorts in the window."""
        return float(self.size * len(self._days(start, end)))

    def arrivals(self, rng: np.random.Generator, start: float, end: float) -> FloatArray:
        """``size`` equal times per cohort day (the stream is not used)."""
        return np.repeat(np.asarray(self._days(start, end), dtype=np.float64), self.size)


@attrs.frozen
class OpenDayReferrals:
    """Referrals gathered at open days every ``every`` months (GesA: every 3–4 months).

    The number referred at each open day is Poisson with mean ``mean``.

    Args:
        every: months between open days.
        mean: expected referrals per open day.
        offset: months from the window's start to the first open day.

    Examples:
        >>> o = OpenDayReferrals(every=3, mean=20)
        >>> from langzeit.simulation._clock import to_time
        >>> from datetime import date
        >>> o.expected(to_time(date(2024, 1, 1)), to_time(date(2026, 1, 1)))
        160.0
    """

    every: float = attrs.field(converter=float, validator=positive)
    mean: float = attrs.field(converter=float, validator=positive)
    offset: float = attrs.field(default=0.0, converter=float, validator=non_negative)

    def _days(self, start: float, end: float) -> list[float]:
        return CohortReferrals(1, every=self.every, offset=self.offset)._days(start, end)

    def expected(self, start: float, end: float) -> float:
        """Mean × number of open days in the window."""
        return self.mean * len(self._days(start, end))

    def arrivals(self, rng: np.random.Generator, start: float, end: float) -> FloatArray:
        """Poisson(mean) equal times per open day."""
        days = np.asarray(self._days(start, end), dtype=np.float64)
        return np.repeat(days, rng.poisson(self.mean, len(days)))
