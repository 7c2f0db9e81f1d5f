"""Spell layer: the codes of the spell format (DOMAIN.md § 2) shared by the table and its readers.

Kinds, sex codes, the empty code, the open end, day numbers and the column names. This
module imports nothing else of the spell layer, so that the table (``_table``), the one
validation path (``_validate``) and the file readers (``_csv``, ``_files``) all build on
it without an import circle.
"""

from __future__ import annotations

import datetime as dt
import enum

import numpy as np

from langzeit._calendar import day_number, from_day_number
from langzeit.exceptions import ValidationError

__all__ = [
    "COLUMNS",
    "NO_CODE",
    "OPEN_END",
    "OPTIONAL",
    "REQUIRED",
    "SEX_CODES",
    "SexCode",
    "SpellKind",
    "date_to_day",
    "day_to_date",
    "label_sort_key",
]

OPEN_END = int(np.iinfo(np.int32).max)
"""The ``end`` day number of an open (ongoing) spell: it runs to the data's end."""

NO_CODE = -1
"""The jobcenter or instrument code of a row that has none."""

REQUIRED = ("person_id", "kind", "start", "end")
"""The columns every spell file must have (DOMAIN.md § 2)."""

OPTIONAL = ("jobcenter", "sex", "single_parent", "instrument", "amount")
"""The optional columns a :class:`~langzeit.spells.SpellTable` keeps (``bg_id`` and others are read past)."""

COLUMNS = REQUIRED + OPTIONAL
"""The columns of the spell format, in their canonical order."""


class SpellKind(enum.IntEnum):
    """The kinds of spells (DOMAIN.md § 2) and their ``uint8`` codes in a :class:`SpellTable`.

    ``label`` is the spelling in the CSV file.

    Examples:
        >>> SpellKind.from_label("public_employment")
        <SpellKind.PUBLIC_EMPLOYMENT: 5>
        >>> SpellKind.SVP.label
        'svp'
    """

    ELB = 0
    SVP = 1
    APPRENTICESHIP = 2
    SELF_EMPLOYMENT = 3
    MINIJOB = 4
    PUBLIC_EMPLOYMENT = 5
    MEASURE = 6
    LLU = 7
    LUH = 8

    @property
    def label(self) -> str:
        """The kind as written in the CSV file."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> SpellKind:
        """The kind of a CSV label (exact spelling, e.g. ``"elb"``).

        Raises:
            ValueError: an unknown label.
        """
        for kind in cls:
            if kind.label == label:
                return kind
        raise ValidationError(f"unknown kind {label!r}")


class SexCode(enum.IntEnum):
    """Codes of the ``sex`` column (``uint8``): unknown (empty), F, M, D.

    Examples:
        >>> SexCode.F.value, int(SEX_CODES["M"])
        (1, 2)
    """

    UNKNOWN = 0
    F = 1
    M = 2
    D = 3


SEX_CODES = {"": SexCode.UNKNOWN, "F": SexCode.F, "M": SexCode.M, "D": SexCode.D}
"""CSV spelling of the sex column -> code."""


def date_to_day(value: dt.date) -> int:
    """The day number (days since 1970-01-01) of a date, as stored in a :class:`SpellTable`.

    Args:
        value: the date.

    Returns:
        Days since 1970-01-01.

    Examples:
        >>> date_to_day(dt.date(1970, 1, 2))
        1
    """
    return day_number(value)


def day_to_date(day: int) -> dt.date:
    """The date of a day number (inverse of :func:`date_to_day`).

    Args:
        day: days since 1970-01-01.

    Returns:
        The date.

    Examples:
        >>> day_to_date(19723)
        datetime.date(2024, 1, 1)
    """
    return from_day_number(day)


def label_sort_key(label: str) -> tuple[int, int, str]:
    """Sort key of jobcenter ids: numeric ids numerically first, then the others as text.

    The order of ``SpellTable.jobcenter_labels`` and the meaning of "the smaller jobcenter
    id" in DOMAIN.md convention 1.

    Args:
        label: a jobcenter id.

    Returns:
        A key for :func:`sorted`.

    Examples:
        >>> sorted(["10", "9", "JC-A"], key=label_sort_key)
        ['9', '10', 'JC-A']
    """
    return (0, int(label), label) if label.isdigit() else (1, 0, label)
