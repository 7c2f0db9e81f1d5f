"""Event layer: events to and from plain records (the shared core of every store format).

A record is a flat ``dict`` with ``event_id``, ``participant_id``, ``type``, ``date``
and the type's own fields: dates as ISO ``YYYY-MM-DD`` text, enumerations as their
values, item lists as lists. JSON Lines, CSV and SQLite all write these records
(DESIGN.md, "event log format"); this module is the one place that knows how.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs

from langzeit._calendar import iso_date
from langzeit._ids import MAX_ID_LENGTH, id_problem
from langzeit.events._fields import slot_constructor, text_problem
from langzeit.events._types import EVENT_TYPES, Event
from langzeit.exceptions import UnknownNameError, ValidationError

__all__ = [
    "BASE_FIELDS",
    "EVENT_FORMAT",
    "EVENT_FORMAT_VERSION",
    "RowDecoder",
    "event_fields",
    "event_from_record",
    "event_json_schema",
    "event_to_record",
    "events_from_rows",
]

#: Name and version of the event log format, written into every store.
EVENT_FORMAT = "langzeit-events"
EVENT_FORMAT_VERSION = 1
#: The columns every event has, in this order.
BASE_FIELDS = ("event_id", "participant_id", "type", "date")


def _parse_date(value: Any) -> date:
    if value.__class__ is date:
        return value
    day = iso_date(value)
    if day is None:
        raise ValidationError(f"bad date {value!r} (expected YYYY-MM-DD)" if isinstance(value, str)
                              else f"expected an ISO date, got {value!r}")
    return day


def _parse_str(value: Any) -> str:
    reason = text_problem(value)
    if reason is not None:
        raise ValidationError(reason)
    return value  # type: ignore[no-any-return]


def _parse_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"expected an integer, got {value!r}")
    return value


def _parse_opt_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValidationError(f"expected true, false or null, got {value!r}")


def _parse_items(value: Any) -> tuple[int | None, ...]:
    if not isinstance(value, list | tuple):
        raise ValidationError(f"expected a list of integers or nulls, got {value!r}")
    for item in value:
        if item is not None and (isinstance(item, bool) or not isinstance(item, int)):
            raise ValidationError(f"expected integers or nulls in items, got {item!r}")
    return tuple(value)


def _optional(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def parse_opt(value: Any) -> Any:
        return None if value is None else parse(value)

    return parse_opt


def _enum_parser(cls: type[enum.Enum]) -> Callable[[Any], Any]:
    def parse(value: Any) -> Any:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in cls)
            raise ValidationError(f"{value!r} is not one of {allowed}") from None

    return parse


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError(f"expected true or false, got {value!r}")


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "date": _parse_date,
    "date | None": _optional(_parse_date),
    "str": _parse_str,
    "str | None": _optional(_parse_str),
    "int": _parse_int,
    "bool": _parse_bool,
    "bool | None": _parse_opt_bool,
    "tuple[int | None, ...]": _parse_items,
}


def _enums() -> dict[str, type[enum.Enum]]:
    from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind

    return {"ConsentPurpose": ConsentPurpose, "ExitReason": ExitReason, "OutcomeKind": OutcomeKind}


def parse_fields(
    cls: type[Any], record: Mapping[str, Any], skip: Sequence[str] = ()
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The keyword arguments of an attrs class (command or event) from a JSON-ready record.

    Each field is parsed by its annotation (ISO dates, enumeration values, lists); fields
    missing from ``record`` keep their defaults. Unknown keys are reported, so that nothing
    is silently lost.

    Args:
        cls: the attrs class.
        record: the record.
        skip: keys that are not fields (a discriminator such as ``"command"``).

    Returns:
        The parsed arguments, and ``(field, reason)`` for every bad, missing or unknown field.
    """
    enums = _enums()
    kwargs: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    names = set()
    for f in attrs.fields(cls):
        names.add(f.name)
        annotation = str(f.type)
        parse = _enum_parser(enums[annotation]) if annotation in enums else _PARSERS[annotation]
        if f.name not in record:
            if f.default is attrs.NOTHING:
                errors.append((f.name, "missing"))
            continue
        try:
            kwargs[f.name] = parse(record[f.name])
        except ValueError as exc:
            errors.append((f.name, str(exc)))
    errors += [(str(k), "unknown field") for k in record if k not in names and k not in skip]
    return kwargs, errors


#: JSON Schema of a field by its annotation (ids and enumerations are added by name).
_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "date": _DATE_SCHEMA,
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "bool": {"type": "boolean"},
    "tuple[int | None, ...]": {"type": "array", "items": {"type": ["integer", "null"]}},
}


