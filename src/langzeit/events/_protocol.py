"""Event layer: the protocol every event store implements (in memory, SQLite, …)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Protocol, runtime_checkable

from langzeit.events._types import Event

__all__ = ["EventStore"]


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
