"""CLI layer: ``langzeit validate FILE`` — list every problem of an input file."""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

from langzeit.cli._output import add_format_option, print_json
from langzeit.domain import Programme
from langzeit.exceptions import Problem, ValidationError

__all__ = ["register"]


def register(sub: Any) -> None:
    """Register the ``validate`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "validate", help="check a programme model (TOML) and list every problem with its location"
    )
    p.add_argument("file", help="a programme model (.toml)")
    add_format_option(p)
    p.set_defaults(run=run)


def _check(path: Path) -> tuple[str, list[str]]:
    if not path.exists():
        return "missing", [f"{path}: file not found"]
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            return "toml", [f"{path}: not valid TOML: {exc}"]
        if "programme" in data or "phases" in data:
            try:
                Programme.from_toml(path)
            except ValidationError as exc:
                return "programme", [str(p) for p in exc.problems] or [exc.message]
            return "programme", []
        return "toml", [str(Problem(str(path), "not a programme model (no [programme] table)"))]
    return "unknown", [f"{path}: unknown file kind (expected .toml)"]


def run(args: argparse.Namespace) -> int:
    """Validate the file; exit code 1 when it has problems."""
    path = Path(args.file)
    kind, problems = _check(path)
    if args.format == "json":
        print_json({"file": str(path), "kind": kind, "valid": not problems,
                    "problems": problems})
    elif problems:
        for line in problems:
            print(line)
    else:
        print(f"{path}: valid {kind}")
    return 1 if problems else 0
