"""Spell layer: the one validation path of spell rows (DOMAIN.md § 2), for every source.

Every reader — CSV, Parquet, Arrow IPC, pandas/polars frames, pyarrow tables, dicts —
brings its rows here as a ``pyarrow.Table`` (text or typed columns) together with the
line of each row. :func:`check_header` checks the column names; :func:`validate` checks
every row with vectorised code and returns the coded columns of a
:class:`~langzeit.spells.SpellTable` plus every bad row as a
:class:`~langzeit.exceptions.RowProblem` (line and reasons).

Text columns are dictionary-encoded: kinds, dates, sexes, jobcenters and instruments
are parsed once per *distinct* value, so a table of 50 million rows costs a few numpy
``take`` calls per column. Dates are ISO ``YYYY-MM-DD`` or German ``DD.MM.YYYY``.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import datetime as dt
import io
import queue
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit._ids import MAX_ID_LENGTH
from langzeit.exceptions import DataFormatError, RowProblem
from langzeit.spells._codes import (
    COLUMNS,
    NO_CODE,
    OPEN_END,
    REQUIRED,
    SEX_CODES,
    SpellKind,
    date_to_day,
    label_sort_key,
)

__all__ = ["BatchSource", "Checked", "cell_text", "check_header", "prefetched", "row_text", "validate"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_NEEDS_INSTRUMENT = (SpellKind.MEASURE, SpellKind.PUBLIC_EMPLOYMENT)
_NEEDS_AMOUNT = (SpellKind.LLU, SpellKind.LUH)
_NO_KIND = 255
DATE_FORMS = "YYYY-MM-DD or DD.MM.YYYY"
_BATCH_ROWS = 1 << 20

Checked = dict[str, Any]
"""The keyword arguments of :class:`~langzeit.spells.SpellTable` (coded columns, labels, rejected)."""

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


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


_NUMPY_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8,
    "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64, "float": np.float32, "double": np.float64,
}


def _bits(buffer: pa.Buffer, offset: int, n: int) -> BoolArray:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    out: BoolArray = np.unpackbits(packed, bitorder="little")[offset : offset + n].astype(np.bool_)
    return out


def _numpy(values: pa.Array | pa.ChunkedArray, fill: Any) -> npt.NDArray[Any]:
    """A fixed-width (or boolean) Arrow column as numpy, nulls replaced by ``fill``.

    Reads the buffers directly: ``to_numpy`` would import pandas (most of a second).
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    t = values.type
    if pa.types.is_date32(t):
        t = pa.int32()
        chunks = [c.view(pa.int32()) for c in chunks]
    parts = []
    for chunk in chunks:
        n, offset = len(chunk), chunk.offset
        buffers = chunk.buffers()
        if pa.types.is_boolean(t):
            data: npt.NDArray[Any] = _bits(buffers[1], offset, n) if n else np.zeros(0, np.bool_)
        else:
            dtype = np.dtype(_NUMPY_TYPES[str(t)])
            data = np.frombuffer(buffers[1], dtype=dtype, count=n, offset=offset * dtype.itemsize) if n else (
                np.zeros(0, dtype))
        if chunk.null_count:
            data = np.where(_bits(buffers[0], offset, n), data, fill)
        parts.append(data)
    if not parts:
        return np.zeros(0, dtype=np.bool_ if pa.types.is_boolean(t) else _NUMPY_TYPES[str(t)])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _same_buffers(a: pa.Array, b: pa.Array) -> bool:
    """One array seen through two Python objects (chunks of one encoding share their dictionary)."""
    if len(a) != len(b) or a.offset != b.offset or a.type != b.type:
        return False
    return all((x is None and y is None) or (x is not None and y is not None and x.address == y.address)
               for x, y in zip(a.buffers(), b.buffers(), strict=True))


_PLAIN_ENDS = r"^[0-9A-Za-z](.*[0-9A-Za-z])?$"


