"""The command's malloc settings: taken on glibc, and only by the command itself, never by a library call."""

from __future__ import annotations

import subprocess
import sys

import pytest

import langzeit.cli
from langzeit._memory import _glibc


def test_glibc_takes_the_settings_in_a_process_of_its_own() -> None:
    """On glibc mallopt accepts both thresholds (True); elsewhere nothing is changed (False)."""
    code = "from langzeit._memory import keep_freed_memory; print(keep_freed_memory())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(_glibc())


_WORDS = ["validate", "no/such/file.toml"]


@pytest.mark.parametrize(("argv", "calls"), [(_WORDS, 0), (None, 1)])
def test_only_the_command_line_itself_changes_malloc(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str] | None, calls: int
) -> None:
    """main(argv) called in a host's process leaves malloc alone; main() of the command sets it."""
    called: list[bool] = []
    monkeypatch.setattr(langzeit.cli, "keep_freed_memory", lambda: called.append(True) or True)
    monkeypatch.setattr(sys, "argv", ["langzeit", *_WORDS])
    assert langzeit.cli.main(argv) == 2
    assert "file not found" in capsys.readouterr().err
    assert len(called) == calls
