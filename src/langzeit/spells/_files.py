"""Spell layer: reading and writing spell files — CSV, Parquet, Arrow IPC (Feather) — beside the table.

The format follows the file's suffix (``.csv``/``.tsv``/``.txt``, ``.parquet``/``.pq``,
``.arrow``/``.feather``/``.ipc``), or its first bytes for other names, or ``format=``.
Every format ends in the one validation path of
:meth:`SpellTable.from_arrow <langzeit.spells.SpellTable.from_arrow>`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq

from langzeit._spreadsheet import escape_cell
from langzeit.exceptions import LangzeitError, UnreadableFileError, ValidationError
from langzeit.spells._batches import BatchSource, prefetched
from langzeit.spells._catalogue import InstrumentCatalogue
from langzeit.spells._codes import COLUMNS, OPEN_END, SpellKind
from langzeit.spells._csv import NotStreamable, read_csv_rows
from langzeit.spells._table import SpellTable
from langzeit.spells._validate import check_header

__all__ = ["FORMATS", "SpellFormat", "read_spells", "spell_format", "write_spells"]

SpellFormat = Literal["csv", "parquet", "arrow"]

FORMATS: dict[str, SpellFormat] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".parquet": "parquet", ".pq": "parquet",
    ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow",
}
"""File suffix -> spell file format."""

_CHUNK_ROWS = 500_000
_PARQUET_BATCH = 1 << 20


def spell_format(path: str | os.PathLike[str]) -> SpellFormat:
    """The format of a spell file: by its suffix, else by its first bytes (CSV when unsure).

    Args:
        path: the file.

    Returns:
        ``"csv"``, ``"parquet"`` or ``"arrow"``.

    Examples:
        >>> spell_format("spells.parquet"), spell_format("x.feather"), spell_format("no-such-file")
        ('parquet', 'arrow', 'csv')
    """
    p = Path(path)
    known = FORMATS.get(p.suffix.lower())
    if known is not None:
        return known
    try:
        with p.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return "csv"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1"):
        return "arrow"
    return "csv"


def read_spells(
    source: str | os.PathLike[str] | IO[Any],
    *,
    strict: bool = True,
    data_end: dt.date | None = None,
    format: SpellFormat | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    catalogue: InstrumentCatalogue | None = None,
) -> SpellTable:
    r"""Read a spell file (DOMAIN.md § 2) — CSV, Parquet or Arrow IPC — into a :class:`SpellTable`.

    Every row is checked (unknown kind, unparsable date, end before start, missing
    jobcenter/instrument/amount where the kind needs it, bad sex or single_parent,
    wrong number of fields); a row's problems are reported together with its line.
    CSV: delimiter detected (``,``, ``;``, tab, ``|``), UTF-8 with or without BOM,
    dates ``YYYY-MM-DD`` or ``DD.MM.YYYY``. Parquet and Arrow: the same columns, as
    text or typed; row ``i`` is reported as line ``i + 2``.

    Args:
        source: a path, or an open text or binary stream of CSV (e.g. ``io.StringIO``).
        strict: raise on any bad row (default); with ``strict=False`` keep every valid
            row and return the bad ones in the table's ``rejected``.
        data_end: the data's end (default: the latest start or end date in the file).
        format: ``"csv"``, ``"parquet"`` or ``"arrow"`` (default: from the suffix or content).
        delimiter: CSV only: the field delimiter (default: detected from the header).
        encoding: CSV only: the text encoding (default UTF-8), e.g. ``"cp1252"``.
        catalogue: the instrument catalogue the ``instrument`` codes are checked against
            (default: the shipped one, :func:`~langzeit.spells.default_catalogue`).

    Returns:
        The table; ``rejected`` lists the rows skipped in lenient mode.

    Raises:
        UnreadableFileError: a missing file, a directory, a binary or UTF-16 file, a file
            in another encoding than given, a line too long for a spell row (both modes).
        DataFormatError: an empty file, a missing required column (both modes), or bad
            rows in strict mode (every bad row with file, line and reason).

    Examples:
        >>> import io
        >>> text = "person_id;kind;start;end;jobcenter\np1;elb;01.01.2024;;JC1\np1;svp;2024-13-01;;\n"
        >>> read_spells(io.StringIO(text))
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: <stream> (1 problem)
          - <stream>:3: start is not a date (YYYY-MM-DD or DD.MM.YYYY)
        >>> t = read_spells(io.StringIO(text), strict=False)
        >>> len(t), [p.line for p in t.rejected], t.rejected[0].text
        (1, [3], 'p1;svp;2024-13-01;;')
    """
    if not isinstance(source, str | os.PathLike):
        if format not in (None, "csv"):
            raise ValidationError("streams are read as CSV; give a path for Parquet or Arrow")
        return _read_csv(source, strict=strict, data_end=data_end, delimiter=delimiter, encoding=encoding,
                         catalogue=catalogue)
    path = Path(source)
    fmt = format or spell_format(path)
    if fmt == "csv":
        if delimiter is None and path.suffix.lower() == ".tsv":
            delimiter = "\t"
        return _read_csv(path, strict=strict, data_end=data_end, delimiter=delimiter, encoding=encoding,
                         catalogue=catalogue)
    _check_file(path)
    try:
        table = _read_parquet(path) if fmt == "parquet" else _read_arrow(path)
        return SpellTable._checked(table, file=str(path), data_end=data_end, strict=strict,
                                   catalogue=catalogue)
    except LangzeitError:
        raise
    except (pa.ArrowException, OSError, UnicodeDecodeError, OverflowError) as exc:
        # a damaged file: a truncated page, corrupt compression, text that is not UTF-8, an
        # out-of-range date; pyarrow's own error is not bad input the caller can recognise
        name = "Parquet" if fmt == "parquet" else "Arrow"
        raise UnreadableFileError(
            str(path), f"is a damaged {name} file ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})",
            "write it again, or give the spells as CSV",
        ) from None


def _read_csv(
    source: str | os.PathLike[str] | IO[Any], *, strict: bool, data_end: dt.date | None,
    delimiter: str | None, encoding: str | None, catalogue: InstrumentCatalogue | None,
) -> SpellTable:
    if isinstance(source, str | os.PathLike):
        # a file: streamed, parsed while validated, never whole in memory, when every line is one
        # row; otherwise (found while streaming) read again as a whole, with each row's line
        rows = read_csv_rows(source, delimiter=delimiter, encoding=encoding, stream=True)
        if isinstance(rows.table, BatchSource):
            streamed = rows.table
            source_rows = BatchSource(streamed.num_rows, streamed.column_names,
                                      lambda: (_unescaped_batch(b) for b in streamed.to_batches()))
            try:
                return SpellTable._checked(source_rows, file=rows.file, data_end=data_end, strict=strict,
                                           lines=None, delimiter=rows.delimiter, catalogue=catalogue)
            except NotStreamable:
                pass
    rows = read_csv_rows(source, delimiter=delimiter, encoding=encoding)
    # read whole (no stream): a table and the line of every row
    rows.table = _unescaped(cast(pa.Table, rows.table))
    lines = cast(npt.NDArray[np.int64], rows.lines)
    n = lines.size
    # strictly increasing from line 2 to line n + 1: every row is its own line, i + 2
    regular = n == 0 or (int(lines[0]) == 2 and int(lines[-1]) == n + 1)
    return SpellTable._checked(
        rows.table, file=rows.file, data_end=data_end, strict=strict, lines=None if regular else lines,
        delimiter=rows.delimiter, extra=rows.problems, catalogue=catalogue,
    )


#: A cell write_spells escaped against formula injection: a quote before a trigger (langzeit._spreadsheet).
_ESCAPED_CELL = r"^'([=+\-@\t\r'])"


def _unescape_array(values: Any) -> Any:
    if pa.types.is_dictionary(values.type):
        return pa.DictionaryArray.from_arrays(values.indices, _unescape_array(values.dictionary))
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values
    if not pc.any(pc.starts_with(values, "'")).as_py():
        return values
    return pc.replace_substring_regex(values, pattern=_ESCAPED_CELL, replacement=r"\1")


def _unescaped_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """:func:`_unescaped` of one batch."""
    names = ("person_id", "jobcenter", "instrument", "bg_id")
    columns = [_unescape_array(c) if n in names else c for n, c in zip(batch.schema.names, batch.columns,
                                                                         strict=True)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _unescaped(table: pa.Table) -> pa.Table:
    """The text columns with the spreadsheet escaping of :func:`write_spells` undone (its inverse)."""
    for name in ("person_id", "jobcenter", "instrument", "bg_id"):
        if name in table.column_names and table.column(name).num_chunks:
            i = table.column_names.index(name)
            column = table.column(i)
            table = table.set_column(i, name, pa.chunked_array([_unescape_array(c) for c in column.chunks]))
    return table


def _check_file(path: Path) -> None:
    if not path.exists():
        raise UnreadableFileError(str(path), "file not found", "check the path")
    if path.is_dir():
        raise UnreadableFileError(str(path), "is a directory", "give the spell file inside it")


def _string_columns(schema: pa.Schema, names: list[str]) -> list[str]:
    return [n for n in names if pa.types.is_string(schema.field(n).type) or pa.types.is_large_string(
        schema.field(n).type)]


@contextlib.contextmanager
def _opening(path: Path, kind: str) -> Iterator[None]:
    """Arrow's or the system's refusal to open ``path`` as an :class:`UnreadableFileError` (not ``kind``)."""
    try:
        yield
    except (pa.ArrowInvalid, OSError) as exc:
        raise UnreadableFileError(
            str(path), f"is not {kind} ({exc})", "check the file or its suffix"
        ) from None


def _spell_columns(path: Path, names: list[str]) -> list[int]:
    """The positions of the spell columns among a file's column ``names`` (checked as its header)."""
    return sorted(check_header(names, str(path), text=",".join(names[:50])).values())


