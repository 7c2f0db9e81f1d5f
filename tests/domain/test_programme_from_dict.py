"""Programme.from_dict lists key-level and structural problems together."""

import pytest

from langzeit.domain import Programme
from langzeit.exceptions import ValidationError


def test_bad_duration_and_unreachable_phase_are_reported_together() -> None:
    """A bad duration does not hide an unreachable phase: both problems come back at once."""
    data = {
        "id": "p", "name": "P", "planned_duration": "twelve months",
        "phases": [{"id": "a"}, {"id": "b", "terminal": True}, {"id": "c", "terminal": True}],
        "transitions": [{"from": "a", "to": "b"}],
    }
    with pytest.raises(ValidationError) as info:
        Programme.from_dict(data)
    text = [str(p) for p in info.value.problems]
    assert any("planned_duration" in t and "not a duration" in t for t in text)
    assert any("phase 'c'" in t and "unreachable" in t for t in text)
    assert len(text) == 2
