"""CLI layer: ``langzeit kennzahlen SPELLS --month YYYY-MM`` — the § 48a indicators of a spell file.

SPELLS is a CSV (delimiter detected, ``--delimiter`` to force; UTF-8, ``--encoding``
for others), Parquet or Arrow file. A file that cannot be read at all (missing, a
directory, binary, UTF-16, another encoding) is named in one line on stderr with what
to do, exit status 2; so are bad rows (``--lenient`` skips and lists them).

``--groups FILE`` (CSV ``jobcenter,vergleichstyp``) adds to every row the jobcenter's
Vergleichstyp, its ``rank`` within the type (1 = best; none for context codes and hidden
cells) and ``ranked`` (how many of the type have a value), and appends one row per
Vergleichstyp and cell (``jobcenter`` null) from the summed partial counts (§ 2 Abs. 3 VO).
``--stock-window`` and ``--instruments`` are the ``stock_window`` and ``catalogue`` of
:func:`~langzeit.indicators.kennzahlen` (DOMAIN.md § 3 convention 4, § 3a).

SPELLS may also be a directory: a partitioned Parquet dataset (``spells.write_spell_dataset``),
read and counted partition by partition — here, or on Dask with ``--scheduler ADDRESS`` or
``--workers N`` — and merged exactly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._cluster import Progress, add_cluster_options, cluster_executor
from langzeit.cli._errors import BadInput
from langzeit.cli._files import check_input
from langzeit.cli._output import add_format_option, print_csv, print_json, print_json_columns, print_table
from langzeit.cli._participants import read_rows
from langzeit.exceptions import DataFormatError, RowProblem
from langzeit.indicators import (
    KennzahlenResult,
    by_comparison_type,
    comparison_ranks,
    kennzahlen,
    kennzahlen_partitioned,
    suppress,
)
from langzeit.spells import InstrumentCatalogue, day_to_date, load_catalogue, open_spell_dataset, read_spells

__all__ = ["register"]


def _delimiter(text: str) -> str:
    named = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
    value = named.get(text.lower(), text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"not one character: {text!r} (e.g. ';', ',', tab)")
    return value


_STOCK_WINDOWS = {"vormonate": "previous", "previous": "previous", "current": "current"}


def _stock_window(text: str) -> str:
    window = _STOCK_WINDOWS.get(text.strip().lower())
    if window is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not 'vormonate' (the default) or 'current'")
    return window


def _groups(path: str, jobcenters: Sequence[str]) -> dict[str, str]:
    """Jobcenter → Vergleichstyp from a CSV ``jobcenter,vergleichstyp``; every jobcenter needs one."""
    rows, _ = read_rows(check_input(path, "groups file"), required=("jobcenter", "vergleichstyp"),
                        what="groups file")
    groups: dict[str, str] = {}
    where: dict[str, int] = {}
    problems = []
    for line, row in rows:
        jc, kind = row["jobcenter"].strip(), row["vergleichstyp"].strip()
        if not jc or not kind:
            problems.append(RowProblem(path, line, "empty jobcenter or vergleichstyp"))
        elif groups.get(jc, kind) != kind:
            problems.append(RowProblem(path, line, f"jobcenter {jc!r} has Vergleichstyp {kind!r} here but "
                                                   f"{groups[jc]!r} on line {where[jc]}"))
        else:
            groups[jc], where[jc] = kind, where.get(jc, line)
    if problems:
        raise DataFormatError(f"{path}: not a valid groups file", problems)
    missing = [j for j in jobcenters if j not in groups]
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise BadInput(f"{path}: no Vergleichstyp for jobcenter {shown}; add a row jobcenter,vergleichstyp "
                       "for each")
    return groups


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
                   "jobcenter, ...), or a directory of a partitioned Parquet dataset")
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
    options.add_confidentiality_options(p)
    p.add_argument("--stock-window", type=_stock_window, default="previous", metavar="vormonate|current",
                   help="mean stocks of K2, K2E1, K2E2, K2E4, K3E1 over the twelve Vormonate "
                        "S(m-12)…S(m-1) (default, as the BA publishes K2) or over S(m-11)…S(m) "
                        "('current', the older reading)")
    p.add_argument("--instruments", metavar="FILE",
                   help="an instrument catalogue TOML of your own codes, added to the shipped one "
                        "(the shape of langzeit/spells/data/instruments.toml)")
    p.add_argument("--groups", metavar="FILE",
                   help="CSV jobcenter,vergleichstyp: adds each jobcenter's Vergleichstyp and rank within "
                        "it, and every Kennzahl per Vergleichstyp from the summed counts (§ 2 Abs. 3 VO)")
    p.add_argument("--lenient", action="store_true",
                   help="skip bad rows (listed on stderr) instead of failing")
    add_cluster_options(p)
    add_format_option(p, csv=True)
    p.set_defaults(run=run)


#: The extra keys of a row when ``--groups`` is given (JSON and CSV).
GROUP_KEYS = ("vergleichstyp", "rank", "ranked")


def _columns(result: KennzahlenResult) -> dict[str, list[Any]]:
    """The rows' values column by column, months as ``YYYY-MM``."""
    columns = result.row_columns()
    months = {m: m.strftime("%Y-%m") for m in set(columns["month"])}  # a few distinct months
    columns["month"] = [months[m] for m in columns["month"]]
    return columns


def _records(result: KennzahlenResult) -> list[dict[str, Any]]:
    columns = _columns(result)
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]


