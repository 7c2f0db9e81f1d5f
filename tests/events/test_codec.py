"""The events codec: flat records for every store format, with every bad field named."""

import json
import re
from datetime import date
from typing import Any

import pytest
from hypothesis import given

from langzeit.events import (
    BASE_FIELDS,
    EVENT_FORMAT,
    EVENT_FORMAT_VERSION,
    EVENT_TYPES,
    Event,
    FollowUp,
    PlanStepAgreed,
    Referred,
    ScaleScored,
    event_fields,
    event_from_record,
    event_to_record,
)
from strategies import events


def _rec(**fields: Any) -> dict[str, Any]:
    return {"event_id": "e1", "participant_id": "p1", "type": "admitted", "date": "2024-02-01", **fields}


def test_format_name_and_version() -> None:
    """Every store writes 'langzeit-events' version 1."""
    assert (EVENT_FORMAT, EVENT_FORMAT_VERSION) == ("langzeit-events", 1)
    assert BASE_FIELDS == ("event_id", "participant_id", "type", "date")


def test_event_types_are_named_by_their_type() -> None:
    """EVENT_TYPES maps each type name to its class; the plan and reduction types are among them."""
    assert {"plan_updated", "schlichtung_started", "schlichtung_ended", "benefit_reduced"} <= set(EVENT_TYPES)
    assert all(cls.type == name for name, cls in EVENT_TYPES.items())


def test_fields_are_in_declaration_order() -> None:
    """event_fields lists the type's own fields after the base ones."""
    assert event_fields("plan_step_agreed") == ("step_id", "description", "responsible", "due")
    assert event_fields("admitted") == ()
    with pytest.raises(KeyError):
        event_fields("nope")


def test_record_has_iso_dates_enum_values_and_lists() -> None:
    """Dates as text, optional dates as null, items as a list, booleans kept."""
    assert event_to_record(PlanStepAgreed("e1", "p1", date(2024, 2, 5), step_id="s1"))["due"] is None
    scored = ScaleScored("e1", "p1", date(2024, 2, 5), scale="swe", items=(1, None))
    assert event_to_record(scored)["items"] == [1, None]
    rec = event_to_record(FollowUp("e1", "p1", date(2025, 1, 1), months_after_exit=6, status="svp",
                                   receives_benefit=True))
    assert rec == {"event_id": "e1", "participant_id": "p1", "type": "follow_up", "date": "2025-01-01",
                   "months_after_exit": 6, "status": "svp", "receives_benefit": True}


@given(event=events())
def test_any_event_round_trips_through_json(event: Event) -> None:
    """event_from_record(json(event_to_record(e))) == e for every type and value."""
    record = json.loads(json.dumps(event_to_record(event)))
    assert event_from_record(record) == event
    assert list(record)[:4] == list(BASE_FIELDS)


def test_optional_fields_may_be_left_out() -> None:
    """A missing optional field takes the type's default."""
    assert event_from_record(_rec(type="referred")) == Referred("e1", "p1", date(2024, 2, 1))


@pytest.mark.parametrize(("record", "reason"), [
    ({"event_id": "e1"}, "missing field 'type'"),
    (_rec(type="teleported"), "unknown event type 'teleported'"),
    (_rec(type=3), "unknown event type 3"),
    (_rec(event_id=""), "event_id: bad id ''"),
    (_rec(participant_id=None), "missing field 'participant_id'"),
    (_rec(date=None), "missing field 'date'"),
    (_rec(date="2024-02-30"), "date: bad date '2024-02-30' (expected YYYY-MM-DD)"),
    (_rec(date=20240201), "date: expected an ISO date, got 20240201"),
    (_rec(type="phase_entered"), "missing field 'phase_id'"),
    (_rec(type="waitlisted", priority=True), "priority: expected an integer, got True"),
    (_rec(type="waitlisted", priority="1"), "priority: expected an integer, got '1'"),
    (_rec(type="scale_scored", scale="who5", items=[1, True]), "items: expected integers or nulls in items"),
    (_rec(type="scale_scored", scale="who5", items="12"), "items: expected a list of integers or nulls"),
    (_rec(type="follow_up", months_after_exit=6, status="svp", receives_benefit="no"),
     "receives_benefit: expected true, false or null, got 'no'"),
    (_rec(type="exited", reason="bored"), "reason: 'bored' is not one of completed, work, dropout"),
    (_rec(type="referred", programme_id=5), "programme_id: expected text, got 5"),
    (_rec(colour="red", size=1), "unknown fields for 'admitted': colour, size"),
])
def test_bad_records_name_the_field_and_reason(record: dict[str, Any], reason: str) -> None:
    """Each kind of bad input has a readable reason."""
    with pytest.raises(ValueError, match=re.escape(reason)):
        event_from_record(record)


def test_all_bad_fields_of_a_record_are_reported_together() -> None:
    """Several problems in one record come back in one message, joined by '; '."""
    expected = "event_id: bad id ''; date: bad date 'x' (expected YYYY-MM-DD); missing field 'reason'"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        event_from_record({"event_id": "", "participant_id": "p1", "type": "exited", "date": "x"})
