"""Risk tables add up across partitions; the estimators of the merged table equal the whole."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.indicators import RiskTable, aalen_johansen, kaplan_meier

durations = st.lists(st.tuples(st.integers(0, 30), st.integers(0, 3)), max_size=40)


@settings(max_examples=80)
@given(durations, st.lists(st.integers(0, 3), max_size=40))
def test_merged_risk_tables_equal_the_table_of_all_durations(data: list[tuple[int, int]],
                                                             where: list[int]) -> None:
    """Splitting durations into up to 4 parts and merging their tables gives the whole table and estimates."""
    d = np.array([t for t, _ in data], dtype=np.int64)
    c = np.array([k for _, k in data], dtype=np.int64)
    part = np.array([(where[i] if i < len(where) else 0) for i in range(len(d))], dtype=np.int64)
    tables = [RiskTable.of_durations(d[part == k], c[part == k], causes=3) for k in range(4)]
    merged = tables[0]
    for t in tables[1:]:
        merged = merged.merge(t)
    whole = RiskTable.of_durations(d, c, causes=3)
    assert merged.rows() == whole.rows()
    ci_m = aalen_johansen(merged, causes=("a", "b", "c"))
    ci_w = aalen_johansen(d, c, causes=("a", "b", "c"))
    assert ci_m.rows() == ci_w.rows()
    assert kaplan_meier(merged).rows() == kaplan_meier(d, c > 0).rows()


def test_a_risk_table_by_hand() -> None:
    """Durations 2, 2, 5 (events 1, 0, 2): at risk 3 then 1; events per cause and censored per month."""
    t = RiskTable.of_durations([2, 2, 5], [1, 0, 2])
    assert t.times.tolist() == [2, 5]
    assert t.at_risk.tolist() == [3, 1]
    assert t.events.tolist() == [[1, 0], [0, 1]]
    assert t.censored.tolist() == [1, 0]


def test_risk_tables_of_different_causes_do_not_merge() -> None:
    """Merging a one-cause and a two-cause table is refused."""
    with pytest.raises(ValidationError):
        RiskTable.of_durations([1], [1]).merge(RiskTable.of_durations([1], [2]))


def test_a_risk_table_and_durations_together_are_refused() -> None:
    """kaplan_meier takes durations with observed, or a table alone."""
    with pytest.raises(ValidationError):
        kaplan_meier(RiskTable.of_durations([1], [1]), [1])
    with pytest.raises(ValidationError):
        aalen_johansen(RiskTable.of_durations([1], [1]), causes=("a", "b"))


def test_an_inconsistent_risk_table_is_refused() -> None:
    """Times not ascending are a ValidationError."""
    with pytest.raises(ValidationError):
        RiskTable([3, 1], [2, 1], [[1, 1]], [0, 0])
