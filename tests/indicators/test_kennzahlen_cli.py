"""The ``langzeit kennzahlen`` command: text and JSON output, options, errors."""

from __future__ import annotations

import csv
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


# -- --groups, --stock-window, --instruments (issue 13) ----------------------------------------


def _cell(data: list[dict[str, object]], code: str, *, jobcenter: str | None = "1", group: str = "all",
          vergleichstyp: str | None = None) -> dict[str, object]:
    return next(d for d in data if d["code"] == code and d["group"] == group and d["jobcenter"] == jobcenter
                and (vergleichstyp is None or d.get("vergleichstyp") == vergleichstyp))


def _groups_file(tmp_path: Path, text: str = "jobcenter,vergleichstyp\n1,IIa\n2,IIa\n") -> str:
    path = tmp_path / "groups.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_groups_sum_the_counts_of_a_vergleichstyp(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """--groups: the type's K1E2 is (4 + 1) / (4 + 1), its K2 5 / (56/12 + 12/12): summed, not averaged."""
    data = _json(capsys, "--month", "2024-06", "--min-n", "0", "--groups", _groups_file(tmp_path))
    k1e2 = _cell(data, "K1E2", jobcenter=None, vergleichstyp="IIa")
    assert (k1e2["numerator"], k1e2["denominator"], k1e2["value"]) == (5, 5, 100.0)
    k2 = _cell(data, "K2", jobcenter=None, vergleichstyp="IIa")
    assert k2["numerator"] == 5
    assert k2["denominator"] == pytest.approx(68 / 12)
    assert k2["value"] == pytest.approx(100 * 60 / 68)
    assert (k2["rank"], k2["ranked"]) == (None, None)


