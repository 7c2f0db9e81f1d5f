"""Several uvicorn workers on one store (SQLite and PostgreSQL): places are never exceeded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from langzeit.store import PostgresEventStore, SqliteEventStore
from service._server import Server, running, write_config

pytestmark = pytest.mark.slow

DAY = "2024-02-01"
ADMISSIONS = 40  # Geh vor! has 32 places


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def two_workers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                ) -> Iterator[tuple[str, Server, Any]]:
    """A service with two worker processes on a SQLite file or a PostgreSQL schema."""
    tmp_path = tmp_path_factory.mktemp(f"workers-{request.param}")
    if request.param == "postgres":
        dsn = request.getfixturevalue("postgres_dsn")
        schema = f"w_{uuid.uuid4().hex[:12]}"
        tokens = write_config(tmp_path, f'[store]\npostgres = "{dsn}"\nschema = "{schema}"')
        opener = lambda: PostgresEventStore(dsn, schema=schema, readonly=True)  # noqa: E731
    else:
        tokens = write_config(tmp_path, '[store]\nsqlite = "events.sqlite"')
        opener = lambda: SqliteEventStore(tmp_path / "events.sqlite", readonly=True)  # noqa: E731
    with running(tmp_path, tokens, workers=2) as server:
        yield request.param, server, opener


def _pathway(server: Server, i: int) -> int:
    """Refer, agree and admit (no waiting list) one participant; the status of the admission."""
    with server.client("administrator") as http:
        base = {"participant_id": f"m-{i}", "date": DAY}
        for name in ("refer", "agree_participation"):
            response = http.post("/programmes/geh-vor/commands", json={"command": name, **base})
            assert response.status_code == 201
        response = http.post("/programmes/geh-vor/commands",
                             json={"command": "admit", "waitlist": False, **base})
        if response.status_code == 409:
            assert response.json()["type"].endswith("/problems/capacity-exceeded")
        return response.status_code


def test_concurrent_admissions_fill_exactly_the_places(two_workers: tuple[str, Server, Any]) -> None:
    """40 concurrent admissions on two workers: 32 admitted, 8 capacity-exceeded; the store agrees."""
    _, server, opener = two_workers
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda i: _pathway(server, i), range(ADMISSIONS)))
    assert sorted(statuses).count(201) == 32
    assert statuses.count(409) == ADMISSIONS - 32
    with opener() as store:
        admitted = [s.event.participant_id for s in store.events_since(0) if s.event.type == "admitted"]
        assert len(admitted) == len(set(admitted)) == 32
    with server.client("administrator") as http:
        occupancy = http.get("/programmes/geh-vor/occupancy").json()
    assert (occupancy["occupied"], occupancy["free"]) == (32, 0)


@pytest.mark.parametrize("two_workers", ["postgres"], indirect=True)
def test_the_postgres_access_log_is_append_only(two_workers: tuple[str, Server, Any],
                                                postgres_dsn: str) -> None:
    """On PostgreSQL the access log is a table whose UPDATE, DELETE and TRUNCATE are refused."""
    _, server, _ = two_workers
    with server.client("administrator", "Prüfung") as http:
        assert http.get("/access-log").status_code == 200
        schema = next(line.split('"')[1] for line in (server.folder / "serve.toml").read_text().splitlines()
                      if line.startswith("schema"))
    with psycopg.connect(postgres_dsn, autocommit=True) as db:
        rows = db.execute(f'SELECT who, purpose FROM "{schema}_access".access_log').fetchall()
        assert ("administrator", "Prüfung") in rows
        for statement in ("UPDATE {t} SET purpose = 'x'", "DELETE FROM {t}", "TRUNCATE {t}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                db.execute(statement.format(t=f'"{schema}_access".access_log'))


def test_a_state_read_is_answered_and_logged_on_either_store(two_workers: tuple[str, Server, Any]) -> None:
    """A state read (in the event loop on plain SQLite, in a thread on PostgreSQL) answers and is logged."""
    kind, server, _ = two_workers
    with server.client("administrator", "Beratung") as http:
        base = {"participant_id": f"r-{kind}", "date": DAY}
        assert http.post("/programmes/geh-vor/commands", json={"command": "refer", **base}).status_code == 201
        state = http.get(f"/programmes/geh-vor/participants/r-{kind}")
        assert state.status_code == 200, state.text
        assert state.json()["status"] == "referred"
        assert http.get("/programmes/geh-vor/participants/nobody").status_code == 404
        log = http.get("/access-log", params={"participant_id": f"r-{kind}"}).json()["records"]
    assert [(r["action"], r["purpose"]) for r in log] == [
        ("GET /programmes/{programme}/participants/{participant}", "Beratung")]
