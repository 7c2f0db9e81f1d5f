"""Spell CSV files written by langzeit are safe to open in a spreadsheet and read back exactly."""

from __future__ import annotations

import io

from langzeit.spells import SpellTable, read_spells, write_spells

IDS = ["=HYPERLINK(\"x\")", "+49 345", "-5", "@SUM(A1)", "'quoted", "'=already", "plain"]


def _table() -> SpellTable:
    return SpellTable.from_records(
        [{"person_id": pid, "kind": "elb", "start": "2024-01-01", "jobcenter": jc}
         for pid, jc in zip(IDS, ["=1+1", "J", "-3", "@x", "J", "J", "J"], strict=True)])


def test_formula_cells_are_escaped_in_the_written_csv() -> None:
    """Ids and jobcenters that a spreadsheet would run as formulas get a leading quote; numbers do not."""
    out = io.StringIO()
    write_spells(_table(), out)
    cells = [line.split(",")[0] for line in out.getvalue().splitlines()[1:]]
    assert "'@SUM(A1)" in cells
    assert "'+49 345" in cells
    assert "-5" in cells
    assert "''quoted" in cells
    assert "'=1+1" in out.getvalue()
    assert not any(c.startswith(("=", "+", "@")) for c in cells)


def test_escaped_csv_reads_back_to_the_same_table() -> None:
    """read_spells undoes the escaping: the ids and jobcenters round-trip exactly."""
    table = _table()
    out = io.StringIO()
    write_spells(table, out)
    back = read_spells(io.StringIO(out.getvalue()))
    assert sorted(back.person_ids.tolist()) == sorted(IDS)
    assert sorted(back.jobcenter_labels) == sorted(table.jobcenter_labels)
    assert sorted(r["person_id"] for r in back.rows()) == sorted(r["person_id"] for r in table.rows())
