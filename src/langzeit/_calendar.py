"""Private calendar shared by every layer: day numbers and month arithmetic, scalar and array forms.

One implementation of the calendar rules the library uses (it imports nothing of
langzeit, like ``exceptions`` and ``tabular``):

* A **day number** is the number of days since 1970-01-01 (day 0), the value of a
  numpy ``datetime64[D]``; the bulk calculators and :class:`~langzeit.spells.SpellTable`
  hold dates this way.
* A **month index** counts calendar months since January 1970 (0 = 1970-01).
* **Adding months** follows ``date + dateutil.relativedelta(months=n)`` exactly: the
  day of month is clamped to the target month's length (31 January + 1 month =
  29 February in a leap year).
* **Completed months** between two days follow ``relativedelta(end, start)``:
  ``years * 12 + months``, negative when ``end`` is before ``start``.
* A **fractional month** is :data:`DAYS_PER_MONTH` days, the mean Gregorian month
  (365.2425 / 12 days: 146,097 days in 400 years of 4,800 months).

Each rule has a scalar form on :class:`datetime.date` and an array form on ``int64``
day numbers; ``tests/test_calendar.py`` checks both against ``dateutil.relativedelta``.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

__all__ = [
    "DAYS_PER_MONTH",
    "EPOCH",
    "EPOCH_ORDINAL",
    "FIRST_YEAR",
    "LAST_YEAR",
    "add_months",
    "civil",
    "day_number",
    "days_from_civil",
    "days_in_month",
    "from_day_number",
    "iso_date",
    "month_end",
    "month_first",
    "month_index",
    "month_last",
    "month_lengths",
    "month_of",
    "months_between",
    "months_between_days",
    "shift_months",
]

IntArray = npt.NDArray[np.int64]

#: Day number 0.
EPOCH = date(1970, 1, 1)
#: ``date.toordinal()`` of 1970-01-01, the day number 0.
EPOCH_ORDINAL = EPOCH.toordinal()
#: The earliest and latest year of a date langzeit accepts in its inputs (files and options):
#: SGB II exists since 2005 and no administrative record reaches beyond the next century;
#: 0001-01-01 or 9999-12-31 are placeholders, not dates (DOMAIN.md § 2, issue 12).
FIRST_YEAR, LAST_YEAR = 1900, 2199
#: Mean length of a calendar month in days: the Gregorian mean, 365.2425 / 12 = 30.436875.
DAYS_PER_MONTH = 365.2425 / 12

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_DAYS_ARRAY = np.array(_MONTH_DAYS, dtype=np.int64)


# --- scalar forms ---------------------------------------------------------------------


def iso_date(value: object) -> date | None:
    """``value`` read as an ISO date (``date.fromisoformat``); None for anything else.

    Examples:
        >>> iso_date("2024-02-29"), iso_date("2023-02-29"), iso_date(20240229)
        (datetime.date(2024, 2, 29), None, None)
    """
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def day_number(day: date) -> int:
    """The day number of a date (days since 1970-01-01).

    Examples:
        >>> day_number(date(1970, 1, 2)), day_number(date(1969, 12, 31))
        (1, -1)
    """
    return day.toordinal() - EPOCH_ORDINAL


def from_day_number(days: int) -> date:
    """The date of a day number (inverse of :func:`day_number`).

    Examples:
        >>> from_day_number(19723)
        datetime.date(2024, 1, 1)
    """
    return date.fromordinal(int(days) + EPOCH_ORDINAL)


def days_in_month(year: int, month: int) -> int:
    """The number of days of a calendar month (like ``calendar.monthrange(year, month)[1]``).

    Examples:
        >>> days_in_month(2024, 2), days_in_month(2100, 2), days_in_month(2000, 2)
        (29, 28, 29)
    """
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def month_of(day: date) -> int:
    """The month index (months since January 1970) of the month containing ``day``.

    Examples:
        >>> month_of(date(1970, 2, 28)), month_of(date(1969, 12, 31))
        (1, -1)
    """
    return (day.year - 1970) * 12 + day.month - 1


def month_first(month: int) -> date:
    """The first day of a month given by its index.

    Examples:
        >>> month_first(649)
        datetime.date(2024, 2, 1)
    """
    year, m0 = divmod(month, 12)
    return date(1970 + year, m0 + 1, 1)


def month_last(month: int) -> date:
    """The last day of a month given by its index.

    Examples:
        >>> month_last(649)
        datetime.date(2024, 2, 29)
    """
    year, m0 = divmod(month, 12)
    return date(1970 + year, m0 + 1, days_in_month(1970 + year, m0 + 1))


def shift_months(day: date, months: int) -> date:
    """``day`` moved by whole months, clamping the day like ``day + relativedelta(months=n)``.

    Examples:
        >>> shift_months(date(2024, 1, 31), 1), shift_months(date(2024, 3, 31), -1)
        (datetime.date(2024, 2, 29), datetime.date(2024, 2, 29))
    """
    year, m0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, m0 + 1, min(day.day, days_in_month(year, m0 + 1)))


def months_between(start: date, end: date) -> int:
    """Completed calendar months from ``start`` to ``end``, as ``relativedelta(end, start)``.

    Negative when ``end`` is before ``start``.

    Examples:
        >>> months_between(date(2024, 1, 15), date(2024, 7, 14))
        5
        >>> months_between(date(2024, 1, 31), date(2024, 2, 29))
        1
        >>> months_between(date(2024, 7, 14), date(2024, 1, 15))
        -5
    """
    m = (end.year - start.year) * 12 + end.month - start.month
    shifted = shift_months(start, m)
    if m > 0 and shifted > end:
        m -= 1
    elif m < 0 and shifted < end:
        m += 1
    return m


# --- array forms on int64 day numbers --------------------------------------------------


def civil(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Year, month and day of day numbers (H. Hinnant's ``civil_from_days``, integer arithmetic).

    Examples:
        >>> y, m, d = civil(np.array([0, 19782]))
        >>> y.tolist(), m.tolist(), d.tolist()
        ([1970, 2024], [1, 2], [1, 29])
    """
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


