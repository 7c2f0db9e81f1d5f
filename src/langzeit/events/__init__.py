"""Event layer: event types, the append-only :class:`EventLog` and replay to state.

Everything that happens to a participant is an immutable, dated event (DESIGN.md,
"one currency"). The engine and the simulator write events, the stores persist
them, the calculators read them.

Examples:
    >>> from datetime import date
    >>> from langzeit.events import EventLog, Referred, Waitlisted, Status
    >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
    ...                 Waitlisted("e2", "p1", date(2024, 1, 10))])
    >>> log.state("p1").status is Status.WAITLISTED
    True
"""

from langzeit.events import _types
from langzeit.events._codec import (
    BASE_FIELDS,
    EVENT_FORMAT,
    EVENT_FORMAT_VERSION,
    RowDecoder,
    event_fields,
    event_from_record,
    event_json_schema,
    event_to_record,
    events_from_rows,
)
from langzeit.events._log import EventLog, StoredEvent
from langzeit.events._personal import (
    FREE_TEXT_FIELDS,
    PERSON_ID_FIELDS,
    SPECIAL_CATEGORY_FIELDS,
    pseudonymise_events,
)
from langzeit.events._protocol import EventStore, SharedEventStore
from langzeit.events._state import ActiveConsent, ParticipantState, StateBuilder, Status, replay
from langzeit.events._types import *  # noqa: F403 -- re-exports _types.__all__

__all__ = [
    "BASE_FIELDS",
    "EVENT_FORMAT",
    "EVENT_FORMAT_VERSION",
    "FREE_TEXT_FIELDS",
    "PERSON_ID_FIELDS",
    "SPECIAL_CATEGORY_FIELDS",
    "ActiveConsent",
    "EventLog",
    "EventStore",
    "ParticipantState",
    "RowDecoder",
    "SharedEventStore",
    "StateBuilder",
    "Status",
    "StoredEvent",
    "event_fields",
    "event_from_record",
    "event_json_schema",
    "event_to_record",
    "events_from_rows",
    "pseudonymise_events",
    "replay",
    *_types.__all__,
]
