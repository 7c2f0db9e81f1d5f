"""Store layer: event logs as CSV (a version line, a header row, one event per row).

Layout::

    #langzeit-events v1
    event_id,participant_id,type,date,programme_id,referrer,kind,result,...
    e1,p1,referred,2024-01-08,geh-vor,jobcenter,,,...

The columns are :data:`langzeit.events.BASE_FIELDS` followed by :data:`CSV_COLUMNS`'s
type-specific part: the union of every event type's fields, in the order of
:data:`langzeit.events.EVENT_TYPES` and, within a type, of its declaration.

Cells are text. A cell is read by the kind of the row's field:

* text fields (ids, free text, enumerations, required dates): the cell as it is;
  an empty cell is the empty text. Every text field of an event is always written,
  so an empty cell never means "absent" for them.
* optional fields (``due``, ``receives_benefit``): an empty cell is null;
  ``true``/``false`` for the boolean.
* integers: decimal digits with an optional ``-``.
* lists (``ScaleScored.items``): JSON text such as ``[3,2,null]``.
* an empty integer or list cell (never written by :func:`write_csv`) means the field
  is absent: the event type's default applies, or the row is rejected when the
  field is required.
* columns that are not fields of the row's type must be empty.
* spreadsheet safety: a cell that would begin with ``=``, ``+``, ``-``, ``@``, a tab,
  a CR or ``'`` (and is not a plain number) is written with a ``'`` in front, so that
  a spreadsheet shows it as text instead of running it as a formula; the reader
  drops that quote again, so a log reads back exactly as it was written
  (:mod:`langzeit._spreadsheet`, the one rule for every CSV langzeit writes).

A file may leave out type-specific columns (hand-made files): a missing column
means the field is absent, so the event type's default applies.
"""

from __future__ import annotations

import csv
import json
import operator
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, overload

import attrs

from langzeit._spreadsheet import escape_cell, unescape_cell
from langzeit.events import (
    BASE_FIELDS,
    EVENT_FORMAT,
    EVENT_FORMAT_VERSION,
    EVENT_TYPES,
    Event,
    EventLog,
    event_fields,
    event_to_record,
)
from langzeit.exceptions import ValidationError
from langzeit.store._common import (
    RawItem,
    ReadResult,
    atomic_text_file,
    collect,
    display_name,
    events_of,
    fail,
)

__all__ = ["CSV_COLUMNS", "CSV_VERSION_LINE", "read_csv", "write_csv"]

#: The first line of every CSV event log.
CSV_VERSION_LINE = f"#{EVENT_FORMAT} v{EVENT_FORMAT_VERSION}"
_VERSION_RE = re.compile(r"^#\s*([\w-]+)\s+v(\S+)\s*$")
_INT_RE = re.compile(r"^-?[0-9]+$")

# How a cell of a field is read and written, by the field's annotation.
_TEXT, _INT, _OPT_DATE, _OPT_BOOL, _JSON = "text", "int", "optional date", "optional bool", "json"
_KIND_BY_ANNOTATION = {
    "str": _TEXT, "date": _TEXT, "ConsentPurpose": _TEXT, "ExitReason": _TEXT,
    "OutcomeKind": _TEXT, "int": _INT, "date | None": _OPT_DATE, "bool | None": _OPT_BOOL,
    "tuple[int | None, ...]": _JSON,
}


def _kinds() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for name, cls in EVENT_TYPES.items():
        by_field = {f.name: str(f.type) for f in attrs.fields(cls)}
        out[name] = {}
        for field in event_fields(name):
            annotation = by_field[field]
            if annotation not in _KIND_BY_ANNOTATION:  # pragma: no cover - guards new event fields
                raise TypeError(f"CSV: no cell format for {name}.{field}: {annotation}")
            out[name][field] = _KIND_BY_ANNOTATION[annotation]
    return out


#: The cell kind of every type-specific field, by event type.
FIELD_KINDS: dict[str, dict[str, str]] = _kinds()

#: The columns of a CSV event log, in order.
CSV_COLUMNS: tuple[str, ...] = BASE_FIELDS + tuple(
    dict.fromkeys(field for fields in FIELD_KINDS.values() for field in fields)
)


