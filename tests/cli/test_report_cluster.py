"""langzeit report with --partitions, --workers and --scheduler: the report of the serial run, exactly."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.simulation import load_scenario, simulate
from langzeit.store import write_events


@pytest.fixture(scope="module")
def event_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A simulated geh-vor log as JSON Lines, and a participants CSV with a sex column."""
    log = simulate(load_scenario("geh-vor"), seed=11, replications=1, keep_events=True).log(0)
    folder = tmp_path_factory.mktemp("report")
    write_events(log, folder / "log.jsonl")
    with open(folder / "people.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["participant_id", "sex"])
        for i, pid in enumerate(sorted({e.participant_id for e in log})):
            w.writerow([pid, "FM"[i % 2]])
    return folder / "log.jsonl", folder / "people.csv"


def _report(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["report", *argv, "--format", "json"]) == 0
    out: dict[str, object] = json.loads(capsys.readouterr().out)
    return out


def test_partitions_give_the_serial_report(event_log: tuple[Path, Path],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """--partitions 3 (counted here, merged) prints the serial report, grouped and with confidentiality."""
    log, people = event_log
    args = [str(log), "--participants", str(people), "--by", "sex", "--planned-months", "12"]
    serial = _report(args, capsys)
    assert _report([*args, "--partitions", "3"], capsys) == serial
    assert serial["participants"] > 0  # type: ignore[operator]


def test_partitions_give_the_serial_text(event_log: tuple[Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The text report is the same, line for line."""
    assert main(["report", str(event_log[0])]) == 0
    serial = capsys.readouterr().out
    assert main(["report", str(event_log[0]), "--partitions", "5"]) == 0
    assert capsys.readouterr().out == serial


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster of two single-threaded worker processes on loopback (stopped afterwards)."""
    distributed = pytest.importorskip("distributed",
                                      reason="the dask extra is not installed: pip install -e '.[dask]'")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, memory_limit="1GiB") as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
def test_report_on_a_scheduler_equals_the_serial_report(event_log: tuple[Path, Path], scheduler: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """--scheduler ADDRESS (a real LocalCluster with worker processes) prints the serial report exactly."""
    log, people = event_log
    args = [str(log), "--participants", str(people), "--by", "sex"]
    serial = _report(args, capsys)
    assert _report([*args, "--scheduler", scheduler], capsys) == serial


@pytest.mark.slow
def test_report_with_local_workers_equals_the_serial_report(event_log: tuple[Path, Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """--workers 2 starts a local cluster for the command: the same report as the serial run."""
    pytest.importorskip("distributed")
    serial = _report([str(event_log[0])], capsys)
    assert _report([str(event_log[0]), "--workers", "2"], capsys) == serial
