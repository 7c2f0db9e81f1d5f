"""Group commit (the access log's, the commands'): work arriving together shares one transaction."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from langzeit.service._access_log import AccessRecord, SqliteAccessLog
from langzeit.service._group import GroupCommit


def _record(who: str) -> AccessRecord:
    return AccessRecord("2026-12-02T10:00:00Z", who, "caseworker", "GET /x", "pan", f"p-{who}", "Beratung")


def _wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + 10
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.001)


def _queue_behind_first(group: GroupCommit[str, None], first: threading.Thread,
                        others: list[threading.Thread], release: threading.Event) -> None:
    """Start ``first`` and wait for its write; start ``others`` and wait until all queued; let go; join."""
    first.start()
    _wait_for(lambda: group._running, "the first write")
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

    def write(items: list[str]) -> list[None]:
        writes.append(items)
        if len(writes) == 1:
            release.wait(10)
        return [None for _ in items]

    group: GroupCommit[str, None] = GroupCommit(write)
    first = threading.Thread(target=group.submit, args=("a",))
    others = [threading.Thread(target=group.submit, args=(f"b{i}",)) for i in range(5)]
    _queue_behind_first(group, first, others, release)
    assert writes[0] == ["a"]
    assert sorted(writes[1]) == ["b0", "b1", "b2", "b3", "b4"]
    assert len(writes) == 2


def test_a_caller_returns_only_after_its_transaction() -> None:
    """A caller queued behind a running write is not answered before its own records are written."""
    written: list[str] = []
    release = threading.Event()
    returned: list[str] = []

    def write(items: list[str]) -> list[None]:
        if not written:
            release.wait(10)
        written.extend(items)
        return [None for _ in items]

    group: GroupCommit[str, None] = GroupCommit(write)

    def call(who: str) -> None:
        group.submit(who)
        returned.append(who)
        assert who in written  # its records were written before append returned

    threads = [threading.Thread(target=call, args=(w,)) for w in ("a", "b")]
    threads[0].start()
    _wait_for(lambda: group._running, "the first write")
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

    def write(items: list[str]) -> list[None]:
        calls.append(len(items))
        if len(calls) == 1:
            release.wait(10)
        elif len(calls) == 2:
            raise OSError("disk full")
        return [None for _ in items]

    group: GroupCommit[str, None] = GroupCommit(write)
    errors: list[str] = []

    def call(who: str) -> None:
        try:
            group.submit(who)
        except OSError as exc:
            errors.append(f"{who}: {exc}")

    failing = [threading.Thread(target=call, args=(w,)) for w in ("b", "c")]
    _queue_behind_first(group, threading.Thread(target=call, args=("a",)), failing, release)
    assert sorted(errors) == ["b: disk full", "c: disk full"]
    assert group.submit("d") is None
    assert calls == [1, 2, 1]


def test_an_item_that_fails_alone_raises_for_its_caller_only() -> None:
    """``run`` returning an exception for one item: that caller raises it, the others get their results."""
    group: GroupCommit[int, int] = GroupCommit(lambda items: [ValueError(i) if i < 0 else i for i in items])
    assert group.submit(3) == 3
    with pytest.raises(ValueError, match="-2"):
        group.submit(-2)


def test_many_threads_each_get_their_own_result_and_every_item_runs_once() -> None:
    """32 threads x 50 submits: each caller gets its item's result, each item is in one run, none hangs."""
    runs: list[list[tuple[int, int]]] = []

    def run(items: list[tuple[int, int]]) -> list[tuple[int, int] | BaseException]:
        runs.append(items)
        time.sleep(0.0002)  # a commit's flush: later callers queue up meanwhile
        return [ValueError(item) if item[1] % 7 == 3 else (item[0], item[1] * 2) for item in items]

    group: GroupCommit[tuple[int, int], tuple[int, int]] = GroupCommit(run)
    wrong: list[str] = []

    def caller(t: int) -> None:
        for k in range(50):
            try:
                got = group.submit((t, k))
            except ValueError as exc:
                if exc.args != ((t, k),):
                    wrong.append(f"{t}/{k}: raised {exc.args}")
                continue
            if k % 7 == 3 or got != (t, k * 2):
                wrong.append(f"{t}/{k}: got {got}")

    threads = [threading.Thread(target=caller, args=(t,)) for t in range(32)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not any(th.is_alive() for th in threads)
    assert wrong == []
    ran = sorted(item for items in runs for item in items)
    assert ran == sorted((t, k) for t in range(32) for k in range(50))
    assert len(runs) < 32 * 50  # callers arriving together shared runs
    assert not group._running
    assert group._queue == []


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


def test_an_empty_append_writes_nothing(tmp_path: Path) -> None:
    """No records: nothing written, 0 returned."""
    log = SqliteAccessLog(tmp_path / "access.sqlite")
    try:
        assert log.append([]) == 0
        assert log.records() == []
    finally:
        log.close()
