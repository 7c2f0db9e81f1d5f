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
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
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

__all__ = ["Checked", "cell_text", "check_header", "row_text", "validate"]

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_NEEDS_INSTRUMENT = (SpellKind.MEASURE, SpellKind.PUBLIC_EMPLOYMENT)
_NEEDS_AMOUNT = (SpellKind.LLU, SpellKind.LUH)
_NO_KIND = 255
DATE_FORMS = "YYYY-MM-DD or DD.MM.YYYY"

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


def _dictionaries(column: pa.ChunkedArray) -> tuple[list[pa.Array], list[pa.DictionaryArray], list[int]]:
    """The distinct dictionaries of a dictionary column, its non-empty chunks and each one's dictionary.

    Consecutive chunks usually share one dictionary (one object, or equal ones).
    """
    dictionaries: list[pa.Array] = []
    chunks: list[pa.DictionaryArray] = []
    which: list[int] = []
    for chunk in column.chunks:
        if not len(chunk):
            continue
        d = chunk.dictionary
        last = dictionaries[-1] if dictionaries else None
        shared = last is not None and (d is last or _same_buffers(d, last) or (
            len(d) == len(last) and d.equals(last)))
        if not shared:
            dictionaries.append(d)
        chunks.append(chunk)
        which.append(len(dictionaries) - 1)
    return dictionaries, chunks, which


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


class _Dict:
    """A column as codes (``-1`` for null/empty) into its distinct stripped labels.

    Vectorised with Arrow compute whatever the number of distinct values (a national
    table has millions of person ids): the distinct values of the chunks' dictionaries
    are stripped and encoded once together; the rows only see numpy takes. Labels are
    in the order of first appearance.
    """

    def __init__(self, column: pa.ChunkedArray) -> None:
        if pa.types.is_dictionary(column.type):
            dictionaries, chunks, which = _dictionaries(column)
            if sum(len(d) for d in dictionaries) > max(len(column), 1 << 16):
                # dictionaries as large as their chunks (e.g. each row group of a Parquet file
                # with the whole id dictionary): encode the values instead
                column = pc.dictionary_encode(column.cast(column.type.value_type))
                dictionaries, chunks, which = _dictionaries(column)
        else:
            if not (pa.types.is_string(column.type) or pa.types.is_integer(column.type)):
                column = pc.cast(column, pa.string())  # integers are encoded first, then their text
            dictionaries, chunks, which = _dictionaries(pc.dictionary_encode(column))
        texts = [d if pa.types.is_string(d.type) else pc.cast(d, pa.string()) for d in dictionaries]
        if texts:
            normal = pc.dictionary_encode(_stripped(pa.concat_arrays(texts)))
            codes = _numpy(normal.indices, -1).astype(np.int32)
            values: pa.Array = normal.dictionary
        else:
            codes, values = np.zeros(0, np.int32), pa.array([], pa.string())
        empty = pc.index(values, "").as_py() if len(values) else -1
        if empty >= 0:  # "" is no label: its rows are empty
            codes = np.where(codes == empty, -1, codes - (codes > empty)).astype(np.int32)
            values = pa.concat_arrays([values[:empty], values[empty + 1 :]])
        self.values = values
        bounds = np.cumsum([0] + [len(d) for d in dictionaries])
        luts = [np.append(codes[bounds[i] : bounds[i + 1]], np.int32(-1)) for i in range(len(dictionaries))]
        parts = [luts[w][_numpy(chunk.indices, -1)] for chunk, w in zip(chunks, which, strict=True)]
        if not parts:
            parts = [np.full(len(column), -1, np.int32)]
        self.codes: npt.NDArray[np.int32] = parts[0] if len(parts) == 1 else np.concatenate(parts)
        self._labels: list[str] | None = None
        self._empty: BoolArray | None = None

    @property
    def labels(self) -> list[str]:
        """The distinct labels as Python strings (for columns of few distinct values)."""
        if self._labels is None:
            self._labels = [str(v) for v in self.values.to_pylist()]
        return self._labels

    def recode(self, mapping: Callable[[str], int], fill: int, dtype: Any) -> npt.NDArray[Any]:
        """Per-row codes through ``mapping(label)``; ``fill`` for empty rows."""
        lut = np.array([mapping(lab) for lab in self.labels] + [fill], dtype=dtype)
        out: npt.NDArray[Any] = lut[self.codes]
        return out

    def bad_ids(self) -> BoolArray:
        """Rows whose value is longer than ``MAX_ID_LENGTH`` or not printable (checked per distinct value)."""
        values = self.values
        if not len(values):
            return np.zeros(len(self.codes), dtype=np.bool_)
        # printable ASCII of at most MAX_ID_LENGTH bytes is fine (all but the odd value); the
        # Unicode checks (slow on millions of ids) run only on the rest
        wide = pa.types.is_large_string(values.type)
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)
        nbytes = np.diff(offsets[values.offset : values.offset + len(values) + 1])
        ascii_ok = _numpy(pc.ascii_is_printable(values), False).astype(np.bool_)
        flag = np.zeros(len(values), dtype=np.bool_)
        doubtful = np.flatnonzero(~ascii_ok | (nbytes > MAX_ID_LENGTH))
        if doubtful.size:
            rest = values.take(pa.array(doubtful))
            bad = pc.or_(pc.greater(pc.utf8_length(rest), MAX_ID_LENGTH),
                         pc.invert(pc.utf8_is_printable(rest)))
            flag[doubtful] = _numpy(bad, False).astype(np.bool_)
        lut = np.append(flag, False)
        out: BoolArray = lut[self.codes]
        return out

    @property
    def empty(self) -> BoolArray:
        """Rows with no (or blank) value."""
        if self._empty is None:
            self._empty = self.codes < 0
        return self._empty


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


