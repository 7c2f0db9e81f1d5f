"""Store layer: the embedded SQLite event store (WAL, atomic versioned appends).

Schema (format version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)        -- format = langzeit-events, version = 1
    events(seq INTEGER PRIMARY KEY,               -- append sequence
           event_id TEXT UNIQUE, participant_id TEXT, type TEXT, date TEXT,
           data TEXT)                             -- type-specific fields as JSON, NULL when none
    streams(participant_id TEXT PRIMARY KEY, version INTEGER)
    index events_by_participant(participant_id)

Reads ask SQLite for log order (``ORDER BY date, seq``: same-day events keep their append
order) and decode the rows 1,024 at a time with the codec's bulk decoder; :meth:`replay`
folds each chunk while it is still in the CPU cache. Measured (``benchmarks/event_store.py``),
this beats fetching every row first and sorting in Python, and a date index would only slow
the appends. ``data`` holds the record of :func:`langzeit.events.event_to_record` without the
base columns, so every store format shares the one codec.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import attrs

from langzeit._gc import collector_paused
from langzeit.events import (
    BASE_FIELDS,
    EVENT_FORMAT,
    EVENT_FORMAT_VERSION,
    Event,
    EventLog,
    ParticipantState,
    RowDecoder,
    event_to_record,
    replay,
)
from langzeit.exceptions import (
    ConcurrencyConflict,
    DataFormatError,
    Problem,
    RowProblem,
    UnknownNameError,
    ValidationError,
)
from langzeit.store._common import RawItem, display_name, fail

__all__ = ["SqliteEventStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    participant_id TEXT NOT NULL,
    type TEXT NOT NULL,
    date TEXT NOT NULL,
    data TEXT
);
CREATE INDEX IF NOT EXISTS events_by_participant ON events (participant_id);
CREATE TABLE IF NOT EXISTS streams (
    participant_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;
"""
_COLUMNS = "seq, event_id, participant_id, type, date, data"
_INSERT = "INSERT INTO events (event_id, participant_id, type, date, data) VALUES (?, ?, ?, ?, ?)"
_BUMP = ("INSERT INTO streams (participant_id, version) VALUES (?, ?) "
         "ON CONFLICT (participant_id) DO UPDATE SET version = version + excluded.version")
_CHUNK = 500  # ids per IN (...) lookup, below SQLite's variable limit
_CACHE_LIMIT = 4096  # distinct JSON payloads decoded once per read
_N_BASE = len(BASE_FIELDS)
_BASE = frozenset(BASE_FIELDS)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # built once, not per row
_READ_CHUNK = 1024  # rows decoded (and folded) at a time: small enough to stay in the CPU cache


#: Pause the cyclic collector while many acyclic event objects are decoded (measured in
#: ``benchmarks/event_store.py``: about 40 % faster replay); survivors are promoted on exit.
_bulk = collector_paused


def _row_of(event: Event) -> tuple[str, str, str, str, str | None]:
    record = event_to_record(event)
    fields = dict(list(record.items())[_N_BASE:])
    data = _ENCODE(fields) if fields else None
    return event.event_id, event.participant_id, event.type, record["date"], data


def _payload(data: str, cache: dict[str, dict[str, Any]]) -> dict[str, Any] | str:
    """The type-specific fields of a stored ``data`` text, or why they cannot be read.

    Each distinct text is parsed once per read (payloads repeat: phases, reasons, outcomes).
    """
    fields = cache.get(data)
    if fields is not None:
        return fields
    try:
        fields = json.loads(data)
    except (json.JSONDecodeError, TypeError) as exc:
        return f"data: malformed JSON: {exc}"
    if not isinstance(fields, dict):
        return "data: expected a JSON object"
    clash = sorted(_BASE & fields.keys())
    if clash:  # would silently replace a column's value
        return f"data: holds base fields {clash}"
    if len(cache) < _CACHE_LIMIT:
        cache[data] = fields
    return fields


