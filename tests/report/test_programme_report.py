"""The programme report: assembly, confidentiality on every table, text and JSON, the CLI command."""

import json
import tempfile
from datetime import date
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.events import Admitted, Event, EventLog, Exited, PhaseEntered, Referred, Waitlisted
from langzeit.indicators import RateTable, StaffCost
from langzeit.report import REPORT_FORMAT, build_programme_report, format_table
from langzeit.store import write_events


def _log(n: int = 12) -> list[Event]:
    """A log of n referred; every second admitted to coaching; every fourth exits to svp."""
    out: list[Event] = []
    for i in range(n):
        pid = f"p{i:02d}"
        out.append(Referred(f"r{i}", pid, date(2024, 1, 8)))
        out.append(Waitlisted(f"w{i}", pid, date(2024, 1, 9)))
        if i % 2 == 0:
            out.append(Admitted(f"a{i}", pid, date(2024, 2, 1)))
            out.append(PhaseEntered(f"c{i}", pid, date(2024, 2, 1), phase_id="coaching"))
            if i % 4 == 0:
                out.append(Exited(f"x{i}", pid, date(2024, 8, 15), reason="work", outcome="svp"))
    return out


def test_report_counts_hand_case() -> None:
    """12 referred, 6 admitted, 3 Integrationen at month 6 since admission."""
    rep = build_programme_report(_log(), data_end=date(2024, 12, 31), min_n=None)
    assert (rep.take_up.get("took_part").numerator, rep.take_up.get("took_part").denominator) == (6, 12)
    assert rep.outcomes.get("svp").numerator == 3
    assert rep.competing_exits.get("integration_6m").value == pytest.approx(50.0)
    assert rep.waiting.length.tolist()[:2] == [12, 6]


def test_every_rate_table_is_suppressed_with_the_rule() -> None:
    """With min_n 4, every rate table carries flags and no published count lies in 1…3."""
    rep = build_programme_report(_log(), data_end=date(2024, 12, 31), min_n=4)
    for _, _, table in rep.sections():
        if isinstance(table, RateTable):
            assert table.numerator_flags is not None
            for row in table.to_records():
                for key in ("numerator", "denominator"):
                    assert row[key] is None or row[key] == 0 or row[key] >= 4
    assert all(r["waiting"] is None or r["waiting"] == 0 or r["waiting"] >= 4 for r in rep.waiting.rows())


def test_json_has_stable_keys_and_is_serialisable() -> None:
    """to_dict() names its format and version and survives json.dumps."""
    d = build_programme_report(_log()).to_dict()
    assert d["format"] == REPORT_FORMAT
    assert {"funnel", "take_up", "dropout", "outcomes", "competing_exits", "sequences"} <= set(d["sections"])
    json.dumps(d)


def test_grouped_report_by_attribute() -> None:
    """Grouping by an attribute adds a row per group to the rate tables."""
    attrs_ = {f"p{i:02d}": {"sex": "F" if i < 6 else "M"} for i in range(12)}
    rep = build_programme_report(_log(), participants=attrs_, by="sex", min_n=None)
    assert rep.take_up.groups == ("all", "F", "M")
    assert rep.take_up.numerator[:, 0].tolist() == [6, 3, 3]


def test_cost_section_with_break_even() -> None:
    """Three Integrationen in August relieve 3 × 1000 € a month from September; cost 1000 € a month."""
    rep = build_programme_report(_log(), data_end=date(2024, 12, 31), min_n=None,
                                 staff=[StaffCost("c1", 0.2, 5000)], monthly_benefit=1000,
                                 cost_start=date(2024, 1, 1))
    assert rep.cost is not None
    # cumulative cost by Dec: 12 000; relief Sep–Dec: 12 000 -> break-even in December
    assert rep.cost.break_even == date(2024, 12, 31)


def test_text_report_mentions_every_section() -> None:
    """The text rendering has a heading for each section."""
    rep = build_programme_report(_log())
    text = rep.to_text()
    for _, title, _ in rep.sections():
        assert f"## {title}" in text


def test_format_table_aligns_columns() -> None:
    """Columns are padded to the widest cell."""
    assert format_table(["a", "bbb"], [[1, None]]).splitlines() == ["a  bbb", "-  ---", "1  –"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".sqlite"])
def test_cli_report_json_for_every_format(suffix: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`langzeit report FILE --format json` reads each store format and prints the same figures."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"log{suffix}"
        write_events(EventLog(_log()), path)
        assert main(["report", str(path), "--format", "json", "--min-n", "0"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["participants"] == 12
    assert d["sections"]["take_up"][0]["numerator"] == 6


def test_cli_report_text_and_grouping(capsys: pytest.CaptureFixture[str]) -> None:
    """Text output with --participants/--by groups the tables."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "log.jsonl"
        write_events(EventLog(_log()), path)
        people = Path(folder) / "people.csv"
        people.write_text("participant_id,sex\n" + "".join(f"p{i:02d},{'F' if i < 6 else 'M'}\n"
                                                            for i in range(12)), encoding="utf-8")
        assert main(["report", str(path), "--participants", str(people), "--by", "sex"]) == 0
    out = capsys.readouterr().out
    assert "## Take-up" in out
    assert "\nF " in out or "\nF  " in out


def test_cli_report_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file is one line on stderr with exit code 2 (bad input)."""
    assert main(["report", "no/such/log.jsonl"]) == 2
    assert capsys.readouterr().err == "langzeit: error: no/such/log.jsonl: event log not found\n"
