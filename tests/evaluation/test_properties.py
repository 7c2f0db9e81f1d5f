"""Invariants of the evaluation on random synthetic populations (Hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit._calendar import add_months, month_end, month_index
from langzeit.evaluation import SpellIndex, effects, link, match_comparison, planted_effect_data
from langzeit.evaluation._status import status_of
from langzeit.spells import generate_spells


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000), st.integers(19_000, 20_000))
def test_the_bulk_snapshot_equals_the_per_pair_lookups(seed: int, day: int) -> None:
    """SpellIndex.snapshot (all persons, one pass) gives what the per-(person, day) look-ups give."""
    t = generate_spells(400, seed=seed)
    ix = SpellIndex(t)
    snap = ix.snapshot(day)
    p = np.arange(t.n_persons)
    d = np.full(p.size, day)
    jc, sex, sp = ix.attributes(p, d)
    assert np.array_equal(snap["in_benefit"], ix.in_benefit(p, d))
    assert np.array_equal(snap["jobcenter"], jc)
    assert np.array_equal(snap["sex"], sex)
    assert np.array_equal(snap["single_parent"], sp)
    assert np.array_equal(snap["lzb"], ix.long_term(p, d))
    assert np.array_equal(snap["days_60"], ix.elb.days_covered(p, add_months(d, -60), d - 1))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000), st.integers(800, 2500))
def test_matched_pairs_share_their_stratum_and_are_eligible(seed: int, n: int) -> None:
    """Pairs agree on jobcenter, sex and LZB on S(M−1); the control is in benefit and not yet entered."""
    data = planted_effect_data(n, seed=seed)
    ix = SpellIndex(data.spells)
    lk = link(data.events, data.spells)
    pairs = match_comparison(lk, data.events, ix, seed=seed)
    assert pairs.n_pairs + len(pairs.unmatched) == data.n_participants
    stock = month_end(month_index(pairs.day) - 1)
    t = status_of(ix, pairs.treated, stock)
    c = status_of(ix, pairs.control, stock)
    for key in ("jobcenter", "sex", "lzb"):
        assert np.array_equal(t[key], c[key])
    assert ix.in_benefit(pairs.control, pairs.day).all()
    # a participant serves as a control only before its first event (the referral)
    first = np.full(data.events.n_participants, np.iinfo(np.int64).max)
    np.minimum.at(first, data.events.participant.astype(np.int64), data.events.day.astype(np.int64))
    contact = dict(zip(lk.person[lk.linked].tolist(), first[lk.linked].tolist(), strict=True))
    for ctrl, day in zip(pairs.control.tolist(), pairs.day.tolist(), strict=True):
        assert contact.get(ctrl, np.iinfo(np.int64).max) > day
    assert (pairs.distance <= pairs.caliper).all()
    e = effects(pairs, ix, horizons=[12])
    diff = e.share_participants - e.share_comparison
    ok = ~np.isnan(diff)
    assert np.allclose(diff[ok], e.difference[ok])
    assert (e.lower[ok] <= e.difference[ok] + 1e-9).all()

