"""Acceptance: committed batches survive a killed writer; concurrent writers conflict cleanly."""

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from langzeit.events import Referred
from langzeit.exceptions import ConcurrencyConflict
from langzeit.store import SqliteEventStore, read_events

BATCH = 200

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date, timedelta
    from langzeit.events import Referred
    from langzeit.store import SqliteEventStore

    store = SqliteEventStore(sys.argv[1], synchronous=sys.argv[2])
    batch = int(sys.argv[3])
    day = date(2024, 1, 1)
    n = 0
    while True:
        events = [Referred(f"b{n}-{i}", f"p{i % 50}", day + timedelta(days=i % 300),
                           programme_id=f"batch {n}") for i in range(batch)]
        store.extend(events)
        print(n, flush=True)  # printed only after the commit returned
        n += 1
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_killed_writer_loses_no_committed_batch(tmp_path: Path, synchronous: str) -> None:
    """SIGKILL mid-write: every batch the child reported is stored whole; no batch is partial."""
    path = tmp_path / "events.sqlite"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), synchronous, str(BATCH)],
        stdout=subprocess.PIPE, text=True,
    )
    assert child.stdout is not None
    reported = [int(child.stdout.readline()) for _ in range(8)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    tail = child.stdout.read().split()
    child.stdout.close()
    committed = reported + [int(n) for n in tail]
    assert child.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    log = read_events(path)  # opens cleanly, every row decodes
    per_batch: dict[str, int] = {}
    for event in log:
        key = event.event_id.split("-")[0]
        per_batch[key] = per_batch.get(key, 0) + 1
    assert all(per_batch.get(f"b{n}") == BATCH for n in committed)
    assert set(per_batch.values()) == {BATCH}  # a batch is all or nothing
    with SqliteEventStore(path) as store:
        assert sum(store.version(f"p{i}") for i in range(50)) == len(log)
        assert store.extend([Referred("after", "p0", date(2025, 1, 1))]) == 1


def _contend(path: str, name: str, barrier: object, results: object) -> None:
    with SqliteEventStore(path) as store:
        seen = store.version("p1")
        barrier.wait()  # type: ignore[attr-defined]
        try:
            store.extend([Referred(name, "p1", date(2024, 1, 8))], expected_versions={"p1": seen})
            results.put((name, "ok"))  # type: ignore[attr-defined]
        except ConcurrencyConflict as exc:
            results.put((name, f"conflict {exc.expected}->{exc.actual}"))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_two_processes_on_one_participant_one_wins() -> None:
    """Both read version 0 and append at once: exactly one commits, the other gets ConcurrencyConflict."""
    import tempfile

    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "events.sqlite")
        SqliteEventStore(path).close()
        barrier, results = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_contend, args=(path, name, barrier, results)) for name in ("w1", "w2")]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=60)
        outcomes = sorted(results.get(timeout=5)[1] for _ in procs)
        assert outcomes == ["conflict 0->1", "ok"]
        with SqliteEventStore(path) as store:
            assert store.version("p1") == 1
            assert len(store) == 1