def _decode_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
    """``(seq, raw text, record or reason)`` for stored rows (the lenient readers' input)."""
    cache: dict[str, dict[str, Any]] = {}
    for seq, event_id, participant_id, type_name, day, data in rows:
        record = {"event_id": event_id, "participant_id": participant_id, "type": type_name,
                  "date": day}
        if data is not None:
            fields = _payload(data, cache)
            if isinstance(fields, str):
                yield seq, str(data), fields
                continue
            record.update(fields)
        yield seq, data or "", record


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class SqliteEventStore:
    """The embedded event store: one SQLite file, safe for several writers.

    * **Durable:** WAL journal; ``synchronous="FULL"`` (default) syncs the log on
      every commit, so a committed batch survives a killed process *and* a power
      loss; ``"NORMAL"`` survives a killed process (SQLite's WAL guarantee) and may
      lose the last commits on power loss, in exchange for fewer fsyncs.
    * **Atomic, versioned batches:** :meth:`extend` runs in one ``BEGIN IMMEDIATE``
      transaction: the expected versions are checked under the write lock, so a stale
      writer gets :class:`~langzeit.exceptions.ConcurrencyConflict` and nothing of its
      batch is written.
    * **Idempotent by** ``event_id`` and **ordered** by date, then append sequence,
      exactly like :class:`~langzeit.events.EventLog`; it satisfies the
      :class:`~langzeit.events.EventStore` protocol.

    Args:
        path: the database file (created with its schema when missing).
        create: create the file if it does not exist (otherwise FileNotFoundError).
        readonly: open for reading only (the file must exist; appends raise
            PermissionError); readers and ``langzeit validate`` use it.
        synchronous: ``"FULL"`` or ``"NORMAL"``, see above.
        timeout: seconds to wait for another writer's lock.

    Raises:
        DataFormatError: the file is not a langzeit event store of a supported version.
        FileNotFoundError: ``create`` is False or ``readonly`` is True and the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, EventStore
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.sqlite"
        >>> with SqliteEventStore(path) as store:
        ...     store.extend([Referred("e1", "p1", date(2024, 1, 8)),
        ...                   Admitted("e2", "p1", date(2024, 2, 1))])
        ...     store.version("p1"), store.state("p1").status.value, isinstance(store, EventStore)
        2
        (2, 'active', True)
    """

    _path: Path
    _conn: sqlite3.Connection
    _readonly: bool

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        create: bool = True,
        readonly: bool = False,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        timeout: float = 30.0,
    ) -> None:
        p = Path(path)
        if (readonly or not create) and not p.exists():
            raise FileNotFoundError(f"no event store at {display_name(path)}")
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be 'FULL' or 'NORMAL', got {synchronous!r}")
        if readonly:
            conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=timeout,
                                   isolation_level=None)
        else:
            conn = sqlite3.connect(p, timeout=timeout, isolation_level=None)
        try:
            self._path = p
            self._conn = conn
            self._readonly = readonly
            if readonly:
                self._check_meta(self._tables())
            else:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA synchronous={synchronous}")
                self._open_schema()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise fail(display_name(path), 0, f"not an event store: {exc}") from None
        except BaseException:
            conn.close()
            raise

    def _tables(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _check_meta(self, tables: set[str]) -> None:
        """Raise unless the file holds a store of the supported format and version."""
        file = display_name(self._path)
        missing = sorted({"meta", "events", "streams"} - tables)
        if missing:
            raise fail(file, 0, f"not a {EVENT_FORMAT} store (missing tables: {', '.join(missing)})")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != EVENT_FORMAT:
            raise fail(file, 0, f"not a {EVENT_FORMAT} store (format {meta.get('format')!r})")
        if meta.get("version") != str(EVENT_FORMAT_VERSION):
            raise fail(file, 0, f"unsupported version {meta.get('version')!r} "
                                f"(this langzeit reads version {EVENT_FORMAT_VERSION})")

    def _open_schema(self) -> None:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = self._tables()
            if not tables:  # a new (or empty) file: create the schema
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [("format", EVENT_FORMAT), ("version", str(EVENT_FORMAT_VERSION))])
                tables = self._tables()
            self._check_meta(tables)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def close(self) -> None:
        """Close the connection (committed events are already on disk)."""
        self._conn.close()

    def __enter__(self) -> SqliteEventStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<SqliteEventStore {display_name(self._path)!r}>"

    # -- writing ------------------------------------------------------------------------------

    def append(self, event: Event, *, expected_version: int | None = None) -> bool:
        """Append one event; see :meth:`extend`.

        Args:
            event: the event.
            expected_version: the participant's version the writer expects.

        Returns:
            True if appended, False if the same event was already stored.

        Raises:
            ValidationError: a different event with the same id is stored.
            ConcurrencyConflict: the participant's version is not ``expected_version``.
        """
        versions = None if expected_version is None else {event.participant_id: expected_version}
        return self.extend([event], expected_versions=versions) == 1

    def extend(
        self, events: Iterable[Event], *, expected_versions: Mapping[str, int] | None = None
    ) -> int:
        """Append a batch atomically: all new events, or none when any check fails.

        Args:
            events: the events, in order.
            expected_versions: per participant, the version (number of stored events)
                the writer expects; checked inside the write transaction.

        Returns:
            How many events were new (events already stored are skipped).

        Raises:
            ValidationError: every event whose id is taken by different content, or
                that is not an :class:`~langzeit.events.Event`.
            ConcurrencyConflict: a participant's version differs from the expected one.
            PermissionError: the store was opened read-only.

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> store = SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite")
            >>> store.extend([Referred("e1", "p1", date(2024, 1, 8))], expected_versions={"p1": 0})
            1
            >>> store.extend([Referred("e2", "p1", date(2024, 1, 9))], expected_versions={"p1": 0})
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ConcurrencyConflict: participant 'p1': expected version 0, \
store has 1; nothing was written
            >>> store.close()
        """
        if self._readonly:
            raise PermissionError(f"{display_name(self._path)}: event store opened read-only")
        items = list(events)
        refused: list[Problem | RowProblem] = []
        try:  # the batch checked on its own exactly as the in-memory log checks it
            checked = list(EventLog(items))
        except ValidationError as exc:
            refused = list(exc.problems)
            firsts: dict[str, Event] = {}
            for item in items:
                if isinstance(item, Event):
                    firsts.setdefault(item.event_id, item)
            checked = list(firsts.values())
        with _bulk():
            rows = [] if refused else [_row_of(e) for e in checked]
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for pid, expected in (expected_versions or {}).items():
                actual = self._version(pid)
                if actual != expected:
                    raise ConcurrencyConflict(pid, expected, actual)
            if refused:  # every problem at once: the batch's own and clashes with the store
                raise ValidationError("event batch refused", [*refused, *self._clashes(checked)[1]])
            conn.execute("SAVEPOINT batch")
            try:
                conn.executemany(_INSERT, rows)
            except sqlite3.IntegrityError:  # some ids are stored already: the careful path
                conn.execute("ROLLBACK TO batch")
                stored, clashes = self._clashes(checked)
                if clashes:
                    raise ValidationError("event batch refused", clashes) from None
                rows = [row for row in rows if row[0] not in stored]
                conn.executemany(_INSERT, rows)
            conn.execute("RELEASE batch")
            conn.executemany(_BUMP, Counter(r[1] for r in rows).items())
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(rows)

    def _clashes(self, events: list[Event]) -> tuple[set[str], list[Problem]]:
        """The ids of ``events`` already stored, and a problem for each stored with other content."""
        ids = [e.event_id for e in events]
        stored: dict[str, Event] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            cursor = self._conn.execute(
                f"SELECT {_COLUMNS} FROM events WHERE event_id IN ({','.join('?' * len(chunk))})", chunk
            )
            stored.update((e.event_id, e) for e in self._decode(cursor))
        clashes = [Problem(f"event {e.event_id!r}", "id already in the log with different content")
                   for e in events if e.event_id in stored and stored[e.event_id] != e]
        return set(stored), clashes

    # -- reading ------------------------------------------------------------------------------

    def _decode(self, rows: Iterable[tuple[Any, ...]]) -> list[Event]:
        """Stored rows to events by the codec's bulk decoder; every bad row is reported."""
        return list(itertools.chain.from_iterable(self._chunks(rows)))

    def _chunks(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[list[Event]]:
        """Decode rows a chunk at a time (a fold then uses each chunk while it is in the CPU cache).

        Every bad row is reported, all at once, after the last chunk: a caller folding the
        chunks as they come gets the error instead of a result.
        """
        cache: dict[str, dict[str, Any]] = {}
        decode = RowDecoder(lambda data: _payload(data, cache))
        problems: list[RowProblem] = []
        file = display_name(self._path)
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, _READ_CHUNK)):
            events, bad = decode(chunk)
            if bad:
                text = {row[0]: "" if row[5] is None else str(row[5]) for row in chunk}
                problems += [RowProblem(file, seq, reason, text[seq]) for seq, reason in bad]
            yield events
        if problems:
            problems.sort(key=lambda p: p.line)
            raise DataFormatError(f"{file}: stored events cannot be read", problems)

    def raw_rows(self) -> Iterator[RawItem]:
        """Every stored row as ``(seq, raw text, record or reason)``, in append order (for readers)."""
        cursor = self._conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")
        for seq, text, record in _decode_rows(cursor):
            yield seq, text if isinstance(record, str) else json.dumps(record, ensure_ascii=False), record

    def events(self, *, participant_id: str | None = None, until: date | None = None) -> list[Event]:
        """Events in log order: by date, ties in append order.

        Args:
            participant_id: only this participant's events.
            until: only events dated on or before this day.

        Returns:
            A new list of events.

        Raises:
            DataFormatError: stored rows that cannot be decoded (every one listed).

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     _ = store.extend([Referred("e2", "p1", date(2024, 3, 1)),
            ...                       Referred("e1", "p2", date(2024, 1, 8))])
            ...     [e.event_id for e in store.events()]
            ['e1', 'e2']
        """
        with _bulk():
            return list(itertools.chain.from_iterable(self._read(participant_id, until)))

    def _read(self, participant_id: str | None, until: date | None) -> Iterator[list[Event]]:
        """The events of :meth:`events` in log order (date, then append order), a chunk at a time."""
        where: list[str] = []
        params: list[str] = []
        if participant_id is not None:
            where.append("participant_id = ?")
            params.append(participant_id)
        if until is not None:
            where.append("date <= ?")
            params.append(until.isoformat())
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        cursor = self._conn.execute(f"SELECT {_COLUMNS} FROM events{clause} ORDER BY date, seq", params)
        return self._chunks(cursor)

    def iter_events(self) -> Iterator[Event]:
        """Stream every event in log order (by date, then append order), a chunk at a time.

        Unlike :meth:`events`, nothing but the current chunk is held in memory: a reader
        that folds or converts the events as they come (for example into
        ``langzeit.indicators.EventColumns``) handles logs larger than memory would hold
        as an :class:`~langzeit.events.EventLog`. Bad stored rows are reported, all at once,
        after the last chunk.

        Raises:
            DataFormatError: stored rows that cannot be decoded (every one listed).

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     _ = store.extend([Referred("e2", "p1", date(2024, 3, 1)),
            ...                       Referred("e1", "p2", date(2024, 1, 8))])
            ...     [e.event_id for e in store.iter_events()]
            ['e1', 'e2']
        """
        with _bulk():
            for chunk in self._read(None, None):
                yield from chunk

    def __iter__(self) -> Iterator[Event]:
        """Events in append order (the order :meth:`to_log` keeps)."""
        with _bulk():
            return iter(self._decode(self._conn.execute(f"SELECT {_COLUMNS} FROM events ORDER BY seq")))

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def __contains__(self, event_id: object) -> bool:
        if not isinstance(event_id, str):
            return False
        row = self._conn.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone()
        return row is not None

    def _version(self, participant_id: str) -> int:
        row = self._conn.execute("SELECT version FROM streams WHERE participant_id = ?",
                                 (participant_id,)).fetchone()
        return 0 if row is None else int(row[0])

    def version(self, participant_id: str) -> int:
        """The participant's stream version: the number of their events (0 if none).

        Examples:
            >>> import tempfile, pathlib
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     store.version("nobody")
            0
        """
        return self._version(participant_id)

    @property
    def participants(self) -> tuple[str, ...]:
        """Participant ids in order of their first stored event."""
        rows = self._conn.execute(
            "SELECT participant_id FROM events GROUP BY participant_id ORDER BY min(seq)"
        )
        return tuple(r[0] for r in rows)

    def to_log(self) -> EventLog:
        """All stored events as an in-memory :class:`~langzeit.events.EventLog` (append order).

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     _ = store.extend([Referred("e1", "p1", date(2024, 1, 8))])
            ...     store.to_log()
            <EventLog: 1 events, 1 participants>
        """
        return EventLog(self)

    def replay(self, *, as_of: date | None = None) -> dict[str, ParticipantState]:
        """Every participant's state at ``as_of`` (all events when None), by :func:`langzeit.events.replay`.

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred, Declined
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     _ = store.extend([Referred("e1", "p1", date(2024, 1, 8)),
            ...                       Declined("e2", "p1", date(2024, 1, 20))])
            ...     store.replay(as_of=date(2024, 1, 10))["p1"].status.value
            'referred'
        """
        with _bulk():  # each chunk is folded while it is fresh; a bad row raises after the last chunk
            return replay(itertools.chain.from_iterable(self._read(None, as_of)), as_of=as_of)

    def state(self, participant_id: str, *, as_of: date | None = None) -> ParticipantState:
        """One participant's state at ``as_of``.

        Raises:
            UnknownNameError: the participant has no events (up to ``as_of``).

        Examples:
            >>> import tempfile, pathlib
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     store.state("p9")
            Traceback (most recent call last):
            ...
            langzeit.exceptions.UnknownNameError: unknown participant 'p9'
        """
        states = replay(self.events(participant_id=participant_id, until=as_of), as_of=as_of)
        if participant_id not in states:
            raise UnknownNameError("participant", participant_id)
        return states[participant_id]
