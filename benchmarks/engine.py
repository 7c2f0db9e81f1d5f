"""Benchmark: pathway-engine commands per second, in memory and on SQLite; prints JSON.

Figures: commands per wall-clock second and per CPU second (the machine may be
shared), the same with the garbage collector off, and the replay time of the log.
In-memory figures are the median of ``--repeat`` runs (by CPU time) with every
run's rates and the load average before and after.

A 6-phase programme (six working phases and an exit phase, one phase with limited
places, coaches at 1:60) and N participants, each going through referral,
agreement, assessment, consent, admission, coach assignment, five phase changes and
exit: 12 commands per participant, issued in date order as a case-management
application would. The goal of issue #3 is >= 50,000 commands/s in memory for
N = 10,000. The SQLite figure uses ``langzeit.store.SqliteEventStore`` (one
transaction per command, as an application does) on a smaller N.

Run::

    .venv/bin/python benchmarks/engine.py
    .venv/bin/python benchmarks/engine.py --participants 10000 --sqlite-participants 1000 --repeat 3
"""

from __future__ import annotations

import gc
import itertools
import json
import platform
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _common import load_average, parser

from langzeit.domain import Capacity, Coach, ExitReason, OutcomeKind, Phase, Programme, Transition
from langzeit.engine import (
    Admit,
    AgreeParticipation,
    Assess,
    AssignCoach,
    Command,
    EnterPhase,
    Exit,
    PathwayEngine,
    RecordConsent,
    Refer,
)
from langzeit.events import EventStore, replay

PHASES = [f"phase-{i}" for i in range(1, 7)]


def programme(places: int) -> Programme:
    phases = [Phase(p, planned_duration="1 month") for p in PHASES]
    phases[2] = Phase("phase-3", planned_duration="1 month", places=places, requires_assessment=True,
                      data_exchange_with=["klinik"])
    transitions = [Transition(a, b) for a, b in itertools.pairwise(PHASES)]
    transitions += [Transition(p, "exit") for p in PHASES]
    return Programme("bench", "Benchmark", phases=[*phases, Phase("exit", terminal=True)],
                     transitions=transitions, capacity=Capacity(places=places), voluntary=True,
                     max_duration="24 months")


def coaches(n: int) -> list[Coach]:
    return [Coach(f"c{i}", role="fallmanager", organisation_id="jc", caseload_limit=60) for i in range(n)]


def pathway(pid: str, day: date, coach_id: str, *, days_per_phase: int = 30) -> list[Command]:
    """One participant's 12 commands, referral on ``day`` to exit, a phase every ``days_per_phase`` days."""
    step = timedelta(days=days_per_phase)
    seq = [Refer(pid, day), AgreeParticipation(pid, day), Assess(pid, day), RecordConsent(pid, day, "klinik"),
           Admit(pid, day, waitlist=False), AssignCoach(pid, day, coach_id)]
    seq += [EnterPhase(pid, day + step * k, PHASES[k]) for k in range(1, 6)]
    seq.append(Exit(pid, day + step * 6, ExitReason.COMPLETED, OutcomeKind.NONE))
    return seq


def commands(n: int, start: date = date(2024, 1, 1)) -> list[Command]:
    """Every participant's commands, merged in date order (ties: participant order)."""
    dated: list[tuple[date, int, int, Command]] = []
    n_coaches = n // 50 + 1
    for i in range(n):
        seq = pathway(f"p{i:06d}", start + timedelta(days=i * 365 // max(n, 1)), f"c{i % n_coaches}")
        dated += [(c.date, i, j, c) for j, c in enumerate(seq)]
    dated.sort(key=lambda t: (t[0], t[1], t[2]))
    return [c for *_, c in dated]


def run(n: int, store: EventStore | None, *, collect: bool = True) -> dict[str, float | int]:
    cmds = commands(n)
    engine = PathwayEngine(programme(places=n), store=store, coaches=coaches(n // 50 + 1))
    execute = engine.execute
    if not collect:
        gc.disable()
    try:
        t0 = time.perf_counter()
        c0 = time.process_time()
        for c in cmds:
            execute(c)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - c0
    finally:
        gc.enable()
    events = engine.store.events()
    t1 = time.perf_counter()
    states = replay(events)
    replay_seconds = time.perf_counter() - t1
    assert states == engine.states()
    return {"participants": n, "commands": len(cmds), "events": len(events), "seconds": round(seconds, 4),
            "commands_per_second": round(len(cmds) / seconds), "cpu_seconds": round(cpu, 4),
            "commands_per_cpu_second": round(len(cmds) / cpu), "replay_seconds": round(replay_seconds, 4)}


def median(n: int, repeat: int, *, collect: bool = True) -> dict[str, object]:
    """The median of ``repeat`` in-memory runs by CPU time, with every run's rates listed."""
    results = sorted((run(n, None, collect=collect) for _ in range(max(1, repeat))),
                     key=lambda r: r["cpu_seconds"])
    out: dict[str, object] = dict(results[(len(results) - 1) // 2])
    out["commands_per_second_runs"] = [r["commands_per_second"] for r in results]
    out["commands_per_cpu_second_runs"] = [r["commands_per_cpu_second"] for r in results]
    return out


def main() -> None:
    args = parser(__doc__, participants=10_000, sqlite_participants=1_000, repeat=3).parse_args()
    out: dict[str, object] = {"benchmark": "engine", "python": platform.python_version(),
                              "goal_commands_per_second": 50_000}
    out["load_average_before"] = load_average()
    out["memory"] = median(args.participants, args.repeat)
    # Python's cyclic garbage collector scans the growing heap of events and states; an
    # application may gc.freeze() after loading, a simulator disables it per run.
    out["memory_gc_disabled"] = median(args.participants, args.repeat, collect=False)
    try:
        from langzeit.store import SqliteEventStore
    except ImportError:  # pragma: no cover - the store is part of langzeit
        out["sqlite"] = "langzeit.store.SqliteEventStore not available"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for sync in ("NORMAL", "FULL"):
                path = Path(tmp) / f"{sync}.sqlite"
                store = SqliteEventStore(path, synchronous=sync)  # type: ignore[arg-type]
                try:
                    out[f"sqlite_{sync.lower()}"] = run(args.sqlite_participants, store)
                finally:
                    store.close()
    out["load_average_after"] = load_average()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
