"""Event layer: the protocol every event store implements (in memory, SQLite, …)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol, runtime_checkable

from langzeit.events._log import StoredEvent
from langzeit.events._types import Event

__all__ = ["EventStore", "SharedEventStore"]


@runtime_checkable
class EventStore(Protocol):
    """What the engine needs of a store: atomic versioned appends and ordered reads.

    :class:`~langzeit.events.EventLog` (in memory) and
    ``langzeit.store.SqliteEventStore`` implement it, so the engine works on either
    without importing the store layer (DESIGN.md import direction).

    Examples:
        >>> from langzeit.events import EventLog
        >>> isinstance(EventLog(), EventStore)
        True
    """

    def extend(
        self, events: Iterable[Event], *, expected_versions: Mapping[str, int] | None = None
    ) -> int:
        """Append a batch atomically; see :meth:`EventLog.extend`."""
        ...

    def events(
        self, *, participant_id: str | None = None, until: date | None = None
    ) -> list[Event]:
        """Events by date, ties in append order; see :meth:`EventLog.events`."""
        ...

    def version(self, participant_id: str) -> int:
        """The participant's stream version (number of their events)."""
        ...


@runtime_checkable
class SharedEventStore(EventStore, Protocol):
    """A store several engines (threads, processes, hosts) may write to at once.

    On top of :class:`EventStore`: programme versions checked in the append
    transaction (so places, caseloads and the waiting list hold across engines), and
    the global feed :meth:`events_since` (so an engine catches up without a full
    reload, and a host builds its own projections or an outbox).
    :class:`~langzeit.events.EventLog`, ``langzeit.store.SqliteEventStore`` and
    ``langzeit.store.PostgresEventStore`` implement it.

    Examples:
        >>> from langzeit.events import EventLog
        >>> isinstance(EventLog(), SharedEventStore)
        True
    """

    def extend(
        self,
        events: Iterable[Event],
        *,
        expected_versions: Mapping[str, int] | None = None,
        expected_programme_versions: Mapping[str, int] | None = None,
    ) -> int:
        """Append a batch atomically, checking participant and programme versions."""
        ...

    def programme_version(self, programme_id: str) -> int:
        """The programme's version: the number of events of its participants."""
        ...

    @property
    def position(self) -> int:
        """The global position of the latest stored event (0 for an empty store)."""
        ...

    def events_since(self, position: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """The events after a global position, in commit order; see :meth:`EventLog.events_since`."""
        ...
