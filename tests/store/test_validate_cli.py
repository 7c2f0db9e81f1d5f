"""``langzeit validate`` on event logs: every problem with file and line, exit code 1."""

import json
from datetime import date
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.events import Admitted, EventLog, Referred
from langzeit.store import read_events, write_events

Capture = pytest.CaptureFixture[str]
EXAMPLES = Path(__file__).parents[2] / "examples"


def test_shipped_example_event_log_is_valid_and_has_every_type(capsys: Capture) -> None:
    """examples/geh-vor-events.jsonl validates and uses all 24 event types."""
    path = EXAMPLES / "geh-vor-events.jsonl"
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: valid events (36 events)"
    assert len({e.type for e in read_events(path)}) == 24


@pytest.mark.parametrize("name", ["log.jsonl", "log.csv", "log.sqlite", "log.db"])
def test_valid_logs_of_every_format_pass(tmp_path: Path, name: str, capsys: Capture) -> None:
    """A clean log in any format exits 0; JSON output counts its events."""
    path = tmp_path / name
    write_events(EventLog([Referred("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p1", date(2024, 2, 1))]),
                 path)
    assert main(["validate", "--format", "json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"file": str(path), "kind": "events", "valid": True, "problems": [], "events": 2}


def test_every_bad_line_is_listed_with_its_location(tmp_path: Path, capsys: Capture) -> None:
    """Two bad lines: both printed as file:line: reason, exit code 1."""
    path = tmp_path / "log.jsonl"
    path.write_text('{"format": "langzeit-events", "version": 1}\n'
                    '{"event_id": "e1", "participant_id": "p1", "type": "admitted", "date": "2024-02-01"}\n'
                    '{"event_id": "e2", "participant_id": "p1", "type": "nope", "date": "2024-02-01"}\n'
                    '{"event_id": "e3", "participant_id": "p1", "type": "admitted", "date": "01.02.2024"}\n')
    assert main(["validate", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{path}:3: unknown event type 'nope'",
                     f"{path}:4: date: bad date '01.02.2024' (expected YYYY-MM-DD)"]


def test_wrong_version_is_one_problem_at_line_one(tmp_path: Path, capsys: Capture) -> None:
    """A CSV of an unknown version is reported, not guessed at."""
    path = tmp_path / "log.csv"
    path.write_text("#langzeit-events v9\nevent_id,participant_id,type,date\n")
    assert main(["validate", "--format", "json", str(path)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False
    assert out["events"] == 0
    assert out["problems"] == [f"{path}:1: unsupported version '9' (this langzeit reads version 1)"]


def test_programme_models_are_still_checked(capsys: Capture) -> None:
    """The TOML programme check is kept."""
    assert main(["validate", str(EXAMPLES / "geh-vor.toml")]) == 0
    assert "valid programme" in capsys.readouterr().out


def test_unknown_suffix_names_the_known_kinds(tmp_path: Path, capsys: Capture) -> None:
    """A .pdf file is refused with the list of suffixes that can be checked (.txt is a spell dialect)."""
    path = tmp_path / "notes.pdf"
    path.write_text("x")
    assert main(["validate", str(path)]) == 1
    assert ".jsonl, .csv, .sqlite, .db" in capsys.readouterr().out