def _read_parquet(path: Path) -> BatchSource:
    with _opening(path, "a Parquet file"):
        schema = pq.read_schema(path)
    names = list(schema.names)
    wanted = [names[i] for i in _spell_columns(path, names)]
    # batch by batch, straight into the validation (never the whole file as Arrow in memory);
    # text columns come as the file's own dictionaries
    reader = pq.ParquetFile(path, read_dictionary=_string_columns(schema, wanted))

    num_rows = reader.metadata.num_rows

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from _checked_batches(reader.iter_batches(batch_size=_PARQUET_BATCH, columns=wanted),
                                        num_rows)
        finally:
            reader.close()

    if num_rows < 0:
        raise pa.ArrowInvalid(f"the metadata gives {num_rows} rows")
    # the next row group is decoded (pyarrow, without the GIL) while this one is validated (numpy)
    return BatchSource(num_rows, wanted, lambda: prefetched(batches()))


def _checked_batches(batches: Iterator[pa.RecordBatch], num_rows: int) -> Iterator[pa.RecordBatch]:
    """The batches of a Parquet file, each checked, and as many rows as its metadata gives.

    A damaged page can decode to dictionary indices beyond their dictionary, and damaged
    metadata can give another number of rows than the pages hold; the validation reads
    buffers directly and fills columns of ``num_rows``, so either would end there as an
    ``IndexError`` or as rows never written. ``ArrowInvalid`` here: a damaged file.
    """
    seen = 0
    for batch in batches:
        _validate_batch(batch)
        seen += batch.num_rows
        if seen > num_rows:
            raise pa.ArrowInvalid(f"more rows than the {num_rows} of its metadata")
        yield batch
    if seen != num_rows:
        raise pa.ArrowInvalid(f"{seen} rows, its metadata gives {num_rows}")


