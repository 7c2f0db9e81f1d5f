"""Spell layer: administrative spell tables (columnar, numpy), their readers and the instrument catalogue."""

from langzeit.spells._catalogue import (
    ACTIVATION_CATEGORIES,
    CATEGORIES,
    Instrument,
    InstrumentCatalogue,
    InstrumentPeriod,
    default_catalogue,
    load_catalogue,
)
from langzeit.spells._csv import COLUMNS, read_spells, write_spells
from langzeit.spells._synthetic import generate_spells
from langzeit.spells._table import (
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
    "ACTIVATION_CATEGORIES",
    "CATEGORIES",
    "COLUMNS",
    "INTEGRATION_KINDS",
    "NO_CODE",
    "OPEN_END",
    "Instrument",
    "InstrumentCatalogue",
    "InstrumentPeriod",
    "SexCode",
    "SpellKind",
    "SpellTable",
    "date_to_day",
    "day_to_date",
    "default_catalogue",
    "generate_spells",
    "label_sort_key",
    "load_catalogue",
    "read_spells",
    "write_spells",
]
