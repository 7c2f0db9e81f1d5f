"""SqliteEventStore: WAL file store with atomic, versioned, idempotent appends like EventLog."""

import itertools
import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import (
    Admitted,
    Declined,
    EventLog,
    EventStore,
    Exited,
    PhaseEntered,
    Referred,
    Status,
)
from langzeit.exceptions import ConcurrencyConflict, DataFormatError, UnknownNameError, ValidationError
from langzeit.store import SqliteEventStore, read_events
from strategies import event_logs

D = date(2024, 1, 8)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteEventStore]:
    """A fresh store in a temporary folder."""
    with SqliteEventStore(tmp_path / "events.sqlite") as s:
        yield s


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


def test_satisfies_the_event_store_protocol(store: SqliteEventStore) -> None:
    """The engine can use it wherever an EventStore is expected."""
    assert isinstance(store, EventStore)


def test_new_file_uses_wal_and_records_format_and_version(tmp_path: Path) -> None:
    """The meta table names the format and its version; the journal is WAL."""
    path = tmp_path / "events.sqlite"
    SqliteEventStore(path).close()
    with sqlite3.connect(path) as conn:
        assert dict(conn.execute("SELECT key, value FROM meta")) == {"format": "langzeit-events",
                                                                     "version": "1", "schema": "2"}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_type_specific_fields_are_one_json_column_null_when_empty(tmp_path: Path) -> None:
    """Compact schema: data holds the codec's extra fields, NULL for types without any."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as s:
        s.extend([Admitted("e1", "p1", D), Exited("e2", "p1", D, reason="work", outcome="svp")])
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT event_id, type, date, data FROM events ORDER BY seq").fetchall()
    assert rows == [("e1", "admitted", "2024-01-08", None),
                    ("e2", "exited", "2024-01-08", '{"reason":"work","outcome":"svp"}')]


def test_events_are_ordered_by_date_then_append_order(store: SqliteEventStore) -> None:
    """Same-day events keep append order; earlier dates come first."""
    store.extend([Referred("b", "p1", date(2024, 2, 1)), Referred("a", "p2", date(2024, 1, 1)),
                  Admitted("c", "p2", date(2024, 2, 1))])
    assert [e.event_id for e in store.events()] == ["a", "b", "c"]
    assert [e.event_id for e in store.events(participant_id="p2")] == ["a", "c"]
    assert [e.event_id for e in store.events(until=date(2024, 1, 31))] == ["a"]


def test_appending_the_same_event_again_is_a_no_op(store: SqliteEventStore) -> None:
    """Idempotent by event_id: the same content is skipped and counted as not new."""
    assert store.append(Referred("e1", "p1", D)) is True
    assert store.append(Referred("e1", "p1", D)) is False
    assert store.extend([Referred("e1", "p1", D), Admitted("e2", "p1", D)]) == 1
    assert len(store) == 2
    assert store.version("p1") == 2


def test_different_content_under_a_stored_id_refuses_the_whole_batch(store: SqliteEventStore) -> None:
    """A clash is a ValidationError and no event of the batch is written."""
    store.append(Referred("e1", "p1", D))
    with pytest.raises(ValidationError, match="'e1': id already in the log with different content"):
        store.extend([Admitted("e2", "p1", D), Referred("e1", "p1", date(2024, 1, 9))])
    assert len(store) == 1
    assert "e2" not in store


def test_clash_inside_one_batch_is_refused(store: SqliteEventStore) -> None:
    """Two different events under one id in a batch: nothing written."""
    with pytest.raises(ValidationError):
        store.extend([Referred("e1", "p1", D), Referred("e1", "p2", D)])
    assert len(store) == 0


def test_non_events_are_refused(store: SqliteEventStore) -> None:
    """Only Event values may be appended."""
    with pytest.raises(ValidationError, match="item 0: not an event"):
        store.extend(["e1"])  # type: ignore[list-item]


def test_stale_expected_version_raises_and_writes_nothing(store: SqliteEventStore) -> None:
    """Optimistic concurrency: any stale participant refuses the batch, also the others' events."""
    store.extend([Referred("e1", "p1", D)])
    with pytest.raises(ConcurrencyConflict) as info:
        store.extend([Admitted("e2", "p2", D), Admitted("e3", "p1", D)],
                     expected_versions={"p2": 0, "p1": 0})
    assert (info.value.participant_id, info.value.expected, info.value.actual) == ("p1", 0, 1)
    assert len(store) == 1
    assert store.version("p2") == 0
    assert store.extend([Admitted("e3", "p1", D)], expected_versions={"p1": 1}) == 1


