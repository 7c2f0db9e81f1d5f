"""Benchmark: the full programme report on a large synthetic log, event conversion, and OM distances.

Prints one JSON object:

* ``report``: a vectorised generator builds plausible pathways of ``--participants``
  people (≈ 15 events each) directly as :class:`~langzeit.indicators.EventColumns`
  (what a columnar store read would hand over); then the whole programme report is
  computed (``build_programme_report``, confidentiality included) and rendered as JSON.
  Reports generation time, report time and peak memory (max RSS of the process).
* ``conversion``: the one Python pass that turns event objects into columns
  (``EventColumns.from_events``), timed on ``--convert-participants`` people and
  given as events per second, with the extrapolated time for the large log.
* ``cli``: the whole path of ``langzeit report FILE --format json`` (store reader,
  conversion, report, JSON) on a SQLite log of ``--cli-participants`` people
  (15 events each), written beforehand into a temporary folder.
* ``optimal_matching``: OM distances for ``--sequences`` random sequences of
  ``--months`` months (6 states, indel 1, constant substitution 2).

Run: ``.venv/bin/python benchmarks/programme_indicators.py`` (defaults: 1,000,000
participants, conversion on 50,000, OM on 1,000 × 36).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from typing import Any

import numpy as np

from langzeit import events as ev
from langzeit._calendar import day_number
from langzeit.events import Event
from langzeit.indicators import EventColumns, StateSequences, optimal_matching_distances
from langzeit.indicators._columns import OUTCOMES, REASONS, TYPE_CODES
from langzeit.report import build_programme_report

DATA_END = date(2024, 12, 31)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_columns(n: int, *, seed: int = 1) -> EventColumns:
    """Plausible pathways of ``n`` participants as columns, generated without a Python loop per person."""
    rng = np.random.default_rng(seed)
    end = day_number(DATA_END)
    base = day_number(date(2020, 1, 1))
    pid = np.arange(n, dtype=np.int64)
    referral = base + rng.integers(0, 1700, n)
    n_coaches = max(n // 12, 1)
    n_tandems = max(n // 40, 1)
    keys = ["intake", "coaching", "swe", "who5", "s1", "s2"]
    coach0 = len(keys)
    keys += [f"c{i}" for i in range(n_coaches)]
    tandem0 = len(keys)
    keys += [f"t{i}" for i in range(n_tandems)]
    k = {name: i for i, name in enumerate(keys[:6])}
    parts: list[dict[str, Any]] = []
    items_vals: list[np.ndarray] = []

    def add(type_name: str, who: np.ndarray, day: np.ndarray, **fields: Any) -> None:
        ok = day <= end
        part: dict[str, Any] = {"p": who[ok], "t": np.full(int(ok.sum()), TYPE_CODES[type_name]),
                                "d": day[ok]}
        for name, value in fields.items():
            if name.startswith("_"):
                continue
            part[name] = np.broadcast_to(value, who.shape)[ok]
        parts.append(part)
        if type_name == "scale_scored":
            items_vals.append(fields["_items"][ok])

    def scales(who: np.ndarray, day: np.ndarray) -> None:
        w5 = np.full((len(who), 10), -1, dtype=np.int8)
        w5[:, :5] = rng.integers(0, 6, (len(who), 5))
        add("scale_scored", who, day, key=k["who5"], value=5, _items=w5)
        swe = rng.integers(1, 5, (len(who), 10)).astype(np.int8)
        swe[rng.random((len(who), 10)) < 0.05] = -1
        add("scale_scored", who, day, key=k["swe"], value=10, _items=swe)

    add("referred", pid, referral)
    assessed = rng.random(n) < 0.9
    a = pid[assessed]
    add("assessed", a, referral[a] + 7)
    agree = assessed & (rng.random(n) < 0.8)
    add("declined", pid[assessed & ~agree], referral[assessed & ~agree] + 14)
    g = pid[agree]
    add("participation_agreed", g, referral[g] + 14)
    add("waitlisted", g, referral[g] + 14)
    wait = rng.exponential(45, n).astype(np.int64)
    admit = agree & (wait < 120)
    add("reneged", pid[agree & ~admit], referral[agree & ~admit] + 14 + 120)
    m = pid[admit]
    adm = referral[m] + 14 + wait[m]
    add("admitted", m, adm)
    add("phase_entered", m, adm, key=k["intake"])
    add("coach_assigned", m, adm, key=coach0 + m % n_coaches)
    tandem = rng.random(len(m)) < 0.3
    add("tandem_assigned", m[tandem], adm[tandem] + 30, key=tandem0 + m[tandem] % n_tandems)
    scales(m, adm)
    add("plan_agreed", m, adm + 14)
    add("plan_step_agreed", m, adm + 14, key=k["s1"])
    add("plan_step_agreed", m, adm + 14, key=k["s2"])
    ach = rng.random(len(m)) < 0.7
    add("plan_step_achieved", m[ach], adm[ach] + 60, key=k["s1"])
    add("actor_referred", m, adm + 40)
    coach = rng.random(len(m)) < 0.85
    add("phase_entered", m[coach], adm[coach] + 60, key=k["coaching"])
    scales(m, adm + 180)
    pause = rng.random(len(m)) < 0.15
    add("paused", m[pause], adm[pause] + 100)
    add("resumed", m[pause], adm[pause] + 130)
    stay = rng.gamma(3.0, 110.0, len(m)).astype(np.int64) + 30
    ext = stay > 330
    add("extended", m[ext], adm[ext] + 330, value=0)
    out_day = adm + stay
    reason = rng.choice([REASONS.index(r) for r in REASONS[:4]], len(m), p=[0.3, 0.35, 0.25, 0.1])
    outcome = np.where(reason == 1, rng.choice([OUTCOMES.index(o) for o in OUTCOMES[:5]], len(m)),
                       rng.choice([OUTCOMES.index(o) for o in OUTCOMES[7:]], len(m)))
    add("exited", m, out_day, code=reason, code2=outcome)
    w5 = np.full((len(m), 10), -1, dtype=np.int8)
    w5[:, :5] = rng.integers(0, 6, (len(m), 5))
    add("scale_scored", m, out_day, key=k["who5"], value=5, _items=w5)
    add("aftercare_started", m[reason == 1], out_day[reason == 1])
    fu6 = rng.random(len(m)) < 0.6
    add("follow_up", m[fu6], out_day[fu6] + 183, code=rng.choice([0, 3, 11], len(m))[fu6],
        code2=rng.integers(0, 2, len(m))[fu6], value=6)
    fu12 = rng.random(len(m)) < 0.5
    add("follow_up", m[fu12], out_day[fu12] + 366, code=rng.choice([0, 3, 11], len(m))[fu12],
        code2=rng.integers(0, 2, len(m))[fu12], value=12)

    def cat(name: str, fill: int, dtype: Any) -> np.ndarray:
        return np.concatenate([np.asarray(p[name], dtype=dtype) if name in p
                               else np.full(len(p["p"]), fill, dtype=dtype) for p in parts])

    t = cat("t", 0, np.int8)
    item_rows = np.flatnonzero(t == TYPE_CODES["scale_scored"])
    return EventColumns.from_arrays(
        [f"p{i}" for i in range(n)], cat("p", 0, np.int32), t, cat("d", 0, np.int32),
        key=cat("key", -1, np.int32), code=cat("code", -1, np.int16), code2=cat("code2", -1, np.int16),
        value=cat("value", 0, np.int32), keys=keys, item_rows=item_rows,
        items=np.concatenate(items_vals) if items_vals else None,
    )


def _events(n: int) -> list[Event]:
    """A plain event list of ``n`` participants, 15 events each, two thirds with type-specific fields."""
    out: list[Event] = []
    d = date(2024, 1, 8)
    for i in range(n):
        p = f"p{i}"
        out += [
            ev.Referred(f"{p}a", p, d), ev.Assessed(f"{p}b", p, d), ev.ParticipationAgreed(f"{p}c", p, d),
            ev.Waitlisted(f"{p}d", p, d), ev.Admitted(f"{p}e", p, d),
            ev.PhaseEntered(f"{p}f", p, d, phase_id="intake"),
            ev.CoachAssigned(f"{p}g", p, d, coach_id=f"c{i % 900}"),
            ev.ScaleScored(f"{p}h", p, d, scale="who5", items=[1, 2, 3, 4, 5]),
            ev.PlanStepAgreed(f"{p}i", p, d, step_id="s1"), ev.PlanStepAgreed(f"{p}j", p, d, step_id="s2"),
            ev.PlanStepAchieved(f"{p}k", p, d, step_id="s1"),
            ev.PhaseEntered(f"{p}l", p, d, phase_id="coaching"),
            ev.ScaleScored(f"{p}m", p, d, scale="who5", items=[3, 2, 3, 4, 5]),
            ev.Exited(f"{p}n", p, d, reason="work", outcome="svp"),
            ev.FollowUp(f"{p}o", p, d, months_after_exit=6, status="svp", receives_benefit=False),
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1_000_000)
    parser.add_argument("--convert-participants", type=int, default=50_000)
    parser.add_argument("--sequences", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--cli-participants", type=int, default=100_000)
    parser.add_argument("--skip-report", action="store_true")
    args = parser.parse_args(argv)
    out: dict[str, Any] = {"python": sys.version.split()[0], "numpy": np.__version__}

    if not args.skip_report:
        t0 = time.perf_counter()
        cols = synthetic_columns(args.participants)
        t1 = time.perf_counter()
        c1 = time.process_time()
        report = build_programme_report(cols, data_end=DATA_END, planned_months=12)
        t2 = time.perf_counter()
        c2 = time.process_time()
        text = json.dumps(report.to_dict(), default=str)
        t3 = time.perf_counter()
        out["report"] = {
            "participants": cols.n_participants, "events": len(cols),
            "generate_s": round(t1 - t0, 2), "report_s": round(t2 - t1, 2), "report_cpu_s": round(c2 - c1, 2),
            "to_json_s": round(t3 - t2, 2),
            "json_bytes": len(text), "peak_rss_mib": round(_peak_mib(), 1),
        }
        del cols, report, text

    events = _events(args.convert_participants)
    t0 = time.perf_counter()
    cols = EventColumns.from_events(events)
    t1 = time.perf_counter()
    rate = len(events) / (t1 - t0)
    out["conversion"] = {"events": len(events), "seconds": round(t1 - t0, 2), "events_per_s": round(rate),
                         "extrapolated_s_for_15m_events": round(15_000_000 / rate, 1)}
    del events, cols

    if args.cli_participants:
        import contextlib
        import io
        import tempfile
        from pathlib import Path

        from langzeit.cli import main as cli_main
        from langzeit.store import write_events

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "log.sqlite"
            n_events = write_events(_events(args.cli_participants), path)
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                code = cli_main(["report", str(path), "--format", "json"])
            t1 = time.perf_counter()
        out["cli"] = {"participants": args.cli_participants, "events": n_events, "exit_code": code,
                      "seconds": round(t1 - t0, 2), "events_per_s": round(n_events / (t1 - t0))}

    rng = np.random.default_rng(0)
    states = np.cumsum(rng.random((args.sequences, args.months)) < 0.15, axis=1) % 6
    seqs = StateSequences([str(i) for i in range(args.sequences)], list("abcdef"), states)
    t0, c0 = time.perf_counter(), time.process_time()
    d = optimal_matching_distances(seqs)
    t1, c1 = time.perf_counter(), time.process_time()
    out["optimal_matching"] = {"sequences": args.sequences, "months": args.months,
                               "pairs": args.sequences * (args.sequences - 1) // 2,
                               "seconds": round(t1 - t0, 2), "cpu_s": round(c1 - c0, 2),
                               "mean_distance": round(float(d.condensed().mean()), 3)}
    out["peak_rss_mib"] = round(_peak_mib(), 1)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