def _cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == _OPT_BOOL:
        return "true" if value else "false"
    if kind == _JSON:
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _value(kind: str, cell: str) -> tuple[bool, Any]:
    """``(present, value)`` of a cell of a field of this kind; raises ValueError when bad."""
    if kind == _TEXT:
        return True, cell
    if cell == "":
        return kind in (_OPT_DATE, _OPT_BOOL), None
    if kind == _INT:
        if not _INT_RE.match(cell):
            raise ValidationError(f"expected an integer, got {cell!r}")
        return True, int(cell)
    if kind == _OPT_BOOL:
        if cell not in ("true", "false"):
            raise ValidationError(f"expected true, false or an empty cell, got {cell!r}")
        return True, cell == "true"
    if kind == _JSON:
        try:
            return True, json.loads(cell)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"malformed JSON {cell!r}: {exc.msg}") from None
    return True, cell


class _Layout:
    """What a header means for each event type, worked out once per file and type.

    For a type, ``fields`` are the columns its records read, in column order, each
    with its kind (None: a base field), and ``others`` the columns that must be
    empty. :meth:`record` decodes a row that fits (every other cell empty, every
    value valid) without looking at the other columns one by one, and leaves every
    other row to :func:`_record`, which names each problem.
    """

    __slots__ = ("_columns", "_plans", "_type_at")

    def __init__(self, columns: list[str]) -> None:
        self._columns = columns
        self._type_at = columns.index("type")
        self._plans: dict[str, tuple[list[tuple[int, str, str | None]], Any] | None] = {}

    def _plan(self, type_name: str) -> tuple[list[tuple[int, str, str | None]], Any] | None:
        kinds = FIELD_KINDS.get(type_name)
        if kinds is None:
            return None
        fields: list[tuple[int, str, str | None]] = []
        others: list[int] = []
        for k, column in enumerate(self._columns):
            if column in BASE_FIELDS:
                fields.append((k, column, None))
            elif column in kinds:
                fields.append((k, column, kinds[column]))
            else:
                others.append(k)
        pick = operator.itemgetter(*others) if len(others) > 1 else (
            (lambda cells: (cells[others[0]],)) if others else (lambda cells: ()))
        return fields, pick

    def record(self, cells: list[str]) -> dict[str, Any] | str:
        """The record of a row, exactly as :func:`_record` builds it."""
        columns = self._columns
        if len(cells) != len(columns):
            return _record(columns, cells)
        type_name = cells[self._type_at]
        try:
            plan = self._plans[type_name]
        except KeyError:
            plan = self._plans[type_name] = self._plan(type_name)
        if plan is None:
            return _record(columns, cells)
        fields, pick = plan
        if any(pick(cells)):  # an unknown field for this type: let _record name it
            return _record(columns, cells)
        record: dict[str, Any] = {}
        for k, column, kind in fields:
            cell = cells[k]
            if kind is None:
                if cell != "" or column != "date":
                    record[column] = cell
            elif kind == _TEXT:
                record[column] = cell
            else:
                try:
                    present, value = _value(kind, cell)
                except ValueError:
                    return _record(columns, cells)
                if present:
                    record[column] = value
        return record


def _record(columns: list[str], cells: list[str]) -> dict[str, Any] | str:
    if len(cells) != len(columns):
        return f"expected {len(columns)} cells, got {len(cells)}"
    row = dict(zip(columns, cells, strict=True))
    kinds = FIELD_KINDS.get(row["type"])
    record: dict[str, Any] = {}
    errors: list[str] = []
    for column, cell in row.items():
        if column in BASE_FIELDS:
            if cell != "" or column != "date":
                record[column] = cell
            continue
        if kinds is None or column not in kinds:
            if cell != "":
                record[column] = cell  # the codec names it as an unknown field
            continue
        try:
            present, value = _value(kinds[column], cell)
        except ValueError as exc:
            errors.append(f"{column}: {exc}")
            continue
        if present:
            record[column] = value
    return "; ".join(errors) if errors else record


