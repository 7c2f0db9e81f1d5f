"""Spell layer: the spell CSV dialects (DOMAIN.md § 2) read with pyarrow's CSV parser, and written.

Reading happens in three steps:

1. *Sniffing* the first bytes: a UTF-16 or binary file, a directory or a missing file
   is refused with one sentence that names the file and says what to do
   (:class:`~langzeit.exceptions.UnreadableFileError`). The header line is decoded
   (UTF-8 with or without BOM, or the ``encoding`` given, e.g. ``cp1252``) and its
   delimiter detected among ``,``, ``;`` (German Excel), tab and ``|`` unless given.
2. *Parsing* with ``pyarrow.csv`` (C++, both cores): the spell columns are read as
   dictionary-encoded text, other columns are skipped, so a header of a million
   columns costs one linear pass.
3. *Line numbers*: one pass over the bytes counts the lines. When every line is one
   row (the usual file) row ``i`` is line ``i + 2``; otherwise (blank lines, quoted
   line breaks, rows with a wrong number of fields) an exact pass finds the line of
   every row — a numpy scan when the file has no quotes, the ``csv`` module when it has.

The rows then go through the one validation path of every source (``_validate``).
"""

from __future__ import annotations

import array
import codecs
import collections
import copy
import csv
import io
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv

from langzeit.exceptions import DataFormatError, RowProblem, UnreadableFileError
from langzeit.spells._batches import BatchSource, prefetched
from langzeit.spells._codes import REQUIRED
from langzeit.spells._validate import check_header

__all__ = ["DELIMITERS", "CsvRows", "detect_delimiter", "read_csv_rows"]

DELIMITERS = (",", ";", "\t", "|")
"""The delimiters detected in a spell CSV header, in order of preference."""

_SNIFF = 1 << 16
#: Bytes read at a time by the passes over the file (line count, UTF-8 check): below glibc's
#: largest mmap threshold (32 MiB), so each read reuses the block the last one freed instead
#: of mapping fresh pages (64 MiB reads faulted 0.6 M pages in on a 2.4 GB file)
_SCAN = 1 << 24
_MAX_HEADER = 1 << 26
_MIN_BLOCK = 1 << 20
_MAX_BLOCK = 1 << 28
_TEXT = pa.dictionary(pa.int32(), pa.string())
_ENCODING_HINT = "give its encoding, e.g. --encoding cp1252 (API: encoding='cp1252')"


class CsvRows:
    """The spell columns of a CSV file as a pyarrow table, with the line of each row.

    Attributes:
        table: the spell columns present (canonical names, header order).
        lines: the line of each row (``int64``; the header is line 1).
        problems: rows with a wrong number of fields (they are not in ``table``).
        delimiter: the field delimiter used.
        file: the file's name.
    """

    def __init__(
        self, table: pa.Table | BatchSource, lines: npt.NDArray[np.int64] | None, problems: list[RowProblem],
        delimiter: str, file: str,
    ) -> None:
        self.table, self.lines, self.problems = table, lines, problems
        self.delimiter, self.file = delimiter, file


class NotStreamable(Exception):  # a signal between the reader and read_spells, never raised to users
    """The streamed read found a row that is not one line (or a parse problem): read the file again, whole."""


