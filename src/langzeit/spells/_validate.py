"""Spell layer: the one validation path of spell rows (DOMAIN.md § 2), for every source.

Every reader — CSV, Parquet, Arrow IPC, pandas/polars frames, pyarrow tables, dicts —
brings its rows here as a ``pyarrow.Table`` (text or typed columns) together with the
line of each row. :func:`check_header` checks the column names; :func:`validate` checks
every row with vectorised code and returns the coded columns of a
:class:`~langzeit.spells.SpellTable` plus every bad row as a
:class:`~langzeit.exceptions.RowProblem` (line and reasons).

Text columns are dictionary-encoded: kinds, dates, sexes, jobcenters and instruments
are parsed once per *distinct* value, so a table of 50 million rows costs a few numpy
``take`` calls per column. The machinery lives beside this module: Arrow columns as
numpy (``_arrow_columns``), cell parsers (``_cells``), batches and prefetching
(``_batches``), the final coding of the kept rows (``_recoding``); here are the row rules.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit._ids import MAX_ID_LENGTH
from langzeit.exceptions import DataFormatError, RowProblem
from langzeit.spells._arrow_columns import BoolArray, IntArray, _Labels
from langzeit.spells._batches import BatchSource, _table_batches
from langzeit.spells._cells import (
    _NO_KIND,
    DATE_FORMS,
    _amounts,
    _dates,
    _flags,
    _kind_code,
    _kind_codes,
    _outside_years,
    _sex_codes,
)
from langzeit.spells._codes import COLUMNS, OPEN_END, REQUIRED, SpellKind, date_to_day, label_sort_key
from langzeit.spells._recoding import (
    _encode_labels,
    _encode_labels_in_place,
    _person_index,
    _person_index_in_place,
)

__all__ = ["Checked", "cell_text", "check_header", "row_text", "validate"]

_NEEDS_INSTRUMENT = (SpellKind.MEASURE, SpellKind.PUBLIC_EMPLOYMENT)
_NEEDS_AMOUNT = (SpellKind.LLU, SpellKind.LUH)

Checked = dict[str, Any]
"""The keyword arguments of :class:`~langzeit.spells.SpellTable` (coded columns, labels, rejected)."""


def check_header(names: Sequence[str], file: str, *, text: str = "") -> dict[str, int]:
    """The position of each known column; raises on missing required or duplicated columns.

    Linear in the number of columns (a file of a million columns is checked at once).

    Args:
        names: the column names (stripped of surrounding blanks here).
        file: the file name for the problem.
        text: the header line as read (for the problem).

    Returns:
        ``{column: position}`` for the columns of :data:`~langzeit.spells.COLUMNS` present.

    Raises:
        DataFormatError: line 1 names the missing and the duplicated columns.

    Examples:
        >>> check_header(["person_id", "kind", "start", "end", "x"], "f.csv")
        {'person_id': 0, 'kind': 1, 'start': 2, 'end': 3}
        >>> check_header(["person_id", "kind"], "f.csv")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: f.csv (1 problem)
          - f.csv:1: missing required column(s): start, end
    """
    stripped = [n.strip() for n in names]
    counts = collections.Counter(stripped)
    missing = [c for c in REQUIRED if c not in counts]
    duplicated = sorted(n for n, k in counts.items() if k > 1 and n)
    problems = []
    if missing:
        hint = ""
        if len(stripped) == 1 and any(d in stripped[0] for d in ";,\t|"):
            hint = " (is the delimiter right? give it with --delimiter)"
        problems.append(f"missing required column(s): {', '.join(missing)}{hint}")
    if duplicated:
        problems.append(f"duplicated column(s): {', '.join(duplicated[:20])}")
    if problems:
        shown = text if len(text) <= 500 else text[:500] + "…"
        raise DataFormatError(file, [RowProblem(file, 1, "; ".join(problems), shown)])
    first: dict[str, int] = {}
    for i, n in enumerate(stripped):
        first.setdefault(n, i)
    return {c: first[c] for c in COLUMNS if c in first}


def cell_text(value: Any) -> str:
    """A value as CSV cell text: None and NaN empty, booleans 1/0, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return ""
    return str(value)


def row_text(values: Sequence[Any], delimiter: str = ",") -> str:
    """A row's values as one line of CSV (the ``text`` of a :class:`~langzeit.exceptions.RowProblem`).

    Args:
        values: the row's values (text, numbers, dates, None).
        delimiter: the field delimiter.

    Returns:
        The line without its line break.

    Examples:
        >>> row_text(["p1", "svp", dt.date(2024, 1, 1), None, 12.5])
        'p1,svp,2024-01-01,,12.5'
    """
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow([cell_text(v) for v in values])
    return buf.getvalue()


_INT16_CODES = np.iinfo(np.int16).max


class _Problems:
    def __init__(self, n: int) -> None:
        self.n = n
        self.found: list[tuple[BoolArray, str]] = []

    def check(self, mask: BoolArray, reason: str) -> None:
        if mask.any():
            self.found.append((mask, reason))

    def bad(self) -> BoolArray:
        out = np.zeros(self.n, dtype=np.bool_)
        for mask, _ in self.found:
            out |= mask
        return out


