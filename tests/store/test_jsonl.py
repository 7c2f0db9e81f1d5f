"""JSON Lines reader and writer: header, exact records, every bad line reported."""

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import EventLog, Exited, Referred, ScaleScored
from langzeit.exceptions import DataFormatError
from langzeit.store import ReadResult, read_jsonl, write_jsonl
from store._lenient import read_with_broken_records
from strategies import event_logs

HEADER = '{"format": "langzeit-events", "version": 1}'
GOOD = '{"event_id": "e1", "participant_id": "p1", "type": "admitted", "date": "2024-02-01"}'


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_writer_puts_header_first_and_one_record_per_line(tmp_path: Path) -> None:
    """The first line is the format header; each event is one JSON object of the codec's record."""
    path = tmp_path / "log.jsonl"
    write_jsonl([Exited("e1", "p1", date(2024, 12, 1), reason="work", outcome="svp")], path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"format": "langzeit-events", "version": 1}
    assert json.loads(lines[1]) == {"event_id": "e1", "participant_id": "p1", "type": "exited",
                                    "date": "2024-12-01", "reason": "work", "outcome": "svp"}
    assert len(lines) == 2


def test_german_text_is_written_as_utf8_not_escaped(tmp_path: Path) -> None:
    """Umlauts stay readable in the file."""
    path = tmp_path / "log.jsonl"
    write_jsonl([Referred("e1", "p1", date(2024, 1, 8), programme_id="Geh vor! Übergänge")], path)
    assert "Übergänge" in path.read_text(encoding="utf-8")


def test_items_with_missing_answers_round_trip(tmp_path: Path) -> None:
    """ScaleScored items keep their nulls and order."""
    path = tmp_path / "log.jsonl"
    event = ScaleScored("e1", "p1", date(2024, 2, 5), scale="who5", items=[3, None, 0, 5, None])
    write_jsonl([event], path)
    assert read_jsonl(path).get("e1") == event


def test_blank_lines_are_ignored(tmp_path: Path) -> None:
    """Empty lines carry no data and are skipped."""
    assert len(read_jsonl(_file(tmp_path, HEADER, "", GOOD, "   "))) == 1


def test_every_bad_line_is_reported_with_line_number_and_reason(tmp_path: Path) -> None:
    """Malformed JSON, unknown type, missing field, bad date and a clashing id: all five at once."""
    path = _file(
        tmp_path, HEADER, GOOD,
        '{"event_id": "e2", "participant_id": "p1", ',
        '{"event_id": "e3", "participant_id": "p1", "type": "teleported", "date": "2024-02-01"}',
        '{"event_id": "e4", "participant_id": "p1", "type": "phase_entered", "date": "2024-02-01"}',
        '{"event_id": "e5", "participant_id": "p1", "type": "admitted", "date": "2024-02-30"}',
        '{"event_id": "e1", "participant_id": "p1", "type": "admitted", "date": "2024-03-01"}',
    )
    with pytest.raises(DataFormatError) as info:
        read_jsonl(path)
    problems = info.value.rejected
    assert [p.line for p in problems] == [3, 4, 5, 6, 7]
    assert all(p.file == str(path) for p in problems)
    assert "malformed JSON" in problems[0].reason
    assert "unknown event type 'teleported'" in problems[1].reason
    assert "missing field 'phase_id'" in problems[2].reason
    assert "bad date '2024-02-30'" in problems[3].reason
    assert "already used on line 2 with different content" in problems[4].reason
    assert problems[2].text.startswith('{"event_id": "e4"')


def test_lenient_read_keeps_valid_events_and_returns_rejected(tmp_path: Path) -> None:
    """strict=False keeps the good lines and lists the bad ones, nothing silently dropped."""
    path = _file(tmp_path, HEADER, GOOD, "[1, 2]",
                 '{"event_id": "e9", "participant_id": "p2", "type": "resumed", "date": "2024-05-01"}')
    result = read_jsonl(path, strict=False)
    assert isinstance(result, ReadResult)
    assert [e.event_id for e in result.log] == ["e1", "e9"]
    assert [(p.line, p.reason) for p in result.rejected] == [(3, "expected a JSON object, got list")]
    assert not result.ok


