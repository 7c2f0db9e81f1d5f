"""Simulation layer: the model clock — fractional day ordinals and calendar months.

The event loop keeps time as a float ``t``: the proleptic Gregorian ordinal of the
day (``date.toordinal()``) plus the fraction of the day elapsed. Events carry the
date ``date.fromordinal(floor(t))``; ordering within a day follows ``t``, so a
queue in continuous time (M/M/c) behaves exactly, while its events carry dates.
Whole months are calendar months (``relativedelta`` semantics: the day is clipped
to the month's length); a fractional month is ``DAYS_PER_MONTH`` (365.2425 / 12) days.
The calendar itself is :mod:`langzeit._calendar`.
"""

from __future__ import annotations

import math
from datetime import date

from langzeit._calendar import DAYS_PER_MONTH, shift_months

__all__ = ["add_months", "day_of", "to_time"]

#: (day ordinal, whole months) -> day ordinal; pure calendar arithmetic, safe to share.
_CACHE: dict[tuple[int, int], int] = {}


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
        >>> round(add_months(to_time(date(2024, 1, 1)), 0.5) - to_time(date(2024, 1, 1)), 6)
        15.218437

        A time beyond the calendar (the year 9999) lies after every horizon:

        >>> add_months(to_time(date(2024, 1, 1)), 100_000)
        inf
    """
    whole = math.floor(months)
    if whole:
        ordinal = int(t)
        key = (ordinal, whole)
        target = _CACHE.get(key)
        if target is None:
            try:
                target = shift_months(date.fromordinal(ordinal), whole).toordinal()
            except (OverflowError, ValueError):  # beyond the year 9999: after every horizon
                return math.inf
            if len(_CACHE) > 200_000:
                _CACHE.clear()
            _CACHE[key] = target
        t = target + (t - ordinal)
    return t + (months - whole) * DAYS_PER_MONTH
