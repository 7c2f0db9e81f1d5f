"""Linkage of event-log participants to spell-table persons (evaluation/_linkage.py)."""

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from langzeit.evaluation import NOT_IN_MAPPING, NOT_IN_SPELLS, SHARED_PERSON, link
from langzeit.events import Admitted, Referred
from langzeit.spells import SpellTable

D = dt.date(2024, 1, 8)


def _spells(ids: list[str]) -> SpellTable:
    return SpellTable.from_records([{"person_id": i, "kind": "svp", "start": "2024-01-01"} for i in ids])


def test_same_ids_link_directly() -> None:
    """Without a mapping the participant id is the spell person_id."""
    t = _spells(["b", "a"])
    lk = link([Referred("e1", "a", D), Referred("e2", "b", D)], t)
    assert [t.person_ids[p] for p in lk.person] == ["a", "b"]
    assert lk.unlinked == ()


def test_every_unlinked_participant_is_reported_with_its_reason() -> None:
    """No mapping row, an unknown pseudonym and a shared person each leave a reported row."""
    t = _spells(["x1", "x2"])
    log = [Admitted(f"e{i}", p, D) for i, p in enumerate(["p1", "p2", "p3", "p4", "p5"])]
    lk = link(log, t, mapping={"p1": "x1", "p2": "x9", "p4": "x2", "p5": "x2"})
    assert dict(lk.unlinked) == {"p2": NOT_IN_SPELLS, "p3": NOT_IN_MAPPING, "p4": SHARED_PERSON,
                                 "p5": SHARED_PERSON}
    assert lk.n_linked == 1
    assert len(lk) == 5
    assert lk.reason_counts() == {NOT_IN_SPELLS: 1, NOT_IN_MAPPING: 1, SHARED_PERSON: 2}
    assert lk.rows()[0] == {"participant_id": "p1", "person_id": "x1", "linked": True, "reason": ""}


def test_integer_person_ids_link_as_text() -> None:
    """Numeric spell ids match participant ids written as text."""
    t = SpellTable.from_records([{"person_id": 12, "kind": "svp", "start": "2024-01-01"}])
    assert link([Referred("e1", "12", D)], t).person.tolist() == [0]


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5),
       st.lists(st.sampled_from(["a", "b", "c", "x", "y"]), unique=True, max_size=5))
def test_linked_plus_unlinked_is_everyone(spell_ids: list[str], participants: list[str]) -> None:
    """Every participant is either linked to its own id or reported unlinked; nobody vanishes."""
    t = _spells(spell_ids) if spell_ids else SpellTable.from_records([])
    lk = link([Referred(f"e{i}", p, D) for i, p in enumerate(participants)], t)
    assert lk.n_linked + len(lk.unlinked) == len(participants)
    for pid, p in zip(lk.participant_ids, lk.person.tolist(), strict=True):
        assert (p >= 0) == (pid in spell_ids)
        if p >= 0:
            assert t.person_ids[p] == pid
    assert np.all(lk.linked == (lk.person >= 0))
