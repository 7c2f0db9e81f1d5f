"""``langzeit kennzahlen`` and ``validate`` on real spell files: dialects, formats, unreadable files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.spells import read_spells, write_spells

EXAMPLE = Path(__file__).parents[2] / "examples" / "spells-small.csv"
MONTH = ["--month", "2024-06", "--data-end", "2025-06-30", "--format", "json"]


def _json(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> list[dict[str, object]]:
    assert main(["kennzahlen", str(path), *MONTH, *args]) == 0
    data: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return data


def test_german_excel_same_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """';'-separated, cp1252 (person 'Ä'), German dates: the example's cells, given --encoding."""
    text = EXAMPLE.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        fields = line.split(",")
        for i in (2, 3):
            if len(fields) > i and fields[i].count("-") == 2:
                y, m, d = fields[i].split("-")
                fields[i] = f"{d}.{m}.{y}"
        fields[0] = "Ä" if fields[0] == "A" else fields[0]
        lines.append(";".join(fields))
    german = tmp_path / "spells.csv"
    german.write_text("\n".join(lines) + "\n", encoding="cp1252")
    expected = _json(capsys, EXAMPLE)
    assert _json(capsys, german, "--encoding", "cp1252") == expected
    assert _json(capsys, german, "--encoding", "cp1252", "--delimiter", ";") == expected
    assert main(["kennzahlen", str(german), *MONTH]) == 2
    assert "--encoding cp1252" in capsys.readouterr().err


def test_parquet_gives_the_same_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example written as Parquet and Arrow: the same JSON."""
    expected = _json(capsys, EXAMPLE)
    for name in ("spells.parquet", "spells.arrow"):
        write_spells(read_spells(EXAMPLE), tmp_path / name)
        assert _json(capsys, tmp_path / name) == expected


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("utf16", "is UTF-16 text; save it as UTF-8"),
        ("binary", "is a binary file, not CSV text"),
        ("directory", "is a directory"),
        ("missing", "file not found"),
        ("latin", "line 2 is not utf-8 text; give its encoding, e.g. --encoding cp1252"),
    ],
)
def test_unreadable_files_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    """kennzahlen: one line on stderr naming the file and what to do, status 2, no traceback."""
    path = tmp_path / "spells.csv"
    text = EXAMPLE.read_text(encoding="utf-8").replace("A,elb", "Ä,elb")
    if content == "utf16":
        path.write_bytes(text.encode("utf-16"))
    elif content == "binary":
        path.write_bytes(bytes(range(256)))
    elif content == "directory":
        path.mkdir()
    elif content == "latin":
        path.write_bytes(text.encode("latin-1"))
    assert main(["kennzahlen", str(path), *MONTH]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"langzeit: error: {path}: ")
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_validate_names_an_unreadable_spell_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """validate: a UTF-16 spell CSV is one line and status 2; a Parquet spell file validates."""
    path = tmp_path / "spells.csv"
    path.write_bytes(EXAMPLE.read_text(encoding="utf-8").encode("utf-16"))
    assert main(["validate", str(path)]) == 2
    assert "is UTF-16 text" in capsys.readouterr().err
    write_spells(read_spells(EXAMPLE), tmp_path / "spells.parquet")
    assert main(["validate", str(tmp_path / "spells.parquet"), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["kind"], out["valid"], out["spells"]) == ("spells", True, 23)


def test_csv_output_escapes_formulas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv: the JSON keys as columns, BOM, and a jobcenter id '=1+2' or '@x' written as text."""
    rename = {"1": "=1+2", "2": "@SUM(A1)"}
    lines = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        fields = line.split(",")
        fields[4] = rename.get(fields[4], fields[4])
        lines.append(",".join(fields))
    path = tmp_path / "spells.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["kennzahlen", str(path), "--month", "2024-06", "--data-end", "2025-06-30", "--format", "csv"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffjobcenter,month,group,code,name,numerator,denominator,value,change,")
    lines = out.splitlines()[1:]
    assert {line.split(",")[0] for line in lines} == {"'=1+2", "'@SUM(A1)"}
    assert all(line.split(",")[0][0] == "'" for line in lines)
    data = _json(capsys, EXAMPLE)
    assert len(lines) == len(data)


def test_the_json_of_kennzahlen_is_the_json_of_the_result_rows(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json (written column by column): json.dumps of the suppressed rows, months YYYY-MM."""
    import datetime as dt

    from langzeit.indicators import kennzahlen, suppress

    result = suppress(kennzahlen(read_spells(EXAMPLE), [dt.date(2024, 6, 1)], data_end=dt.date(2025, 6, 30)),
                      min_n=3)
    rows = [{**r, "month": r["month"].strftime("%Y-%m")} for r in result.rows()]
    assert main(["kennzahlen", str(EXAMPLE), *MONTH]) == 0
    assert capsys.readouterr().out == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
