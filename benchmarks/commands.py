"""Benchmark: engine commands per second with one transaction per command, PostgreSQL and SQLite; JSON.

Every writer is a :class:`~langzeit.engine.PathwayEngine` of one programme (the 6-phase
programme of ``benchmarks/engine.py``) on a shared store, with its own participants:
referral, agreement, assessment, consent, admission, coach assignment, five phase
changes and exit, 12 commands each, all dated the same day (so writers need not agree
on a clock). Each command is its own transaction (``execute`` appends its events in one
batch). Commands that read or change places, caseloads or the waiting list carry the
programme's version, so a writer whose engine is behind gets
:class:`~langzeit.exceptions.ConcurrencyConflict`; it has then caught up from the feed,
and retries the command (the retries are counted, not the failed attempts).

Figures: one writer, and ``--writers`` (default 8) concurrent writers as processes
(several web-server workers) and as threads of one process sharing one store object.
Afterwards the store is checked: every event of every writer stored once, every
participant exited, no refusal.

PostgreSQL runs on a throwaway server from the system's binaries (``tests/pg_server.py``)
twice: with PostgreSQL's defaults (``fsync`` and ``synchronous_commit`` on: a commit
waits for its WAL flush — **the honest default**), and with ``synchronous_commit=off``
for the writers' sessions (set in the connection string; a server crash may lose the
last few hundred milliseconds of commits, never consistency). SQLite runs with
``synchronous="FULL"`` (the store's default) and ``"NORMAL"``.

Run (the machine's load is printed; on a shared machine compare the runs of one call)::

    .venv/bin/python benchmarks/commands.py
    .venv/bin/python benchmarks/commands.py --participants 200 --writers 8 --skip sqlite
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from _common import load_average, parser

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # pg_server.py


def _engine_benchmark() -> Any:
    """``benchmarks/engine.py`` (its programme and coaches), loaded by path."""
    spec = importlib.util.spec_from_file_location("bench_engine", Path(__file__).with_name("engine.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_bench = _engine_benchmark()
coaches, pathway, programme = _bench.coaches, _bench.pathway, _bench.programme


from langzeit.engine import Command, PathwayEngine  # noqa: E402
from langzeit.exceptions import ConcurrencyConflict  # noqa: E402

DAY = date(2024, 3, 1)


def writer_commands(writer: int, n: int, n_coaches: int) -> list[Command]:
    """The commands of one writer: its ``n`` participants one after the other, 12 each, all on ``DAY``."""
    return [c for i in range(n)
            for c in pathway(f"w{writer}-p{i:05d}", DAY, f"c{i % n_coaches}", days_per_phase=0)]


def open_store(kind: str, place: str, pool_size: int = 1) -> Any:
    if kind == "sqlite":
        from langzeit.store import SqliteEventStore

        path, sync = place.split("|")
        return SqliteEventStore(path, synchronous=sync)  # type: ignore[arg-type]
    from langzeit.store import PostgresEventStore

    dsn, schema = place.split("|")
    return PostgresEventStore(dsn, schema=schema, min_size=pool_size, max_size=pool_size)


def drive(engine: PathwayEngine, cmds: list[Command], start: Any) -> dict[str, float | int]:
    """Execute ``cmds``, each retried after a conflict; the counts and the wall-clock span."""
    start.wait()
    conflicts = events = 0
    t0, c0 = time.perf_counter(), time.thread_time()
    for cmd in cmds:
        while True:
            try:
                events += len(engine.execute(cmd))
                break
            except ConcurrencyConflict:
                conflicts += 1  # the engine caught up from the feed; the command is checked again
    return {"t0": t0, "t1": time.perf_counter(), "cpu_s": time.thread_time() - c0,
            "commands": len(cmds), "events": events, "conflicts": conflicts}


def _process_writer(kind: str, place: str, writer: int, n: int, n_total: int, start: Any, out: Any) -> None:
    store = open_store(kind, place)
    try:
        engine = PathwayEngine(programme(places=n_total), store=store, coaches=coaches(n_total // 50 + 1))
        out.put(drive(engine, writer_commands(writer, n, n_total // 50 + 1), start))
    finally:
        store.close()


def run(kind: str, place: str, writers: int, n: int, *, threads: bool = False) -> dict[str, Any]:
    """``writers`` writers of ``n`` participants each; the total rate and the store checked."""
    n_total = writers * n
    results: list[dict[str, float | int]] = []
    if threads or writers == 1:
        store = open_store(kind, place, pool_size=writers)
        try:
            start = threading.Barrier(writers)
            engines = [PathwayEngine(programme(places=n_total), store=store,
                                     coaches=coaches(n_total // 50 + 1)) for _ in range(writers)]
            lock = threading.Lock()

            def body(w: int) -> None:
                r = drive(engines[w], writer_commands(w, n, n_total // 50 + 1), start)
                with lock:
                    results.append(r)

            pool = [threading.Thread(target=body, args=(w,)) for w in range(writers)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
        finally:
            store.close()
    else:
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(writers)
        out = ctx.Queue()
        procs = [ctx.Process(target=_process_writer, args=(kind, place, w, n, n_total, start, out))
                 for w in range(writers)]
        for p in procs:
            p.start()
        results = [out.get(timeout=600) for _ in procs]
        for p in procs:
            p.join()
    span = max(float(r["t1"]) for r in results) - min(float(r["t0"]) for r in results)
    commands = sum(int(r["commands"]) for r in results)
    events = sum(int(r["events"]) for r in results)
    check = open_store(kind, place)
    try:
        stored = check.events()
        exited = sum(1 for s in check.replay().values() if s.status.value == "exited")
    finally:
        check.close()
    return {"writers": writers, "how": "threads" if threads else ("one" if writers == 1 else "processes"),
            "commands": commands, "events": events, "seconds": round(span, 3),
            "commands_per_second": round(commands / span),
            "retried_after_conflict": sum(int(r["conflicts"]) for r in results),
            "client_cpu_s": round(sum(float(r["cpu_s"]) for r in results), 3),
            "checked": {"events_stored": len(stored), "all_stored_once": len(stored) == events,
                        "participants_exited": exited, "all_exited": exited == n_total}}


def series(kind: str, new_place: Any, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"one_writer": run(kind, new_place(), 1, args.participants * args.writers)}
    out[f"{args.writers}_processes"] = run(kind, new_place(), args.writers, args.participants)
    out[f"{args.writers}_threads"] = run(kind, new_place(), args.writers, args.participants, threads=True)
    return out


def main() -> None:
    options = parser(__doc__, participants=(100, "per writer (one writer: all of them)"), writers=8)
    options.add_argument("--skip", nargs="*", default=[], choices=["postgres", "sqlite"])
    args = options.parse_args()
    out: dict[str, Any] = {"benchmark": "commands", "python": platform.python_version(),
                           "cpus": os.cpu_count(), "goal_one_writer_postgres_commands_per_second": 2000,
                           "load_average_before": load_average()}
    counter = iter(range(1_000_000))
    if "postgres" not in args.skip:
        from pg_server import PostgresServer, unavailable

        why = unavailable()
        if why:
            out["postgres"] = f"skipped: {why}"
        else:
            server = PostgresServer(durable=True)  # PostgreSQL's defaults: fsync on every commit
            try:
                out["postgres_server"] = "throwaway, PostgreSQL defaults (fsync on, full_page_writes on)"
                out["postgres_default_synchronous_commit_on"] = series(
                    "postgres", lambda: f"{server.dsn}|bench_{next(counter)}", args)
                lazy = f"{server.dsn} options='-c synchronous_commit=off'"
                out["postgres_synchronous_commit_off"] = series(
                    "postgres", lambda: f"{lazy}|bench_{next(counter)}", args)
            finally:
                server.stop()
    if "sqlite" not in args.skip:
        with tempfile.TemporaryDirectory() as tmp:
            for sync in ("FULL", "NORMAL"):
                out[f"sqlite_{sync.lower()}"] = series(
                    "sqlite", lambda s=sync: f"{Path(tmp) / f'{next(counter)}.sqlite'}|{s}", args)
    out["load_average_after"] = load_average()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
