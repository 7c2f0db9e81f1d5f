"""CLI layer: the ``langzeit`` command (DESIGN.md, "Interfaces").

Each sub-command lives in its own private module ``cli/_cmd_<name>.py`` exposing
``register(subparsers)``; modules are discovered by that name, in sorted order.
Every command takes ``--format text|json`` and prints JSON
with stable keys for scripts. Exit codes (:mod:`langzeit.cli._errors`): 0 success,
1 ``validate`` found problems (listed), 2 bad input or usage, 3 the output could not be
written, 70 a bug, 130 interrupted. A failure prints one line on stderr, never a traceback.

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
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from langzeit import __version__
from langzeit._gc import allow_pausing, pausing_allowed
from langzeit._memory import keep_freed_memory
from langzeit.cli._errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT, describe, one_line

__all__ = ["build_parser", "main"]


def _command_modules(command: str | None = None) -> list[ModuleType]:
    """The command modules; only ``_cmd_<command>`` when it exists (its imports alone: faster start)."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("_cmd_"))
    if command is not None and f"_cmd_{command}" in names:
        names = [f"_cmd_{command}"]
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line: what is wrong and where to look."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {one_line(message)} (see `{self.prog} --help`)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``langzeit`` command with every sub-command.

    Args:
        command: register only this sub-command (when it is one): ``main`` parses a
            command line whose first word names its command without importing the others.

    Returns:
        The parser.

    Examples:
        >>> "validate" in build_parser().format_help()
        True
    """
    parser = _Parser(
        prog="langzeit",
        description="Support pathways of long-term benefit recipients (SGB II): "
        "simulate programmes, compute § 48a indicators and programme reports.",
    )
    parser.add_argument("--version", action="version", version=f"langzeit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _command_modules(command):
        module.register(sub)
    return parser


def _quiet_stdout() -> None:
    """Send whatever is still buffered for stdout nowhere (the pipe is closed or the disk full)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout has no descriptor
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``langzeit`` command; returns the exit code.

    Every failure prints one line on stderr (``langzeit: error: WHERE: WHAT``) and no
    traceback; the exit codes are those of :mod:`langzeit.cli._errors` (0 success,
    1 ``validate`` found problems, 2 bad input, 3 the output could not be written,
    70 a bug, 130 interrupted).

    Run as the command itself (``argv`` None, the process is the command's), it lets
    malloc keep freed memory in the process (:func:`langzeit._memory.keep_freed_memory`).

    Args:
        argv: arguments without the program name (default ``sys.argv[1:]``).

    Returns:
        The exit code.

    Examples:
        >>> import contextlib, io
        >>> err = io.StringIO()
        >>> with contextlib.redirect_stderr(err):
        ...     main(["validate", "no/such/file.toml"])
        2
        >>> print(err.getvalue(), end="")
        langzeit: error: no/such/file.toml: file not found
    """
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(words[0] if words and not words[0].startswith("-") else None)
    args = parser.parse_args(words)
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        print("langzeit: error: standard output is closed", file=sys.stderr)
        return EXIT_OUTPUT
    if argv is None:  # the process is the command's: batches reuse freed memory, no fresh pages each
        keep_freed_memory()
    allowed = pausing_allowed()
    allow_pausing()  # the command owns its process: bulk reads may pause the collector
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. `langzeit ... | head`: the reader has all it wants
        _quiet_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        print("langzeit: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        code, line = describe(exc)
        if code == EXIT_OUTPUT:
            _quiet_stdout()
        if os.environ.get("LANGZEIT_TRACEBACK"):
            traceback.print_exc()
        print(f"langzeit: error: {line}", file=sys.stderr)
        return code
    finally:
        allow_pausing(allowed)
    return code
