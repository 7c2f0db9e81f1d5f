"""Golden files pin the public file formats byte for byte (DESIGN.md: interfaces others rely on).

``tests/golden/`` holds an event log with one event of every type (CSV and JSON Lines)
and a spell CSV; the shipped ``examples/social-space-ploen.json`` is the golden
social-space document. Each test writes the same data with the
library and compares the bytes, then reads the golden file back. A difference is a
format change: if it is intended, bump the format's version, say so in CHANGELOG.md
and regenerate the files with ``LANGZEIT_UPDATE_GOLDEN=1 pytest tests/test_golden_formats.py``.
"""

import csv
import os
from datetime import date
from pathlib import Path

import pytest

from langzeit import events as ev
from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.network import example_space, read_space, space_to_dict, write_space
from langzeit.privacy import StatedPurpose
from langzeit.spells import SpellTable, read_spells, write_spells
from langzeit.store import read_csv, read_jsonl, write_csv, write_jsonl

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = Path(__file__).parents[1] / "examples"
UPDATE = os.environ.get("LANGZEIT_UPDATE_GOLDEN") == "1"


def _day(n: int) -> date:
    return date(2024, 1, n)


#: One event of every type, every field set (German text, empty text and None where allowed).
EVENTS: list[ev.Event] = [
    ev.Referred("e01", "p1", _day(2), programme_id="geh-vor", referrer="jobcenter"),
    ev.Assessed("e02", "p1", _day(3), kind="potenzialanalyse", result="Gesundheit, Schulden"),
    ev.ConsentGiven("e03", "p1", _day(3), consent_id="k1", purpose=ConsentPurpose.DATA_EXCHANGE,
                 recipient="sb-plön"),
    ev.ConsentWithdrawn("e04", "p1", _day(20), consent_id="k1"),
    ev.ParticipationAgreed("e05", "p1", _day(4)),
    ev.Declined("e06", "p2", _day(4), reason="kein Interesse"),
    ev.Waitlisted("e07", "p3", _day(5), priority=2),
    ev.Reneged("e08", "p3", _day(25), reason="max_wait"),
    ev.Admitted("e09", "p1", _day(8)),
    ev.PhaseEntered("e10", "p1", _day(8), phase_id="intake"),
    ev.Extended("e11", "p1", _day(9), until=date(2024, 12, 31), reason=""),
    ev.Paused("e12", "p1", _day(10), reason="Krankheit; \"stationär\""),
    ev.Resumed("e13", "p1", _day(17)),
    ev.CoachAssigned("e14", "p1", _day(8), coach_id="c-lena"),
    ev.TandemAssigned("e15", "p1", _day(8), tandem_id="t1"),
    ev.PlanAgreed("e16", "p1", _day(11), goal="Tagesstruktur, Schulden regeln", review=date(2024, 7, 11)),
    ev.PlanStepAgreed("e17", "p1", _day(11), step_id="s1", description="Termin bei der Schuldnerberatung",
                   responsible="coach", due=None),
    ev.PlanStepAchieved("e18", "p1", _day(18), step_id="s1"),
    ev.ScaleScored("e19", "p1", _day(12), scale="who5", items=(3, None, 2, 4, 0)),
    ev.ActorReferred("e20", "p1", _day(12), actor_id="sb-ploen", service_id="sb-s", need="debt"),
    ev.Exited("e21", "p1", _day(30), reason=ExitReason.WORK, outcome=OutcomeKind.SVP),
    ev.AftercareStarted("e22", "p1", _day(30)),
    ev.AftercareEnded("e23", "p1", _day(31)),
    ev.FollowUp("e24", "p1", date(2024, 7, 30), months_after_exit=6, status=OutcomeKind.SVP,
             receives_benefit=False),
    ev.PlanUpdated("e25", "p2", date(2024, 8, 1), review=date(2025, 2, 1), goal="Teilzeit"),
    ev.SchlichtungStarted("e26", "p2", date(2024, 8, 2), requested_by="jobcenter"),
    ev.SchlichtungEnded("e27", "p2", date(2024, 8, 20), agreed=True),
    ev.BenefitReduced("e28", "p2", date(2024, 9, 2), ground="missed_appointment", percent=10,
                      start=date(2024, 10, 1), months=1, count=1),
    ev.Contacted("e29", "p2", date(2024, 9, 3), channel="outreach", minutes=45, coach_id="c1"),
]

