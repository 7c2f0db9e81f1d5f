"""Store layer: the embedded SQLite event store (WAL, atomic versioned appends, schema 2).

Schema (schema version 2; the events are those of event format version 1)::

    meta(key TEXT PRIMARY KEY, value TEXT)        -- format = langzeit-events, version = 1,
                                                  -- schema = 2
    events(seq INTEGER PRIMARY KEY,               -- append sequence = the global feed position
           event_id TEXT UNIQUE, participant_id TEXT, type TEXT, date TEXT,
           data TEXT,                             -- type-specific fields as JSON, NULL when none
           stream_version INTEGER)                -- the event's number in its participant's stream
    streams(participant_id TEXT PRIMARY KEY, version INTEGER,
            programme_id TEXT)                    -- of the participant's first referral
    programmes(programme_id TEXT PRIMARY KEY, version INTEGER)
    unique index events_by_stream(participant_id, stream_version)
    triggers refusing UPDATE and DELETE on events (append-only in the database itself)

Schema 1 (no ``stream_version``, programmes or triggers) is migrated in place, in one
transaction, when a file is opened for writing (:data:`SQLITE_SCHEMA_VERSION`); read-only
opens read both. Writers take SQLite's write lock first (``BEGIN IMMEDIATE``), so the
versions are checked and the positions handed out in commit order: a feed reader
(``events_since``) never misses an event. The rules shared with the PostgreSQL store
live in ``langzeit.store._sql``.

Reads ask SQLite for log order (``ORDER BY date, seq``: same-day events keep their append
order) and decode the rows 1,024 at a time with the codec's bulk decoder; ``replay``
folds each chunk while it is still in the CPU cache. Measured (``benchmarks/event_store.py``),
this beats fetching every row first and sorting in Python, and a date index would only slow
the appends.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from langzeit.events import EVENT_FORMAT, EVENT_FORMAT_VERSION
from langzeit.exceptions import Problem, ValidationError
from langzeit.store._common import create_private, display_name, fail, meta_schema
from langzeit.store._sql import COLUMNS, SqlEventStore

__all__ = ["SQLITE_SCHEMA_VERSION", "SqliteEventStore"]

#: The schema version this langzeit writes (files of older versions are migrated when opened).
SQLITE_SCHEMA_VERSION = 2

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
"""  # schema 1; a new file gets it and then the migrations

#: Schema version -> the statements that migrate it to the next version.
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "ALTER TABLE events ADD COLUMN stream_version INTEGER",
        "WITH numbered AS (SELECT seq AS s, row_number() OVER (PARTITION BY participant_id ORDER BY seq)"
        " AS n FROM events) UPDATE events SET stream_version = numbered.n FROM numbered"
        " WHERE numbered.s = events.seq",
        "CREATE UNIQUE INDEX events_by_stream ON events (participant_id, stream_version)",
        "DROP INDEX IF EXISTS events_by_participant",
        "ALTER TABLE streams ADD COLUMN programme_id TEXT",
        "UPDATE streams SET programme_id = (SELECT coalesce(json_extract(e.data, '$.programme_id'), '')"
        " FROM events e WHERE e.participant_id = streams.participant_id AND e.type = 'referred'"
        " ORDER BY e.seq LIMIT 1)",
        "CREATE TABLE programmes (programme_id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID",
        "INSERT INTO programmes SELECT programme_id, sum(version) FROM streams"
        " WHERE programme_id IS NOT NULL GROUP BY programme_id",
        "CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
        " BEGIN SELECT RAISE(ABORT, 'the langzeit event log is append-only'); END",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
        " BEGIN SELECT RAISE(ABORT, 'the langzeit event log is append-only'); END",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema', '2')",
    ),
}

#: The point reads (``SqlEventStore._point``) that a schema-1 file, read-only, answers from its
#: events: it has no programmes table and no programme column in its streams.
_SCHEMA_1_POINT_READS = {
    "programme_version": "SELECT count(*) FROM events WHERE participant_id IN (SELECT participant_id"
    " FROM events e WHERE e.type = 'referred' AND json_extract(e.data, '$.programme_id') = ?)",
    "programme_of": "SELECT coalesce(json_extract(data, '$.programme_id'), '') FROM events"
    " WHERE participant_id = ? AND type = 'referred' ORDER BY seq LIMIT 1",
}


