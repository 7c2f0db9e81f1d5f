"""CSV reader and writer: version line, fixed columns, exact cells, every bad row reported."""

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import (
    BASE_FIELDS,
    EVENT_TYPES,
    Declined,
    EventLog,
    FollowUp,
    PlanStepAgreed,
    Referred,
    ScaleScored,
    Waitlisted,
    event_fields,
)
from langzeit.exceptions import DataFormatError
from langzeit.store import CSV_COLUMNS, CSV_VERSION_LINE, read_csv, write_csv
from store._lenient import read_with_broken_records
from strategies import event_logs, events


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_columns_are_the_pinned_header() -> None:
    """CSV_COLUMNS is the header of the golden file (tests/golden/events.csv), written out here."""
    assert ",".join(CSV_COLUMNS) == (
        "event_id,participant_id,type,date,programme_id,referrer,kind,result,consent_id,purpose,"
        "recipient,reason,priority,phase_id,until,coach_id,tandem_id,goal,review,step_id,description,"
        "responsible,due,scale,items,actor_id,service_id,need,outcome,months_after_exit,status,"
        "receives_benefit,requested_by,agreed,ground,percent,start,months,count,channel,minutes"
    )
    every_field = set(BASE_FIELDS).union(*(event_fields(name) for name in EVENT_TYPES))
    assert set(CSV_COLUMNS) == every_field
    assert len(CSV_COLUMNS) == len(every_field)


def test_file_starts_with_version_line_then_header(tmp_path: Path) -> None:
    """Line 1 is '#langzeit-events v1', line 2 the column names."""
    path = tmp_path / "log.csv"
    write_csv([Waitlisted("e1", "p1", date(2024, 1, 22), priority=2)], path)
    rows = _rows(path)
    assert rows[0] == [CSV_VERSION_LINE] == ["#langzeit-events v1"]
    assert rows[1] == list(CSV_COLUMNS)
    row = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert (row["type"], row["priority"], row["reason"]) == ("waitlisted", "2", "")


def test_empty_text_and_null_are_kept_apart(tmp_path: Path) -> None:
    """An empty string field stays '' (not its default); an optional null stays None."""
    path = tmp_path / "log.csv"
    events = [Referred("e1", "p1", date(2024, 1, 8), programme_id="", referrer=""),
              PlanStepAgreed("e2", "p1", date(2024, 2, 5), step_id="s1", description="", due=None),
              FollowUp("e3", "p1", date(2025, 1, 1), months_after_exit=6, status="none",
                       receives_benefit=False),
              FollowUp("e4", "p1", date(2025, 1, 1), months_after_exit=6, status="none")]
    write_csv(events, path)
    back = list(read_csv(path))
    assert back == events
    assert back[0].referrer == ""  # the default would be 'jobcenter'
    assert back[2].receives_benefit is False
    assert back[3].receives_benefit is None


def test_items_are_json_text_in_their_cell(tmp_path: Path) -> None:
    """ScaleScored.items is written as compact JSON and read back with its nulls."""
    path = tmp_path / "log.csv"
    event = ScaleScored("e1", "p1", date(2024, 2, 5), scale="swe", items=[4, None, 1])
    write_csv([event], path)
    row = dict(zip(CSV_COLUMNS, _rows(path)[2], strict=True))
    assert row["items"] == "[4,null,1]"
    assert read_csv(path).get("e1") == event


def test_text_with_commas_quotes_and_newlines_round_trips(tmp_path: Path) -> None:
    """CSV quoting keeps separators, quotes, CR/LF and leading spaces inside cells."""
    path = tmp_path / "log.csv"
    event = Declined("e1", "p,1", date(2024, 2, 1), reason=' "a"\r\nb ')
    write_csv([event], path)
    assert read_csv(path).get("e1") == event


