"""Spell layer: the spell CSV reader and writer (DOMAIN.md § 2), vectorised per chunk of rows."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from langzeit.exceptions import DataFormatError, RowProblem
from langzeit.spells._catalogue import InstrumentCatalogue, check_spell_rules
from langzeit.spells._table import (
    NO_CODE,
    OPEN_END,
    SEX_CODES,
    SpellKind,
    SpellTable,
    date_to_day,
    label_sort_key,
)

__all__ = ["COLUMNS", "parse_records", "read_spells", "write_spells"]

REQUIRED = ("person_id", "kind", "start", "end")
OPTIONAL = ("jobcenter", "sex", "single_parent", "instrument", "amount")
COLUMNS = REQUIRED + OPTIONAL
"""The columns of the spell CSV format, in their canonical order."""

_CHUNK_ROWS = 500_000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NEEDS_INSTRUMENT = (SpellKind.MEASURE, SpellKind.PUBLIC_EMPLOYMENT)
_NEEDS_AMOUNT = (SpellKind.LLU, SpellKind.LUH)

StrArray = npt.NDArray[np.str_]


def _parse_dates(text: StrArray) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Day numbers of ISO dates (``YYYY-MM-DD`` exactly) and a mask of the unparsable ones.

    Empty text gives day 0 and is *not* marked bad (the caller decides whether empty is allowed).
    """
    empty = text == ""
    try:
        parsed = np.array(text, dtype="datetime64[D]")
    except ValueError:
        # slow path, only for files with bad dates: parse each distinct text once
        uniq, inverse = np.unique(text, return_inverse=True)
        days = np.zeros(uniq.shape, dtype=np.int64)
        bad_u = np.zeros(uniq.shape, dtype=np.bool_)
        for i, u in enumerate(uniq.tolist()):
            if u == "":
                continue
            try:
                if not _ISO_DATE.fullmatch(u):
                    raise ValueError(u)
                days[i] = date_to_day(dt.date.fromisoformat(u))
            except ValueError:
                bad_u[i] = True
        return days[inverse], bad_u[inverse]
    days = np.where(empty, 0, parsed.astype(np.int64))
    # numpy also accepts forms like "2024-1-5" or "2024-01"; only the canonical form is valid
    canonical = np.datetime_as_string(parsed, unit="D")
    bad = ~empty & (canonical != text)
    return days, bad


