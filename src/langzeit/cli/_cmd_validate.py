"""CLI layer: ``langzeit validate FILE`` — list every problem of an input file.

Programme models (``.toml``) and event logs (``.jsonl``, ``.csv``, ``.sqlite``, ``.db``)
are checked; each problem is printed with its location (``file:line: reason`` for
event logs). JSON output keys: ``file``, ``kind``, ``valid``, ``problems`` and, for
event logs, ``events`` (the number of valid events).
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

from langzeit.cli._output import add_format_option, print_json
from langzeit.domain import Programme
from langzeit.exceptions import DataFormatError, Problem, ValidationError
from langzeit.store import FORMATS, read_events

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``validate`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check a programme model (TOML) or an event log (JSONL, CSV, SQLite) "
        "and list every problem with its location",
    )
    p.add_argument("file", help="a programme model (.toml) or an event log (.jsonl, .csv, .sqlite, .db)")
    add_format_option(p)
    p.set_defaults(run=run)


def _check_events(path: Path) -> tuple[str, list[str], int]:
    try:
        result = read_events(path, strict=False)
    except DataFormatError as exc:
        return "events", [str(p) for p in exc.problems] or [exc.message], 0
    return "events", [str(p) for p in result.rejected], len(result.log)


def _check(path: Path) -> tuple[str, list[str], int | None]:
    if not path.exists():
        return "missing", [f"{path}: file not found"], None
    if path.suffix.lower() in FORMATS:
        return _check_events(path)
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            return "toml", [f"{path}: not valid TOML: {exc}"], None
        if "programme" in data or "phases" in data:
            try:
                Programme.from_toml(path)
            except ValidationError as exc:
                return "programme", [str(p) for p in exc.problems] or [exc.message], None
            return "programme", [], None
        return "toml", [str(Problem(str(path), "not a programme model (no [programme] table)"))], None
    known = ", ".join([".toml", *FORMATS])
    return "unknown", [f"{path}: unknown file kind (expected {known})"], None


def run(args: argparse.Namespace) -> int:
    """Validate the file; exit code 1 when it has problems."""
    path = Path(args.file)
    kind, problems, n_events = _check(path)
    if args.format == "json":
        out: dict[str, Any] = {"file": str(path), "kind": kind, "valid": not problems,
                               "problems": problems}
        if n_events is not None:
            out["events"] = n_events
        print_json(out)
    elif problems:
        for line in problems:
            print(line)
    else:
        detail = f" ({n_events} events)" if n_events is not None else ""
        print(f"{path}: valid {kind}{detail}")
    return 1 if problems else 0
