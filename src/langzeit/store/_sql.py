"""Store layer: what the SQL event stores (SQLite, PostgreSQL) share: rows, checks, reads, the feed.

Both keep the same tables (``events`` with the global position ``seq`` and each event's
``stream_version``; ``streams``; ``programmes``) and the same rules, written once here:

* a batch is checked on its own exactly as :class:`~langzeit.events.EventLog` checks it,
  and every event must be one the store can read back (:func:`unstorable`);
* inside one write transaction that holds the store's write lock (SQLite's
  ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock), the expected participant and
  programme versions are compared, ids already stored are skipped (or refused when
  their content differs), the rows are inserted and the versions advanced by
  :func:`langzeit.events._log.stream_changes`;
* reads decode rows with the codec's bulk decoder, 1,024 at a time.

A backend supplies the connection work (abstract methods): :meth:`SqlEventStore._rows` (a read),
:meth:`SqlEventStore._writing` (the write transaction, yielding a :class:`Transaction`)
and :meth:`SqlEventStore._any` (an ``IN`` list in its dialect). SQL here uses ``?``
placeholders; the PostgreSQL backend turns them into ``%s``.
"""

from __future__ import annotations

import abc
import contextlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from types import TracebackType
from typing import Any, Protocol, Self

from langzeit._gc import collector_paused
from langzeit.events import (
    BASE_FIELDS,
    Event,
    EventLog,
    ParticipantState,
    RowDecoder,
    StoredEvent,
    event_to_record,
    replay,
)
from langzeit.events._log import Appending, _check_feed_args, check_versions, stream_changes
from langzeit.exceptions import (
    DataFormatError,
    Problem,
    RowProblem,
    UnknownNameError,
    ValidationError,
)
from langzeit.store._common import RawItem, unstorable

__all__: list[str] = []

COLUMNS = "seq, event_id, participant_id, type, date, data"
INSERT = ("INSERT INTO {events} (event_id, participant_id, type, date, data, stream_version) "
          "VALUES (?, ?, ?, ?, ?, ?)")
SET_STREAM = ("INSERT INTO {streams} (participant_id, version, programme_id) VALUES (?, ?, ?) "
              "ON CONFLICT (participant_id) DO UPDATE SET version = excluded.version, "
              "programme_id = excluded.programme_id")
GROW_PROGRAMME = ("INSERT INTO {programmes} AS p (programme_id, version) VALUES (?, ?) "
                  "ON CONFLICT (programme_id) DO UPDATE SET version = p.version + excluded.version")
CHUNK = 500  # ids per IN (...) lookup, below SQLite's variable limit
_CACHE_LIMIT = 4096  # distinct JSON payloads decoded once per read
_N_BASE = len(BASE_FIELDS)
_BASE = frozenset(BASE_FIELDS)
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # built once, not per row
_READ_CHUNK = 1024  # rows decoded (and folded) at a time: small enough to stay in the CPU cache

#: Pause the cyclic collector while many acyclic event objects are decoded, when the program
#: allowed it (``langzeit._gc``; the CLI does): measured in ``benchmarks/event_store.py``.
bulk = collector_paused


def row_of(event: Event) -> tuple[str, str, str, str, str | None]:
    """The stored columns of an event: ids, type, ISO date and the type's fields as JSON (or NULL)."""
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


def _decode_rows(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, str, dict[str, Any] | str]]:
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


