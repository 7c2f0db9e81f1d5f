"""Store layer: read and write an event log in the format its file name says."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, overload

from langzeit.events import Event, EventLog
from langzeit.exceptions import ValidationError
from langzeit.store._common import ReadResult, collect, display_name
from langzeit.store._csv import CSV_VERSION_LINE, read_csv, write_csv
from langzeit.store._jsonl import read_jsonl, write_jsonl
from langzeit.store._sqlite import SqliteEventStore

__all__ = ["FORMATS", "format_of", "is_event_log", "iter_events", "read_events", "write_events"]

#: File suffixes and the format each one means.
FORMATS: dict[str, str] = {".jsonl": "jsonl", ".csv": "csv", ".sqlite": "sqlite", ".db": "sqlite"}


def format_of(path: str | os.PathLike[str], *, default: str | None = None) -> str:
    """The event log format of a file, by its suffix.

    Args:
        path: the file.
        default: the format of a name without suffix (e.g. ``"sqlite"``, the embedded
            default, for ``langzeit simulate --out run``); None: such a name is an error.

    Returns:
        ``"jsonl"``, ``"csv"`` or ``"sqlite"``.

    Raises:
        ValueError: the suffix is not one of :data:`FORMATS`.

    Examples:
        >>> format_of("out/run-1.db"), format_of("out/run-1", default="sqlite")
        ('sqlite', 'sqlite')
    """
    suffix = Path(path).suffix.lower()
    if not suffix and default is not None:
        if default not in FORMATS.values():
            raise ValidationError(f"unknown event log format {default!r} (expected jsonl, csv or sqlite)")
        return default
    if suffix not in FORMATS:
        raise ValidationError(f"{display_name(path)}: unknown event log format {suffix!r} "
                         f"(expected one of {', '.join(FORMATS)})")
    return FORMATS[suffix]


def is_event_log(path: str | os.PathLike[str]) -> bool:
    """Whether a file is an event log, by its suffix and, for CSV, its first line.

    ``.csv`` is also the suffix of spell files: a CSV file is an event log when its
    first line is the event-log version line.

    Args:
        path: an existing file.

    Returns:
        True for an event log.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "spells.csv").write_text("person_id,kind,start,end", encoding="utf-8")
        >>> is_event_log(folder / "spells.csv"), is_event_log(folder / "log.jsonl")
        (False, True)
    """
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        return False
    if FORMATS[suffix] != "csv":
        return True
    with Path(path).open("rb") as handle:
        first = handle.readline(4096).removeprefix(b"\xef\xbb\xbf")
    return first.strip().startswith(CSV_VERSION_LINE.split()[0].encode())


def iter_events(path: str | os.PathLike[str]) -> Iterator[Event]:
    """The events of a log file in log order: streamed from SQLite, read whole from JSONL and CSV.

    The format is checked at the call, before the first event is asked for; a SQLite
    store is never held in memory as a whole.

    Args:
        path: the file; its suffix chooses the format.

    Returns:
        An iterator over the events (strict: a bad line raises).

    Raises:
        ValueError: the suffix names no known format.
        DataFormatError: a bad header, version or line.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import Referred
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"
        >>> _ = write_events([Referred("e1", "p1", date(2024, 1, 8))], path)
        >>> [e.event_id for e in iter_events(path)]
        ['e1']
    """
    if format_of(path) != "sqlite":
        return iter(read_events(path))

    def stream() -> Iterator[Event]:
        with SqliteEventStore(path, readonly=True) as store:
            yield from store.iter_events()

    return stream()


def _read_sqlite(path: str | os.PathLike[str], *, strict: bool) -> ReadResult:
    with SqliteEventStore(path, readonly=True) as store:
        return collect(display_name(path), store.raw_rows(), strict=strict, unit="row")


@overload
def read_events(path: str | os.PathLike[str], *, strict: Literal[True] = ...) -> EventLog: ...
@overload
def read_events(path: str | os.PathLike[str], *, strict: Literal[False]) -> ReadResult: ...
@overload
def read_events(path: str | os.PathLike[str], *, strict: bool) -> EventLog | ReadResult: ...
def read_events(path: str | os.PathLike[str], *, strict: bool = True) -> EventLog | ReadResult:
    """Read an event log from ``.jsonl``, ``.csv`` or ``.sqlite``/``.db``.

    Args:
        path: the file; its suffix chooses the format.
        strict: raise on any bad line (default); when False, keep every valid event
            and return the rejected lines (for SQLite: rows, numbered by append
            sequence) in a :class:`ReadResult`.

    Returns:
        The :class:`~langzeit.events.EventLog` (strict) or a :class:`ReadResult`.

    Raises:
        DataFormatError: a bad header or version (always), or every bad line (strict).
        FileNotFoundError: the file does not exist.
        ValueError: the suffix names no known format.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import EventLog, Referred
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8))])
        >>> all(read_events(folder / name) == log for name in ("a.jsonl", "a.csv", "a.sqlite")
        ...     if write_events(log, folder / name))
        True
    """
    kind = format_of(path)
    if kind == "sqlite":
        result = _read_sqlite(path, strict=strict)
        return result.log if strict else result
    reader = read_jsonl if kind == "jsonl" else read_csv
    return reader(path, strict=strict)


def write_events(
    events: EventLog | Iterable[Event], path: str | os.PathLike[str], *, format: str | None = None,
) -> int:
    """Write an event log in the format of the file's suffix.

    JSON Lines and CSV files are replaced atomically. A SQLite store is created
    when missing; an existing one keeps its events and gets the new ones appended
    (idempotently: events already stored are skipped), so no data are ever deleted.

    Args:
        events: an :class:`~langzeit.events.EventLog` or events (checked like a log).
        path: the target file.
        format: ``"jsonl"``, ``"csv"`` or ``"sqlite"`` instead of the suffix's format
            (e.g. for a temporary file, or a name without suffix).

    Returns:
        The number of events written (for SQLite: newly stored).

    Raises:
        ValidationError: two different events under one id (also against a store).
        ValueError: the suffix names no known format.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import Admitted
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.sqlite"
        >>> write_events([Admitted("e1", "p1", date(2024, 2, 1))], path)
        1
        >>> write_events([Admitted("e1", "p1", date(2024, 2, 1))], path)  # already stored
        0
    """
    if format is not None and format not in FORMATS.values():
        raise ValidationError(f"unknown event log format {format!r} (expected jsonl, csv or sqlite)")
    kind = format or format_of(path)
    if kind == "sqlite":
        with SqliteEventStore(path) as store:
            return store.extend(events)
    writer = write_jsonl if kind == "jsonl" else write_csv
    return writer(events, path)
