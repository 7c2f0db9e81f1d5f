"""CLI layer: shared output helpers (``--format text|json``, and ``csv`` where a command offers it)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from langzeit._spreadsheet import escape_row

__all__ = ["add_format_option", "print_csv", "print_json", "print_json_columns", "print_table"]


def add_format_option(parser: argparse.ArgumentParser, *, csv: bool = False) -> None:
    """Add the ``--format text|json`` option every command has (``csv=True``: also ``csv``)."""
    if csv:
        parser.add_argument(
            "--format", choices=("text", "json", "csv"), default="text",
            help="output format: a readable table (default), JSON with stable keys, or CSV for "
            "spreadsheets (the JSON keys as columns; UTF-8 with BOM; formula-like cells escaped)",
        )
        return
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="output format: a readable table (default) or JSON with stable keys",
    )


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def print_csv(records: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> None:
    r"""Print records as CSV for spreadsheets: a header, one row per record.

    UTF-8 with a byte order mark (so that Excel shows umlauts right), comma-separated,
    empty cells for None, ``true``/``false`` for booleans; every cell goes through
    :func:`langzeit._spreadsheet.escape_row`, so a text starting with ``=``, ``+``,
    ``-``, ``@``, tab or CR cannot run as a formula.

    Examples:
        >>> import contextlib, io
        >>> out = io.StringIO()
        >>> with contextlib.redirect_stdout(out):
        ...     print_csv([{"jobcenter": "=HYPERLINK(1)", "value": -2.5, "suppressed": False}],
        ...               ["jobcenter", "value", "suppressed"])
        >>> out.getvalue().splitlines()
        ['\ufeffjobcenter,value,suppressed', "'=HYPERLINK(1),-2.5,false"]
    """
    sys.stdout.write("\ufeff")
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(escape_row(columns))
    writer.writerows(escape_row(_csv_value(r.get(c)) for c in columns) for r in records)


def print_json(data: Any) -> None:
    """Print JSON (UTF-8, German characters kept, sorted for stable diffs)."""
    text = _flat_records_json(data)
    if text is None:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    else:
        sys.stdout.write(text)
    sys.stdout.write("\n")


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


_ENCODE: dict[type, Any] = {
    str: json.encoder.encode_basestring,  # what ensure_ascii=False uses (C)
    int: int.__repr__,
    float: _json_float,
    bool: lambda v: "true" if v else "false",
    type(None): lambda _: "null",
}


#: Columns of only these types repeat few values: each distinct one is encoded once.
_FEW_VALUES = ({str, type(None)}, {bool, type(None)})


def _encode_column(values: list[Any]) -> list[str] | None:
    """The JSON text of each value (None when a value is not text, a number, a boolean or None).

    Text columns (jobcenter, month, code, name) and flags hold few distinct values: they are
    encoded once each and looked up (``True == 1``: only where no number shares the column).
    """
    types = set(map(type, values))
    if not types <= _ENCODE.keys():
        return None
    if any(types <= few for few in _FEW_VALUES):
        memo = {v: _ENCODE[type(v)](v) for v in set(values)}
        return list(map(memo.__getitem__, values))
    if len(types) == 1:
        return list(map(_ENCODE[types.pop()], values))
    return [_ENCODE[type(v)](v) for v in values]


def _flat_records_json(data: Any) -> str | None:
    """``json.dumps(data, ensure_ascii=False, indent=2)`` of a list of flat records, column by column.

    The standard encoder is pure Python when it indents (seconds for the 230,400 cells of
    400 jobcenters × 12 months); this gives the same text for a list of dicts with the same
    keys whose values are text, numbers, booleans or None, and None for anything else
    (the caller then uses ``json.dump``).
    """
    if not isinstance(data, list) or not data or not all(type(r) is dict for r in data):
        return None
    keys = list(data[0])
    if not keys or any(list(r) != keys for r in data):
        return None
    return _columns_json({k: [r[k] for r in data] for k in keys})


#: Rows encoded and written at a time: the text of a national result (230,400 cells, 80 MB) is
#: never whole in memory, and each piece reuses the memory the one before freed.
_JSON_ROWS = 1 << 14


def _columns_json(columns: Mapping[str, Sequence[Any]]) -> str | None:
    """The JSON text of the records ``columns`` holds column by column (as :func:`_flat_records_json`).

    None when a key is not text or a value not text, a number, a boolean or None.
    """
    parts = _columns_json_parts(columns)
    return None if parts is None else "".join(parts)


def _columns_json_parts(columns: Mapping[str, Sequence[Any]]) -> Iterator[str] | None:
    """:func:`_columns_json`'s text in pieces of :data:`_JSON_ROWS` records (None as there)."""
    keys = list(columns)
    if not keys or not all(isinstance(k, str) for k in keys):
        return None
    values = [columns[k] for k in keys]
    if any(not set(map(type, v)) <= _ENCODE.keys() for v in values):
        return None  # a value of another type (a date, a list): the standard encoder
    n = len(values[0])  # columns of different lengths: zip(strict=True) below refuses them
    template = "  {\n" + ",\n".join(
        "    " + json.encoder.encode_basestring(k).replace("%", "%%") + ": %s" for k in keys
    ) + "\n  }"

    def parts() -> Iterator[str]:
        yield "[\n"
        for lo in range(0, n, _JSON_ROWS):
            encoded = [_encode_column(list(v[lo : lo + _JSON_ROWS])) for v in values]
            rows = ",\n".join(template % row for row in zip(*encoded, strict=True))
            yield rows if lo == 0 else ",\n" + rows
        yield "\n]"

    return parts()


def print_json_columns(columns: Mapping[str, Sequence[Any]]) -> None:
    """Print records given column by column (``{key: values}``) as :func:`print_json` prints them as dicts.

    Examples:
        >>> print_json_columns({"code": ["K1", "K2"], "value": [1.5, None]})
        [
          {
            "code": "K1",
            "value": 1.5
          },
          {
            "code": "K2",
            "value": null
          }
        ]
    """
    n = len(next(iter(columns.values()), []))
    parts = _columns_json_parts(columns) if n else None
    if parts is None:
        rows = zip(*columns.values(), strict=True)
        print_json([dict(zip(columns, values, strict=True)) for values in rows])
        return
    for part in parts:
        sys.stdout.write(part)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain-text table with aligned columns."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
