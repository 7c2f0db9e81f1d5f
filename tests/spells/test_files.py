"""Spell files: CSV dialects, Parquet, Arrow, frames; unreadable files; exact lines; one validation path."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langzeit.exceptions import DataFormatError, UnreadableFileError
from langzeit.spells import (
    OPEN_END,
    SpellTable,
    date_to_day,
    detect_delimiter,
    read_spells,
    spell_format,
    write_spells,
)

HEADER = ["person_id", "kind", "start", "end", "jobcenter", "sex", "single_parent", "instrument", "amount"]
ROWS = [
    ["p1", "elb", "2024-01-01", "", "Köln", "F", "1", "", ""],
    ["p1", "svp", "10.03.2024", "30.09.2024", "", "", "", "", ""],
    ["p2", "measure", "2024-02-01", "2024-04-30", "", "", "", "45sgb3", ""],
    ["p2", "llu", "2024-02-01", "2024-02-29", "Köln", "", "", "", "563.5"],
]


def _text(delimiter: str = ",", rows: list[list[str]] = ROWS, newline: str = "\n") -> str:
    return newline.join(delimiter.join(r) for r in [HEADER, *rows]) + newline


def _write(tmp_path: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding=encoding, newline="")
    else:
        path.write_bytes(content)
    return path


def _same(a: SpellTable, b: SpellTable, source: str = "") -> None:
    """Every column, label, line and rejected row of two tables agree."""
    columns = ("person", "kind", "start", "end", "jobcenter", "sex", "single_parent", "instrument", "amount")
    for name in (*columns, "line"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=f"{source} {name}")
    assert a.person_ids.tolist() == b.person_ids.tolist(), source
    assert a.jobcenter_labels == b.jobcenter_labels, source
    assert a.instrument_labels == b.instrument_labels, source
    assert a.data_end == b.data_end, source
    rejected = [(p.line, p.reason, p.text) for p in b.rejected]
    assert [(p.line, p.reason, p.text) for p in a.rejected] == rejected, source


# ---- dialects ------------------------------------------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_detected(tmp_path: Path, delimiter: str) -> None:
    """Comma, semicolon (German Excel), tab and pipe files give the same table."""
    reference = read_spells(_write(tmp_path, "ref.csv", _text()))
    t = read_spells(_write(tmp_path, "x.csv", _text(delimiter)))
    _same(t, reference)
    assert detect_delimiter(delimiter.join(HEADER)) == delimiter


def test_a_given_delimiter_overrides_the_detection(tmp_path: Path) -> None:
    """A comma-looking header is split on ';' when told so (and then misses columns)."""
    path = _write(tmp_path, "x.csv", _text(";"))
    assert len(read_spells(path, delimiter=";")) == 4
    with pytest.raises(DataFormatError, match="missing required column"):
        read_spells(path, delimiter=",")


def test_a_header_on_the_wrong_delimiter_says_so(tmp_path: Path) -> None:
    """A header read as one field with ';' in it names the delimiter as the likely cause."""
    with pytest.raises(DataFormatError, match="delimiter"):
        read_spells(_write(tmp_path, "x.csv", _text(";")), delimiter="\t")


def test_utf8_with_and_without_bom_and_crlf(tmp_path: Path) -> None:
    """A BOM (Excel's 'CSV UTF-8') and CRLF line ends change nothing."""
    plain = read_spells(_write(tmp_path, "a.csv", _text()))
    bom = read_spells(_write(tmp_path, "b.csv", codecs.BOM_UTF8 + _text(";", newline="\r\n").encode()))
    _same(plain, bom)
    assert plain.jobcenter_labels == ("Köln",)


def test_cp1252_needs_its_encoding(tmp_path: Path) -> None:
    """A cp1252 file reads with ``encoding='cp1252'``; without it the line and the option are named."""
    path = _write(tmp_path, "x.csv", _text(";"), encoding="cp1252")
    assert read_spells(path, encoding="cp1252").jobcenter_labels == ("Köln",)
    assert read_spells(path, encoding="latin-1").jobcenter_labels == ("Köln",)
    with pytest.raises(UnreadableFileError, match=r"x\.csv: line 2 is not utf-8 text; .*--encoding cp1252"):
        read_spells(path)


def test_german_and_iso_dates_and_decimal_commas(tmp_path: Path) -> None:
    """31.12.2020 and 1.2.2024 are dates beside ISO; 563,50 is an amount; 31.02.2024 is not a date."""
    rows = [["p", "svp", "31.12.2020", "1.2.2024", "", "", "", "", ""],
            ["p", "luh", "2024-02-01", "2024-02-29", "J", "", "", "", "563,50"],
            ["p", "svp", "31.02.2024", "", "", "", "", "", ""]]
    t = read_spells(_write(tmp_path, "x.csv", _text(";", rows)), strict=False)
    assert t.start.tolist()[:2] == [date_to_day(dt.date(2020, 12, 31)), date_to_day(dt.date(2024, 2, 1))]
    assert t.end.tolist()[0] == date_to_day(dt.date(2024, 2, 1))
    assert t.amount.tolist()[1] == 563.5
    assert [(p.line, p.reason) for p in t.rejected] == [(4, "start is not a date (YYYY-MM-DD or DD.MM.YYYY)")]
    assert t.rejected[0].text == "p;svp;31.02.2024;;;;;;"


# ---- files that cannot be read at all ------------------------------------------------------------

def test_utf16_files_are_refused_with_what_to_do(tmp_path: Path) -> None:
    """UTF-16 with BOM (Excel's 'Unicode text') and without: one sentence, naming UTF-8."""
    for name, data in [("bom.csv", _text().encode("utf-16")), ("le.csv", _text().encode("utf-16-le"))]:
        with pytest.raises(UnreadableFileError, match=rf"{name}: is UTF-16 text; save it as UTF-8") as info:
            read_spells(_write(tmp_path, name, data))
        assert "\n" not in str(info.value)


def test_binary_files_directories_and_missing_files(tmp_path: Path) -> None:
    """Each gets one line with the file's name and a hint; a Parquet file named .csv is recognised."""
    cases = {
        _write(tmp_path, "bin.csv", bytes(range(256)) * 4): "is a binary file, not CSV text",
        _write(tmp_path, "zip.csv", b"PK\x03\x04" + b"\0" * 40): "Excel workbook",
        tmp_path: "is a directory",
        tmp_path / "nope.csv": "file not found; check the path",
        _write(tmp_path, "broken.parquet", b"not parquet at all"): "is not a Parquet file",
    }
    for path, message in cases.items():
        with pytest.raises(UnreadableFileError, match=message) as info:
            read_spells(path)
        assert str(info.value).startswith(str(path))
        assert "\n" not in str(info.value)
    t = SpellTable.from_records([dict(zip(HEADER, ROWS[0], strict=True))])
    write_spells(t, tmp_path / "real.parquet")
    (tmp_path / "real.parquet").rename(tmp_path / "real.csv")
    with pytest.raises(UnreadableFileError, match=r"looks like Parquet: name it \*\.parquet"):
        read_spells(tmp_path / "real.csv")
    (tmp_path / "real.csv").rename(tmp_path / "real.dat")
    assert spell_format(tmp_path / "real.dat") == "parquet"
    assert len(read_spells(tmp_path / "real.dat")) == 1


def test_an_empty_file_has_no_header(tmp_path: Path) -> None:
    """Zero bytes: the header is missing (line 1)."""
    with pytest.raises(DataFormatError, match="empty file"):
        read_spells(_write(tmp_path, "x.csv", b""))


# ---- exact line numbers --------------------------------------------------------------------------

def test_line_numbers_with_blank_lines_quotes_and_wrong_widths(tmp_path: Path) -> None:
    """Blank lines are skipped, a quoted line break spans two lines, a short row is reported with its line."""
    text = (
        ",".join(HEADER) + "\n"
        + "p1,elb,2024-01-01,,J,,,,\n"  # line 2
        + "\n"  # line 3: blank
        + '"p\n2",svp,2024-01-01,,,,,,\n'  # lines 4-5: one row
        + "p3,svp,2024-01-01\n"  # line 6: 3 fields
        + "   \n"  # line 7: blank (spaces)
        + "p4,svp,2024-13-01,,,,,,\n"  # line 8: bad date
        + "p5,svp,2024-01-01,,,,,,"  # line 9, no final newline
    )
    # without the quoted line break every later line moves up by one (the numpy scan, not the csv module);
    # with it, the row of lines 4-5 is refused on line 4: an id has no control characters
    for name, data, shift in [("q.csv", text, 0), ("noq.csv", text.replace('"p\n2"', "p2"), 1)]:
        t = read_spells(_write(tmp_path, name, data), strict=False)
        assert t.line is not None
        assert t.line.tolist() == ([2, 9] if shift == 0 else [2, 4, 8])
        odd = "person_id longer than 200 characters or with control characters"
        quoted = [(4, odd)] if shift == 0 else []
        assert [(p.line, p.reason.split(" (")[0]) for p in t.rejected] == [
            *quoted, (6 - shift, "expected 9 fields, found 3"), (8 - shift, "start is not a date")]
        assert t.rejected[len(quoted)].text == "p3,svp,2024-01-01"


def test_strict_mode_reports_format_and_catalogue_problems_together(tmp_path: Path) -> None:
    """A short row, a bad date and an unknown instrument: all three in one error, in line order."""
    rows = [["p", "svp", "2024-01-01"], ["p", "svp", "2024-99-01", "", "", "", "", "", ""],
            ["p", "measure", "2024-01-01", "", "", "", "", "nope", ""]]
    with pytest.raises(DataFormatError) as info:
        read_spells(_write(tmp_path, "x.csv", _text(",", rows)))
    assert [p.line for p in info.value.rejected] == [2, 3, 4]
    assert "not in the instrument catalogue" in info.value.rejected[2].reason


def test_a_line_longer_than_a_block_is_named(tmp_path: Path) -> None:
    """A 3 MB field: the line and the limit are named, no hang, no traceback text."""
    text = _text() + "p9,svp,2024-01-01,," + "x" * 3_000_000 + ",,,,\n"
    with pytest.raises(UnreadableFileError, match=r"line 6 is longer than 1 MiB"):
        read_spells(_write(tmp_path, "x.csv", text))


def test_a_wide_header_is_checked_in_linear_time(tmp_path: Path) -> None:
    """20,000 extra columns (and a duplicated one) are checked at once; extra columns are read past."""
    extra = [f"x{i}" for i in range(20_000)]
    header = ",".join(HEADER + extra)
    row = ",".join(ROWS[0] + [""] * len(extra))
    t = read_spells(_write(tmp_path, "x.csv", header + "\n" + row + "\n"))
    assert len(t) == 1
    with pytest.raises(DataFormatError, match="duplicated column"):
        read_spells(_write(tmp_path, "d.csv", header + ",x7\n"))


def test_many_rows_of_one_person(tmp_path: Path) -> None:
    """100,000 monthly rows of one person read into one person index."""
    n = 100_000
    frame = pd.DataFrame({"person_id": ["p"] * n, "kind": ["llu"] * n,
                          "start": pd.date_range("1900-01-01", periods=n, freq="D").date,
                          "end": [None] * n, "jobcenter": ["J"] * n, "amount": np.arange(n, dtype=float)})
    t = SpellTable.from_frame(frame)
    assert (len(t), t.n_persons, int(t.person.max())) == (n, 1, 0)


# ---- Parquet, Arrow, frames: one validation path ---------------------------------------------------

def test_typed_parquet_columns(tmp_path: Path) -> None:
    """date32 dates (null = open), float amounts, booleans and integer ids are read as their CSV text."""
    table = pa.table({
        "person_id": pa.array([7, 8]), "kind": ["elb", "llu"],
        "start": pa.array([dt.date(2024, 1, 1), dt.date(2024, 2, 1)]),
        "end": pa.array([None, dt.date(2024, 2, 29)], pa.date32()),
        "jobcenter": pa.array([10, 10]), "single_parent": pa.array([True, None]),
        "amount": pa.array([None, 410.0]),
    })
    pq.write_table(table, tmp_path / "x.parquet")
    t = read_spells(tmp_path / "x.parquet")
    assert t.person_ids.tolist() == ["7", "8"]
    assert t.end.tolist() == [OPEN_END, date_to_day(dt.date(2024, 2, 29))]
    assert t.single_parent.tolist() == [True, False]
    assert t.jobcenter_labels == ("10",)
    assert np.isnan(t.amount[0])
    assert t.amount[1] == 410.0


def test_write_and_read_every_format(tmp_path: Path) -> None:
    """CSV, Parquet and Arrow written by write_spells read back to the same table."""
    t = SpellTable.from_records([dict(zip(HEADER, r, strict=True)) for r in ROWS])
    for name in ("s.csv", "s.parquet", "s.arrow", "s.feather"):
        write_spells(t, tmp_path / name)
        back = read_spells(tmp_path / name)
        assert back.rows() == t.rows()


def test_arrow_dictionary_indices_beyond_their_dictionary_are_a_damaged_file(tmp_path: Path) -> None:
    """An IPC file is mapped unchecked: indices past the dictionary are a damaged file, not an IndexError."""
    ids = pa.DictionaryArray.from_arrays(pa.array([0, 5], pa.int32()), pa.array(["a", "b"]), safe=False)
    table = pa.table({"person_id": ids, "kind": ["elb", "elb"], "start": ["2024-01-01"] * 2,
                      "end": pa.array([None, None], pa.string()), "jobcenter": ["J", "J"]})
    feather.write_feather(table, str(tmp_path / "x.arrow"), compression="uncompressed")
    for strict in (True, False):
        with pytest.raises(UnreadableFileError, match=r"x\.arrow: is a damaged Arrow file .*out of bounds"):
            read_spells(tmp_path / "x.arrow", strict=strict)


def test_unsigned_dictionary_indices_with_nulls(tmp_path: Path) -> None:
    """uint8 dictionary indices with a null read as an empty cell (the null must not wrap round to 255)."""
    jobcenter = pa.DictionaryArray.from_arrays(pa.array([0, None, 1], pa.uint8()), pa.array(["J1", "J2"]))
    table = pa.table({"person_id": ["p1", "p2", "p3"], "kind": ["elb"] * 3, "start": ["2024-01-01"] * 3,
                      "end": pa.array([None] * 3, pa.string()), "jobcenter": jobcenter})
    feather.write_feather(table, str(tmp_path / "u.arrow"), compression="uncompressed")
    t = read_spells(tmp_path / "u.arrow", strict=False)
    assert [(p.line, p.reason) for p in t.rejected] == [(3, "elb spell without jobcenter")]
    assert t.jobcenter_labels == ("J1", "J2")


def test_missing_columns_in_parquet_and_frames() -> None:
    """The header rule holds for every source."""
    with pytest.raises(DataFormatError, match="missing required column"):
        SpellTable.from_frame(pd.DataFrame({"person_id": ["a"], "kind": ["svp"]}))
    with pytest.raises(DataFormatError, match="missing required column"):
        SpellTable.from_arrow(pa.table({"person_id": ["a"]}))


_FIELD_VALUES = {
    "person_id": ["a", "b", "c d", "", " a"],
    "kind": ["elb", "svp", "measure", "llu", "job", ""],
    "start": ["2024-01-01", "31.12.2020", "2024-02-30", "", "2024-1-5"],
    "end": ["", "2024-06-30", "01.01.2019", "x"],
    "jobcenter": ["", "J1", "10", "9"],
    "sex": ["", "F", "m", "x"],
    "single_parent": ["", "1", "0", "yes"],
    "instrument": ["", "16d", "45SGB3", "zz"],
    "amount": ["", "12.5", "-1", "abc", "0"],
}
_ROW = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _FIELD_VALUES.items()})


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=object) for c in HEADER})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, min_size=1, max_size=12))
def test_every_source_gives_identical_tables(tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """The same rows from CSV, Parquet, Arrow IPC, pandas, polars, pyarrow and dicts: identical results."""
    import polars as pl

    arrow = pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in HEADER})
    buf = io.StringIO()
    buf.write(",".join(HEADER) + "\n")
    for r in rows:
        buf.write(",".join(f'"{r[c]}"' if " " in r[c] else r[c] for c in HEADER) + "\n")
    csv_path = _write(tmp_path, "x.csv", buf.getvalue())
    pq.write_table(arrow, tmp_path / "x.parquet")
    feather.write_feather(arrow, str(tmp_path / "x.arrow"))
    sources: dict[str, Any] = {
        "parquet": lambda: read_spells(tmp_path / "x.parquet", strict=False),
        "arrow file": lambda: read_spells(tmp_path / "x.arrow", strict=False),
        "pyarrow": lambda: SpellTable.from_arrow(arrow, strict=False),
        "pandas": lambda: SpellTable.from_frame(_frame(rows), strict=False),
        "polars": lambda: SpellTable.from_frame(pl.from_arrow(arrow), strict=False),
        "records": lambda: SpellTable.from_records(rows, strict=False),
    }
    reference = read_spells(csv_path, strict=False)
    for name, read in sources.items():
        _same(read(), reference, name)


