"""Service layer: the append-only access log — who read whose personal data, when and why.

Every response of the service that discloses personal data (a participant's state,
deadlines, the waiting list, the feed, this log itself) is written here **before** it
is sent; if the write fails, the data are not sent (fail closed). One row per
participant disclosed::

    access_log(seq     integer PRIMARY KEY,   -- order of writing
               at      text NOT NULL,         -- UTC time, ISO 8601 (the wall clock: an audit
                                              -- records when the read happened, not model time)
               who     text NOT NULL,         -- the token's name
               role    text NOT NULL,
               action  text NOT NULL,         -- e.g. "GET /programmes/pan/participants/{id}"
               programme_id   text,
               participant_id text,           -- NULL: the read disclosed no participant
               purpose text NOT NULL)         -- the stated purpose (Langzeit-Purpose header)
    triggers refusing UPDATE and DELETE (and TRUNCATE on PostgreSQL)

The SQLite log is its own file (WAL, ``synchronous=FULL``, created 0600); the
PostgreSQL log is a table in its own schema of the store's database. Appends of one
process that arrive together are written in **one** transaction (group commit,
``langzeit.service._group.GroupCommit``): each caller still returns only after the
transaction holding its records has committed (on SQLite: after the WAL's fsync), so no
answer leaves before its record is durable; the requests share the flush instead of
queueing for one each (and the threads no longer wait for each other's write lock in
SQLite's sleeping busy handler). As with the event store, run the service as a database
role granted only ``SELECT`` and ``INSERT`` on it, so that even dropping the triggers is
impossible.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from langzeit.exceptions import Problem, ValidationError
from langzeit.service._group import GroupCommit
from langzeit.store._sqlite import _transaction  # the event store's: safe ROLLBACK, polled BEGIN

__all__ = ["AccessLog", "AccessRecord", "PostgresAccessLog", "SqliteAccessLog"]

_SQLITE_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS access_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL,"
    " who TEXT NOT NULL, role TEXT NOT NULL, action TEXT NOT NULL, programme_id TEXT,"
    " participant_id TEXT, purpose TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_by_participant ON access_log (participant_id)",
    "CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log"
    " BEGIN SELECT RAISE(ABORT, 'the langzeit access log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log"
    " BEGIN SELECT RAISE(ABORT, 'the langzeit access log is append-only'); END",
)
_PG_SCHEMA = (
    "CREATE SCHEMA IF NOT EXISTS {s}",
    "CREATE TABLE IF NOT EXISTS {s}.access_log (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    " at text NOT NULL, who text NOT NULL, role text NOT NULL, action text NOT NULL,"
    " programme_id text, participant_id text, purpose text NOT NULL)",
    "CREATE INDEX IF NOT EXISTS access_by_participant ON {s}.access_log (participant_id)",
    "CREATE OR REPLACE FUNCTION {s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " RAISE EXCEPTION 'the langzeit access log is append-only (% refused)', TG_OP"
    " USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE OR REPLACE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON {s}.access_log"
    " FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change()",
    "CREATE OR REPLACE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON {s}.access_log"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON {s}.access_log FROM PUBLIC",
)
_COLUMNS = "at, who, role, action, programme_id, participant_id, purpose"
#: The advisory lock (one-key form: never clashes with the event store's two-key locks) held
#: while the table is created, so that workers starting together do not race.
_CREATE_LOCK = 0x4C5A_0019_ACCE55
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@attrs.frozen
class AccessRecord:
    """One read of personal data: when, who (token name and role), what, whose, why.

    Args:
        at: the UTC time of the read, ISO 8601.
        who: the token's name.
        role: the token's role.
        action: the request, e.g. ``"GET /programmes/pan/participants/{id}"``.
        programme_id: the programme read (None: several or none).
        participant_id: the participant disclosed (None: none was).
        purpose: the purpose stated with the request.
        seq: the record's number in the log (0 before it is written).

    Examples:
        >>> r = AccessRecord("2026-12-02T10:00:00Z", "fm-1", "caseworker", "GET /x", "pan", "p1", "Beratung")
        >>> r.to_dict()["participant_id"]
        'p1'
    """

    at: str
    who: str
    role: str
    action: str
    programme_id: str | None
    participant_id: str | None
    purpose: str
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The record as a JSON-ready dict."""
        return attrs.asdict(self)

    def _row(self) -> tuple[Any, ...]:
        return (self.at, self.who, self.role, self.action, self.programme_id, self.participant_id,
                self.purpose)


