"""langzeit report on SQLite streams the store into columns and gives the same report as JSONL."""

import json
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.simulation import load_scenario, simulate
from langzeit.store import SqliteEventStore, write_events


def test_sqlite_and_jsonl_of_one_log_give_the_same_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The streamed SQLite path and the JSONL reader produce identical JSON reports."""
    log = simulate(load_scenario("geh-vor"), seed=7, replications=1, keep_events=True).log(0)
    jsonl, sqlite = tmp_path / "log.jsonl", tmp_path / "log.sqlite"
    write_events(log, jsonl)
    with SqliteEventStore(sqlite) as store:
        store.extend(log.events())
    assert main(["report", str(jsonl), "--format", "json"]) == 0
    from_jsonl = json.loads(capsys.readouterr().out)
    assert main(["report", str(sqlite), "--format", "json"]) == 0
    from_sqlite = json.loads(capsys.readouterr().out)
    from_jsonl.pop("file")
    from_sqlite.pop("file")
    assert from_sqlite["events"] == len(log) > 0
    assert from_sqlite == from_jsonl


def test_iter_events_streams_in_log_order(tmp_path: Path) -> None:
    """iter_events yields exactly events(): by date, ties in append order."""
    log = simulate(load_scenario("geh-vor"), seed=3, replications=1, keep_events=True).log(0)
    with SqliteEventStore(tmp_path / "s.sqlite") as store:
        store.extend(list(log))
        assert list(store.iter_events()) == store.events() == log.events()
