"""Statistical confidentiality: primary and secondary suppression, rounding, flags."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from langzeit.indicators import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    ConfidentialityRule,
    CountTable,
    rate_suppressed,
    round_to_multiple,
    suppress,
    suppression_flags,
)


def test_primary_suppresses_small_non_zero_cells_only() -> None:
    """Cells with 0 < n < min_n are suppressed; 0 and n >= min_n are shown."""
    flags = suppression_flags([[0, 1, 2, 3, 4]], min_n=3, row_totals=False, column_totals=False)
    assert flags.tolist() == [[SHOWN, PRIMARY, PRIMARY, SHOWN, SHOWN]]


def test_min_n_is_a_parameter() -> None:
    """With min_n = 5 a cell of 4 is suppressed."""
    flags = suppression_flags([[4, 5]], min_n=5, row_totals=False, column_totals=False)
    assert flags.tolist() == [[PRIMARY, SHOWN]]


def test_secondary_suppresses_the_smallest_other_cell_in_a_row() -> None:
    """Row [1, 9, 4 | 14]: 1 is primary; the smallest other non-zero cell, 4, is secondary."""
    flags = suppression_flags([[1, 9, 4, 14]], column_totals=False)
    assert flags.tolist() == [[PRIMARY, SHOWN, SECONDARY, SHOWN]]


def test_secondary_skips_zero_cells() -> None:
    """Row [2, 0, 6 | 8]: the zero cannot protect anything, so 6 is suppressed."""
    flags = suppression_flags([[2, 0, 6, 8]], column_totals=False)
    assert flags.tolist() == [[PRIMARY, SHOWN, SECONDARY, SHOWN]]


def test_secondary_iterates_over_rows_and_columns_to_a_fixed_point() -> None:
    """2×2 table with margins and one primary cell: a rectangle of four cells ends up suppressed.

    Table (margins last): [[1, 5 | 6], [4, 4 | 8], [5, 9 | 14]].
    Row 0 has one suppressed cell (1) -> 5 secondary; column 0 then has one (1) -> 4 at (1, 0);
    column 1 has one (5) -> 4 at (1, 1). Now every line has 0 or 2 suppressed cells.
    """
    flags = suppression_flags([[1, 5, 6], [4, 4, 8], [5, 9, 14]])
    assert flags.tolist() == [[PRIMARY, SECONDARY, SHOWN], [SECONDARY, SECONDARY, SHOWN], [0, 0, 0]]


def test_a_small_total_is_protected_too() -> None:
    """Row [1, 1 | 2]: all three are primary (the total 2 < 3 as well)."""
    flags = suppression_flags([[1, 1, 2]], column_totals=False)
    assert flags.tolist() == [[PRIMARY, PRIMARY, PRIMARY]]


def test_without_secondary_only_primary_cells_are_flagged() -> None:
    """secondary=False leaves every non-small cell shown."""
    flags = suppression_flags([[1, 9, 10]], column_totals=False, secondary=False)
    assert flags.tolist() == [[PRIMARY, SHOWN, SHOWN]]


def test_rounding_is_half_up_to_multiples_of_ten() -> None:
    """4 -> 0, 5 -> 10, 14 -> 10, 15 -> 20, 0 -> 0."""
    assert round_to_multiple([4, 5, 14, 15, 0]).tolist() == [0, 10, 10, 20, 0]
    assert round_to_multiple(25, 50) == 50


def test_rates_follow_their_numerator_and_denominator() -> None:
    """A rate is suppressed when the numerator or the denominator is."""
    flags = rate_suppressed([SHOWN, PRIMARY, SHOWN, SECONDARY], [SHOWN, SHOWN, SECONDARY, PRIMARY])
    assert flags.tolist() == [False, True, True, True]


def test_suppress_count_table_gives_margins_flags_and_no_fake_values() -> None:
    """JC × sex table: suppressed cells are None with a flag name; totals are appended."""
    table = CountTable(("JC1", "JC2"), ("F", "M"), ((2, 10), (7, 8)))
    result = suppress(table)
    assert result.row_keys == ("JC1", "JC2", "total")
    assert result.column_keys == ("F", "M", "total")
    assert result.counts == ((None, None, 12), (None, None, 15), (9, 18, 27))
    assert result.flags == ((PRIMARY, SECONDARY, SHOWN), (SECONDARY, SECONDARY, SHOWN), (0, 0, 0))
    assert result.suppressed("JC2", "M")
    row = result.rows()[0]
    assert row == {"row": "JC1", "column": "F", "count": None, "suppressed": True, "flag": "primary"}


def test_suppress_rounds_shown_counts_only() -> None:
    """With round_to=10 shown counts are rounded; suppressed ones stay None."""
    result = suppress(CountTable(("a",), ("x", "y"), ((1, 26),)), round_to=10, column_totals=False)
    assert result.counts == ((None, None, 30),)


def test_suppress_rejects_unknown_objects_and_bad_options() -> None:
    """Only count tables and results that support suppression are accepted; min_n >= 1."""
    with pytest.raises(TypeError):
        suppress([[1, 2]])
    with pytest.raises(ValueError, match="min_n"):
        ConfidentialityRule(min_n=0)
    with pytest.raises(ValueError, match="shape"):
        CountTable(("a",), ("x",), ((1, 2),))


@given(
    hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), elements=st.integers(0, 12))
)
def test_no_line_is_left_with_exactly_one_suppressed_non_recoverable_cell(cells: np.ndarray) -> None:
    """After suppression no row or column has exactly one suppressed cell unless all others are 0."""
    a = np.concatenate([cells, cells.sum(axis=1, keepdims=True)], axis=1)
    a = np.concatenate([a, a.sum(axis=0, keepdims=True)], axis=0)
    flags = suppression_flags(a)
    sup = flags != SHOWN
    assert (sup[(a > 0) & (a < 3)]).all()
    assert not sup[a == 0].any()
    for line, line_sup in itertools.chain(zip(a, sup, strict=True), zip(a.T, sup.T, strict=True)):
        if line_sup.sum() == 1:
            # nothing left to suppress: every other cell is zero
            assert (line[~line_sup] == 0).all()
