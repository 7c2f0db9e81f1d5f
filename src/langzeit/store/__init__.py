"""Store layer: persistence of event logs: SQLite (embedded default), PostgreSQL, JSON Lines, CSV.

Every format writes the records of the one events codec
(:func:`langzeit.events.event_to_record`) and carries the format name and version
(:data:`langzeit.events.EVENT_FORMAT`, :data:`langzeit.events.EVENT_FORMAT_VERSION`).

Examples:
    >>> import tempfile, pathlib
    >>> from datetime import date
    >>> from langzeit.events import EventLog, Referred
    >>> from langzeit.store import read_events, write_events
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.jsonl"
    >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor")])
    >>> write_events(log, path)
    1
    >>> read_events(path) == log
    True
"""

from langzeit.store._common import ReadResult
from langzeit.store._csv import CSV_COLUMNS, CSV_VERSION_LINE, read_csv, write_csv
from langzeit.store._io import FORMATS, format_of, is_event_log, iter_events, read_events, write_events
from langzeit.store._jsonl import read_jsonl, write_jsonl
from langzeit.store._postgres import POSTGRES_SCHEMA_VERSION, PostgresEventStore
from langzeit.store._protect import (
    SEAL_PREFIX,
    SEALED_FIELDS,
    KeyStore,
    ProtectedEventStore,
    SqliteKeyStore,
    seal_events,
    unseal_events,
)
from langzeit.store._sqlite import SQLITE_SCHEMA_VERSION, SqliteEventStore

__all__ = [
    "CSV_COLUMNS",
    "CSV_VERSION_LINE",
    "FORMATS",
    "POSTGRES_SCHEMA_VERSION",
    "SEALED_FIELDS",
    "SEAL_PREFIX",
    "SQLITE_SCHEMA_VERSION",
    "KeyStore",
    "PostgresEventStore",
    "ProtectedEventStore",
    "ReadResult",
    "SqliteEventStore",
    "SqliteKeyStore",
    "format_of",
    "is_event_log",
    "iter_events",
    "read_csv",
    "read_events",
    "read_jsonl",
    "seal_events",
    "unseal_events",
    "write_csv",
    "write_events",
    "write_jsonl",
]
