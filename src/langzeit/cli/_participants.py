"""CLI layer: small CSV input files — the participants file of ``report --participants`` and others.

A CSV file (UTF-8, a byte-order mark is fine; comma or semicolon) with a header that
has a ``participant_id`` column and attribute columns (``sex``, ``age_group``…), one
row per participant. A participant may appear on several rows only with the same
attributes: a person with two sexes is refused, naming both lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from langzeit._ids import id_problem
from langzeit.exceptions import DataFormatError, RowProblem

__all__ = ["MAX_PARTICIPANTS_BYTES", "read_participants", "read_rows"]

#: The largest participants file read (4 million rows of a few attributes fit well below).
MAX_PARTICIPANTS_BYTES = 1024 * 1024 * 1024


def _fail(name: str, line: int, reason: str, what: str) -> DataFormatError:
    return DataFormatError(f"{name}: not a valid {what}", [RowProblem(name, line, reason)])


def _text(path: Path, name: str, what: str) -> str:
    raw = path.read_bytes()
    if len(raw) > MAX_PARTICIPANTS_BYTES:
        raise _fail(name, 1, "larger than 1 GiB", what)
    if b"\x00" in raw[:4096]:
        raise _fail(name, 1, "a binary file (or UTF-16), not UTF-8 CSV text", what)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise _fail(name, line, reason, what) from None


def read_rows(
    path: str | Path, *, required: tuple[str, ...], what: str
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    r"""The rows of a small CSV input file with their line numbers, and its header.

    UTF-8 (a byte-order mark is fine), comma or semicolon (whichever the header has more
    of). Every row must have as many cells as the header; blank lines are skipped.

    Args:
        path: the file.
        required: columns the header must have.
        what: what the file is, for the message (e.g. ``"mapping file"``).

    Returns:
        ``([(line, row), ...], header)``.

    Raises:
        DataFormatError: not UTF-8 text, binary, larger than 1 GiB, a required column
            missing, a row with another number of cells, malformed CSV; the problem names
            the file and line.
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "map.csv"
        >>> _ = f.write_text("participant_id,person_id\np1,A\n\np2\n")
        >>> read_rows(f, required=("participant_id", "person_id"), what="mapping file")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: .../map.csv: not a valid mapping file (1 problem)
          - .../map.csv:4: expected 2 cells, got 1
    """
    name = str(path)
    text = _text(Path(path), name, what)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = next(reader, None)
        missing = [c for c in required if c not in (header or [])]
        if header is None or missing:
            raise _fail(name, 1, f"needs a header with the column{'s' if len(required) > 1 else ''} "
                                 f"{', '.join(required)}", what)
        line = reader.line_num + 1
        for cells in reader:
            if cells:
                if len(cells) != len(header):
                    raise _fail(name, line, f"expected {len(header)} cells, got {len(cells)}", what)
                rows.append((line, dict(zip(header, cells, strict=True))))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _fail(name, reader.line_num, f"malformed CSV: {exc}", what) from None
    return rows, header


def read_participants(path: str | Path, *, by: str | None = None) -> dict[str, dict[str, str]]:
    r"""Participant id → attributes, from a participants CSV file.

    Args:
        path: the file.
        by: the attribute ``--by`` groups by; it must be a column of the file.

    Returns:
        The attributes of each participant (every column, as text).

    Raises:
        DataFormatError: not UTF-8 text, no ``participant_id`` column, no column ``by``,
            an empty participant id, or one participant with different attributes;
            the problem names the file and line.
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "people.csv"
        >>> _ = f.write_text("participant_id,sex\np1,F\np2,M\np1,M\n")
        >>> read_participants(f, by="sex")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: .../people.csv: not a valid participants file (1 problem)
          - .../people.csv:4: participant 'p1' has sex 'M' here but 'F' on line 2
        >>> _ = f.write_text("participant_id;sex\np1;F\n")
        >>> read_participants(f, by="age")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.DataFormatError: .../people.csv: not a valid participants file (1 problem)
          - .../people.csv:1: no column 'age' for --by; columns: participant_id, sex
        >>> read_participants(f, by="sex")
        {'p1': {'participant_id': 'p1', 'sex': 'F'}}
    """
    name = str(path)
    rows, header = read_rows(path, required=("participant_id",), what="participants file")
    if by is not None and by not in header:
        raise _fail(name, 1, f"no column {by!r} for --by; columns: {', '.join(header)}", "participants file")
    out: dict[str, dict[str, str]] = {}
    where: dict[str, int] = {}
    for line, row in rows:
        pid = row["participant_id"].strip()
        if not pid:
            raise _fail(name, line, "empty participant_id", "participants file")
        reason = id_problem(pid)
        if reason is not None:
            raise _fail(name, line, f"participant_id: {reason}", "participants file")
        old = out.get(pid)
        if old is not None and old != row:
            key = next(k for k in header if old[k] != row[k])
            raise _fail(name, line, f"participant {pid!r} has {key} {row[key]!r} here but "
                                    f"{old[key]!r} on line {where[pid]}", "participants file")
        out.setdefault(pid, row)
        where.setdefault(pid, line)
    return out