def test_replay_and_state_use_the_events_fold(store: SqliteEventStore) -> None:
    """State at a date equals the in-memory log's replay of the same events."""
    events = [Referred("e1", "p1", D, programme_id="geh-vor"), Admitted("e2", "p1", date(2024, 2, 1)),
              PhaseEntered("e3", "p1", date(2024, 2, 1), phase_id="coaching"),
              Referred("e4", "p2", D), Declined("e5", "p2", date(2024, 1, 20))]
    store.extend(events)
    log = EventLog(events)
    for as_of in (None, date(2024, 1, 10), date(2024, 1, 31), date(2025, 1, 1)):
        assert store.replay(as_of=as_of) == log.replay(as_of=as_of)
    assert store.state("p1").status is Status.ACTIVE
    assert store.state("p1", as_of=date(2024, 1, 31)).status is Status.REFERRED
    with pytest.raises(UnknownNameError):
        store.state("p1", as_of=date(2023, 12, 31))


def test_to_log_keeps_append_order_and_participants(store: SqliteEventStore) -> None:
    """to_log() is the stored log in memory, equal to the log that was appended."""
    log = EventLog([Referred("b", "p2", date(2024, 3, 1)), Referred("a", "p1", D)])
    store.extend(log)
    assert store.to_log() == log
    assert store.participants == ("p2", "p1")


def test_reopening_keeps_events_and_versions(tmp_path: Path) -> None:
    """A closed store opens again with the same content."""
    path = tmp_path / "events.db"
    with SqliteEventStore(path) as s:
        s.extend([Referred("e1", "p1", D), Admitted("e2", "p1", D)])
    with SqliteEventStore(path, create=False) as s:
        assert s.version("p1") == 2
        assert [e.event_id for e in s.events()] == ["e1", "e2"]


def test_missing_file_is_not_created_when_asked(tmp_path: Path) -> None:
    """create=False refuses to invent an empty store."""
    with pytest.raises(FileNotFoundError):
        SqliteEventStore(tmp_path / "nope.sqlite", create=False)
    assert not (tmp_path / "nope.sqlite").exists()


def test_read_only_store_reads_and_refuses_appends(tmp_path: Path) -> None:
    """readonly=True reads events and versions; an append raises PermissionError and writes nothing."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as s:
        s.extend([Referred("e1", "p1", D)])
    with SqliteEventStore(path, readonly=True) as s:
        assert [e.event_id for e in s.events()] == ["e1"]
        assert s.version("p1") == 1
        with pytest.raises(PermissionError, match="read-only"):
            s.append(Admitted("e2", "p1", D))
    assert _count(path) == 1
    with pytest.raises(FileNotFoundError):
        SqliteEventStore(tmp_path / "missing.sqlite", readonly=True)


def test_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    """Opening a text file gives a DataFormatError naming the file."""
    path = tmp_path / "x.sqlite"
    path.write_text("hello, this is not SQLite" * 10)
    with pytest.raises(DataFormatError, match="not an event store"):
        SqliteEventStore(path)


def test_other_database_or_version_is_refused(tmp_path: Path) -> None:
    """A foreign SQLite file or a newer format version is not touched."""
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    with pytest.raises(DataFormatError, match="missing tables: events, meta, streams"):
        SqliteEventStore(foreign)
    with pytest.raises(DataFormatError, match="missing tables"):
        SqliteEventStore(foreign, readonly=True)
    newer = tmp_path / "newer.sqlite"
    SqliteEventStore(newer).close()
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'version'")
    with pytest.raises(DataFormatError, match="unsupported version '2'"):
        SqliteEventStore(newer)


def test_corrupt_rows_are_listed_by_sequence(tmp_path: Path) -> None:
    """Rows edited outside langzeit are reported with their append sequence, all at once."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as s:
        s.extend([Referred("e1", "p1", D), Admitted("e2", "p1", D), Admitted("e3", "p1", D),
                  Admitted("e4", "p1", D)])
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_no_update")  # the store refuses edits: spoil it on purpose
        conn.execute("UPDATE events SET date = '2024-02-30' WHERE event_id = 'e2'")
        conn.execute("UPDATE events SET data = '{oops' WHERE event_id = 'e3'")
        conn.execute("""UPDATE events SET data = '{"date": "2020-01-01"}' WHERE event_id = 'e1'""")
    with SqliteEventStore(path) as s, pytest.raises(DataFormatError) as info:
        s.events()
    assert [(p.line, p.reason) for p in info.value.rejected] == [
        (1, "data: holds base fields ['date']"),
        (2, "date: bad date '2024-02-30' (expected YYYY-MM-DD)"),
        (3, "data: malformed JSON: Expecting property name enclosed in double quotes: line 1 column 2 "
            "(char 1)"),
    ]
    result = read_events(path, strict=False)
    assert [e.event_id for e in result.log] == ["e4"]
    assert [p.line for p in result.rejected] == [1, 2, 3]


def test_synchronous_setting_is_checked(tmp_path: Path) -> None:
    """Only FULL and NORMAL are durable settings in WAL mode."""
    with pytest.raises(ValueError, match="synchronous"):
        SqliteEventStore(tmp_path / "s.sqlite", synchronous="OFF")  # type: ignore[arg-type]