class _Tx:
    """The statements of a write transaction on one SQLite connection."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def rows(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        return [self._conn.execute(sql, params).fetchall() for sql, params in queries]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)


def _begin_soon(conn: sqlite3.Connection, timeout: float) -> None:
    """``BEGIN IMMEDIATE``, asking again every 0.5 ms while another writer holds the file.

    SQLite's own busy handler sleeps 1, 2, 5, 10 … 100 ms between tries, so a writer of a
    second process sleeps through many of the first one's short transactions (a `langzeit
    serve` worker behind the other's groups: command p99 0.6–1.1 s instead of 0.11–0.16 s).
    Gives up after ``timeout`` seconds with SQLite's "database is locked".
    """
    deadline = time.monotonic() + timeout
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0005)
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


@contextlib.contextmanager
def _transaction(conn: sqlite3.Connection, *, savepoint: bool = False,
                 wait: float | None = None) -> Iterator[None]:
    """A write transaction; on failure the original error is raised, never a failed ROLLBACK's.

    SQLite rolls a transaction back by itself after some errors (a full disk); a second
    ``ROLLBACK`` would then fail with "no transaction is active" and hide the cause.
    With ``savepoint``, a batch inside an open transaction: on failure only it is taken back.
    With ``wait`` (seconds), the ``BEGIN IMMEDIATE`` asks for the write lock every 0.5 ms
    (:func:`_begin_soon`) instead of in SQLite's sleeping busy handler.
    """
    start, end, undo = (("SAVEPOINT batch", "RELEASE batch", ("ROLLBACK TO batch", "RELEASE batch"))
                        if savepoint else ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",)))
    if wait is None:
        conn.execute(start)
    else:
        _begin_soon(conn, wait)
    try:
        yield
        conn.execute(end)
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                for statement in undo:
                    conn.execute(statement)
        raise


def _check_group_open(conn: sqlite3.Connection) -> None:
    """Raise when SQLite rolled a group's transaction back by itself after an error."""
    if not conn.in_transaction:
        raise sqlite3.OperationalError("the group's transaction was rolled back after an error; "
                                       "nothing of it was written")


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class SqliteEventStore(SqlEventStore):
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
      :class:`~langzeit.events.SharedEventStore` protocol: programme versions checked
      in the same transaction, and the feed :meth:`events_since`.
    * **Append-only in the database:** triggers refuse ``UPDATE`` and ``DELETE`` of events.
    * **Any thread:** each thread gets its own connection (opened on first use), so
      threads behave like separate processes; :meth:`close` closes them all.
    * **Private:** a new file is created readable by its owner only (0600).
    * **Faults:** when a write fails (a full disk), the original error is raised and
      nothing of the batch is written; committed batches stay.

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
        ...     store.extend([Referred("e1", "p1", date(2024, 1, 8), programme_id="pan"),
        ...                   Admitted("e2", "p1", date(2024, 2, 1))])
        ...     store.version("p1"), store.state("p1").status.value, isinstance(store, EventStore)
        ...     store.programme_version("pan"), store.programme_of("p1"), store.programme_of("p2")
        ...     [(s.position, s.version, s.event.type) for s in store.events_since(1)]
        ...     [e.event_id for e in store.events(participant_id="p1", until=date(2024, 1, 31))]
        2
        (2, 'active', True)
        (2, 'pan', None)
        [(2, 2, 'admitted')]
        ['e1']
        >>> with SqliteEventStore(path) as store:  # a stale writer: nothing is written
        ...     store.extend([Admitted("e3", "p1", date(2024, 3, 1))], expected_versions={"p1": 1})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ConcurrencyConflict: participant 'p1': expected version 1, store has 2; \
nothing was written
    """

    _path: Path
    _synchronous: str
    _timeout: float
    _local: threading.local
    _open: list[sqlite3.Connection]
    _open_lock: threading.Lock

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
            raise ValidationError("invalid store options", [
                Problem("synchronous", f"'FULL' or 'NORMAL', got {synchronous!r}")])
        if not readonly:
            create_private(p)
        self._path = p
        self._readonly = readonly
        self._synchronous = synchronous
        self._timeout = timeout
        self._local = threading.local()
        self._open = []
        self._open_lock = threading.Lock()
        self._schema = SQLITE_SCHEMA_VERSION
        try:
            conn = self._conn
            if readonly:
                self._schema = self._check_meta(self._tables())
            else:
                conn.execute("PRAGMA journal_mode=WAL")
                self._open_schema()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise fail(display_name(path), 0, f"not an event store: {exc}") from None
        except BaseException:
            self.close()
            raise

    @property
    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on its first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            p = self._path
            if self._readonly:
                conn = sqlite3.connect(f"{p.resolve().as_uri()}?mode=ro", uri=True, timeout=self._timeout,
                                       isolation_level=None, check_same_thread=False)
            else:
                conn = sqlite3.connect(p, timeout=self._timeout, isolation_level=None,
                                       check_same_thread=False)
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
            with self._open_lock:
                self._open.append(conn)
            self._local.conn = conn
        return conn

    def _tables(self) -> set[str]:
        return {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}

    def _check_meta(self, tables: set[str]) -> int:
        """The file's schema version; raise unless it holds a store this langzeit reads."""
        file = display_name(self._path)
        missing = sorted({"meta", "events", "streams"} - tables)
        if missing:
            raise fail(file, 0, f"not a {EVENT_FORMAT} store (missing tables: {', '.join(missing)})")
        meta = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        return meta_schema(meta, file, newest=SQLITE_SCHEMA_VERSION, default="1", what="the file")

    def _open_schema(self) -> None:
        """Create the schema in a new file, or migrate an older one, in one write transaction."""
        conn = self._conn
        with _transaction(conn):
            tables = self._tables()
            if not tables:  # a new (or empty) file: schema 1, then the migrations below
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [("format", EVENT_FORMAT), ("version", str(EVENT_FORMAT_VERSION))])
                tables = self._tables()
            schema = self._check_meta(tables)
            while schema < SQLITE_SCHEMA_VERSION:
                for statement in _MIGRATIONS[schema]:
                    conn.execute(statement)
                schema = self._check_meta(self._tables())

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def close(self) -> None:
        """Close every thread's connection (committed events are already on disk)."""
        with self._open_lock:
            conns, self._open = self._open, []
        for conn in conns:
            conn.close()
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"<SqliteEventStore {display_name(self._path)!r}>"

    # -- the backend --------------------------------------------------------------------------

    def _name(self) -> str:
        return display_name(self._path)

    def _rows(
        self, sql: str, params: Sequence[Any] = (), *, stream: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        # a cursor: SQLite steps through the rows as they are read; a damaged file shows only then
        try:
            yield from self._conn.execute(sql, params)
        except sqlite3.DatabaseError as exc:
            if type(exc) is sqlite3.DatabaseError or "decode" in str(exc):  # malformed pages, bad text
                reason = f"a damaged SQLite file ({exc}); restore it from a backup"
                raise fail(self._name(), 0, reason) from None
            raise  # locked, busy, a constraint: not the file's damage

    @contextlib.contextmanager
    def _writing(self, programmes: Sequence[str] = ()) -> Iterator[_Tx]:
        conn = self._conn  # one write lock for the file: programmes need no locks of their own
        if getattr(self._local, "group", False):  # inside transaction(): the batch is a savepoint
            _check_group_open(conn)  # no batch on its own after SQLite gave the group up
            with _transaction(conn, savepoint=True):
                yield _Tx(conn)
            return
        with _transaction(conn):
            yield _Tx(conn)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction that this thread's appends join, each batch as a savepoint.

        Group commit: the batches appended inside it are checked (versions, ids) and
        written one by one — a refused batch takes back only itself — and committed
        together at the end, with **one** flush of the log for all of them. Nothing of
        them is committed (nor visible to other connections) before the end: a caller
        answers its writers only after the ``with`` block. The write lock of the file is
        held throughout, so no other writer appends meanwhile. If the commit fails (or
        SQLite gave up the transaction after an error), none of the batches is written
        and the error is raised.

        Raises:
            PermissionError: the store was opened read-only.

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> from langzeit.exceptions import ConcurrencyConflict
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "g.sqlite") as store:
            ...     with store.transaction():
            ...         store.extend([Referred("e1", "p1", date(2024, 1, 8))], expected_versions={"p1": 0})
            ...         stale = [Referred("e2", "p1", date(2024, 1, 9))]
            ...         try:  # a stale batch is refused alone
            ...             store.extend(stale, expected_versions={"p1": 0})
            ...         except ConcurrencyConflict:
            ...             pass
            ...         store.extend([Referred("e3", "p2", date(2024, 1, 8))])
            ...     [e.event_id for e in store.events()]
            1
            1
            ['e1', 'e3']
        """
        if self._readonly:
            raise PermissionError(f"{self._name()}: event store opened read-only")
        if getattr(self._local, "group", False):  # nested: the outer one commits
            yield
            return
        conn = self._conn
        self._local.group = True
        try:
            with _transaction(conn, wait=self._timeout):
                yield
                _check_group_open(conn)
        finally:
            self._local.group = False

    def _any(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} IN ({','.join('?' * len(values))})", list(values)

    # -- schema 1, read-only: what its tables do not hold, computed -----------------------------

    def _feed_sql(self) -> str:
        if self._schema >= 2:
            return super()._feed_sql()
        return (f"SELECT * FROM (SELECT {COLUMNS}, row_number() OVER (PARTITION BY participant_id "
                "ORDER BY seq) FROM events) WHERE seq > ? ORDER BY seq")

    def _point_sql(self, read: str) -> str:
        if self._schema >= 2 or read not in _SCHEMA_1_POINT_READS:
            return super()._point_sql(read)
        return _SCHEMA_1_POINT_READS[read]
