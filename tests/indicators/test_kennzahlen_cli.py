"""The ``langzeit kennzahlen`` command: text and JSON output, options, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langzeit.cli import main

EXAMPLE = str(Path(__file__).parents[2] / "examples" / "spells-small.csv")


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["kennzahlen", EXAMPLE, "--format", "json", *args]) == 0
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return data


def test_json_has_the_stable_keys(capsys: pytest.CaptureFixture[str]) -> None:
    """Every object has exactly the documented keys; months are YYYY-MM."""
    data = _json(capsys, "--month", "2024-06")
    assert len(data) == 2 * 3 * 16
    assert set(data[0]) == {"jobcenter", "month", "group", "code", "name", "numerator", "denominator",
                            "value", "change", "ci_low", "ci_high", "suppressed", "available"}
    assert data[0]["month"] == "2024-06"


def test_json_values_match_the_hand_computed_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    """With min_n 1 (nothing suppressed) K2 of JC 1 is 5 / (56/12) (see test_kennzahlen.py)."""
    data = _json(capsys, "--month", "2024-06", "--jobcenter", "1", "--data-end", "2025-06-30", "--min-n", "1")
    k2 = next(d for d in data if d["code"] == "K2" and d["group"] == "all")
    assert k2["numerator"] == 5
    assert k2["value"] == pytest.approx(100 * 5 * 12 / 56)
    assert {d["jobcenter"] for d in data} == {"1"}


def test_default_confidentiality_hides_small_cells(capsys: pytest.CaptureFixture[str]) -> None:
    """With the default min_n 3 the K1E2 cells of JC 2 (one person) are suppressed, with null values."""
    data = _json(capsys, "--month", "2024-06", "--jobcenter", "2")
    cell = next(d for d in data if d["code"] == "K1E2" and d["group"] == "all")
    assert (cell["suppressed"], cell["numerator"], cell["value"]) == (True, None, None)


def test_unavailable_follow_up_is_marked(capsys: pytest.CaptureFixture[str]) -> None:
    """Data ending 2024-12-30: K2E3 of June 2024 is not available."""
    data = _json(capsys, "--month", "2024-06", "--data-end", "2024-12-30", "--min-n", "1")
    cell = next(d for d in data if d["code"] == "K2E3" and d["jobcenter"] == "1" and d["group"] == "all")
    assert (cell["available"], cell["value"]) == (False, None)


def test_text_output_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    """The text format prints a header and one line per cell."""
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--jobcenter", "1", "--min-n", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["jobcenter", "month", "group", "code"]
    assert len(lines) == 2 + 3 * 16
    assert any(line.split()[3] == "K2" and "107.1" in line for line in lines)


def test_bad_rows_fail_or_are_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad row: exit code 2 (bad input) with the line; with --lenient it is skipped and reported."""
    bad = tmp_path / "bad.csv"
    bad.write_text(Path(EXAMPLE).read_text(encoding="utf-8") + "X,elb,2024-02-30,,1,,,,\n", encoding="utf-8")
    assert main(["kennzahlen", str(bad), "--month", "2024-06"]) == 2
    assert "bad.csv:25: start is not a date" in capsys.readouterr().err
    assert main(["kennzahlen", str(bad), "--month", "2024-06", "--lenient", "--format", "json"]) == 0
    assert "skipped" in capsys.readouterr().err


def test_bad_month_is_a_usage_error() -> None:
    """--month 2024-13 exits with code 2."""
    with pytest.raises(SystemExit) as info:
        main(["kennzahlen", EXAMPLE, "--month", "2024-13"])
    assert info.value.code == 2


def test_unknown_jobcenter_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    """--jobcenter 9 (no elb rows) exits with 2 (bad input) and names the known ids."""
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--jobcenter", "9"]) == 2
    assert "unknown jobcenter '9'; known: 1, 2" in capsys.readouterr().err