def _dates(column: pa.ChunkedArray) -> tuple[Int32Array, BoolArray, BoolArray]:
    """Day numbers (``int32``, 0 where empty or bad), a mask of empty values and a mask of unparsable ones."""
    t = column.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        typed = column if pa.types.is_date32(t) else pc.cast(column, pa.date32())
        days: Int32Array = _numpy(typed, _NULL_DAY)
        if not days.flags.writeable:
            days = days.copy()
        empty = days == _NULL_DAY
        if column.null_count:
            days[empty] = 0
        return days, empty, np.zeros(len(days), dtype=np.bool_)
    coded = _Dict(column)
    parsed = [_parse_date(lab) for lab in coded.labels]
    lut = np.array([_BAD_DAY if p is None else p for p in parsed] + [0], dtype=np.int32)
    days = lut[coded.codes]
    bad = days == _BAD_DAY
    if bad.any():
        days[bad] = 0
    return days, coded.empty, bad


def _amounts(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.float64], BoolArray, BoolArray]:
    """Euros (``nan`` where empty), a mask of empty values and of unparsable or negative ones.

    Text is parsed once per distinct value; a decimal comma (``563,50``) is accepted.
    """
    t = column.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        values = _numpy(column if pa.types.is_float64(t) else pc.cast(column, pa.float64()), np.nan)
        empty = np.isnan(values)
    else:
        coded = _Dict(column)
        text = coded.values
        parsed_values = None
        if len(text) and pc.all(pc.match_substring_regex(text, r"^[0-9]{1,15}([.,][0-9]{1,15})?$")).as_py():
            # plain decimals (the usual file): parsed by Arrow, correctly rounded as float() does
            parsed_values = _numpy(pc.cast(pc.replace_substring(text, ",", "."), pa.float64()), np.nan)
        if parsed_values is None:
            parsed = []
            for label in coded.labels:
                candidate = label.replace(",", ".") if "," in label and "." not in label else label
                try:
                    parsed.append(float(candidate))
                except ValueError:
                    parsed.append(-1.0)
            parsed_values = np.array(parsed, dtype=np.float64)
        lut = np.append(parsed_values, np.nan)
        values, empty = lut[coded.codes], coded.empty
    bad = ~empty & ~(np.isfinite(values) & (values >= 0))
    return values, empty, bad


def _flags(column: pa.ChunkedArray) -> tuple[BoolArray, BoolArray]:
    """``single_parent`` as booleans and a mask of values other than 1, 0, true, false or empty."""
    if pa.types.is_boolean(column.type):
        return _numpy(column, False), np.zeros(len(column), dtype=np.bool_)
    coded = _Dict(column)
    meaning = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0}
    value = coded.recode(lambda lab: meaning.get(lab.lower(), 2), 0, np.uint8)
    return value == 1, value == 2


