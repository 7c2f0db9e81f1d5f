"""Spell layer: streaming of spell rows — a table or a file in batches, the next one prefetched by a thread.

:class:`BatchSource` stands for rows that arrive batch by batch (the row groups of a
Parquet file, the blocks of a streamed CSV file); :func:`_table_batches` cuts a table into
batches of about a million rows with one dictionary per text column.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa

__all__ = ["BatchSource", "prefetched"]

_BATCH_ROWS = 1 << 20


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


def _table_batches(table: pa.Table | BatchSource) -> Any:
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
