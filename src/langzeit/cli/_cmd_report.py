"""CLI layer: ``langzeit report EVENTS`` — the programme report of an event log.

With ``--workers N`` or ``--scheduler ADDRESS`` (or ``--partitions P``) the log is read
here once, split into partitions of persons (:meth:`EventColumns.split
<langzeit.indicators.EventColumns.split>`), and the partitions are counted on the Dask
workers and merged exactly (:func:`~langzeit.report.build_programme_report_partitioned`):
the printed report is the one of the serial run.
"""

from __future__ import annotations

import argparse
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._cluster import MAX_WORKERS, Progress, add_cluster_options, cluster_executor
from langzeit.cli._errors import BadInput
from langzeit.cli._files import check_input
from langzeit.cli._output import add_format_option, print_json
from langzeit.cli._participants import read_participants
from langzeit.indicators import EventColumns
from langzeit.report import build_programme_report, build_programme_report_partitioned
from langzeit.store import iter_events

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``report`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "report", help="programme indicators of an event log (SQLite, JSON Lines or CSV)"
    )
    p.add_argument("events", help="the event log (.sqlite/.db, .jsonl or .csv)")
    p.add_argument("--data-end", type=options.date, default=None,
                   help="the data's end, YYYY-MM-DD, not before the first event (default: the latest event)")
    p.add_argument("--planned-months", type=options.months, default=None,
                   help="planned stay in months, more than 0 (reports stays longer than planned)")
    p.add_argument("--participants", default=None,
                   help="CSV with a participant_id column and attribute columns, for --by")
    p.add_argument("--by", default=None,
                   help="group by this participant attribute (a column of --participants, e.g. sex)")
    options.add_confidentiality_options(p)
    add_cluster_options(p)
    p.add_argument("--partitions", type=options.count(1, 64 * MAX_WORKERS, "--partitions"), default=None,
                   help="split the persons into P partitions, counted apart and merged exactly (default with "
                        "--workers N: 2 N; with --scheduler: 16); the report is the same for every P")
    add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read the log, compute the report, print it as text or JSON."""
    options.check_confidentiality(args.min_n, args.round_to)
    path = check_input(args.events, "event log")
    if args.by and not args.participants:
        raise BadInput("--by needs --participants FILE.csv")
    events = iter_events(path)  # an unknown format is bad input before anything is read
    attributes = read_participants(check_input(args.participants, "participants"), by=args.by) \
        if args.participants else None
    log = EventColumns.from_events(events)  # streamed from SQLite: no EventLog of a store in memory
    first = log.first_date
    if args.data_end is not None and first is not None and args.data_end < first:
        raise BadInput(f"--data-end {args.data_end}: before the first event of {path} ({first}); "
                       "give the date the data reach")
    common: dict[str, Any] = {
        "data_end": args.data_end, "participants": attributes, "by": args.by,
        "planned_months": args.planned_months, "min_n": args.min_n or None, "round_to": args.round_to}
    partitions = args.partitions
    if partitions is None and (args.workers is not None or args.scheduler is not None):
        partitions = 2 * args.workers if args.workers is not None else 16
    if partitions is None:
        report = build_programme_report(log, **common)
    else:
        with cluster_executor(args) as executor:
            report = build_programme_report_partitioned(
                log.split(partitions), executor=executor, progress=Progress(f"reporting {path}", "tasks"),
                **common)
    if args.format == "json":
        print_json({"file": str(path), **report.to_dict()})
    else:
        print(f"{path}")
        print(report.to_text())
    return 0