SPELLS = [
    {"person_id": "A", "kind": "elb", "start": "2019-01-01", "end": None, "jobcenter": "1", "sex": "F",
     "single_parent": True},
    {"person_id": "A", "kind": "measure", "start": "2024-04-01", "end": "2024-09-30", "instrument": "16k"},
    {"person_id": "A", "kind": "llu", "start": "2024-06-01", "end": "2024-06-30", "jobcenter": "1",
     "amount": 400.5},
    {"person_id": "B", "kind": "elb", "start": "2022-03-15", "end": "2024-02-29", "jobcenter": "2",
     "sex": "M"},
    {"person_id": "B", "kind": "svp", "start": "2024-03-01", "end": None},
]


def _check(golden: Path, written: Path) -> None:
    name = golden.name
    if UPDATE:
        golden.write_bytes(written.read_bytes())
    assert written.read_bytes() == golden.read_bytes(), (
        f"{name}: the written format differs from {golden} (a format change: bump its "
        "version, note it in CHANGELOG.md, regenerate with LANGZEIT_UPDATE_GOLDEN=1)"
    )


def test_the_golden_log_has_one_event_of_every_type() -> None:
    """Every event type is in the golden log, so every type's record is pinned."""
    assert sorted(e.type for e in EVENTS) == sorted(ev.EVENT_TYPES)


def test_event_csv_is_pinned(tmp_path: Path) -> None:
    """The event CSV (version line, header, one row per type) is byte-identical to the golden file."""
    write_csv(EVENTS, tmp_path / "events.csv")
    _check(GOLDEN / "events.csv", tmp_path / "events.csv")
    assert list(read_csv(GOLDEN / "events.csv")) == EVENTS


def test_event_jsonl_is_pinned(tmp_path: Path) -> None:
    """The JSON Lines records of every event type are byte-identical to the golden file."""
    write_jsonl(EVENTS, tmp_path / "events.jsonl")
    _check(GOLDEN / "events.jsonl", tmp_path / "events.jsonl")
    assert read_jsonl(GOLDEN / "events.jsonl") == ev.EventLog(EVENTS)


def test_spell_csv_is_pinned(tmp_path: Path) -> None:
    """The spell CSV of DOMAIN.md § 2 (canonical columns, open ends empty) matches the golden file."""
    table = SpellTable.from_records(SPELLS)
    write_spells(table, tmp_path / "spells.csv")
    _check(GOLDEN / "spells.csv", tmp_path / "spells.csv")
    back = read_spells(GOLDEN / "spells.csv")
    assert back.to_records() == table.to_records()


@pytest.mark.parametrize("name", ["ploen", "leipzig"])
def test_social_space_json_is_pinned(tmp_path: Path, name: str) -> None:
    """The social-space JSON (HSDS names, format and version fields) matches the shipped example file."""
    golden = EXAMPLES / f"social-space-{name}.json"
    purpose = StatedPurpose("illustrative example data of the langzeit documentation; no real persons")
    write_space(example_space(name), tmp_path / "space.json", include_special_categories=purpose)
    _check(golden, tmp_path / "space.json")
    assert space_to_dict(read_space(golden), include_special_categories=purpose) == space_to_dict(
        example_space(name), include_special_categories=purpose)


def test_a_csv_log_written_before_contacts_still_reads(tmp_path: Path) -> None:
    """A v1 file from before the contacted type (no channel, minutes columns) reads as before."""
    with (GOLDEN / "events.csv").open(encoding="utf-8", newline="") as fh:
        version, header, *rows = list(csv.reader(fh))
    keep = [i for i, c in enumerate(header) if c not in ("channel", "minutes")]
    with (tmp_path / "old.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(version)
        out.writerows([cells[i] for i in keep] for cells in [header, *rows] if cells[2] != "contacted")
    assert list(read_csv(tmp_path / "old.csv")) == [e for e in EVENTS if e.type != "contacted"]
