"""compute_counts' passes over rows: split by kind (ascending, amounts only in the window), amounts.

The distinct persons behind the amounts are counted by runs where each person's rows come
together in month order, and from distinct keys for the persons whose rows do not: the same
counts either way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from langzeit._calendar import month_of
from langzeit.indicators import _kennzahlen_counts
from langzeit.indicators._kennzahlen_counts import _rows_by_kind, compute_counts
from langzeit.spells import SpellKind, generate_spells

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


_AMOUNT_COMPONENTS = [_kennzahlen_counts.C[c] for c in ("LLU_CENTS", "LLU_N", "LUH_CENTS", "LUH_N")]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chunk=st.sampled_from([3, 50, 1 << 20]), twice=st.booleans())
def test_amounts_and_their_persons_do_not_depend_on_the_order_of_the_rows(
    seed: int, chunk: int, twice: bool
) -> None:
    """Each person's rows together in month order (runs) or shuffled (distinct keys): the same counts."""
    spells = generate_spells(30, seed=seed, n_jobcenters=3)
    if twice:  # every amount row a second time: a person counts once per jobcenter and month
        spells = spells.select(np.concatenate([np.arange(len(spells)), np.flatnonzero(spells.kind >= 7)]))
    rng = np.random.default_rng(seed)
    month = spells.start.astype("datetime64[D]").astype("datetime64[M]")
    # persons in an order of their own (not their codes'), each one's rows by month and jobcenter
    order = np.lexsort((spells.jobcenter, month, (spells.person * 7919) % max(spells.n_persons, 1)))
    months = [month_of(dt.date(2024, 6, 1))]
    calls: list[int] = []
    counted = _kennzahlen_counts._DistinctPersons.recount

    def spy(*args: Any) -> Any:
        calls.append(1)
        return counted(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_kennzahlen_counts, "_CHUNK", chunk)
        patch.setattr(_kennzahlen_counts._DistinctPersons, "recount", spy)
        results = []
        amounts = np.flatnonzero(np.take(spells.kind, order) >= 7)
        one_apart = np.concatenate([np.delete(order, amounts[:1]), order[amounts[:1]]])  # one row moved last
        for rows in (order, rng.permutation(len(spells)), one_apart):
            counts = compute_counts(spells.select(rows), months, stichtag=None, data_end=spells.data_end,
                                    jobcenters=None, count_16k=False).counts
            results.append(counts[..., _AMOUNT_COMPONENTS])
            if rows is not one_apart:
                assert bool(calls) == (rows is not order)  # each person's rows together: counted by runs
    assert np.array_equal(results[0], results[1])
    assert np.array_equal(results[0], results[2])
    assert results[0][..., 1].sum() > 0
