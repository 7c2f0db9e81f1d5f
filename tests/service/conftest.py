"""The service tests' fixtures: a real ``langzeit serve`` per module (``service/_server.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from langzeit.spells import generate_spells, write_spells
from service._server import Server, running, write_config


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service on SQLite for the session (tests use their own participants), with spells and keys."""
    folder = tmp_path_factory.mktemp("service")
    write_spells(generate_spells(300, seed=7, start=date(2021, 1, 1), end=date(2024, 6, 30)),
                 folder / "spells.csv")
    tokens = write_config(folder, '[store]\nsqlite = "events.sqlite"',
                          extra='[kennzahlen]\nspells = "spells.csv"\n[protect]\nkeys = "keys.sqlite"')
    with running(folder, tokens) as srv:
        yield srv
