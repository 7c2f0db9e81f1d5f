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
import concurrent.futures
import csv
import datetime as dt
import io
import itertools
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

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

    def check(self, mask: BoolArray | None, reason: str) -> None:
        """Note the rows of ``mask`` as bad for ``reason`` (None, or no row: nothing to note)."""
        if mask is not None and mask.any():
            self.found.append((mask, reason))

    def bad(self) -> BoolArray:
        out = np.zeros(self.n, dtype=np.bool_)
        for mask, _ in self.found:
            out |= mask
        return out


class _Columns:
    """The coded columns of all rows, written batch by batch (by one thread or two, on disjoint rows)."""

    def __init__(self, n: int) -> None:
        self.kind = np.empty(n, np.uint8)
        self.start, self.end = np.empty(n, np.int32), np.empty(n, np.int32)
        self.sex, self.single_parent = np.empty(n, np.uint8), np.empty(n, np.bool_)
        self.amount = np.empty(n, np.float64)
        self.person, self.jobcenter = np.empty(n, np.int32), np.empty(n, np.int32)
        # the table's instrument codes are int16: written so at once (no int32 column and copy)
        self.instrument: npt.NDArray[Any] = np.empty(n, np.int16)
        self._lock = threading.Lock()

    def put_instrument(self, rows: slice, codes: npt.NDArray[np.int32], n_codes: Callable[[], int]) -> None:
        """Write a batch's instrument codes; int32 once the label sets hold more codes than int16 does.

        ``n_codes`` counts the labels of every set so far (of every thread): the last write
        sees them all, so the column ends int32 exactly when they are more than int16 holds.
        """
        with self._lock:
            if self.instrument.dtype == np.int16 and n_codes() > _INT16_CODES:
                self.instrument = self.instrument.astype(np.int32)  # the table refuses them
            self.instrument[rows] = codes


class _BatchResult(NamedTuple):
    """What one batch's checks give besides its columns: label sets, problems, bad rows, latest day."""

    sets: tuple[int, int, int]  # the label set of person_id, jobcenter, instrument
    problems: list[RowProblem]
    bad: IntArray | None  # the bad rows (table positions)
    latest: int | None  # the latest start or end of a valid row


