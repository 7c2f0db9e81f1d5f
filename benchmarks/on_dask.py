"""Benchmark: § 48a Kennzahlen of a partitioned Parquet dataset and replications on Dask.

Prints one JSON object with two parts (issue 18's goals):

- ``kennzahlen``: a synthetic, person-partitioned spell dataset of ``--persons`` persons
  (about 49 spells each, 2019–2025, 400 jobcenters) written once to ``--data``; the
  Kennzahlen of ``--months`` reference months counted partition by partition on a
  local Dask cluster of 1 and of 2 single-threaded worker processes with a memory
  limit of ``--memory-limit`` each: wall time, peak resident memory of each worker
  (MiB), the CPU seconds (user, system) each worker and the client spent, the
  dataset's size in memory (so one sees it exceeds one worker's limit), and the
  speed-up of 2 workers over 1 — by wall time (``speed_up``, which on a shared machine
  mostly measures the other processes' load) and by CPU time (``cpu_speed_up``: the
  CPU seconds of 1 worker over those of the busier of 2, what two free cores would
  give); the two results are checked to be equal.
- ``replications``: ``--replications`` replications of ``--scenario`` without events,
  serial in this process and on a 2-worker cluster: wall time, speed-up, and whether
  every replication's metrics are identical.

The machine may be shared: the 1-minute load average before each step is printed.

    python benchmarks/on_dask.py --persons 200000 --replications 100        # a few minutes
    python benchmarks/on_dask.py --persons 5500000 --partitions 64 --replications 1000
    python benchmarks/on_dask.py --skip-kennzahlen --replications 1000   # issue 18: goal speed-up >= 1.7

Replications: the cluster's start and the workers' first imports are not timed (they
are printed as ``cluster_start_s``); the load averages (1, 5, 15 minutes) before and
after each run are printed, for a shared machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import attrs
import distributed
import numpy as np
import pyarrow.parquet as pq
from dateutil.relativedelta import relativedelta

from langzeit.indicators import kennzahlen_partitioned
from langzeit.simulation import load_scenario, simulate
from langzeit.spells import generate_spells, open_spell_dataset, write_spells

FIRST = dt.date(2024, 1, 1)
JOBCENTERS = 400
SPELL_BYTES = 37  # per spell in a SpellTable: int32 ×4, uint8 ×2, bool, int16, float64, line int64


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def build(folder: Path, persons: int, partitions: int) -> dict[str, Any]:
    """Write the dataset chunk by chunk (each chunk one partition: its persons are its own)."""
    marker = folder / f"_complete-{persons}-{partitions}"
    t0 = time.perf_counter()
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        per = -(-persons // partitions)
        for k in range(partitions):
            n = min(per, persons - k * per)
            if n <= 0:
                break
            chunk = generate_spells(n, seed=k, start=dt.date(2019, 1, 1), end=dt.date(2025, 12, 31),
                                    n_jobcenters=JOBCENTERS, amounts_from=dt.date(2022, 12, 1))
            ids = np.char.add(f"c{k}-", chunk.person_ids.astype(str))
            write_spells(attrs.evolve(chunk, person_ids=ids), folder / f"part-{k:05d}.parquet")
            del chunk, ids
        marker.write_text("ok\n")
    files = sorted(folder.glob("part-*.parquet"))
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    return {"persons": persons, "partitions": len(files), "spells": rows,
            "parquet_mib": round(sum(f.stat().st_size for f in files) / 2**20),
            "in_memory_mib": round(rows * SPELL_BYTES / 2**20),
            "build_s": round(time.perf_counter() - t0, 1)}


def _worker_peak() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)  # KiB -> MiB on Linux


def _worker_cpu() -> tuple[float, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime, r.ru_stime)


def count_on(workers: int, folder: Path, months: list[dt.date],
             memory_limit: str) -> tuple[dict[str, Any], Any]:
    with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, memory_limit=memory_limit) as cluster, \
            distributed.Client(cluster) as client:
        load = _load()
        before = client.run(_worker_cpu)
        c0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        result = kennzahlen_partitioned(open_spell_dataset(folder), months, executor=client.get_executor())
        wall = time.perf_counter() - t0
        c1 = resource.getrusage(resource.RUSAGE_SELF)
        after = client.run(_worker_cpu)
        peaks = sorted(client.run(_worker_peak).values())
    cpu = {w: [round(a - b, 1) for a, b in zip(after[w], before[w], strict=True)] for w in after}
    return {"workers": workers, "wall_s": round(wall, 1), "peak_rss_mib_per_worker": peaks,
            "worker_cpu_user_sys_s": sorted(cpu.values()),
            "client_cpu_user_sys_s": [round(c1.ru_utime - c0.ru_utime, 1),
                                      round(c1.ru_stime - c0.ru_stime, 1)],
            "memory_limit": memory_limit, "load_before": load, "load_after": _load()}, result


def _cpu_speed_up(one: dict[str, Any], two: dict[str, Any]) -> float:
    """The speed-up a machine with two free cores would show: the work of 1 worker over the busiest of 2.

    On a shared machine the wall-time speed-up mostly measures the other processes' load;
    the CPU seconds each worker spent do not depend on it.
    """
    alone = sum(sum(c) for c in one["worker_cpu_user_sys_s"])
    busiest = max(sum(c) for c in two["worker_cpu_user_sys_s"])
    return round(alone / busiest, 2) if busiest else 0.0


def _warm(name: str) -> bool:
    """Import the simulator and load the scenario on a worker (not part of the timed run)."""
    load_scenario(name)
    return True


def _uptime() -> str:
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def replications(name: str, n: int) -> dict[str, Any]:
    """``n`` replications serial, then on a 2-worker LocalCluster (started and warmed up untimed)."""
    scenario = load_scenario(name)
    load = _uptime()
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    serial = simulate(scenario, seed=1, replications=n, keep_events=False)
    t1 = time.perf_counter()
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        start_s = time.perf_counter() - t1
        client.run(_warm, name)
        load_two = _uptime()
        before = client.run(_worker_cpu)
        c2 = resource.getrusage(resource.RUSAGE_SELF)
        t2 = time.perf_counter()
        spread = simulate(scenario, seed=1, replications=n, keep_events=False, executor=client.get_executor())
        t3 = time.perf_counter()
        c3 = resource.getrusage(resource.RUSAGE_SELF)
        after = client.run(_worker_cpu)
    worker_cpu = sorted(round(sum(after[w]) - sum(before[w]), 1) for w in after)
    serial_cpu = c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime
    same = [r.metrics for r in serial.replications] == [r.metrics for r in spread.replications]
    return {"scenario": name, "replications": n, "serial_s": round(t1 - t0, 2),
            "two_workers_s": round(t3 - t2, 2), "speed_up": round((t1 - t0) / (t3 - t2), 2),
            "goal_speed_up": 1.7, "identical_metrics": same, "cluster_start_s": round(start_s, 1),
            "serial_cpu_s": round(serial_cpu, 1), "worker_cpu_s": worker_cpu,
            "client_cpu_s": round(c3.ru_utime + c3.ru_stime - c2.ru_utime - c2.ru_stime, 1),
            # the speed-up two free cores would give: the serial CPU time over the busier worker's
            "cpu_speed_up": round(serial_cpu / max(worker_cpu), 2) if worker_cpu and max(worker_cpu) else 0.0,
            "loadavg_before_serial": load, "loadavg_before_cluster": load_two, "loadavg_after": _uptime()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--memory-limit", default="2GiB")
    parser.add_argument("--data", type=Path, default=None, help="dataset folder (default /tmp/...)")
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--scenario", default="rpe-euregio")
    parser.add_argument("--skip-kennzahlen", action="store_true")
    parser.add_argument("--skip-replications", action="store_true")
    a = parser.parse_args()
    out: dict[str, Any] = {"cpus": os.cpu_count()}
    if not a.skip_kennzahlen:
        folder = a.data or Path(f"/tmp/langzeit-bench-dataset-{a.persons}-{a.partitions}")
        data = build(folder, a.persons, a.partitions)
        months = [FIRST + relativedelta(months=i) for i in range(a.months)]
        one, r1 = count_on(1, folder, months, a.memory_limit)
        two, r2 = count_on(2, folder, months, a.memory_limit)
        out["kennzahlen"] = {**data, "months": a.months, "one_worker": one, "two_workers": two,
                             "speed_up": round(one["wall_s"] / two["wall_s"], 2),
                             "cpu_speed_up": _cpu_speed_up(one, two),
                             "identical_results": r1.rows() == r2.rows()}
    if not a.skip_replications:
        out["replications"] = replications(a.scenario, a.replications)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