def test_identical_duplicate_is_the_same_event(tmp_path: Path) -> None:
    """A repeated line with the same content is idempotent, as in EventLog."""
    assert len(read_jsonl(_file(tmp_path, HEADER, GOOD, GOOD))) == 1


def test_duplicate_keys_in_a_record_are_refused(tmp_path: Path) -> None:
    """JSON with a key twice would silently lose one value, so the line is rejected."""
    path = _file(tmp_path, HEADER, GOOD[:-1] + ', "date": "2024-03-01"}')
    with pytest.raises(DataFormatError, match="key 'date' appears twice"):
        read_jsonl(path)


@pytest.mark.parametrize(
    ("first", "reason"),
    [
        (GOOD, "missing header line"),
        ('{"format": "other", "version": 1}', "not a langzeit-events file"),
        ('{"format": "langzeit-events", "version": 2}', "unsupported version 2"),
        ("not json", "header: malformed JSON"),
    ],
)
def test_bad_header_is_refused_even_when_lenient(tmp_path: Path, first: str, reason: str) -> None:
    """Without a known header and version nothing can be read reliably: line 1 is reported."""
    with pytest.raises(DataFormatError) as info:
        read_jsonl(_file(tmp_path, first, GOOD), strict=False)
    assert info.value.rejected[0].line == 1
    assert reason in info.value.rejected[0].reason


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file has no header."""
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    with pytest.raises(DataFormatError, match="empty file"):
        read_jsonl(path)


def test_invalid_utf8_line_is_reported_and_others_kept(tmp_path: Path) -> None:
    """A line that is not UTF-8 is rejected with its number; the others are read."""
    path = tmp_path / "log.jsonl"
    path.write_bytes((HEADER + "\n" + GOOD + "\n").encode() + b'{"x": "\xff"}\n')
    result = read_jsonl(path, strict=False)
    assert len(result.log) == 1
    assert result.rejected[0].line == 3
    assert "not UTF-8" in result.rejected[0].reason


def test_windows_line_endings_are_read(tmp_path: Path) -> None:
    """CRLF files written by other tools read the same."""
    path = tmp_path / "log.jsonl"
    path.write_bytes(f"{HEADER}\r\n{GOOD}\r\n".encode())
    assert len(read_jsonl(path)) == 1


def test_writer_refuses_two_events_under_one_id(tmp_path: Path) -> None:
    """A plain iterable is checked like a log before anything is written."""
    path = tmp_path / "log.jsonl"
    with pytest.raises(ValueError, match="different content"):
        write_jsonl([Referred("e1", "p1", date(2024, 1, 8)), Referred("e1", "p2", date(2024, 1, 8))], path)
    assert not path.exists()


def test_writer_replaces_an_existing_file(tmp_path: Path) -> None:
    """Writing again replaces the file's content (atomically)."""
    path = tmp_path / "log.jsonl"
    write_jsonl(EventLog([Referred("e1", "p1", date(2024, 1, 8))]), path)
    write_jsonl(EventLog(), path)
    assert len(read_jsonl(path)) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]


def _cut_braces(path: Path, broken: set[int]) -> list[int]:
    """Cut the closing brace of the events ``broken`` (malformed JSON); their line numbers."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i in broken:
        lines[i + 1] = lines[i + 1][:-1]  # line 0 is the version record
    path.write_text("\n".join(lines), encoding="utf-8")
    return [i + 2 for i in broken]


@settings(max_examples=30)
@given(log=event_logs(min_size=1, max_size=20), data=st.data())
def test_lenient_read_drops_exactly_the_broken_lines(log: EventLog, data: st.DataObject) -> None:
    """Any set of broken lines: those lines are rejected by number, every other event is kept."""
    read_with_broken_records(log, data, "log.jsonl", write_jsonl, _cut_braces,
                             lambda path: read_jsonl(path, strict=False))
