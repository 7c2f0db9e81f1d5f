"""The bulk decoder of the events codec: the same events and reasons as event_from_record, row by row."""

import json
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.events import (
    BASE_FIELDS,
    Event,
    Exited,
    Referred,
    _codec,
    event_from_record,
    event_to_record,
)
from langzeit.events._codec import events_from_rows
from langzeit.events._fields import slot_constructor
from strategies import events

Row = tuple[Any, ...]


def _row(line: int, event: Event) -> Row:
    """A stored row as the SQLite store writes it: base columns and a JSON payload (None when empty)."""
    record = event_to_record(event)
    fields = {k: v for k, v in record.items() if k not in BASE_FIELDS}
    payload = json.dumps(fields) if fields else None
    return line, record["event_id"], record["participant_id"], record["type"], record["date"], payload


def _one_by_one(rows: list[Row]) -> tuple[list[Event], list[tuple[Any, str]]]:
    """The oracle: each row's record through event_from_record on its own."""
    good: list[Event] = []
    bad: list[tuple[Any, str]] = []
    for line, event_id, participant_id, type_name, day, payload in rows:
        record = {"event_id": event_id, "participant_id": participant_id, "type": type_name, "date": day}
        fields = {} if payload is None else _fields(payload)
        if isinstance(fields, str):
            bad.append((line, fields))
            continue
        record.update(fields)
        try:
            good.append(event_from_record(record))
        except ValueError as exc:
            bad.append((line, str(exc)))
    return good, bad


def _fields(payload: Any) -> dict[str, Any] | str:
    """Payload decoder of the tests: JSON objects, anything else is refused with a reason."""
    try:
        fields = json.loads(payload)
    except (TypeError, ValueError):
        return "data: not JSON"
    return fields if isinstance(fields, dict) else "data: not an object"


def _good(line: int, payload: str | None = '{"reason": "work"}') -> Row:
    """A valid exited row (unless the payload spoils it) with event id ``e<line>``."""
    return line, f"e{line}", "p1", "exited", "2024-05-01", payload


@given(st.lists(events(), max_size=25))
def test_bulk_equals_one_by_one_on_valid_rows(drawn: list[Event]) -> None:
    """Every valid stored row decodes to the event event_from_record gives, also when rows repeat."""
    rows = [_row(i, e) for i, e in enumerate(drawn)]
    rows += [(len(rows) + i, *row[1:]) for i, row in enumerate(rows)]  # the second half hits the caches
    decoded, bad = events_from_rows(rows, _fields)
    assert bad == []
    assert decoded == drawn + drawn
    assert [type(e) for e in decoded] == [type(e) for e in drawn + drawn]
    assert [hash(e) for e in decoded] == [hash(e) for e in drawn + drawn]


_BAD_IDS = st.sampled_from(["", b"e1", 7, None])
_BAD_DATES = st.sampled_from(["2024-02-30", "01.05.2024", "", 20240501, None, b"2024-05-01"])
_BAD_PAYLOADS = st.sampled_from(['{"reason": "bored"}', '{"reason": "work", "x": 1}', "{}", "[1]", "{oops",
                                 '{"date": "2024-01-01", "reason": "work"}', 5])


@st.composite
def _rows_with_bad_ones(draw: st.DrawFn) -> list[Row]:
    """Valid exited rows (few distinct payloads and dates, so caches are hit) with some cells spoilt."""
    rows: list[Row] = []
    for line in range(draw(st.integers(1, 20))):
        day = draw(st.sampled_from(["2024-05-01", "2024-06-01"]))
        payload = draw(st.sampled_from(['{"reason": "work"}', '{"reason": "moved", "outcome": "svp"}', None]))
        row = [line, f"e{line}", draw(st.sampled_from(["p1", "p2"])), "exited", day, payload]
        spoil = draw(st.sampled_from(["-", "-", "event_id", "participant_id", "type", "date", "payload"]))
        if spoil in ("event_id", "participant_id"):
            row[BASE_FIELDS.index(spoil) + 1] = draw(_BAD_IDS)
        elif spoil == "type":
            row[3] = draw(st.sampled_from(["exploded", None, "admitted"]))
        elif spoil == "date":
            row[4] = draw(_BAD_DATES)
        elif spoil == "payload":
            row[5] = draw(_BAD_PAYLOADS)
        rows.append(tuple(row))
    return rows


