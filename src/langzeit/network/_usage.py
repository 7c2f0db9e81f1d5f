"""Network layer: actor usage — referrals to actors recorded as events, counted over a period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import attrs

from langzeit.events import ActorReferred, Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.tabular import Table

__all__ = ["ActorUsage", "UsageRow", "actor_usage"]


@attrs.frozen
class UsageRow:
    """Referrals to one actor's service for one need in a period.

    Args:
        actor_id: the organisation referred to.
        service_id: the service ("" when not recorded).
        need: the need ("" when not recorded).
        referrals: number of referral events.
        participants: distinct participants referred.

    Examples:
        >>> UsageRow("sb", "sb-s", "debt", 3, 2).referrals
        3
    """

    actor_id: str
    service_id: str
    need: str
    referrals: int
    participants: int


@attrs.frozen
class ActorUsage(Table):
    """Actor usage in a period (rows as :class:`UsageRow`), by actor, service and need.

    Examples:
        >>> u = ActorUsage(date(2024, 1, 1), date(2024, 12, 31), (UsageRow("sb", "", "debt", 2, 1),))
        >>> u.total, u.for_actor("sb")
        (2, 2)
    """

    start: date
    end: date
    usage: tuple[UsageRow, ...]
    _title = "Nutzung der Akteure"

    @property
    def total(self) -> int:
        """All referrals in the period."""
        return sum(r.referrals for r in self.usage)

    def for_actor(self, actor_id: str) -> int:
        """Referrals to one actor in the period."""
        return sum(r.referrals for r in self.usage if r.actor_id == actor_id)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("actor_id", "service_id", "need", "referrals", "participants")

    def rows(self) -> list[dict[str, Any]]:
        """One row per actor, service and need."""
        return [attrs.asdict(r) for r in self.usage]


def actor_usage(events: Iterable[Event], *, start: date, end: date) -> ActorUsage:
    """How often each actor was referred to in a period, from ``actor_referred`` events.

    Workshop question: *Are the offers of the social space used at all — which
    actors do the coaches actually refer to?* Referrals the engine records as
    :class:`~langzeit.events.ActorReferred` events dated in ``[start, end]``
    (both inclusive) are counted per actor, service and need, with the number of
    distinct participants.

    Args:
        events: events (other types are ignored).
        start: first day of the period.
        end: last day of the period.

    Returns:
        The usage table, by actor, service and need.

    Raises:
        ValidationError: ``end`` before ``start``.

    Examples:
        >>> evs = [ActorReferred("e1", "p1", date(2024, 3, 1), actor_id="sb", need="debt"),
        ...        ActorReferred("e2", "p2", date(2024, 3, 9), actor_id="sb", need="debt"),
        ...        ActorReferred("e3", "p1", date(2024, 7, 1), actor_id="tk", need="mental_health")]
        >>> [(r.actor_id, r.referrals, r.participants)
        ...  for r in actor_usage(evs, start=date(2024, 1, 1), end=date(2024, 6, 30)).usage]
        [('sb', 2, 2)]
    """
    if end < start:
        raise ValidationError("actor usage", [Problem("end", f"{end} is before start {start}")])
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    people: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for e in events:
        if isinstance(e, ActorReferred) and start <= e.date <= end:
            key = (e.actor_id, e.service_id, e.need)
            counts[key] += 1
            people[key].add(e.participant_id)
    rows = tuple(UsageRow(*key, counts[key], len(people[key])) for key in sorted(counts))
    return ActorUsage(start, end, rows)
