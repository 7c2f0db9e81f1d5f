"""The access log's group commit: appends arriving together share one transaction, each still waits for it."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from langzeit.service._access_log import AccessRecord, GroupCommit, SqliteAccessLog


def _record(who: str) -> AccessRecord:
    return AccessRecord("2026-12-02T10:00:00Z", who, "caseworker", "GET /x", "pan", f"p-{who}", "Beratung")


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def _queue_behind_first(group: GroupCommit, first: threading.Thread, others: list[threading.Thread],
                        release: threading.Event) -> None:
    """Start ``first`` and wait for its write; start ``others`` and wait until all queued; let go; join."""
    first.start()
    _wait_for(lambda: group._writing, "the first write")
    for t in others:
        t.start()
    _wait_for(lambda: len(group._queue) == len(others), f"{len(others)} queued callers")
    release.set()
    for t in [first, *others]:
        t.join(10)


def test_appends_arriving_during_a_write_share_the_next_transaction() -> None:
    """While one write runs, five callers queue; they are written together in one second transaction."""
    writes: list[list[str]] = []
    release = threading.Event()

    def write(records: list[AccessRecord]) -> None:
        writes.append([r.who for r in records])
        if len(writes) == 1:
            release.wait(10)

    group = GroupCommit(write)
    first = threading.Thread(target=group.append, args=([_record("a")],))
    others = [threading.Thread(target=group.append, args=([_record(f"b{i}")],)) for i in range(5)]
    _queue_behind_first(group, first, others, release)
    assert writes[0] == ["a"]
    assert sorted(writes[1]) == ["b0", "b1", "b2", "b3", "b4"]
    assert len(writes) == 2


def test_a_caller_returns_only_after_its_transaction() -> None:
    """A caller queued behind a running write is not answered before its own records are written."""
    written: list[str] = []
    release = threading.Event()
    returned: list[str] = []

    def write(records: list[AccessRecord]) -> None:
        if not written:
            release.wait(10)
        written.extend(r.who for r in records)

    group = GroupCommit(write)

    def call(who: str) -> None:
        group.append([_record(who)])
        returned.append(who)
        assert who in written  # its records were written before append returned

    threads = [threading.Thread(target=call, args=(w,)) for w in ("a", "b")]
    threads[0].start()
    _wait_for(lambda: group._writing, "the first write")
    threads[1].start()
    _wait_for(lambda: len(group._queue) == 1, "the second caller queued")
    assert returned == []
    release.set()
    for t in threads:
        t.join(10)
    assert sorted(returned) == ["a", "b"]
    assert written == ["a", "b"]


def test_every_caller_of_a_failed_transaction_gets_its_error() -> None:
    """When a group's transaction fails, each of its callers raises; the next group is written."""
    release = threading.Event()
    calls: list[int] = []

    def write(records: list[AccessRecord]) -> None:
        calls.append(len(records))
        if len(calls) == 1:
            release.wait(10)
        elif len(calls) == 2:
            raise OSError("disk full")

    group = GroupCommit(write)
    errors: list[str] = []

    def call(who: str) -> None:
        try:
            group.append([_record(who)])
        except OSError as exc:
            errors.append(f"{who}: {exc}")

    failing = [threading.Thread(target=call, args=(w,)) for w in ("b", "c")]
    _queue_behind_first(group, threading.Thread(target=call, args=("a",)), failing, release)
    assert sorted(errors) == ["b: disk full", "c: disk full"]
    assert group.append([_record("d")]) == 1
    assert calls == [1, 2, 1]


def test_concurrent_appends_are_each_in_the_sqlite_log_once(tmp_path: Path) -> None:
    """Twenty threads appending two records each: forty rows, each participant's twice, numbered 1 to 40."""
    log = SqliteAccessLog(tmp_path / "access.sqlite")
    try:
        threads = [threading.Thread(target=log.append, args=([_record(f"w{i}"), _record(f"w{i}")],))
                   for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        records = log.records()
        assert [r.seq for r in records] == list(range(1, 41))
        assert sorted({r.who for r in records}) == sorted(f"w{i}" for i in range(20))
        assert all([r.who for r in records].count(f"w{i}") == 2 for i in range(20))
    finally:
        log.close()


def test_an_empty_append_writes_nothing() -> None:
    """No records: no transaction at all, and 0 written."""
    group = GroupCommit(lambda records: pytest.fail("no write expected"))
    assert group.append([]) == 0