@given(_rows_with_bad_ones())
def test_bulk_gives_the_reasons_of_event_from_record(rows: list[Row]) -> None:
    """Good and bad rows mixed: the good ones decode in order, each bad one has the codec's reason."""
    assert events_from_rows(rows, _fields) == _one_by_one(rows)


def test_bad_ids_after_cached_rows_are_still_refused() -> None:
    """A row whose type, payload and date are known good is still checked for its ids."""
    rows = [_good(0), (1, "", "p1", "exited", "2024-05-01", '{"reason": "work"}'),
            (2, "e2", b"p1", "exited", "2024-05-01", '{"reason": "work"}')]
    decoded, bad = events_from_rows(rows, _fields)
    assert [e.event_id for e in decoded] == ["e0"]
    assert bad == [(1, "event_id: bad id ''"), (2, "participant_id: bad id b'p1'")]


def test_payload_reason_is_passed_through() -> None:
    """What the payload decoder says about a payload is the row's reason."""
    decoded, bad = events_from_rows([_good(1, payload="{oops")], _fields)
    assert (decoded, bad) == ([], [(1, "data: not JSON")])


def test_base_fields_in_the_payload_override_the_columns_like_a_record() -> None:
    """A payload naming a base field is decoded like the record it makes (never cached for other rows)."""
    payload = '{"reason": "work", "participant_id": "p9"}'
    decoded, bad = events_from_rows([_good(1, payload=payload), _good(2, payload=payload)], _fields)
    assert bad == []
    assert [e.participant_id for e in decoded] == ["p9", "p9"]


def test_a_full_cache_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """With room for one payload only, the other rows take the careful path and decode the same."""
    rows = [_good(1), _good(2, payload='{"reason": "moved"}'), _good(3, payload=None), _good(4)]
    expected = events_from_rows(rows, _fields)
    monkeypatch.setattr(_codec, "_PAYLOAD_CACHE_LIMIT", 1)
    assert events_from_rows(rows, _fields) == expected
    assert expected[1] == [(3, "missing field 'reason'")]


def test_events_of_one_payload_share_decoded_values_but_are_distinct() -> None:
    """Two rows with one payload give two separate events; dates and enum members are shared values."""
    first, second = events_from_rows([_good(1), _good(2)], _fields)[0]
    assert first is not second
    assert isinstance(first, Exited)
    assert isinstance(second, Exited)
    assert first.reason is second.reason
    assert second == Exited("e2", "p1", date(2024, 5, 1), reason="work")


def test_slot_constructor_builds_equal_instances_in_any_parameter_order() -> None:
    """The fast constructor takes the fields in the order asked and equals the attrs constructor."""
    make = slot_constructor(Referred, ("referrer", "date", "programme_id", "participant_id", "event_id"))
    built = make("jobcenter", date(2024, 1, 8), "geh-vor", "p1", "e1")
    assert built == Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor")
    assert hash(built) == hash(Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"))


def test_slot_constructor_refuses_missing_or_unknown_fields() -> None:
    """Every field must be named exactly once."""
    with pytest.raises(TypeError, match="every field once"):
        slot_constructor(Referred, ("event_id", "participant_id", "date"))
    with pytest.raises(TypeError, match="every field once"):
        slot_constructor(Referred, ("event_id", "participant_id", "date", "referrer", "referrer"))


def test_slot_constructor_refuses_classes_that_validate() -> None:
    """A class with a validator (which the fast constructor would skip) is refused."""

    @attrs.frozen
    class Checked:
        n: int = attrs.field(validator=attrs.validators.ge(0))

    with pytest.raises(TypeError, match="validates its values"):
        slot_constructor(Checked, ("n",))
