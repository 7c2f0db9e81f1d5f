"""The discrete-event loop: one replication frees its memory without the cyclic collector."""

import gc

import numpy as np
import pytest

from langzeit.simulation import load_scenario
from langzeit.simulation._model import run_replication


@pytest.mark.parametrize("name", ["mm-c-queue", "sanus-le"])
def test_a_replication_leaves_no_reference_cycles(name: str) -> None:
    """Nothing of a finished run waits for the collector (a cycle through the run cost ~1 s at 100k)."""
    scenario = load_scenario(name)
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        replication = run_replication(scenario, np.random.default_rng(1))
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
    assert len(replication.events) > 0
