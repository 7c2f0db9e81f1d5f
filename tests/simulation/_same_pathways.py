"""One check shared by the simulator's fast paths' tests: a kernel's replication equals the event loop's."""

from typing import Any

import numpy as np
import pytest

#: The pathway columns every fast path must reproduce exactly.
COLUMNS = ("referred", "agreed", "waitlisted", "left_list", "admitted", "exited", "exit_reason",
           "outcome", "extensions", "extended_at")


def assert_same_replication(fast: Any, loop: Any) -> None:
    """Every pathway column, phase entry (time and entrant) and metric of ``fast`` equals ``loop``'s."""
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(fast.pathways, name), getattr(loop.pathways, name),
                                      err_msg=name)
    assert fast.pathways.phase_entries.keys() == loop.pathways.phase_entries.keys()
    for phase, times in loop.pathways.phase_entries.items():
        np.testing.assert_array_equal(fast.pathways.phase_entries[phase], times, err_msg=phase)
        np.testing.assert_array_equal(fast.pathways.phase_entrants[phase],
                                      loop.pathways.phase_entrants[phase], err_msg=phase)
    assert dict(fast.metrics) == pytest.approx(dict(loop.metrics), nan_ok=True, rel=0, abs=0)
