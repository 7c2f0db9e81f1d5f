"""Event layer: the append-only, idempotent event log."""

from __future__ import annotations

import abc
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import attrs

from langzeit.events._codec import BASE_FIELDS, event_fields, event_to_record
from langzeit.events._state import ParticipantState, replay
from langzeit.events._types import EVENT_TYPES, Event, Referred
from langzeit.exceptions import ConcurrencyConflict, Problem, UnknownNameError, ValidationError
from langzeit.tabular import _HTML_MAX_ROWS, Table, rows_to_frame, rows_to_html

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EventLog", "StoredEvent"]

_BY_DATE = attrgetter("date")

def _check_feed_args(position: int, limit: int | None) -> None:
    """Refuse a negative position or limit of :meth:`EventLog.events_since` (every store shares it)."""
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError("events_since refused",
                              [Problem("position", f"a whole number >= 0, got {position!r}")])
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValidationError("events_since refused",
                              [Problem("limit", f"a whole number >= 0, got {limit!r}")])


# pandas dtype of each type-specific field of the frame, from its annotation (others: object)
_FRAME_DTYPES = {"date": "date", "date | None": "date", "int": "Int64", "bool | None": "boolean"}


def _field_dtypes() -> dict[str, str]:
    out: dict[str, str] = {}
    for cls in EVENT_TYPES.values():
        for f in attrs.fields(cls):
            dtype = _FRAME_DTYPES.get(str(f.type))
            if dtype is not None:
                out[f.name] = dtype
    return out


_DTYPES = _field_dtypes()
#: Every frame column: the base fields, then each type's own fields in declaration order.
_ALL_COLUMNS = tuple(dict.fromkeys([*BASE_FIELDS, *(f for t in EVENT_TYPES for f in event_fields(t))]))


@attrs.frozen
class StoredEvent:
    """An event as the feed of a store gives it: with its global position and stream version.

    Args:
        position: the event's place in the store's global feed; positions grow in the
            order appends were committed (they may skip numbers), so a reader that
            remembers the last one it saw and asks for what came since misses nothing.
        version: the event's number in its participant's stream (1 for their first event).
        event: the event.

    Examples:
        >>> from langzeit.events import Referred
        >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8))])
        >>> log.events_since(0)
        [StoredEvent(position=1, version=1, event=Referred(...))]
    """

    position: int
    version: int
    event: Event


_NO_STREAM: tuple[int, None] = (0, None)  # a participant without events


def check_versions(
    expected: Mapping[str, int], actual: Mapping[str, int], *, kind: str = "participant"
) -> None:
    """The optimistic-concurrency check of every store: each expected version is the stored one.

    An id the store has no events of is at version 0. Used by :class:`EventLog` and the
    SQL stores' general append path, for participants and (``kind="programme"``) programmes.

    Raises:
        ConcurrencyConflict: for the first id whose stored version differs.

    Examples:
        >>> check_versions({"p1": 2, "p2": 0}, {"p1": 2})
        >>> check_versions({"pan": 1}, {}, kind="programme")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ConcurrencyConflict: programme 'pan': expected version 1, store has 0; ...
    """
    for key, wanted in expected.items():
        stored = actual.get(key, 0)
        if stored != wanted:
            raise ConcurrencyConflict(key, wanted, stored, kind=kind)


