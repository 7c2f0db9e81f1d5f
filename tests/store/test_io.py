"""read_events / write_events: the file suffix chooses the format."""

from datetime import date
from pathlib import Path

import pytest

from langzeit.events import Admitted, EventLog, Referred
from langzeit.exceptions import DataFormatError
from langzeit.store import FORMATS, ReadResult, SqliteEventStore, format_of, read_events, write_events

LOG = EventLog([Referred("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p1", date(2024, 2, 1))])


@pytest.mark.parametrize(("name", "kind"), [("a.jsonl", "jsonl"), ("a.CSV", "csv"), ("a.sqlite", "sqlite"),
                                            ("dir.v2/a.db", "sqlite")])
def test_suffix_chooses_the_format(name: str, kind: str) -> None:
    """Suffixes are matched case-insensitively against FORMATS."""
    assert format_of(name) == kind
    assert set(FORMATS.values()) == {"jsonl", "csv", "sqlite"}


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    """A .txt file is neither read nor written."""
    with pytest.raises(ValueError, match=r"unknown event log format '\.txt'"):
        write_events(LOG, tmp_path / "a.txt")
    with pytest.raises(ValueError, match="unknown event log format"):
        read_events(tmp_path / "a.txt")


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv", "a.sqlite"])
def test_lenient_read_of_a_clean_file_rejects_nothing(tmp_path: Path, name: str) -> None:
    """strict=False returns a ReadResult with the whole log and no rejected lines."""
    write_events(LOG, tmp_path / name)
    result = read_events(tmp_path / name, strict=False)
    assert isinstance(result, ReadResult)
    assert result.ok
    assert result.log == LOG


def test_writing_to_an_existing_store_appends_idempotently(tmp_path: Path) -> None:
    """SQLite keeps what it holds; only new events are added, nothing is deleted."""
    path = tmp_path / "a.sqlite"
    write_events([Referred("e0", "p0", date(2023, 1, 1))], path)
    assert write_events(LOG, path) == 2
    assert write_events(LOG, path) == 0
    with SqliteEventStore(path) as store:
        assert [e.event_id for e in store] == ["e0", "e1", "e2"]


def test_missing_files_raise_file_not_found(tmp_path: Path) -> None:
    """No format invents an empty log for a missing file."""
    for name in ("a.jsonl", "a.csv", "a.sqlite"):
        with pytest.raises(FileNotFoundError):
            read_events(tmp_path / name)


def test_a_store_can_be_exported_to_jsonl(tmp_path: Path) -> None:
    """write_events accepts a SqliteEventStore (it iterates in append order)."""
    with SqliteEventStore(tmp_path / "a.sqlite") as store:
        store.extend(LOG)
        write_events(store, tmp_path / "a.jsonl")
    assert read_events(tmp_path / "a.jsonl") == LOG


def test_strict_error_lists_every_problem_in_its_message(tmp_path: Path) -> None:
    """The DataFormatError text names file and line of each bad line."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"format": "langzeit-events", "version": 1}\n{}\n[]\n')
    with pytest.raises(DataFormatError) as info:
        read_events(path)
    text = str(info.value)
    assert f"{path}:2: missing field 'type'" in text
    assert f"{path}:3: expected a JSON object" in text
