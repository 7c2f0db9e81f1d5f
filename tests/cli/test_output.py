"""The CLI's JSON output: the fast writer of flat records gives exactly the standard encoder's text."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.cli import _output
from langzeit.cli._output import _flat_records_json, print_json, print_json_columns

_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()


@given(st.lists(st.text(), min_size=1, max_size=5, unique=True).flatmap(
    lambda keys: st.lists(st.tuples(*[_SCALARS for _ in keys]), min_size=1, max_size=5).map(
        lambda rows: [dict(zip(keys, row, strict=True)) for row in rows])))
def test_flat_records_are_written_as_json_dumps_with_indent(records: list[dict[str, Any]]) -> None:
    """Any list of flat records with the same keys: the same text as json.dumps(indent=2)."""
    assert _flat_records_json(records) == json.dumps(records, ensure_ascii=False, indent=2, default=str)


def test_other_shapes_are_left_to_the_standard_encoder() -> None:
    """Nested values, differing keys, empty lists and non-lists are not handled (None)."""
    assert _flat_records_json([{"a": [1]}]) is None
    assert _flat_records_json([{"a": 1}, {"b": 1}]) is None
    assert _flat_records_json([]) is None
    assert _flat_records_json({"a": 1}) is None


_FAMILIES = (st.none() | st.text(max_size=3), st.none() | st.booleans(), st.floats(), st.integers(),
             st.none() | st.floats(), st.none() | st.integers() | st.floats())


@given(st.lists(st.sampled_from(_FAMILIES), min_size=1, max_size=4).flatmap(
    lambda families: st.lists(st.tuples(*families), min_size=1, max_size=8).map(
        lambda rows: [{f"k{i}": v for i, v in enumerate(row)} for row in rows])))
def test_columns_of_one_kind_of_value_are_written_as_json_dumps(records: list[dict[str, Any]]) -> None:
    """Columns of text, flags, floats or integers only (encoded once per distinct value): json.dumps' text."""
    assert _flat_records_json(records) == json.dumps(records, ensure_ascii=False, indent=2, default=str)


_ANY = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3) | st.dates()


@given(st.lists(st.text(max_size=3), min_size=1, max_size=4, unique=True).flatmap(
    lambda keys: st.lists(st.tuples(*[_ANY for _ in keys]), max_size=5).map(
        lambda rows: (keys, [dict(zip(keys, row, strict=True)) for row in rows]))))
def test_records_given_column_by_column_print_as_the_records_do(case: tuple[list[str], list[dict[str, Any]]],
                                                                ) -> None:
    """Columns of any values (dates too, or no rows at all): the text print_json gives for the records."""
    keys, records = case
    columns = {k: [r[k] for r in records] for k in keys}
    by_columns, by_records = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(by_columns):
        print_json_columns(columns)
    with contextlib.redirect_stdout(by_records):
        print_json(records)
    assert by_columns.getvalue() == by_records.getvalue()


@given(st.lists(st.tuples(st.none() | st.integers() | st.floats(), st.text(max_size=2), st.booleans()),
                min_size=1, max_size=12), st.integers(1, 5))
def test_records_written_in_pieces_are_the_text_of_one_piece(rows: list[tuple[Any, ...]], piece: int) -> None:
    """Written a few records at a time (a national result in pieces): the same text as json.dumps."""
    records = [{"n": n, "t": t, "f": f} for n, t, f in rows]
    columns = {k: [r[k] for r in records] for k in ("n", "t", "f")}
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.setattr(_output, "_JSON_ROWS", piece)
        print_json_columns(columns)
    assert out.getvalue() == json.dumps(records, ensure_ascii=False, indent=2) + "\n"
