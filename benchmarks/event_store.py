"""Benchmark: SQLite event store append throughput (batches) and replay throughput into state.

Prints JSON. Goals (issue #2): append >= 100,000 events/s, replay >= 300,000 events/s
(events read from SQLite, decoded by the events codec and folded by ``langzeit.events.replay``).
The replay figure is split into its parts: fetching rows, decoding them into events, folding.
Timings on a shared machine are noisy: the ``*_per_cpu_s`` figures divide by this process's
CPU time and are the ones to compare between runs.

    .venv/bin/python benchmarks/event_store.py --events 200000 --batch 1000 --repeat 3

The replay figures are the median of ``--repeat`` replays (by CPU time); every run is listed.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from langzeit.events import (
    Admitted,
    Assessed,
    CoachAssigned,
    Event,
    Exited,
    PhaseEntered,
    PlanAgreed,
    Referred,
    ScaleScored,
    Waitlisted,
    event_from_record,
    replay,
)
from langzeit.store import SqliteEventStore
from langzeit.store._sqlite import _bulk, _decode_rows


def pathway_events(n: int) -> list[Event]:
    """About ``n`` events: participants' pathways of 10 events each, dates spread over 3 years."""
    out: list[Event] = []
    start = date(2022, 1, 1)
    p = 0
    while len(out) < n:
        pid, d = f"p{p:07d}", start + timedelta(days=p % 1000)
        out += [
            Referred(f"{pid}-1", pid, d, programme_id="geh-vor"),
            Assessed(f"{pid}-2", pid, d + timedelta(days=7), kind="potenzialanalyse", result="suitable"),
            Waitlisted(f"{pid}-3", pid, d + timedelta(days=8), priority=p % 3),
            Admitted(f"{pid}-4", pid, d + timedelta(days=30)),
            PhaseEntered(f"{pid}-5", pid, d + timedelta(days=30), phase_id="intake"),
            CoachAssigned(f"{pid}-6", pid, d + timedelta(days=30), coach_id=f"c{p % 40}"),
            PlanAgreed(f"{pid}-7", pid, d + timedelta(days=35), goal="Praktikum",
                       review=d + timedelta(days=180)),
            ScaleScored(f"{pid}-8", pid, d + timedelta(days=36), scale="who5", items=(3, 2, 4, None, p % 6)),
            PhaseEntered(f"{pid}-9", pid, d + timedelta(days=60), phase_id="coaching"),
            Exited(f"{pid}-10", pid, d + timedelta(days=365), reason="work" if p % 3 else "dropout",
                   outcome="svp" if p % 3 else "none"),
        ]
        p += 1
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--repeat", type=int, default=3, help="replays measured; the median is reported")
    args = parser.parse_args()
    events = pathway_events(args.events)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite"
        with SqliteEventStore(path, synchronous=args.synchronous) as store:
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(0, len(events), args.batch):
                store.extend(events[i:i + args.batch])
            append_s, append_cpu = time.perf_counter() - t0, time.process_time() - c0

        runs: list[tuple[float, float]] = []  # (wall, CPU) seconds of each replay, each on a new connection
        for _ in range(max(1, args.repeat)):
            with SqliteEventStore(path) as store:
                t0, c0 = time.perf_counter(), time.process_time()
                states = store.replay()
                runs.append((time.perf_counter() - t0, time.process_time() - c0))
            assert sum(s.version for s in states.values()) == len(events)
            del states
        replay_s, replay_cpu = sorted(runs, key=lambda r: r[1])[len(runs) // 2]  # the median by CPU time

        # the parts, each on all rows at once with the garbage collector paused; the store streams
        # chunks of 1,024 rows through decode and fold, so its total is less than their sum
        with _bulk():
            conn = sqlite3.connect(path)
            t0 = time.perf_counter()
            rows = conn.execute(
                "SELECT seq, event_id, participant_id, type, date, data FROM events ORDER BY date, seq"
            ).fetchall()
            fetch_s = time.perf_counter() - t0
            conn.close()
            with SqliteEventStore(path) as store:
                t0 = time.perf_counter()
                decoded = store._decode(rows)
                decode_s = time.perf_counter() - t0
                t0 = time.perf_counter()
                records = list(_decode_rows(rows))
                json_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            one_by_one = [event_from_record(r) for _, _, r in records if not isinstance(r, str)]
            codec_s = time.perf_counter() - t0
            assert one_by_one == decoded
            t0 = time.perf_counter()
            replay(decoded)
            fold_s = time.perf_counter() - t0
    n = len(events)
    print(json.dumps({
        "events": n,
        "batch": args.batch,
        "synchronous": args.synchronous,
        "append_seconds": round(append_s, 3),
        "append_events_per_s": round(n / append_s),
        "replay_seconds": round(replay_s, 3),
        "replay_events_per_s": round(n / replay_s),
        # per second of this process's CPU time: less distorted when other jobs share the cores
        "append_events_per_cpu_s": round(n / append_cpu),
        "replay_events_per_cpu_s": round(n / replay_cpu),
        "replay_runs_events_per_s_and_per_cpu_s": [[round(n / w), round(n / c)] for w, c in runs],
        "replay_parts_events_per_s": {
            "fetch_rows": round(n / fetch_s),
            "rows_to_records_json": round(len(records) / json_s),
            "decode_rows_to_events_codec": round(n / decode_s),  # the bulk decoder the store uses
            "records_to_events_one_by_one": round(n / codec_s),  # event_from_record per record, for scale
            "fold_replay": round(n / fold_s),
        },
        "goals_events_per_s": {"append": 100_000, "replay": 300_000},
        "load_average_1min": round(os.getloadavg()[0], 2),  # the machine may be shared: read figures with it
    }, indent=2))


if __name__ == "__main__":
    main()
