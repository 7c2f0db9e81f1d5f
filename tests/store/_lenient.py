"""The lenient-read property shared by the file formats: broken records are rejected, the rest kept."""

from collections.abc import Callable
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import strategies as st

from langzeit.events import EventLog
from langzeit.store import ReadResult


def read_with_broken_records(
    log: EventLog,
    data: st.DataObject,
    name: str,
    write: Callable[[EventLog, Path], object],
    spoil: Callable[[Path, set[int]], list[int]],
    read: Callable[[Path], ReadResult],
) -> ReadResult:
    """Write ``log`` to a file ``name``, spoil a drawn set of its events, read it leniently.

    ``spoil(path, broken)`` damages the events at the indices ``broken`` and gives the lines
    where the reader must reject them; the result is checked to keep every other event in
    order and to reject exactly those lines, and returned for format-specific checks.
    """
    events = list(log)
    broken = data.draw(st.sets(st.integers(0, len(events) - 1)))
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write(log, path)
        lines = spoil(path, broken)
        result = read(path)
    assert list(result.log) == [e for i, e in enumerate(events) if i not in broken]
    assert [p.line for p in result.rejected] == sorted(lines)
    return result