class AccessLog(Protocol):
    """What the service needs of an access log: append records, read them back in order.

    Examples:
        >>> import tempfile, pathlib
        >>> log: AccessLog = SqliteAccessLog(pathlib.Path(tempfile.mkdtemp()) / "a.sqlite")
        >>> log.append([]), log.records()
        (0, [])
    """

    def append(self, records: Sequence[AccessRecord]) -> int:
        """Write ``records`` in one transaction; returns how many were written."""
        ...  # pragma: no cover

    async def append_async(self, records: Sequence[AccessRecord]) -> int:
        """:meth:`append`, awaited in the running event loop (no thread waits for the commit)."""
        ...  # pragma: no cover

    def records(self, *, since: int = 0, limit: int | None = None,
                participant_id: str | None = None) -> list[AccessRecord]:
        """The records after number ``since``, oldest first (only one participant's if given)."""
        ...  # pragma: no cover

    def close(self) -> None:
        """Release the connections."""
        ...  # pragma: no cover


def _all_at_once(insert: Callable[[list[AccessRecord]], None],
                 ) -> Callable[[list[Sequence[AccessRecord]]], list[int]]:
    """The callers' record lists written by ``insert`` in one transaction; each learns its count."""
    def run(batches: list[Sequence[AccessRecord]]) -> list[int]:
        insert([r for batch in batches for r in batch])
        return [len(batch) for batch in batches]
    return run


def _query(table: str, since: int, limit: int | None, participant_id: str | None, mark: str,
           ) -> tuple[str, list[Any]]:
    sql = f"SELECT {_COLUMNS}, seq FROM {table} WHERE seq > {mark}"
    params: list[Any] = [since]
    if participant_id is not None:
        sql += f" AND participant_id = {mark}"
        params.append(participant_id)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += f" LIMIT {mark}"
        params.append(limit)
    return sql, params