def stream_changes(
    batch: Iterable[Event], streams: Mapping[str, tuple[int, str | None]]
) -> tuple[dict[str, tuple[int, str | None]], dict[str, int], list[int]]:
    """What appending ``batch`` does to the participants' streams and the programmes' versions.

    The one rule every store follows: a participant belongs to the programme of their
    first :class:`~langzeit.events.Referred` event; a programme's version is the number
    of stored events of its participants (all their events count, also those stored
    before that referral). The PostgreSQL store's ``append`` function applies this rule
    in SQL, inside the database; the stores' contract suite checks that both agree.

    Args:
        batch: the new events, in order.
        streams: each concerned participant's ``(version, programme or None)`` before
            the batch (a participant missing: no events yet).

    Returns:
        Each participant's ``(version, programme)`` after the batch, how much each
        programme's version grows, and every event's number in its stream.

    Examples:
        >>> from langzeit.events import Referred, Admitted
        >>> stream_changes([Admitted("e2", "p1", date(2024, 2, 1)),
        ...                 Referred("e3", "p2", date(2024, 2, 1), programme_id="pan")],
        ...                {"p1": (1, "geh-vor")})
        ({'p1': (2, 'geh-vor'), 'p2': (1, 'pan')}, {'geh-vor': 1, 'pan': 1}, [2, 1])
    """
    after: dict[str, tuple[int, str | None]] = {}
    numbers: list[int] = []
    for event in batch:
        pid = event.participant_id
        version, programme = after.get(pid) or streams.get(pid) or _NO_STREAM
        if programme is None and isinstance(event, Referred):
            programme = event.programme_id
        version += 1
        after[pid] = (version, programme)
        numbers.append(version)
    growth: dict[str, int] = {}
    for pid, (version, programme) in after.items():
        if programme is not None:
            before, was = streams.get(pid) or _NO_STREAM
            growth[programme] = growth.get(programme, 0) + version - (before if was == programme else 0)
    return after, growth, numbers


