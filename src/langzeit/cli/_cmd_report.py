"""CLI layer: ``langzeit report EVENTS`` — the programme report of an event log."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any

from langzeit.cli._output import add_format_option, print_json
from langzeit.events import EventLog
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators import EventColumns
from langzeit.report import build_programme_report
from langzeit.store import SqliteEventStore, read_events

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``report`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "report", help="programme indicators of an event log (SQLite, JSON Lines or CSV)"
    )
    p.add_argument("events", help="the event log (.sqlite/.db, .jsonl or .csv)")
    p.add_argument("--data-end", type=date.fromisoformat, default=None,
                   help="the data's end, YYYY-MM-DD (default: the latest event)")
    p.add_argument("--planned-months", type=float, default=None,
                   help="planned stay in months (reports stays longer than planned)")
    p.add_argument("--participants", default=None,
                   help="CSV with a participant_id column and attribute columns, for --by")
    p.add_argument("--by", default=None, help="group by this participant attribute (e.g. sex)")
    p.add_argument("--min-n", type=int, default=3,
                   help="least number of cases per published cell (default 3; 0: no suppression, "
                        "internal use only)")
    p.add_argument("--round-to", type=int, default=None, help="round published counts to multiples of this")
    add_format_option(p)
    p.set_defaults(run=run)


def _attributes(path: str) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "participant_id" not in reader.fieldnames:
            raise ValidationError("participants file invalid",
                                  [Problem(path, "needs a header with a participant_id column")])
        return {row["participant_id"]: dict(row) for row in reader}


def run(args: argparse.Namespace) -> int:
    """Read the log, compute the report, print it as text or JSON."""
    path = Path(args.events)
    if not path.exists():
        print(f"{path}: file not found", file=sys.stderr)
        return 1
    if args.by and not args.participants:
        print("--by needs --participants FILE.csv", file=sys.stderr)
        return 2
    try:
        log: EventColumns | EventLog
        if path.suffix.lower() in (".sqlite", ".db"):
            # Stream the store into columns: no EventLog of the whole file in memory.
            with SqliteEventStore(path, readonly=True) as store:
                log = EventColumns.from_events(store.iter_events())
        else:
            log = read_events(path)
    except ValueError as exc:  # unknown suffix; DataFormatError is reported by main()
        if isinstance(exc, ValidationError):
            raise
        print(str(exc), file=sys.stderr)
        return 1
    attributes = _attributes(args.participants) if args.participants else None
    report = build_programme_report(
        log, data_end=args.data_end, participants=attributes, by=args.by, planned_months=args.planned_months,
        min_n=args.min_n or None, round_to=args.round_to,
    )
    if args.format == "json":
        print_json({"file": str(path), **report.to_dict()})
    else:
        print(f"{path}")
        print(report.to_text())
    return 0