def _check_version(file: str, cells: list[str] | None, text: str) -> None:
    if cells is None:
        raise fail(file, 1, f"empty file: missing version line {CSV_VERSION_LINE!r}")
    match = _VERSION_RE.match(cells[0]) if len(cells) == 1 else None
    if match is None:
        raise fail(file, 1, f"missing version line {CSV_VERSION_LINE!r}", text)
    name, version = match.groups()
    if name != EVENT_FORMAT:
        raise fail(file, 1, f"not a {EVENT_FORMAT} file (format {name!r})", text)
    if version != str(EVENT_FORMAT_VERSION):
        raise fail(file, 1, f"unsupported version {version!r} "
                            f"(this langzeit reads version {EVENT_FORMAT_VERSION})", text)


def _items(path: Path, file: str) -> Iterator[RawItem]:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        line = 1
        try:
            first = next(reader, None)
            _check_version(file, first, ",".join(first or []))
            line = reader.line_num + 1
            columns = next(reader, None)
            if columns is None:
                raise fail(file, line, "missing header row")
            missing = [c for c in BASE_FIELDS if c not in columns]
            unknown = [c for c in columns if c not in CSV_COLUMNS]
            twice = sorted({c for c in columns if columns.count(c) > 1})
            reasons = ([f"missing columns {missing}"] if missing else []) + (
                [f"unknown columns {unknown}"] if unknown else []) + (
                [f"columns named twice {twice}"] if twice else [])
            if reasons:
                raise fail(file, line, "header: " + "; ".join(reasons), ",".join(columns))
            line = reader.line_num + 1
            layout = _Layout(columns)
            for cells in reader:
                if cells:
                    text = ",".join(cells)
                    if "'" in text:  # undo the spreadsheet escaping of write_csv
                        cells = [unescape_cell(c) for c in cells]
                    yield line, text, layout.record(cells)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise fail(file, line, f"malformed CSV: {exc}") from None
        except UnicodeDecodeError as exc:
            raise fail(file, line, f"not UTF-8 text: {exc.reason}") from None


@overload
def read_csv(path: str | os.PathLike[str], *, strict: Literal[True] = ...) -> EventLog: ...
@overload
def read_csv(path: str | os.PathLike[str], *, strict: Literal[False]) -> ReadResult: ...
@overload
def read_csv(path: str | os.PathLike[str], *, strict: bool) -> EventLog | ReadResult: ...
def read_csv(path: str | os.PathLike[str], *, strict: bool = True) -> EventLog | ReadResult:
    """Read an event log from CSV (see the module's layout and cell rules).

    Args:
        path: the ``.csv`` file.
        strict: raise on any bad row (default); when False, keep every valid event
            and return the rejected rows in a :class:`ReadResult`.

    Returns:
        The :class:`~langzeit.events.EventLog` (strict) or a :class:`ReadResult`.

    Raises:
        DataFormatError: a bad version line or header (also when not strict), or,
            when strict, every bad row with its line number and reason.
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import EventLog, PlanStepAgreed
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
        >>> write_csv([PlanStepAgreed("e1", "p1", date(2024, 2, 5), step_id="s1")], path)
        1
        >>> read_csv(path).get("e1").due is None
        True
    """
    result = collect(display_name(path), _items(Path(path), display_name(path)), strict=strict)
    return result.log if strict else result


def write_csv(events: EventLog | Iterable[Event], path: str | os.PathLike[str]) -> int:
    """Write an event log as CSV (UTF-8, all :data:`CSV_COLUMNS`), replacing the file atomically.

    Args:
        events: an :class:`~langzeit.events.EventLog` or events (checked like a log).
        path: the target file.

    Returns:
        The number of events written.

    Raises:
        ValidationError: ``events`` hold two different events under one id.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import Exited
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.csv"
        >>> write_csv([Exited("e1", "p1", date(2024, 12, 1), reason="work", outcome="svp")], path)
        1
        >>> path.read_text().splitlines()[0]
        '#langzeit-events v1'
    """
    todo = events_of(events)
    with atomic_text_file(Path(path), newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([CSV_VERSION_LINE])
        writer.writerow(CSV_COLUMNS)
        for event in todo:
            writer.writerow(_cell_row(event))
    return len(todo)


def _cell_row(event: Event) -> list[str]:
    """An event's cells under :data:`CSV_COLUMNS`."""
    record = event_to_record(event)
    kinds = FIELD_KINDS[event.type]
    return [escape_cell(record[c] if c in BASE_FIELDS else (_cell(kinds[c], record[c]) if c in kinds else ""))
            for c in CSV_COLUMNS]
