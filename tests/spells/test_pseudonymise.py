"""The pseudonymised research export of spell tables (DOMAIN.md § 6)."""

import datetime as dt

from langzeit.indicators import kennzahlen
from langzeit.privacy import Pseudonymiser
from langzeit.spells import SpellTable, generate_spells, pseudonymise_spells

P = Pseudonymiser(bytes(range(32)))


def test_person_ids_become_the_same_pseudonyms_as_in_event_logs() -> None:
    """Each person id becomes P.id(id), the pseudonym an event log gets with the same key."""
    t = SpellTable.from_records([
        {"person_id": "p1", "kind": "elb", "start": "2024-01-01", "jobcenter": "J"},
        {"person_id": "p2", "kind": "elb", "start": "2024-01-01", "jobcenter": "J"},
    ])
    rows = pseudonymise_spells(t, P).rows()
    assert [r["person_id"] for r in rows] == [P.id("p1"), P.id("p2")]
    assert [r["jobcenter"] for r in rows] == ["J", "J"]


def test_month_coarsening_keeps_every_month_a_spell_touched() -> None:
    """Start to the first, end to the last day of its month; an open end stays open."""
    t = SpellTable.from_records([
        {"person_id": "p1", "kind": "elb", "start": "2024-01-15", "end": "2024-02-10", "jobcenter": "J"},
        {"person_id": "p1", "kind": "elb", "start": "2024-03-05", "end": "", "jobcenter": "J"},
    ], data_end=dt.date(2024, 6, 30))
    rows = pseudonymise_spells(t, Pseudonymiser(bytes(range(32)), dates="month")).rows()
    assert [(r["start"], r["end"]) for r in rows] == [
        (dt.date(2024, 1, 1), dt.date(2024, 2, 29)), (dt.date(2024, 3, 1), None)]


def test_quarter_coarsening_runs_to_the_quarters_last_day() -> None:
    """A spell from 10 November to 3 December covers the fourth quarter: 1 Oct – 31 Dec."""
    t = SpellTable.from_records([
        {"person_id": "p1", "kind": "elb", "start": "2023-11-10", "end": "2023-12-03", "jobcenter": "J"}])
    [row] = pseudonymise_spells(t, Pseudonymiser(bytes(range(32)), dates="quarter")).rows()
    assert (row["start"], row["end"]) == (dt.date(2023, 10, 1), dt.date(2023, 12, 31))


def test_kennzahlen_of_the_export_equal_the_originals() -> None:
    """At day precision every § 48a cell (numerator, denominator) of the export is the original's."""
    spells = generate_spells(400, seed=5, start=dt.date(2021, 1, 1), end=dt.date(2024, 12, 31))
    month = dt.date(2024, 6, 1)
    a = kennzahlen(spells, month).to_records()
    b = kennzahlen(pseudonymise_spells(spells, P), month).to_records()
    assert a == b
    assert len(a) > 0
