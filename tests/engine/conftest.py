"""Fixtures for the engine tests."""

import pytest

from engine._support import new_engine
from langzeit.engine import PathwayEngine


@pytest.fixture
def engine() -> PathwayEngine:
    """A fresh engine on the small programme of ``_support``."""
    return new_engine()
