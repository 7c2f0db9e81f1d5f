"""Store layer: the PostgreSQL event store (psycopg 3 with a connection pool), exactly like SQLite's.

Needs the ``postgres`` extra (``pip install 'langzeit[postgres]'``: psycopg 3 and
psycopg_pool). The tables live in their own PostgreSQL schema (default ``langzeit``)::

    meta(key text PRIMARY KEY, value text)        -- format = langzeit-events, version = 1,
                                                  -- schema = 2
    events(seq bigint identity PRIMARY KEY,       -- the global feed position
           event_id text UNIQUE, participant_id text, type text, date text,
           data text,                             -- type-specific fields as JSON text, NULL when none
           stream_version integer,                -- the event's number in its participant's stream
           UNIQUE (participant_id, stream_version))
    streams(participant_id text PRIMARY KEY, version integer, programme_id text)
    programmes(programme_id text PRIMARY KEY, version bigint)
    triggers refusing UPDATE, DELETE and TRUNCATE on events
    append(batch json, xv json, gv json)          -- schema 2: one append in one call

Columns, JSON and rules are those of the SQLite store (``langzeit.store._sql``): the one
codec writes and reads every row. Every append runs in one transaction that first
takes a transaction-level advisory lock of the store: the versions are compared under
it, and positions are handed out in commit order, so :meth:`PostgresEventStore.events_since`
never skips an event that commits late. An append of new events is **one call** of the
schema's ``append`` function (one round trip; psycopg prepares it on each pooled
connection): under the lock it compares the expected participant and programme
versions, and writes the batch and the new versions in one statement. Only when ids of
the batch are stored already does the store take the general path of
:class:`~langzeit.store._sql.SqlEventStore` (lookups, then the writes and ``COMMIT``,
pipelined into two round trips), which compares their content. Readers take no lock.

Schema versions are kept in ``meta``; :data:`POSTGRES_SCHEMA_VERSION` is what this
langzeit writes, and older schemas are migrated in one transaction when a store is
opened for writing (under an advisory lock, so that processes starting together do
not migrate twice); a store opened read-only reads every schema from 1 on.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from langzeit.events import EVENT_FORMAT, EVENT_FORMAT_VERSION, Event, Referred, StoredEvent
from langzeit.exceptions import ConcurrencyConflict, Problem, ValidationError
from langzeit.store._common import fail, meta_schema
from langzeit.store._sql import _ENCODE, SqlEventStore, bulk

if TYPE_CHECKING:  # pragma: no cover
    import psycopg
    from psycopg_pool import ConnectionPool

__all__ = ["POSTGRES_SCHEMA_VERSION", "PostgresEventStore"]

#: The schema version this langzeit writes (older ones are migrated when a store is opened).
POSTGRES_SCHEMA_VERSION = 3
_LOCK_CLASS = 0x4C5A  # "LZ": the first key of langzeit's advisory locks (the second: the schema)
_PROGRAMME_LOCK_CLASS = 0x4C5B  # a programme's lock; the second key: hashtext('<schema>/<programme>')

_APPEND = (
    "CREATE FUNCTION {s}.append(batch json, xv json, gv json)"
    " RETURNS TABLE (kind text, key text, expected bigint, actual bigint)"
    " LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$ BEGIN"
    " PERFORM pg_advisory_xact_lock({lock});"
    " RETURN QUERY"
    "  SELECT 'participant', x->>0, (x->>1)::bigint, coalesce(t.version, 0)::bigint"
    "  FROM json_array_elements(xv) AS x LEFT JOIN LATERAL (SELECT version FROM {s}.streams"
    "  WHERE participant_id = x->>0 LIMIT 1) t ON true WHERE coalesce(t.version, 0) <> (x->>1)::integer"
    "  UNION ALL SELECT 'programme', x->>0, (x->>1)::bigint, coalesce(g.version, 0)"
    "  FROM json_array_elements(gv) AS x LEFT JOIN LATERAL (SELECT version FROM {s}.programmes"
    "  WHERE programme_id = x->>0 LIMIT 1) g ON true WHERE coalesce(g.version, 0) <> (x->>1)::bigint"
    "  UNION ALL SELECT 'stored', e.event_id, NULL, NULL FROM json_array_elements(batch) AS b"
    "  JOIN LATERAL (SELECT event_id FROM {s}.events WHERE event_id = b->>0 LIMIT 1) e ON true;"
    " IF FOUND THEN RETURN; END IF;"
    " WITH b AS (SELECT q.b->>0 AS id, q.b->>1 AS pid, q.b->>2 AS typ, q.b->>3 AS day,"
    "  q.b->>4 AS data, q.b->>5 AS ref, q.n FROM json_array_elements(batch) WITH ORDINALITY AS q(b, n)),"
    " numbered AS (SELECT b.*, coalesce(t.version, 0) AS v0, t.programme_id AS p0,"
    "  row_number() OVER (PARTITION BY b.pid ORDER BY b.n) AS k"
    "  FROM b LEFT JOIN LATERAL (SELECT version, programme_id FROM {s}.streams"
    "  WHERE participant_id = b.pid LIMIT 1) t ON true),"
    " added AS (INSERT INTO {s}.events (event_id, participant_id, type, date, data, stream_version)"
    "  SELECT id, pid, typ, day, data, v0 + k FROM numbered ORDER BY n),"  # positions in batch order
    " after AS (SELECT pid, min(v0) AS v0, min(p0) AS p0, min(v0) + count(*) AS v1,"
    "  coalesce(min(p0), (array_agg(ref ORDER BY n) FILTER (WHERE ref IS NOT NULL))[1]) AS p1"
    "  FROM numbered GROUP BY pid),"
    " changed AS (INSERT INTO {s}.streams AS t (participant_id, version, programme_id)"
    "  SELECT pid, v1, p1 FROM after ON CONFLICT (participant_id) DO UPDATE"
    "  SET version = excluded.version, programme_id = excluded.programme_id)"
    " INSERT INTO {s}.programmes AS g (programme_id, version)"
    "  SELECT p1, sum(v1 - CASE WHEN p0 = p1 THEN v0 ELSE 0 END) FROM after"
    "  WHERE p1 IS NOT NULL GROUP BY p1"
    "  ON CONFLICT (programme_id) DO UPDATE SET version = g.version + excluded.version;"
    " END $$"
)
#: Schema 3: the programme locks of the expected programme versions, in the order of their ids.
_PROGRAMME_LOCKS = ("PERFORM pg_advisory_xact_lock({plock}, hashtext('{name}/' || p))"
                    " FROM (SELECT DISTINCT x->>0 AS p FROM json_array_elements(gv) AS x ORDER BY 1) AS q;")

#: Schema version -> the statements that migrate it to the next version (0: an empty schema).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    0: (
        "CREATE TABLE {s}.meta (key text PRIMARY KEY, value text NOT NULL)",
        "CREATE TABLE {s}.events (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
        " event_id text NOT NULL UNIQUE, participant_id text NOT NULL, type text NOT NULL,"
        " date text NOT NULL, data text, stream_version integer NOT NULL,"
        " UNIQUE (participant_id, stream_version))",
        "CREATE TABLE {s}.streams (participant_id text PRIMARY KEY, version integer NOT NULL,"
        " programme_id text)",
        "CREATE TABLE {s}.programmes (programme_id text PRIMARY KEY, version bigint NOT NULL)",
        "CREATE FUNCTION {s}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION 'the langzeit event log is append-only (% refused)', TG_OP"
        " USING ERRCODE = 'insufficient_privilege'; END $$",
        "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON {s}.events"
        " FOR EACH ROW EXECUTE FUNCTION {s}.refuse_change()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON {s}.events"
        " FOR EACH STATEMENT EXECUTE FUNCTION {s}.refuse_change()",
        "REVOKE UPDATE, DELETE, TRUNCATE ON {s}.events FROM PUBLIC",
        f"INSERT INTO {{s}}.meta (key, value) VALUES ('format', '{EVENT_FORMAT}'),"
        f" ('version', '{EVENT_FORMAT_VERSION}'), ('schema', '1')",
    ),
    # 2: an append is one call of a server-side function (one round trip, its own transaction).
    1: (
        # Under the store's lock (then every statement sees each earlier commit): one
        # statement compares the expected versions and looks for ids already stored (a row
        # for each mismatch or stored id; nothing is written and the client decides), one
        # statement writes: the events in batch order, the streams and the programmes'
        # versions by the rule of langzeit.events._log.stream_changes (a participant belongs
        # to the programme of their first referral, element 5 of an event: a Referred event's
        # programme_id, else null; a programme's version counts all its participants'
        # events). Arguments are JSON arrays (cheap to encode); plans are cached generic, and
        # every lookup is a LATERAL ... LIMIT 1, so that it stays an index lookup whatever
        # the planner's statistics say.
        _APPEND,
        "UPDATE {s}.meta SET value = '2' WHERE key = 'schema'",
    ),
    # 3: an append that compares programme versions first takes those programmes' locks (in
    # the order of their ids, before the store's lock), the locks that programme
    # transactions (PostgresEventStore._exclusive) hold from their feed read to their commit.
    2: (
        "DROP FUNCTION {s}.append(json, json, json)",
        _APPEND.replace("PERFORM pg_advisory_xact_lock({lock});",
                        _PROGRAMME_LOCKS + " PERFORM pg_advisory_xact_lock({lock});"),
        "UPDATE {s}.meta SET value = '3' WHERE key = 'schema'",
    ),
}
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _psycopg() -> tuple[Any, Any]:
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - the extra is installed in the tests
        raise ImportError("PostgresEventStore needs the postgres extra: "
                          "pip install 'langzeit[postgres]' (psycopg 3 and psycopg_pool)") from None
    return psycopg, psycopg_pool


class _Tx:
    """The statements of a write transaction on one pooled connection, pipelined."""

    __slots__ = ("_conn",)

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def rows(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        cursors = [self._conn.execute(sql.replace("?", "%s"), params) for sql, params in queries]
        return [cur.fetchall() for cur in cursors]  # the first fetch sends them all

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        sql = sql.replace("?", "%s")
        for row in rows:  # queued in the pipeline: sent with the COMMIT, without waiting for each
            self._conn.execute(sql, row)


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class PostgresEventStore(SqlEventStore):
    """The server event store: PostgreSQL through a psycopg connection pool, safe for many writers.

    Exactly the semantics of :class:`~langzeit.store.SqliteEventStore`:

    * **Atomic, versioned batches:** :meth:`extend` runs in one transaction holding the
      store's advisory lock; expected participant and programme versions are compared
      under it, so a stale writer gets :class:`~langzeit.exceptions.ConcurrencyConflict`
      and nothing of its batch is written.
    * **Append-only in the database:** triggers refuse ``UPDATE``, ``DELETE`` and
      ``TRUNCATE`` of events (also for the tables' owner; run the application as a role
      granted only ``SELECT`` and ``INSERT`` to make dropping them impossible too).
    * **Idempotent by** ``event_id``, **ordered** by date then position, with per-participant
      and per-programme versions and the feed :meth:`events_since`
      (:class:`~langzeit.events.SharedEventStore`).
    * **Any thread:** the pool hands each call its own connection.
    * **Durable** as PostgreSQL is: a committed batch survives a killed client, and a
      server crash with ``fsync`` on (the default).

    Args:
        conninfo: a libpq connection string or URL (``"host=… dbname=… user=…"``).
        schema: the PostgreSQL schema of the tables (created when missing); one store
            per schema, several programmes per store.
        pool: an open ``psycopg_pool.ConnectionPool`` to use instead of a new one (the
            store then leaves it open on :meth:`close`).
        min_size: connections the new pool keeps open.
        max_size: connections the new pool opens at most.
        readonly: open for reading only (appends raise PermissionError; nothing is
            created or migrated).
        timeout: seconds to wait for a connection from the pool.

    Raises:
        DataFormatError: the schema holds tables that are not a langzeit store of a
            supported version.
        ValidationError: ``schema`` is not a plain lower-case SQL name.
        ImportError: psycopg or psycopg_pool is not installed.

    Examples:
        Needs a server, so not run here (``tests/store/test_contract.py`` runs the same
        calls against a real one):

        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> store = PostgresEventStore("host=db.example dbname=jobcenter user=langzeit")  # doctest: +SKIP
        >>> store.extend([Referred("e1", "p1", date(2024, 1, 8), programme_id="pan"),
        ...               Admitted("e2", "p1", date(2024, 2, 1))])  # doctest: +SKIP
        2
        >>> store.version("p1"), store.programme_version("pan")  # doctest: +SKIP
        (2, 2)
        >>> [s.event.type for s in store.events_since(1)]  # doctest: +SKIP
        ['admitted']
    """

    _conninfo: str
    _schema_name: str
    _pool: ConnectionPool[Any]
    _own_pool: bool
    _qualified: str
    _append_sql: str
    _local: threading.local  # .conn: the connection of a programme transaction (_exclusive), .open

    def __init__(
        self,
        conninfo: str = "",
        *,
        schema: str = "langzeit",
        pool: ConnectionPool[Any] | None = None,
        min_size: int = 1,
        max_size: int = 8,
        readonly: bool = False,
        timeout: float = 30.0,
    ) -> None:
        psycopg, psycopg_pool = _psycopg()
        if not isinstance(schema, str) or not _SCHEMA_NAME.match(schema):
            raise ValidationError("invalid store options", [Problem(
                "schema", f"a lower-case SQL name (letters, digits, _; at most 63), got {schema!r}")])
        self._conninfo = conninfo
        self._schema_name = schema
        self._qualified = f'"{schema}"'
        self._readonly = readonly
        self._own_pool = pool is None
        self._schema = POSTGRES_SCHEMA_VERSION
        if pool is None:
            pool = psycopg_pool.ConnectionPool(conninfo, min_size=min_size, max_size=max_size,
                                               timeout=timeout, kwargs={"autocommit": True}, open=True)
        self._pool = pool
        self._local = threading.local()
        self._append_sql = (f"SELECT kind, key, expected, actual FROM {self._qualified}.append("
                            "%s::json, %s::json, %s::json)")
        try:
            self._open_schema(psycopg)
        except BaseException:
            self.close()
            raise

    def _open_schema(self, psycopg: Any) -> None:
        """Create the schema's tables, or migrate older ones, in one transaction under a lock."""
        with self._pool.connection() as conn, _transaction(conn, self._lock_key(), psycopg):
            found = conn.execute("SELECT to_regclass(%s)", (f"{self._qualified}.meta",)).fetchone()
            if found is None or found[0] is None:
                schema = 0
            else:
                meta = dict(conn.execute(f"SELECT key, value FROM {self._qualified}.meta").fetchall())
                schema = self._check_meta(meta)
            if self._readonly:
                if schema == 0:
                    raise fail(self._name(), 0, "no event store in this schema")
                self._schema = schema
                return
            if schema == 0:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self._qualified}")
            while schema < POSTGRES_SCHEMA_VERSION:
                lock = "{}, {}".format(*self._lock_key())
                for statement in _MIGRATIONS[schema]:
                    conn.execute(statement.replace("{s}", self._qualified).replace("{lock}", lock)
                                 .replace("{plock}", str(_PROGRAMME_LOCK_CLASS))
                                 .replace("{name}", self._schema_name))
                meta = dict(conn.execute(f"SELECT key, value FROM {self._qualified}.meta").fetchall())
                schema = self._check_meta(meta)

    def _check_meta(self, meta: dict[str, str]) -> int:
        """The schema version; raise unless the tables hold a store this langzeit reads."""
        return meta_schema(meta, self._name(), newest=POSTGRES_SCHEMA_VERSION, default="", what="it")

    def _lock_key(self) -> tuple[int, int]:
        """The advisory lock of this store: langzeit's class and a hash of the schema name."""
        key = 0
        for char in self._schema_name:  # a stable 31-bit hash (Python's hash() is salted per process)
            key = (key * 131 + ord(char)) % 2_147_483_647
        return _LOCK_CLASS, key

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def schema(self) -> str:
        """The PostgreSQL schema of the store's tables."""
        return self._schema_name

    def close(self) -> None:
        """Close the pool's connections (unless the pool was passed in); committed events stay."""
        if self._own_pool:
            self._pool.close()

    def drop(self) -> None:
        """Remove the store's schema and everything in it (tests, demos). Irreversible.

        Raises:
            PermissionError: the store was opened read-only.
        """
        if self._readonly:
            raise PermissionError(f"{self._name()}: event store opened read-only")
        with self._pool.connection() as conn:
            conn.execute(f"DROP SCHEMA {self._qualified} CASCADE")

    def __repr__(self) -> str:
        return f"<PostgresEventStore {self._name()!r}>"

    # -- the backend --------------------------------------------------------------------------

    def _name(self) -> str:
        return f"postgresql schema {self._schema_name!r}"

    def _table(self, name: str) -> str:
        return f"{self._qualified}.{name}"

    def _rows(
        self, sql: str, params: Sequence[Any] = (), *, stream: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        sql = sql.replace("?", "%s")
        with self._connection() as conn:
            if not stream:
                yield from conn.execute(sql, params).fetchall()
                return
            with conn.transaction(), conn.cursor(name="langzeit_read") as cur:  # server-side: in parts
                cur.itersize = 2048
                cur.execute(sql, params)
                yield from cur

    @contextlib.contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """This thread's connection of a programme transaction, else one from the pool."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            yield conn
            return
        with self._pool.connection() as conn:
            yield conn

    @contextlib.contextmanager
    def _writing(self, programmes: Sequence[str] = ()) -> Iterator[_Tx]:
        psycopg, _ = _psycopg()
        keys = [f"{self._schema_name}/{p}" for p in sorted(set(programmes))]
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.open:  # inside a programme transaction: it commits
            with conn.pipeline():
                for key in keys:
                    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                 (_PROGRAMME_LOCK_CLASS, key))
                conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", self._lock_key())
                yield _Tx(conn)
            return
        with (self._connection() as conn, conn.pipeline() as pipeline,
              _transaction(conn, self._lock_key(), psycopg, pipeline, keys)):
            yield _Tx(conn)

    @contextlib.contextmanager
    def _exclusive(self, programme_id: str, position: int, limit: int) -> Iterator[list[StoredEvent]]:
        """A programme transaction: the programme's lock, then the feed after ``position``.

        One round trip (``BEGIN``, the programme's advisory lock, the feed page,
        pipelined); the append inside it sends its ``COMMIT`` along (a second round
        trip), else the transaction is committed (or rolled back) when the block ends.
        Writers of one programme that use it take turns instead of failing on each
        other's versions; the versions are still compared (writers that do not use it).
        """
        if self._readonly:
            raise PermissionError(f"{self._name()}: event store opened read-only")
        psycopg, _ = _psycopg()
        sql = self._feed_sql().replace("?", "%s") + " LIMIT %s"
        with self._pool.connection() as conn:
            self._local.conn, self._local.open = conn, True
            try:
                with conn.pipeline():  # one sync at the end: one round trip
                    conn.execute("BEGIN")
                    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                                 (_PROGRAMME_LOCK_CLASS, f"{self._schema_name}/{programme_id}"))
                    feed = conn.execute(sql, (position, limit))
                rows = feed.fetchall()
                with bulk():
                    events = self._decode([row[:6] for row in rows])
                yield [StoredEvent(int(row[0]), int(row[6]), event)
                       for row, event in zip(rows, events, strict=True)]
                if self._local.open:
                    conn.execute("COMMIT")
            except BaseException:
                if self._local.open:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute("ROLLBACK")
                raise
            finally:
                self._local.conn = None

    def _any(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        return f"{column} = ANY(?)", [list(values)]

    def _append_at_once(self, events: list[Event], rows: list[tuple[str, str, str, str, str | None]],
                        expected_versions: Mapping[str, int], expected_programme_versions: Mapping[str, int]
                        ) -> bool:
        """One call of the schema's ``append`` function: one round trip, its own transaction.

        psycopg prepares the statement on each pooled connection after a few calls; the
        function takes the store's advisory lock, so positions still come in commit order.
        """
        batch = _ENCODE([[*row, e.programme_id if isinstance(e, Referred) else None]
                         for row, e in zip(rows, events, strict=True)])
        params = (batch, _ENCODE(list(expected_versions.items())),
                  _ENCODE(list(expected_programme_versions.items())))
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.open:  # a programme transaction: COMMIT sent along
            with conn.pipeline():  # one sync at the end: one round trip
                cursor = conn.execute(self._append_sql, params)
                conn.execute("COMMIT")
            found = cursor.fetchall()
            self._local.open = False
        else:
            with self._connection() as conn:
                found = conn.execute(self._append_sql, params).fetchall()
        for kind, key, expected, actual in found:  # participants first, as the general path checks
            if kind == "participant":
                raise ConcurrencyConflict(key, expected, actual)
            if kind == "programme":
                raise ConcurrencyConflict(key, expected, actual, kind="programme")
        return not found  # ids stored already: the general path compares their content


@contextlib.contextmanager
def _transaction(
    conn: psycopg.Connection[Any], key: tuple[int, int], psycopg: Any, pipeline: Any = None,
    programmes: Sequence[str] = (),
) -> Iterator[None]:
    """A transaction holding the store's advisory lock; on failure the original error is raised.

    In pipeline mode the ``COMMIT`` is followed by a sync, so that an error of the
    queued writes or of the commit surfaces here. A failed ``ROLLBACK`` (a lost
    connection) is not allowed to hide the cause; the pool discards a broken connection.
    """
    conn.execute("BEGIN")
    try:
        for name in programmes:  # the programmes' locks first (in order), as the append function takes them
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_PROGRAMME_LOCK_CLASS, name))
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", key)
        yield
        conn.execute("COMMIT")
        if pipeline is not None:
            pipeline.sync()
    except BaseException:
        with contextlib.suppress(psycopg.Error):
            conn.execute("ROLLBACK")
        raise