def test_two_connections_one_wins_the_other_conflicts(tmp_path: Path) -> None:
    """Two writers that both read version 0: the second append is refused, nothing of it written."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as a, SqliteEventStore(path) as b:
        seen_a, seen_b = a.version("p1"), b.version("p1")
        a.extend([Referred("a1", "p1", D)], expected_versions={"p1": seen_a})
        with pytest.raises(ConcurrencyConflict):
            b.extend([Referred("b1", "p1", D)], expected_versions={"p1": seen_b})
        assert [e.event_id for e in b.events()] == ["a1"]


@settings(max_examples=25)
@given(log=event_logs(max_size=30), cuts=st.lists(st.integers(0, 30), max_size=4))
def test_store_behaves_like_the_in_memory_log(log: EventLog, cuts: list[int]) -> None:
    """Appending in any batches gives the same order, versions and replay as EventLog."""
    events = list(log)
    bounds = sorted({0, len(events), *(min(c, len(events)) for c in cuts)})
    with TemporaryDirectory() as tmp, SqliteEventStore(Path(tmp) / "s.sqlite", synchronous="NORMAL") as s:
        for lo, hi in itertools.pairwise(bounds):
            s.extend(events[lo:hi])
        s.extend(events[: len(events) // 2])  # replaying a prefix is a no-op
        assert s.events() == log.events()
        assert {p: s.version(p) for p in log.participants} == {p: log.version(p) for p in log.participants}
        assert s.replay() == log.replay()
        assert s.to_log() == log


def test_json_payload_with_german_text_is_stored_readably(tmp_path: Path) -> None:
    """Umlauts are kept as text in the data column."""
    path = tmp_path / "s.sqlite"
    with SqliteEventStore(path) as s:
        s.append(Declined("e1", "p1", D, reason="keine Zeit für Übergänge"))
    with sqlite3.connect(path) as conn:
        data = conn.execute("SELECT data FROM events").fetchone()[0]
    assert json.loads(data) == {"reason": "keine Zeit für Übergänge"}
    assert "Ü" in data


def test_a_transaction_commits_its_batches_together(tmp_path: Path) -> None:
    """Batches appended inside transaction() are invisible to another connection until its end."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as store, SqliteEventStore(path, readonly=True) as reader:
        with store.transaction():
            store.extend([Referred("e1", "p1", D)])
            store.extend([Referred("e2", "p2", D)], expected_versions={"p2": 0})
            assert reader.events() == []
        assert [(s.position, s.event.event_id) for s in reader.events_since(0)] == [(1, "e1"), (2, "e2")]


def test_a_refused_batch_in_a_transaction_takes_back_only_itself(store: SqliteEventStore) -> None:
    """A stale batch between two good ones: it raises, the other two are committed."""
    with store.transaction():
        store.extend([Referred("e1", "p1", D)])
        with pytest.raises(ConcurrencyConflict):
            store.extend([Admitted("e2", "p1", D), Referred("e3", "p3", D)], expected_versions={"p1": 0})
        store.extend([Referred("e4", "p4", D)])
    assert [e.event_id for e in store.events()] == ["e1", "e4"]
    assert (store.version("p1"), store.version("p3")) == (1, 0)


def test_an_error_inside_a_transaction_writes_none_of_its_batches(store: SqliteEventStore) -> None:
    """An exception before the end of transaction(): its batches are rolled back, the error raised."""
    def fail_inside() -> None:
        with store.transaction():
            store.extend([Referred("e1", "p1", D)])
            raise OSError("commit failed")

    with pytest.raises(OSError, match="commit failed"):
        fail_inside()
    assert store.events() == []
    store.extend([Referred("e1", "p1", D)])  # the store works on
    assert store.version("p1") == 1


def test_a_read_only_store_has_no_transaction(tmp_path: Path) -> None:
    """transaction() on a read-only store raises PermissionError."""
    path = tmp_path / "events.sqlite"
    SqliteEventStore(path).close()
    with SqliteEventStore(path, readonly=True) as reader, pytest.raises(PermissionError):
        reader.transaction().__enter__()


def test_a_group_writer_begins_soon_after_another_writer_commits(tmp_path: Path) -> None:
    """Another connection holds the write lock 0.24 s: transaction() starts within 0.04 s of its release.

    (SQLite's own busy handler would try again only at 0.328 s, 88 ms after the release.)
    """
    import threading
    import time

    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as store:
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        released: list[float] = []

        def release() -> None:
            time.sleep(0.24)
            released.append(time.monotonic())
            other.execute("COMMIT")

        threading.Thread(target=release).start()
        with store.transaction():
            began = time.monotonic()
            store.extend([Referred("e1", "p1", D)])
        other.close()
        assert began - released[0] < 0.04
        assert store.version("p1") == 1


def test_a_group_writer_gives_up_after_the_timeout(tmp_path: Path) -> None:
    """The write lock held longer than the store's timeout: transaction() raises 'database is locked'."""
    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path, timeout=0.05) as store:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                store.transaction().__enter__()
        finally:
            other.execute("ROLLBACK")
            other.close()
        store.extend([Referred("e1", "p1", D)])  # the busy timeout is back: plain appends work
        assert store.version("p1") == 1