class _Source:
    """The bytes of a path or of an open stream, read in chunks."""

    def __init__(self, source: str | os.PathLike[str] | IO[Any]) -> None:
        self.data: bytes | None = None
        if isinstance(source, str | os.PathLike):
            path = Path(source)
            self.name = str(path)
            if not path.exists():
                raise UnreadableFileError(self.name, "file not found", "check the path")
            if path.is_dir():
                raise UnreadableFileError(self.name, "is a directory", "give the spell file inside it")
            self.path: Path | None = path
        else:
            self.name = str(getattr(source, "name", "<stream>"))
            self.path = None
            content = source.read()
            self.data = content.encode("utf-8") if isinstance(content, str) else bytes(content)

    def head(self, n: int) -> bytes:
        if self.data is not None:
            return self.data[:n]
        assert self.path is not None
        with self.path.open("rb") as handle:
            return handle.read(n)

    def chunks(self) -> Iterator[bytes]:
        if self.data is not None:
            for lo in range(0, len(self.data), _SCAN):
                yield self.data[lo : lo + _SCAN]
            return
        assert self.path is not None
        with self.path.open("rb") as handle:
            while chunk := handle.read(_SCAN):
                yield chunk

    def arrow_input(self) -> Any:
        if self.data is not None:
            return pa.BufferReader(self.data)
        return str(self.path)

    def pieces(self, size: int) -> list[tuple[int, int]] | None:
        """The bytes as consecutive pieces ``(offset, length)`` of about ``size``, cut after line breaks.

        None when the bytes are no longer than ``size`` (one piece). Only the bytes around
        each cut are looked at (a file is memory-mapped for that, then closed).
        """
        if self.data is not None:
            return _cuts(pa.py_buffer(self.data), size)
        assert self.path is not None
        if self.path.stat().st_size <= size:
            return None
        with pa.memory_map(str(self.path)) as mapped:
            return _cuts(mapped.read_buffer(), size)

    def piece(self, offset: int, length: int) -> pa.Buffer:
        """The bytes of one piece (read from the file: the file's pages are not kept mapped)."""
        if self.data is not None:
            return pa.py_buffer(self.data).slice(offset, length)
        assert self.path is not None
        with pa.OSFile(str(self.path)) as handle:
            handle.seek(offset)
            return handle.read_buffer(length)

    def text(self, encoding: str) -> IO[str]:
        if self.data is not None:
            return io.TextIOWrapper(io.BytesIO(self.data), encoding=encoding, newline="")
        assert self.path is not None
        return self.path.open(encoding=encoding, newline="")


def _sniff(source: _Source, encoding: str | None) -> None:
    """Refuse UTF-16/32 and binary files with a sentence that says what to do."""
    head = source.head(_SNIFF)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(head) >= 4 and head[1:4:2] == b"\0\0" and b"\0" not in head[0:4:2]
    ):
        if not (encoding or "").lower().replace("-", "").startswith("utf16"):
            raise UnreadableFileError(
                source.name, "is UTF-16 text",
                "save it as UTF-8 (Excel: 'CSV UTF-8'), or give a .parquet file",
            )
    elif b"\0" in head:
        hint = "export the spells as CSV, or give a .parquet or .arrow file"
        if head.startswith(b"PAR1"):
            hint = "it looks like Parquet: name it *.parquet"
        elif head.startswith(b"ARROW1"):
            hint = "it looks like Arrow IPC: name it *.arrow"
        elif head.startswith(b"PK\x03\x04"):
            hint = "it looks like an Excel workbook or ZIP archive: save the sheet as CSV UTF-8"
        raise UnreadableFileError(source.name, "is a binary file, not CSV text", hint)


def _header(source: _Source, encoding: str) -> tuple[str, int]:
    """The decoded header line (without BOM and line break) and its length in bytes."""
    raw = b""
    for chunk in source.chunks():
        cut = chunk.find(b"\n")
        raw += chunk if cut < 0 else chunk[:cut]
        if cut >= 0 or len(raw) > _MAX_HEADER:
            break
    if len(raw) > _MAX_HEADER:
        raise UnreadableFileError(
            source.name, f"the first line is longer than {_MAX_HEADER >> 20} MiB", "is this a spell CSV file?"
        )
    size = len(raw)
    if encoding.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig"):
        raw = raw.removeprefix(codecs.BOM_UTF8)
        encoding = "utf-8"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        raise UnreadableFileError(source.name, f"line 1 is not {encoding} text", _ENCODING_HINT) from None
    except LookupError:
        raise UnreadableFileError(
            source.name, f"unknown encoding {encoding!r}", "e.g. utf-8, cp1252, latin-1"
        ) from None
    return text.removesuffix("\r"), size


def detect_delimiter(header: str) -> str:
    """The delimiter among :data:`DELIMITERS` that splits the header into the required columns.

    Args:
        header: the header line.

    Returns:
        The delimiter that finds the most required columns (then: the most fields);
        ``,`` when none does.

    Examples:
        >>> detect_delimiter("person_id;kind;start;end;jobcenter")
        ';'
        >>> detect_delimiter("person_id,kind,start,end")
        ','
    """
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        try:
            fields = next(csv.reader([header], delimiter=d), [])
        except csv.Error:  # e.g. a field over the csv module's limit: no column name is that long
            continue
        names = {f.strip() for f in fields}
        score = (sum(c in names for c in REQUIRED), len(fields))
        if score[0] and score > best_score:
            best, best_score = d, score
    return best


