"""CLI layer: the participants file of ``report --participants`` (attributes for ``--by``).

A CSV file (UTF-8, a byte-order mark is fine; comma or semicolon) with a header that
has a ``participant_id`` column and attribute columns (``sex``, ``age_group``…), one
row per participant. A participant may appear on several rows only with the same
attributes: a person with two sexes is refused, naming both lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from langzeit.exceptions import DataFormatError, RowProblem

__all__ = ["MAX_PARTICIPANTS_BYTES", "read_participants"]

#: The largest participants file read (4 million rows of a few attributes fit well below).
MAX_PARTICIPANTS_BYTES = 1024 * 1024 * 1024


def _fail(name: str, line: int, reason: str) -> DataFormatError:
    return DataFormatError(f"{name}: not a valid participants file", [RowProblem(name, line, reason)])


def _text(path: Path, name: str) -> str:
    raw = path.read_bytes()
    if len(raw) > MAX_PARTICIPANTS_BYTES:
        raise _fail(name, 1, "larger than 1 GiB")
    if b"\x00" in raw[:4096]:
        raise _fail(name, 1, "a binary file (or UTF-16), not UTF-8 CSV text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        raise _fail(name, line, reason) from None


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
    text = _text(Path(path), name)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None or "participant_id" not in header:
            raise _fail(name, 1, "needs a header with a participant_id column")
        if by is not None and by not in header:
            raise _fail(name, 1, f"no column {by!r} for --by; columns: {', '.join(header)}")
        out: dict[str, dict[str, str]] = {}
        where: dict[str, int] = {}
        line = reader.line_num + 1
        for cells in reader:
            if not cells:
                line = reader.line_num + 1
                continue
            if len(cells) != len(header):
                raise _fail(name, line, f"expected {len(header)} cells, got {len(cells)}")
            row = dict(zip(header, cells, strict=True))
            pid = row["participant_id"].strip()
            if not pid:
                raise _fail(name, line, "empty participant_id")
            old = out.get(pid)
            if old is not None and old != row:
                key = next(k for k in header if old[k] != row[k])
                raise _fail(name, line, f"participant {pid!r} has {key} {row[key]!r} here but "
                                        f"{old[key]!r} on line {where[pid]}")
            out.setdefault(pid, row)
            where.setdefault(pid, line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _fail(name, reader.line_num, f"malformed CSV: {exc}") from None
    return out