class Transaction(Protocol):
    """The statements of one write transaction (the backend's connection, lock held)."""

    def rows(self, queries: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
        """Run queries and fetch every row of each (a backend may send them all at once)."""
        ...

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run a statement once per row."""
        ...


#: The store's point reads: a :meth:`SqlEventStore._sql` template each, one row or none,
#: its ``?`` the participant or the programme.
_POINT_READS = {
    "version": "SELECT version FROM {streams} WHERE participant_id = ?",
    "programme_version": "SELECT version FROM {programmes} WHERE programme_id = ?",
    "programme_of": "SELECT programme_id FROM {streams} WHERE participant_id = ?",
}


class SqlEventStore(Appending):
    """The shared behaviour of the SQL event stores; see ``SqliteEventStore`` and ``PostgresEventStore``.

    Subclasses set ``_readonly`` and ``_schema`` and implement the abstract :meth:`_rows`,
    :meth:`_writing`, :meth:`_any`, :meth:`_name` and :meth:`close`; table names come from
    :meth:`_table`.
    """

    _readonly: bool
    _schema: int

    # -- the backend ----------------------------------------------------------------------

    @abc.abstractmethod
    def _name(self) -> str:
        """The store's name in messages (a file, a database and schema)."""

    @abc.abstractmethod
    def _rows(
        self, sql: str, params: Sequence[Any] = (), *, stream: bool = False
    ) -> Iterator[tuple[Any, ...]]:
        """Run a read query; the rows as they come (``stream``: a large read, fetched in parts)."""

    @abc.abstractmethod
    def _writing(self, programmes: Sequence[str] = ()) -> contextlib.AbstractContextManager[Transaction]:
        """The write transaction, holding the store's write lock; commits on success.

        ``programmes``: those whose versions the transaction compares (a backend with
        finer locks takes theirs first).

        On failure the original error is raised (never a failed rollback's), and nothing
        of the transaction is kept.
        """

    @abc.abstractmethod
    def _any(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column IN (...)`` for ``values`` in the backend's dialect, with its parameters."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store's connections (committed events stay)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _table(self, name: str) -> str:
        """The qualified name of one of the store's tables."""
        return name

    def _sql(self, template: str) -> str:
        return template.format(events=self._table("events"), streams=self._table("streams"),
                               programmes=self._table("programmes"))

    # -- writing --------------------------------------------------------------------------

    def _write(self, batch: list[Event], versions: Mapping[str, int], programmes: Mapping[str, int]) -> int:
        if self._readonly:
            raise PermissionError(f"{self._name()}: event store opened read-only")
        refused: list[Problem | RowProblem] = []
        try:  # the batch checked on its own exactly as the in-memory log checks it
            checked = list(EventLog(batch))
        except ValidationError as exc:
            refused = list(exc.problems)
            firsts: dict[str, Event] = {}
            for item in batch:
                if isinstance(item, Event):
                    firsts.setdefault(item.event_id, item)
            checked = list(firsts.values())
        refused += unstorable(checked)
        with bulk():
            rows = [] if refused else [row_of(e) for e in checked]
        if rows and self._append_at_once(checked, rows, versions, programmes):
            return len(rows)
        pids = list({e.participant_id for e in checked} | set(versions))
        queries = [
            *self._lookups("SELECT participant_id, version, programme_id FROM {streams}",
                           "participant_id", pids),
            *self._lookups("SELECT programme_id, version FROM {programmes}", "programme_id",
                           list(programmes)),
            *self._lookups(f"SELECT {COLUMNS} FROM {{events}}", "event_id",
                           [e.event_id for e in checked]),
        ]
        n_streams = -(-len(pids) // CHUNK)
        n_programmes = -(-len(programmes) // CHUNK)
        with self._writing(list(programmes)) as tx:
            results = tx.rows(queries)  # every lookup at once: one round trip to a server
            streams = {pid: (int(v), prog) for rows in results[:n_streams] for pid, v, prog in rows}
            check_versions(versions, {pid: v for pid, (v, _) in streams.items()})
            found = {prog: int(v) for rows in results[n_streams:n_streams + n_programmes] for prog, v in rows}
            check_versions(programmes, found, kind="programme")
            stored, clashes = self._clashes(
                checked, itertools.chain.from_iterable(results[n_streams + n_programmes:]))
            if refused or clashes:  # every problem at once: the batch's own and clashes with the store
                raise ValidationError("event batch refused", [*refused, *clashes])
            if stored:
                keep = [i for i, e in enumerate(checked) if e.event_id not in stored]
                checked, rows = [checked[i] for i in keep], [rows[i] for i in keep]
            if rows:
                after, growth, numbers = stream_changes(checked, streams)
                tx.many(self._sql(INSERT), [(*r, n) for r, n in zip(rows, numbers, strict=True)])
                tx.many(self._sql(SET_STREAM), [(pid, v, prog) for pid, (v, prog) in after.items()])
                if growth:
                    tx.many(self._sql(GROW_PROGRAMME), list(growth.items()))
        return len(rows)

    def _append_at_once(self, events: list[Event], rows: list[tuple[str, str, str, str, str | None]],
                        expected_versions: Mapping[str, int], expected_programme_versions: Mapping[str, int]
                        ) -> bool:
        """Append a checked batch in one step of the backend, if it has one (False: it has not).

        A backend may compare the versions, insert and advance them in one call to the
        database, under the same lock and rules as :meth:`extend`'s general path. It
        returns False, having written nothing, when that path is needed (ids of the
        batch are stored already: their content must be compared).

        Raises:
            ConcurrencyConflict: a participant's or programme's version differs.
        """
        return False

    def _lookups(self, select: str, column: str, values: Sequence[Any]) -> list[tuple[str, list[Any]]]:
        """The queries of ``select`` restricted to rows whose ``column`` is among ``values``, in chunks."""
        out = []
        for start in range(0, len(values), CHUNK):
            where, params = self._any(column, values[start:start + CHUNK])
            out.append((f"{self._sql(select)} WHERE {where}", params))
        return out

    def _clashes(self, events: list[Event], rows: Iterable[Sequence[Any]]) -> tuple[set[str], list[Problem]]:
        """The ids of ``events`` stored already (``rows``); a problem for each stored with other content."""
        stored = {e.event_id: e for e in self._decode(rows)}
        clashes = [Problem(f"event {e.event_id!r}", "id already in the log with different content")
                   for e in events if e.event_id in stored and stored[e.event_id] != e]
        return set(stored), clashes

    # -- reading --------------------------------------------------------------------------

    def _decode(self, rows: Iterable[Sequence[Any]]) -> list[Event]:
        """Stored rows to events by the codec's bulk decoder; every bad row is reported."""
        return list(itertools.chain.from_iterable(self._chunks(rows)))

    def _chunks(self, rows: Iterable[Sequence[Any]]) -> Iterator[list[Event]]:
        """Decode rows a chunk at a time (a fold then uses each chunk while it is in the CPU cache).

        Every bad row is reported, all at once, after the last chunk: a caller folding the
        chunks as they come gets the error instead of a result.
        """
        cache: dict[str, dict[str, Any]] = {}
        decode = RowDecoder(lambda data: _payload(data, cache))
        problems: list[RowProblem] = []
        file = self._name()
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
        cursor = self._rows(self._sql(f"SELECT {COLUMNS} FROM {{events}} ORDER BY seq"), stream=True)
        for seq, text, record in _decode_rows(cursor):
            # default=repr: a damaged store may hold a BLOB where text belongs; the codec names it.
            yield seq, text if isinstance(record, str) else json.dumps(record, ensure_ascii=False,
                                                                        default=repr), record

    def events(self, *, participant_id: str | None = None, until: date | None = None) -> list[Event]:
        """Events in log order: by date, ties in append order.

        Args:
            participant_id: only this participant's events.
            until: only events dated on or before this day.

        Returns:
            A new list of events.

        Raises:
            DataFormatError: stored rows that cannot be decoded (every one listed).
        """
        with bulk():
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
        sql = self._sql(f"SELECT {COLUMNS} FROM {{events}}{clause} ORDER BY date, seq")
        return self._chunks(self._rows(sql, params, stream=True))

    def iter_events(self) -> Iterator[Event]:
        """Stream every event in log order (by date, then append order), a chunk at a time.

        Unlike :meth:`events`, nothing but the current chunk is held in memory: a reader
        that folds or converts the events as they come (for example into
        ``langzeit.indicators.EventColumns``) handles logs larger than memory would hold
        as an :class:`~langzeit.events.EventLog`. Bad stored rows are reported, all at once,
        after the last chunk.

        Raises:
            DataFormatError: stored rows that cannot be decoded (every one listed).
        """
        with bulk():
            for chunk in self._read(None, None):
                yield from chunk

    def __iter__(self) -> Iterator[Event]:
        """Events in append order (the order :meth:`to_log` keeps)."""
        with bulk():
            return iter(self._decode(self._rows(self._sql(f"SELECT {COLUMNS} FROM {{events}} ORDER BY seq"))))

    def __len__(self) -> int:
        return int(next(self._rows(self._sql("SELECT count(*) FROM {events}")))[0])

    def __contains__(self, event_id: object) -> bool:
        if not isinstance(event_id, str):
            return False
        found = next(self._rows(self._sql("SELECT 1 FROM {events} WHERE event_id = ?"), (event_id,)), None)
        return found is not None

    def _point_sql(self, read: str) -> str:
        """The query of one of the :data:`_POINT_READS` (a backend may answer an older schema's)."""
        return self._sql(_POINT_READS[read])

    def _point(self, read: str, key: str) -> Any:
        """The value a point read finds for ``key`` (None: no row)."""
        row = next(self._rows(self._point_sql(read), (key,)), None)
        return None if row is None else row[0]

    def version(self, participant_id: str) -> int:
        """The participant's stream version: the number of their events (0 if none)."""
        value = self._point("version", participant_id)
        return 0 if value is None else int(value)

    def programme_version(self, programme_id: str) -> int:
        """The programme's version: the number of stored events of its participants (0 if none)."""
        value = self._point("programme_version", programme_id)
        return 0 if value is None else int(value)

    def programme_of(self, participant_id: str) -> str | None:
        """The programme of the participant's first referral (None: not referred, or unknown)."""
        value: str | None = self._point("programme_of", participant_id)
        return value

    @property
    def schema_version(self) -> int:
        """The tables' schema version: the backend's newest, unless an older store was opened read-only.

        The newest are :data:`~langzeit.store.SQLITE_SCHEMA_VERSION` and
        :data:`~langzeit.store.POSTGRES_SCHEMA_VERSION`.

        Examples:
            >>> import tempfile, pathlib
            >>> from langzeit.store import SqliteEventStore
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "s.sqlite") as store:
            ...     store.schema_version
            2
        """
        return self._schema

    @property
    def position(self) -> int:
        """The global position of the latest stored event (0 for an empty store)."""
        return int(next(self._rows(self._sql("SELECT coalesce(max(seq), 0) FROM {events}")))[0])

    def _feed_sql(self) -> str:
        """The feed's query: the columns, then the stream version, after a position."""
        return self._sql(f"SELECT {COLUMNS}, stream_version FROM {{events}} WHERE seq > ? ORDER BY seq")

    def events_since(self, position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The events after a global position, in commit order: the feed for a host's projections.

        Positions are the append sequence; writers hold the store's write lock from their
        checks to their commit, so positions grow in commit order and a reader that asks
        again from the last position it saw misses nothing (positions may skip numbers).

        Args:
            position: the last position the reader has seen (0: from the start).
            limit: at most this many (None: all).

        Returns:
            The events with a greater position, oldest first, with position and stream version.

        Raises:
            ValidationError: ``position`` or ``limit`` is not a whole number >= 0.
            DataFormatError: stored rows that cannot be decoded (every one listed).
        """
        _check_feed_args(position, limit)
        sql = self._feed_sql()
        params: list[int] = [position]
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        rows = list(self._rows(sql, params))
        with bulk():
            events = self._decode([row[:6] for row in rows])
        return [StoredEvent(int(row[0]), int(row[6]), event) for row, event in zip(rows, events, strict=True)]

    @property
    def participants(self) -> tuple[str, ...]:
        """Participant ids in order of their first stored event."""
        rows = self._rows(self._sql(
            "SELECT participant_id FROM {events} GROUP BY participant_id ORDER BY min(seq)"))
        return tuple(r[0] for r in rows)

    def to_log(self) -> EventLog:
        """All stored events as an in-memory :class:`~langzeit.events.EventLog` (append order)."""
        return EventLog(self)

    def replay(self, *, as_of: date | None = None) -> dict[str, ParticipantState]:
        """Every participant's state at ``as_of`` (all events when None), by ``langzeit.events.replay``."""
        with bulk():  # each chunk is folded while it is fresh; a bad row raises after the last chunk
            return replay(itertools.chain.from_iterable(self._read(None, as_of)), as_of=as_of)

    def state(self, participant_id: str, *, as_of: date | None = None) -> ParticipantState:
        """One participant's state at ``as_of``.

        Raises:
            UnknownNameError: the participant has no events (up to ``as_of``).
        """
        states = replay(self.events(participant_id=participant_id, until=as_of), as_of=as_of)
        if participant_id not in states:
            raise UnknownNameError("participant", participant_id)
        return states[participant_id]