def days_from_civil(y: IntArray, m: IntArray, d: IntArray) -> IntArray:
    """Day numbers of (year, month, day) arrays (H. Hinnant's ``days_from_civil``).

    Examples:
        >>> days_from_civil(np.array([1970, 2024]), np.array([1, 2]), np.array([1, 29])).tolist()
        [0, 19782]
    """
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    out: IntArray = era * 146097 + doe - 719468
    return out


def month_lengths(y: IntArray, m: IntArray) -> IntArray:
    """Days of each (year, month), the array form of :func:`days_in_month`.

    Examples:
        >>> month_lengths(np.array([2024, 2100, 2024]), np.array([2, 2, 4])).tolist()
        [29, 28, 30]
    """
    y = np.asarray(y, dtype=np.int64)
    m = np.asarray(m, dtype=np.int64)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    out: IntArray = _MONTH_DAYS_ARRAY[m - 1] + ((m == 2) & leap)
    return out


def month_index(days: IntArray) -> IntArray:
    """Month index of each day number (months since 1970-01), the array form of :func:`month_of`.

    Examples:
        >>> month_index(np.array([0, 31, 365, -1])).tolist()
        [0, 1, 12, -1]
    """
    y, m, _ = civil(days)
    out: IntArray = (y - 1970) * 12 + m - 1
    return out


def month_end(months: IntArray) -> IntArray:
    """The day number of the last day of each month index, the array form of :func:`month_last`.

    Examples:
        >>> [from_day_number(d) for d in month_end(np.array([1, 649])).tolist()]
        [datetime.date(1970, 2, 28), datetime.date(2024, 2, 29)]
    """
    months = np.asarray(months, dtype=np.int64)
    y, m = 1970 + months // 12, months % 12 + 1
    return days_from_civil(y, m, month_lengths(y, m))


def add_months(days: IntArray, months: IntArray | int) -> IntArray:
    """Add whole months to day numbers, the array form of :func:`shift_months`.

    ``days`` and ``months`` broadcast against each other (e.g. a column of start days
    against a row of month offsets).

    Examples:
        >>> d = np.array([day_number(date(2024, 1, 31))])
        >>> from_day_number(int(add_months(d, 1)[0]))
        datetime.date(2024, 2, 29)
    """
    y, m, d = civil(days)
    total = y * 12 + (m - 1) + np.asarray(months, dtype=np.int64)
    if total.size == 0:
        return np.zeros(total.shape, dtype=np.int64)
    # one table of first days and lengths over the months that occur (cheap for wide broadcasts)
    lo, hi = int(total.min()), int(total.max())
    span = np.arange(lo, hi + 1, dtype=np.int64)
    ty, tm = span // 12, span % 12 + 1
    first = days_from_civil(ty, tm, np.ones_like(ty))
    length = month_lengths(ty, tm)
    i = total - lo
    out: IntArray = first[i] + np.minimum(d, length[i]) - 1
    return out


def months_between_days(start: IntArray, end: IntArray) -> IntArray:
    """Completed months from ``start`` to ``end``, the array form of :func:`months_between`.

    Examples:
        >>> s = np.array([day_number(date(2023, 1, 31)), day_number(date(2024, 1, 15))])
        >>> e = np.array([day_number(date(2023, 2, 28)), day_number(date(2024, 7, 14))])
        >>> months_between_days(s, e).tolist()
        [1, 5]
        >>> months_between_days(np.array([day_number(date(2000, 1, 2))]),
        ...                     np.array([day_number(date(2000, 1, 1))])).tolist()
        [0]
    """
    start = np.asarray(start, dtype=np.int64)
    end = np.asarray(end, dtype=np.int64)
    m = month_index(end) - month_index(start)
    # relativedelta, as the scalar form: step back one month when start + m overshoots end
    # (m > 0) or undershoots it (m < 0); within one month (m == 0) nothing is completed.
    shifted = add_months(start, m)
    out: IntArray = m - (m > 0) * (shifted > end) + (m < 0) * (shifted < end)
    return out
