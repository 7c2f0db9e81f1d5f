"""Store layer: event logs as JSON Lines (a header line, then one event record per line)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal, overload

from langzeit.events import EVENT_FORMAT, EVENT_FORMAT_VERSION, Event, EventLog, event_to_record
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

__all__ = ["read_jsonl", "write_jsonl"]

#: The first line of every JSON Lines event log.
HEADER = {"format": EVENT_FORMAT, "version": EVENT_FORMAT_VERSION}


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):  # rare: find the first key that repeats, for the reason
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValidationError(f"key {key!r} appears twice")
            seen.add(key)
    return out


#: One decoder for every line (``json.loads`` with options builds a new one per call).
_DECODE = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys).decode


def _parse(text: str) -> dict[str, Any] | str:
    if text.startswith("\ufeff"):  # as json.loads reports it
        return "malformed JSON: Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1"
    try:
        value = _DECODE(text)
    except json.JSONDecodeError as exc:
        return f"malformed JSON: {exc.msg} at column {exc.colno}"
    except RecursionError:  # e.g. "[" repeated 100,000 times
        return "malformed JSON: nested too deeply (an event is one flat JSON object)"
    except ValueError as exc:
        return f"malformed JSON: {exc}"
    if not isinstance(value, dict):
        return f"expected a JSON object, got {type(value).__name__}"
    return value


def check_header(file: str, line: int, record: dict[str, Any] | str, text: str) -> None:
    """Raise unless ``record`` is the header of a supported event log format."""
    if isinstance(record, str):
        raise fail(file, line, f"header: {record}", text)
    if "format" not in record:
        raise fail(file, line, f"missing header line {json.dumps(HEADER)}", text)
    if record.get("format") != EVENT_FORMAT:
        raise fail(file, line, f"not a {EVENT_FORMAT} file (format {record.get('format')!r})", text)
    if record.get("version") != EVENT_FORMAT_VERSION:
        raise fail(file, line, f"unsupported version {record.get('version')!r} "
                               f"(this langzeit reads version {EVENT_FORMAT_VERSION})", text)


def _items(path: Path, file: str) -> Iterator[RawItem]:
    with path.open("rb") as fh:
        header_seen = False
        for number, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                if not header_seen:
                    raise fail(file, number, f"not UTF-8 text: {exc.reason}", text) from None
                yield number, text, f"not UTF-8 text: {exc.reason}"
                continue
            if not text.strip():
                continue
            record = _parse(text)
            if not header_seen:
                check_header(file, number, record, text)
                header_seen = True
                continue
            yield number, text, record
        if not header_seen:
            raise fail(file, 1, f"empty file: missing header line {json.dumps(HEADER)}")


@overload
def read_jsonl(path: str | os.PathLike[str], *, strict: Literal[True] = ...) -> EventLog: ...
@overload
def read_jsonl(path: str | os.PathLike[str], *, strict: Literal[False]) -> ReadResult: ...
@overload
def read_jsonl(path: str | os.PathLike[str], *, strict: bool) -> EventLog | ReadResult: ...
def read_jsonl(path: str | os.PathLike[str], *, strict: bool = True) -> EventLog | ReadResult:
    """Read an event log from JSON Lines.

    The first non-blank line must be the header ``{"format": "langzeit-events",
    "version": 1}``; every further non-blank line is one event record as written by
    :func:`langzeit.events.event_to_record`. Blank lines are ignored.

    Args:
        path: the ``.jsonl`` file.
        strict: raise on any bad line (default); when False, keep every valid event
            and return the rejected lines in a :class:`ReadResult`.

    Returns:
        The :class:`~langzeit.events.EventLog` (strict) or a :class:`ReadResult`.

    Raises:
        DataFormatError: a bad header (also when not strict), or, when strict, every
            bad line with its number and reason.
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import EventLog, Referred
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.jsonl"
        >>> write_jsonl(EventLog([Referred("e1", "p1", date(2024, 1, 8))]), path)
        1
        >>> print(path.read_text(), end="")
        {"format": "langzeit-events", "version": 1}
        {"event_id": "e1", "participant_id": "p1", "type": "referred", "date": "2024-01-08", \
"programme_id": "", "referrer": "jobcenter"}
        >>> len(read_jsonl(path))
        1
    """
    p = Path(path)
    result = collect(display_name(path), _items(p, display_name(path)), strict=strict)
    return result.log if strict else result


def dump_line(event: Event) -> str:
    """One event as its JSON Lines text (without the newline)."""
    return json.dumps(event_to_record(event), ensure_ascii=False)


def write_jsonl(events: EventLog | Iterable[Event], path: str | os.PathLike[str]) -> int:
    """Write an event log as JSON Lines (UTF-8), replacing the file atomically.

    Args:
        events: an :class:`~langzeit.events.EventLog` or events (checked like a log:
            a repeated id with different content is refused).
        path: the target file.

    Returns:
        The number of events written.

    Raises:
        ValidationError: ``events`` hold two different events under one id.

    Examples:
        >>> import tempfile, pathlib
        >>> from datetime import date
        >>> from langzeit.events import Admitted
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "log.jsonl"
        >>> write_jsonl([Admitted("e1", "p1", date(2024, 2, 1))], path)
        1
        >>> read_jsonl(path).get("e1").date
        datetime.date(2024, 2, 1)
    """
    todo = events_of(events)
    with atomic_text_file(Path(path), newline="\n") as fh:
        fh.write(json.dumps(HEADER) + "\n")
        for event in todo:
            fh.write(dump_line(event) + "\n")
    return len(todo)