def _parse_amounts(text: StrArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Amounts in euros (``nan`` where empty) and a mask of unparsable or negative ones."""
    empty = text == ""
    values = np.full(text.shape, np.nan)
    bad = np.zeros(text.shape, dtype=np.bool_)
    present = ~empty
    if present.any():
        try:
            values[present] = np.asarray(text[present], dtype=np.float64)
        except ValueError:
            uniq, inverse = np.unique(text[present], return_inverse=True)
            parsed = np.full(uniq.shape, np.nan)
            for i, u in enumerate(uniq.tolist()):
                try:
                    parsed[i] = float(u)
                except ValueError:
                    parsed[i] = -1.0
            values[present] = parsed[inverse]
        bad = present & ~(np.isfinite(values) & (values >= 0))
    return values, bad


class _Chunk:
    """The valid rows of one chunk, still with text labels for ids, jobcenters and instruments."""

    def __init__(self, columns: dict[str, StrArray], lines: npt.NDArray[np.int64]) -> None:
        n = lines.shape[0]
        col = {c: columns.get(c, np.full(n, "", dtype=np.str_)) for c in COLUMNS}
        self.problems: list[tuple[npt.NDArray[np.bool_], str]] = []
        person = col["person_id"]
        self._check(person == "", "empty person_id")
        kind_text = col["kind"]
        kind = np.full(n, 255, dtype=np.uint8)
        for k in SpellKind:
            kind[kind_text == k.label] = k.value
        unknown = kind == 255
        if unknown.any():
            for label in np.unique(kind_text[unknown]).tolist():
                self._check(kind_text == label, f"unknown kind {label!r}")
        start, bad_start = _parse_dates(col["start"])
        self._check(col["start"] == "", "missing start")
        self._check(bad_start, "start is not a date (YYYY-MM-DD)")
        end, bad_end = _parse_dates(col["end"])
        self._check(bad_end, "end is not a date (YYYY-MM-DD)")
        open_end = col["end"] == ""
        end = np.where(open_end, OPEN_END, end)
        self._check(~bad_start & ~bad_end & (col["start"] != "") & (end < start), "end before start")
        is_elb = kind == SpellKind.ELB
        self._check(is_elb & (col["jobcenter"] == ""), "elb spell without jobcenter")
        sex_text = np.strings.upper(col["sex"])
        sex = np.zeros(n, dtype=np.uint8)
        known_sex = np.zeros(n, dtype=np.bool_)
        for label, code in SEX_CODES.items():
            hit = sex_text == label
            sex[hit] = code
            known_sex |= hit
        self._check(~known_sex, "sex must be F, M, D or empty")
        sp_text = col["single_parent"]
        bad_sp = (sp_text != "") & (sp_text != "0") & (sp_text != "1")
        self._check(bad_sp, "single_parent must be 1, 0 or empty")
        instrument = np.strings.lower(col["instrument"])
        self._check(np.isin(kind, _NEEDS_INSTRUMENT) & (instrument == ""), "measure without instrument")
        amount, bad_amount = _parse_amounts(col["amount"])
        self._check(bad_amount, "amount is not a non-negative number")
        self._check(np.isin(kind, _NEEDS_AMOUNT) & (col["amount"] == ""), "llu/luh spell without amount")
        bad = np.zeros(n, dtype=np.bool_)
        for mask, _ in self.problems:
            bad |= mask
        self.bad = bad
        ok = ~bad
        self.lines = lines[ok]
        self.person = person[ok]
        self.kind = kind[ok]
        self.start = start[ok].astype(np.int32)
        self.end = end[ok].astype(np.int32)
        self.jobcenter = col["jobcenter"][ok]
        self.sex = sex[ok]
        self.single_parent = sp_text[ok] == "1"
        self.instrument = instrument[ok]
        self.amount = amount[ok]

    def _check(self, mask: npt.NDArray[np.bool_], reason: str) -> None:
        if mask.any():
            self.problems.append((mask, reason))

    def row_problems(
        self, file: str, lines: npt.NDArray[np.int64], raw: Mapping[int, str]
    ) -> list[RowProblem]:
        out = []
        for i in np.flatnonzero(self.bad).tolist():
            reasons = [reason for mask, reason in self.problems if mask[i]]
            out.append(RowProblem(file, int(lines[i]), "; ".join(reasons), raw[i]))
        return out


def _encode(values: StrArray, *, sort_key: Any = None) -> tuple[npt.NDArray[np.int64], list[str]]:
    """Codes (``NO_CODE`` for empty text) and the sorted labels of a text column."""
    uniq, inverse = np.unique(values, return_inverse=True)
    labels = [u for u in uniq.tolist() if u != ""]
    if sort_key is not None:
        labels.sort(key=sort_key)
    position = {label: i for i, label in enumerate(labels)}
    code_of_uniq = np.array([position.get(u, NO_CODE) for u in uniq.tolist()], dtype=np.int64)
    return code_of_uniq[inverse].reshape(values.shape), labels


def _flat_text(flat: list[str], width: int, i: int) -> str:
    return ",".join(flat[i * width : (i + 1) * width])


def _rows_text(rows: list[list[str]], i: int) -> str:
    return _raw_text(rows[i])


def _raw_text(row: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    return buf.getvalue()


Block = tuple[npt.NDArray[np.int64], list[list[str]]]


def _parse(
    header: Sequence[str],
    blocks: Iterable[Block],
    *,
    file: str,
    data_end: dt.date | None,
    strict: bool,
    catalogue: InstrumentCatalogue | None = None,
) -> SpellTable:
    header = [h.strip() for h in header]
    missing = [c for c in REQUIRED if c not in header]
    duplicated = sorted({h for h in header if header.count(h) > 1 and h})
    header_problems = []
    if missing:
        header_problems.append(f"missing required column(s): {', '.join(missing)}")
    if duplicated:
        header_problems.append(f"duplicated column(s): {', '.join(duplicated)}")
    if header_problems:
        raise DataFormatError(file, [RowProblem(file, 1, "; ".join(header_problems), ",".join(header))])
    index = {c: header.index(c) for c in COLUMNS if c in header}
    width = len(header)
    chunks: list[_Chunk] = []
    problems: list[RowProblem] = []
    for lines, block in blocks:
        if isinstance(block, _Fields) and block.width == width:
            flat = block.flat
            fields: list[Sequence[str]] = [flat[i::width] for i in range(width)]
            raw: Callable[[int], str] = functools.partial(_flat_text, flat, width)
        else:
            rows = block.rows() if isinstance(block, _Fields) else block
            lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
            blank = np.zeros(len(rows), dtype=np.bool_)
            for i in np.flatnonzero(lengths == 1).tolist():  # only rows of one field can be blank lines
                blank[i] = rows[i][0].strip() == ""
            wrong = (lengths != width) & ~blank
            problems += [
                RowProblem(file, int(lines[i]), f"expected {width} fields, found {len(r)}", _raw_text(r))
                for i in np.flatnonzero(wrong).tolist()
                for r in (rows[i],)
            ]
            keep = np.flatnonzero(~wrong & ~blank)
            rows, lines = [rows[i] for i in keep.tolist()], lines[keep]
            if not rows:
                continue
            fields = list(zip(*rows, strict=True))
            raw = functools.partial(_rows_text, rows)
        columns = {c: np.strings.strip(np.asarray(fields[i], dtype=np.str_)) for c, i in index.items()}
        chunk = _Chunk(columns, lines)
        if chunk.bad.any():
            bad = np.flatnonzero(chunk.bad).tolist()
            problems += chunk.row_problems(file, lines, {i: raw(i) for i in bad})
        chunks.append(chunk)
    problems.sort(key=lambda p: p.line)
    table = _assemble(chunks, data_end=data_end, rejected=problems)
    return check_spell_rules(table, file=file, strict=strict, catalogue=catalogue)


def _assemble(chunks: list[_Chunk], *, data_end: dt.date | None, rejected: list[RowProblem]) -> SpellTable:
    def cat(name: str, dtype: Any) -> Any:
        parts = [getattr(c, name) for c in chunks]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    person_text = cat("person", np.str_)
    person_ids, person = np.unique(person_text, return_inverse=True)
    jobcenter, jc_labels = _encode(cat("jobcenter", np.str_), sort_key=label_sort_key)
    instrument, ins_labels = _encode(cat("instrument", np.str_))
    start, end = cat("start", np.int32), cat("end", np.int32)
    if data_end is None:
        closed = end[end != OPEN_END]
        latest = max([int(start.max()) if start.size else 0] + ([int(closed.max())] if closed.size else []))
        end_day = latest
    else:
        end_day = date_to_day(data_end)
    return SpellTable(
        person=person.reshape(-1), kind=cat("kind", np.uint8), start=start, end=end,
        jobcenter=jobcenter, sex=cat("sex", np.uint8), single_parent=cat("single_parent", np.bool_),
        instrument=instrument, amount=cat("amount", np.float64), person_ids=person_ids,
        jobcenter_labels=jc_labels, instrument_labels=ins_labels, data_end=end_day,
        line=cat("lines", np.int64), rejected=rejected,
    )


def read_spells(
    source: str | os.PathLike[str] | IO[str],
    *,
    strict: bool = True,
    data_end: dt.date | None = None,
    catalogue: InstrumentCatalogue | None = None,
) -> SpellTable:
    r"""Read a spell CSV file (DOMAIN.md § 2) into a columnar :class:`SpellTable`.

    Every row is checked (unknown kind, unparsable date, end before start, missing
    jobcenter/instrument/amount where the kind needs it, bad sex or single_parent,
    wrong number of fields); a row's problems are reported together with its line.

    Args:
        source: a path, or an open text stream (e.g. ``io.StringIO``).
        strict: raise on any bad row (default); with ``strict=False`` keep every valid
            row and return the bad ones in the table's ``rejected``.
        data_end: the data's end (default: the latest start or end date in the file).
        catalogue: the instrument catalogue the ``instrument`` codes are checked against
            (default: the shipped one, :func:`~langzeit.spells.default_catalogue`).

    Returns:
        The table; ``rejected`` lists the rows skipped in lenient mode.

    Raises:
        DataFormatError: a missing required column (both modes), or bad rows in strict mode
            (every bad row with file, line and reason).
        FileNotFoundError: the path does not exist.

    Examples:
        >>> text = "person_id,kind,start,end,jobcenter\np1,elb,2024-01-01,,JC1\np1,svp,2024-13-01,,\n"
        >>> read_spells(io.StringIO(text))
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: <stream> (1 problem)
          - <stream>:3: start is not a date (YYYY-MM-DD)
        >>> t = read_spells(io.StringIO(text), strict=False)
        >>> len(t), [p.line for p in t.rejected]
        (1, [3])
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _read_stream(handle, str(path), strict=strict, data_end=data_end, catalogue=catalogue)
    return _read_stream(source, str(getattr(source, "name", "<stream>")), strict=strict, data_end=data_end,
                        catalogue=catalogue)


def _read_stream(
    handle: IO[str], file: str, *, strict: bool, data_end: dt.date | None,
    catalogue: InstrumentCatalogue | None,
) -> SpellTable:
    first = handle.readline()
    if not first:
        raise DataFormatError(file, [RowProblem(file, 1, "empty file: no header")])
    header = next(csv.reader([first.lstrip("\ufeff")]))
    return _parse(header, _blocks(handle), file=file, data_end=data_end, strict=strict, catalogue=catalogue)


def _blocks(handle: IO[str]) -> Iterator[Block]:
    """Rows of the file after the header, in blocks, with their line numbers.

    Lines without quotes are split on commas directly (fast path, exact line numbers);
    from the first quote on, the csv module reads the rest (quoted commas and line breaks).
    """
    consumed = 1  # the header
    while True:
        lines = list(itertools.islice(handle, _CHUNK_ROWS))
        if not lines:
            return
        if any('"' in line for line in lines):
            yield from _csv_blocks(itertools.chain(lines, handle), consumed)
            return
        numbers = np.arange(consumed + 1, consumed + 1 + len(lines), dtype=np.int64)
        consumed += len(lines)
        yield numbers, _split(lines)


class _Fields(list[list[str]]):
    """Rows of a block that all have the same number of fields, kept as one flat list of fields."""

    def __init__(self, flat: list[str], width: int) -> None:
        super().__init__()
        self.flat, self.width = flat, width

    def __len__(self) -> int:
        return len(self.flat) // self.width

    def rows(self) -> list[list[str]]:
        """The rows as lists of fields."""
        w = self.width
        return [self.flat[i * w : (i + 1) * w] for i in range(len(self))]


def _split(lines: list[str]) -> list[list[str]]:
    """Split unquoted lines on commas; one ``str.split`` for the whole block when widths agree."""
    commas = {line.count(",") for line in lines}
    if len(commas) == 1:
        text = "".join(lines).replace("\r\n", "\n").replace("\r", "\n")
        text = text[:-1] if text.endswith("\n") else text
        flat = text.replace("\n", ",").split(",")
        width = commas.pop() + 1
        if len(flat) == len(lines) * width:
            return _Fields(flat, width)
    return [line.rstrip("\r\n").split(",") for line in lines]


def _csv_blocks(lines: Iterator[str], consumed: int) -> Iterator[Block]:
    reader = csv.reader(lines)
    while True:
        block = [(consumed + reader.line_num, row) for row in itertools.islice(reader, _CHUNK_ROWS)]
        if not block:
            return
        yield np.array([n for n, _ in block], dtype=np.int64), [row or [""] for _, row in block]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse_records(
    records: Iterable[Mapping[str, Any]], *, file: str, data_end: dt.date | None, strict: bool,
    catalogue: InstrumentCatalogue | None = None,
) -> SpellTable:
    """Parse dicts keyed like the CSV columns with the CSV rules (record ``i`` is line ``i + 2``).

    Args:
        records: one mapping per spell.
        file: the name used in problems.
        data_end: the data's end (default: the latest date).
        strict: raise on bad records or keep the valid ones.
        catalogue: the instrument catalogue (default: the shipped one).

    Returns:
        The table.

    Raises:
        DataFormatError: bad records in strict mode.

    Examples:
        >>> len(parse_records([{"person_id": "a", "kind": "minijob", "start": "2024-01-05"}],
        ...                   file="x", data_end=None, strict=True))
        1
    """
    recs = list(records)
    extra = sorted({k for r in recs for k in r} - set(COLUMNS))
    header = list(COLUMNS) + extra
    rows = [[_text(r.get(c)) for c in header] for r in recs]
    block = (np.arange(2, 2 + len(rows), dtype=np.int64), rows)
    return _parse(header, [block], file=file, data_end=data_end, strict=strict, catalogue=catalogue)


def write_spells(table: SpellTable, target: str | os.PathLike[str] | IO[str]) -> None:
    """Write a :class:`SpellTable` as spell CSV (the canonical columns, open ends empty).

    Args:
        table: the spells.
        target: a path or an open text stream.

    Examples:
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "luh", "start": "2024-01-01",
        ...                               "end": "2024-01-31", "jobcenter": "7", "amount": 412.5}])
        >>> buf = io.StringIO()
        >>> write_spells(t, buf)
        >>> print(buf.getvalue().strip())
        person_id,kind,start,end,jobcenter,sex,single_parent,instrument,amount
        p1,luh,2024-01-01,2024-01-31,7,,0,,412.5
    """
    if isinstance(target, str | os.PathLike):
        with Path(target).open("w", encoding="utf-8", newline="") as handle:
            _write_stream(table, handle)
    else:
        _write_stream(table, target)


def _write_stream(table: SpellTable, handle: IO[str]) -> None:
    n = len(table)
    epoch = np.datetime64("1970-01-01", "D")
    start = np.datetime_as_string(epoch + table.start.astype(np.int64), unit="D")
    open_end = table.end == OPEN_END
    end = np.where(open_end, "", np.datetime_as_string(epoch + np.where(open_end, 0, table.end), unit="D"))
    kinds = np.array([k.label for k in SpellKind])[table.kind]
    jc_labels = np.array([*table.jobcenter_labels, ""], dtype=np.str_)
    ins_labels = np.array([*table.instrument_labels, ""], dtype=np.str_)
    sex_labels = np.array(["", "F", "M", "D"])[table.sex]
    amount = np.where(np.isnan(table.amount), "", table.amount.astype(np.str_))
    pid = table.person_ids[table.person].astype(np.str_)
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for lo in range(0, n, _CHUNK_ROWS):
        hi = min(n, lo + _CHUNK_ROWS)
        writer.writerows(
            zip(
                pid[lo:hi].tolist(), kinds[lo:hi].tolist(), start[lo:hi].tolist(), end[lo:hi].tolist(),
                jc_labels[table.jobcenter[lo:hi]].tolist(), sex_labels[lo:hi].tolist(),
                np.where(table.single_parent[lo:hi], "1", "0").tolist(),
                ins_labels[table.instrument[lo:hi]].tolist(), amount[lo:hi].tolist(),
                strict=True,
            )
        )

