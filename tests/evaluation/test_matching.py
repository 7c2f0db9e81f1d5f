"""The matched comparison and every estimator on a hand-computed case (evaluation/_matching.py)."""

import datetime as dt
import math

import numpy as np
import pytest

from langzeit.evaluation import (
    NO_CANDIDATE,
    NO_STOCK,
    SpellIndex,
    difference_in_differences,
    effects,
    event_time,
    link,
    match_comparison,
    naive_effects,
    participant_outcomes,
)
from langzeit.events import Admitted, Referred
from langzeit.indicators import EventColumns, wilson_interval
from langzeit.spells import SpellTable

Z = 1.959963984540054
ENTRY = dt.date(2024, 3, 10)


def _elb(pid: str, start: str, end: str = "", sex: str = "F") -> dict[str, str]:
    return {"person_id": pid, "kind": "elb", "start": start, "end": end, "jobcenter": "J", "sex": sex}


def _case() -> tuple[SpellTable, EventColumns]:
    spells = SpellTable.from_records([
        _elb("t1", "2022-03-01", "2024-05-31"),  # ~24 months, LZB; leaves into svp
        {"person_id": "t1", "kind": "svp", "start": "2024-06-01", "end": ""},
        _elb("c1", "2022-03-05"),  # same stratum, 4 days shorter history
        _elb("x", "2022-03-02"),  # same stratum, 1 day shorter: nearest; enters the programme only in 2025
        _elb("t2", "2022-09-10"),  # ~18 months, not LZB
        _elb("c2", "2022-09-01", "2024-06-30"),  # t2's stratum, 9 days longer; leaves benefit
        _elb("c3", "2022-03-01", sex="M"),  # another stratum (sex)
        _elb("t3", "2024-03-05"),  # not in the stock on 2024-02-29
        _elb("t4", "2019-01-01", sex="D"),  # a stratum without candidates
    ], data_end=dt.date(2025, 12, 31))
    events = EventColumns.from_events([
        Admitted("e1", "t1", ENTRY), Admitted("e2", "t2", ENTRY), Admitted("e3", "t3", ENTRY),
        Admitted("e4", "t4", ENTRY), Referred("e5", "x", dt.date(2025, 1, 1)),
    ])
    return spells, events


def _pairs() -> tuple[SpellTable, EventColumns, SpellIndex, object]:
    spells, events = _case()
    index = SpellIndex(spells)
    return spells, events, index, match_comparison(link(events, spells), events, index, seed=3)


def test_matching_is_exact_on_strata_and_nearest_on_history() -> None:
    """t1 gets x (1 day apart, not yet a participant), t2 gets c2; t3 and t4 are reported unmatched."""
    spells, _, _, pairs = _pairs()
    got = {p: str(spells.person_ids[c]) for p, c in zip(pairs.participant_ids, pairs.control, strict=True)}
    assert got == {"t1": "x", "t2": "c2"}
    assert dict(pairs.unmatched) == {"t3": NO_STOCK, "t4": NO_CANDIDATE}
    assert pairs.distance.round(4).tolist() == [round(1 / (365.2425 / 12), 4), round(9 / (365.2425 / 12), 4)]
    assert pairs.pool_size == 4  # c1, c2, c3, x in the stock on 2024-02-29 in jobcenter J (t4's D has none)


def test_balance_after_matching_uses_the_matched_persons() -> None:
    """The matched means are the controls' (x, c2), the pool means all four candidates'."""
    _, _, _, pairs = _pairs()
    rows = {r["covariate"]: r for r in pairs.balance.rows()}
    assert rows["lzb"]["mean_participants"] == 0.5
    assert rows["lzb"]["mean_matched"] == 0.5
    assert rows["lzb"]["mean_pool"] == 0.75  # c1, c3, x are LZB; c2 is not
    assert rows["lzb"]["smd_after"] == 0.0
    assert rows["female"]["mean_pool"] == 0.75


def test_effects_are_mean_pair_differences_with_cluster_robust_intervals() -> None:
    """off_benefit_6m: t1 off, x in; t2 in, c2 off -> differences +1, -1; mean 0, SE 1."""
    _, _, index, pairs = _pairs()
    e = effects(pairs, index, horizons=[6])
    r = e.get("off_benefit_6m")
    assert r["difference"] == 0.0
    # var = (1² + 1²) / 2² × G / (G − 1) = 0.5 × 2 = 1
    assert r["lower"] == pytest.approx(-100 * Z)
    assert r["upper"] == pytest.approx(100 * Z)
    r = e.get("integration_6m")  # differences 1, 0: mean 0.5, var = (0.25 + 0.25) / 4 × 2 = 0.25
    assert r["difference"] == 50.0
    assert r["lower"] == pytest.approx(50 - 100 * Z * 0.5)
    assert r["share_participants"] == 50.0
    assert r["share_comparison"] == 0.0


def test_difference_in_differences_hand_computed() -> None:
    """Pre = 2, post = 4 months: pair changes −0.5 − 0 and 0 − (−0.25): DiD −12.5 pp, SE 37.5 pp."""
    _, _, index, pairs = _pairs()
    d = difference_in_differences(pairs, index, pre=2, post=4)
    assert d.estimate == pytest.approx(-12.5)
    assert d.lower == pytest.approx(-12.5 - Z * 37.5)
    assert d.n_pairs == 2
    assert d.post_participants == pytest.approx(75.0)  # t1 1,1,0,0; t2 1,1,1,1
    assert d.post_comparison == pytest.approx(87.5)  # x 1,1,1,1; c2 1,1,1,0


def test_event_time_shares_per_month() -> None:
    """Month +3 (2024-06-10): t1 out, t2 in; x and c2 in -> 50 % against 100 %."""
    _, _, index, pairs = _pairs()
    et = event_time(pairs, index, before=1, after=4)
    row = et.rows()[et.months.tolist().index(3)]
    assert (row["participants"], row["comparison"], row["difference"]) == (50.0, 100.0, -50.0)
    assert et.rows()[0]["difference"] == 0.0


def test_naive_comparison_uses_the_pool_and_newcombe_intervals() -> None:
    """Participants t1, t2 (1 of 2 off) against the pool c1, c2, c3, x (1 of 4 off): +25 pp."""
    spells, events, index, pairs = _pairs()
    lk = link(events, spells)
    o = participant_outcomes(lk, events, index, horizons=[6])
    o = o.select(np.isin(np.array(o.ids), ["t1", "t2"]))
    r = naive_effects(pairs, index, o).get("off_benefit_6m")
    assert r["n_comparison"] == 4
    assert r["difference"] == pytest.approx(25.0)
    l1, u1 = wilson_interval(1, 2)
    l2, u2 = wilson_interval(1, 4)
    assert r["lower"] == pytest.approx(100 * (0.25 - math.sqrt((0.5 - l1) ** 2 + (u2 - 0.25) ** 2)))
    assert r["upper"] == pytest.approx(100 * (0.25 + math.sqrt((u1 - 0.5) ** 2 + (0.25 - l2) ** 2)))


def test_a_participant_is_never_its_own_control() -> None:
    """Persons entering by the end of the entry month are not in that month's pool."""
    spells, _, _, pairs = _pairs()
    matched = set(pairs.participant_ids)
    assert not matched & {str(spells.person_ids[c]) for c in pairs.control}
