"""CLI layer: option types that refuse absurd values with a clear one-line message.

Each function is an ``argparse`` ``type=``: it returns the value or raises
:class:`argparse.ArgumentTypeError`, which the parser prints as one line
(``langzeit CMD: error: argument --x: ...``) with exit code 2. Dates and months
lie in :data:`FIRST_YEAR`–:data:`LAST_YEAR`: SGB II exists since 2005, and no
administrative record reaches beyond the next century.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit.cli._errors import BadInput

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_SEED",
    "add_confidentiality_options",
    "check_confidentiality",
    "count",
    "date",
    "day_of_month",
    "month",
    "months",
    "round_to",
    "seed",
    "threshold",
]

#: The largest seed (numpy's SeedSequence takes any non-negative integer; 128 bits are plenty).
MAX_SEED = 2**128 - 1


def _integer(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r} ({what})") from None


def seed(text: str) -> int:
    """A seed: a whole number from 0 to 2**128 - 1.

    Examples:
        >>> seed("2024")
        2024
        >>> seed("-1")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: a seed is a whole number from 0 to 2**128 - 1, got -1
    """
    value = _integer(text, "a seed")
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from 0 to 2**128 - 1, got {value}")
    return value


def count(low: int, high: int, what: str) -> Callable[[str], int]:
    """A type for a whole number in ``[low, high]`` (e.g. replications).

    Examples:
        >>> count(1, 10_000, "replications")("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: replications must be from 1 to 10000, got 0
    """
    def parse(text: str) -> int:
        value = _integer(text, what)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be from {low} to {high}, got {value}")
        return value

    parse.__name__ = what.replace(" ", "_")
    return parse


def threshold(text: str) -> int:
    """``--min-n``: 0 (no suppression, internal use only) or a least cell size of at least 1.

    Examples:
        >>> threshold("0"), threshold("3")
        (0, 3)
        >>> threshold("-1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: --min-n is 0 (no suppression) or a least cell size from 1 to ..., got -1
    """
    value = _integer(text, "--min-n")
    if not 0 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(
            f"--min-n is 0 (no suppression) or a least cell size from 1 to 1000000, got {value}")
    return value


def round_to(text: str) -> int | None:
    """``--round-to``: 1 (no rounding, the same as leaving it out) or a base from 2 on.

    Examples:
        >>> round_to("10"), round_to("1")
        (10, None)
        >>> round_to("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: --round-to is a base from 2 to 1000000 (1: no rounding), got 0
    """
    value = _integer(text, "--round-to")
    if value == 1:
        return None
    if not 2 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(
            f"--round-to is a base from 2 to 1000000 (1: no rounding), got {value}")
    return value


def check_confidentiality(min_n: int, round_to: int | None) -> None:
    """Refuse ``--round-to`` beside ``--min-n 0``: rounding is part of the confidentiality that 0 turns off.

    Raises:
        BadInput: both are given.

    Examples:
        >>> check_confidentiality(3, 10)
        >>> check_confidentiality(0, 10)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.cli._errors.BadInput: --round-to 10: rounding is part of the confidentiality ... of them
    """
    if min_n == 0 and round_to is not None:
        raise BadInput(f"--round-to {round_to}: rounding is part of the confidentiality that --min-n 0 "
                       "switches off; leave out one of them")


def add_confidentiality_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--min-n`` and ``--round-to``, the confidentiality rule of every published table.

    Examples:
        >>> p = argparse.ArgumentParser()
        >>> add_confidentiality_options(p)
        >>> p.parse_args(["--round-to", "10"])
        Namespace(min_n=3, round_to=10)
    """
    parser.add_argument("--min-n", type=threshold, default=3,
                        help="least number of cases per published cell (default 3; 0: no suppression, "
                             "internal use only)")
    parser.add_argument("--round-to", type=round_to, default=None,
                        help="round published counts to multiples of this (2 or more; 1: no rounding)")


def day_of_month(text: str) -> int:
    """``--stichtag``: a day of the month, 1 to 31.

    Examples:
        >>> day_of_month("15")
        15
        >>> day_of_month("0")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: a day of the month is from 1 to 31, got 0
    """
    value = _integer(text, "a day of the month")
    if not 1 <= value <= 31:
        raise argparse.ArgumentTypeError(f"a day of the month is from 1 to 31, got {value}")
    return value


def _parsed(text: str, parse: Callable[[str], dt.date], what: str) -> dt.date:
    """``text`` read by ``parse``, in the years FIRST_YEAR–LAST_YEAR."""
    try:
        day = parse(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a {what}: {text!r}") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"{text!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return day


def date(text: str) -> dt.date:
    """A date YYYY-MM-DD in the years 1900–2199.

    Examples:
        >>> date("2024-06-30")
        datetime.date(2024, 6, 30)
        >>> date("9999-12-31")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: '9999-12-31' is outside the years 1900–2199
    """
    return _parsed(text, dt.date.fromisoformat, "date (YYYY-MM-DD)")


def month(text: str) -> dt.date:
    """A month YYYY-MM (its first day) in the years 1900–2199.

    Examples:
        >>> month("2024-06")
        datetime.date(2024, 6, 1)
        >>> month("9999-12")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: '9999-12' is outside the years 1900–2199
    """
    return _parsed(text, lambda t: dt.datetime.strptime(t, "%Y-%m").date(), "month (YYYY-MM)")


def months(text: str) -> float:
    """A positive length in months of at most 1200 (a hundred years).

    Examples:
        >>> months("12")
        12.0
        >>> months("-3")
        Traceback (most recent call last):
        ...
        argparse.ArgumentTypeError: a length in months is more than 0 and at most 1200, got -3.0
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of months: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 1200):
        raise argparse.ArgumentTypeError(f"a length in months is more than 0 and at most 1200, got {value}")
    return value