def _with_groups(result: KennzahlenResult, groups: dict[str, str]) -> list[dict[str, Any]]:
    """The jobcenters' rows with Vergleichstyp and rank, then the rows per Vergleichstyp (jobcenter null)."""
    ranks = {(r["jobcenter"], r["month"].strftime("%Y-%m"), r["group"], r["code"]): r
             for r in comparison_ranks(result, groups).rows()}
    rows = _records(result)
    for row in rows:
        ranked = ranks[(row["jobcenter"], row["month"], row["group"], row["code"])]
        row.update(vergleichstyp=groups[row["jobcenter"]], rank=ranked["rank"], ranked=ranked["ranked"])
    for row in _records(by_comparison_type(result, groups)):
        row.update(vergleichstyp=row["jobcenter"], jobcenter=None, rank=None, ranked=None)
        rows.append(row)
    return rows


def _number(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _single_file(args: argparse.Namespace, catalogue: InstrumentCatalogue | None) -> KennzahlenResult:
    """The Kennzahlen of one spell file (CSV, Parquet, Arrow)."""
    spells = read_spells(args.spells, strict=not args.lenient, data_end=args.data_end,
                         delimiter=args.delimiter, encoding=args.encoding, catalogue=catalogue)
    for problem in spells.rejected:
        print(f"skipped {problem}", file=sys.stderr)
    first = day_to_date(int(spells.start.min())) if len(spells) else None
    if args.data_end is not None and first is not None and args.data_end < first:
        raise BadInput(f"--data-end {args.data_end}: before the first spell of {args.spells} ({first}); "
                       "give the date the data reach")
    return kennzahlen(
        spells, args.month, stichtag=args.stichtag, data_end=args.data_end, jobcenters=args.jobcenter,
        regime=args.regime, count_16k=args.count_16k, stock_window=args.stock_window, catalogue=catalogue,
    )


def _partitioned(args: argparse.Namespace, catalogue: InstrumentCatalogue | None) -> KennzahlenResult:
    """The Kennzahlen of a partitioned Parquet dataset (a directory), partition by partition."""
    if args.lenient:
        raise BadInput(f"{args.spells}: --lenient is for single files; "
                       "a dataset's partitions are read strictly")
    if args.delimiter or args.encoding:
        raise BadInput(f"{args.spells}: --delimiter and --encoding are for CSV files; a dataset is Parquet")
    dataset = open_spell_dataset(args.spells)
    with cluster_executor(args) as executor:
        return kennzahlen_partitioned(
            dataset, args.month, executor=executor, data_end=args.data_end, jobcenters=args.jobcenter,
            stichtag=args.stichtag, regime=args.regime, count_16k=args.count_16k,
            stock_window=args.stock_window, catalogue=catalogue,
            progress=Progress(f"counting {args.spells}", "partitions"),
        )


def run(args: argparse.Namespace) -> int:
    """Compute and print the Kennzahlen (bad rows and unreadable files: one line on stderr, status 2)."""
    options.check_confidentiality(args.min_n, args.round_to)
    catalogue = load_catalogue(check_input(args.instruments, "instrument catalogue")) \
        if args.instruments else None
    # an unreadable file raises UnreadableFileError: one line on stderr and status 2 (cli.main)
    if Path(args.spells).is_dir() or args.scheduler or args.workers:
        result = _partitioned(args, catalogue)
    else:
        result = _single_file(args, catalogue)
    groups = _groups(args.groups, result.jobcenters) if args.groups else None
    if args.min_n:  # 0: no confidentiality at all (the help says: internal use only)
        result = suppress(result, min_n=args.min_n, round_to=args.round_to)
    if args.format == "json" and groups is None:  # column by column: no dict per cell
        print_json_columns(_columns(result))
        return 0
    records = _records(result) if groups is None else _with_groups(result, groups)
    columns = result.columns() + (() if groups is None else GROUP_KEYS)
    if args.format == "json":
        print_json(records)
        return 0
    if args.format == "csv":
        print_csv(records, columns)
        return 0
    _print_text(records, grouped=groups is not None)
    return 0


def _text_row(r: dict[str, Any], first: str, *extra: str) -> tuple[str, ...]:
    interval = "" if r["ci_low"] is None else f"{r['ci_low']:.1f}–{r['ci_high']:.1f}"
    note = "not available" if not r["available"] else ("suppressed" if r["suppressed"] else "")
    return (first, r["month"], r["group"], r["code"], _number(r["numerator"]), _number(r["denominator"]),
            _number(r["value"]), _number(r["change"]), interval, *extra, note, r["name"])


def _print_text(records: list[dict[str, Any]], *, grouped: bool) -> None:
    tail = ("value %", "change", "95 % CI")
    middle = ("month", "group", "code", "numerator", "denominator", *tail)
    if not grouped:
        print_table(("jobcenter", *middle, "note", "name"), [_text_row(r, r["jobcenter"]) for r in records])
        return
    own = [r for r in records if r["jobcenter"] is not None]
    rows = [_text_row(r, r["jobcenter"], r["vergleichstyp"],
                      "" if r["rank"] is None else f"{r['rank']} of {r['ranked']}") for r in own]
    print_table(("jobcenter", *middle, "vergleichstyp", "rank", "note", "name"), rows)
    print()
    print("Kennzahlen per Vergleichstyp (summed counts of its jobcenters, § 2 Abs. 3 VO)")
    types = [_text_row(r, r["vergleichstyp"]) for r in records if r["jobcenter"] is None]
    print_table(("vergleichstyp", *middle, "note", "name"), types)