def _stripped(values: pa.Array) -> pa.Array:
    """Text values stripped of surrounding blanks as ``str.strip`` does (nulls become "")."""
    values = pc.fill_null(values, "")
    plain = pc.fill_null(pc.match_substring_regex(values, _PLAIN_ENDS), False)
    if pc.all(plain).as_py() is not False:
        return values
    # only values that begin or end with something else than a letter or digit go through Python
    odd = np.flatnonzero(~_numpy(plain, False))
    fixed = [str(v).strip() for v in values.take(pa.array(odd)).to_pylist()]
    if all(f == v for f, v in zip(fixed, values.take(pa.array(odd)).to_pylist(), strict=True)):
        return values
    out = values.to_pylist()
    for i, f in zip(odd.tolist(), fixed, strict=True):
        out[i] = f
    return pa.array(out, pa.string())


class _Labels:
    """One text column, batch by batch: codes (``-1`` for null/empty) into sets of distinct stripped labels.

    Each distinct dictionary (consecutive batches usually share their file's) is stripped
    and encoded once with Arrow compute, whatever its size (a national table has millions
    of person ids); the rows only see numpy takes. A batch's codes point into the label
    set it was coded with; :meth:`finish` puts all sets together (first appearance order).
    """

    def __init__(self) -> None:
        self.sets: list[pa.Array] = []
        self._last: tuple[pa.Array, npt.NDArray[np.int32], int] | None = None
        self._mapped: dict[tuple[int, Any], npt.NDArray[Any]] = {}
        self._python: dict[int, list[str]] = {}

    def codes(self, array: pa.Array | None, n: int) -> tuple[npt.NDArray[np.int32], int]:
        """The codes of one batch's values and the index of their label set."""
        if array is None:
            return np.full(n, -1, np.int32), self._empty_set()
        if not pa.types.is_dictionary(array.type):
            if not (pa.types.is_string(array.type) or pa.types.is_integer(array.type)):
                array = pc.cast(array, pa.string())  # integers are encoded first, then their text
            array = pc.dictionary_encode(array)
        d = array.dictionary
        last = self._last
        if last is not None and (d is last[0] or _same_buffers(d, last[0]) or (
                len(d) == len(last[0]) and d.equals(last[0]))):
            lut, k = last[1], last[2]
        else:
            text = d if pa.types.is_string(d.type) else pc.cast(d, pa.string())
            normal = pc.dictionary_encode(_stripped(text))
            lut = _numpy(normal.indices, -1).astype(np.int32)
            values: pa.Array = normal.dictionary
            empty = pc.index(values, "").as_py() if len(values) else -1
            if empty >= 0:  # "" is no label: its rows are empty
                lut = np.where(lut == empty, -1, lut - (lut > empty)).astype(np.int32)
                values = pa.concat_arrays([values[:empty], values[empty + 1 :]])
            lut = np.append(lut, np.int32(-1))  # null index -> empty
            self.sets.append(values)
            k = len(self.sets) - 1
            self._last = (d, lut, k)
        indices = array.indices
        if pa.types.is_unsigned_integer(indices.type):  # -1 (null) must not wrap round
            indices = pc.cast(indices, pa.int64())
        out: npt.NDArray[np.int32] = lut[_numpy(indices, -1)]
        return out, k

    def _empty_set(self) -> int:
        if not self.sets or len(self.sets[-1]):
            self.sets.append(pa.array([], pa.string()))
            self._last = None
        return len(self.sets) - 1

    def labels(self, k: int) -> list[str]:
        """The labels of set ``k`` as Python strings (for columns of few distinct values)."""
        if k not in self._python:
            self._python[k] = [str(v) for v in self.sets[k].to_pylist()]
        return self._python[k]

    def mapped(self, codes: npt.NDArray[np.int32], k: int, mapping: Callable[[list[str]], Any], fill: Any,
               dtype: Any) -> npt.NDArray[Any]:
        """Per-row values through ``mapping(labels of set k)`` (one value per label); ``fill`` where empty."""
        key = (k, mapping)
        if key not in self._mapped:
            self._mapped[key] = np.append(np.asarray(mapping(self.labels(k)), dtype=dtype), np.asarray(
                fill, dtype=dtype))
        out: npt.NDArray[Any] = self._mapped[key][codes]
        return out

    def bad_ids(self, codes: npt.NDArray[np.int32], k: int) -> BoolArray:
        """Rows whose value is longer than ``MAX_ID_LENGTH`` or not printable (checked per distinct value)."""
        key = (k, "bad_ids")
        if key not in self._mapped:
            values = self.sets[k]
            flag = np.zeros(len(values), dtype=np.bool_)
            if len(values):
                # printable ASCII of at most MAX_ID_LENGTH bytes is fine (all but the odd value); the
                # Unicode checks (slow on millions of ids) run only on the rest
                wide = pa.types.is_large_string(values.type)
                offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)
                nbytes = np.diff(offsets[values.offset : values.offset + len(values) + 1])
                ascii_ok = _numpy(pc.ascii_is_printable(values), False).astype(np.bool_)
                doubtful = np.flatnonzero(~ascii_ok | (nbytes > MAX_ID_LENGTH))
                if doubtful.size:
                    rest = values.take(pa.array(doubtful))
                    bad = pc.or_(pc.greater(pc.utf8_length(rest), MAX_ID_LENGTH),
                                 pc.invert(pc.utf8_is_printable(rest)))
                    flag[doubtful] = _numpy(bad, False).astype(np.bool_)
            self._mapped[key] = np.append(flag, False)
        out: BoolArray = self._mapped[key][codes]
        return out

    def merged(self) -> tuple[pa.Array, list[npt.NDArray[np.int32]]]:
        """All label sets as one (first appearance order), and per set the codes into it (``-1`` last)."""
        if not self.sets:
            return pa.array([], pa.string()), []
        if len(self.sets) == 1:
            return self.sets[0], [np.append(np.arange(len(self.sets[0]), dtype=np.int32), np.int32(-1))]
        normal = pc.dictionary_encode(pa.concat_arrays(self.sets))
        index = _numpy(normal.indices, -1).astype(np.int32)
        bounds = np.cumsum([0] + [len(s) for s in self.sets])
        luts = [np.append(index[bounds[k] : bounds[k + 1]], np.int32(-1)) for k in range(len(self.sets))]
        values: pa.Array = normal.dictionary
        return values, luts

    def finish(self, codes: npt.NDArray[Any], batches: Sequence[tuple[int, int, int]]) -> pa.Array:
        """All label sets as one (first appearance order); ``codes`` recoded in place.

        ``batches`` gives (offset, length, label set) of every batch.
        """
        if len(self.sets) <= 1:
            return self.sets[0] if self.sets else pa.array([], pa.string())
        values, luts = self.merged()
        for offset, length, k in batches:
            part = codes[offset : offset + length]
            part[:] = luts[k][part]
        return values


