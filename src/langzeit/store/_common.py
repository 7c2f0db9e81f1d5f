"""Store layer: what every reader shares: decoding records, duplicate checks, ReadResult."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import attrs

from langzeit.events import (
    EVENT_FORMAT,
    EVENT_FORMAT_VERSION,
    EVENT_TYPES,
    Event,
    EventLog,
    event_from_record,
)
from langzeit.events._fields import field_problems
from langzeit.exceptions import DataFormatError, Problem, RowProblem
from langzeit.tabular import Table

__all__ = ["ReadResult"]


@attrs.frozen
class ReadResult(Table):
    """What a lenient read found: every valid event, and every rejected line with its reason.

    As a table (``rows()``, ``to_frame()``, the Jupyter view) it lists the rejected
    lines — file, line, reason, raw text —, for fixing the file; the events are in
    :attr:`log` (``log.to_frame()``).

    Args:
        log: the valid events, in file order.
        rejected: each rejected line (file, 1-based line number, reason, raw text).

    Examples:
        >>> from langzeit.events import EventLog
        >>> r = ReadResult(EventLog(), (RowProblem("log.csv", 3, "bad date"),))
        >>> r.ok, len(r.log), r.rows()
        (False, 0, [{'file': 'log.csv', 'line': 3, 'reason': 'bad date', 'text': ''}])
    """

    _title = "rejected lines"

    log: EventLog
    rejected: tuple[RowProblem, ...] = ()

    def columns(self) -> tuple[str, ...]:
        """``file``, ``line``, ``reason``, ``text``.

        Examples:
            >>> from langzeit.events import EventLog
            >>> ReadResult(EventLog()).columns()
            ('file', 'line', 'reason', 'text')
        """
        return ("file", "line", "reason", "text")

    def rows(self) -> list[dict[str, Any]]:
        """One row per rejected line, in file order.

        Examples:
            >>> from langzeit.events import EventLog
            >>> ReadResult(EventLog(), (RowProblem("a.jsonl", 2, "bad"),)).rows()[0]["line"]
            2
        """
        return [{"file": p.file, "line": p.line, "reason": p.reason, "text": p.text} for p in self.rejected]

    @property
    def ok(self) -> bool:
        """Whether no line was rejected."""
        return not self.rejected


#: One raw item of a file: its line number, its raw text, and a record or the reason it is bad.
RawItem = tuple[int, str, "Mapping[str, Any] | str"]


def _same_event_reason(event_id: str, first_line: int, unit: str) -> str:
    return f"event id {event_id!r} already used on {unit} {first_line} with different content"


def collect(file: str, items: Iterable[RawItem], *, strict: bool, unit: str = "line") -> ReadResult:
    """Decode raw records with the events codec; gather every bad one.

    A repeated event id with the same content is the same event (the log is
    idempotent) and is skipped; with different content the later line is rejected.

    Args:
        file: the file's name, for the problems.
        items: ``(line, raw text, record or reason)`` in file order.
        strict: raise on any problem instead of returning them.
        unit: what a line number counts (``"line"``, or ``"row"`` for SQLite).

    Returns:
        The valid events and the rejected lines.

    Raises:
        DataFormatError: in strict mode, with every bad line.
    """
    events: list[Event] = []
    first_seen: dict[str, tuple[int, Event]] = {}
    rejected: list[RowProblem] = []
    for line, text, record in items:
        if isinstance(record, str):
            rejected.append(RowProblem(file, line, record, text))
            continue
        try:
            event = event_from_record(record)
        except ValueError as exc:
            rejected.append(RowProblem(file, line, str(exc), text))
            continue
        seen = first_seen.get(event.event_id)
        if seen is not None:
            if seen[1] != event:
                rejected.append(RowProblem(file, line, _same_event_reason(event.event_id, seen[0], unit),
                                           text))
            continue
        first_seen[event.event_id] = (line, event)
        events.append(event)
    if rejected and strict:
        raise DataFormatError(f"{file}: not a valid event log", rejected)
    return ReadResult(EventLog(events), tuple(rejected))


def fail(file: str, line: int, reason: str, text: str = "") -> DataFormatError:
    """A DataFormatError for a problem that makes the whole file unreadable (header, version)."""
    return DataFormatError(f"{file}: not a valid event log", [RowProblem(file, line, reason, text)])


def meta_schema(meta: Mapping[str, str], name: str, *, newest: int, default: str, what: str) -> int:
    """The schema version in a database store's ``meta`` table; raise unless this langzeit reads it.

    ``default`` is the schema of a store without one (SQLite's first files); ``what`` names
    the store in the message for a schema newer than ``newest``.
    """
    if meta.get("format") != EVENT_FORMAT:
        raise fail(name, 0, f"not a {EVENT_FORMAT} store (format {meta.get('format')!r})")
    if meta.get("version") != str(EVENT_FORMAT_VERSION):
        raise fail(name, 0, f"unsupported version {meta.get('version')!r} "
                            f"(this langzeit reads version {EVENT_FORMAT_VERSION})")
    schema = meta.get("schema", default)
    if schema not in {str(v) for v in range(1, newest + 1)}:
        raise fail(name, 0, f"unsupported schema {schema!r} (this langzeit reads schemas 1 to "
                            f"{newest}; a newer langzeit wrote {what})")
    return int(schema)


def events_of(source: EventLog | Iterable[Event]) -> list[Event]:
    """The events to write, in append order; a plain iterable is checked like a log."""
    if isinstance(source, EventLog):
        return list(source)
    return list(EventLog(source))


@contextlib.contextmanager
def atomic_text_file(path: Path, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Write a text file atomically: a temporary file in the same folder, renamed on success."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def display_name(path: str | os.PathLike[str]) -> str:
    """The name used for a file in problems: the path as given."""
    return os.fspath(path)




def create_private(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600), unless it exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def unstorable(events: Iterable[Event]) -> list[Problem]:
    """A problem for every event a store could not read back: not an event type it knows, or bad fields.

    Events check their fields when built; this catches the ones that were not built by
    their own class (a subclass, ``object.__setattr__``), so that a store never writes a
    row that would make its log unreadable.
    """
    problems: list[Problem] = []
    for event in events:
        if EVENT_TYPES.get(getattr(event, "type", "")) is not event.__class__:
            problems.append(Problem(f"event {event.event_id!r}",
                                    f"{type(event).__name__} is not an event type of the log format"))
            continue
        problems += [Problem(f"event {event.event_id!r}", str(p)) for p in field_problems(event)]
    return problems
