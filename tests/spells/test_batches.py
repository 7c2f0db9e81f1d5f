"""The batch-wise validation gives the same table whatever the chunks, dictionaries and batch sizes.

Many small chunks with their own dictionaries (pyarrow's CSV reader), one chunk, batches of a
few rows, and the lenient path with a rejected row (codes recoded after dropping rows, the
reference path) must all give the table of the plain records, cell for cell.

The validation codes a dictionary-encoded column through its dictionary, takes a
dictionary of plain ids as the label set as it is (no re-encoding), notes which labels
rows use while checking, and looks at rows only where a distinct value or a null could
break a rule: dictionaries with repeated values, entries no row uses and nulls must give
the table and the rejected rows of the same values as plain text.
"""

from __future__ import annotations

import io
import itertools
import threading
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.exceptions import DataFormatError
from langzeit.spells import (
    SpellTable,
    _batches,
    _csv,
    _files,
    _recoding,
    _validate,
    generate_spells,
    read_spells,
    write_spells,
)
from langzeit.spells._arrow_columns import _strings, _text_numpy
from langzeit.spells._csv import read_csv_rows
from langzeit.spells._files import _unescaped


def _fields(t: SpellTable) -> dict[str, Any]:
    skip = ("rejected", "line")
    return {a.name: getattr(t, a.name) for a in attrs.fields(SpellTable) if a.name not in skip}


def _same(a: SpellTable, b: SpellTable) -> None:
    fa, fb = _fields(a), _fields(b)
    for name, value in fa.items():
        if isinstance(value, np.ndarray):
            assert value.dtype == fb[name].dtype, name
            assert np.array_equal(value, fb[name], equal_nan=value.dtype.kind == "f"), name
        else:
            assert value == fb[name], name


def _text_table(spells: SpellTable) -> pa.Table:
    """The spells as text columns (as CSV gives them), each chunk dictionary-encoded on its own."""
    rows = spells.rows()
    names = ["person_id", "kind", "start", "end", "jobcenter", "sex", "instrument", "amount"]

    def text(v: Any) -> str | None:
        return None if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat") else str(v))

    chunks = []
    step = 37
    for lo in range(0, len(rows), step):
        part = rows[lo : lo + step]
        chunks.append(pa.table({n: pa.array([text(r[n]) for r in part], pa.string()).dictionary_encode()
                                for n in names}))
    return pa.concat_tables(chunks)


@pytest.fixture(scope="module")
def spells() -> SpellTable:
    """Sixty synthetic persons in four jobcenters."""
    return generate_spells(60, seed=11, n_jobcenters=4)


def test_many_chunks_with_own_dictionaries_give_the_table_of_one_chunk(spells: SpellTable) -> None:
    """Chunks of 37 rows, each with its own dictionaries: unified per batch, the same table as one chunk."""
    table = _text_table(spells)
    assert table.column("person_id").num_chunks > 10
    _same(SpellTable.from_arrow(table), SpellTable.from_arrow(table.combine_chunks()))


@pytest.mark.parametrize(("batch_rows", "recode_rows"), [(50, 7), (1 << 20, 3)])
def test_batch_and_recoding_sizes_do_not_change_the_table(
    spells: SpellTable, monkeypatch: pytest.MonkeyPatch, batch_rows: int, recode_rows: int
) -> None:
    """Small batches (many label sets, merged) and small recoding chunks: the same table."""
    table = _text_table(spells)
    whole = SpellTable.from_arrow(table.combine_chunks())
    monkeypatch.setattr(_batches, "_BATCH_ROWS", batch_rows)
    monkeypatch.setattr(_recoding, "_RECODE_ROWS", recode_rows)
    _same(SpellTable.from_arrow(table), whole)
    _same(SpellTable.from_arrow(table.combine_chunks()), whole)


