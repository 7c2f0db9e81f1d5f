"""The spell CSV reader: columns, strict and lenient modes, every rejection reason, round trip."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import DataFormatError, UnreadableFileError
from langzeit.spells import OPEN_END, SexCode, SpellKind, SpellTable, date_to_day, read_spells, write_spells

HEADER = "person_id,kind,start,end,jobcenter,sex,single_parent,instrument,amount\n"
GOOD = (
    HEADER
    + "p1,elb,2024-01-01,,JC1,F,1,,\n"
    + "p1,svp,2024-03-10,2024-09-30,,,,,\n"
    + "p2,measure,2024-02-01,2024-04-30,,,,45SGB3,\n"
    + "p2,llu,2024-02-01,2024-02-29,JC1,,,,563.5\n"
)
EXAMPLE = Path(__file__).parents[2] / "examples" / "spells-small.csv"


def read(text: str, **options: object) -> SpellTable:
    """Read CSV text."""
    return read_spells(io.StringIO(text), **options)  # type: ignore[arg-type]


def test_columns_are_coded_numpy_arrays() -> None:
    """Each column becomes a numpy array of the documented dtype and codes."""
    t = read(GOOD)
    assert len(t) == 4
    assert t.person.dtype == np.int32
    assert t.person.tolist() == [0, 0, 1, 1]
    assert t.person_ids.tolist() == ["p1", "p2"]
    assert t.kind.tolist() == [SpellKind.ELB, SpellKind.SVP, SpellKind.MEASURE, SpellKind.LLU]
    assert t.start.dtype == np.int32
    assert t.start[0] == date_to_day(dt.date(2024, 1, 1))
    assert t.end[0] == OPEN_END
    assert t.jobcenter.tolist() == [0, -1, -1, 0]
    assert t.jobcenter_labels == ("JC1",)
    assert t.sex.tolist() == [SexCode.F, 0, 0, 0]
    assert t.single_parent.tolist() == [True, False, False, False]
    assert t.instrument_labels == ("45sgb3",)  # instrument codes compare case-insensitively
    assert t.instrument.tolist() == [-1, -1, 0, -1]
    assert t.amount[3] == 563.5
    assert np.isnan(t.amount[0])
    assert t.line is None  # every row is its own line: row i is line i + 2, not stored
    assert t.lines.tolist() == [2, 3, 4, 5]


def test_data_end_defaults_to_the_latest_date() -> None:
    """The latest start or end in the file (2024-09-30) is the data end; a parameter overrides it."""
    assert read(GOOD).data_end_date == dt.date(2024, 9, 30)
    assert read(GOOD, data_end=dt.date(2025, 1, 31)).data_end_date == dt.date(2025, 1, 31)


BAD_ROWS = [
    ("p,job,2024-01-01,,,,,,", "unknown kind 'job'"),
    ("p,elb,2024-02-30,,JC1,,,,", "start is not a date"),
    ("p,elb,2024-1-5,,JC1,,,,", "start is not a date"),
    ("p,svp,2024-01-05,05/01/2024,,,,,", "end is not a date"),
    ("p,svp,2024-01-05,31.02.2024,,,,,", "end is not a date"),
    ("p,svp,2024-03-01,2024-02-28,,,,,", "end before start"),
    ("p,elb,2024-03-01,,,F,,,", "elb spell without jobcenter"),
    (",svp,2024-03-01,,,,,,", "empty person_id"),
    ("p,svp,,,,,,,", "missing start"),
    ("p,elb,2024-03-01,,JC1,X,,,", "sex must be F, M, D or empty"),
    ("p,elb,2024-03-01,,JC1,F,yes,,", "single_parent must be 1, 0 or empty"),
    ("p,measure,2024-03-01,,,,,,", "measure without instrument"),
    ("p,llu,2024-03-01,2024-03-31,,,,,", "llu/luh spell without amount"),
    ("p,llu,2024-03-01,2024-03-31,,,,,-5", "amount is not a non-negative number"),
    ("p,luh,2024-03-01,2024-03-31,,,,,abc", "amount is not a non-negative number"),
    ("p,svp,2024-03-01", "expected 9 fields, found 3"),
    ("p,elb,0001-01-01,,JC1,,,,", "start is outside the years 1900–2199"),
    ("p,elb,31.12.1899,,JC1,,,,", "start is outside the years 1900–2199"),
    ("p,elb,2024-03-01,9999-12-31,JC1,,,,", "end is outside the years 1900–2199 (leave end empty"),
    ("p,elb,2024-03-01,,JC1" + "x" * 200 + ",,,,", "jobcenter longer than 200 characters"),
    ("p" * 201 + ",svp,2024-03-01,,,,,,", "person_id longer than 200 characters"),
    ("p\x07,svp,2024-03-01,,,,,,", "person_id longer than 200 characters or with control characters"),
]


@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_each_bad_row_is_reported_with_line_and_reason(row: str, reason: str) -> None:
    """A bad row raises DataFormatError naming the file, the line (3) and the reason."""
    with pytest.raises(DataFormatError) as info:
        read(HEADER + "ok,svp,2024-01-01,,,,,,\n" + row + "\n")
    (problem,) = info.value.rejected
    assert problem.line == 3
    assert reason in problem.reason
    assert problem.file == "<stream>"
    assert problem.text == row


def test_the_edges_of_the_accepted_years_and_id_lengths_are_read() -> None:
    """1900-01-01 and 2199-12-31 are dates, a 200-character id an id (the bounds are inclusive)."""
    table = read(HEADER + "p" * 200 + ",elb,1900-01-01,2199-12-31," + "j" * 200 + ",,,,\n")
    assert table.person_ids[0] == "p" * 200
    assert table.jobcenter_labels == ("j" * 200,)


def test_strict_mode_reports_every_bad_row_at_once() -> None:
    """All bad rows come back together, in line order."""
    text = HEADER + "\n".join(row for row, _ in BAD_ROWS) + "\n"
    with pytest.raises(DataFormatError) as info:
        read(text)
    assert [p.line for p in info.value.rejected] == list(range(2, 2 + len(BAD_ROWS)))


def test_a_row_with_several_problems_lists_them_all() -> None:
    """Unknown kind and a bad date in one row: both reasons, one problem."""
    with pytest.raises(DataFormatError) as info:
        read(HEADER + "p,job,2024-13-01,,,,,,\n")
    reason = "unknown kind 'job'; start is not a date (YYYY-MM-DD or DD.MM.YYYY)"
    assert info.value.rejected[0].reason == reason


def test_lenient_mode_keeps_every_valid_row_and_returns_the_rejected() -> None:
    """Lenient: the 4 good rows are kept; the bad ones are in ``rejected``; nothing silently dropped."""
    text = GOOD + "\n".join(row for row, _ in BAD_ROWS[:3]) + "\n"
    t = read(text, strict=False)
    assert len(t) == 4
    assert [p.line for p in t.rejected] == [6, 7, 8]


def test_missing_required_columns_fail_in_both_modes() -> None:
    """A header without ``start`` cannot be read at all."""
    for strict in (True, False):
        with pytest.raises(DataFormatError, match="start"):
            read("person_id,kind,end\np,svp,\n", strict=strict)


def test_empty_file_and_duplicated_columns() -> None:
    """An empty file has no header; a duplicated column is an error."""
    with pytest.raises(DataFormatError, match="empty file"):
        read("")
    with pytest.raises(DataFormatError, match="duplicated"):
        read("person_id,kind,start,end,end\n")


def test_optional_columns_may_be_missing() -> None:
    """Only person_id, kind, start and end are required; blank lines are skipped."""
    t = read("person_id,kind,start,end\n\np,svp,2024-01-01,\n")
    assert len(t) == 1
    assert t.jobcenter.tolist() == [-1]


def test_numeric_jobcenter_ids_sort_numerically() -> None:
    """Jobcenters '10' and '9': '9' gets the smaller code."""
    t = read(HEADER + "a,elb,2024-01-01,,10,,,,\nb,elb,2024-01-01,,9,,,,\n")
    assert t.jobcenter_labels == ("9", "10")


def test_reading_a_path_and_the_shipped_example() -> None:
    """The shipped example reads without problems (23 spells, 7 persons, 2 jobcenters)."""
    t = read_spells(EXAMPLE)
    assert (len(t), t.n_persons, t.jobcenter_labels) == (23, 8, ("1", "2"))
    with pytest.raises(UnreadableFileError, match=r"missing\.csv: file not found"):
        read_spells(EXAMPLE.with_name("missing.csv"))


def test_write_then_read_gives_the_same_table() -> None:
    """write_spells and read_spells round-trip every column."""
    t = read_spells(EXAMPLE)
    buf = io.StringIO()
    write_spells(t, buf)
    back = read(buf.getvalue())
    for name in ("person", "kind", "start", "end", "jobcenter", "sex", "single_parent", "instrument"):
        np.testing.assert_array_equal(getattr(back, name), getattr(t, name))
    np.testing.assert_array_equal(back.amount, t.amount)
    assert back.rows() == t.rows()


@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 900), st.none() | st.integers(0, 400)),
        max_size=20,
    )
)
def test_round_trip_of_random_spells(rows: list[tuple[str, int, int | None]]) -> None:
    """Random elb spells survive writing and reading unchanged."""
    base = dt.date(2022, 1, 1)
    records = [
        {"person_id": p, "kind": "elb", "start": base + dt.timedelta(days=s), "jobcenter": "J",
         "end": None if n is None else base + dt.timedelta(days=s + n)}
        for p, s, n in rows
    ]
    t = SpellTable.from_records(records, data_end=dt.date(2025, 1, 1))
    buf = io.StringIO()
    write_spells(t, buf)
    assert read(buf.getvalue(), data_end=dt.date(2025, 1, 1)).rows() == t.rows()


def test_quoted_fields_and_line_breaks_keep_exact_line_numbers() -> None:
    """A quoted comma is read; a quoted line break in an id is refused on line 3, the bad row after on 5."""
    text = (
        HEADER
        + 'a,elb,2024-01-01,,"JC, Nord",,,,\n'
        + 'b,elb,2024-01-01,,"JC\nSüd",,,,\n'
        + "c,elb,2024-02-30,,J,,,,\n"
    )
    t = read(text, strict=False)
    assert t.jobcenter_labels == ("JC, Nord",)
    assert [p.line for p in t.rejected] == [3, 5]
    assert "jobcenter longer than 200 characters or with control characters" in t.rejected[0].reason


def test_windows_line_ends_and_a_byte_order_mark() -> None:
    """CRLF line ends and a UTF-8 BOM (as Excel writes them) read like plain files."""
    text = "\ufeff" + GOOD.replace("\n", "\r\n")
    t = read(text)
    assert len(t) == 4
    assert t.jobcenter_labels == ("JC1",)
    assert t.amount[3] == 563.5
