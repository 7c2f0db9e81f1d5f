"""Indicators count per participation by default, per person when asked (repeat participation)."""

from datetime import date

import numpy as np
import pytest

from langzeit.domain import Participant
from langzeit.events import Admitted, Exited, Referred
from langzeit.exceptions import ValidationError
from langzeit.indicators import (
    EventColumns,
    dropout_rate,
    group_participants,
    repeat_participation,
    take_up,
)

#: p1 twice (dropout, then completed), p2 once (completed), p3 referred only.
LOG = [
    Referred("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p1", date(2024, 1, 15)),
    Exited("e3", "p1", date(2024, 3, 1), reason="dropout"),
    Referred("e4", "p2", date(2024, 1, 8)), Admitted("e5", "p2", date(2024, 1, 15)),
    Referred("e6", "p1", date(2024, 9, 2)), Admitted("e7", "p1", date(2024, 9, 9)),
    Exited("e8", "p1", date(2025, 3, 1), reason="completed"),
    Exited("e9", "p2", date(2024, 12, 1), reason="completed"),
    Referred("e10", "p3", date(2024, 9, 2)),
]


def test_columns_split_a_person_into_participations() -> None:
    """Each referral after the first opens a participation; rows follow their participation."""
    c = EventColumns.from_events(LOG)
    assert c.participants == ("p1", "p1#2", "p2", "p3")
    assert c.participant.tolist() == [0, 0, 0, 2, 2, 1, 1, 1, 2, 3]
    assert c.person_ids == ("p1", "p1", "p2", "p3")
    assert (c.n_participants, c.n_persons) == (4, 3)
    assert c.participation_numbers.tolist() == [1, 2, 1, 1]


def test_from_arrays_splits_the_same_way() -> None:
    """Columns built from arrays split participations like columns built from events."""
    a = EventColumns.from_events(LOG)
    b = EventColumns.from_arrays(["p1", "p2", "p3"], [0, 0, 0, 1, 1, 0, 0, 0, 1, 2], a.type, a.day,
                                 code=a.code, code2=a.code2)
    assert b.participants == a.participants
    assert b.participant.tolist() == a.participant.tolist()


def test_take_up_per_participation_and_per_person() -> None:
    """Take-up: 3 of 4 participations admitted (75 %); 2 of 3 persons (66.7 %)."""
    r = take_up(LOG).get("took_part")
    assert (r.numerator, r.denominator) == (3, 4)
    r = take_up(LOG, unit="person").get("took_part")
    assert (r.numerator, r.denominator) == (2, 3)


def test_dropout_per_participation_and_per_person() -> None:
    """Dropout: 1 of 3 admitted participations; 1 of 2 admitted persons."""
    r = dropout_rate(LOG).get("dropout")
    assert (r.numerator, r.denominator) == (1, 3)
    r = dropout_rate(LOG, unit="person").get("dropout")
    assert (r.numerator, r.denominator) == (1, 2)


def test_person_unit_groups_by_the_person() -> None:
    """Per person with a grouping: each person counts once in their group."""
    people = {pid: Participant(pid, sex=sex) for pid, sex in (("p1", "F"), ("p2", "M"), ("p3", "F"))}
    c = EventColumns.from_events(LOG)
    g = group_participants(c.person_ids, people, "sex")
    t = take_up(c, by=g, unit="person")
    assert (t.get("took_part", "F").numerator, t.get("took_part", "F").denominator) == (1, 2)
    t = take_up(c, by=g)
    assert (t.get("took_part", "F").numerator, t.get("took_part", "F").denominator) == (2, 3)


def test_repeat_participation_counts_persons() -> None:
    """1 of 3 persons took part twice: 33.3 %."""
    r = repeat_participation(LOG).get("repeated")
    assert (r.numerator, r.denominator) == (1, 3)
    assert r.value == pytest.approx(100 / 3)


def test_an_unknown_unit_is_refused() -> None:
    """``unit`` other than participation / person is an input error."""
    with pytest.raises(ValidationError):
        take_up(LOG, unit="household")  # type: ignore[arg-type]


def test_without_repeats_both_units_agree() -> None:
    """When nobody took part twice, per person equals per participation."""
    log = [e for e in LOG if e.event_id not in ("e6", "e7", "e8")]
    a, b = take_up(log).get("took_part"), take_up(log, unit="person").get("took_part")
    assert (a.numerator, a.denominator) == (b.numerator, b.denominator)
    assert EventColumns.from_events(log).person is None
    assert np.array_equal(EventColumns.from_events(log).person_index, np.arange(3))
