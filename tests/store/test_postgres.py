"""PostgreSQL store specifics: the one-call append, its rule against the in-memory log, schema migration.

The contract suite (``test_contract.py``) runs the common behaviour; these tests need a
server (``postgres_dsn``; skipped without binaries).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from langzeit.events import Admitted, Assessed, EventLog, Referred
from langzeit.exceptions import ConcurrencyConflict

D = date(2024, 1, 8)


@pytest.fixture
def store(postgres_dsn: str, postgres_schema: str) -> Iterator[Any]:
    """A new PostgreSQL store in a schema of its own, dropped afterwards."""
    from langzeit.store import PostgresEventStore

    opened = PostgresEventStore(postgres_dsn, schema=postgres_schema, max_size=2)
    try:
        yield opened
    finally:
        opened.drop()
        opened.close()


def _same(store: Any, model: EventLog, pids: tuple[str, ...], programmes: tuple[str, ...]) -> None:
    assert store.events_since(0) == model.events_since(0)
    for pid in pids:
        assert (store.version(pid), store.programme_of(pid)) == (model.version(pid), model.programme_of(pid))
    for prog in programmes:
        assert store.programme_version(prog) == model.programme_version(prog)


def test_one_call_append_follows_the_programme_rule(store: Any) -> None:
    """Versions, programmes and batch order of the server-side append equal the in-memory log's."""
    model = EventLog()
    batches = [
        # p1's assessment counts for 'pan' once p1 is referred there (hand-computed: pan 3, geh-vor 1)
        [Assessed("a1", "p1", D, kind="potenzialanalyse"), Referred("r1", "p1", D, programme_id="pan"),
         Referred("r2", "p2", D, programme_id="geh-vor"), Admitted("ad1", "p1", D)],
        [Referred("r3", "p1", D, programme_id="geh-vor")],  # the first referral decides: p1 stays in pan
        [Referred("r4", "p3", D)],  # a referral without a programme: the empty programme ''
    ]
    for batch in batches:
        assert store.extend(batch) == model.extend(batch)
    _same(store, model, ("p1", "p2", "p3"), ("pan", "geh-vor", ""))
    assert (store.programme_version("pan"), store.programme_version("geh-vor")) == (4, 1)
    assert [s.event.event_id for s in store.events_since(0)] == ["a1", "r1", "r2", "ad1", "r3", "r4"]


def test_one_call_append_refuses_stale_versions_and_writes_nothing(store: Any) -> None:
    """A stale participant or programme version raises ConcurrencyConflict with the actual version."""
    store.extend([Referred("r1", "p1", D, programme_id="pan")])
    with pytest.raises(ConcurrencyConflict) as participant:
        store.extend([Admitted("ad1", "p1", D)], expected_versions={"p1": 0})
    with pytest.raises(ConcurrencyConflict) as programme:
        store.extend([Admitted("ad1", "p1", D)], expected_versions={"p1": 1},
                     expected_programme_versions={"pan": 5})
    mine, prog = participant.value, programme.value
    assert (mine.kind, mine.expected, mine.actual) == ("participant", 0, 1)
    assert (prog.kind, prog.expected, prog.actual) == ("programme", 5, 1)
    assert len(store) == 1


def test_schema_1_is_migrated_when_opened_for_writing(postgres_dsn: str, postgres_schema: str) -> None:
    """A store of schema 1 reads read-only as it is and becomes schema 3 when opened for writing."""
    import psycopg

    from langzeit.store import POSTGRES_SCHEMA_VERSION, PostgresEventStore
    from langzeit.store._postgres import _MIGRATIONS

    qualified = f'"{postgres_schema}"'
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:  # what langzeit with schema 1 created
        conn.execute(f"CREATE SCHEMA {qualified}")
        for statement in _MIGRATIONS[0]:
            conn.execute(statement.replace("{s}", qualified))
    old = PostgresEventStore(postgres_dsn, schema=postgres_schema, readonly=True)
    try:
        assert (old.schema_version, len(old)) == (1, 0)
    finally:
        old.close()
    store = PostgresEventStore(postgres_dsn, schema=postgres_schema)
    try:
        assert store.schema_version == POSTGRES_SCHEMA_VERSION == 3
        assert store.extend([Referred("r1", "p1", D, programme_id="pan")]) == 1
        assert store.programme_version("pan") == 1
    finally:
        store.drop()
        store.close()
