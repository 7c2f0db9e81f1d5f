"""Event types: frozen values with converters for enumerations and item lists."""

from datetime import date

import attrs
import pytest

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import ConsentGiven, Exited, FollowUp, Referred, ScaleScored

D = date(2024, 1, 8)


def test_events_are_frozen_values() -> None:
    """Equal fields mean equal events; fields cannot be changed, only evolved."""
    e = Referred("e1", "p1", D, programme_id="geh-vor")
    assert e == Referred("e1", "p1", D, programme_id="geh-vor")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        e.programme_id = "x"  # type: ignore[misc]
    assert attrs.evolve(e, programme_id="pan").programme_id == "pan"


def test_events_of_different_types_with_same_base_fields_differ() -> None:
    """An event's type is part of its value."""
    from langzeit.events import Admitted, Resumed

    assert Admitted("e1", "p1", D) != Resumed("e1", "p1", D)


def test_enumeration_fields_are_converted_and_checked() -> None:
    """Text values become enum members; unknown values are refused."""
    assert ConsentGiven("e", "p", D, consent_id="k", purpose="research", recipient="x").purpose is \
        ConsentPurpose.RESEARCH
    e = Exited("e", "p", D, reason="dropout")
    assert (e.reason, e.outcome) == (ExitReason.DROPOUT, OutcomeKind.NONE)
    assert e.reason.is_dropout
    assert FollowUp("e", "p", D, months_after_exit=12, status="minijob").status is OutcomeKind.MINIJOB
    with pytest.raises(ValueError, match="'quit'"):
        Exited("e", "p", D, reason="quit")


def test_items_become_a_tuple_and_text_is_refused() -> None:
    """A list of answers is stored as a tuple; a string is not a list of answers."""
    assert ScaleScored("e", "p", D, scale="swe", items=[1, None, 4]).items == (1, None, 4)
    with pytest.raises(TypeError, match="items must be a list"):
        ScaleScored("e", "p", D, scale="swe", items="1234")  # type: ignore[arg-type]
