"""CLI layer: ``langzeit kennzahlen SPELLS --month YYYY-MM`` — the § 48a indicators of a spell file.

SPELLS is a CSV (delimiter detected, ``--delimiter`` to force; UTF-8, ``--encoding``
for others), Parquet or Arrow file. A file that cannot be read at all (missing, a
directory, binary, UTF-16, another encoding) is named in one line on stderr with what
to do, exit status 2; so are bad rows (``--lenient`` skips and lists them).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._errors import BadInput
from langzeit.cli._output import add_format_option, print_csv, print_json, print_table
from langzeit.indicators import KennzahlenResult, kennzahlen, suppress
from langzeit.spells import day_to_date, read_spells

__all__ = ["register"]


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
    value = named.get(text.lower(), text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"not one character: {text!r} (e.g. ';', ',', tab)")
    return value


def register(sub: Any) -> None:
    """Register the ``kennzahlen`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "kennzahlen",
        help="§ 48a SGB II indicators (K1–K3) of a spell file (CSV, Parquet), with intervals and "
        "confidentiality",
        description="Compute the Kennzahlen nach § 48a SGB II per jobcenter, month and group "
        "(all, F, M) from administrative spells. Cells with fewer than --min-n cases are "
        "suppressed (with secondary suppression); suppressed cells show no value.",
    )
    p.add_argument("spells", help="spell file: CSV, Parquet or Arrow (columns person_id, kind, start, end, "
                   "jobcenter, ...)")
    p.add_argument("--delimiter", type=_delimiter,
                   help="CSV field delimiter, e.g. ';' or tab (default: detected from the header)")
    p.add_argument("--encoding", help="CSV text encoding, e.g. cp1252 or latin-1 (default: UTF-8)")
    p.add_argument("--month", type=options.month, action="append", required=True,
                   help="reference month YYYY-MM (repeat for several)")
    p.add_argument("--jobcenter", action="append", help="only this jobcenter id (repeat for several)")
    p.add_argument("--data-end", type=options.date,
                   help="the data's end, YYYY-MM-DD, not before the first spell (default: the latest date "
                        "in the file)")
    p.add_argument("--stichtag", type=options.day_of_month,
                   help="day of the month of the Stichtag, 1–31 (default: the last day; a day beyond a "
                        "month's end is that month's last day)")
    p.add_argument("--regime", choices=("2019", "2011"), default="2019", help="K2E3 continuity rule")
    p.add_argument("--count-16k", action="store_true", help="count § 16k as activation (K3E2)")
    p.add_argument("--min-n", type=options.threshold, default=3,
                   help="least number of cases of a shown cell (default 3; 0: no confidentiality at all, "
                        "internal use only)")
    p.add_argument("--round-to", type=options.round_to, default=None,
                   help="round shown counts to multiples of this (2 or more, e.g. 10; 1: no rounding)")
    p.add_argument("--lenient", action="store_true",
                   help="skip bad rows (listed on stderr) instead of failing")
    add_format_option(p, csv=True)
    p.set_defaults(run=run)


def _records(result: KennzahlenResult) -> list[dict[str, Any]]:
    rows = result.rows()
    for row in rows:
        row["month"] = row["month"].strftime("%Y-%m")
    return rows


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    """Compute and print the Kennzahlen (bad rows and unreadable files: one line on stderr, status 2)."""
    options.check_confidentiality(args.min_n, args.round_to)
    # an unreadable file raises UnreadableFileError: one line on stderr and status 2 (cli.main)
    spells = read_spells(args.spells, strict=not args.lenient, data_end=args.data_end,
                         delimiter=args.delimiter, encoding=args.encoding)
    for problem in spells.rejected:
        print(f"skipped {problem}", file=sys.stderr)
    first = day_to_date(int(spells.start.min())) if len(spells) else None
    if args.data_end is not None and first is not None and args.data_end < first:
        raise BadInput(f"--data-end {args.data_end}: before the first spell of {args.spells} ({first}); "
                       "give the date the data reach")
    result = kennzahlen(
        spells, args.month, stichtag=args.stichtag, data_end=args.data_end, jobcenters=args.jobcenter,
        regime=args.regime, count_16k=args.count_16k,
    )
    if args.min_n:  # 0: no confidentiality at all (the help says: internal use only)
        result = suppress(result, min_n=args.min_n, round_to=args.round_to)
    records = _records(result)
    if args.format == "json":
        print_json(records)
        return 0
    if args.format == "csv":
        print_csv(records, result.columns())
        return 0
    headers = (
        "jobcenter", "month", "group", "code", "numerator", "denominator", "value %", "95 % CI", "note"
    )
    rows = []
    for r in records:
        interval = "" if r["ci_low"] is None else f"{r['ci_low']:.1f}–{r['ci_high']:.1f}"
        note = "not available" if not r["available"] else ("suppressed" if r["suppressed"] else "")
        rows.append((
            r["jobcenter"], r["month"], r["group"], r["code"], _number(r["numerator"]),
            _number(r["denominator"]), _number(r["value"]), interval, note,
        ))
    print_table(headers, rows)
    return 0
