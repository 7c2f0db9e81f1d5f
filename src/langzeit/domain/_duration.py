"""Domain layer: durations on the model clock as ``dateutil.relativedelta``."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from langzeit import _calendar
from langzeit.exceptions import ValidationError

__all__ = ["MAX_DURATION_YEARS", "format_duration", "is_negative", "months_between", "parse_duration"]

#: The longest duration read, either way (a century: no stay, horizon or rule is longer).
MAX_DURATION_YEARS = 100

_REFERENCE = date(2001, 1, 31)
_UNITS = {
    "year": "years", "years": "years", "y": "years", "jahr": "years", "jahre": "years",
    "month": "months", "months": "months", "m": "months", "monat": "months", "monate": "months",
    "week": "weeks", "weeks": "weeks", "w": "weeks", "woche": "weeks", "wochen": "weeks",
    "day": "days", "days": "days", "d": "days", "tag": "days", "tage": "days",
}
_TEXT = re.compile(r"^\s*(-?\d+)\s*([a-zA-Z]+)\s*$")
_ISO = re.compile(r"^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)W)?(?:(-?\d+)D)?$")


def parse_duration(value: object) -> relativedelta:
    """Read a duration from a TOML/JSON value.

    Accepts a ``relativedelta``; an integer number of months; a text such as
    ``"12 months"``, ``"6 Monate"``, ``"2 weeks"``; an ISO 8601 period such as
    ``"P1Y6M"``; or a table such as ``{months = 12}``. A duration longer than
    :data:`MAX_DURATION_YEARS` either way is refused (dates would leave the calendar).

    Args:
        value: the value to read.

    Returns:
        The duration as a normalised ``relativedelta``.

    Raises:
        ValidationError: (a ValueError) if the value is not a duration, or longer than a century.

    Examples:
        >>> parse_duration("12 months")
        relativedelta(years=+1)
        >>> parse_duration("100000000 months")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: a duration of at most 100 years, got P8333333Y4M
        >>> parse_duration({"months": 18})
        relativedelta(years=+1, months=+6)
        >>> parse_duration("P6M") == parse_duration(6)
        True
    """
    return _bounded(_parse_duration(value))


def _bounded(duration: relativedelta) -> relativedelta:
    months = abs(duration.years * 12 + duration.months) + abs(duration.days) / 31
    if months > MAX_DURATION_YEARS * 12:
        raise ValidationError(
            f"a duration of at most {MAX_DURATION_YEARS} years, got {format_duration(duration)}")
    return duration


def _parse_duration(value: object) -> relativedelta:
    if isinstance(value, relativedelta):
        return value.normalized()
    if isinstance(value, bool):
        raise ValidationError(f"not a duration: {value!r}")
    if isinstance(value, int):
        return relativedelta(months=value).normalized()
    if isinstance(value, dict):
        unknown = set(value) - {"years", "months", "weeks", "days"}
        if unknown or not value:
            raise ValidationError(
                f"a duration table takes years, months, weeks, days; got {sorted(value)}"
            )
        parts: dict[str, int] = {}
        for key, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int):
                raise ValidationError(f"duration {key} must be an integer, got {number!r}")
            parts[str(key)] = number
        return relativedelta(**parts).normalized()  # type: ignore[arg-type]
    if isinstance(value, str):
        m = _TEXT.match(value)
        if m and m.group(2).lower() in _UNITS:
            unit = _UNITS[m.group(2).lower()]
            return relativedelta(**{unit: int(m.group(1))}).normalized()  # type: ignore[arg-type]
        iso = _ISO.match(value.strip().upper())
        if iso and any(iso.groups()):
            y, mo, w, d = (int(g) if g else 0 for g in iso.groups())
            return relativedelta(years=y, months=mo, weeks=w, days=d).normalized()
    raise ValidationError(f"not a duration: {value!r} (use e.g. 12, \"12 months\", \"P1Y\", {{months = 12}})")


def format_duration(duration: relativedelta) -> str:
    """Write a duration as an ISO 8601 period, the inverse of :func:`parse_duration`.

    Args:
        duration: the duration.

    Returns:
        The ISO period, e.g. ``"P1Y6M"``; ``"P0D"`` for zero.

    Examples:
        >>> format_duration(parse_duration("18 months"))
        'P1Y6M'
        >>> parse_duration(format_duration(relativedelta(weeks=2)))
        relativedelta(days=+14)
    """
    d = duration.normalized()
    text = "P"
    if d.years:
        text += f"{d.years}Y"
    if d.months:
        text += f"{d.months}M"
    if d.days:
        text += f"{d.days}D"
    return text if text != "P" else "P0D"


def is_negative(duration: relativedelta) -> bool:
    """Whether a duration moves a date backwards.

    Args:
        duration: the duration.

    Returns:
        True if adding it to a date gives an earlier date.

    Examples:
        >>> is_negative(relativedelta(months=-1)), is_negative(relativedelta(months=3))
        (True, False)
    """
    return _REFERENCE + duration < _REFERENCE


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end`` (the model's monthly time).

    Args:
        start: the earlier date.
        end: the later date.

    Returns:
        Completed months; negative if ``end`` is before ``start``.

    Examples:
        >>> months_between(date(2024, 1, 15), date(2024, 7, 14))
        5
        >>> months_between(date(2024, 1, 15), date(2024, 7, 15))
        6
    """
    return _calendar.months_between(start, end)