def _validate_batch(batch: pa.RecordBatch) -> None:
    """``batch.validate(full=True)``, with the indices of a dictionary checked by one Arrow min/max.

    Full validation checks every index of a dictionary column against its dictionary, which
    took most of the decoding thread's time on a national file (4 ms per column of a million
    rows); Arrow's ``min_max`` (nulls skipped) tells the same. The dictionaries themselves and
    every other column are validated fully.

    Raises:
        pyarrow.ArrowInvalid: the batch is damaged (an index beyond its dictionary, bad text, ...).
    """
    batch.validate()
    for column in batch.columns:
        if not pa.types.is_dictionary(column.type):
            column.validate(full=True)
            continue
        column.dictionary.validate(full=True)
        if column.null_count == len(column):
            continue
        low, high = pc.min_max(column.indices).values()
        if low.as_py() < 0 or high.as_py() >= len(column.dictionary):
            size = len(column.dictionary)
            raise pa.ArrowInvalid(f"dictionary index out of bounds: {low}..{high} of {size} values")


def _read_arrow(path: Path) -> pa.Table:
    with _opening(path, "an Arrow IPC file"), pa.memory_map(str(path)) as source:
        try:
            table = pa.ipc.open_file(source).read_all()
        except pa.ArrowInvalid:
            source.seek(0)
            table = pa.ipc.open_stream(source).read_all()
    selected = table.select(_spell_columns(path, list(table.column_names)))
    # an IPC file is mapped as it is, not checked: a damaged one can hold dictionary indices
    # beyond their dictionary or buffers shorter than their length (ArrowInvalid here, a
    # damaged file for read_spells, never an IndexError in the validation)
    selected.validate(full=True)
    return selected


