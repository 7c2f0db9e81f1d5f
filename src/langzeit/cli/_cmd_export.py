"""CLI layer: ``langzeit export FILE --pseudonymise --key-file KEY --out OUT`` — a research export.

Reads an event log, a spell file or a side table (a CSV with a ``participant_id`` or
``person_id`` column: participant attributes for ``report --by``, mappings, birth
years) and writes it pseudonymised (DOMAIN.md § 6): ids
as their keyed hash (HMAC-SHA256 under the key file's secret, which is never
written), free text of events left out, dates optionally coarsened to month or
quarter. The same key gives the same pseudonyms in every export, so a log and a
spell table exported with it still link. ``--out`` follows the rules of
``cli/_files`` (no replacing without ``--force``; written whole or not at all).
"""

from __future__ import annotations

import argparse
import csv
import sqlite3
from pathlib import Path
from typing import Any

from langzeit.cli._errors import BadInput, OutputError
from langzeit.cli._files import atomic_output, check_input, check_output
from langzeit.cli._output import add_format_option, print_json
from langzeit.events import pseudonymise_events
from langzeit.privacy import DATE_PRECISIONS, ID_COLUMNS, Pseudonymiser, pseudonymise_rows
from langzeit.spells import FORMATS as SPELL_FORMATS
from langzeit.spells import pseudonymise_spells, read_spells, write_spells
from langzeit.store import format_of, is_event_log, iter_events, write_events

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``export`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "export", help="pseudonymised research export of an event log or spell file (keyed hash of ids)"
    )
    p.add_argument("file", help="the event log (.sqlite/.db, .jsonl, .csv), spell file (.csv, .parquet, "
                                ".arrow) or CSV table with a participant_id or person_id column")
    p.add_argument("--pseudonymise", action="store_true",
                   help="replace ids by their keyed hash and leave out free text (required: the only mode)")
    p.add_argument("--key-file", required=True,
                   help="file holding the secret key (at least 16 bytes, e.g. `openssl rand -hex 32`); "
                        "keep it secret and never with the export")
    p.add_argument("--dates", choices=DATE_PRECISIONS, default="day",
                   help="keep dates to the day (default) or coarsen them to the month or quarter")
    p.add_argument("--out", required=True, help="the file to write; its suffix chooses the format")
    p.add_argument("--force", action="store_true", help="replace an existing --out file (as a whole)")
    add_format_option(p)
    p.set_defaults(run=run)


def _events(source: Path, out: Path, pseudonymiser: Pseudonymiser) -> tuple[int, int]:
    try:
        fmt = format_of(str(out), default="sqlite")
    except ValueError:
        raise BadInput(f"--out {out}: unknown event log format; use .sqlite, .db, .jsonl or .csv") from None
    persons: set[str] = set()

    def stream() -> Any:
        for event in pseudonymise_events(iter_events(source), pseudonymiser):
            persons.add(event.participant_id)
            yield event

    try:
        with atomic_output(out) as tmp:
            n = write_events(stream(), tmp, format=fmt)
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(f"--out {out}: cannot write the export ({exc}); nothing was written") from exc
    return n, len(persons)


def _spells(source: Path, out: Path, pseudonymiser: Pseudonymiser) -> tuple[int, int]:
    if out.suffix.lower() not in SPELL_FORMATS:
        raise BadInput(f"--out {out}: unknown spell file format; use {', '.join(SPELL_FORMATS)}")
    table = pseudonymise_spells(read_spells(source), pseudonymiser)
    try:
        with atomic_output(out) as tmp:
            write_spells(table, tmp)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write the export ({exc}); nothing was written") from exc
    return len(table), table.n_persons


def _csv_header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text; save it as UTF-8") from None


def _table(source: Path, out: Path, pseudonymiser: Pseudonymiser) -> tuple[int, int]:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(pseudonymise_rows(reader, pseudonymiser))
    if any(None in row for row in rows):
        raise BadInput(f"{source}: a row has more cells than the header")
    try:
        with atomic_output(out) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write the export ({exc}); nothing was written") from exc
    persons = {row.get(c) for row in rows for c in ID_COLUMNS if row.get(c)}
    return len(rows), len(persons)


def _kind(source: Path) -> str:
    if is_event_log(source):
        return "events"
    if source.suffix.lower() in SPELL_FORMATS and source.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return "spells"
    if source.suffix.lower() in (".csv", ".tsv", ".txt"):
        header = set(_csv_header(source))
        if {"person_id", "kind", "start"} <= header:
            return "spells"
        if header & set(ID_COLUMNS):
            return "table"
    raise BadInput(f"{source}: neither an event log, a spell file nor a CSV table with a "
                   f"{' or '.join(ID_COLUMNS)} column")


def run(args: argparse.Namespace) -> int:
    """Pseudonymise the file into ``--out``; print what was written."""
    if not args.pseudonymise:
        raise BadInput("export writes pseudonymised research data only: give --pseudonymise")
    source = check_input(args.file)
    out = check_output(args.out, force=args.force)
    if out.resolve() == source.resolve():
        raise BadInput(f"--out {args.out}: is the input file; write the export to another file")
    pseudonymiser = Pseudonymiser.from_key_file(check_input(args.key_file, "key file"), dates=args.dates)
    kind = _kind(source)
    if kind == "events":
        unit = "events"
        records, persons = _events(source, out, pseudonymiser)
    elif kind == "spells":
        unit = "spells"
        records, persons = _spells(source, out, pseudonymiser)
    else:
        unit = "rows"
        if out.suffix.lower() != ".csv":
            raise BadInput(f"--out {out}: a table is written as CSV; use a .csv name")
        records, persons = _table(source, out, pseudonymiser)
    if args.format == "json":
        print_json({"file": str(source), "out": str(out), "kind": kind, unit: records, "persons": persons,
                    "dates": args.dates, "key_id": pseudonymiser.key_id})
    else:
        print(f"{out}: {records} {unit} of {persons} persons, pseudonymised "
              f"(key {pseudonymiser.key_id}, dates to the {args.dates})")
    return 0
