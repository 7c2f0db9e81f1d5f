"""langzeit export --pseudonymise: research exports of event logs and spell files (DOMAIN.md § 6)."""

import json
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.events import Declined, Referred
from langzeit.privacy import Pseudonymiser
from langzeit.spells import read_spells
from langzeit.store import read_events, write_events

KEY = b"0123456789abcdef0123456789abcdef"


def _export(source: Path, key: Path, out: Path, *options: str) -> int:
    """The exit status of ``langzeit export SOURCE --pseudonymise --key-file KEY --out OUT [OPTIONS]``."""
    return main(["export", str(source), "--pseudonymise", "--key-file", str(key), "--out", str(out),
                 *options])


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    """A two-event JSONL log and a key file."""
    from datetime import date

    log = tmp_path / "events.jsonl"
    write_events([Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
                  Declined("e2", "p1", date(2024, 1, 20), reason="Frau M. ist krank")], log)
    key = tmp_path / "key.txt"
    key.write_bytes(KEY + b"\n")
    return log, key


def test_export_writes_pseudonymised_events_and_reports_in_json(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ids are the keyed hash, free text is gone, dates at month precision; JSON names the counts."""
    log, key = files
    out = tmp_path / "export.sqlite"
    assert _export(log, key, out, "--dates", "month", "--format", "json") == 0
    p = Pseudonymiser(KEY, dates="month")
    report = json.loads(capsys.readouterr().out)
    assert report == {"file": str(log), "out": str(out), "kind": "events", "events": 2, "persons": 1,
                      "dates": "month", "key_id": p.key_id}
    events = list(read_events(out))
    assert {e.participant_id for e in events} == {p.id("p1")}
    assert [str(e.date) for e in events] == ["2024-01-01", "2024-01-01"]
    assert "krank" not in out.read_bytes().decode("latin-1")


def test_export_of_spells_links_to_the_events_export(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spell file exported with the same key gives the person the same pseudonym."""
    _, key = files
    spells = tmp_path / "spells.csv"
    spells.write_text("person_id,kind,start,end,jobcenter\np1,elb,2024-01-01,,JC1\n", encoding="utf-8")
    out = tmp_path / "spells.parquet"
    assert _export(spells, key, out) == 0
    assert "1 spells of 1 persons, pseudonymised" in capsys.readouterr().out
    assert read_spells(out).rows()[0]["person_id"] == Pseudonymiser(KEY).id("p1")


def test_export_needs_pseudonymise_and_a_usable_key(
    files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --pseudonymise, or with a short key, nothing is written and the exit status is 2."""
    log, key = files
    out = tmp_path / "x.jsonl"
    assert main(["export", str(log), "--key-file", str(key), "--out", str(out)]) == 2
    short = tmp_path / "short.txt"
    short.write_bytes(b"Jefe")
    assert _export(log, short, out) == 2
    err = capsys.readouterr().err
    assert "give --pseudonymise" in err
    assert "at least 16" in err
    assert not out.exists()


def test_export_does_not_replace_a_file_without_force(files: tuple[Path, Path], tmp_path: Path) -> None:
    """An existing --out is kept unless --force; with --force it is replaced whole."""
    log, key = files
    out = tmp_path / "x.jsonl"
    out.write_text("precious", encoding="utf-8")
    assert _export(log, key, out) == 2
    assert out.read_text(encoding="utf-8") == "precious"
    assert _export(log, key, out, "--force") == 0
    assert len(read_events(out)) == 2


def test_report_of_the_research_export_equals_the_originals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Log and participant table exported with one key: `report --by sex` gives the same figures."""
    from langzeit.simulation import load_scenario, simulate

    log = tmp_path / "events.jsonl"
    events = list(simulate(load_scenario("geh-vor"), seed=3, replications=1, keep_events={0}).log(0))
    write_events(events, log)
    people = tmp_path / "people.csv"
    pids = sorted({e.participant_id for e in events})
    people.write_text("participant_id,sex\n" + "".join(f"{p},{'FM'[i % 2]}\n" for i, p in enumerate(pids)),
                      encoding="utf-8")
    key = tmp_path / "key.txt"
    key.write_bytes(KEY)
    for source, target in ((log, "x-events.jsonl"), (people, "x-people.csv")):
        assert _export(source, key, tmp_path / target) == 0
    capsys.readouterr()

    def report(events_file: Path, people_file: Path) -> dict[str, object]:
        assert main(["report", str(events_file), "--participants", str(people_file), "--by", "sex",
                     "--data-end", "2027-12-31", "--format", "json"]) == 0
        out: dict[str, object] = json.loads(capsys.readouterr().out)
        out.pop("file")
        return out

    original = report(log, people)
    assert report(tmp_path / "x-events.jsonl", tmp_path / "x-people.csv") == original
    assert Pseudonymiser(KEY).id(pids[0]) in (tmp_path / "x-people.csv").read_text(encoding="utf-8")
