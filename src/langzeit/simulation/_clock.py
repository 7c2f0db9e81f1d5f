"""Simulation layer: the model clock — fractional day ordinals and calendar months.

The event loop keeps time as a float ``t``: the proleptic Gregorian ordinal of the
day (``date.toordinal()``) plus the fraction of the day elapsed. Events carry the
date ``date.fromordinal(floor(t))``; ordering within a day follows ``t``, so a
queue in continuous time (M/M/c) behaves exactly, while its events carry dates.
Whole months are calendar months (``relativedelta`` semantics: the day is clipped
to the month's length); a fractional month is ``365.25 / 12`` days.
"""

from __future__ import annotations

import math
from datetime import date

from langzeit.simulation._distributions import DAYS_PER_MONTH

__all__ = ["add_months", "day_of", "to_time"]

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

#: (day ordinal, whole months) -> day ordinal; pure calendar arithmetic, safe to share.
_CACHE: dict[tuple[int, int], int] = {}


def _month_length(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def to_time(day: date) -> float:
    """The model time at the start of ``day``.

    Examples:
        >>> to_time(date(2024, 1, 1))
        738886.0
    """
    return float(day.toordinal())


def day_of(t: float) -> date:
    """The date that contains model time ``t``.

    Examples:
        >>> day_of(738886.75)
        datetime.date(2024, 1, 1)
    """
    return date.fromordinal(int(t))


def add_months(t: float, months: float) -> float:
    """Model time ``months`` after ``t``: whole calendar months, then the fraction in days.

    Like ``date + relativedelta(months=n)``, the day of month is clipped to the
    target month's length (31 January + 1 month = 29 February in a leap year).

    Args:
        t: the model time.
        months: months to add (non-negative; fractions allowed).

    Returns:
        The later model time.

    Examples:
        >>> day_of(add_months(to_time(date(2024, 1, 31)), 1))
        datetime.date(2024, 2, 29)
        >>> day_of(add_months(to_time(date(2024, 1, 15)), 12))
        datetime.date(2025, 1, 15)
        >>> add_months(to_time(date(2024, 1, 1)), 0.5) - to_time(date(2024, 1, 1))
        15.21875
    """
    whole = math.floor(months)
    if whole:
        ordinal = int(t)
        key = (ordinal, whole)
        target = _CACHE.get(key)
        if target is None:
            d = date.fromordinal(ordinal)
            index = d.year * 12 + d.month - 1 + whole
            year, month = divmod(index, 12)
            month += 1
            day = min(d.day, _month_length(year, month))
            target = date(year, month, day).toordinal()
            if len(_CACHE) > 200_000:
                _CACHE.clear()
            _CACHE[key] = target
        t = target + (t - ordinal)
    return t + (months - whole) * DAYS_PER_MONTH