def read_csv_rows(
    source: str | os.PathLike[str] | IO[Any], *, delimiter: str | None = None, encoding: str | None = None,
    stream: bool = False,
) -> CsvRows:
    r"""The spell columns of a CSV file or stream, with line numbers (no row checks yet).

    Args:
        source: a path, or an open text or binary stream.
        delimiter: the field delimiter (default: detected from the header).
        encoding: the text encoding (default UTF-8, with or without BOM).
        stream: when the file has no quotes, give the rows as a :class:`BatchSource` of
            batches of about a million rows, parsed while they are validated (``lines`` is
            None: row ``i`` is line ``i + 2``). Iterating it raises :class:`NotStreamable`
            when that does not hold (a row with a wrong number of fields, a blank line) or
            pyarrow refuses a value: then read the file again without ``stream``.

    Returns:
        The rows.

    Raises:
        UnreadableFileError: a missing file, a directory, a UTF-16, binary or wrongly
            encoded file, or a line too long to be a spell row.
        DataFormatError: an empty file, missing required or duplicated columns.

    Examples:
        >>> rows = read_csv_rows(io.StringIO("person_id;kind;start;end\np1;svp;01.02.2024;\n"))
        >>> rows.delimiter, rows.table.num_rows, rows.lines.tolist()
        (';', 1, [2])
    """
    src = _Source(source)
    _sniff(src, encoding)
    enc = encoding or "utf-8"
    header, header_bytes = _header(src, enc)
    if not header.strip() and not src.head(header_bytes + 2).strip():
        raise DataFormatError(src.name, [RowProblem(src.name, 1, "empty file: no header")])
    if delimiter is not None and len(delimiter) != 1:
        raise UnreadableFileError(src.name, f"delimiter {delimiter!r} is not one character", "e.g. ';'")
    delim = delimiter or detect_delimiter(header)
    try:
        names = next(csv.reader([header], delimiter=delim), [])
    except csv.Error as exc:  # a header field over the csv module's limit is no column name
        raise DataFormatError(src.name, [RowProblem(src.name, 1, f"unreadable header: {exc}")]) from None
    index = check_header(names, src.name, text=header)
    n_lines, has_quote, ends_with_newline = 0, False, True
    utf8 = _Utf8Check() if enc.lower().replace("-", "").replace("_", "") in ("utf8", "utf8sig") else None
    for chunk in src.chunks():
        n_lines += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == _NEWLINE))  # 2.5x bytes.count
        has_quote = has_quote or b'"' in chunk
        ends_with_newline = chunk.endswith(b"\n")
        if utf8 is not None:
            utf8.feed(chunk)
    n_lines += 0 if ends_with_newline else 1
    if utf8 is not None and not utf8.valid():
        # found here, before parsing: pyarrow's handler of a short row cannot decode such a row
        # and prints its error on stderr (an "exception ignored" traceback) before failing
        raise _explain(src, UnicodeDecodeError(enc, b"", 0, 1, "invalid UTF-8"), enc, _MIN_BLOCK)
    width = len(names)
    generated = [f"c{i}" for i in range(width)]
    keep = sorted(index.items(), key=lambda item: item[1])
    include = [generated[pos] for _, pos in keep]
    text_types = {generated[pos]: _TEXT for _, pos in keep}
    types = {**text_types, **_typed_columns(src, enc, delim, index, generated)}
    invalid = [0]

    def on_invalid(_row: Any) -> str:
        invalid[0] += 1
        return "skip"

    block = min(_MAX_BLOCK, max(_MIN_BLOCK, 8 * header_bytes))
    read_options = pacsv.ReadOptions(
        column_names=generated, skip_rows=1, block_size=block,
        encoding="utf8" if enc.lower().replace("-", "") in ("utf8", "utf8sig") else enc,
    )
    parse_options = pacsv.ParseOptions(
        delimiter=delim, newlines_in_values=has_quote, invalid_row_handler=on_invalid
    )

    def read(column_types: dict[str, Any]) -> pa.Table:
        invalid[0] = 0
        convert_options = pacsv.ConvertOptions(
            include_columns=include, column_types=column_types, strings_can_be_null=True, null_values=[""],
            quoted_strings_can_be_null=True,
        )
        return pacsv.read_csv(
            src.arrow_input(), read_options=read_options, parse_options=parse_options,
            convert_options=convert_options,
        )

    if stream and not has_quote:
        return CsvRows(_streamed(src, n_lines - 1, [col for col, _ in keep], read_options, parse_options,
                                 pacsv.ConvertOptions(include_columns=include, column_types=types,
                                                      strings_can_be_null=True, null_values=[""],
                                                      quoted_strings_can_be_null=True), invalid),
                       None, [], delim, src.name)
    try:
        try:
            table = read(types)
        except pa.ArrowInvalid as exc:  # a date or amount the typed parser refuses: every column as text
            if types == text_types or "conversion error to" not in str(exc) or "UTF8" in str(exc):
                raise
            table = read(text_types)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _explain(src, exc, enc, block) from None
    table = table.rename_columns([col for col, _ in keep])
    if invalid[0] == 0 and table.num_rows + 1 == n_lines:
        lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
        problems: list[RowProblem] = []
    else:
        lines, problems = _exact_lines(src, enc, delim, width, has_quote)
        if lines.size != table.num_rows:
            raise UnreadableFileError(
                src.name, f"found {table.num_rows} rows but matched {lines.size} to lines",
                "check the file's quoting (fields with line breaks must be in double quotes)",
            )
    return CsvRows(table, lines, problems, delim, src.name)


