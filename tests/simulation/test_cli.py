import json
import sqlite3
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.store import read_events


def test_scenarios_lists_every_built_in(capsys: pytest.CaptureFixture[str]) -> None:
    """`langzeit scenarios --format json` lists the eleven built-ins with their targets."""
    assert main(["scenarios", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == ["aktivoreha", "geh-vor", "leitbild-1-12", "leitbild-1-60", "lipsy",
                                       "mm-c-queue", "pan-ploen", "proges", "rpe-euregio", "sanus-le",
                                       "segel-setzen"]
    geh = data[1]
    assert geh["places"] == 32
    assert [c["metric"] for c in geh["calibration"]] == ["occupied_at_end", "waiting_at_end", "extensions"]


def test_simulate_prints_the_summary_and_calibration(capsys: pytest.CaptureFixture[str]) -> None:
    """The text report names the scenario, the metrics and each seed figure."""
    assert main(["simulate", "pan-ploen", "--replications", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PaN (Kreis Plön): four cycles of 15\n"
                          "scenario pan-ploen, programme pan, seed 2024, 3 replications")
    assert "4 cycles × 15 participants" in out
    assert "# Programme report of replication 1" in out
    assert "## Funnel (Einström / Durchström / Ausström)" in out


def test_simulate_json_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    """The same seed prints the same JSON; keys are stable."""
    main(["simulate", "sanus-le", "--seed", "5", "--replications", "2", "--format", "json"])
    first = json.loads(capsys.readouterr().out)
    main(["simulate", "sanus-le", "--seed", "5", "--replications", "2", "--format", "json"])
    assert json.loads(capsys.readouterr().out) == first
    assert set(first) == {"scenario", "name", "programme", "seed", "replications", "start", "observed_from",
                          "end", "summary", "calibration", "events", "programme_report"}
    assert first["programme_report"]["format"] == "langzeit-programme-report"
    take_up = next(c for c in first["calibration"] if c["metric"] == "take_up")
    assert take_up["within_tolerance"] is True


def test_simulate_writes_the_log_to_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out writes the first replication's events; reading them back gives the same count."""
    out = tmp_path / "geh-vor.sqlite"
    assert main(["simulate", "geh-vor", "--replications", "1", "--out", str(out), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["written"] == report["events"] == len(read_events(out))
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from sqlite_master").fetchone()[0] > 0


def test_out_without_suffix_is_sqlite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path without suffix gets the embedded default, SQLite; an unknown suffix is a usage error."""
    out = tmp_path / "run"
    assert main(["simulate", "pan-ploen", "--replications", "1", "--out", str(out)]) == 0
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from sqlite_master").fetchone()[0] > 0
    assert main(["simulate", "pan-ploen", "--out", str(tmp_path / "run.xlsx")]) == 2
    assert "unknown event log format" in capsys.readouterr().err


def test_simulate_reads_a_scenario_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A TOML path works like a built-in name."""
    f = tmp_path / "mine.toml"
    f.write_text('id = "mine"\nstart = 2024-01-01\nhorizon = 6\nprogramme = "sanus-le"\n'
                 '[referrals]\nkind = "open_days"\nevery = 3\nmean = 10\n', encoding="utf-8")
    assert main(["simulate", str(f), "--replications", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario"] == "mine"


def test_invalid_scenario_lists_its_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A bad scenario file exits with 2: one line naming the first problem; validate lists them all."""
    f = tmp_path / "bad.toml"
    f.write_text('id = "bad"\nstart = 2024-01-01\nhorizon = 6\nprogramme = "sanus-le"\n'
                 'agreement_probability = 7\n[referrals]\nkind = "poisson"\n', encoding="utf-8")
    assert main(["simulate", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "bad.toml.referrals.rate: required key missing (and 1 more problem" in err
    assert main(["validate", str(f)]) == 1
    out = capsys.readouterr().out
    assert "bad.toml.referrals.rate: required key missing" in out
    assert "bad.toml.agreement_probability: must be a probability" in out


def test_no_progress_bar_when_stderr_is_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Captured stderr (not a terminal) stays empty."""
    main(["simulate", "pan-ploen", "--replications", "2"])
    assert capsys.readouterr().err == ""
