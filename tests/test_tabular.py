"""langzeit.tabular gives frames stable dtypes where pandas would fall back to object."""

import datetime

import pandas as pd

from langzeit.tabular import rows_to_frame


def test_dates_become_datetime64() -> None:
    """A column of dates (with a gap) is datetime64, the gap NaT."""
    f = rows_to_frame([{"d": datetime.date(2024, 1, 31)}, {"d": None}], ["d"])
    assert str(f["d"].dtype) == "datetime64[ns]"
    assert pd.isna(f["d"][1])


def test_whole_numbers_with_gaps_become_nullable_integers() -> None:
    """Suppressed counts (None) keep the column integral: Int64 with <NA>, not float or object."""
    f = rows_to_frame([{"n": 3}, {"n": None}, {"n": 0}], ["n"])
    assert str(f["n"].dtype) == "Int64"
    assert f["n"].tolist()[0] == 3
    assert pd.isna(f["n"][1])


def test_flags_with_gaps_become_nullable_booleans() -> None:
    """True/False with a gap is the nullable 'boolean' dtype."""
    f = rows_to_frame([{"b": True}, {"b": None}], ["b"])
    assert str(f["b"].dtype) == "boolean"


def test_mixed_whole_and_decimal_numbers_are_float64() -> None:
    """A column mixing 1 and 2.5 is float64."""
    assert str(rows_to_frame([{"x": 1}, {"x": 2.5}], ["x"])["x"].dtype) == "float64"


def test_explicit_dtypes_win_over_inference() -> None:
    """A dtype given by the table is applied as given."""
    f = rows_to_frame([{"n": 1}, {"n": None}], ["n"], dtypes={"n": "float64"})
    assert str(f["n"].dtype) == "float64"


def test_text_and_complete_integer_columns_are_left_to_pandas() -> None:
    """Columns pandas types well by itself keep pandas' dtype."""
    f = rows_to_frame([{"s": "a", "n": 1}, {"s": "b", "n": 2}], ["s", "n"])
    assert str(f["n"].dtype) == "int64"
    assert f["s"].tolist() == ["a", "b"]
