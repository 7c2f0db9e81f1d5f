"""Spell layer: administrative spell tables (columnar, numpy), file readers and writers, instrument catalogue.

The table (:class:`SpellTable`) knows no file format; :func:`read_spells` and
:func:`write_spells` read and write CSV, Parquet and Arrow IPC files, and
:meth:`SpellTable.from_frame` / :meth:`SpellTable.from_arrow` /
:meth:`SpellTable.from_records` build tables from data in memory — all through one
validation path, which also checks the instrument codes against the catalogue.
"""

from langzeit.spells._catalogue import (
    ACTIVATION_CATEGORIES,
    CATEGORIES,
    Instrument,
    InstrumentCatalogue,
    InstrumentPeriod,
    default_catalogue,
    load_catalogue,
)
from langzeit.spells._codes import (
    COLUMNS,
    NO_CODE,
    OPEN_END,
    SexCode,
    SpellKind,
    date_to_day,
    day_to_date,
    label_sort_key,
)
from langzeit.spells._csv import DELIMITERS, detect_delimiter
from langzeit.spells._dataset import (
    DATASET_FORMAT_VERSION,
    SpellDataset,
    SpellPartition,
    open_spell_dataset,
    person_partition,
    write_spell_dataset,
)
from langzeit.spells._files import FORMATS, SpellFormat, read_spells, spell_format, write_spells
from langzeit.spells._pseudonymise import pseudonymise_spells
from langzeit.spells._synthetic import generate_spells
from langzeit.spells._table import INTEGRATION_KINDS, SpellTable

__all__ = [
    "ACTIVATION_CATEGORIES",
    "CATEGORIES",
    "COLUMNS",
    "DATASET_FORMAT_VERSION",
    "DELIMITERS",
    "FORMATS",
    "INTEGRATION_KINDS",
    "NO_CODE",
    "OPEN_END",
    "Instrument",
    "InstrumentCatalogue",
    "InstrumentPeriod",
    "SexCode",
    "SpellDataset",
    "SpellFormat",
    "SpellKind",
    "SpellPartition",
    "SpellTable",
    "date_to_day",
    "day_to_date",
    "default_catalogue",
    "detect_delimiter",
    "generate_spells",
    "label_sort_key",
    "load_catalogue",
    "open_spell_dataset",
    "person_partition",
    "pseudonymise_spells",
    "read_spells",
    "spell_format",
    "write_spell_dataset",
    "write_spells",
]
