"""Hypothesis strategies that build whole, valid events and event logs (all event types).

Reuse them in any test package (pytest puts ``tests/`` on ``sys.path`` for
``tests/conftest.py``, so the module imports by its plain name)::

    from strategies import event_logs, events, events_of_type

Every field of every type in :data:`langzeit.events.EVENT_TYPES` gets values of its
declared type: free text with any Unicode (no surrogates) including the empty text,
enumerations, dates, optional dates and booleans, item lists with missing answers.
Contacts and coach assignments are drawn more often, mostly with a real channel and one of
a few shared coaches (so the contact density's coach figures meet assignments and contacts).
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

import attrs
from hypothesis import strategies as st

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import CONTACT_CHANNELS, EVENT_TYPES, Event, EventLog
from langzeit.events._fields import ID_FIELDS

__all__ = [
    "DATES",
    "TEXT",
    "event_ids",
    "event_logs",
    "events",
    "events_of_type",
    "participant_ids",
    "pathway_logs",
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
#: A few coaches shared by assignments and contacts, so that the coach figures meet both.
_COACHES = st.sampled_from(["c1", "c2", "c3"])
#: Fields drawn from domain values most of the time (and any value otherwise).
_FIELDS: dict[tuple[str, str], st.SearchStrategy[Any]] = {
    ("contacted", "channel"): st.sampled_from(CONTACT_CHANNELS) | TEXT,
    ("contacted", "coach_id"): _COACHES | _OPTIONAL_ID,
    ("contacted", "minutes"): st.integers(0, 240) | st.integers(min_value=-(2**31), max_value=2**31),
    ("coach_assigned", "coach_id"): _COACHES | _ID_TEXT,
}
#: Event types drawn more often than the others: the pathway and its contacts.
_FREQUENT = ("admitted", "coach_assigned", "contacted", "contacted", "exited")
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
        if (type_name, field.name) in _FIELDS:
            kwargs[field.name] = draw(_FIELDS[type_name, field.name])
        elif field.name in ID_FIELDS:
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
    return st.sampled_from([*sorted(EVENT_TYPES), *_FREQUENT]).flatmap(
        lambda name: events_of_type(name, ids=ids, participants=participants, dates=dates)
    )


def event_logs(
    *, min_size: int = 0, max_size: int = 30, dates: st.SearchStrategy[date] = DATES
) -> st.SearchStrategy[EventLog]:
    """An :class:`~langzeit.events.EventLog` of events with distinct ids, in drawn append order."""
    return st.lists(
        events(dates=dates), min_size=min_size, max_size=max_size, unique_by=lambda e: e.event_id
    ).map(EventLog)


@st.composite
def pathway_logs(draw: st.DrawFn, *, max_persons: int = 6, noise: int = 10) -> EventLog:
    """Whole pathways with contacts and shared coaches, plus ``noise`` random events of any type.

    Per person 1–2 participations: referral, admission, coach assignments, contacts (some
    before the admission or after the exit, i.e. in aftercare) and maybe an exit. Day offsets
    are small, so contacts fall in stays and coaches' caseload spans overlap across persons
    (the contact density's exposure and the partitioned report's merge of coach days).
    """
    start = date(2024, 1, 1).toordinal()
    out: list[Event] = []
    n = 0

    def day(offset: int) -> date:
        return date.fromordinal(start + offset)

    def add(e: Event) -> None:
        out.append(e)

    for i in range(draw(st.integers(1, max_persons))):
        pid = f"p{i + 1}"
        t = draw(st.integers(0, 60))
        for _ in range(draw(st.integers(1, 2))):
            n += 1
            add(EVENT_TYPES["referred"](f"r{n}", pid, day(t)))
            adm = t + draw(st.integers(0, 40))
            add(EVENT_TYPES["admitted"](f"a{n}", pid, day(adm)))
            for k in range(draw(st.integers(0, 2))):
                add(EVENT_TYPES["coach_assigned"](f"c{n}.{k}", pid, day(adm + draw(st.integers(-5, 90))),
                                                  coach_id=draw(_COACHES)))
            stay = draw(st.integers(1, 400))
            for k in range(draw(st.integers(0, 4))):
                add(EVENT_TYPES["contacted"](
                    f"k{n}.{k}", pid, day(adm + draw(st.integers(-10, stay + 60))),
                    channel=draw(_FIELDS["contacted", "channel"]), minutes=draw(st.integers(0, 240)),
                    coach_id=draw(st.just("") | _COACHES)))
            if not draw(st.booleans()):
                break  # the participation runs to the data's end
            reason = draw(st.sampled_from(list(ExitReason)))
            add(EVENT_TYPES["exited"](f"x{n}", pid, day(adm + stay), reason=reason))
            t = adm + stay + draw(st.integers(1, 120))
    noisy = draw(st.lists(events(participants=st.sampled_from([f"p{i}" for i in range(1, max_persons + 1)]),
                                 dates=st.dates(min_value=day(0), max_value=day(700))),
                          max_size=noise, unique_by=lambda e: e.event_id))
    order = draw(st.permutations(range(len(out))))  # the log's append order need not be the dates'
    ids = {e.event_id for e in out}
    return EventLog([out[i] for i in order] + [e for e in noisy if e.event_id not in ids])
