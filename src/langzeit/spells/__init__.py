"""Spell layer: administrative spell tables (columnar, numpy) and their CSV reader."""

from langzeit.spells._csv import COLUMNS, read_spells, write_spells
from langzeit.spells._synthetic import generate_spells
from langzeit.spells._table import (
    ACTIVATION_INSTRUMENTS,
    INTEGRATION_KINDS,
    NO_CODE,
    OPEN_END,
    SexCode,
    SpellKind,
    SpellTable,
    date_to_day,
    day_to_date,
    label_sort_key,
)

__all__ = [
    "ACTIVATION_INSTRUMENTS",
    "COLUMNS",
    "INTEGRATION_KINDS",
    "NO_CODE",
    "OPEN_END",
    "SexCode",
    "SpellKind",
    "SpellTable",
    "date_to_day",
    "day_to_date",
    "generate_spells",
    "label_sort_key",
    "read_spells",
    "write_spells",
]