@attrs.define(eq=False, init=False)
class SqliteAccessLog:
    """The access log in its own SQLite file (WAL, fsync on commit, readable by its owner only).

    Args:
        path: the file (created with its table and triggers when missing).
        timeout: seconds to wait for another writer's lock.

    Examples:
        >>> import tempfile, pathlib, sqlite3
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "access.sqlite"
        >>> log = SqliteAccessLog(path)
        >>> log.append([AccessRecord("2026-12-02T10:00:00Z", "fm-1", "caseworker", "GET /x", "pan", "p1",
        ...                          "Beratung")])
        1
        >>> [(r.seq, r.who, r.participant_id) for r in log.records()]
        [(1, 'fm-1', 'p1')]
        >>> with sqlite3.connect(path) as db:
        ...     db.execute("DELETE FROM access_log")
        Traceback (most recent call last):
        ...
        sqlite3.IntegrityError: the langzeit access log is append-only
        >>> log.close()
    """

    _path: Path
    _timeout: float
    _local: threading.local
    _open: list[sqlite3.Connection]
    _lock: threading.Lock
    _group: GroupCommit[Sequence[AccessRecord], int]

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 30.0) -> None:
        self._path = Path(path)
        self._timeout = timeout
        self._local = threading.local()
        self._open = []
        self._lock = threading.Lock()
        self._group = GroupCommit(_all_at_once(self._insert), name="langzeit-access-log")
        if not self._path.exists():
            fd = os.open(self._path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        conn = self._conn
        conn.execute("PRAGMA journal_mode=WAL")
        with _transaction(conn):
            for statement in _SQLITE_SCHEMA:
                conn.execute(statement)

    @property
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=self._timeout, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
            with self._lock:
                self._open.append(conn)
        return conn

    @property
    def path(self) -> Path:
        """The log's file."""
        return self._path

    def append(self, records: Sequence[AccessRecord]) -> int:
        """Write ``records`` in one transaction (with others' arriving meanwhile); returns how many."""
        return self._group.submit(records) if records else 0

    async def append_async(self, records: Sequence[AccessRecord]) -> int:
        """:meth:`append`, awaited in the running event loop (no thread waits for the commit)."""
        return await self._group.submit_async(records) if records else 0

    def _insert(self, records: list[AccessRecord]) -> None:
        conn = self._conn
        with _transaction(conn, wait=self._timeout):
            conn.executemany(f"INSERT INTO access_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [r._row() for r in records])

    def records(self, *, since: int = 0, limit: int | None = None,
                participant_id: str | None = None) -> list[AccessRecord]:
        """The records after number ``since``, oldest first (only one participant's if given)."""
        sql, params = _query("access_log", since, limit, participant_id, "?")
        return [AccessRecord(*row) for row in self._conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        """Write the records queued so far, then close every thread's connection."""
        self._group.close()
        with self._lock:
            for conn in self._open:
                conn.close()
            self._open.clear()
        self._local = threading.local()


@attrs.define(eq=False, init=False)
class PostgresAccessLog:
    """The access log as a table in its own schema of a PostgreSQL database (extra ``postgres``).

    Args:
        conninfo: a libpq connection string.
        schema: the schema of the table (created when missing).
        max_size: connections the pool opens at most.

    Raises:
        ValidationError: ``schema`` is not a plain lower-case SQL name.

    Examples:
        Needs a server (``tests/service`` runs it against a real one):

        >>> log = PostgresAccessLog("host=db.example dbname=jc", schema="langzeit_access")  # doctest: +SKIP
        >>> log.append([AccessRecord("2026-12-02T10:00:00Z", "a", "administrator", "GET /feed", None,
        ...                          "p1", "Prüfung")])  # doctest: +SKIP
        1
    """

    _pool: Any
    _table: str
    _group: GroupCommit[Sequence[AccessRecord], int]

    def __init__(self, conninfo: str, *, schema: str = "langzeit_access", max_size: int = 4) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValidationError("invalid access log options", [Problem(
                "schema", f"a lower-case SQL name (letters, digits, _; at most 63), got {schema!r}")])
        import psycopg_pool  # the postgres extra; the store has already checked it is installed

        self._table = f'"{schema}".access_log'
        self._group = GroupCommit(_all_at_once(self._insert), name="langzeit-access-log")
        self._pool = psycopg_pool.ConnectionPool(conninfo, min_size=1, max_size=max_size,
                                                 kwargs={"autocommit": True}, open=True)
        try:
            with self._pool.connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_CREATE_LOCK,))  # one creator at a time
                for statement in _PG_SCHEMA:
                    conn.execute(statement.replace("{s}", f'"{schema}"'))
        except BaseException:
            self._pool.close()
            raise

    def append(self, records: Sequence[AccessRecord]) -> int:
        """Write ``records`` in one transaction (with others' arriving meanwhile); returns how many."""
        return self._group.submit(records) if records else 0

    async def append_async(self, records: Sequence[AccessRecord]) -> int:
        """:meth:`append`, awaited in the running event loop (no thread waits for the commit)."""
        return await self._group.submit_async(records) if records else 0

    def _insert(self, records: list[AccessRecord]) -> None:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                            [r._row() for r in records])

    def records(self, *, since: int = 0, limit: int | None = None,
                participant_id: str | None = None) -> list[AccessRecord]:
        """The records after number ``since``, oldest first (only one participant's if given)."""
        sql, params = _query(self._table, since, limit, participant_id, "%s")
        with self._pool.connection() as conn:
            return [AccessRecord(*row) for row in conn.execute(sql, params).fetchall()]

    def close(self) -> None:
        """Write the records queued so far, then close the pool."""
        self._group.close()
        self._pool.close()
