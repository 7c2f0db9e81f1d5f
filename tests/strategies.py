"""Hypothesis strategies that build whole, valid events and event logs (all event types).

Reuse them in any test package (pytest puts ``tests/`` on ``sys.path`` for
``tests/conftest.py``, so the module imports by its plain name)::

    from strategies import event_logs, events, events_of_type

Every field of every type in :data:`langzeit.events.EVENT_TYPES` gets values of its
declared type: free text with any Unicode (no surrogates) including the empty text,
enumerations, dates, optional dates and booleans, item lists with missing answers.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import attrs
from hypothesis import strategies as st

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import EVENT_TYPES, Event, EventLog
from langzeit.events._fields import ID_FIELDS

__all__ = [
    "DATES",
    "TEXT",
    "event_ids",
    "event_logs",
    "events",
    "events_of_type",
    "participant_ids",
]

#: Free text: any Unicode scalar value (surrogates cannot be stored as UTF-8), also empty.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
#: Dates of the model clock: the whole range an event accepts (langzeit._calendar.FIRST_YEAR–LAST_YEAR).
DATES = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31))
#: Id characters: printable (no control or invisible characters: the rule of ``id_problem``).
_ID_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")),
                   min_size=1, max_size=10)
#: An id that may be empty (fields whose default is ``""``, such as ``programme_id``).
_OPTIONAL_ID = st.just("") | _ID_TEXT
_ENUMS: dict[str, type[enum.Enum]] = {
    "ConsentPurpose": ConsentPurpose, "ExitReason": ExitReason, "OutcomeKind": OutcomeKind,
}


def participant_ids(pool: int = 4) -> st.SearchStrategy[str]:
    """Participant ids: mostly from a small pool (so streams have several events), sometimes any text."""
    return st.one_of(st.sampled_from([f"p{i}" for i in range(1, pool + 1)]), _ID_TEXT)


def event_ids() -> st.SearchStrategy[str]:
    """Event ids: any non-empty text."""
    return st.one_of(st.uuids().map(str), _ID_TEXT)


def _values(annotation: str) -> st.SearchStrategy[Any]:
    if annotation in _ENUMS:
        return st.sampled_from(list(_ENUMS[annotation]))
    strategies: dict[str, st.SearchStrategy[Any]] = {
        "str": TEXT,
        "int": st.integers(min_value=-(2**31), max_value=2**31),
        "date": DATES,
        "date | None": st.none() | DATES,
        "bool | None": st.sampled_from([None, True, False]),
        "tuple[int | None, ...]": st.lists(st.none() | st.integers(0, 5), max_size=10).map(tuple),
    }
    return strategies[annotation]


@st.composite
def events_of_type(
    draw: st.DrawFn,
    type_name: str,
    *,
    ids: st.SearchStrategy[str] | None = None,
    participants: st.SearchStrategy[str] | None = None,
    dates: st.SearchStrategy[date] = DATES,
) -> Event:
    """A valid event of one type with every field drawn (optional fields sometimes left at default)."""
    cls = EVENT_TYPES[type_name]
    kwargs: dict[str, Any] = {}
    for field in attrs.fields(cls)[3:]:
        if field.default is not attrs.NOTHING and draw(st.booleans()):
            continue  # keep the default
        if field.name in ID_FIELDS:
            kwargs[field.name] = draw(_OPTIONAL_ID if field.default == "" else _ID_TEXT)
        else:
            kwargs[field.name] = draw(_values(str(field.type)))
    return cls(
        draw(ids if ids is not None else event_ids()),
        draw(participants if participants is not None else participant_ids()),
        draw(dates),
        **kwargs,
    )


def events(
    *,
    ids: st.SearchStrategy[str] | None = None,
    participants: st.SearchStrategy[str] | None = None,
    dates: st.SearchStrategy[date] = DATES,
) -> st.SearchStrategy[Event]:
    """A valid event of any of the types in :data:`langzeit.events.EVENT_TYPES`."""
    return st.sampled_from(sorted(EVENT_TYPES)).flatmap(
        lambda name: events_of_type(name, ids=ids, participants=participants, dates=dates)
    )


def event_logs(
    *, min_size: int = 0, max_size: int = 30, dates: st.SearchStrategy[date] = DATES
) -> st.SearchStrategy[EventLog]:
    """An :class:`~langzeit.events.EventLog` of events with distinct ids, in drawn append order."""
    return st.lists(
        events(dates=dates), min_size=min_size, max_size=max_size, unique_by=lambda e: e.event_id
    ).map(EventLog)