def validate(
    table: pa.Table | BatchSource,
    lines: IntArray | None,
    *,
    file: str,
    data_end: dt.date | None,
    strict: bool,
    delimiter: str = ",",
    extra: Sequence[RowProblem] = (),
) -> Checked:
    """Check every row of a spell table and code its columns (DOMAIN.md § 2).

    Args:
        table: the rows (a table, or a :class:`BatchSource`); its column names are the spell
            columns (others are ignored), text or typed (dates, numbers, booleans, dictionaries).
        lines: the line of each row (``int64``), reported with its problems; None when row
            ``i`` is line ``i + 2`` (a file without blank lines or quoted line breaks).
        file: the file name reported with problems.
        data_end: the data's end (default: the latest start or end of a valid row).
        strict: raise on bad rows, or keep the valid ones.
        delimiter: the delimiter the ``text`` of a problem is written with.
        extra: problems the reader found before (e.g. rows with a wrong number of fields).

    Returns:
        The keyword arguments of :class:`~langzeit.spells.SpellTable`.

    Raises:
        DataFormatError: bad rows in strict mode (every one, in line order).

    Examples:
        >>> t = pa.table({"person_id": ["a", "b"], "kind": ["svp", "job"],
        ...               "start": ["2024-01-01", "1.2.2024"], "end": [None, None]})
        >>> out = validate(t, np.array([2, 3]), file="f", data_end=None, strict=False)
        >>> out["kind"].tolist(), [str(p) for p in out["rejected"]]
        ([1], ["f:3: unknown kind 'job'"])
    """
    n = table.num_rows
    names = set(table.column_names)
    kind = np.empty(n, np.uint8)
    start, end = np.empty(n, np.int32), np.empty(n, np.int32)
    sex, single_parent = np.empty(n, np.uint8), np.empty(n, np.bool_)
    amount = np.empty(n, np.float64)
    person, jobcenter = np.empty(n, np.int32), np.empty(n, np.int32)
    # the table's instrument codes are int16: written so at once (no int32 column and copy)
    instrument: npt.NDArray[Any] = np.empty(n, np.int16)
    text = {name: _Labels() for name in COLUMNS}
    sets: dict[str, list[tuple[int, int, int]]] = {"person_id": [], "jobcenter": [], "instrument": []}
    bad_rows: list[IntArray] = []
    problems = list(extra)
    latest: int | None = None
    offset = 0
    # batch by batch (about a million rows): the temporaries of the checks stay small and are
    # reused, which on a large table is several times faster than whole-column passes
    for batch in _table_batches(table):
        m = batch.num_rows
        if not m:
            continue
        rows = slice(offset, offset + m)

        def column(name: str, batch: pa.RecordBatch = batch) -> pa.Array | None:
            return batch.column(name) if name in names else None

        found = _Problems(m)
        person_b, person_k = text["person_id"].codes(column("person_id"), m)
        person[rows] = person_b
        sets["person_id"].append((offset, m, person_k))
        found.check(person_b < 0, "empty person_id")
        codes, k = text["kind"].codes(column("kind"), m)
        kind_b = text["kind"].mapped(codes, k, _kind_codes, _NO_KIND, np.uint8)
        for i, label in enumerate(text["kind"].labels(k)):
            if _kind_code(label) == _NO_KIND:
                found.check(codes == i, f"unknown kind {label!r}")
        found.check(codes < 0, "missing kind")
        start_b, start_empty, bad_start = _dates(column("start"), m, text["start"])
        found.check(start_empty, "missing start")
        found.check(bad_start, f"start is not a date ({DATE_FORMS})")
        end_b, end_empty, bad_end = _dates(column("end"), m, text["end"])
        found.check(bad_end, f"end is not a date ({DATE_FORMS})")
        found.check(_outside_years(start_b), f"start is outside the years {FIRST_YEAR}–{LAST_YEAR}")
        ongoing = "(leave end empty for an ongoing spell)"
        found.check(_outside_years(end_b), f"end is outside the years {FIRST_YEAR}–{LAST_YEAR} {ongoing}")
        end_b = np.where(end_empty, OPEN_END, end_b)
        found.check(~bad_start & ~bad_end & ~start_empty & (end_b < start_b), "end before start")
        too_odd = f"longer than {MAX_ID_LENGTH} characters or with control characters"
        found.check(text["person_id"].bad_ids(person_b, person_k), f"person_id {too_odd}")
        codes, k = text["jobcenter"].codes(column("jobcenter"), m)
        jobcenter[rows] = codes
        sets["jobcenter"].append((offset, m, k))
        found.check(text["jobcenter"].bad_ids(codes, k), f"jobcenter {too_odd}")
        found.check((kind_b == SpellKind.ELB) & (codes < 0), "elb spell without jobcenter")
        codes, k = text["sex"].codes(column("sex"), m)
        sex_b = text["sex"].mapped(codes, k, _sex_codes, 0, np.uint8)
        found.check(sex_b == _NO_KIND, "sex must be F, M, D or empty")
        sp_b, bad_flag = _flags(column("single_parent"), m, text["single_parent"])
        found.check(bad_flag, "single_parent must be 1, 0 or empty")
        codes, k = text["instrument"].codes(column("instrument"), m)
        if instrument.dtype == np.int16 and sum(len(v) for v in text["instrument"].sets) > _INT16_CODES:
            instrument = instrument.astype(np.int32)  # more codes than int16 holds (the table refuses them)
        instrument[rows] = codes
        sets["instrument"].append((offset, m, k))
        found.check(_kind_in(kind_b, _NEEDS_INSTRUMENT) & (codes < 0), "measure without instrument")
        amount_b, amount_empty, bad_amount = _amounts(column("amount"), m, text["amount"])
        found.check(bad_amount, "amount is not a non-negative number")
        found.check(_kind_in(kind_b, _NEEDS_AMOUNT) & amount_empty, "llu/luh spell without amount")
        kind[rows], start[rows], end[rows], sex[rows] = kind_b, start_b, end_b, sex_b
        single_parent[rows], amount[rows] = sp_b, amount_b
        good_start, good_end = start_b, end_b
        if found.found:
            bad = found.bad()
            good_start, good_end = start_b[~bad], end_b[~bad]
            rows_table = pa.Table.from_batches([batch])
            batch_lines = np.arange(offset + 2, offset + m + 2) if lines is None else lines[rows]
            problems += _row_problems(rows_table, batch_lines, bad, found, file, delimiter)
            bad_rows.append(np.flatnonzero(bad) + offset)
        if good_start.size:  # the data's end by default: the latest start or end of a valid row
            closed = good_end[good_end != OPEN_END]
            top = max(int(good_start.max()), int(closed.max()) if closed.size else -(1 << 31))
            latest = top if latest is None else max(latest, top)
        offset += m

    if len(problems) > len(extra):
        problems.sort(key=lambda p: p.line)
    if problems and strict:
        raise DataFormatError(file, problems)
    ok = None
    if bad_rows:
        keep_mask = np.ones(n, dtype=np.bool_)
        keep_mask[np.concatenate(bad_rows)] = False
        ok = np.flatnonzero(keep_mask)

    def keep(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if ok is None else values[ok]

    if ok is None:  # every row kept: one recoding pass, batch by batch, straight to the sorted ids
        person_code, person_ids = _person_index_in_place(person, text["person_id"], sets["person_id"])
    else:
        person_values = text["person_id"].finish(person, sets["person_id"])
        person_code, person_ids = _person_index(person, person_values, ok)
    if ok is None:  # every row kept: each column recoded once, batch by batch
        jc_code, jc_labels = _encode_labels_in_place(jobcenter, text["jobcenter"], sets["jobcenter"], str,
                                                     sort_key=label_sort_key)
        ins_code, ins_labels = _encode_labels_in_place(instrument, text["instrument"], sets["instrument"],
                                                       str.lower)
    else:
        jc_values = text["jobcenter"].finish(jobcenter, sets["jobcenter"])
        ins_values = text["instrument"].finish(instrument, sets["instrument"])
        jc_code, jc_labels = _encode_labels(jobcenter, jc_values, ok, str, sort_key=label_sort_key)
        ins_code, ins_labels = _encode_labels(instrument, ins_values, ok, str.lower)
    start32, end32 = keep(start), keep(end)
    end_day = (0 if latest is None else latest) if data_end is None else date_to_day(data_end)
    return {
        "person": person_code, "kind": keep(kind), "start": start32, "end": end32,
        "jobcenter": jc_code, "sex": keep(sex), "single_parent": keep(single_parent),
        "instrument": ins_code, "amount": keep(amount), "person_ids": person_ids,
        "jobcenter_labels": jc_labels, "instrument_labels": ins_labels, "data_end": end_day,
        "line": _kept_lines(lines, ok), "rejected": problems,
    }


def _kept_lines(lines: IntArray | None, ok: IntArray | None) -> IntArray | None:
    """The lines of the kept rows; None (row i is line i + 2) when all rows are kept and regular."""
    if lines is None:
        return None if ok is None else (ok + 2).astype(np.int64)
    kept = np.asarray(lines, dtype=np.int64)
    return kept if ok is None else kept[ok]


def _kind_in(kind: npt.NDArray[np.uint8], kinds: Sequence[int]) -> BoolArray:
    """``np.isin(kind, kinds)`` by a table look-up (one pass over a uint8 column)."""
    table = np.zeros(256, dtype=np.bool_)
    table[list(kinds)] = True
    out: BoolArray = table[kind]
    return out


def _row_problems(
    table: pa.Table, lines: IntArray, bad: BoolArray, found: _Problems, file: str, delimiter: str
) -> list[RowProblem]:
    index = np.flatnonzero(bad)
    rows = table.take(pa.array(index)).to_pylist()
    out = []
    for i, row in zip(index.tolist(), rows, strict=True):
        reasons = "; ".join(reason for mask, reason in found.found if mask[i])
        out.append(RowProblem(file, int(lines[i]), reasons, row_text(list(row.values()), delimiter)))
    return out
