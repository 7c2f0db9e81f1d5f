"""langzeit evaluate EVENTS SPELLS: JSON with stable keys, text, confidentiality, optional inputs."""

import datetime as dt
import json
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.events import Admitted, Exited, Referred
from langzeit.spells import SpellTable, write_spells
from langzeit.store import write_events


def _files(tmp_path: Path) -> tuple[Path, Path]:
    rows = []
    for i in range(40):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=7 * i)
        rows.append({"person_id": f"x{i}", "kind": "elb", "start": start.isoformat(),
                     "end": "2024-06-30" if i % 3 == 0 else "", "jobcenter": "J", "sex": "FM"[i % 2]})
    spells = SpellTable.from_records(rows, data_end=dt.date(2025, 12, 31))
    events = []
    for i in range(0, 12, 2):
        events += [Referred(f"r{i}", f"p{i}", dt.date(2023, 5, 2)),
                   Admitted(f"a{i}", f"p{i}", dt.date(2023, 6, 1)),
                   Exited(f"x{i}", f"p{i}", dt.date(2024, 1, 10), reason="completed")]
    events.append(Referred("r99", "p99", dt.date(2023, 5, 2)))  # has no mapping row
    sp, ev = tmp_path / "spells.csv", tmp_path / "events.jsonl"
    write_spells(spells, sp)
    write_events(events, ev)
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("participant_id,person_id\n" + "".join(f"p{i},x{i}\n" for i in range(0, 12, 2)))
    return sp, ev


def test_json_report_has_stable_keys_and_reports_unlinked(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON names both files, the format and every section; unlinked participants are counted."""
    sp, ev = _files(tmp_path)
    assert main(["evaluate", str(ev), str(sp), "--mapping", str(tmp_path / "mapping.csv"), "--format", "json",
                 "--min-n", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["format"] == "langzeit-evaluation/1"
    assert set(data) >= {"events", "spells", "linkage", "status", "outcomes", "comparison", "criteria"}
    unlinked = {"no entry in the mapping table": 1}
    assert data["linkage"] == {"participants": 7, "linked": 6, "unlinked": unlinked}
    assert data["comparison"]["pairs"] + sum(data["comparison"]["unmatched"].values()) == 6
    assert {r["item"] for r in data["comparison"]["effects"]} >= {"off_benefit_12m", "integration_24m"}


def test_confidentiality_hides_small_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --min-n 10 the six participants' shares are suppressed: no value, a flag."""
    sp, ev = _files(tmp_path)
    assert main(["evaluate", str(ev), str(sp), "--mapping", str(tmp_path / "mapping.csv"), "--format", "json",
                 "--min-n", "10"]) == 0
    data = json.loads(capsys.readouterr().out)
    after = {r["item"]: r for r in data["outcomes"]["after_entry"]}
    assert after["off_benefit_12m"]["suppressed"] is True
    assert after["off_benefit_12m"]["value"] is None
    assert data["comparison"]["balance"] is None
    assert all(r["difference"] is None for r in data["comparison"]["effects"] if r["n"] < 10)


def test_text_report_and_bad_mapping_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Text output starts with the summary line; a mapping without the columns is bad input (exit 2)."""
    sp, ev = _files(tmp_path)
    assert main(["evaluate", str(ev), str(sp), "--mapping", str(tmp_path / "mapping.csv")]) == 0
    assert capsys.readouterr().out.startswith("Evaluation: 7 participants, 6 linked")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,other\n1,2\n")
    assert main(["evaluate", str(ev), str(sp), "--mapping", str(bad)]) != 0
    assert "participant_id" in capsys.readouterr().err
