"""The row split of compute_counts: each kind's rows ascending, amount rows only in the window, any chunks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from langzeit.indicators import _kennzahlen_counts
from langzeit.indicators._kennzahlen_counts import _rows_by_kind
from langzeit.spells import SpellKind

_N_KINDS = len(SpellKind)
_AMOUNTS = (SpellKind.LLU, SpellKind.LUH)


@given(kind=hnp.arrays(np.uint8, st.integers(0, 60), elements=st.integers(0, _N_KINDS - 1)),
       chunk=st.integers(1, 17), window=st.tuples(st.integers(0, 40), st.integers(0, 40)))
def test_each_kind_gets_its_rows_in_order_and_amounts_only_in_the_window(
    kind: np.ndarray, chunk: int, window: tuple[int, int]
) -> None:
    """Against a mask per kind: the same rows, ascending, whatever the chunk size."""
    start = (np.arange(kind.size, dtype=np.int32) * 7) % 41
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_kennzahlen_counts, "_CHUNK", chunk)
        rows = _rows_by_kind(kind, start, window)
    assert len(rows) == _N_KINDS
    for k in range(_N_KINDS):
        wanted = kind == k
        if k in _AMOUNTS:
            wanted &= (start >= window[0]) & (start < window[1])
        assert rows[k].tolist() == np.flatnonzero(wanted).tolist()
        assert rows[k].dtype == np.int32
