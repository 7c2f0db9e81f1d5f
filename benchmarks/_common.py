"""What the benchmark scripts share: their command line from the docstring, the machine's load."""

from __future__ import annotations

import argparse
import os


def parser(doc: str | None, **counts: int | tuple[int, str]) -> argparse.ArgumentParser:
    """A parser described by ``doc``'s first line with an integer option per ``counts`` keyword.

    ``sqlite_participants=1_000`` becomes ``--sqlite-participants`` (default 1,000),
    ``writers=(8, "processes")`` one with a help text; a script adds its other options to
    the parser it gets.
    """
    out = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    for name, count in counts.items():
        default, text = count if isinstance(count, tuple) else (count, None)
        out.add_argument(f"--{name.replace('_', '-')}", type=int, default=default, help=text)
    return out


def load_average() -> list[float]:
    """The 1, 5 and 15-minute load averages, to two places (the machine is shared: read figures with it)."""
    return [round(x, 2) for x in os.getloadavg()]
