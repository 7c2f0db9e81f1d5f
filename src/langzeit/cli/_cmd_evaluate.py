"""CLI layer: ``langzeit evaluate EVENTS SPELLS`` — a programme's evaluation on administrative outcomes.

EVENTS is an event log (SQLite, JSON Lines, CSV), SPELLS a spell file (CSV, Parquet,
Arrow). Optional CSV files: ``--mapping`` (``participant_id,person_id``), ``--birth-years``
(``person_id,birth_year``: age bands in the matching) and ``--unemployment``
(``person_id,start,end[,kind]``: LZA). Every published share is protected by the
confidentiality rule (``--min-n``, ``--round-to``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._files import check_input
from langzeit.cli._output import add_format_option, print_json
from langzeit.cli._participants import read_rows
from langzeit.evaluation import PersonAttributes, UnemploymentSpells, evaluate
from langzeit.exceptions import DataFormatError, RowProblem
from langzeit.indicators import EventColumns
from langzeit.report import format_table
from langzeit.spells import SpellTable, read_spells
from langzeit.store import SqliteEventStore, format_of, read_events

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``evaluate`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "evaluate",
        help="evaluate a programme on administrative outcomes (event log linked to spells, matched "
        "comparison)",
        description="Link the participants of an event log to a spell file, describe their status at "
        "referral and admission, follow their outcomes after entry and exit, and compare them with "
        "matched non-participants from the spells (effects, difference-in-differences, event time). "
        "Published shares follow the confidentiality rule.",
    )
    p.add_argument("events", help="the event log (.sqlite/.db, .jsonl or .csv)")
    p.add_argument("spells", help="the spell file (CSV, Parquet or Arrow)")
    p.add_argument("--mapping", help="CSV participant_id,person_id (default: the same ids)")
    p.add_argument("--birth-years", help="CSV person_id,birth_year (adds age bands to the matching)")
    p.add_argument("--unemployment", help="CSV person_id,start,end[,kind] of unemployment (LZA)")
    p.add_argument("--data-end", type=options.date, default=None,
                   help="the spells' data end, YYYY-MM-DD (default: the latest date in the spell file)")
    p.add_argument("--caliper", type=options.months, default=3.0,
                   help="largest difference in months in benefit of a matched pair (default 3)")
    p.add_argument("--seed", type=options.seed, default=0, help="seed of the matching's random tie-break")
    options.add_confidentiality_options(p)
    add_format_option(p)
    p.set_defaults(run=run)


def _rows(path: Path, required: tuple[str, ...], what: str) -> list[tuple[int, dict[str, str]]]:
    return read_rows(path, required=required, what=what)[0]


def _mapping(path: Path) -> dict[str, str]:
    rows = _rows(path, ("participant_id", "person_id"), "mapping file")
    return {row["participant_id"]: row["person_id"] for _, row in rows}


def _birth_years(path: Path, spells: SpellTable) -> PersonAttributes:
    years, problems = {}, []
    for line, row in _rows(path, ("person_id", "birth_year"), "birth-years file"):
        text = (row["birth_year"] or "").strip()
        if not text:
            continue
        if not text.isdigit() or not 1900 <= int(text) <= 2100:
            problems.append(RowProblem(str(path), line, f"birth_year {text!r} is not a year"))
            continue
        years[row["person_id"]] = int(text)
    if problems:
        raise DataFormatError(f"{path}: bad birth years", problems)
    return PersonAttributes.from_mapping(spells, years)


def _unemployment(path: Path, spells: SpellTable) -> UnemploymentSpells:
    rows = [row for _, row in _rows(path, ("person_id", "start", "end"), "unemployment file")]
    return UnemploymentSpells.from_records(spells, rows)


def _events(path: Path) -> EventColumns:
    if format_of(path) == "sqlite":
        with SqliteEventStore(path, readonly=True) as store:
            return EventColumns.from_events(store.iter_events())
    return EventColumns.from_events(read_events(path))


def run(args: argparse.Namespace) -> int:
    """Read the inputs, evaluate, print text or JSON."""
    options.check_confidentiality(args.min_n, args.round_to)
    events_path = check_input(args.events, "event log")
    spells_path = check_input(args.spells, "spell file")
    events = _events(events_path)
    spells = read_spells(spells_path, data_end=args.data_end)
    mapping = _mapping(check_input(args.mapping, "mapping")) if args.mapping else None
    attributes = _birth_years(check_input(args.birth_years, "birth years"), spells) \
        if args.birth_years else None
    unemployment = _unemployment(check_input(args.unemployment, "unemployment"), spells) \
        if args.unemployment else None
    result = evaluate(events, spells, mapping=mapping, attributes=attributes, unemployment=unemployment,
                      caliper=args.caliper, seed=args.seed, min_n=args.min_n or None, round_to=args.round_to)
    data = {"events": str(events_path), "spells": str(spells_path), **result.to_dict()}
    if args.format == "json":
        print_json(data)
    else:
        print(to_text(data))
    return 0


def _f(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def _rate_rows(rows: list[dict[str, Any]]) -> list[list[Any]]:
    return [[r["item"], r["numerator"], r["denominator"], _f(r["value"]),
             None if r["lower"] is None else f"{r['lower']:.1f}–{r['upper']:.1f}"] for r in rows]


def to_text(data: dict[str, Any]) -> str:
    """The evaluation (as from ``Evaluation.to_dict``) as plain text, one table per section.

    Examples:
        >>> from langzeit.evaluation import evaluate
        >>> print(to_text(evaluate([], SpellTable.from_records([])).to_dict()).splitlines()[0])
        Evaluation: 0 participants, 0 linked, data end 1970-01-01
    """
    link = data["linkage"]
    out = [f"Evaluation: {link['participants']} participants, {link['linked']} linked, "
           f"data end {data['data_end']}"]
    rule = data["confidentiality"]
    if rule:
        out.append(f"Confidentiality: cells below {rule['min_n']} suppressed"
                   + (f", counts rounded to {rule['round_to']}" if rule["round_to"] else ""))
    for reason, n in link["unlinked"].items():
        out.append(f"  not linked: {n} ({reason})")
    rate_head = ["item", "numerator", "denominator", "%", "95 % CI"]
    for origin, block in data["status"].items():
        out += ["", f"## Status at {origin}", format_table(rate_head, _rate_rows(block["shares"]))]
        if block["means"]:
            out.append("mean months in benefit: "
                       + ", ".join(f"{k[-2:]} months {v:.1f}" for k, v in block["means"].items()))
    for key, rows in data["outcomes"].items():
        out += ["", f"## Outcomes {key.replace('_', ' ')}", format_table(rate_head, _rate_rows(rows))]
    comp = data["comparison"]
    if comp:
        out += ["", f"## Matched comparison: {comp['pairs']} pairs, {comp['comparison_persons']} comparison "
                f"persons from a pool of {comp['pool']} (caliper {comp['caliper_months']} months)"]
        for reason, n in comp["unmatched"].items():
            out.append(f"  unmatched: {n} ({reason})")
        if comp["balance"]:
            head = ["covariate", "participants", "pool", "matched", "SMD before", "SMD after"]
            out.append(format_table(head,
                                    [[r["covariate"], _f(r["mean_participants"]), _f(r["mean_pool"]),
                                      _f(r["mean_matched"]), r["smd_before"], r["smd_after"]]
                                     for r in comp["balance"]]))
        for name in ("effects", "naive"):
            rows = comp[name] or []
            title = "Effects (matched, percentage points)" if name == "effects" else \
                "Naive contrast against the whole pool (not an effect)"
            out += ["", f"### {title}",
                    format_table(["item", "n", "participants %", "comparison %", "difference", "95 % CI"],
                                 [[r["item"], r["n"], _f(r["share_participants"]), _f(r["share_comparison"]),
                                   _f(r["difference"]),
                                   None if r["lower"] is None else f"{r['lower']:.1f}–{r['upper']:.1f}"]
                                  for r in rows])]
        did = comp["difference_in_differences"]
        if did and did["estimate"] is not None:
            out += ["", f"Difference-in-differences, benefit receipt months −{did['pre']}…−1 against "
                    f"1…{did['post']}: {did['estimate']:.1f} points ({did['lower']:.1f}–{did['upper']:.1f}), "
                    f"{did['n_pairs']} pairs"]
    out += ["", "## The programme's own criteria"]
    for name, rows in data["criteria"].items():
        shown = [r for r in rows if r.get("group", "all") == "all"]
        if shown and "item" in shown[0]:
            out += [f"### {name}", format_table(rate_head, _rate_rows(shown))]
        elif shown:
            keys = list(shown[0])
            out += [f"### {name}", format_table(keys, [[_f(r[k]) for k in keys] for r in shown])]
    return "\n".join(out)

