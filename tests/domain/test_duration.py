"""Durations on the model clock: parsing, formatting, sign and whole months."""

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import format_duration, is_negative, months_between, parse_duration


@pytest.mark.parametrize(("value", "expected"), [
    (12, relativedelta(years=1)), ("6 Monate", relativedelta(months=6)), ("2 weeks", relativedelta(days=14)),
    ("P1Y6M", relativedelta(years=1, months=6)), ({"months": 18}, relativedelta(years=1, months=6)),
    ("-1 month", relativedelta(months=-1)), ("3 Tage", relativedelta(days=3)),
])
def test_durations_are_read_from_numbers_text_iso_and_tables(value: object, expected: relativedelta) -> None:
    """Every accepted spelling gives the normalised relativedelta."""
    assert parse_duration(value) == expected


@pytest.mark.parametrize("value", [True, "soon", "12 parsecs", {"hours": 3}, {}, {"months": 1.5}, 2.5, "P"])
def test_non_durations_are_refused(value: object) -> None:
    """Booleans, unknown units, empty or fractional tables raise ValueError."""
    with pytest.raises(ValueError, match="duration"):
        parse_duration(value)


@given(years=st.integers(-5, 5), months=st.integers(-30, 30), days=st.integers(-60, 60))
def test_format_is_the_inverse_of_parse(years: int, months: int, days: int) -> None:
    """parse_duration(format_duration(d)) == d for normalised durations."""
    d = relativedelta(years=years, months=months, days=days).normalized()
    assert parse_duration(format_duration(d)) == d


def test_zero_duration_formats_as_p0d() -> None:
    """The empty period is written P0D."""
    assert format_duration(relativedelta()) == "P0D"


def test_sign_of_a_duration() -> None:
    """One month back is negative; one month minus 10 days is not."""
    assert is_negative(relativedelta(months=-1))
    assert not is_negative(relativedelta(months=1, days=-10))
    assert not is_negative(relativedelta())


def test_whole_months_between_dates() -> None:
    """01-15 -> 07-14 is 5 months, -> 07-15 is 6; 01-31 -> 02-29 is 1 (relativedelta); back is < 0."""
    assert months_between(date(2024, 1, 15), date(2024, 7, 14)) == 5
    assert months_between(date(2024, 1, 15), date(2024, 7, 15)) == 6
    assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_between(date(2024, 1, 31), date(2024, 2, 28)) == 0
    assert months_between(date(2024, 7, 15), date(2024, 1, 15)) == -6


@given(start=st.dates(date(1990, 1, 1), date(2040, 12, 31)), k=st.integers(0, 60))
def test_months_between_counts_months_added(start: date, k: int) -> None:
    """Adding k months with relativedelta and counting back gives k."""
    assert months_between(start, start + relativedelta(months=k)) == k