def test_the_lenient_path_with_a_rejected_row_keeps_the_codes_of_the_strict_one(
    spells: SpellTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One bad row more: the other rows are coded as without it (the recoding after dropping rows)."""
    table = _text_table(spells)
    monkeypatch.setattr(_batches, "_BATCH_ROWS", 50)
    bad = pa.table({n: pa.array([v], pa.string()).dictionary_encode() for n, v in zip(
        table.column_names, [str(spells.person_ids[0]), "job", "2024-01-01", None, "X", None, None, None],
        strict=True)})
    with_bad = SpellTable.from_arrow(pa.concat_tables([table, bad]), strict=False)
    assert [p.reason for p in with_bad.rejected] == ["unknown kind 'job'"]
    _same(with_bad, SpellTable.from_arrow(table))


def _csv_lines(spells: SpellTable) -> list[str]:
    buf = io.StringIO()
    write_spells(spells, buf)
    return buf.getvalue().splitlines()


@pytest.mark.parametrize("change", ["none", "blank line", "short row", "german date", "quoted"])
def test_a_streamed_csv_file_gives_the_table_of_the_whole_read(
    spells: SpellTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Streamed in batches of 50 rows, or read again whole when a line is not one row: the same table."""
    lines = _csv_lines(spells)
    if change == "blank line":
        lines.insert(200, "")
    elif change == "short row":
        lines.insert(300, "p,svp")
    elif change == "german date":
        lines.append(f"{spells.person_ids[0]},svp,01.02.2024,,,,0,,")
    elif change == "quoted":
        lines[5] = lines[5].replace(",svp,", ',"svp",')
    path = tmp_path / "s.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = read_csv_rows(path)
    reference = SpellTable._checked(_unescaped(whole.table), file=str(path), data_end=None, strict=False,
                                    lines=whole.lines, extra=whole.problems)
    monkeypatch.setattr(_csv, "_STREAM_ROWS", 50)
    streamed = read_spells(path, strict=False)
    _same(streamed, reference)
    assert [(p.line, p.reason) for p in streamed.rejected] == [(p.line, p.reason) for p in reference.rejected]
    if change == "short row":
        assert [p.line for p in streamed.rejected] == [301]


@pytest.mark.parametrize("change", ["none", "blank line late", "short row late", "short row at the cut",
                                    "bad value late", "no newline at the end"])
@pytest.mark.parametrize("source", ["file", "stream"])
def test_a_csv_file_parsed_in_pieces_gives_the_table_of_one_reader(
    spells: SpellTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, source: str
) -> None:
    """Cut into pieces parsed two at a time (or read again whole): the table and problems of one reader."""
    lines = _csv_lines(spells)
    late = len(lines) * 3 // 4
    if change == "blank line late":
        lines.insert(late, "")
    elif change == "short row late":
        lines.insert(late, "p,svp")
    elif change == "short row at the cut":
        ends = itertools.accumulate(len(line) + 1 for line in lines)  # the byte after each line
        lines.insert(sum(end < 5000 for end in ends), "p,svp")  # the row after the first cut's line
    elif change == "bad value late":
        fields = lines[late].split(",")
        lines[late] = ",".join([fields[0], "job", *fields[2:]])
    text = "\n".join(lines) + ("" if change == "no newline at the end" else "\n")
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")

    def read() -> SpellTable:
        return read_spells(path if source == "file" else io.BytesIO(text.encode()), strict=False)

    monkeypatch.setattr(_csv, "_STREAM_ROWS", 50)
    monkeypatch.setattr(_csv, "_PIECE_BYTES", 1 << 62)
    one = read()
    monkeypatch.setattr(_csv, "_PIECE_BYTES", 5000)  # about 30 pieces
    monkeypatch.setattr(_csv, "_MIN_BLOCK", 256)  # the search for the line break in small steps
    split = []
    pieces = _csv._Source.pieces

    def spied(self: Any, size: int) -> Any:
        split.append(pieces(self, size))
        return split[-1]

    monkeypatch.setattr(_csv._Source, "pieces", spied)
    two = read()
    if source == "file":  # parsed in pieces (then once more whole, if not streamable)
        assert split
        assert split[0] is not None
        assert len(split[0]) > 2
        whole = text.encode()
        assert [_csv._Source(path).piece(*p).to_pybytes() for p in split[0]] == [
            whole[o : o + n] for o, n in split[0]]
    _same(two, one)
    assert _problems(two) == _problems(one)
    if change.startswith("short row"):
        assert len(one.rejected) == 1


def test_the_pieces_are_cut_just_after_line_breaks() -> None:
    """Each piece but the last ends with a line break, together they are the bytes; one piece: None."""
    from langzeit.spells._csv import _Source

    data = b"h\naaaa\nbbbbbbbb\ncc\ndddd\n"
    source = _Source(io.BytesIO(data))
    parts = source.pieces(4)
    assert parts == [(0, 7), (7, 9), (16, 8)]
    texts = [source.piece(*p).to_pybytes() for p in parts]
    assert b"".join(texts) == data
    assert all(t.endswith(b"\n") for t in texts)
    assert _Source(io.BytesIO(b"h\nabcdefgh")).pieces(4) is None
    assert _Source(io.BytesIO(data)).pieces(len(data)) is None


def _with_bad_rows(spells: SpellTable) -> pa.Table:
    """The spells as text with bad rows in several batches of 50 rows (and two reasons on one row)."""
    table = _text_table(spells).combine_chunks()
    rows = table.to_pylist()
    for i, change in ((3, {"kind": "job"}), (120, {"start": "2024-13-01"}), (121, {"end": "1999-01-01"}),
                      (260, {"kind": None, "sex": "X"}), (len(rows) - 1, {"amount": "-5"})):
        rows[i] = {**rows[i], **change}
    return pa.Table.from_pylist(rows, schema=pa.schema([(n, pa.string()) for n in table.column_names]))


def _problems(t: SpellTable) -> list[tuple[int, str, str]]:
    return [(p.line, p.reason, p.text) for p in t.rejected]


def test_two_threads_give_the_table_and_the_problems_of_one(
    spells: SpellTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 50 rows checked by two threads: the same table and the same bad rows, in line order."""
    table = _with_bad_rows(spells)
    monkeypatch.setattr(_batches, "_BATCH_ROWS", 50)
    monkeypatch.setattr(_validate, "_WORKERS", 1)
    one = SpellTable.from_arrow(table, strict=False)
    monkeypatch.setattr(_validate, "_WORKERS", 2)
    two = SpellTable.from_arrow(table, strict=False)
    _same(two, one)
    assert _problems(two) == _problems(one)
    assert [p[0] for p in _problems(one)] == [5, 122, 123, 262, len(table) + 1]


def test_two_threads_keep_every_row_as_one_does(spells: SpellTable, monkeypatch: pytest.MonkeyPatch) -> None:
    """No bad row (the in-place recoding of the label sets of both threads): the same table."""
    table = _text_table(spells)
    monkeypatch.setattr(_batches, "_BATCH_ROWS", 50)
    monkeypatch.setattr(_validate, "_WORKERS", 1)
    one = SpellTable.from_arrow(table)
    monkeypatch.setattr(_validate, "_WORKERS", 2)
    _same(SpellTable.from_arrow(table), one)


def test_a_parquet_file_of_many_row_groups_is_checked_by_two_threads_as_by_one(
    spells: SpellTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups of 64 rows with bad rows in several: the same table and problems with one thread or two."""
    path = tmp_path / "s.parquet"
    pq.write_table(_with_bad_rows(spells), path, row_group_size=64)
    monkeypatch.setattr(_files, "_PARQUET_BATCH", 64)
    monkeypatch.setattr(_validate, "_WORKERS", 1)
    one = read_spells(path, strict=False)
    monkeypatch.setattr(_validate, "_WORKERS", 2)
    two = read_spells(path, strict=False)
    _same(two, one)
    assert _problems(two) == _problems(one)
    assert len(one.rejected) == 5
    with pytest.raises(DataFormatError) as raised:
        read_spells(path)
    assert [p.line for p in raised.value.problems] == [p.line for p in one.rejected]


def test_an_error_of_a_later_batch_is_raised_and_the_threads_end(
    spells: SpellTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader failing at its fourth batch (a damaged row group): its error, and no checking thread left."""
    batches = _text_table(spells).combine_chunks().to_batches(max_chunksize=50)

    def failing() -> Any:
        yield from batches[:3]
        raise pa.ArrowInvalid("damaged row group")

    source = _batches.BatchSource(sum(b.num_rows for b in batches), batches[0].schema.names, failing)
    monkeypatch.setattr(_validate, "_WORKERS", 2)
    with pytest.raises(pa.ArrowInvalid, match="damaged row group"):
        SpellTable._checked(source, file="f", data_end=None, strict=True)
    assert not [t for t in threading.enumerate() if t.name.startswith("langzeit-check")]


_VALUES: dict[str, list[str | None]] = {
    "person_id": ["p1", "p2", "P3", "10", "x y", " p1", "", None],
    "kind": ["elb", "svp", "llu", "luh", "measure", "minijob", "job", "", None],
    "start": ["2024-01-01", "2023-05-10", "01.02.2024", "2024-13-01", "", None],
    "end": ["2024-12-31", "2023-01-01", "2024-03-31", "", None],
    "jobcenter": ["J1", "J2", "10", " J1", "", None],
    "sex": ["F", "M", "D", "X", "", None],
    "single_parent": ["1", "0", "true", "x", "", None],
    "instrument": ["16d", "16f", "45sgb3", "zz", "", None],
    "amount": ["10.5", "0", "-1", "abc", "3,5", "", None],
}

_ROW = st.fixed_dictionaries({name: st.sampled_from(values) for name, values in _VALUES.items()})


def _assert_same(a: SpellTable, b: SpellTable) -> None:
    _same(a, b)
    problems = [[(p.line, p.reason, p.text) for p in t.rejected] for t in (a, b)]
    assert problems[0] == problems[1]


def _dictionary_column(values: list[str | None], extra: list[str], order: list[int], twice: bool) -> pa.Array:
    """``values`` dictionary-encoded: the distinct ones shuffled, perhaps each twice, and ``extra`` unused."""
    distinct = sorted({v for v in values if v is not None})
    shuffled = [distinct[i] for i in sorted(range(len(distinct)), key=lambda i: order[i % len(order)] + i)]
    dictionary = shuffled + (shuffled if twice else []) + extra
    first = {v: i for i, v in enumerate(shuffled)}
    indices = []
    for i, v in enumerate(values):
        if v is None:
            indices.append(None)
        else:  # every second row of a repeated value points at its second copy
            indices.append(first[v] + (len(shuffled) if twice and i % 2 else 0))
    return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(dictionary, pa.string()))


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(_ROW, min_size=1, max_size=14),
    extra=st.lists(st.sampled_from(["q9", "unused", "J7", "zz9"]), max_size=3),
    order=st.lists(st.integers(0, 20), min_size=1, max_size=5),
    twice=st.booleans(),
    batch_rows=st.sampled_from([2, 3, 1 << 20]),
)
def test_dictionary_layouts_give_the_table_of_plain_text(
    rows: list[dict[str, str | None]], extra: list[str], order: list[int], twice: bool, batch_rows: int
) -> None:
    """Repeated and unused dictionary entries, nulls, several batches: the table and problems of text."""
    plain = pa.table({name: pa.array([r[name] for r in rows], pa.string()) for name in _VALUES})
    encoded = pa.table({name: _dictionary_column([r[name] for r in rows], extra, order, twice)
                        for name in _VALUES})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_batches, "_BATCH_ROWS", batch_rows)
        reference = SpellTable.from_arrow(plain, strict=False)
        _assert_same(SpellTable.from_arrow(encoded, strict=False), reference)
        _assert_same(SpellTable.from_arrow(encoded.slice(0), strict=False), reference)


def test_a_repeated_id_in_one_dictionary_is_one_person() -> None:
    """A dictionary that holds an id twice (a writer may): one person, whichever copy a row points at."""
    ids = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2], pa.int32()), pa.array(["a", "a", "b"]))
    table = pa.table({"person_id": ids, "kind": ["svp", "svp", "svp"], "start": ["2024-01-01"] * 3,
                      "end": [None, None, None]})
    spells = SpellTable.from_arrow(table)
    assert spells.person_ids.tolist() == ["a", "b"]
    assert spells.person.tolist() == [0, 0, 1]


def test_ids_no_row_uses_are_no_persons_and_jobcenters() -> None:
    """A slice keeps the whole dictionary: its unused ids and jobcenters do not appear in the table."""
    ids = pa.array(["a", "b", "c", "d"]).dictionary_encode()
    jcs = pa.array(["J1", "J2", "J3", "J4"]).dictionary_encode()
    table = pa.table({"person_id": ids, "kind": ["elb"] * 4, "start": ["2024-01-01"] * 4, "end": [None] * 4,
                      "jobcenter": jcs}).slice(1, 2)
    spells = SpellTable.from_arrow(table)
    assert spells.person_ids.tolist() == ["b", "c"]
    assert spells.jobcenter_labels == ("J2", "J3")


@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
                max_size=30))
def test_text_as_numpy_is_the_text(values: list[str]) -> None:
    """Arrow text as a numpy ``str_`` array (padded ASCII or through Python): the same strings."""
    expected = [v.rstrip("\0") for v in values]  # numpy's str_ drops trailing NULs, as before
    assert _text_numpy(_strings(values)).tolist() == expected
