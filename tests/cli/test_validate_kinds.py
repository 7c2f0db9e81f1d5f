"""langzeit validate recognises spell files and scenarios besides programmes and event logs."""

import json
from pathlib import Path
from typing import Any

import pytest

from langzeit.cli import main

SCENARIOS = Path(__file__).parents[2] / "src" / "langzeit" / "simulation" / "scenarios"


def _validate_json(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, Any]:
    """The exit status and the JSON report of ``langzeit validate PATH --format json``."""
    status = main(["validate", str(path), "--format", "json"])
    return status, json.loads(capsys.readouterr().out)


def test_spell_csv_lists_every_bad_row_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spell CSV with two bad rows reports both lines and exits 1."""
    f = tmp_path / "spells.csv"
    f.write_text(
        "person_id,kind,start,end,jobcenter\n"
        "p1,elb,2024-01-01,,JC1\n"
        "p1,xyz,2024-01-05,,\n"
        "p2,elb,2024-02-01,2024-01-01,JC1\n",
        encoding="utf-8",
    )
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{f}:3: unknown kind 'xyz'", f"{f}:4: end before start"]


def test_valid_spell_csv_reports_its_kind_and_count_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON output names the kind 'spells' and counts the valid spells."""
    f = tmp_path / "spells.csv"
    f.write_text("person_id,kind,start,end,jobcenter\np1,elb,2024-01-01,,JC1\n", encoding="utf-8")
    expected = {"file": str(f), "kind": "spells", "valid": True, "problems": [], "spells": 1}
    assert _validate_json(f, capsys) == (0, expected)


def test_builtin_scenario_file_is_a_valid_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    """A shipped scenario TOML is recognised as a scenario (not a programme) and is valid."""
    status, out = _validate_json(SCENARIOS / "geh-vor.toml", capsys)
    assert status == 0
    assert (out["kind"], out["valid"]) == ("scenario", True)


def test_scenario_missing_keys_lists_every_missing_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An incomplete scenario lists each missing required key, not only the first."""
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nid = "x"\n', encoding="utf-8")
    status, out = _validate_json(f, capsys)
    problems = out["problems"]
    assert status == 1
    assert len(problems) >= 3
    assert all("required key missing" in p for p in problems)


EXAMPLES = Path(__file__).parents[2] / "examples"


def test_shipped_social_space_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    """The shipped Plön-like social space validates as kind 'social_space'."""
    status, out = _validate_json(EXAMPLES / "social-space-ploen.json", capsys)
    assert status == 0
    assert (out["kind"], out["valid"], out["problems"]) == ("social_space", True, [])


def test_bad_social_space_lists_every_bad_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two bad records in a social-space file are both reported, each with its location."""
    f = tmp_path / "space.json"
    f.write_text('{"organizations": [{"id": "a"}], "services": [{"id": "s", "organization_id": "a"}]}',
                 encoding="utf-8")
    assert main(["validate", str(f)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{f}: organizations[0]")
    assert lines[1].startswith(f"{f}: services[0]")