def field_schema(name: str, annotation: str, default: Any) -> dict[str, Any]:
    """The JSON Schema of one field of a command or event (the rules its constructor checks).

    Ids are bounded text without control characters (the library also refuses other
    invisible characters, see ``id_problem``); dates are ISO ``YYYY-MM-DD``.

    Examples:
        >>> field_schema("due", "date | None", None)["anyOf"][1]
        {'type': 'null'}
    """
    from langzeit.events._fields import ID_FIELDS

    optional = annotation.endswith(" | None")
    base = annotation.removesuffix(" | None")
    enums = _enums()
    schema: dict[str, Any]
    if base == "str" and name in ID_FIELDS:
        schema = {"type": "string", "minLength": 0 if default == "" else 1, "maxLength": MAX_ID_LENGTH,
                  "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"}
    elif base in enums:
        schema = {"type": "string", "enum": [m.value for m in enums[base]]}
    else:
        schema = dict(_SCHEMAS[base])
    if optional:
        schema = {"anyOf": [schema, {"type": "null"}]}
    if default is not attrs.NOTHING and not isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        schema["default"] = _dump(default)
    return schema


def class_schema(cls: type[Any], discriminator: str, value: str, title: str) -> dict[str, Any]:
    """The JSON Schema of one command or event class: an object with a constant discriminator."""
    properties: dict[str, Any] = {discriminator: {"const": value}}
    required = [discriminator]
    for f in attrs.fields(cls):
        properties[f.name] = field_schema(f.name, str(f.type), f.default)
        if f.default is attrs.NOTHING:
            required.append(f.name)
    return {"title": title, "description": (cls.__doc__ or "").strip().splitlines()[0],
            "type": "object", "properties": properties, "required": required,
            "additionalProperties": False}


def event_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of every event record, as :func:`event_to_record` writes them.

    Hosts in other languages validate records with it before they send them;
    ``langzeit schema events`` prints it.

    Returns:
        A schema whose ``oneOf`` has one object schema per event type, told apart by ``type``.

    Examples:
        >>> schema = event_json_schema()
        >>> len(schema["oneOf"]), schema["oneOf"][0]["properties"]["type"]
        (29, {'const': 'referred'})
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"{EVENT_FORMAT} event record, version {EVENT_FORMAT_VERSION}",
        "oneOf": [class_schema(cls, "type", name, cls.__name__) for name, cls in EVENT_TYPES.items()],
    }


