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


def test_a_replication_restores_the_collector() -> None:
    """The collector is on again after a run, and nothing stays frozen."""
    assert gc.isenabled()
    run_replication(load_scenario("mm-c-queue"), np.random.default_rng(1))
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_a_replication_keeps_a_programs_own_frozen_objects() -> None:
    """A program that froze objects (a forking server) finds them still frozen."""
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        run_replication(load_scenario("mm-c-queue"), np.random.default_rng(1))
        assert 0 < gc.get_freeze_count() <= frozen  # frozen objects freed meanwhile leave the count
    finally:
        gc.unfreeze()


def test_a_replication_leaves_the_collector_off_when_it_was() -> None:
    """A caller that turned the collector off keeps it off."""
    gc.disable()
    try:
        run_replication(load_scenario("mm-c-queue"), np.random.default_rng(1))
        assert not gc.isenabled()
    finally:
        gc.enable()