_STREAM_ROWS = 1 << 20
#: Files larger than this are parsed in pieces of this size, two at once (_Source.pieces): as
#: pyarrow.csv.read_csv parses on both cores, with at most a few pieces parsed ahead.
_PIECE_BYTES = 1 << 25
_PARSERS = 2
_NEWLINE = ord("\n")


def _streamed(
    src: _Source, n_rows: int, names: list[str], read_options: Any, parse_options: Any, convert_options: Any,
    invalid: list[int],
) -> BatchSource:
    """The rows of a file without quotes, parsed block by block (pyarrow's streaming reader).

    Blocks are put together into batches of about ``_STREAM_ROWS`` rows with one dictionary
    per text column; the whole file is never in memory. ``n_rows`` (lines − 1) must be the
    number of rows: a file where a line is not one row raises :class:`NotStreamable`.
    """

    def parsed(source: Any, options: Any) -> Iterator[pa.RecordBatch]:
        try:
            reader = pacsv.open_csv(source, read_options=options, parse_options=parse_options,
                                    convert_options=convert_options)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise NotStreamable(str(exc)) from None
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                raise NotStreamable(str(exc)) from None
            if invalid[0]:
                raise NotStreamable("a row with a wrong number of fields")
            yield batch

    def ranges(pieces: list[tuple[int, int]]) -> Iterator[pa.RecordBatch]:
        """The batches of the pieces in order, two pieces parsed at once (by two threads, ahead)."""
        rest = copy.copy(read_options)  # the pieces after the first have no header
        rest.skip_rows = 0

        def parse(k: int) -> list[pa.RecordBatch]:
            return list(parsed(pa.BufferReader(src.piece(*pieces[k])), read_options if k == 0 else rest))

        with ThreadPoolExecutor(_PARSERS, thread_name_prefix="langzeit-parse") as pool:
            pending = collections.deque(pool.submit(parse, k) for k in range(min(_PARSERS, len(pieces))))
            ahead = len(pending)
            while pending:
                done = pending.popleft().result()
                if ahead < len(pieces):
                    pending.append(pool.submit(parse, ahead))
                    ahead += 1
                yield from done

    def batches() -> Iterator[pa.RecordBatch]:
        invalid[0] = 0
        pieces = src.pieces(_PIECE_BYTES)
        stream = parsed(src.arrow_input(), read_options) if pieces is None else ranges(pieces)
        seen, group, size = 0, [], 0
        for batch in stream:
            group.append(batch)
            size += batch.num_rows
            if size >= _STREAM_ROWS:
                seen += size
                yield _one_batch(group, names)
                group, size = [], 0
        if group:
            seen += size
            yield _one_batch(group, names)
        if invalid[0] or seen != n_rows:
            raise NotStreamable(f"{seen} rows in {n_rows + 1} lines")

    # the next batch is parsed (pyarrow, without the GIL) while this one is validated
    return BatchSource(max(n_rows, 0), names, lambda: prefetched(batches()))


