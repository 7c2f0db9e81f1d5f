"""The request boundary: commands and events check their fields; records and JSON Schemas round-trip."""

import gc
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest

from langzeit.domain import ExitReason, OutcomeKind
from langzeit.engine import (
    COMMAND_TYPES,
    Exit,
    Refer,
    ScoreScale,
    command_from_dict,
    command_json_schema,
)
from langzeit.events import Referred, event_json_schema, event_to_record
from langzeit.exceptions import LangzeitError, ValidationError
from langzeit.simulation import Staffing
from strategies import events

D = date(2024, 1, 8)


@pytest.mark.parametrize(("build", "problem"), [
    (lambda: Refer("p3", "2024-01-08"), "Refer.date: expected a datetime.date, got '2024-01-08'"),  # type: ignore[arg-type]
    (lambda: Refer("p3", datetime(2024, 1, 8, 9)), "got a datetime"),
    (lambda: Refer("", D), "Refer.participant_id: expected a non-empty id"),
    (lambda: Refer("p\n3", D), "control or invisible characters"),
    (lambda: Refer("p" * 201, D), "at most 200"),
    (lambda: Exit("p1", D, "bored"), "Exit.reason: expected one of"),  # type: ignore[arg-type]
    (lambda: ScoreScale("p1", D, "who5", (1, "2")), "items"),  # type: ignore[arg-type]
    (lambda: Referred("e1", "p1", datetime(2024, 1, 8)), "Referred.date"),
    (lambda: Referred("e1", 7, D), "Referred.participant_id"),  # type: ignore[arg-type]
    (lambda: Referred("e1", "p1", date(9999, 12, 31)), "date 9999-12-31 is outside the years 1900–2199"),
    (lambda: Refer("p3", date(1, 1, 1)), "Refer.date: date 0001-01-01 is outside the years 1900–2199"),
    (lambda: Refer("p3", date(1899, 12, 31)), "outside the years 1900–2199"),
])
def test_bad_fields_are_refused_when_built(build: object, problem: str) -> None:
    """A ValidationError naming the field, at construction: nothing fails later with AttributeError."""
    with pytest.raises(ValidationError) as info:
        build()  # type: ignore[operator]
    assert problem in str(info.value)


def test_the_first_and_last_accepted_days_are_days() -> None:
    """1900-01-01 and 2199-12-31 are accepted on events and commands (the range is inclusive)."""
    assert Referred("e1", "p1", date(1900, 1, 1)).date == date(1900, 1, 1)
    assert Refer("p1", date(2199, 12, 31)).date == date(2199, 12, 31)


def test_enumerations_may_be_given_by_value() -> None:
    """A command built from text values holds the members."""
    assert Exit("p1", D, "work", "svp") == Exit("p1", D, ExitReason.WORK, OutcomeKind.SVP)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(COMMAND_TYPES))
def test_every_command_round_trips_and_matches_its_schema(name: str) -> None:
    """to_dict -> command_from_dict is the identity; the record validates against the JSON Schema."""
    schema = command_json_schema()
    required = next(s for s in schema["oneOf"] if s["properties"]["command"]["const"] == name)["required"]
    samples = {"date": "2024-01-08", "reason": "work", "status": "svp", "months_after_exit": 6,
               "items": [1, 2, None], "review": "2024-06-01"}
    record = {"command": name} | {f: samples.get(f, "x1") for f in required if f != "command"}
    command = command_from_dict(record)
    assert command_from_dict(command.to_dict()) == command
    jsonschema.validate(command.to_dict(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**command.to_dict(), "participant_id": ""}, schema)


def test_a_bad_record_lists_every_problem() -> None:
    """Unknown command, unknown field, bad date, empty id: all named."""
    with pytest.raises(ValidationError, match="unknown command 'shout'"):
        command_from_dict({"command": "shout"})
    with pytest.raises(ValidationError) as info:
        command_from_dict({"command": "refer", "participant_id": "", "date": "08.01.2024", "colour": 1})
    assert [p.location for p in info.value.problems] == ["colour", "date", "participant_id"]  # type: ignore[union-attr]


def test_event_records_match_their_schema() -> None:
    """Every event type's record validates against the events' JSON Schema."""
    from hypothesis import given, settings

    schema = event_json_schema()

    @settings(max_examples=60)
    @given(events())
    def check(event: object) -> None:
        jsonschema.validate(event_to_record(event), schema)  # type: ignore[arg-type]

    check()


def test_staffing_errors_are_langzeit_errors() -> None:
    """Was a bare ValueError."""
    with pytest.raises(ValidationError, match="FTE values"):
        Staffing(coaches=3, caseload=12, fte=(1.0,))
    with pytest.raises(LangzeitError):
        Staffing(coaches=0, caseload=12)


def test_the_library_leaves_the_garbage_collector_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Store reads and a simulation run never switch the collector off (the CLI may opt in)."""
    import numpy as np

    from langzeit.simulation import load_scenario
    from langzeit.simulation._model import run_replication
    from langzeit.store import SqliteEventStore

    def refuse() -> None:
        raise AssertionError("the library switched the garbage collector off")

    monkeypatch.setattr(gc, "disable", refuse)
    monkeypatch.setattr(gc, "freeze", refuse)
    replication = run_replication(load_scenario("mm-c-queue"), np.random.default_rng(1))
    with SqliteEventStore(tmp_path / "s.sqlite") as store:
        store.extend(replication.events[:500])
        assert len(store.events()) == 500
        store.replay()


@pytest.mark.slow
def test_the_engine_type_checks_in_user_code(tmp_path: Path) -> None:
    """``PathwayEngine(load_programme("geh-vor"))`` and the store calls pass mypy --strict (no call-arg)."""
    snippet = tmp_path / "host.py"
    snippet.write_text(textwrap.dedent("""
        from datetime import date
        from langzeit.engine import PathwayEngine, Refer, command_from_dict
        from langzeit.events import EventLog, StoredEvent
        from langzeit.programmes import load_programme
        from langzeit.store import SqliteEventStore

        engine = PathwayEngine(load_programme("geh-vor"))
        shared = PathwayEngine(
            load_programme("geh-vor"), store=SqliteEventStore("x.sqlite"), max_wait="6 months"
        )
        events = engine.execute(Refer("p1", date(2024, 1, 8)))
        engine.refresh()
        feed: list[StoredEvent] = EventLog().events_since(0, 10)
        command = command_from_dict({"command": "refer", "participant_id": "p2", "date": "2024-01-09"})
    """))
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
