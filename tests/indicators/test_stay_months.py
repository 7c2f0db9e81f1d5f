"""A stay's length in months: one definition, checked against dateutil.relativedelta."""

from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from langzeit._calendar import DAYS_PER_MONTH, day_number
from langzeit.indicators import stay_months


@given(st.lists(st.tuples(st.dates(date(1990, 1, 1), date(2040, 12, 31)), st.integers(0, 1200)),
                min_size=1, max_size=40))
def test_stay_months_is_completed_calendar_months_plus_remaining_days(stays: list[tuple[date, int]]) -> None:
    """Completed months (relativedelta) plus the remaining days / 30.44, short stays included."""
    expected = []
    for start, days in stays:
        end = start + timedelta(days=days)
        whole = relativedelta(end, start)
        months = whole.years * 12 + whole.months
        expected.append(months + (end - (start + relativedelta(months=months))).days / DAYS_PER_MONTH)
    got = stay_months([day_number(s) for s, _ in stays],
                      [day_number(s + timedelta(days=d)) for s, d in stays])
    assert np.allclose(got, expected, rtol=0, atol=1e-12)


def test_a_stay_of_27_days_completes_no_month_but_28_in_february_does() -> None:
    """Below 28 days no month completes; 1 February to 1 March 2023 (28 days) is one month."""
    got = stay_months([day_number(date(2024, 1, 1)), day_number(date(2023, 2, 1))],
                      [day_number(date(2024, 1, 28)), day_number(date(2023, 3, 1))])
    assert got.tolist() == [27 / DAYS_PER_MONTH, 1.0]
