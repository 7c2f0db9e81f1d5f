"""The service tests' fixtures: a real ``langzeit serve`` per module (``service/_server.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service._server import Server, running, write_config


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One service on a SQLite store for a test module."""
    folder = tmp_path_factory.mktemp("service")
    tokens = write_config(folder, '[store]\nsqlite = "events.sqlite"')
    with running(folder, tokens) as srv:
        yield srv
