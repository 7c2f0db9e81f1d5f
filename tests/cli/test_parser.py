"""The CLI imports only the command it runs; its parsing is that of the full parser."""

from __future__ import annotations

import subprocess
import sys

import pytest

from langzeit.cli import build_parser

LINES = [
    ["kennzahlen", "s.csv", "--month", "2024-01", "--month", "2024-02", "--format", "json"],
    ["validate", "x.toml"],
    ["simulate", "rpe-euregio", "--seed", "3"],
]


@pytest.mark.parametrize("line", LINES)
def test_the_parser_of_one_command_parses_as_the_full_parser(line: list[str]) -> None:
    """build_parser(command) gives the same arguments as the parser of every command."""
    one = vars(build_parser(line[0]).parse_args(line))
    full = vars(build_parser().parse_args(line))
    assert {k: v for k, v in one.items() if k != "run"} == {k: v for k, v in full.items() if k != "run"}
    assert one["run"].__module__ == full["run"].__module__


def test_a_command_line_imports_only_its_command_module() -> None:
    """`langzeit kennzahlen --help` does not import the other command modules (a faster start)."""
    code = ("import sys, contextlib, io\nfrom langzeit.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['kennzahlen', '--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('langzeit.cli._cmd_')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['langzeit.cli._cmd_kennzahlen']"


def test_an_unknown_command_still_lists_every_command() -> None:
    """A typo gets the full parser's error, with the choices."""
    with pytest.raises(SystemExit):
        build_parser("kennzahln").parse_args(["kennzahln"])
