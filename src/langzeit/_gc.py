"""Cross-cutting: the cyclic garbage collector paused while many acyclic objects are built.

Bulk readers and the simulator create hundreds of thousands to millions of small
objects that hold no reference cycles (events, rows). Collections triggered by such
allocation bursts find nothing, and, once the collector is back on, the first
collections would scan every fresh survivor twice (youngest, then middle
generation) only to promote it. Imports nothing of langzeit.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["collector_paused", "promote_survivors"]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector; on exit promote the survivors and restore its state.

    Examples:
        >>> with collector_paused():
        ...     gc.isenabled()
        False
        >>> gc.isenabled()
        True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
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
