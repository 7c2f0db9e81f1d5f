"""Cross-cutting: pausing the cyclic garbage collector during bulk work, only when the program opts in.

Bulk readers and the simulator create hundreds of thousands to millions of small
objects that hold no reference cycles (events, rows). Collections triggered by such
allocation bursts find nothing, and, once the collector is back on, the first
collections would scan every fresh survivor twice (youngest, then middle
generation) only to promote it. Pausing the collector saves that work, but the
collector is **process-wide**: a library that switched it off would change every
other thread of the host (a web server, a notebook) while it runs. So the library
never touches it on its own: :func:`collector_paused` does nothing unless the
program opted in with :func:`allow_pausing` (the ``langzeit`` command does; a host
may, if it accepts the process-wide effect). Imports nothing of langzeit.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["allow_pausing", "collector_paused", "pausing_allowed", "promote_survivors"]

_lock = threading.Lock()
_allowed = False
_depth = 0  # bulk sections in progress (several threads may be in one at once)
_was_enabled = False


def allow_pausing(allowed: bool = True) -> None:
    """Let :func:`collector_paused` pause the collector process-wide (the program's choice).

    Examples:
        >>> allow_pausing(); pausing_allowed()
        True
        >>> allow_pausing(False); pausing_allowed()
        False
    """
    global _allowed
    _allowed = bool(allowed)


def pausing_allowed() -> bool:
    """Whether the program opted in with :func:`allow_pausing` (off by default).

    Examples:
        >>> pausing_allowed()
        False
    """
    return _allowed


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector, when allowed; on exit promote the survivors and restore it.

    Without :func:`allow_pausing` this does nothing: the host's collector stays as it is.
    Nested and concurrent sections (threads) keep it paused until the last one ends.

    Examples:
        >>> with collector_paused():
        ...     gc.isenabled()
        True
        >>> allow_pausing()
        >>> with collector_paused():
        ...     gc.isenabled()
        False
        >>> gc.isenabled()
        True
        >>> allow_pausing(False)
    """
    global _depth, _was_enabled
    if not _allowed:
        yield
        return
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                promote_survivors()
                gc.enable()


def promote_survivors() -> None:
    """Move every object the collector tracks into its oldest generation, without a scan.

    ``gc.freeze()`` followed by ``gc.unfreeze()`` moves the objects straight to the
    oldest generation, which full collections scan as always: only *when* cyclic
    garbage is found changes, never *whether*. Skipped when the program froze objects
    itself (a forking server), whose frozen set must stay as it is.

    Examples:
        >>> promote_survivors()
        >>> gc.get_freeze_count()
        0
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()