def _parse_date(text: str) -> int | None:
    """Day number of ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (exactly these forms), else None."""
    m = _ISO_DATE.fullmatch(text)
    try:
        if m:
            return date_to_day(dt.date(int(m[1]), int(m[2]), int(m[3])))
        m = _GERMAN_DATE.fullmatch(text)
        if m:
            return date_to_day(dt.date(int(m[3]), int(m[2]), int(m[1])))
    except ValueError:
        return None
    return None


_FIRST_DAY = date_to_day(dt.date(FIRST_YEAR, 1, 1))
_LAST_DAY = date_to_day(dt.date(LAST_YEAR, 12, 31))
_BAD_DAY = np.iinfo(np.int32).min  # no date's day number (years 1-9999 lie within ±3 million)
_NULL_DAY = np.iinfo(np.int32).min
Int32Array = npt.NDArray[np.int32]


def _outside_years(days: Int32Array) -> BoolArray:
    """Rows dated outside FIRST_YEAR–LAST_YEAR (empty and bad rows hold day 0, inside the range).

    Two reductions when no row is outside (the common case), no mask built.
    """
    if not days.size or (int(days.min()) >= _FIRST_DAY and int(days.max()) <= _LAST_DAY):
        return np.zeros(days.size, dtype=np.bool_)
    out: BoolArray = (days < _FIRST_DAY) | (days > _LAST_DAY)
    return out


