"""Event layer: the append-only, idempotent event log."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import attrs

from langzeit.events._codec import BASE_FIELDS, event_fields, event_to_record
from langzeit.events._state import ParticipantState, replay
from langzeit.events._types import EVENT_TYPES, Event
from langzeit.exceptions import ConcurrencyConflict, Problem, UnknownNameError, ValidationError
from langzeit.tabular import _HTML_MAX_ROWS, Table, rows_to_frame, rows_to_html

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["EventLog"]

_BY_DATE = attrgetter("date")

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


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class EventLog(Table):
    """An append-only log of pathway events, in memory.

    * **Append-only:** events are never changed or removed.
    * **Idempotent by** ``event_id``: appending an event that is already in the log
      is a no-op; appending a *different* event under a known id is refused.
    * **Deterministic order:** :meth:`events` returns events by date, ties in
      append order; replay uses that order.
    * **Versions:** each participant's stream has a version (its number of events);
      appends may state the version they expect (optimistic concurrency).
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

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._events = []
        self._positions = {}
        self._versions = {}
        self._ordered = None
        self.extend(events)

    # -- writing ---------------------------------------------------------------------------

    def append(self, event: Event, *, expected_version: int | None = None) -> bool:
        """Append one event.

        Args:
            event: the event.
            expected_version: the participant's version the writer expects; on a
                mismatch nothing is written.

        Returns:
            True if appended, False if the same event was already in the log.

        Raises:
            ValidationError: a different event with the same id is in the log.
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
            expected_versions: per participant, the version the writer expects.

        Returns:
            How many events were new (duplicates of logged events are skipped).

        Raises:
            ValidationError: every event whose id is taken by different content,
                or that is not an :class:`Event`.
            ConcurrencyConflict: a participant's version differs from the expected one.

        Examples:
            >>> from langzeit.events import Referred
            >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8))])
            >>> log.extend([Referred("e1", "p1", date(2024, 1, 9))])
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ValidationError: event batch refused (1 problem)
              - event 'e1': id already in the log with different content
        """
        batch = list(events)
        versions = self._versions
        for pid, expected in (expected_versions or {}).items():
            actual = versions.get(pid, 0)
            if actual != expected:
                raise ConcurrencyConflict(pid, expected, actual)
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
        logged_events.extend(new)
        positions.update(zip(seen, range(start, start + len(new)), strict=True))
        for event in new:
            pid = event.participant_id
            versions[pid] = versions.get(pid, 0) + 1
        ordered = self._ordered
        if ordered is not None:
            # Keep the date order incrementally when the batch continues it (the usual case:
            # the engine and the simulator append forward in time); otherwise sort on demand.
            last = ordered[-1].date if ordered else None
            dates = [e.date for e in new]
            if (last is None or dates[0] >= last) and all(
                a <= b for a, b in itertools.pairwise(dates)
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
        if self._ordered is None:
            self._ordered = sorted(self._events, key=_BY_DATE)
        out: Iterable[Event] = self._ordered
        if participant_id is not None:
            out = (e for e in out if e.participant_id == participant_id)
        if until is not None:
            out = (e for e in out if e.date <= until)
        return list(out)

    def version(self, participant_id: str) -> int:
        """The participant's stream version: the number of their events (0 if none)."""
        return self._versions.get(participant_id, 0)

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