def _cuts(buffer: pa.Buffer, size: int) -> list[tuple[int, int]] | None:
    """``(offset, length)`` of pieces of about ``size`` bytes, each ending with a line break."""
    out, lo = [], 0
    while buffer.size - lo > size:
        cut = _find_newline(buffer, lo + size)
        if cut < 0 or lo + size + cut + 1 >= buffer.size:
            break
        hi = lo + size + cut + 1
        out.append((lo, hi - lo))
        lo = hi
    out.append((lo, buffer.size - lo))
    return out if len(out) > 1 else None


def _find_newline(buffer: pa.Buffer, start: int) -> int:
    """The offset of the first line break at or after ``start`` in ``buffer``, from ``start`` (-1: none)."""
    view = memoryview(buffer)
    for lo in range(start, buffer.size, _MIN_BLOCK):
        found = view[lo : lo + _MIN_BLOCK].tobytes().find(b"\n")
        if found >= 0:
            return lo - start + found
    return -1


def _one_batch(group: list[pa.RecordBatch], names: list[str]) -> pa.RecordBatch:
    """Consecutive batches as one, each text column with one dictionary (indices concatenated)."""
    table = pa.Table.from_batches(group).unify_dictionaries()
    columns = []
    for column in table.columns:
        if column.num_chunks == 1:
            columns.append(column.chunk(0))
        elif pa.types.is_dictionary(column.type):
            indices = pa.concat_arrays([c.indices for c in column.chunks])
            columns.append(pa.DictionaryArray.from_arrays(indices, column.chunk(0).dictionary))
        else:
            columns.append(pa.concat_arrays(column.chunks))
    return pa.RecordBatch.from_arrays(columns, names=names)


_ISO_SAMPLE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _typed_columns(
    src: _Source, encoding: str, delimiter: str, index: dict[str, int], generated: list[str]
) -> dict[str, Any]:
    """The date columns pyarrow may parse as ``date32`` because the first rows allow it.

    A file with German dates in its first 64 KiB is read as text at once; one whose later
    rows break the typed parse is read again as text (rare). Amounts stay text: a rejected
    row's text must show them as written.
    """
    head = src.head(_SNIFF).decode(encoding, errors="replace").splitlines()[1:-1]
    rows = list(csv.reader(head, delimiter=delimiter))
    out: dict[str, Any] = {}
    for column in ("start", "end"):
        pos = index.get(column)
        if pos is None:
            continue
        values = [r[pos] for r in rows if len(r) > pos and r[pos]]
        if values and all(_ISO_SAMPLE.fullmatch(v) for v in values):
            out[generated[pos]] = pa.date32()
    return out


class _Utf8Check:
    r"""Whether a stream of byte chunks is UTF-8, at C speed (Arrow's validation), without decoding it.

    A chunk is checked up to its last line break (never inside a character); the rest is
    checked with the next chunk.

    Examples:
        >>> check = _Utf8Check()
        >>> check.feed("a,b\nK\u00f6".encode()[:-1]); check.feed("\u00f6ln\n".encode()[1:])
        >>> check.valid()
        True
        >>> check.feed(b"\xff\n"); check.valid()
        False
    """

    def __init__(self) -> None:
        self._carry = bytearray()
        self._ok = True

    @staticmethod
    def _is_utf8(data: bytes | bytearray | memoryview) -> bool:
        if not len(data):
            return True
        offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
        try:
            pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)]).cast(
                pa.large_string())
        except pa.ArrowInvalid:
            return False
        return True

    def feed(self, chunk: bytes) -> None:
        """Check ``chunk`` (with what is left of the chunk before) up to its last line break."""
        if not self._ok:
            return
        first, last = chunk.find(b"\n"), chunk.rfind(b"\n")
        if last < 0:
            self._carry += chunk
            return
        view = memoryview(chunk)
        head = self._carry + chunk[: first + 1]
        self._ok = self._is_utf8(head) and self._is_utf8(view[first + 1 : last + 1])
        self._carry = bytearray(chunk[last + 1 :])

    def valid(self) -> bool:
        """True when everything fed (and the rest after the last line break) is UTF-8."""
        return self._ok and self._is_utf8(bytes(self._carry))


def _explain(src: _Source, exc: Exception, encoding: str, block: int) -> UnreadableFileError:
    text = str(exc)
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in text or "utf8" in text.lower():
        line = _first_undecodable_line(src, encoding)
        where = f"line {line}" if line else "a line"
        return UnreadableFileError(src.name, f"{where} is not {encoding} text", _ENCODING_HINT)
    if "straddl" in text:
        line = _first_long_line(src, block)
        return UnreadableFileError(
            src.name, f"line {line} is longer than {block >> 20} MiB",
            "a spell row has a few dozen bytes: is this a spell CSV file (and the delimiter right)?",
        )
    return UnreadableFileError(src.name, f"cannot be read as CSV ({text})", "check the file")