def _dump(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


@attrs.frozen
class _FieldSpec:
    name: str
    parse: Callable[[Any], Any]
    required: bool


def _specs(cls: type[Event]) -> tuple[_FieldSpec, ...]:
    enums = _enums()
    out = []
    for f in attrs.fields(cls)[3:]:
        annotation = str(f.type)
        parse = _enum_parser(enums[annotation]) if annotation in enums else _PARSERS[annotation]
        out.append(_FieldSpec(f.name, parse, f.default is attrs.NOTHING))
    return tuple(out)


_SPECS: dict[str, tuple[_FieldSpec, ...]] = {name: _specs(cls) for name, cls in EVENT_TYPES.items()}


def event_fields(type_name: str) -> tuple[str, ...]:
    """The type-specific field names of an event type, in declaration order.

    Args:
        type_name: an event ``type`` such as ``"exited"``.

    Returns:
        The field names after the base fields.

    Raises:
        UnknownNameError: (a KeyError) if the type is unknown.

    Examples:
        >>> event_fields("exited")
        ('reason', 'outcome')
    """
    specs = _SPECS.get(type_name)
    if specs is None:
        raise UnknownNameError("event type", type_name, sorted(_SPECS))
    return tuple(s.name for s in specs)


def event_to_record(event: Event) -> dict[str, Any]:
    """An event as a flat, JSON-ready record.

    Args:
        event: the event.

    Returns:
        ``event_id``, ``participant_id``, ``type``, ``date`` and the type's fields.

    Examples:
        >>> from langzeit.events import Exited
        >>> event_to_record(Exited("e1", "p1", date(2024, 5, 1), reason="work", outcome="svp"))
        {'event_id': 'e1', 'participant_id': 'p1', 'type': 'exited', 'date': '2024-05-01', \
'reason': 'work', 'outcome': 'svp'}
    """
    record: dict[str, Any] = {
        "event_id": event.event_id,
        "participant_id": event.participant_id,
        "type": event.type,
        "date": event.date.isoformat(),
    }
    for spec in _SPECS[event.type]:
        record[spec.name] = _dump(getattr(event, spec.name))
    return record


def event_from_record(record: Mapping[str, Any]) -> Event:
    """Build an event from a record, checking every field.

    Args:
        record: a mapping as written by :func:`event_to_record`. Optional fields may
            be missing; unknown keys are refused so that nothing is silently lost.

    Returns:
        The event.

    Raises:
        ValidationError: (a ValueError) with a readable reason naming every bad field.

    Examples:
        >>> event_from_record({"event_id": "e1", "participant_id": "p1", "type": "admitted",
        ...                    "date": "2024-02-01"})
        Admitted(event_id='e1', participant_id='p1', date=datetime.date(2024, 2, 1))
        >>> event_from_record({"event_id": "e1", "participant_id": "p1", "type": "exited",
        ...                    "date": "2024-02-31", "reason": "bored"})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: date: bad date '2024-02-31' (expected YYYY-MM-DD); reason: ...
    """
    type_name = record.get("type")
    if not isinstance(type_name, str) or type_name not in EVENT_TYPES:
        if type_name is None:
            raise ValidationError("missing field 'type'")
        raise ValidationError(f"unknown event type {type_name!r}")
    specs = _SPECS[type_name]
    errors: list[str] = []
    kwargs: dict[str, Any] = {}
    for name in ("event_id", "participant_id"):
        value = record.get(name)
        reason = None if value is None else id_problem(value)
        if value is None or reason is not None:
            detail = f" ({reason})" if value.__class__ is str and value else ""
            errors.append(f"missing field {name!r}" if value is None else f"{name}: bad id {value!r}{detail}")
        else:
            kwargs[name] = value
    if "date" not in record or record["date"] is None:
        errors.append("missing field 'date'")
    else:
        try:
            kwargs["date"] = _parse_date(record["date"])
        except ValueError as exc:
            errors.append(f"date: {exc}")
    for spec in specs:
        if spec.name not in record:
            if spec.required:
                errors.append(f"missing field {spec.name!r}")
            continue
        try:
            kwargs[spec.name] = spec.parse(record[spec.name])
        except ValueError as exc:
            errors.append(f"{spec.name}: {exc}")
    known = set(BASE_FIELDS) | {s.name for s in specs}
    unknown = sorted(k for k in record if k not in known)
    if unknown:
        errors.append(f"unknown fields for {type_name!r}: {', '.join(unknown)}")
    if errors:
        raise ValidationError("; ".join(errors))
    try:  # the event's own checks: ids of its fields (phase, coach…)
        return EVENT_TYPES[type_name](**kwargs)
    except ValidationError as exc:
        if not exc.problems:  # a converter's check (an enumeration value): its message says what
            raise ValidationError(str(exc)) from None
        raise ValidationError("; ".join(f"{str(p.location).split('.')[-1]}: {p.message}"  # type: ignore[union-attr]
                                   for p in exc.problems)) from None


#: Distinct ``(type, payload)`` pairs per bulk read whose decoded fields are kept.
_PAYLOAD_CACHE_LIMIT = 4096
_BASE_SET = frozenset(BASE_FIELDS)
_MAX = MAX_ID_LENGTH


@functools.cache
def _constructor(type_name: str) -> Callable[..., Event]:
    """``make(*type_fields, event_id, participant_id, date)``: builds an event from checked values."""
    return slot_constructor(EVENT_TYPES[type_name], (*event_fields(type_name), *BASE_FIELDS[:2], "date"))


def _row_event(
    row: Sequence[Any], fields: Callable[[Any], Mapping[str, Any] | str]
) -> tuple[Event | str, Mapping[str, Any]]:
    """One row through :func:`event_from_record`: the event or the reason, and the payload's fields."""
    _, event_id, participant_id, type_name, day, payload = row
    found = {} if payload is None else fields(payload)
    if isinstance(found, str):
        return found, {}
    record = {"event_id": event_id, "participant_id": participant_id, "type": type_name, "date": day}
    record.update(found)
    try:
        return event_from_record(record), found
    except ValueError as exc:
        return str(exc), found


class RowDecoder:
    """The bulk decoder behind :func:`events_from_rows`, keeping what it learnt between calls.

    A store that reads in chunks (to fold each chunk while it is still in the CPU cache)
    calls one decoder per read on every chunk; dates and payloads seen in one chunk are
    then known in the next.

    Args:
        fields: a payload's type-specific fields, or the reason it cannot be read
            (see :func:`events_from_rows`).

    Examples:
        >>> import json
        >>> decode = RowDecoder(json.loads)
        >>> decode([(1, "e1", "p1", "admitted", "2024-02-01", None)])
        ([Admitted(event_id='e1', participant_id='p1', date=datetime.date(2024, 2, 1))], [])
        >>> decode([(2, "e2", "p1", "admitted", "2024-02-01", '{"x": 1}')])
        ([], [(2, "unknown fields for 'admitted': x")])
    """

    __slots__ = ("_dates", "_fields", "_learned", "_makers")

    def __init__(self, fields: Callable[[Any], Mapping[str, Any] | str]) -> None:
        self._fields = fields
        self._dates: dict[str, date] = {}
        self._makers: dict[str, dict[Any, Callable[[str, str, date], Event]]] = {}  # by type, payload
        self._learned = 0

    def __call__(self, rows: Iterable[Sequence[Any]]) -> tuple[list[Event], list[tuple[Any, str]]]:
        """Decode rows as :func:`events_from_rows` does.

        Args:
            rows: ``(line, event_id, participant_id, type, date, payload)`` rows.

        Returns:
            The events of the good rows, in order, and ``(line, reason)`` for every bad row.
        """
        events: list[Event] = []
        append = events.append
        bad: list[tuple[Any, str]] = []
        dates, makers = self._dates, self._makers
        for row in rows:
            _, event_id, participant_id, type_name, day, payload = row
            try:  # the hot path: a known-good date and (type, payload); the ids checked as the codec does
                make = makers[type_name][payload]
                when = dates[day]
            except (KeyError, TypeError):
                pass
            else:
                if (event_id.__class__ is str is participant_id.__class__
                        and 0 < len(event_id) <= _MAX and 0 < len(participant_id) <= _MAX
                        and event_id.isprintable() and participant_id.isprintable()):
                    append(make(event_id, participant_id, when))
                    continue
            event, found = _row_event(row, self._fields)
            if isinstance(event, str):
                bad.append((row[0], event))
                continue
            append(event)
            if day.__class__ is str and "date" not in found:  # a payload's own date is not the row's
                dates[day] = event.date
            if self._learned < _PAYLOAD_CACHE_LIMIT and not _BASE_SET & found.keys():
                self._learn(event, payload)
        return events, bad

    def _learn(self, event: Event, payload: Any) -> None:
        """Keep the checked type-specific values of a good row's payload for the rows that repeat it."""
        try:
            hash(payload)
        except TypeError:
            return
        values = [getattr(event, name) for name in event_fields(event.type)]
        make = _constructor(event.type)
        if values:
            make = functools.partial(make, *values)
        self._makers.setdefault(event.type, {})[payload] = make
        self._learned += 1


def events_from_rows(
    rows: Iterable[Sequence[Any]], fields: Callable[[Any], Mapping[str, Any] | str]
) -> tuple[list[Event], list[tuple[Any, str]]]:
    """Decode many stored rows at once, with exactly the checks of :func:`event_from_record`.

    The bulk path of the stores' readers. A row is ``(line, event_id, participant_id,
    type, date, payload)``; ``payload`` (for example a JSON text) holds the type-specific
    fields, ``None`` for none, and ``fields(payload)`` turns it into a mapping of them
    (it must give the same answer for the same payload) or into the reason it cannot.
    The record ``{event_id, participant_id, type, date}`` updated with those fields is
    what :func:`event_from_record` would decode. Decoded dates and the decoded fields of
    each distinct ``(type, payload)`` are kept for the rows that repeat them, and events
    are built straight from those checked values, so a read of many events costs a
    fraction of decoding each record on its own; the events are equal.

    Args:
        rows: the rows, in the order wanted.
        fields: a payload's type-specific fields, or the reason it cannot be read.

    Returns:
        The events of the good rows, in order, and ``(line, reason)`` for every bad row,
        the reason as :func:`event_from_record` gives it.

    Examples:
        >>> import json
        >>> rows = [(1, "e1", "p1", "exited", "2024-05-01", '{"reason": "work"}'),
        ...         (2, "e2", "p1", "admitted", "2024-02-31", None)]
        >>> events, bad = events_from_rows(rows, json.loads)
        >>> events
        [Exited(event_id='e1', participant_id='p1', date=datetime.date(2024, 5, 1), \
reason=<ExitReason.WORK: 'work'>, outcome=<OutcomeKind.NONE: 'none'>)]
        >>> bad
        [(2, "date: bad date '2024-02-31' (expected YYYY-MM-DD)")]
    """
    return RowDecoder(fields)(rows)