def _encode_labels(
    coded: _Dict, ok: IntArray | None, normalise: Callable[[str], str], sort_key: Any = None
) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Codes of the kept rows into their sorted, normalised distinct labels (``NO_CODE`` for empty)."""
    codes = coded.codes if ok is None else coded.codes[ok]
    used = np.zeros(len(coded.labels) + 1, dtype=np.bool_)
    used[codes] = True
    normal = [normalise(lab) for lab in coded.labels]
    labels = sorted({normal[i] for i in np.flatnonzero(used[:-1]).tolist()}, key=sort_key)
    position = {lab: i for i, lab in enumerate(labels)}
    lut = np.array([position.get(n, NO_CODE) for n in normal] + [NO_CODE], dtype=np.int32)
    return lut[codes], labels


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
    table: pa.Table,
    lines: IntArray,
    *,
    file: str,
    data_end: dt.date | None,
    strict: bool,
    delimiter: str = ",",
    extra: Sequence[RowProblem] = (),
) -> Checked:
    """Check every row of a spell table and code its columns (DOMAIN.md § 2).

    Args:
        table: the rows; its column names are the spell columns (others are ignored),
            text or typed (dates, numbers, booleans, dictionaries).
        lines: the line of each row (``int64``), reported with its problems.
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

    def column(name: str) -> pa.ChunkedArray:
        if name in names:
            return table.column(name)
        return pa.chunked_array([pa.nulls(n, pa.string())])

    found = _Problems(n)
    person = _Dict(column("person_id"))
    found.check(person.empty, "empty person_id")
    kind_codes = _Dict(column("kind"))
    kind = kind_codes.recode(_kind_code, _NO_KIND, np.uint8)
    for i, label in enumerate(kind_codes.labels):
        if _kind_code(label) == _NO_KIND:
            found.check(kind_codes.codes == i, f"unknown kind {label!r}")
    found.check(kind_codes.empty, "missing kind")
    start, start_empty, bad_start = _dates(column("start"))
    found.check(start_empty, "missing start")
    found.check(bad_start, f"start is not a date ({DATE_FORMS})")
    end, end_empty, bad_end = _dates(column("end"))
    found.check(bad_end, f"end is not a date ({DATE_FORMS})")
    found.check(_outside_years(start), f"start is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    found.check(_outside_years(end),
                f"end is outside the years {FIRST_YEAR}–{LAST_YEAR} (leave end empty for an ongoing spell)")
    end = np.where(end_empty, OPEN_END, end)
    found.check(~bad_start & ~bad_end & ~start_empty & (end < start), "end before start")
    too_odd = f"longer than {MAX_ID_LENGTH} characters or with control characters"
    found.check(person.bad_ids(), f"person_id {too_odd}")
    jobcenter = _Dict(column("jobcenter"))
    found.check(jobcenter.bad_ids(), f"jobcenter {too_odd}")
    found.check((kind == SpellKind.ELB) & jobcenter.empty, "elb spell without jobcenter")
    sex_codes = _Dict(column("sex"))
    sex = sex_codes.recode(lambda lab: int(SEX_CODES.get(lab.upper(), _NO_KIND)), 0, np.uint8)
    found.check(sex == _NO_KIND, "sex must be F, M, D or empty")
    single_parent, bad_flag = _flags(column("single_parent"))
    found.check(bad_flag, "single_parent must be 1, 0 or empty")
    instrument = _Dict(column("instrument"))
    found.check(_kind_in(kind, _NEEDS_INSTRUMENT) & instrument.empty, "measure without instrument")
    amount, amount_empty, bad_amount = _amounts(column("amount"))
    found.check(bad_amount, "amount is not a non-negative number")
    found.check(_kind_in(kind, _NEEDS_AMOUNT) & amount_empty, "llu/luh spell without amount")

    bad = found.bad()
    problems = list(extra)
    if bad.any():
        problems += _row_problems(table, lines, bad, found, file, delimiter)
        problems.sort(key=lambda p: p.line)
    if problems and strict:
        raise DataFormatError(file, problems)
    ok = np.flatnonzero(~bad) if bad.any() else None

    def keep(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return values if ok is None else values[ok]

    person_code, person_ids = _person_index(person, ok)
    jc_code, jc_labels = _encode_labels(jobcenter, ok, str, sort_key=label_sort_key)
    ins_code, ins_labels = _encode_labels(instrument, ok, str.lower)
    start32, end32 = keep(start), keep(end)
    if data_end is None:
        closed = end32[end32 != OPEN_END]
        latest = [int(start32.max())] if start32.size else [0]
        end_day = max(latest + ([int(closed.max())] if closed.size else []))
    else:
        end_day = date_to_day(data_end)
    return {
        "person": person_code, "kind": keep(kind), "start": start32, "end": end32,
        "jobcenter": jc_code, "sex": keep(sex), "single_parent": keep(single_parent),
        "instrument": ins_code, "amount": keep(amount), "person_ids": person_ids,
        "jobcenter_labels": jc_labels, "instrument_labels": ins_labels, "data_end": end_day,
        "line": keep(np.asarray(lines, dtype=np.int64)), "rejected": problems,
    }


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


def _person_index(person: _Dict, ok: IntArray | None) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """Person codes into the sorted ids of the persons that keep at least one row."""
    codes = person.codes if ok is None else person.codes[ok]
    n_labels = len(person.values)
    used = np.zeros(n_labels + 1, dtype=np.bool_)
    used[codes] = True
    kept = np.flatnonzero(used[:-1])
    kept_ids = person.values.take(pa.array(kept)) if kept.size < n_labels else person.values
    order = _numpy(pc.sort_indices(kept_ids), 0) if kept.size else np.zeros(0, np.int64)
    rank = np.empty(n_labels + 1, dtype=np.int32)
    rank[kept[order]] = np.arange(kept.size, dtype=np.int32)
    ids = kept_ids.take(pa.array(order)).to_numpy(zero_copy_only=False).astype(np.str_) if kept.size else (
        np.zeros(0, np.str_))
    return rank[codes], ids


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