def _first_undecodable_line(src: _Source, encoding: str) -> int:
    line = 1
    carry = b""
    for chunk in src.chunks():
        parts = (carry + chunk).split(b"\n")
        carry = parts.pop()
        for part in parts:
            try:
                part.decode(encoding)
            except UnicodeDecodeError:
                return line
            line += 1
    try:
        carry.decode(encoding)
    except UnicodeDecodeError:
        return line
    return 0


def _first_long_line(src: _Source, limit: int) -> int:
    line, length = 1, 0
    for chunk in src.chunks():
        start = 0
        while True:
            cut = chunk.find(b"\n", start)
            length += (len(chunk) if cut < 0 else cut) - start
            if length > limit:
                return line
            if cut < 0:
                break
            line, length, start = line + 1, 0, cut + 1
    return line


def _exact_lines(
    src: _Source, encoding: str, delimiter: str, width: int, has_quote: bool
) -> tuple[npt.NDArray[np.int64], list[RowProblem]]:
    """The line of every row with ``width`` fields, and a problem for every other non-blank row."""
    if not has_quote:
        return _scan_lines(src, encoding, delimiter, width)
    lines = array.array("q")
    problems = []
    with src.text("utf-8-sig" if encoding.lower().replace("-", "") in ("utf8", "utf8sig") else encoding) as h:
        reader = csv.reader(h, delimiter=delimiter)
        next(reader, None)
        previous = reader.line_num
        for row in reader:
            first = previous + 1
            previous = reader.line_num
            if len(row) == width:
                lines.append(first)
            elif row and not (len(row) == 1 and not row[0].strip()):
                problems.append(_wrong_width(src.name, first, width, len(row), _join(row, delimiter)))
    return np.frombuffer(lines, dtype=np.int64).copy(), problems


def _join(row: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(row)
    return buf.getvalue()


def _wrong_width(file: str, line: int, width: int, found: int, text: str) -> RowProblem:
    return RowProblem(file, line, f"expected {width} fields, found {found}", text)


def _scan_lines(
    src: _Source, encoding: str, delimiter: str, width: int
) -> tuple[npt.NDArray[np.int64], list[RowProblem]]:
    """Line numbers from a numpy scan of the bytes (a file without quotes: one row per line)."""
    d = ord(delimiter.encode(encoding)[:1] or b",")
    kept: list[npt.NDArray[np.int64]] = []
    problems: list[RowProblem] = []
    carry = b""
    first_line = 1  # the line number of the first line in the current buffer

    def scan(buf: bytes, final: bool) -> bytes:
        nonlocal first_line
        data = np.frombuffer(buf, dtype=np.uint8)
        ends = np.flatnonzero(data == 10)
        if final and (not ends.size or ends[-1] != len(buf) - 1) and len(buf):
            ends = np.append(ends, len(buf))
        if not ends.size:
            return buf
        starts = np.concatenate(([0], ends[:-1] + 1))
        delims = np.flatnonzero(data == d)
        fields = np.searchsorted(delims, ends) - np.searchsorted(delims, starts) + 1
        stop = ends - ((ends > starts) & (data[np.maximum(ends - 1, 0)] == 13))
        numbers = np.arange(first_line, first_line + ends.size, dtype=np.int64)
        data_line = numbers >= 2
        blank = stop == starts
        for i in np.flatnonzero(data_line & (fields == 1) & ~blank).tolist():
            blank[i] = not buf[starts[i] : stop[i]].strip()
        good = data_line & ~blank & (fields == width)
        kept.append(numbers[good])
        for i in np.flatnonzero(data_line & ~blank & (fields != width)).tolist():
            text = buf[starts[i] : stop[i]].decode(encoding, errors="replace")
            problems.append(_wrong_width(src.name, int(numbers[i]), width, int(fields[i]), text))
        first_line += ends.size
        return buf[int(ends[-1]) + 1 :]

    for chunk in src.chunks():
        carry = scan(carry + chunk, final=False)
    scan(carry, final=True)
    lines = np.concatenate(kept) if kept else np.zeros(0, dtype=np.int64)
    return lines, problems
