"""Benchmark of the scenario simulator (issue #6); prints JSON.

(a) An M/M/c queue (default M/M/12, λ = 10 and μ = 1 per day, 10,000 days:
    about 100,000 participants) in langzeit, in Ciw 3.2 and in SimPy 4, with wall
    times and mean waits next to the Erlang C value. langzeit runs twice on the same
    seed: ``langzeit`` without events (the queue kernel: every participant's
    pathway and the metrics — what Ciw's records hold) and ``langzeit_with_events``
    (``method="auto"``, every event kept: the queue kernel writes the engine's log);
    beside them ``langzeit_engine_with_events`` (the event loop through the pathway
    engine, ``method="engine"``). ``kernel_equals_engine`` says whether the kernel gave
    the engine's metrics, ``log_equals_engine`` whether it wrote the engine's log (equal
    hashes of the event tuples). Goals: langzeit faster than both, at least 5 × faster
    than Ciw; with events at least 1.5 × (issue 20). Speed-ups compare CPU seconds
    (``time.process_time``), which a shared machine disturbs less than wall time;
    both are printed.
(b) 100,000 participants through a 6-phase programme with binding capacity (9,600
    places; a FIFO waiting list with reneging), coaches' caseloads, monthly competing
    hazards, extensions, aftercare and follow-ups, every event kept. Goal (issue 20):
    at most 4 s on one core; with the peak memory of the run (``peak_rss_mib``, measured
    in a fresh process, beside that process's RSS before the run).
(c) ``--scenario-replications`` (default 1,000) replications of each built-in scenario,
    metrics only (``keep_events=False``, ``method="auto"``: the queue kernel, the
    pathway kernel or the engine, as named in ``methods``), one core. Goal (issue 20):
    at most 60 s each. Beside it, the engine's CPU seconds per replication on
    ``--engine-replications`` of them (``method="engine"``), and whether those gave
    the same metrics as the fast path (``same_as_engine``).

Each figure is the median of ``--repeat`` runs (default 3) by CPU seconds, with every
run's CPU seconds and the load average before and after listed (a shared machine
inflates CPU seconds too).

Run: ``.venv/bin/python benchmarks/simulation.py`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from langzeit.simulation import (
    Scenario,
    builtin_scenarios,
    erlang_c,
    load_scenario,
    scenario_from_dict,
    simulate,
)


def mmc_scenario(lam: float, mu: float, c: int, days: float) -> Scenario:
    """An M/M/c queue as a scenario: one phase, exponential stays, c places, FIFO."""
    return scenario_from_dict({
        "id": "mmc-bench", "start": "2000-01-01", "horizon": {"days": int(days)},
        "programme": {
            "id": "mmc", "name": "M/M/c", "voluntary": False, "capacity": {"places": c},
            "phases": [{"id": "service"}, {"id": "exit", "terminal": True}],
            "transitions": [{"from": "service", "to": "exit"}],
        },
        "referrals": {"kind": "poisson", "rate": lam, "per": "day"},
        "durations": {"service": {"kind": "exponential", "mean": 1 / mu, "unit": "days"}},
        "waiting_list": {"discipline": "fifo"},
    })


def run_langzeit(lam: float, mu: float, c: int, days: float, seed: int, *, events: bool,
                 method: Literal["auto", "engine"] = "auto") -> dict[str, Any]:
    """Run langzeit on the queue, with or without events, by ``method``.

    ``auto`` takes the queue kernel (with events, it writes the engine's log); ``engine``
    runs the event loop through the pathway engine. The log's hash is taken after the clock.
    """
    scenario = mmc_scenario(lam, mu, c, days)
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario, seed=seed, replications=1, keep_events=events, method=method)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rep = result.replications[0]
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "method": rep.method,
            "participants": len(rep.pathways), "events": len(rep.events),
            "mean_wait": rep.metrics["mean_wait_days"], "metrics": dict(rep.metrics),
            "log_hash": hash(rep.events)}


def run_ciw(lam: float, mu: float, c: int, days: float, seed: int) -> dict[str, Any]:
    import ciw

    t0, c0 = time.perf_counter(), time.process_time()
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=mu)],
        number_of_servers=[c],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(days)
    records = sim.get_all_records()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    waits = [r.waiting_time for r in records]
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "participants": len(records),
            "mean_wait": float(np.mean(waits))}


def run_simpy(lam: float, mu: float, c: int, days: float, seed: int) -> dict[str, Any]:
    import simpy

    t0, c0 = time.perf_counter(), time.process_time()
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    waits: list[float] = []

    def customer(env: Any) -> Any:
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(mu))

    def source(env: Any) -> Any:
        while True:
            yield env.timeout(rng.expovariate(lam))
            env.process(customer(env))

    env.process(source(env))
    env.run(until=days)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "participants": len(waits),
            "mean_wait": float(np.mean(waits))}


def six_phase_scenario(n: int) -> Scenario:
    """``n`` referrals over 10 years through six phases with capacity, hazards, aftercare.

    The places bind: 8 coaches per 1,000 referrals at a caseload of 12 (800 coaches and
    9,600 places at n = 100,000) hold fewer cases than referrals would fill, so most
    participants wait (FIFO, giving up after 6 months) and every exit admits the next.
    """
    months = 120
    coaches = max(1, n * 8 // 1000)
    phases = ["intake", "assessment", "stabilisation", "qualification", "internship", "placement"]
    return scenario_from_dict({
        "id": "six-phase-bench", "start": "2020-01-01", "horizon": months,
        "programme": {
            "id": "six", "name": "Six phases", "voluntary": True, "capacity": {"places": coaches * 12},
            "max_duration": "24 months", "aftercare": "6 months",
            "extension": {"max_extensions": 2, "length": "6 months"},
            "phases": [{"id": p} for p in phases] + [{"id": "exit", "terminal": True}],
            "transitions": [{"from": a, "to": b} for a, b in itertools.pairwise(phases)]
            + [{"from": a, "to": "exit"} for a in phases],
        },
        "referrals": {"kind": "poisson", "rate": n / months},
        "agreement_probability": 0.95,
        "staffing": {"coaches": coaches, "caseload": 12},
        "waiting_list": {"discipline": "fifo", "max_wait": "6 months"},
        "durations": {
            "intake": {"kind": "exponential", "mean": 14, "unit": "days"},
            "assessment": 1,
            "stabilisation": {"kind": "gamma", "mean": 4, "cv": 0.5},
            "qualification": {"kind": "lognormal", "mean": 6, "cv": 0.4},
            "internship": 3,
            "placement": {"kind": "empirical", "values": [1, 2, 3, 6]},
        },
        "hazards": {
            "stabilisation": {"dropout": 0.03, "health": 0.01},
            "qualification": {"dropout": 0.02, "integration": [0.0, 0.01, 0.02]},
            "internship": {"integration": 0.05, "minijob": 0.02},
            "placement": {"integration": 0.15, "dropout": 0.01},
        },
        "completion": {"none": 0.7, "svp": 0.3},
        "extension": {"probability": 0.5},
        "aftercare": {"after": "integration", "duration": "6 months"},
        "follow_up": {"months": [6, 12], "retention": 0.7, "later_work": 0.05},
    })


def run_six_phase(n: int, seed: int) -> dict[str, Any]:
    scenario = six_phase_scenario(n)
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario, seed=seed, replications=1)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rep = result.replications[0]
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "participants": len(rep.pathways),
            "events": len(rep.events), "places": scenario.places,
            "admitted": rep.metrics["admitted"], "waited": rep.metrics["waited"],
            "reneged": rep.metrics["reneged"], "mean_wait_days": round(rep.metrics["mean_wait_days"], 1),
            "exits": rep.metrics["exits"]}


def run_scenario(name: str, replications: int, engine_replications: int, seed: int) -> dict[str, Any]:
    """``replications`` of a built-in scenario without events (auto), and a few through the engine."""
    scenario = load_scenario(name)
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario, seed=seed, replications=replications, keep_events=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {"replications": replications, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                           "methods": sorted({r.method for r in result.replications})}
    if engine_replications:
        k = min(engine_replications, replications)
        c0 = time.process_time()
        engine_result = _engine_replications(scenario, seed, replications, k)
        engine_cpu = time.process_time() - c0
        out["engine_cpu_s_per_replication"] = round(engine_cpu / k, 4)
        out["cpu_s_per_replication"] = round(cpu / replications, 4)
        out["engine_replications_compared"] = k
        out["same_as_engine"] = all(a.metrics == b.metrics for a, b in
                                    zip(engine_result, result.replications[:k], strict=True))
    out["uptime_load"] = [round(x, 2) for x in os.getloadavg()]
    return out


def _engine_replications(scenario: Scenario, seed: int, replications: int, k: int) -> list[Any]:
    """The first ``k`` of ``replications`` replications through the engine (the same streams)."""
    from langzeit.simulation._runner import _one

    streams = np.random.SeedSequence(seed).spawn(replications)[:k]
    return [_one(scenario, stream, i, False, None, "engine") for i, stream in enumerate(streams)]


def peak_memory(n: int, seed: int) -> dict[str, Any]:
    """Part (b) with events in a fresh process: its peak RSS, and its RSS before the run."""
    import subprocess

    code = ("import resource, sys, json; sys.path.insert(0, sys.argv[1]);"
            "from simulation import six_phase_scenario; from langzeit.simulation import simulate;"
            "s = six_phase_scenario(int(sys.argv[2]));"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "r = simulate(s, seed=int(sys.argv[3]), replications=1);"
            "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "print(json.dumps([before, peak, len(r.replications[0].events)]))")
    done = subprocess.run([sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__)), str(n),
                           str(seed)], capture_output=True, text=True, check=True)
    before, peak, events = json.loads(done.stdout)
    return {"rss_before_run_mib": round(before / 1024, 1), "peak_rss_mib": round(peak / 1024, 1),
            "events": events, "bytes_per_event": round((peak - before) * 1024 / max(events, 1))}


def median_run(run: Callable[[], dict[str, Any]], repeat: int) -> dict[str, Any]:
    """The run with the median CPU time of ``repeat`` runs, with every run's CPU and wall seconds."""
    results = [run() for _ in range(max(1, repeat))]
    results.sort(key=lambda r: r["cpu_s"])
    out = dict(results[(len(results) - 1) // 2])
    out["cpu_s"] = round(statistics.median(r["cpu_s"] for r in results), 3)
    out["wall_s"] = round(statistics.median(r["wall_s"] for r in results), 3)
    out["cpu_s_runs"] = [r["cpu_s"] for r in results]
    out["wall_s_runs"] = sorted(r["wall_s"] for r in results)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lam", type=float, default=10.0, help="arrivals per day")
    parser.add_argument("--mu", type=float, default=1.0, help="completions per place and day")
    parser.add_argument("--servers", type=int, default=12)
    parser.add_argument("--days", type=float, default=10_000.0)
    parser.add_argument("--participants", type=int, default=100_000, help="size of part (b)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["ciw", "simpy", "mmc", "six", "memory", "scenarios"])
    parser.add_argument("--scenarios", nargs="*", default=None, help="built-in scenarios of part (c) (all)")
    parser.add_argument("--scenario-replications", type=int, default=1000)
    parser.add_argument("--engine-replications", type=int, default=20,
                        help="replications of part (c) also run through the engine (0: none)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is reported)")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"python": sys.version.split()[0], "repeat": args.repeat,
                           "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    queue = (args.lam, args.mu, args.servers, args.days, args.seed)
    theory = erlang_c(args.lam, args.mu, args.servers)
    mmc: dict[str, Any] = {"lambda": args.lam, "mu": args.mu, "servers": args.servers, "days": args.days,
                           "erlang_c_mean_wait": theory.mean_wait}
    if "mmc" not in args.skip:
        mmc["langzeit"] = median_run(lambda: run_langzeit(*queue, events=False), args.repeat)
        mmc["langzeit"]["how"] = "queue kernel: pathways and metrics of every participant, no events"
        mmc["langzeit_with_events"] = median_run(lambda: run_langzeit(*queue, events=True), args.repeat)
        mmc["langzeit_with_events"]["how"] = "queue kernel writing the engine's log, events kept"
        mmc["langzeit_engine_with_events"] = median_run(
            lambda: run_langzeit(*queue, events=True, method="engine"), args.repeat)
        mmc["langzeit_engine_with_events"]["how"] = "event loop through the pathway engine, events kept"
        # all describe the same participants: same seed, same pathways, same metrics, the same log
        engine = mmc["langzeit_engine_with_events"]
        mmc["kernel_equals_engine"] = mmc["langzeit"].pop("metrics") == engine["metrics"]
        mmc["log_equals_engine"] = (mmc["langzeit_with_events"].pop("metrics") == engine.pop("metrics")
                                    and mmc["langzeit_with_events"].pop("log_hash") == engine.pop("log_hash"))
        mmc["langzeit"].pop("log_hash")
    if "ciw" not in args.skip:
        mmc["ciw"] = median_run(lambda: run_ciw(*queue), args.repeat)
    if "simpy" not in args.skip:
        mmc["simpy"] = median_run(lambda: run_simpy(*queue), args.repeat)
    if "langzeit" in mmc:
        for other in ("ciw", "simpy"):
            if other in mmc:
                mmc[f"speedup_vs_{other}"] = round(mmc[other]["cpu_s"] / mmc["langzeit"]["cpu_s"], 2)
                mmc[f"speedup_with_events_vs_{other}"] = round(
                    mmc[other]["cpu_s"] / mmc["langzeit_with_events"]["cpu_s"], 2)
                mmc[f"speedup_engine_with_events_vs_{other}"] = round(
                    mmc[other]["cpu_s"] / mmc["langzeit_engine_with_events"]["cpu_s"], 2)
    out["mmc"] = mmc
    if "six" not in args.skip:
        out["six_phase"] = median_run(lambda: run_six_phase(args.participants, args.seed), args.repeat)
    if "memory" not in args.skip:
        out["six_phase_memory"] = peak_memory(args.participants, args.seed)
    if "scenarios" not in args.skip:
        names = args.scenarios or [s.id for s in builtin_scenarios()]
        out["scenarios"] = {name: run_scenario(name, args.scenario_replications, args.engine_replications,
                                               args.seed) for name in names}
    goals: dict[str, bool] = {}
    if {"langzeit", "ciw", "simpy"} <= set(mmc):
        others = min(mmc["ciw"]["cpu_s"], mmc["simpy"]["cpu_s"])
        for run in ("langzeit", "langzeit_with_events"):
            cpu = mmc[run]["cpu_s"]
            goals[f"a_{run}_faster_than_ciw_and_simpy"] = cpu < others
        goals["a_langzeit_at_least_5x_ciw"] = 5 * mmc["langzeit"]["cpu_s"] <= mmc["ciw"]["cpu_s"]
        goals["a_langzeit_with_events_at_least_1.5x_ciw"] = (
            1.5 * mmc["langzeit_with_events"]["cpu_s"] <= mmc["ciw"]["cpu_s"])
    if "six_phase" in out:
        goals["b_at_most_4_s"] = out["six_phase"]["cpu_s"] <= 4.0
    if "scenarios" in out:
        for name, figures in out["scenarios"].items():
            goals[f"c_{name}_at_most_60_s"] = figures["cpu_s"] <= 60.0 * figures["replications"] / 1000
    out["goals_met"] = goals
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
