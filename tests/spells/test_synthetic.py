"""The synthetic spell generator: seeded, valid and realistic in shape."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from langzeit.spells import OPEN_END, SpellKind, generate_spells, read_spells, write_spells


def test_same_seed_same_data_other_seed_other_data() -> None:
    """The generator is deterministic for a seed."""
    a, b, c = generate_spells(300, seed=5), generate_spells(300, seed=5), generate_spells(300, seed=6)
    np.testing.assert_array_equal(a.start, b.start)
    assert len(a) != len(c) or not np.array_equal(a.start, c.start)


def test_every_person_has_benefit_spells_and_every_kind_occurs() -> None:
    """Each person has an elb spell; all kinds of DOMAIN.md § 2 occur in a few thousand persons."""
    t = generate_spells(3000, seed=1)
    assert np.unique(t.person[t.kind == SpellKind.ELB]).size == 3000
    assert set(np.unique(t.kind).tolist()) == {k.value for k in SpellKind}


def test_spells_are_valid_and_open_spells_reach_beyond_the_end() -> None:
    """Ends are not before starts; open ends only where the spell would run past ``end``."""
    end = dt.date(2024, 12, 31)
    t = generate_spells(2000, seed=2, end=end)
    assert (t.end >= t.start).all()
    assert t.data_end_date == end
    assert (t.end == OPEN_END).any()
    assert (t.start <= t.data_end).all()


def test_moves_create_spells_in_other_jobcenters() -> None:
    """Some persons have elb spells in two jobcenters."""
    t = generate_spells(5000, seed=3, n_jobcenters=4)
    elb = t.kind == SpellKind.ELB
    pairs = np.unique(np.stack([t.person[elb], t.jobcenter[elb]]), axis=1)
    assert np.unique(pairs[0]).size < pairs.shape[1]


def test_amounts_are_monthly_and_only_from_the_given_date() -> None:
    """llu/luh rows start in the months from ``amounts_from`` and end within their month."""
    t = generate_spells(500, seed=4, amounts_from=dt.date(2024, 1, 1))
    money = (t.kind == SpellKind.LLU) | (t.kind == SpellKind.LUH)
    epoch = np.datetime64("1970-01-01", "D")
    start_month = (epoch + t.start[money]).astype("datetime64[M]")
    end_month = (epoch + t.end[money]).astype("datetime64[M]")
    assert (start_month >= np.datetime64("2024-01", "M")).all()
    assert (start_month == end_month).all()
    assert (t.amount[money] >= 0).all()


@pytest.mark.parametrize("start", [dt.date(2012, 1, 1), dt.date(2016, 6, 1), dt.date(2018, 1, 1),
                                   dt.date(2023, 1, 1)])
def test_generated_spells_pass_the_instrument_catalogue_for_any_start(start: dt.date, tmp_path: Path) -> None:
    """Every instrument is valid at its spell's start: the written file reads back without problems."""
    table = generate_spells(3000, seed=2, start=start, end=start + dt.timedelta(days=5 * 365))
    path = tmp_path / "spells.csv"
    write_spells(table, path)
    assert len(read_spells(path)) == len(table)