def _check_batch(
    batch: pa.RecordBatch, offset: int, lines: IntArray | None, text: dict[str, _Labels], out: _Columns,
    all_sets: Callable[[], int], *, file: str, delimiter: str,
) -> _BatchResult:
    """Check one batch's rows (table rows ``offset`` on) and write their codes into ``out``.

    Values are written straight into the columns of ``out``; a rule is checked row by row
    only where some distinct value or null could break it (a kind column of known kinds
    needs no look at its rows), so a clean batch costs about one pass per column.
    """
    m = batch.num_rows
    rows = slice(offset, offset + m)
    names = set(batch.schema.names)

    def column(name: str) -> pa.Array | None:
        return batch.column(name) if name in names else None

    found = _Problems(m)
    person_b, person_k = text["person_id"].codes(column("person_id"), m, out=out.person[rows])
    text["person_id"].mark_used(person_b, person_k)
    found.check(person_b < 0, "empty person_id")
    kind_b, k, kinds = text["kind"].lookup(column("kind"), m, _kind_codes, _NO_KIND, np.uint8,
                                           out=out.kind[rows])
    if (kinds == _NO_KIND).any():  # an unknown or a missing kind: which, row by row
        codes, k = text["kind"].codes(column("kind"), m)
        for i, label in enumerate(text["kind"].labels(k)):
            if _kind_code(label) == _NO_KIND:
                found.check(codes == i, f"unknown kind {label!r}")
        found.check(codes < 0, "missing kind")
    start_b, start_empty, bad_start = _dates(column("start"), m, text["start"], out=out.start[rows])
    found.check(start_empty, "missing start")
    found.check(bad_start, f"start is not a date ({DATE_FORMS})")
    end_b, end_empty, bad_end = _dates(column("end"), m, text["end"], out=out.end[rows])
    found.check(bad_end, f"end is not a date ({DATE_FORMS})")
    found.check(_outside_years(start_b), f"start is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    ongoing = "(leave end empty for an ongoing spell)"
    found.check(_outside_years(end_b), f"end is outside the years {FIRST_YEAR}–{LAST_YEAR} {ongoing}")
    if end_empty is not None:
        np.copyto(end_b, OPEN_END, where=end_empty)
    before = end_b < start_b
    if before.any():  # only rows with both dates count
        for mask in (bad_start, bad_end, start_empty):
            if mask is not None:
                before &= ~mask
        found.check(before, "end before start")
    too_odd = f"longer than {MAX_ID_LENGTH} characters or with control characters"
    found.check(text["person_id"].bad_ids(person_b, person_k), f"person_id {too_odd}")
    codes, jc_k = text["jobcenter"].codes(column("jobcenter"), m, out=out.jobcenter[rows])
    text["jobcenter"].mark_used(codes, jc_k)
    found.check(text["jobcenter"].bad_ids(codes, jc_k), f"jobcenter {too_odd}")
    no_jobcenter = codes < 0
    if no_jobcenter.any():
        found.check((kind_b == SpellKind.ELB) & no_jobcenter, "elb spell without jobcenter")
    sex_b, _, sexes = text["sex"].lookup(column("sex"), m, _sex_codes, 0, np.uint8, out=out.sex[rows])
    if (sexes == _NO_KIND).any():
        found.check(sex_b == _NO_KIND, "sex must be F, M, D or empty")
    sp_b, bad_flag = _flags(column("single_parent"), m, text["single_parent"])
    found.check(bad_flag, "single_parent must be 1, 0 or empty")
    codes, ins_k = text["instrument"].codes(column("instrument"), m)
    text["instrument"].mark_used(codes, ins_k)
    out.put_instrument(rows, codes, all_sets)
    no_instrument = codes < 0
    if no_instrument.any():
        found.check(_kind_in(kind_b, _NEEDS_INSTRUMENT) & no_instrument, "measure without instrument")
    _, amount_empty, bad_amount = _amounts(column("amount"), m, text["amount"], out=out.amount[rows])
    found.check(bad_amount, "amount is not a non-negative number")
    if amount_empty is not None and amount_empty.any():
        found.check(_kind_in(kind_b, _NEEDS_AMOUNT) & amount_empty, "llu/luh spell without amount")
    out.single_parent[rows] = sp_b
    good_start, good_end = start_b, end_b
    problems: list[RowProblem] = []
    bad_rows = None
    if found.found:
        bad = found.bad()
        good_start, good_end = start_b[~bad], end_b[~bad]
        batch_lines = np.arange(offset + 2, offset + m + 2) if lines is None else lines[rows]
        problems = _row_problems(pa.Table.from_batches([batch]), batch_lines, bad, found, file, delimiter)
        bad_rows = np.flatnonzero(bad) + offset
    latest = None
    if good_start.size:  # the data's end by default: the latest start or end of a valid row
        closed = int(good_end.max())
        if closed == OPEN_END:  # the latest end of a closed spell, if any
            closed = int(good_end.max(where=good_end != OPEN_END, initial=-(1 << 31)))
        latest = max(int(good_start.max()), closed)
    return _BatchResult((person_k, jc_k, ins_k), problems, bad_rows, latest)


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

    A table of several batches (about a million rows each) is checked by two threads
    (numpy and Arrow compute release the GIL), batch by batch; each thread codes text
    with label sets of its own, put together at the end, so the table and the problems
    (in line order) are those of one thread.

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
    out = _Columns(n)
    # batch by batch (about a million rows): the temporaries of the checks stay small and are
    # reused, which on a large table is several times faster than whole-column passes
    checked, texts = _check_batches(table, lines, out, file=file, delimiter=delimiter)
    problems = list(extra)
    for *_, result in checked:
        problems += result.problems
    if len(problems) > len(extra):
        problems.sort(key=lambda p: p.line)
    if problems and strict:
        raise DataFormatError(file, problems)
    latest = max((r.latest for *_, r in checked if r.latest is not None), default=None)
    bad_rows = [r.bad for *_, r in checked if r.bad is not None]
    text: dict[str, _Labels] = {}
    sets: dict[str, list[tuple[int, int, int]]] = {}
    for i, name in enumerate(("person_id", "jobcenter", "instrument")):
        text[name], base = _Labels.joined([t[name] for t in texts])
        sets[name] = [(offset, m, result.sets[i] + base[j]) for offset, m, j, result in checked]
    ok = None
    if bad_rows:
        keep_mask = np.ones(n, dtype=np.bool_)
        keep_mask[np.concatenate(bad_rows)] = False
        ok = np.flatnonzero(keep_mask)

    def keep(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if ok is None else values[ok]

    person, jobcenter, instrument = out.person, out.jobcenter, out.instrument
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
    start32, end32 = keep(out.start), keep(out.end)
    end_day = (0 if latest is None else latest) if data_end is None else date_to_day(data_end)
    return {
        "person": person_code, "kind": keep(out.kind), "start": start32, "end": end32,
        "jobcenter": jc_code, "sex": keep(out.sex), "single_parent": keep(out.single_parent),
        "instrument": ins_code, "amount": keep(out.amount), "person_ids": person_ids,
        "jobcenter_labels": jc_labels, "instrument_labels": ins_labels, "data_end": end_day,
        "line": _kept_lines(lines, ok), "rejected": problems,
    }


#: Threads that check batches (two: the machines this runs on have few cores, and the
#: reader's own thread decodes the next batches meanwhile).
_WORKERS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def _check_batches(
    table: pa.Table | BatchSource, lines: IntArray | None, out: _Columns, *, file: str, delimiter: str,
) -> tuple[list[tuple[int, int, int, _BatchResult]], list[dict[str, _Labels]]]:
    """Every non-empty batch checked, by :data:`_WORKERS` threads when there are two batches or more.

    Returns:
        Per batch in table order (offset, rows, the index of the labels it was coded with,
        its result), and the labels of each thread.
    """
    batches = (b for b in _table_batches(table) if b.num_rows)
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    workers = _WORKERS if second is not None else 1
    texts = [{name: _Labels() for name in COLUMNS} for _ in range(workers)]

    def all_sets() -> int:  # the instrument labels of every thread so far
        return sum(len(v) for t in texts for v in t["instrument"].sets)

    def check(batch: pa.RecordBatch, offset: int, j: int) -> _BatchResult:
        return _check_batch(batch, offset, lines, texts[j], out, all_sets, file=file, delimiter=delimiter)

    if workers == 1:
        checked = []
        offset = 0
        for batch in (b for b in itertools.chain((first, second), batches) if b is not None):
            checked.append((offset, batch.num_rows, 0, check(batch, offset, 0)))
            offset += batch.num_rows
        return checked, texts
    free: queue.SimpleQueue[int] = queue.SimpleQueue()
    for j in range(workers):
        free.put(j)

    def task(batch: pa.RecordBatch, offset: int) -> tuple[int, _BatchResult]:
        j = free.get()  # a thread's own labels: at most `workers` tasks run at once
        try:
            return j, check(batch, offset, j)
        finally:
            free.put(j)

    checked = []
    pending: collections.deque[tuple[int, int, concurrent.futures.Future[tuple[int, _BatchResult]]]] = (
        collections.deque())
    pool = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="langzeit-check")
    try:
        offset = 0
        for batch in itertools.chain((first, second), batches):
            assert batch is not None
            pending.append((offset, batch.num_rows, pool.submit(task, batch, offset)))
            offset += batch.num_rows
            while len(pending) > workers:  # a batch waits for a thread only: never the whole file in memory
                at, m, future = pending.popleft()
                checked.append((at, m, *future.result()))
        while pending:
            at, m, future = pending.popleft()
            checked.append((at, m, *future.result()))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return checked, texts


def _kept_lines(lines: IntArray | None, ok: IntArray | None) -> IntArray | None:
    """The lines of the kept rows; None (row i is line i + 2) when all rows are kept and regular."""
    if lines is None:
        return None if ok is None else (ok + 2).astype(np.int64)
    kept = np.asarray(lines, dtype=np.int64)
    return kept if ok is None else kept[ok]


def _kind_in(kind: npt.NDArray[np.uint8], kinds: Sequence[int]) -> BoolArray:
    """``np.isin(kind, kinds)`` by comparisons, one per kind (cheaper on a uint8 column than a look-up).

    Examples:
        >>> _kind_in(np.array([0, 7, 8, 3], dtype=np.uint8), (7, 8)).tolist()
        [False, True, True, False]
    """
    out: BoolArray = np.zeros(kind.shape, dtype=np.bool_)
    for k in kinds:
        out |= kind == k
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