def _parse_dates(labels: list[str]) -> list[int]:
    return [_BAD_DAY if (p := _parse_date(lab)) is None else p for lab in labels]


def _dates(array: pa.Array | None, n: int, text: _Labels) -> tuple[Int32Array, BoolArray, BoolArray]:
    """Day numbers (``int32``, 0 where empty or bad), a mask of empty values and a mask of unparsable ones."""
    if array is not None and (pa.types.is_date(array.type) or pa.types.is_timestamp(array.type)):
        typed = array if pa.types.is_date32(array.type) else pc.cast(array, pa.date32())
        days: Int32Array = _numpy(typed, _NULL_DAY)
        if not days.flags.writeable:
            days = days.copy()
        empty = days == _NULL_DAY
        if array.null_count:
            days[empty] = 0
        return days, empty, np.zeros(len(days), dtype=np.bool_)
    codes, k = text.codes(array, n)
    days = text.mapped(codes, k, _parse_dates, 0, np.int32)
    bad = days == _BAD_DAY
    if bad.any():
        days[bad] = 0
    return days, codes < 0, bad


def _parse_amounts(labels: list[str]) -> npt.NDArray[np.float64]:
    """Euros of text amounts (a decimal comma accepted), -1 for text that is no number."""
    text = pa.array(labels, pa.string())
    if len(text) and pc.all(pc.match_substring_regex(text, r"^[0-9]{1,15}([.,][0-9]{1,15})?$")).as_py():
        # plain decimals (the usual file): parsed by Arrow, correctly rounded as float() does
        point = pc.replace_substring(text, ",", ".")
        out: npt.NDArray[np.float64] = _numpy(pc.cast(point, pa.float64()), np.nan)
        return out
    parsed = []
    for label in labels:
        candidate = label.replace(",", ".") if "," in label and "." not in label else label
        try:
            parsed.append(float(candidate))
        except ValueError:
            parsed.append(-1.0)
    return np.array(parsed, dtype=np.float64)


def _amounts(
    array: pa.Array | None, n: int, text: _Labels
) -> tuple[npt.NDArray[np.float64], BoolArray, BoolArray]:
    """Euros (``nan`` where empty), a mask of empty values and of unparsable or negative ones.

    Text is parsed once per distinct value; a decimal comma (``563,50``) is accepted.
    """
    if array is not None and (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
                              or pa.types.is_decimal(array.type)):
        values = _numpy(array if pa.types.is_float64(array.type) else pc.cast(array, pa.float64()), np.nan)
        empty = np.isnan(values)
    else:
        codes, k = text.codes(array, n)
        values, empty = text.mapped(codes, k, _parse_amounts, np.nan, np.float64), codes < 0
    bad = ~empty & ~(np.isfinite(values) & (values >= 0))
    return values, empty, bad


_FLAG_MEANING = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0}


def _parse_flags(labels: list[str]) -> list[int]:
    return [_FLAG_MEANING.get(lab.lower(), 2) for lab in labels]


def _flags(array: pa.Array | None, n: int, text: _Labels) -> tuple[BoolArray, BoolArray]:
    """``single_parent`` as booleans and a mask of values other than 1, 0, true, false or empty."""
    if array is not None and pa.types.is_boolean(array.type):
        return _numpy(array, False), np.zeros(len(array), dtype=np.bool_)
    codes, k = text.codes(array, n)
    value = text.mapped(codes, k, _parse_flags, 0, np.uint8)
    return value == 1, value == 2


def _kind_codes(labels: list[str]) -> list[int]:
    return [_kind_code(lab) for lab in labels]


def _sex_codes(labels: list[str]) -> list[int]:
    return [int(SEX_CODES.get(lab.upper(), _NO_KIND)) for lab in labels]


_RECODE_ROWS = 1 << 20
_INT16_CODES = np.iinfo(np.int16).max


