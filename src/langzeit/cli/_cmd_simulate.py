"""CLI layer: ``langzeit simulate SCENARIO`` — run a scenario and print its report.

The text report has three parts: the programme indicator report
(``langzeit.report``) of the first replication's event log — the same report
``langzeit report`` prints for live data —, every simulation metric's mean over the
replications with its 95 % interval and unit (the metrics named like programme
indicators — ``take_up``, ``dropout_rate``, ``extension_rate`` — are those indicators,
in percent, so they agree with the report above), and the seed figures the scenario is
calibrated on. ``--format json`` gives the same with stable keys. ``--compare OTHER``
runs a second scenario with the same seed and replications and adds the paired
comparison (common random numbers: SCENARIO − OTHER per metric, with paired-t
intervals) and, when both scenarios have ``[costs]``, the relief against the
investment (``langzeit simulate leitbild-1-12 --compare leitbild-1-60``).
"""

from __future__ import annotations

import argparse
import math
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._cluster import Progress, add_cluster_options, cluster_executor
from langzeit.cli._errors import BadInput, OutputError
from langzeit.cli._files import atomic_output, check_output
from langzeit.cli._output import add_format_option, print_json, print_table
from langzeit.domain import format_duration
from langzeit.exceptions import LimitExceeded
from langzeit.report import ProgrammeReport, build_programme_report
from langzeit.simulation import (
    DAYS_PER_MONTH,
    DEFAULT_SEED,
    MAX_EVENTS,
    SimulationResult,
    compare,
    load_scenario,
    metric_unit,
    relief_balance,
    simulate,
)
from langzeit.store import format_of, write_events

__all__ = ["register", "run"]

#: The most replications and worker processes the command line accepts.
MAX_REPLICATIONS, MAX_PROCESSES = 100_000, 256


def register(sub: Any) -> None:
    """Register the ``simulate`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "simulate", help="run a scenario (TOML file or built-in name) and print the indicator report"
    )
    p.add_argument("scenario", help="a scenario TOML file or a built-in name (see `langzeit scenarios`)")
    p.add_argument("--seed", type=options.seed, default=DEFAULT_SEED,
                   help=f"seed of the random streams, 0 to 2**128 - 1 (default {DEFAULT_SEED}: reproducible)")
    p.add_argument("--replications", type=options.count(1, MAX_REPLICATIONS, "--replications"), default=10,
                   help=f"number of replications, 1 to {MAX_REPLICATIONS} (default 10; the summary shows "
                        "95 %% intervals)")
    p.add_argument("--processes", type=options.count(1, MAX_PROCESSES, "--processes"), default=1,
                   help="worker processes for the replications (default 1; results do not depend on it)")
    p.add_argument("--out", help="write the event log of the first replication (SQLite by default; "
                                 ".jsonl and .csv by suffix); an existing file needs --force")
    p.add_argument("--force", action="store_true",
                   help="replace an existing --out file (as a whole, and only after a successful run)")
    p.add_argument("--max-events", type=options.count(0, 10**12, "--max-events"), default=MAX_EVENTS,
                   help=f"refuse a run whose replication is estimated above this many events (default "
                        f"{MAX_EVENTS:,}; 0: no bound)")
    p.add_argument("--compare", metavar="OTHER",
                   help="also run OTHER (TOML file or built-in name) with the same seed and replications "
                        "and show SCENARIO - OTHER per metric, paired by replication (common random "
                        "numbers), and the relief against the investment when both have [costs]")
    add_cluster_options(p)
    add_format_option(p)
    p.set_defaults(run=run)


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value).is_integer() and abs(value) >= 1:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.1f}"


def _programme_report(result: SimulationResult) -> ProgrammeReport:
    """The programme indicator report of the first replication's log (simulated: no suppression)."""
    s = result.scenario
    planned = s.programme.planned_duration
    return build_programme_report(
        result.replications[0].events, data_end=s.end - timedelta(days=1),
        phases=[p.id for p in s.programme.phases],
        planned_months=None if planned is None
        else planned.years * 12 + planned.months + planned.days / DAYS_PER_MONTH,
        min_n=None,
    )


def _report(result: SimulationResult) -> dict[str, Any]:
    s = result.scenario
    summary = result.summary()
    return {
        "scenario": s.id,
        "name": s.name,
        "programme": s.programme.id,
        "seed": result.seed,
        "replications": len(result.replications),
        "start": s.start.isoformat(),
        "observed_from": s.observed_from.isoformat(),
        "end": s.end.isoformat(),
        "summary": [{**r, "unit": metric_unit(r["metric"])} for r in summary.to_records()],
        "calibration": [
            {"metric": c.metric, "target": c.target, "tolerance": c.tolerance, "source": c.source,
             "simulated": summary[c.metric], "within_tolerance": c.accepts(summary[c.metric])}
            for c in s.calibration
        ],
        "events": len(result.replications[0].events),
    }


def _comparison(result: SimulationResult, other: SimulationResult) -> dict[str, Any]:
    """The paired comparison (``result`` − ``other``) and, with costs, the relief balance."""
    c = compare(other, result, paired=True)
    rows = [{**r, "unit": metric_unit(r["metric"])} for r in c.rows()]
    balance = None
    if any(r["metric"] == "staff_cost" for r in rows):
        b = relief_balance(c)
        balance = {"rows": b.rows(), "extra_cost": b.extra_cost, "extra_relief": b.extra_relief,
                   "net": b.net, "relief_per_euro": b.relief_per_euro}
    return {"baseline": c.baseline, "alternative": c.alternative, "paired": True, "level": c.level,
            "rows": rows, "relief_vs_investment": balance}