def test_groups_rank_each_jobcenter_within_its_type(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """K1E3 (lower is better): JC 1 at 3.06 % is 2nd of two beside JC 2 at 0 %; K2E1 (context): no rank."""
    data = _json(capsys, "--month", "2024-06", "--min-n", "0", "--groups", _groups_file(tmp_path))
    assert {d["vergleichstyp"] for d in data} == {"IIa"}
    one, two = _cell(data, "K1E3"), _cell(data, "K1E3", jobcenter="2")
    assert (one["rank"], one["ranked"], two["rank"]) == (2, 2, 1)
    assert _cell(data, "K2E1")["rank"] is None
    assert len(data) == 3 * 3 * 16  # two jobcenters and one type


def test_groups_in_csv_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """CSV gets the columns vergleichstyp, rank, ranked; the text output a second table per type."""
    groups = _groups_file(tmp_path)
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--groups", groups, "--format", "csv"]) == 0
    header = capsys.readouterr().out.lstrip("\ufeff").splitlines()[0]
    assert header.endswith(",suppressed,available,vergleichstyp,rank,ranked")
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--groups", groups, "--min-n", "0"]) == 0
    out = capsys.readouterr().out
    assert "Kennzahlen per Vergleichstyp" in out
    assert any(line.startswith("1 ") and " K1E3 " in line and "2 of 2" in line for line in out.splitlines())


@pytest.mark.parametrize(("text", "said"), [
    ("jobcenter,vergleichstyp\n1,IIa\n", "no Vergleichstyp for jobcenter 2"),
    ("jobcenter,vergleichstyp\n1,IIa\n2,IIa\n1,IIb\n",
     "groups.csv:4: jobcenter '1' has Vergleichstyp 'IIb' here but 'IIa' on line 2"),
    ("jobcenter,typ\n1,IIa\n", "groups.csv:1: needs a header with the columns jobcenter, vergleichstyp"),
    ("jobcenter,vergleichstyp\n1,\n2,IIa\n", "groups.csv:2: empty jobcenter or vergleichstyp"),
])
def test_a_bad_groups_file_is_one_line(text: str, said: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A jobcenter without a type, two types for one, a wrong header, an empty type: exit 2, one line."""
    code = main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--groups", _groups_file(tmp_path, text)])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.splitlines()) == 1
    assert said in err


def test_stock_window_current_uses_the_months_of_the_window(capsys: pytest.CaptureFixture[str]) -> None:
    """K2 of January 2024, JC 1: mean stock 54/12 over S(Jan 23)…S(Dec 23), 55/12 over S(Feb 23)…S(Jan 24)."""
    base = ("--month", "2024-01", "--jobcenter", "1", "--min-n", "0")
    vormonate = _cell(_json(capsys, *base), "K2")
    assert _cell(_json(capsys, *base, "--stock-window", "vormonate"), "K2") == vormonate
    current = _cell(_json(capsys, *base, "--stock-window", "current"), "K2")
    assert vormonate["numerator"] == current["numerator"] == 3
    assert vormonate["denominator"] == pytest.approx(54 / 12)
    assert current["denominator"] == pytest.approx(55 / 12)


_OWN_CATALOGUE = """format = "langzeit-instruments"
version = 1
[[instrument]]
code = "own1"
law = "Landesprogramm (eigener Code)"
name = "Eigenes Aktivierungsprogramm"
[[instrument.period]]
category = "activation"
kinds = ["measure"]
"""


def test_instruments_extend_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A measure with an own code is an input error; with --instruments it is activation: K3E2 2 of 2."""
    spells = tmp_path / "own.csv"
    spells.write_text(Path(EXAMPLE).read_text(encoding="utf-8").replace(",16k,", ",own1,"), encoding="utf-8")
    assert main(["kennzahlen", str(spells), "--month", "2024-06"]) == 2
    assert "own.csv:3:" in capsys.readouterr().err
    catalogue = tmp_path / "own.toml"
    catalogue.write_text(_OWN_CATALOGUE, encoding="utf-8")
    assert main(["kennzahlen", str(spells), "--month", "2024-06", "--min-n", "0",
                 "--instruments", str(catalogue), "--format", "json"]) == 0
    k3e2 = _cell(json.loads(capsys.readouterr().out), "K3E2")
    assert (k3e2["numerator"], k3e2["denominator"]) == (2, 2)


@pytest.mark.parametrize(("text", "said"), [
    (b"name = 'K\xf6ln'\n", "own.toml:1: not UTF-8 text"),
    (b"instrument = [1, 2]\n", "own.toml: instrument 1: must be an [[instrument]] table"),
    (b"[[instrument]]\ncode = 'x'\nlaw = 'l'\nname = 'n'\nperiod = 3\n",
     "period must be [[instrument.period]]"),
    (b"[[instrument]]\ncode = '16i'\nlaw = 'l'\nname = 'n'\n[[instrument.period]]\ncategory = 'none'\n"
     b"kinds = ['measure']\n", "16i"),
])
def test_a_bad_instrument_catalogue_is_one_line(text: bytes, said: str, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A latin-1, mis-shaped or shipped-code-redefining catalogue: exit 2, one line naming the file."""
    catalogue = tmp_path / "own.toml"
    catalogue.write_bytes(text)
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--instruments", str(catalogue)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert said in err
    assert "own.toml" in err


def test_text_table_shows_the_official_name_and_change(capsys: pytest.CaptureFixture[str]) -> None:
    """The text table has the columns change and name: K1E2 of JC 1, women, 1 / 2 → change −50."""
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--jobcenter", "1", "--min-n", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "change" in lines[0].split()
    assert lines[0].split()[-1] == "name"
    row = next(line for line in lines if line.split()[2:4] == ["F", "K1E2"])
    assert "-50" in row.split()
    assert row.endswith("Veränderung der Zahl der erwerbsfähigen Leistungsberechtigten")


_NUMBERS = ("numerator", "denominator", "value", "change", "ci_low", "ci_high")


@pytest.mark.parametrize("extra", [(), ("--groups", "GROUPS"), ("--round-to", "10"), ("--min-n", "5")])
def test_a_suppressed_cell_carries_no_number_at_all(
    extra: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every suppressed row of JSON and CSV has no numerator, denominator, value, change or interval.

    Before the one confidentiality engine, K1 of JC 1 (1000 € of three persons over 650 € of
    two) showed ``numerator 1000.0`` beside ``suppressed: true``: only the hidden denominator
    was blanked (DOMAIN.md § 3: a suppressed cell carries no number at all).
    """
    args = [_groups_file(tmp_path) if a == "GROUPS" else a for a in extra]
    data = _json(capsys, "--month", "2024-06", "--month", "2024-01", *args)
    hidden = [d for d in data if d["suppressed"]]
    assert hidden
    assert all(d[k] is None for d in hidden for k in _NUMBERS)
    if not extra:
        k1 = _cell([d for d in data if d["month"] == "2024-06"], "K1")
        assert k1["suppressed"] is True
        assert k1["numerator"] is None
    assert main(["kennzahlen", EXAMPLE, "--month", "2024-06", "--format", "csv", *args]) == 0
    lines = capsys.readouterr().out.lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    for line in lines[1:]:
        cells = dict(zip(header, next(csv.reader([line])), strict=True))
        if cells["suppressed"] == "true":
            assert all(cells[k] == "" for k in _NUMBERS), line
