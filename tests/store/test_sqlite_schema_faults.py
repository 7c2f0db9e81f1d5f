"""SQLite store: schema 1 migrated to 2, append-only in the database, 0600, any thread, a full disk."""

import os
import sqlite3
import stat
import threading
from datetime import date
from pathlib import Path

import pytest

from langzeit.events import Admitted, Referred
from langzeit.store import SQLITE_SCHEMA_VERSION, SqliteEventStore

D = date(2024, 1, 8)
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, participant_id TEXT NOT NULL,
                     type TEXT NOT NULL, date TEXT NOT NULL, data TEXT);
CREATE INDEX events_by_participant ON events (participant_id);
CREATE TABLE streams (participant_id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES ('format', 'langzeit-events'), ('version', '1');
INSERT INTO events (event_id, participant_id, type, date, data) VALUES
  ('e1', 'p1', 'referred', '2024-01-08', '{"programme_id":"pan","referrer":"jobcenter"}'),
  ('e2', 'p2', 'referred', '2024-01-08', '{"programme_id":"geh-vor","referrer":"jobcenter"}'),
  ('e3', 'p1', 'admitted', '2024-02-01', NULL);
INSERT INTO streams VALUES ('p1', 2), ('p2', 1);
"""


def _schema_1(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA_1)


def test_schema_1_is_read_as_it_is_and_migrated_when_opened_for_writing(tmp_path: Path) -> None:
    """Read-only: the feed and programme versions computed; writable: migrated in place, same answers."""
    path = tmp_path / "old.sqlite"
    _schema_1(path)
    answers = []
    for readonly in (True, False):
        with SqliteEventStore(path, readonly=readonly) as store:
            assert store.schema_version == (1 if readonly else SQLITE_SCHEMA_VERSION)
            answers.append(([(s.position, s.version, s.event.event_id) for s in store.events_since(0)],
                            store.programme_version("pan"), store.programme_version("geh-vor"),
                            store.programme_of("p1"), store.programme_of("p9")))
    assert answers[0] == answers[1] == ([(1, 1, "e1"), (2, 1, "e2"), (3, 2, "e3")], 2, 1, "pan", None)
    with SqliteEventStore(path) as store:
        store.extend([Admitted("e4", "p2", D)], expected_versions={"p2": 1},
                     expected_programme_versions={"geh-vor": 1})
        assert store.programme_version("geh-vor") == 2
        assert store.events_since(3)[0].version == 2


def test_the_database_refuses_to_change_or_delete_events(tmp_path: Path) -> None:
    """Append-only is enforced by triggers, not only by the API."""
    path = tmp_path / "s.sqlite"
    with SqliteEventStore(path) as store:
        store.extend([Referred("e1", "p1", D)])
    with sqlite3.connect(path) as conn:
        for statement in ("UPDATE events SET date = '2020-01-01'", "DELETE FROM events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    with SqliteEventStore(path) as store:
        assert len(store) == 1


def test_a_new_file_is_private(tmp_path: Path) -> None:
    """Created 0600 like the JSONL and CSV writers' files, also the WAL."""
    path = tmp_path / "s.sqlite"
    with SqliteEventStore(path) as store:
        store.extend([Referred("e1", "p1", D)])
        for name in (path, Path(f"{path}-wal")):
            assert stat.S_IMODE(os.stat(name).st_mode) == 0o600


def test_a_full_disk_raises_the_original_error_and_keeps_what_was_committed(tmp_path: Path) -> None:
    """SQLite rolls back on its own; the store must not hide that behind a failed ROLLBACK."""
    path = tmp_path / "s.sqlite"
    with SqliteEventStore(path) as store:
        store.extend([Referred(f"a{i}", "p1", D) for i in range(10)])
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages + 1}")  # the disk is full
        with pytest.raises(sqlite3.OperationalError, match="full"):
            store.extend([Referred(f"b{i}", f"q{i}", D, referrer="x" * 500) for i in range(2000)])
        assert len(store) == 10
        assert store.version("q0") == 0
        store._conn.execute("PRAGMA max_page_count = 1073741823")
        assert store.extend([Referred("c1", "q0", D)]) == 1
    with SqliteEventStore(path, readonly=True) as store:
        assert len(store) == 11


def test_one_store_is_used_from_many_threads(tmp_path: Path) -> None:
    """Made in one thread, written from others (each has its own connection); nothing lost."""
    store = SqliteEventStore(tmp_path / "s.sqlite", synchronous="NORMAL")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(20):
                store.extend([Referred(f"t{n}-{i}", f"p{n}-{i}", D)], expected_versions={f"p{n}-{i}": 0})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(store) == 80
    assert [s.position for s in store.events_since(0)] == list(range(1, 81))
    store.close()
