"""SpellTable: construction checks, records, selection, rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from langzeit.exceptions import DataFormatError
from langzeit.spells import NO_CODE, OPEN_END, SpellKind, SpellTable, date_to_day, day_to_date, label_sort_key


def _table(**overrides: object) -> SpellTable:
    columns: dict[str, object] = {
        "person": [0, 0], "kind": [SpellKind.ELB, SpellKind.SVP], "start": [100, 200], "end": [OPEN_END, 300],
        "jobcenter": [0, NO_CODE], "sex": [1, 0], "single_parent": [True, False], "instrument": [NO_CODE] * 2,
        "amount": [np.nan, np.nan], "person_ids": ["p"], "jobcenter_labels": ["J"], "instrument_labels": [],
        "data_end": 400,
    }
    columns.update(overrides)
    return SpellTable(**columns)  # type: ignore[arg-type]


def test_day_numbers_round_trip_dates() -> None:
    """date_to_day and day_to_date are inverse; day 0 is 1970-01-01."""
    assert date_to_day(dt.date(1970, 1, 1)) == 0
    assert day_to_date(date_to_day(dt.date(2024, 2, 29))) == dt.date(2024, 2, 29)


def test_columns_must_have_one_length() -> None:
    """A column of another length is refused."""
    with pytest.raises(ValueError, match="kind"):
        _table(kind=[0])


def test_codes_must_be_in_range() -> None:
    """Person, jobcenter and instrument codes must point into their labels; end not before start."""
    with pytest.raises(ValueError, match="person"):
        _table(person=[0, 1])
    with pytest.raises(ValueError, match="jobcenter"):
        _table(jobcenter=[1, NO_CODE])
    with pytest.raises(ValueError, match="instrument"):
        _table(instrument=[0, NO_CODE])
    with pytest.raises(ValueError, match="ends before"):
        _table(end=[50, 300])


def test_rows_decode_every_column() -> None:
    """Rows carry dates, labels, None for an open end and for missing values."""
    rows = _table().rows()
    assert rows[0] == {
        "person_id": "p", "kind": "elb", "start": day_to_date(100), "end": None, "jobcenter": "J", "sex": "F",
        "single_parent": True, "instrument": None, "amount": None,
    }
    assert rows[1]["end"] == day_to_date(300)


def test_select_keeps_labels_and_persons() -> None:
    """Selecting rows keeps person ids, labels and the data end."""
    t = _table().select(np.array([False, True]))
    assert len(t) == 1
    assert t.person_ids.tolist() == ["p"]
    assert t.data_end == 400


def test_from_records_validates_like_the_reader() -> None:
    """Bad records raise DataFormatError; record i is line i + 2; lenient keeps the good ones."""
    records = [{"person_id": "p", "kind": "svp", "start": "2024-01-01"}, {"person_id": "p", "kind": "x"}]
    with pytest.raises(DataFormatError) as info:
        SpellTable.from_records(records)
    assert info.value.rejected[0].line == 3
    assert len(SpellTable.from_records(records, strict=False)) == 1


def test_kind_labels() -> None:
    """Kinds map to their CSV labels and back; an unknown label is an error."""
    assert [k.label for k in SpellKind][:3] == ["elb", "svp", "apprenticeship"]
    assert SpellKind.from_label("luh") is SpellKind.LUH
    with pytest.raises(ValueError, match="unknown kind"):
        SpellKind.from_label("ELB")


def test_jobcenter_ids_sort_numbers_first() -> None:
    """Numeric ids compare as numbers, before other ids."""
    assert sorted(["B", "10", "2", "A"], key=label_sort_key) == ["2", "10", "A", "B"]


def test_html_shows_only_the_first_rows() -> None:
    """The Jupyter view of a large table decodes only its first 20 spells and names the size."""
    from langzeit.spells import generate_spells

    t = generate_spells(300, seed=1)
    html = t._repr_html_()
    assert html.count("<tr>") == 21  # header + 20 rows
    assert f"{len(t)} spells of 300 persons" in html
