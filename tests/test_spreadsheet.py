"""Spreadsheet-safe CSV cells: the escaping is applied to formula starts and undone exactly."""

from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from langzeit._spreadsheet import TRIGGERS, escape_cell, unescape_cell
from langzeit.events import EventLog, PlanStepAgreed, Referred
from langzeit.store import read_csv, write_csv


@given(st.text())
def test_unescape_undoes_escape(text: str) -> None:
    """Every text comes back exactly: the rule is reversible."""
    assert unescape_cell(escape_cell(text)) == text


@given(st.text(min_size=1))
def test_no_escaped_cell_starts_with_a_formula_character(text: str) -> None:
    """An escaped cell starts with a formula character only when it is a plain number."""
    cell = escape_cell(text)
    if cell[0] in TRIGGERS:
        assert cell[0] in "+-"
        assert float(cell) == float(text)


def test_formula_cells_get_a_quote_and_numbers_stay() -> None:
    """The OWASP starts are quoted; -3 and +4.5 stay numbers."""
    cells = ["=1+2", "+A1", "-A1", "@SUM(A1)", "\t=x", "\r=x", "-3", "+4.5", "a=b"]
    assert [escape_cell(t) for t in cells] == [
        "'=1+2", "'+A1", "'-A1", "'@SUM(A1)", "'\t=x", "'\r=x", "-3", "+4.5", "a=b"]


def test_an_event_csv_with_formulas_is_safe_and_round_trips(tmp_path: Path) -> None:
    """A description '=HYPERLINK(…)' is written quoted and read back unchanged."""
    log = EventLog([Referred("=e1", "@p1", date(2024, 1, 8), programme_id="-x", referrer="'quoted"),
                    PlanStepAgreed("e2", "p1", date(2024, 2, 1), step_id="s1",
                                   description='=HYPERLINK("http://evil","click")')])
    path = tmp_path / "log.csv"
    write_csv(log, path)
    text = path.read_text(encoding="utf-8")
    for quoted in ("'=HYPERLINK", "'=e1", "'@p1", "''quoted"):
        assert quoted in text
    assert read_csv(path) == log