def test_hand_made_file_may_leave_out_columns(tmp_path: Path) -> None:
    """A missing type-specific column means the field is absent: the default applies."""
    path = _file(tmp_path, "#langzeit-events v1\nevent_id,participant_id,type,date,programme_id\n"
                           "e1,p1,referred,2024-01-08,geh-vor\n")
    event = read_csv(path).get("e1")
    assert event == Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor", referrer="jobcenter")


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    """Unknown type, bad date, bad integer, a field of another type, a short row, a clashing id."""
    path = _file(tmp_path, "#langzeit-events v1\n"
                           "event_id,participant_id,type,date,priority,phase_id\n"
                           "e1,p1,waitlisted,2024-01-08,1,\n"
                           "e2,p1,teleported,2024-01-08,,\n"
                           "e3,p1,waitlisted,2024-13-01,,\n"
                           "e4,p1,waitlisted,2024-01-08,one,\n"
                           "e5,p1,waitlisted,2024-01-08,,x\n"
                           "e6,p1\n"
                           '"e7\nstill e7",p1,admitted,,,\n'
                           "e1,p1,waitlisted,2024-01-08,2,\n")
    with pytest.raises(DataFormatError) as info:
        read_csv(path)
    found = [(p.line, p.reason) for p in info.value.rejected]
    assert [line for line, _ in found] == [4, 5, 6, 7, 8, 9, 11]
    assert "unknown event type 'teleported'" in found[0][1]
    assert "bad date '2024-13-01'" in found[1][1]
    assert found[2][1] == "priority: expected an integer, got 'one'"
    assert "unknown fields for 'waitlisted': phase_id" in found[3][1]
    assert found[4][1] == "expected 6 cells, got 2"
    assert "missing field 'date'" in found[5][1]
    assert "already used on line 3" in found[6][1]


def test_lenient_read_keeps_good_rows(tmp_path: Path) -> None:
    """strict=False returns the valid events and the rejected rows."""
    path = _file(tmp_path, "#langzeit-events v1\nevent_id,participant_id,type,date\n"
                           "e1,p1,admitted,2024-02-01\n,p1,admitted,2024-02-01\n")
    result = read_csv(path, strict=False)
    assert [e.event_id for e in result.log] == ["e1"]
    assert [(p.line, p.reason) for p in result.rejected] == [(4, "event_id: bad id ''")]


def test_lenient_read_lists_rejected_lines_as_a_frame(tmp_path: Path) -> None:
    """A ReadResult is a table of its rejected lines, raw text included, for fixing the file."""
    pytest.importorskip("pandas")
    path = _file(tmp_path, "#langzeit-events v1\nevent_id,participant_id,type,date\n"
                           "e1,p1,admitted,2024-02-01\n,p1,admitted,2024-02-01\n")
    frame = read_csv(path, strict=False).to_frame()
    assert list(frame.columns) == ["file", "line", "reason", "text"]
    assert frame.loc[0, "line"] == 4
    assert frame.loc[0, "text"] == ",p1,admitted,2024-02-01"


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("event_id,participant_id,type,date\n", 1, "missing version line"),
        ("#langzeit-events v2\nevent_id,participant_id,type,date\n", 1, "unsupported version '2'"),
        ("#other-events v1\nevent_id,participant_id,type,date\n", 1, "not a langzeit-events file"),
        ("#langzeit-events v1\n", 2, "missing header row"),
        ("#langzeit-events v1\nevent_id,type,date,colour\n", 2, "missing columns ['participant_id']"),
        ("#langzeit-events v1\nevent_id,participant_id,type,date,colour\n", 2, "unknown columns ['colour']"),
        ("", 1, "empty file"),
    ],
)
def test_bad_version_line_or_header_is_refused(tmp_path: Path, text: str, line: int, reason: str) -> None:
    """File-level problems raise also in lenient mode, naming the line."""
    with pytest.raises(DataFormatError) as info:
        read_csv(_file(tmp_path, text), strict=False)
    assert info.value.rejected[0].line == line
    assert reason in info.value.rejected[0].reason


