"""Benchmark: what one engine command costs on PostgreSQL, independent of the CPU: JSON.

CPU-independent figures for ``benchmarks/commands.py``'s workload (12 commands per
participant, one transaction each), on a throwaway server with PostgreSQL's defaults:

* **round trips per command**: every time the client reads an answer of the server
  (psycopg's ``Connection.wait`` told "readable": a plain statement, a pipeline's sync;
  statements queued in a pipeline are sent without waiting);
* **writing transactions per command** and **WAL bytes per command** (transaction ids,
  ``pg_current_wal_lsn``): each commit of ``synchronous_commit=on`` waits for one WAL flush;
* both for plain appends (one writer, no contention: the engine's default) and for
  programme transactions (the engine's mode after a programme conflict: lock, feed,
  check, append, commit);
* the disk's flush latency, by PostgreSQL's ``pg_test_fsync`` (``fdatasync`` is Linux's
  default ``wal_sync_method``) when the binary is there: a bound on commits per second of
  one writer with ``synchronous_commit=on`` (``1 / fdatasync latency``), whatever the CPU.

Run (under ``flock /work/bench.lock`` on a shared machine)::

    .venv/bin/python benchmarks/round_trips.py [--participants 50]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # pg_server.py
sys.path.insert(0, str(Path(__file__).resolve().parent))  # commands.py

import psycopg
from _common import load_average, parser
from commands import coaches, programme, writer_commands

from langzeit.engine import PathwayEngine
from langzeit.store import PostgresEventStore

_waits = [0]
_wait = psycopg.Connection.wait


def _tracked(gen: Any) -> Any:
    """``gen``, counting one round trip when it had to read the server's answer.

    psycopg's generators yield what they wait for and are sent what the socket is ready
    for: a generator that was told "readable" read a reply from the server (a plain
    statement, a pipeline's sync); one that only ever wrote (a statement queued in a
    pipeline) or never waited (the pool's COMMIT of an idle connection) is no round trip.
    """
    sent: Any = None
    read = False
    try:
        while True:
            wanted = gen.send(sent)
            sent = yield wanted
            if not read and sent is not None and int(sent) & int(psycopg.waiting.Ready.R):
                _waits[0] += 1
                read = True
    except StopIteration as stop:
        return stop.value


def _counted(self: Any, gen: Any, *args: Any, **kwargs: Any) -> Any:
    return _wait(self, _tracked(gen), *args, **kwargs)


def _server_counters(dsn: str) -> tuple[int, int]:
    """The next transaction id (one per writing transaction; this call takes one) and the WAL position."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_xact_id()::text::bigint,"
                           " pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()
        assert row is not None
        return int(row[0]), int(row[1])


def measure(dsn: str, schema: str, n: int, *, held: bool) -> dict[str, Any]:
    """One writer's ``n`` participants: round trips, transactions and WAL bytes per command."""
    store = PostgresEventStore(dsn, schema=schema, min_size=1, max_size=1)
    try:
        engine = PathwayEngine(programme(places=n), store=store, coaches=coaches(n // 50 + 1))
        cmds = writer_commands(0, n, n // 50 + 1)
        for cmd in cmds[:24]:  # warm up: psycopg prepares its statements after a few calls
            engine.execute(cmd)
        cmds = cmds[24:]
        x0, wal0 = _server_counters(dsn)
        _waits[0] = 0
        psycopg.Connection.wait = _counted  # type: ignore[method-assign]
        try:
            for cmd in cmds:
                if held:
                    engine._contended = 1_000_000  # as after a programme conflict, for every command
                engine.execute(cmd)
        finally:
            psycopg.Connection.wait = _wait  # type: ignore[method-assign]
        waits = _waits[0]
        x1, wal1 = _server_counters(dsn)
    finally:
        store.drop()
        store.close()
    # the second counters' call took a transaction id of its own
    return {"commands": len(cmds), "round_trips_per_command": round(waits / len(cmds), 3),
            "writing_transactions_per_command": round((x1 - x0 - 1) / len(cmds), 3),
            "wal_bytes_per_command": round((wal1 - wal0) / len(cmds))}


def fsync_latency(binaries: Path | None) -> dict[str, Any] | str:
    """``pg_test_fsync``'s figures for one 8 kB write (µs per flush), or why there are none."""
    tool = None if binaries is None else binaries / "pg_test_fsync"
    if tool is None or not tool.exists():
        return "pg_test_fsync not found"
    with tempfile.TemporaryDirectory(dir=os.environ.get("LANGZEIT_FSYNC_DIR")) as tmp:
        out = subprocess.run([str(tool), "-s", "2", "-f", str(Path(tmp) / "probe")], capture_output=True,
                             text=True, timeout=300, check=False).stdout
    section = out.split("using one 8kB write", 1)[-1].split("Compare", 1)[0]
    found = {m[1]: {"ops_per_second": float(m[2]), "usecs_per_op": int(m[3])}
             for m in re.finditer(r"^\s+(\w+)\s+([\d.]+) ops/sec\s+(\d+) usecs/op", section, re.M)}
    return {"one_8kB_write": found, "note": "fdatasync is Linux's default wal_sync_method"}


def main() -> None:
    args = parser(__doc__, participants=50).parse_args()
    from pg_server import PostgresServer, find_binaries, unavailable

    out: dict[str, Any] = {"benchmark": "round_trips",
                           "load_average_before": load_average()}
    why = unavailable()
    if why:
        out["postgres"] = f"skipped: {why}"
    else:
        server = PostgresServer(durable=True)
        try:
            out["plain_appends"] = measure(server.dsn, "rt_plain", args.participants, held=False)
            out["programme_transactions"] = measure(server.dsn, "rt_held", args.participants, held=True)
        finally:
            server.stop()
    out["fsync"] = fsync_latency(find_binaries())
    out["load_average_after"] = load_average()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