def write_spells(
    table: SpellTable, target: str | os.PathLike[str] | IO[str], *, format: SpellFormat | None = None
) -> None:
    """Write a :class:`SpellTable` as a spell file: CSV (canonical columns, open end empty), Parquet or Arrow.

    Args:
        table: the spells.
        target: a path (format from its suffix, CSV for others) or an open text stream (CSV).
        format: ``"csv"``, ``"parquet"`` or ``"arrow"`` (default: from the suffix).

    Examples:
        >>> import io
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "luh", "start": "2024-01-01",
        ...                               "end": "2024-01-31", "jobcenter": "J", "amount": 412.5}])
        >>> buf = io.StringIO()
        >>> write_spells(t, buf)
        >>> print(buf.getvalue().strip())
        person_id,kind,start,end,jobcenter,sex,single_parent,instrument,amount
        p1,luh,2024-01-01,2024-01-31,J,,0,,412.5
    """
    if not isinstance(target, str | os.PathLike):
        _write_csv(table, target)
        return
    path = Path(target)
    fmt = format or FORMATS.get(path.suffix.lower(), "csv")
    if fmt == "parquet":
        pq.write_table(_plain_person_ids(table.to_arrow()), path)
    elif fmt == "arrow":
        feather.write_feather(table.to_arrow(), str(path), compression="uncompressed")
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            _write_csv(table, handle)


def _plain_person_ids(arrow: pa.Table) -> pa.Table:
    """The ``person_id`` column as plain values for Parquet.

    A dictionary type would be stored with the file and rebuild the whole id dictionary for
    every row group when read (minutes for a national file); Parquet encodes repeated
    values itself.
    """
    ids = arrow.column("person_id").cast(arrow.schema.field("person_id").type.value_type)
    return arrow.set_column(0, "person_id", ids)


def _write_csv(table: SpellTable, handle: IO[str]) -> None:
    n = len(table)
    epoch = np.datetime64("1970-01-01", "D")
    start = np.datetime_as_string(epoch + table.start.astype(np.int64), unit="D")
    open_end = table.end == OPEN_END
    end = np.where(open_end, "", np.datetime_as_string(epoch + np.where(open_end, 0, table.end), unit="D"))
    kinds = np.array([k.label for k in SpellKind])[table.kind]
    jc_labels = np.array([*(escape_cell(j) for j in table.jobcenter_labels), ""], dtype=np.str_)
    ins_labels = np.array([*(escape_cell(c) for c in table.instrument_labels), ""], dtype=np.str_)
    sex_labels = np.array(["", "F", "M", "D"])[table.sex]
    amount = np.where(np.isnan(table.amount), "", table.amount.astype(np.str_))
    ids = table.person_ids.astype(np.str_)
    risky = np.flatnonzero(np.isin(ids.astype("U1"), list("=+-@\t\r'")))  # escape_cell's triggers
    if risky.size:
        ids = ids.astype(object)
        ids[risky] = [escape_cell(str(i)) for i in ids[risky]]
        ids = ids.astype(np.str_)
    pid = ids[table.person]
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

