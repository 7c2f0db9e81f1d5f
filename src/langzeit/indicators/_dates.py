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


def month_index(days: IntArray) -> IntArray:
    """Calendar month of each day as months since 1970-01 (0 = January 1970).

    Examples:
        >>> import numpy as np
        >>> month_index(np.array([0, 31, 365])).tolist()
        [0, 1, 12]
    """
    return np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)


def month_end(months: IntArray) -> IntArray:
    """The day number of the last day of each month (months since 1970-01).

    Examples:
        >>> import numpy as np
        >>> [from_day_number(d) for d in month_end(np.array([1])).tolist()]
        [datetime.date(1970, 2, 28)]
    """
    nxt = (np.asarray(months, dtype=np.int64) + 1).astype("datetime64[M]").astype("datetime64[D]")
    return nxt.astype(np.int64) - 1


def add_months(days: IntArray, months: IntArray | int) -> IntArray:
    """Add whole months to day numbers, clamping the day like ``relativedelta(months=n)``.

    Examples:
        >>> import numpy as np
        >>> d = np.array([day_number(date(2024, 1, 31))])
        >>> from_day_number(int(add_months(d, 1)[0]))
        datetime.date(2024, 2, 29)
    """
    days = np.asarray(days, dtype=np.int64)
    m = month_index(days) + np.asarray(months, dtype=np.int64)
    first = m.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = month_end(m) - first + 1
    dom = days - month_index(days).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 1
    out: IntArray = first + np.minimum(dom, length) - 1
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
    over = np.where(forward, add_months(start, m) > end, add_months(start, m) < end)
    return m - np.where(over, np.where(forward, 1, -1), 0)
