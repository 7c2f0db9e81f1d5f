"""The one calendar module: scalar and array forms agree with ``dateutil.relativedelta``."""

import calendar
from datetime import date

import numpy as np
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from langzeit import _calendar as cal

DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
MONTHS = st.integers(min_value=-400, max_value=400)


def _n(days: list[date]) -> np.ndarray:
    return np.array([cal.day_number(d) for d in days], dtype=np.int64)


def test_mean_month_is_the_gregorian_mean() -> None:
    """400 Gregorian years have 146,097 days in 4,800 months."""
    assert cal.DAYS_PER_MONTH * 4800 == 146097
    assert cal.DAYS_PER_MONTH == 30.436875


def test_epoch_is_day_zero() -> None:
    """1970-01-01 is day 0 and the month index 0, as numpy's ``datetime64[D]``."""
    assert cal.day_number(date(1970, 1, 1)) == 0
    assert cal.month_of(date(1970, 1, 1)) == 0
    assert cal.day_number(date(2024, 1, 1)) == int(np.datetime64("2024-01-01", "D").astype(np.int64))


@given(DAYS)
def test_day_numbers_round_trip_and_match_numpy(day: date) -> None:
    """``from_day_number`` inverts ``day_number``; both agree with ``datetime64[D]``."""
    n = cal.day_number(day)
    assert cal.from_day_number(n) == day
    assert n == int(np.datetime64(day.isoformat(), "D").astype(np.int64))


@given(st.integers(min_value=1, max_value=9999), st.integers(min_value=1, max_value=12))
def test_days_in_month_matches_the_standard_library(year: int, month: int) -> None:
    """Month lengths, scalar and array, equal ``calendar.monthrange``."""
    expected = calendar.monthrange(year, month)[1]
    assert cal.days_in_month(year, month) == expected
    assert cal.month_lengths(np.array([year]), np.array([month])).tolist() == [expected]


@given(DAYS)
def test_month_first_and_last_bracket_the_day(day: date) -> None:
    """The month index of a day names the month whose first and last day bracket it."""
    m = cal.month_of(day)
    assert cal.month_first(m) == day.replace(day=1)
    assert cal.month_last(m) == day + relativedelta(day=31)
    assert cal.month_index(_n([day])).tolist() == [m]
    assert cal.month_end(np.array([m])).tolist() == [cal.day_number(cal.month_last(m))]


@given(DAYS, MONTHS)
def test_shift_months_is_relativedelta(day: date, months: int) -> None:
    """Adding whole months, scalar and array, equals ``day + relativedelta(months=n)``."""
    expected = day + relativedelta(months=months)
    assert cal.shift_months(day, months) == expected
    assert cal.add_months(_n([day]), months).tolist() == [cal.day_number(expected)]


@given(DAYS, DAYS)
def test_months_between_is_relativedelta(start: date, end: date) -> None:
    """Completed months, scalar and array, equal ``relativedelta(end, start)``."""
    rd = relativedelta(end, start)
    expected = rd.years * 12 + rd.months
    assert cal.months_between(start, end) == expected
    assert cal.months_between_days(_n([start]), _n([end])).tolist() == [expected]


@given(st.lists(DAYS, min_size=1, max_size=20), st.lists(MONTHS, min_size=1, max_size=5))
def test_add_months_broadcasts_a_column_against_a_row(days: list[date], months: list[int]) -> None:
    """A column of days against a row of offsets gives every pairwise scalar result."""
    out = cal.add_months(_n(days)[:, None], np.array(months)[None, :])
    expected = [[cal.day_number(cal.shift_months(d, m)) for m in months] for d in days]
    assert out.tolist() == expected


def test_hand_computed_clamps() -> None:
    """31 January + 1 month is the last day of February; leap rules of 1900/2000/2100."""
    assert cal.shift_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert cal.shift_months(date(2000, 1, 31), 1) == date(2000, 2, 29)
    assert cal.shift_months(date(1900, 1, 31), 1) == date(1900, 2, 28)
    assert cal.shift_months(date(2100, 3, 31), -1) == date(2100, 2, 28)
    assert cal.months_between(date(2023, 1, 31), date(2023, 2, 27)) == 0
    assert cal.months_between(date(2023, 1, 31), date(2023, 2, 28)) == 1


def test_empty_arrays_stay_empty() -> None:
    """No days in, no days out."""
    empty = np.array([], dtype=np.int64)
    assert cal.add_months(empty, 3).shape == (0,)
    assert cal.months_between_days(empty, empty).shape == (0,)
