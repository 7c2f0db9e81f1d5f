"""Event layer: which event fields are personal, and the pseudonymised research export of events.

One classification (DOMAIN.md § 6), used by the pseudonymised export here and by the
crypto-shredding of :mod:`langzeit.store` alike:

* :data:`PERSON_ID_FIELDS` — ids of people or of records about one person (participant,
  event, consent, coach, tandem, plan step): hashed in a pseudonymised export.
* :data:`FREE_TEXT_FIELDS` — free text by event type (assessment results, reasons,
  plan goals and steps): it may hold names, diagnoses, anything; left out (emptied)
  of a pseudonymised export, encrypted per participant by crypto-shredding.
* :data:`SPECIAL_CATEGORY_FIELDS` — health data by event type (Art. 9 GDPR): scale
  items (WHO-5 is a depression screening) and the need of a referral to an actor.
  Kept in a pseudonymised research export (research needs them), encrypted by
  crypto-shredding.

Everything else stays clear for counting: event types, dates, programme, phase,
organisation and service ids, exit reasons and outcomes, follow-up status.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import attrs

from langzeit.events._types import EVENT_TYPES, Event
from langzeit.privacy import Pseudonymiser

__all__ = [
    "FREE_TEXT_FIELDS",
    "PERSON_ID_FIELDS",
    "SPECIAL_CATEGORY_FIELDS",
    "pseudonymise_events",
]

#: Fields holding ids of people or of records about one person (hashed by pseudonymisation).
PERSON_ID_FIELDS = frozenset({"event_id", "participant_id", "consent_id", "coach_id", "tandem_id", "step_id"})

#: Free-text fields by event type: emptied by pseudonymisation, encrypted by crypto-shredding.
FREE_TEXT_FIELDS: Mapping[str, frozenset[str]] = {
    "assessed": frozenset({"result"}),
    "declined": frozenset({"reason"}),
    "extended": frozenset({"reason"}),
    "paused": frozenset({"reason"}),
    "plan_agreed": frozenset({"goal"}),
    "plan_step_agreed": frozenset({"description"}),
}

#: Special categories (Art. 9 GDPR, health) by event type: kept by pseudonymisation, encrypted by shredding.
SPECIAL_CATEGORY_FIELDS: Mapping[str, frozenset[str]] = {
    "scale_scored": frozenset({"items"}),
    "actor_referred": frozenset({"need"}),
}


def _date_fields(cls: type[Event]) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(cls) if str(f.type) in ("date", "date | None"))


_DATES = {name: _date_fields(cls) for name, cls in EVENT_TYPES.items()}
_IDS = {name: tuple(f.name for f in attrs.fields(cls) if f.name in PERSON_ID_FIELDS)
        for name, cls in EVENT_TYPES.items()}


def pseudonymise_events(events: Iterable[Event], pseudonymiser: Pseudonymiser) -> Iterator[Event]:
    """Events for a research export: ids hashed, free text left out, dates coarsened if asked.

    Each event keeps its type, order and every field needed for counting; the
    fields of :data:`PERSON_ID_FIELDS` become their keyed hash (the same id the
    same pseudonym, so streams stay whole and link to spell tables pseudonymised with
    the same key), the fields of :data:`FREE_TEXT_FIELDS` become empty, and every
    date is coarsened to the pseudonymiser's precision (a map that keeps the order).
    At day precision the programme indicators of the export equal those of the
    original.

    Args:
        events: the events, in log order.
        pseudonymiser: the key and date precision.

    Yields:
        The pseudonymised events, in the same order.

    Examples:
        >>> from langzeit.events import Declined
        >>> from langzeit.privacy import Pseudonymiser
        >>> p = Pseudonymiser(bytes(range(16)), dates="month")
        >>> ev = Declined("e1", "p1", date(2024, 3, 17), reason="Frau M. ist krank")
        >>> [e] = pseudonymise_events([ev], p)
        >>> e.participant_id == p.id("p1"), e.reason, e.date
        (True, '', datetime.date(2024, 3, 1))
    """
    for event in events:
        kind = event.type
        changes: dict[str, Any] = {name: pseudonymiser.id(getattr(event, name)) for name in _IDS[kind]
                                   if getattr(event, name)}
        for name in FREE_TEXT_FIELDS.get(kind, ()):
            changes[name] = ""
        if pseudonymiser.dates != "day":
            for name in _DATES[kind]:
                value: date | None = getattr(event, name)
                if value is not None:
                    changes[name] = pseudonymiser.date(value)
        yield attrs.evolve(event, **changes)
