"""The engine core's remembered date sums are keyed by value, not by object identity."""

from datetime import date

from dateutil.relativedelta import relativedelta

from langzeit.engine import PathwayEngine


def test_date_sums_follow_the_duration_value_not_the_object(engine: PathwayEngine) -> None:
    """A duration created after another one was freed (its id may be reused) gets its own sum."""
    day = date(2024, 1, 31)
    sums = [engine._plus(day, relativedelta(months=n)) for n in (1, 2, 1, 3)]
    assert sums == [date(2024, 2, 29), date(2024, 3, 31), date(2024, 2, 29), date(2024, 4, 30)]