class Appending(abc.ABC):
    """:meth:`extend` and :meth:`append`: what every event store shares (the log, the SQL stores).

    A store implements the abstract :meth:`_write`: the checks and the append of one batch.
    """

    __slots__ = ()

    def extend(
        self,
        events: Iterable[Event],
        *,
        expected_versions: Mapping[str, int] | None = None,
        expected_programme_versions: Mapping[str, int] | None = None,
    ) -> int:
        """Append a batch atomically: all new events, or none when any check fails.

        Args:
            events: the events, in order.
            expected_versions: per participant, the version (number of stored events)
                the writer expects.
            expected_programme_versions: per programme, the version (number of stored
                events of its participants, see :func:`stream_changes`) the writer
                expects; checked in the same step (a SQL store checks both inside the
                write transaction).

        Returns:
            How many events were new (events already stored are skipped).

        Raises:
            ValidationError: every event whose id is taken by different content, that
                is not an :class:`Event`, or (a SQL store) that could not be read back.
            ConcurrencyConflict: a participant's or programme's version differs from
                the expected one.
            PermissionError: a SQL store opened read-only.

        Examples:
            >>> from langzeit.events import Referred
            >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8))])
            >>> log.extend([Referred("e1", "p1", date(2024, 1, 9))])
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ValidationError: event batch refused (1 problem)
              - event 'e1': id already in the log with different content
        """
        return self._write(list(events), expected_versions or {}, expected_programme_versions or {})

    @abc.abstractmethod
    def _write(self, batch: list[Event], versions: Mapping[str, int], programmes: Mapping[str, int]) -> int:
        """The store's part of :meth:`extend`: check ``batch`` against the expected versions, append it."""

    def append(self, event: Event, *, expected_version: int | None = None) -> bool:
        """Append one event (a batch of one, see :meth:`extend`).

        Args:
            event: the event.
            expected_version: the participant's version the writer expects; on a
                mismatch nothing is written.

        Returns:
            True if appended, False if the same event was already stored.

        Raises:
            ValidationError: a different event with the same id is stored.
            ConcurrencyConflict: the participant's version is not ``expected_version``.
        """
        versions = None if expected_version is None else {event.participant_id: expected_version}
        return self.extend([event], expected_versions=versions) == 1


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class EventLog(Appending, Table):
    """An append-only log of pathway events, in memory.

    * **Append-only:** events are never changed or removed.
    * **Idempotent by** ``event_id``: appending an event that is already in the log
      is a no-op; appending a *different* event under a known id is refused.
    * **Deterministic order:** :meth:`events` returns events by date, ties in
      append order; replay uses that order.
    * **Versions:** each participant's stream has a version (its number of events);
      appends may state the version they expect (optimistic concurrency). Each
      programme has a version too, the number of events of its participants
      (:func:`stream_changes`), which appends may state as well: the engine does, for
      commands that read or change places, caseloads or the waiting list.
    * **A feed:** :meth:`events_since` gives the events after a global position.
    * **Threads:** appends and reads take a lock; any thread may use the log.
    * **A table:** :meth:`to_frame` gives one row per event (pandas), and in Jupyter the
      log renders as an HTML table of its events.

    Args:
        events: events to start with (appended in order).

    Examples:
        >>> from langzeit.events import Referred, Admitted
        >>> log = EventLog()
        >>> log.append(Referred("e1", "p1", date(2024, 1, 8)))
        True
        >>> log.append(Referred("e1", "p1", date(2024, 1, 8)))  # same event again: no-op
        False
        >>> log.append(Admitted("e2", "p1", date(2024, 2, 1)), expected_version=1)
        True
        >>> len(log), log.version("p1")
        (2, 2)
    """

    _events: list[Event]
    _positions: dict[str, int]
    _versions: dict[str, int]
    _ordered: list[Event] | None
    _numbers: list[int]  # each event's number in its stream
    _programme_of: dict[str, str]  # participant -> programme (from their first referral)
    _programme_versions: dict[str, int]
    _lock: threading.Lock

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._events = []
        self._positions = {}
        self._versions = {}
        self._ordered = None
        self._numbers = []
        self._programme_of = {}
        self._programme_versions = {}
        self._lock = threading.Lock()
        self.extend(events)

    # -- writing ---------------------------------------------------------------------------

    def _write(self, batch: list[Event], versions: Mapping[str, int], programmes: Mapping[str, int]) -> int:
        with self._lock:
            return self._extend(batch, versions, programmes)

    def _extend(
        self,
        batch: list[Event],
        expected_versions: Mapping[str, int],
        expected_programme_versions: Mapping[str, int],
    ) -> int:
        versions = self._versions
        if expected_versions:
            check_versions(expected_versions, versions)
        if expected_programme_versions:
            check_versions(expected_programme_versions, self._programme_versions, kind="programme")
        positions = self._positions
        logged_events = self._events
        new: list[Event] = []
        seen: dict[str, Event] = {}
        problems: list[Problem] = []
        for i, event in enumerate(batch):
            if not isinstance(event, Event):
                problems.append(Problem(f"item {i}", f"not an event: {event!r}"))
                continue
            event_id = event.event_id
            pos = positions.get(event_id)
            logged = logged_events[pos] if pos is not None else seen.get(event_id)
            if logged is not None:
                if logged != event:
                    problems.append(Problem(f"event {event_id!r}",
                                            "id already in the log with different content"))
                continue
            seen[event_id] = event
            new.append(event)
        if problems:
            raise ValidationError("event batch refused", problems)
        if not new:
            return 0
        start = len(logged_events)
        programme_of = self._programme_of
        before: dict[str, tuple[int, str | None]] = {}
        for event in new:
            pid = event.participant_id
            if pid not in before:
                before[pid] = (versions.get(pid, 0), programme_of.get(pid))
        after, growth, numbers = stream_changes(new, before)
        logged_events.extend(new)
        self._numbers.extend(numbers)
        for i, event_id in enumerate(seen, start):
            positions[event_id] = i
        for pid, (version, programme) in after.items():
            versions[pid] = version
            if programme is not None:
                programme_of[pid] = programme
        if growth:
            pversions = self._programme_versions
            for programme, grown in growth.items():
                pversions[programme] = pversions.get(programme, 0) + grown
        ordered = self._ordered
        if ordered is not None:
            # Keep the date order incrementally when the batch continues it (the usual case:
            # the engine and the simulator append forward in time); otherwise sort on demand.
            day = new[0].date
            if (not ordered or day >= ordered[-1].date) and (
                len(new) == 1 or all(a.date <= b.date for a, b in itertools.pairwise(new))
            ):
                ordered.extend(new)
            else:
                self._ordered = None
        return len(new)

    # -- reading ---------------------------------------------------------------------------

    def _event_by_id(self, event_id: str) -> Event | None:
        pos = self._positions.get(event_id)
        return None if pos is None else self._events[pos]

    def get(self, event_id: str) -> Event:
        """The event with this id.

        Raises:
            UnknownNameError: no such event.
        """
        event = self._event_by_id(event_id)
        if event is None:
            raise UnknownNameError("event", event_id)
        return event

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        """Events in append order (the order stores write them in)."""
        return iter(self._events)

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._positions

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventLog) and self._events == other._events

    def __repr__(self) -> str:
        return f"<EventLog: {len(self._events)} events, {len(self._versions)} participants>"

    def events(
        self, *, participant_id: str | None = None, until: date | None = None
    ) -> list[Event]:
        """Events in log order: by date, ties in append order.

        Args:
            participant_id: only this participant's events.
            until: only events dated on or before this day.

        Returns:
            A new list of events.
        """
        with self._lock:
            if self._ordered is None:
                self._ordered = sorted(self._events, key=_BY_DATE)
            out: Iterable[Event] = self._ordered
            if participant_id is None and until is None:
                return list(out)
        if participant_id is not None:
            out = (e for e in out if e.participant_id == participant_id)
        if until is not None:
            out = (e for e in out if e.date <= until)
        return list(out)

    def version(self, participant_id: str) -> int:
        """The participant's stream version: the number of their events (0 if none)."""
        return self._versions.get(participant_id, 0)

    def programme_version(self, programme_id: str) -> int:
        """The programme's version: the number of events of its participants (0 if none).

        Examples:
            >>> from langzeit.events import Referred, Admitted
            >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8), programme_id="pan"),
            ...                 Admitted("e2", "p1", date(2024, 2, 1))])
            >>> log.programme_version("pan"), log.programme_version("geh-vor")
            (2, 0)
        """
        return self._programme_versions.get(programme_id, 0)

    def programme_of(self, participant_id: str) -> str | None:
        """The programme of the participant's first referral (None: not referred, or unknown).

        Examples:
            >>> from langzeit.events import Referred
            >>> EventLog([Referred("e1", "p1", date(2024, 1, 8), programme_id="pan")]).programme_of("p1")
            'pan'
        """
        return self._programme_of.get(participant_id)

    @property
    def position(self) -> int:
        """The global position of the latest event (0 for an empty log)."""
        return len(self._events)

    def events_since(self, position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The events after a global position, in append order: the feed for a host's projections.

        Args:
            position: the last position the reader has seen (0: from the start).
            limit: at most this many (None: all).

        Returns:
            The events with a greater position, oldest first, each with its position
            and its number in its participant's stream.

        Raises:
            ValidationError: ``position`` or ``limit`` is not a whole number >= 0.

        Examples:
            >>> from langzeit.events import Referred, Admitted
            >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8)),
            ...                 Admitted("e2", "p1", date(2024, 2, 1))])
            >>> [(s.position, s.version, s.event.event_id) for s in log.events_since(1)]
            [(2, 2, 'e2')]
        """
        _check_feed_args(position, limit)
        with self._lock:
            stop = len(self._events) if limit is None else min(len(self._events), position + limit)
            return [StoredEvent(i + 1, self._numbers[i], self._events[i]) for i in range(position, stop)]

    @property
    def participants(self) -> tuple[str, ...]:
        """Participant ids in order of their first event in the log."""
        return tuple(self._versions)

    @property
    def last_date(self) -> date | None:
        """The latest event date, or None for an empty log."""
        return max((e.date for e in self._events), default=None)

    def replay(self, *, as_of: date | None = None) -> dict[str, ParticipantState]:
        """Every participant's state at ``as_of`` (all events when None).

        See :func:`langzeit.events.replay`.
        """
        return replay(self.events(), as_of=as_of)

    def state(self, participant_id: str, *, as_of: date | None = None) -> ParticipantState:
        """One participant's state at ``as_of``.

        Raises:
            UnknownNameError: the participant has no events (up to ``as_of``).
        """
        states = replay(self.events(participant_id=participant_id), as_of=as_of)
        if participant_id not in states:
            raise UnknownNameError("participant", participant_id)
        return states[participant_id]

    # -- as a table ------------------------------------------------------------------------

    def columns(self, *, all_types: bool = False) -> tuple[str, ...]:
        """The frame's columns: ``event_id``, ``participant_id``, ``type``, ``date``, then fields.

        Args:
            all_types: list the fields of every event type (a fixed schema), not only
                of the types in the log.

        Returns:
            The column names; type-specific fields in the order of
            :data:`~langzeit.events.EVENT_TYPES` and their declaration; a name shared by
            several types (``reason``) is one column.

        Examples:
            >>> from langzeit.events import Exited
            >>> EventLog([Exited("e1", "p1", date(2024, 5, 1), reason="work")]).columns()
            ('event_id', 'participant_id', 'type', 'date', 'reason', 'outcome')
        """
        if all_types:
            return _ALL_COLUMNS
        present = {e.type for e in self._events}
        fields = (f for t in EVENT_TYPES if t in present for f in event_fields(t))
        return tuple(dict.fromkeys([*BASE_FIELDS, *fields]))

    def rows(self) -> list[dict[str, Any]]:
        """One record per event in log order (:func:`~langzeit.events.event_to_record`)."""
        return [event_to_record(e) for e in self.events()]

    def to_frame(self, *, all_types: bool = False) -> pd.DataFrame:
        """The events as a tidy pandas DataFrame, one row per event in log order.

        Columns are :meth:`columns`; a field an event type does not have is missing
        (``None``, ``NaT`` or ``<NA>``). Dtypes: ``event_id``, ``participant_id``,
        ``type`` and text fields ``object`` (str); ``date`` and date fields (``until``,
        ``review``, ``due``) ``datetime64[ns]``; whole numbers (``priority``,
        ``months_after_exit``) ``Int64``; ``receives_benefit`` ``boolean``; enumerations
        (``reason`` of an exit, ``outcome``, ``status``, ``purpose``) their values as
        text; ``items`` a list per row. Needs the ``pandas`` extra.

        Args:
            all_types: include the columns of every event type (a fixed schema, e.g.
                to concatenate frames of several logs).

        Returns:
            The frame.

        Raises:
            ImportError: pandas is not installed.

        Examples:
            >>> from langzeit.events import Referred, Waitlisted
            >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
            ...                 Waitlisted("e2", "p1", date(2024, 1, 10), priority=1)])
            >>> df = log.to_frame()
            >>> df[["event_id", "type", "programme_id", "priority"]]
              event_id        type programme_id  priority
            0       e1    referred      geh-vor      <NA>
            1       e2  waitlisted         None         1
            >>> str(df["date"].dtype), "until" in log.to_frame(all_types=True).columns
            ('datetime64[ns]', True)
        """
        columns = self.columns(all_types=all_types)
        dtypes = {c: _DTYPES[c] for c in columns if c in _DTYPES}
        return rows_to_frame(self.rows(), columns, dtypes=dtypes)

    def _repr_html_(self) -> str:
        """Jupyter: the first events in log order as a table (only those are decoded)."""
        events = self.events()
        head = [event_to_record(e) for e in events[:_HTML_MAX_ROWS]]
        title = f"event log: {len(events)} events, {len(self._versions)} participants"
        more = len(events) - len(head)
        note = f"<p>{more} more events; use to_frame()</p>" if more > 0 else ""
        return rows_to_html(head, self.columns(), title=title) + note
