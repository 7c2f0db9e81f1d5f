"""Indicator layer: vectorised calendar arithmetic on day numbers (days since 1970-01-01).

The bulk calculators hold dates as ``int64`` day numbers (numpy ``datetime64[D]``
values). Month arithmetic follows :mod:`dateutil.relativedelta` exactly: adding
months clamps the day to the month's length, and completed months between two days
are those of :func:`langzeit.domain.months_between`.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

__all__ = [
    "EPOCH_ORDINAL",
    "add_months",
    "day_number",
    "from_day_number",
    "month_end",
    "month_index",
    "months_between_days",
]

IntArray = npt.NDArray[np.int64]

#: ``date.toordinal()`` of 1970-01-01, the day number 0.
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_number(day: date) -> int:
    """The day number of a date (days since 1970-01-01).

    Examples:
        >>> day_number(date(1970, 1, 2))
        1
    """
    return day.toordinal() - EPOCH_ORDINAL


def from_day_number(days: int) -> date:
    """The date of a day number.

    Examples:
        >>> from_day_number(1)
        datetime.date(1970, 1, 2)
    """
    return date.fromordinal(int(days) + EPOCH_ORDINAL)


def _civil(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month, day of day numbers (H. Hinnant's ``civil_from_days``, integer arithmetic only)."""
    z = np.asarray(days, dtype=np.int64) + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = np.where(mp < 10, mp + 3, mp - 9)
    y = yoe + era * 400 + (m <= 2)
    return y, m, d


def _days(y: IntArray, m: IntArray, d: IntArray) -> IntArray:
    """Day numbers of dates (H. Hinnant's ``days_from_civil``)."""
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: IntArray = era * 146097 + doe - 719468
    return out


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _month_length(y: IntArray, m: IntArray) -> IntArray:
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    out: IntArray = _MONTH_DAYS[m - 1] + ((m == 2) & leap)
    return out


def month_index(days: IntArray) -> IntArray:
    """Calendar month of each day as months since 1970-01 (0 = January 1970).

    Examples:
        >>> import numpy as np
        >>> month_index(np.array([0, 31, 365, -1])).tolist()
        [0, 1, 12, -1]
    """
    y, m, _ = _civil(days)
    out: IntArray = (y - 1970) * 12 + m - 1
    return out


def month_end(months: IntArray) -> IntArray:
    """The day number of the last day of each month (months since 1970-01).

    Examples:
        >>> import numpy as np
        >>> [from_day_number(d) for d in month_end(np.array([1, 649])).tolist()]
        [datetime.date(1970, 2, 28), datetime.date(2024, 2, 29)]
    """
    months = np.asarray(months, dtype=np.int64)
    y, m = 1970 + months // 12, months % 12 + 1
    return _days(y, m, _month_length(y, m))


def add_months(days: IntArray, months: IntArray | int) -> IntArray:
    """Add whole months to day numbers, clamping the day like ``relativedelta(months=n)``.

    ``days`` and ``months`` broadcast against each other (e.g. a column of start days
    against a row of month offsets).

    Examples:
        >>> import numpy as np
        >>> d = np.array([day_number(date(2024, 1, 31))])
        >>> from_day_number(int(add_months(d, 1)[0]))
        datetime.date(2024, 2, 29)
    """
    y, m, d = _civil(days)
    total = y * 12 + (m - 1) + np.asarray(months, dtype=np.int64)
    if total.size == 0:
        return np.zeros(total.shape, dtype=np.int64)
    # one table of first days and lengths over the months that occur (cheap for wide broadcasts)
    lo, hi = int(total.min()), int(total.max())
    span = np.arange(lo, hi + 1, dtype=np.int64)
    ty, tm = span // 12, span % 12 + 1
    first = _days(ty, tm, np.ones_like(ty))
    length = _month_length(ty, tm)
    i = total - lo
    out: IntArray = first[i] + np.minimum(d, length[i]) - 1
    return out


def months_between_days(start: IntArray, end: IntArray) -> IntArray:
    """Completed months from ``start`` to ``end``, as :func:`langzeit.domain.months_between`.

    Examples:
        >>> import numpy as np
        >>> s = np.array([day_number(date(2023, 1, 31)), day_number(date(2024, 1, 15))])
        >>> e = np.array([day_number(date(2023, 2, 28)), day_number(date(2024, 7, 14))])
        >>> months_between_days(s, e).tolist()
        [1, 5]
    """
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    m = month_index(end) - month_index(start)
    forward = m >= 0
    # relativedelta: step back one month while start + m overshoots end (forward) or
    # undershoots it (backward).
    shifted = add_months(start, m)
    over = np.where(forward, shifted > end, shifted < end)
    out: IntArray = m - np.where(over, np.where(forward, 1, -1), 0)
    return out