def _recode(codes: npt.NDArray[Any], lut: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``codes[:] = lut[codes]`` in place, chunk by chunk (``-1`` picks ``lut[-1]``, the empty code).

    ``np.take(..., out=codes, mode="wrap")`` would buffer a whole-column temporary (fresh
    memory, hundreds of MB on a national table) and divide per row.
    """
    for lo in range(0, codes.size, _RECODE_ROWS):
        part = codes[lo : lo + _RECODE_ROWS]
        part[:] = lut[part]
    return codes


def _label_lut(
    values: pa.Array, used: BoolArray, normalise: Callable[[str], str], sort_key: Any
) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Codes of ``values`` into the sorted, normalised labels of the used ones (``NO_CODE`` last)."""
    labels_in = [str(v) for v in values.to_pylist()]
    normal = [normalise(lab) for lab in labels_in]
    labels = sorted({normal[i] for i in np.flatnonzero(used[: len(labels_in)]).tolist()}, key=sort_key)
    position = {lab: i for i, lab in enumerate(labels)}
    lut = np.array([position.get(n, NO_CODE) for n in normal] + [NO_CODE], dtype=np.int32)
    return lut, labels


def _encode_labels(
    codes: npt.NDArray[Any], values: pa.Array, ok: IntArray | None, normalise: Callable[[str], str],
    sort_key: Any = None,
) -> tuple[npt.NDArray[Any], list[str]]:
    """Codes of the kept rows into their sorted, normalised distinct labels (``NO_CODE`` for empty)."""
    kept = codes if ok is None else codes[ok]
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    used[kept] = True
    lut, labels = _label_lut(values, used, normalise, sort_key)
    # in place when every row is kept (no second column; index -1 is the empty code)
    out: npt.NDArray[Any] = _recode(kept, lut) if ok is None else lut[kept]
    return out, labels


def _used_in_batches(
    codes: npt.NDArray[Any], text: _Labels, batches: Sequence[tuple[int, int, int]]
) -> tuple[pa.Array, list[npt.NDArray[np.int32]], BoolArray]:
    """The merged label sets, each set's codes into them, and which merged labels rows use.

    ``codes`` are still batch codes (into each batch's set): a scatter into the batch's
    small set per batch, no pass over a recoded column.
    """
    values, luts = text.merged()
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    for offset, length, k in batches:
        local = np.zeros(luts[k].size, dtype=np.bool_)
        local[codes[offset : offset + length]] = True
        used[luts[k][local]] = True
    return values, luts, used


def _encode_labels_in_place(
    codes: npt.NDArray[Any], text: _Labels, batches: Sequence[tuple[int, int, int]],
    normalise: Callable[[str], str], sort_key: Any = None,
) -> tuple[npt.NDArray[Any], list[str]]:
    """:func:`_encode_labels` of a table whose rows are all kept, ``codes`` still in batch codes.

    Each batch is recoded once, through its set's codes composed with the label codes.
    """
    values, luts, used = _used_in_batches(codes, text, batches)
    lut, labels = _label_lut(values, used, normalise, sort_key)
    composed = [lut[set_codes] for set_codes in luts]
    for offset, length, k in batches:
        _recode(codes[offset : offset + length], composed[k])
    return codes, labels


class BatchSource:
    """Rows that arrive batch by batch (e.g. the row groups of a Parquet file), never all in memory.

    :func:`validate` takes it in place of a ``pyarrow.Table``: the columns are the spell
    columns already (the reader selected them).

    Args:
        num_rows: the number of rows.
        column_names: the column names.
        batches: a callable returning an iterator of ``pyarrow.RecordBatch`` (called once).
    """

    def __init__(self, num_rows: int, column_names: Sequence[str], batches: Callable[[], Any]) -> None:
        self.num_rows, self.column_names, self._batches = num_rows, list(column_names), batches

    def to_batches(self, max_chunksize: int | None = None) -> Any:
        """The batches (``max_chunksize`` is the reader's choice here)."""
        return self._batches()


def _batches(table: pa.Table | BatchSource) -> Any:
    """The rows in batches of about ``_BATCH_ROWS``.

    A table of many small chunks (pyarrow's CSV reader gives one per 1 MiB block, each
    text column with its own dictionary) first gets one dictionary per column
    (``unify_dictionaries``); consecutive chunks are then put together into one batch by
    concatenating their indices, so every text column is normalised once, not per chunk.
    """
    if isinstance(table, BatchSource) or table.num_rows == 0:
        yield from table.to_batches(max_chunksize=_BATCH_ROWS)
        return
    chunks = max(c.num_chunks for c in table.columns)
    if chunks <= 2 * (table.num_rows // _BATCH_ROWS + 1):
        yield from table.to_batches(max_chunksize=_BATCH_ROWS)
        return
    for lo in range(0, table.num_rows, _BATCH_ROWS):
        part = table.slice(lo, _BATCH_ROWS).unify_dictionaries()
        yield pa.RecordBatch.from_arrays([_one_array(c) for c in part.columns], names=part.column_names)


def _one_array(column: pa.ChunkedArray) -> pa.Array:
    """The chunks as one array; dictionary chunks must share their dictionary (indices concatenated)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    if pa.types.is_dictionary(column.type) and column.num_chunks:
        indices = pa.concat_arrays([c.indices for c in column.chunks])
        return pa.DictionaryArray.from_arrays(indices, column.chunk(0).dictionary)
    return pa.concat_arrays(column.chunks) if column.num_chunks else pa.array([], column.type)


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def prefetched(items: Iterator[Any], depth: int = 1) -> Iterator[Any]:
    """``items``, produced by a thread up to ``depth`` ahead of the consumer.

    For batches whose decoding releases the GIL (pyarrow): the next batch is decoded while
    the caller works on this one. An error of the producer is raised here, in order; when
    the caller stops early the producer stops after its current item (``items`` is closed
    in its own thread).

    Examples:
        >>> list(prefetched(iter(range(5))))
        [0, 1, 2, 3, 4]
    """
    handoff: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        handoff.put(item, timeout=0.05)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(_Raised(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        handoff.put(_DONE)

    worker = threading.Thread(target=produce, name="langzeit-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue see the stop
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        worker.join()


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
    for batch in _batches(table):
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


def _kind_code(label: str) -> int:
    try:
        return int(SpellKind.from_label(label))
    except ValueError:
        return _NO_KIND


def _person_index(
    person: npt.NDArray[np.int32], values: pa.Array, ok: IntArray | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """Person codes into the sorted ids of the persons that keep at least one row."""
    codes = person if ok is None else person[ok]
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    used[codes] = True
    rank, ids = _sorted_ids(values, used)
    out: npt.NDArray[np.int32] = _recode(codes, rank) if ok is None else rank[codes]
    return out, ids


def _sorted_ids(values: pa.Array, used: BoolArray) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """The rank of each used label among the used ones (sorted), and the used labels sorted."""
    n_labels = len(values)
    kept = np.flatnonzero(used[:n_labels])
    kept_ids = values.take(pa.array(kept)) if kept.size < n_labels else values
    order = _numpy(pc.sort_indices(kept_ids), 0) if kept.size else np.zeros(0, np.int64)
    rank = np.full(n_labels + 1, -1, dtype=np.int32)
    rank[kept[order]] = np.arange(kept.size, dtype=np.int32)
    ids = kept_ids.take(pa.array(order)).to_numpy(zero_copy_only=False).astype(np.str_) if kept.size else (
        np.zeros(0, np.str_))
    return rank, ids


def _person_index_in_place(
    person: npt.NDArray[np.int32], text: _Labels, batches: Sequence[tuple[int, int, int]]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """:func:`_person_index` of a table whose rows are all kept, ``person`` still in batch codes."""
    values, luts, used = _used_in_batches(person, text, batches)
    rank, ids = _sorted_ids(values, used)
    composed = [rank[set_codes] for set_codes in luts]
    for offset, length, k in batches:
        _recode(person[offset : offset + length], composed[k])
    return person, ids


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
