"""CLI layer: the ``langzeit`` command (DESIGN.md, "Interfaces").

Each sub-command lives in its own private module ``cli/_cmd_<name>.py`` exposing
``register(subparsers)``; modules are discovered by that name, in sorted order.
Every command takes ``--format text|json`` and prints JSON
with stable keys for scripts. Exit codes: 0 success, 1 the input has problems
(listed), 2 usage errors.

Examples:
    >>> try:
    ...     main(["--version"])
    ... except SystemExit as done:
    ...     print("exit code", done.code)
    langzeit ...
    exit code 0
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence
from types import ModuleType

from langzeit import __version__
from langzeit.exceptions import LangzeitError

__all__ = ["build_parser", "main"]


def _command_modules() -> list[ModuleType]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("_cmd_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``langzeit`` command with every sub-command.

    Examples:
        >>> "validate" in build_parser().format_help()
        True
    """
    parser = argparse.ArgumentParser(
        prog="langzeit",
        description="Support pathways of long-term benefit recipients (SGB II): "
        "simulate programmes, compute § 48a indicators and programme reports.",
    )
    parser.add_argument("--version", action="version", version=f"langzeit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``langzeit`` command; returns the exit code.

    Args:
        argv: arguments without the program name (default ``sys.argv[1:]``).

    Returns:
        0 on success, 1 when the input has problems, 2 on usage errors.

    Examples:
        >>> main(["validate", "no/such/file.toml"])
        no/such/file.toml: file not found
        1
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except LangzeitError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. `langzeit ... | head`
        return 0
    return code
