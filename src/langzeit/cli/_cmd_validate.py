"""CLI layer: ``langzeit validate FILE`` — list every problem of an input file.

Programme models and scenarios (``.toml``), event logs (``.jsonl``, ``.csv``,
``.sqlite``, ``.db``), administrative spell files (``.csv``/``.tsv`` with the header of
DOMAIN.md § 2, ``.parquet``, ``.arrow``/``.feather``; one that cannot be read at all
— binary, UTF-16, another encoding — is named in one line, exit status 2) and social
spaces (``.json``, the HSDS-compatible format of
``langzeit.network``) are checked; each problem is printed with its location
(``file:line: reason`` for data files). A ``.csv`` file is an event log when its first
line is the event-log version line (``#langzeit-events v1``), a spell file otherwise.
JSON output keys: ``file``, ``kind`` (``programme``, ``scenario``, ``events``,
``spells``, ``social_space``…), ``valid``, ``problems`` and, for data files, ``events`` or ``spells``
(the number of valid records). Exit code 0: valid; 1: the file has problems (each listed on
one line on stdout); 2: the file cannot be checked at all (missing, a folder; one line on
stderr).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from langzeit._toml import read_toml
from langzeit.cli._errors import one_line
from langzeit.cli._files import check_input
from langzeit.cli._output import add_format_option, print_json
from langzeit.domain import Programme
from langzeit.exceptions import DataFormatError, Problem, UnreadableFileError, ValidationError
from langzeit.network import is_space_file, read_space
from langzeit.simulation import read_scenario
from langzeit.spells import FORMATS as SPELL_FORMATS
from langzeit.spells import read_spells
from langzeit.store import FORMATS, is_event_log, read_events

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``validate`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check a programme model or scenario (TOML), an event log (JSONL, CSV, SQLite) "
        "or a spell file (CSV) and list every problem with its location",
    )
    p.add_argument(
        "file",
        help="a programme model or scenario (.toml), an event log (.jsonl, .csv, .sqlite, .db), "
        "a spell file (.csv) or a social space (.json)",
    )
    add_format_option(p)
    p.set_defaults(run=run)


def _check_events(path: Path) -> tuple[str, list[str], int]:
    try:
        result = read_events(path, strict=False)
    except DataFormatError as exc:
        return "events", _problems(exc), 0
    return "events", [str(p) for p in result.rejected], len(result.log)


def _check_spells(path: Path) -> tuple[str, list[str], int]:
    try:
        table = read_spells(path, strict=False)
    except UnreadableFileError:
        raise
    except DataFormatError as exc:
        return "spells", _problems(exc), 0
    except UnicodeDecodeError as exc:
        return "spells", [f"{path}: not UTF-8 text ({exc.reason}); save the file as UTF-8"], 0
    return "spells", [str(p) for p in table.rejected], len(table)


def _problems(exc: ValidationError) -> list[str]:
    return [one_line(str(p)) for p in exc.problems] or [one_line(exc.message)]


def _check(path: Path) -> tuple[str, list[str], int | None]:
    if is_space_file(path):
        try:
            read_space(path)
        except ValidationError as exc:
            return "social_space", _problems(exc), None
        return "social_space", [], None
    spell_format = SPELL_FORMATS.get(path.suffix.lower())
    if is_event_log(path):
        return _check_events(path)
    if spell_format in ("parquet", "arrow") or (path.suffix.lower() in (".tsv", ".txt", ".csv")):
        return _check_spells(path)
    if path.suffix.lower() == ".toml":
        try:
            data = read_toml(path)
        except ValidationError as exc:
            return "toml", _problems(exc), None
        if "scenario" in data or "referrals" in data:
            try:
                read_scenario(path)
            except ValidationError as exc:
                return "scenario", _problems(exc), None
            return "scenario", [], None
        if isinstance(data.get("programme"), dict) or "phases" in data:
            try:
                Programme.from_toml(path)
            except ValidationError as exc:
                return "programme", _problems(exc), None
            return "programme", [], None
        problem = Problem(str(path), "neither a programme model ([programme]) nor a scenario ([scenario])")
        return "toml", [str(problem)], None
    known = ", ".join([".toml", ".json", *FORMATS])
    return "unknown", [f"{path}: unknown file kind (expected {known})"], None


def run(args: argparse.Namespace) -> int:
    """Validate the file; exit code 1 when it has problems, 2 when it cannot be read at all."""
    path = check_input(args.file)
    kind, problems, n_records = _check(path)
    unit = "spells" if kind == "spells" else "events"
    if args.format == "json":
        out: dict[str, Any] = {"file": str(path), "kind": kind, "valid": not problems,
                               "problems": problems}
        if n_records is not None:
            out[unit] = n_records
        print_json(out)
    elif problems:
        for line in problems:
            print(line)
    else:
        detail = f" ({n_records} {unit})" if n_records is not None else ""
        print(f"{path}: valid {kind}{detail}")
    return 1 if problems else 0