def _out_format(out: str) -> str:
    """The event log format of ``--out`` (no suffix: SQLite, the embedded default)."""
    try:
        return format_of(out, default="sqlite")
    except ValueError:
        raise BadInput(f"--out {out}: unknown event log format; use .sqlite, .db, .jsonl or .csv") from None


def _write(result: SimulationResult, out: Path) -> int:
    """Write the first replication's log to ``out`` as a whole, atomically (see ``cli/_files``)."""
    try:
        with atomic_output(out) as tmp:
            return write_events(result.log(0), tmp, format=_out_format(str(out)))
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(f"--out {out}: cannot write the event log ({exc}); nothing was written") from exc


def run(args: argparse.Namespace) -> int:
    """Simulate, print the report and optionally write the first replication's log.

    Examples:
        >>> run(argparse.Namespace(scenario="pan-ploen", seed=2024, replications=2, processes=1,
        ...                        out=None, force=False, max_events=10**6,
        ...                        format="text"))  # doctest: +ELLIPSIS
        PaN (Kreis Plön): four cycles of 15
        scenario pan-ploen, programme pan, seed 2024, 2 replications, 2019-10-01 to 2023-11-01
        <BLANKLINE>
        # Programme report of replication 1 (a simulated log: no confidentiality suppression)
        <BLANKLINE>
        Programme report: 60 participants, ...
        # Across 2 replications: mean and 95 % interval
        ...
        referred ...60...
        0
    """
    out = None
    if args.out:  # checked before the run: a wasted run is no clear error
        _out_format(args.out)
        out = check_output(args.out, force=args.force)
    scenario = load_scenario(args.scenario)
    other_name = getattr(args, "compare", None)
    other_scenario = load_scenario(other_name) if other_name else None
    other = None
    name = args.scenario
    try:
        with cluster_executor(args) as executor:
            result = simulate(scenario, seed=args.seed, replications=args.replications,
                              processes=args.processes,
                              keep_events={0},  # the report and --out read the first
                              progress=Progress(f"simulating {scenario.id}", "replications"),
                              max_events=args.max_events or None, executor=executor)
            if other_scenario is not None:
                name = other_name
                other = simulate(other_scenario, seed=args.seed, replications=args.replications,
                                 processes=args.processes, keep_events=False,
                                 progress=Progress(f"simulating {other_scenario.id}", "replications"),
                                 max_events=args.max_events or None, executor=executor)
    except LimitExceeded as exc:
        raise LimitExceeded(f"{name}: {exc}") from None
    report = _report(result)
    if other is not None:
        report["comparison"] = _comparison(result, other)
    programme_report = _programme_report(result)
    if out is not None:
        report["out"] = args.out
        report["written"] = _write(result, out)
    if args.format == "json":
        print_json({**report, "programme_report": programme_report.to_dict()})
        return 0
    n = report["replications"]
    print(scenario.name)
    print(f"scenario {scenario.id}, programme {scenario.programme.id}, seed {result.seed}, "
          f"{n} replication{'s' if n != 1 else ''}, {report['observed_from']} to {report['end']}"
          + (f" (warm-up from {report['start']})" if report["start"] != report["observed_from"] else ""))
    print()
    print("# Programme report of replication 1 (a simulated log: no confidentiality suppression)")
    print()
    print(programme_report.to_text())
    print()
    print(f"# Across {n} replication{'s' if n != 1 else ''}: mean and 95 % interval")
    print()
    print_table(["metric", "unit", "mean", "95% low", "95% high"],
                [[r["metric"], r["unit"], _number(r["mean"]), _number(r["low"]), _number(r["high"])]
                 for r in report["summary"]])
    if report["calibration"]:
        print()
        print("# Seed figures the scenario is calibrated on")
        print()
        print_table(["seed figure", "target", "simulated", "ok"],
                    [[c["source"] or c["metric"], _number(c["target"]), _number(c["simulated"]),
                      "yes" if c["within_tolerance"] else "no"] for c in report["calibration"]])
    if other is not None:
        _print_comparison(report["comparison"], n)
    if args.out:
        print()
        print(f"wrote {report['written']} events of replication 1 to {args.out} "
              f"(horizon {format_duration(scenario.horizon)})")
    return 0


def _print_comparison(c: dict[str, Any], n: int) -> None:
    """The paired comparison's table and, with costs, the relief against the investment."""
    print()
    print(f"# {c['alternative']} - {c['baseline']}: paired over {n} replication{'s' if n != 1 else ''} "
          "(same seed: common random numbers), mean difference and 95 % interval")
    print()
    print_table(["metric", "unit", c["baseline"], c["alternative"], "difference", "95% low", "95% high"],
                [[r["metric"], r["unit"], _number(r["baseline"]), _number(r["alternative"]),
                  _number(r["difference"]), _number(r["low"]), _number(r["high"])] for r in c["rows"]])
    b = c["relief_vs_investment"]
    if b is None:
        return
    print()
    print("# Relief against investment over the observed window (staff cost and benefit relief as the "
          "scenarios assume them: see their descriptions)")
    print()
    print_table(["figure", "unit", "difference", "95% low", "95% high"],
                [[r["figure"], r["unit"], _number(r["difference"]), _number(r["low"]), _number(r["high"])]
                 for r in b["rows"]])
