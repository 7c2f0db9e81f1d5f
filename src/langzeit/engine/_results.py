"""Engine layer: the engine's query results (deadlines, occupancy, caseload, waiting list)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from langzeit.exceptions import UnknownNameError
from langzeit.tabular import Table

__all__ = [
    "DUE_KINDS", "CaseloadRow", "CaseloadTable", "Due", "DueList", "Occupancy", "WaitingEntry",
    "WaitingList",
]

#: The kinds of deadlines :meth:`PathwayEngine.due` reports, in the order of the guide.
DUE_KINDS = (
    "phase_end", "phase_max", "max_duration", "plan_review", "aftercare_end", "follow_up",
    "max_wait", "schlichtung_end", "no_contact",
)


@attrs.frozen
class Due:
    """One deadline on the model clock that is due.

    Kinds: ``phase_end`` (planned end of the current phase), ``phase_max`` (maximum
    stay in the phase), ``max_duration`` (maximum stay in the programme, extensions
    included), ``plan_review`` (cooperation plan review, § 15 Abs. 3 SGB II),
    ``aftercare_end``, ``follow_up`` (6 and 12 months after exit), ``max_wait``
    (maximum wait on the list reached: renege), ``schlichtung_end`` (§ 15a SGB II) and,
    when asked for, ``no_contact`` (no Beratungskontakt for the given time since the last
    one, or since admission).

    Args:
        participant_id: whose deadline.
        kind: what is due.
        date: the day it falls due.
        detail: e.g. the phase id or ``"6 months"``.

    Examples:
        >>> Due("p1", "follow_up", date(2025, 6, 1), "6 months").kind
        'follow_up'
    """

    participant_id: str
    kind: str
    date: date
    detail: str = ""


@attrs.frozen
class DueList(Table):
    """What is due as of a date, ordered by date, participant and kind.

    Args:
        as_of: the day asked for.
        items: the deadlines.

    Examples:
        >>> d = DueList(date(2025, 1, 1), (Due("p1", "plan_review", date(2024, 12, 1)),))
        >>> len(d), d.rows()[0]["kind"]
        (1, 'plan_review')
    """

    _title = "due"

    as_of: date
    items: tuple[Due, ...]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Any:
        return iter(self.items)

    def of_kind(self, kind: str) -> tuple[Due, ...]:
        """Only the deadlines of one kind."""
        return tuple(d for d in self.items if d.kind == kind)

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("participant_id", "kind", "date", "detail")

    def rows(self) -> list[dict[str, Any]]:
        """One row per deadline."""
        return [attrs.asdict(d) for d in self.items]


@attrs.frozen
class Occupancy(Table):
    """Places taken in a programme and its phases at a date.

    Args:
        as_of: the day (None: the engine's current state).
        occupied: participants holding a place (active or paused).
        capacity: the programme's places (None: unlimited).
        waiting: participants on the waiting list.
        phases: per phase id, ``(occupied, places)`` with places None when unlimited.

    Examples:
        >>> o = Occupancy(None, 3, 4, 1, (("intake", 1, None), ("coaching", 2, 2)))
        >>> o.free, o.rows()[1]
        (1, {'phase': 'coaching', 'occupied': 2, 'places': 2})
    """

    _title = "occupancy"

    as_of: date | None
    occupied: int
    capacity: int | None
    waiting: int
    phases: tuple[tuple[str, int, int | None], ...]

    @property
    def free(self) -> int | None:
        """Free places in the programme (None when unlimited)."""
        return None if self.capacity is None else self.capacity - self.occupied

    def in_phase(self, phase_id: str) -> int:
        """Participants holding a place in ``phase_id``."""
        return next((n for p, n, _ in self.phases if p == phase_id), 0)

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("phase", "occupied", "places")

    def rows(self) -> list[dict[str, Any]]:
        """One row per phase."""
        return [{"phase": p, "occupied": n, "places": c} for p, n, c in self.phases]


@attrs.frozen
class CaseloadRow:
    """The cases one coach or tandem holds, against its limit.

    Args:
        kind: ``"coach"`` or ``"tandem"``.
        id: the coach's or tandem's id.
        cases: cases held (a coach's count includes its tandems' cases).
        limit: the most cases allowed (Betreuungsschlüssel scaled by FTE).

    Examples:
        >>> CaseloadRow("coach", "c1", 6, 12).ratio
        0.5
    """

    kind: str
    id: str
    cases: int
    limit: int

    @property
    def ratio(self) -> float:
        """Cases per allowed case."""
        return self.cases / self.limit


@attrs.frozen
class CaseloadTable(Table):
    """Caseload per coach and per tandem at a date.

    Args:
        as_of: the day (None: the engine's current state).
        items: one row per registered coach, then per tandem.

    Examples:
        >>> t = CaseloadTable(None, (CaseloadRow("coach", "c1", 6, 12),))
        >>> t.of("c1").cases, t.rows()[0]["limit"]
        (6, 12)
    """

    _title = "caseload"

    as_of: date | None
    items: tuple[CaseloadRow, ...]

    def of(self, id: str) -> CaseloadRow:
        """The row of a coach or tandem.

        Raises:
            UnknownNameError: (a KeyError) no such coach or tandem is registered.
        """
        for row in self.items:
            if row.id == id:
                return row
        raise UnknownNameError("coach or tandem", id)

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("kind", "id", "cases", "limit")

    def rows(self) -> list[dict[str, Any]]:
        """One row per coach or tandem."""
        return [attrs.asdict(r) for r in self.items]


@attrs.frozen
class WaitingEntry:
    """A participant on the waiting list.

    Args:
        participant_id: who is waiting.
        since: the day they were put on the list.
        priority: higher is served first under the ``priority`` discipline.

    Examples:
        >>> WaitingEntry("p1", date(2024, 1, 22)).priority
        0
    """

    participant_id: str
    since: date
    priority: int = 0


@attrs.frozen
class WaitingList(Table):
    """The waiting list at a date, in the order it will be served.

    Args:
        as_of: the day (None: the engine's current state).
        entries: the waiting participants, next first.

    Examples:
        >>> w = WaitingList(None, (WaitingEntry("p1", date(2024, 1, 22)),))
        >>> len(w), w.participant_ids
        (1, ('p1',))
    """

    _title = "waiting list"

    as_of: date | None
    entries: tuple[WaitingEntry, ...]

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def participant_ids(self) -> tuple[str, ...]:
        """Ids in serving order."""
        return tuple(e.participant_id for e in self.entries)

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("position", "participant_id", "since", "priority")

    def rows(self) -> list[dict[str, Any]]:
        """One row per waiting participant, position 1 served next."""
        return [{"position": i, "participant_id": e.participant_id, "since": e.since,
                 "priority": e.priority} for i, e in enumerate(self.entries, 1)]