def test_dates_beyond_the_sampled_head_fall_back_to_text(tmp_path: Path) -> None:
    """ISO dates in the first 64 KiB, then a German and a bad date: read again as text, lines exact."""
    good = ["p", "svp", "2024-01-01", "2024-01-31", "", "", "", "", ""]
    rows = [good] * 4000 + [["q", "svp", "31.12.2020", "", "", "", "", "", ""],
                            ["r", "svp", "2024-13-01", "", "", "", "", "", ""]]
    t = read_spells(_write(tmp_path, "x.csv", _text(",", rows)), strict=False)
    assert len(t) == 4001
    assert t.start[-1] == date_to_day(dt.date(2020, 12, 31))
    assert [(p.line, p.text) for p in t.rejected] == [(4003, "r,svp,2024-13-01,,,,,,")]


@pytest.mark.parametrize("index", [3, -1])
def test_a_decoded_batch_with_an_index_beyond_its_dictionary_is_damaged(index: int) -> None:
    """The check of Parquet batches: an index past (or below) its dictionary is ArrowInvalid, a null not."""
    from langzeit.spells._files import _validate_batch

    kinds = pa.array(["elb", "svp", "llu"])
    good = pa.DictionaryArray.from_arrays(pa.array([0, None, 2], pa.int32()), kinds)
    empty = pa.DictionaryArray.from_arrays(pa.array([None, None, None], pa.int32()), kinds)
    _validate_batch(pa.RecordBatch.from_arrays([good, empty], names=["kind", "sex"]))
    bad = pa.DictionaryArray.from_arrays(pa.array([0, None, index], pa.int32()), kinds, safe=False)
    with pytest.raises(pa.ArrowInvalid, match="dictionary index out of bounds"):
        _validate_batch(pa.RecordBatch.from_arrays([bad, empty], names=["kind", "sex"]))