def test_optional_boolean_cell_must_be_true_false_or_empty(tmp_path: Path) -> None:
    """'yes' is not a boolean cell."""
    path = _file(tmp_path, "#langzeit-events v1\n"
                           "event_id,participant_id,type,date,months_after_exit,status,receives_benefit\n"
                           "e1,p1,follow_up,2025-01-01,6,svp,yes\n")
    with pytest.raises(DataFormatError, match="receives_benefit: expected true, false or an empty cell"):
        read_csv(path)


def test_byte_order_mark_from_spreadsheets_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 BOM before the version line does not hide it."""
    path = tmp_path / "log.csv"
    text = "\ufeff#langzeit-events v1\nevent_id,participant_id,type,date\ne1,p1,admitted,2024-02-01\n"
    path.write_bytes(text.encode())
    assert len(read_csv(path)) == 1


def _unknown_types(path: Path, broken: set[int]) -> list[int]:
    """Give the rows of the events ``broken`` an unknown type; the first lines of those rows."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        rows, starts, line = [], [], 1
        for row in reader:
            rows.append(row)
            starts.append(line)
            line = reader.line_num + 1
    for i in broken:
        rows[i + 2][2] = "nope"  # the type cell; rows 0 and 1 are the version line and header
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return [starts[i + 2] for i in broken]


@settings(max_examples=30)
@given(log=event_logs(min_size=1, max_size=20), data=st.data())
def test_lenient_read_drops_exactly_the_broken_rows(log: EventLog, data: st.DataObject) -> None:
    """Any set of rows with an unknown type: those are rejected by their first line, the rest kept."""
    result = read_with_broken_records(log, data, "log.csv", write_csv, _unknown_types,
                                      lambda path: read_csv(path, strict=False))
    assert all(p.reason == "unknown event type 'nope'" for p in result.rejected)


_CELL_NOISE = st.sampled_from(["", "x", "1", "-3", "true", "false", "2024-02-30", "[1,2]", "{bad", "1.5",
                               " "])


@settings(max_examples=400, deadline=None)
@given(events(), st.data(), st.permutations(list(CSV_COLUMNS)))
def test_fast_row_decoding_equals_the_checked_one(event: Any, data: st.DataObject,
                                                  columns: list[str]) -> None:
    """Per-type layouts build exactly the record (or reason) that the cell-by-cell decoder builds."""
    from langzeit.store._csv import FIELD_KINDS, _cell_row, _Layout, _record

    cells = dict(zip(CSV_COLUMNS, _cell_row(event), strict=True))
    own = ["date", *FIELD_KINDS[event.type]]  # the cells that matter most: the type's own and the date
    targets = st.one_of(st.sampled_from(own), st.sampled_from(CSV_COLUMNS))
    for column, value in data.draw(st.lists(st.tuples(targets, _CELL_NOISE), max_size=3)):
        cells[column] = value  # bad values, blanks, unknown fields, wrong kinds
    row = [cells[c] for c in columns]
    fast, slow = _Layout(columns).record(row), _record(columns, row)
    assert fast == slow
    if isinstance(slow, dict):
        assert list(fast) == list(slow)  # same key order: the codec's reasons follow it


@pytest.mark.parametrize("column", ["priority", "date", "phase_id"])
def test_fast_row_decoding_leaves_out_blank_cells_as_the_checked_one(column: str) -> None:
    """A blank integer cell is left out of the record (the codec then says what is missing)."""
    from langzeit.store._csv import _Layout, _record

    columns = list(CSV_COLUMNS)
    row = dict.fromkeys(columns, "")
    row.update({"event_id": "e1", "participant_id": "p1", "type": "waitlisted", "date": "2024-01-02",
                "priority": "2"})
    row[column] = ""
    cells = [row[c] for c in columns]
    fast, slow = _Layout(columns).record(cells), _record(columns, cells)
    assert fast == slow
    assert isinstance(fast, dict)
    assert list(fast) == list(slow)
