"""CLI layer: shared output helpers (``--format text|json``)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["add_format_option", "print_json", "print_table"]


def add_format_option(parser: argparse.ArgumentParser) -> None:
    """Add the ``--format text|json`` option every command has."""
    parser.add_argument(
        "--format", choices=("text", "json"), default="text",
        help="output format: a readable table (default) or JSON with stable keys",
    )


def print_json(data: Any) -> None:
    """Print JSON (UTF-8, German characters kept, sorted for stable diffs)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a plain-text table with aligned columns."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    print("  ".join("-" * w for w in widths))
    for r in cells:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
