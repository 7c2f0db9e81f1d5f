"""Evaluation layer: a matched comparison group from the spell data and its balance.

**Design** (documented choices; the guide explains them):

* *Stock day.* Participants and comparison candidates are described on the same day:
  the Stichtag S(M−1) before the participant's entry month M (the § 48a stock day an
  entry of month M is drawn from, DOMAIN.md convention 4). One stock day per entry month
  makes the pool computable for a national spell table in one pass per month; a pool per
  entry *day* would need one pass per distinct day.
* *Eligible.* In the ELB stock on S(M−1) *and* on the participant's entry date, and not
  (yet) in the programme on that date: a person whose first event in the log comes later
  may serve until then (Sianesi 2004, "entering now versus not now"; excluding later
  entrants altogether would condition on their future); the pool of entry month M leaves
  out everyone who enters by the end of M. Participants not in the stock
  on S(M−1) cannot be matched and are reported.
* *Exact strata.* Entry month, jobcenter and sex of the deciding ``elb`` spell, age band
  (only when birth years are given: the spell format has none), benefit-history band
  (months in benefit over 60 months: 0–11, 12–23, 24–35, 36–47, 48–60) and LZB status.
* *Nearest neighbour* within the stratum on the days in benefit over 60 months, with
  replacement, ties broken at random (seeded), within a caliper (default 3 months).
  The search starts at a random candidate of the nearest value and looks a few rows to
  either side for one that is eligible on the participant's entry date. Chosen over a
  propensity score: the strata are few and administrative, exact matching
  on them balances them by construction (a score only balances them on average and
  needs a model), and a single distance on benefit history is transparent to report.
* *Effects*, *difference-in-differences*, *event time* and the *naive comparison* are
  estimated from the pairs in :mod:`._effects`.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray, FloatArray, IntArray
from langzeit._calendar import DAYS_PER_MONTH, add_months, month_end, month_index
from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._linkage import Linkage
from langzeit.evaluation._status import (
    NO_DAY,
    PersonAttributes,
    UnemploymentSpells,
    entry_days,
    status_of,
)
from langzeit.indicators import EventColumns
from langzeit.tabular import Table

__all__ = [
    "AGE_BANDS",
    "COVARIATES",
    "HISTORY_BANDS",
    "NO_CANDIDATE",
    "NO_STOCK",
    "OUTSIDE_CALIPER",
    "Balance",
    "MatchedPairs",
    "match_comparison",
]


AGE_BANDS = (25, 35, 45, 55)
"""Age band edges (years at the stock day): under 25, 25–34, 35–44, 45–54, 55 and over."""
HISTORY_BANDS = (12, 24, 36, 48)
"""Benefit-history band edges (months in benefit over the 60 months before the stock day)."""

NO_STOCK = "not in the ELB stock on the Stichtag before the entry month"
"""Unmatched: the participant is not in the ELB stock on S(M−1)."""
NO_CANDIDATE = "no eligible comparison person in the stratum"
"""Unmatched: no eligible non-participant shares the participant's stratum."""
OUTSIDE_CALIPER = "no comparison person within the caliper"
"""Unmatched: the nearest candidate differs by more than the caliper in months in benefit."""

COVARIATES = ("months_in_benefit_24", "months_in_benefit_60", "lzb", "single_parent", "female", "age",
              "integrationen_60", "measures_60", "lza")
"""The covariates of the balance table (``age`` and ``lza`` only when given)."""

_PRE_POOL_SAMPLE = 50_000


def _covariates(st: dict[str, Any], stock_day: IntArray) -> dict[str, FloatArray]:
    year = 1970 + month_index(stock_day) // 12
    birth = st["birth_year"]
    return {
        "months_in_benefit_24": st["months_24"].astype(np.float64),
        "months_in_benefit_60": st["months_60"].astype(np.float64),
        "lzb": st["lzb"].astype(np.float64),
        "single_parent": st["single_parent"].astype(np.float64),
        "female": (st["sex"] == 1).astype(np.float64),
        "age": np.where(birth >= 0, year - birth, np.nan).astype(np.float64),
        "integrationen_60": st["integrations_60"].astype(np.float64),
        "measures_60": st["measures_60"].astype(np.float64),
        "lza": np.where(st["lza"] >= 0, st["lza"], np.nan).astype(np.float64),
    }


@attrs.frozen(eq=False)
class Balance(Table):
    """Standardised mean differences of the covariates before and after matching.

    ``smd = (mean_participants − mean_comparison) / sqrt((var_participants + var_pool) / 2)``,
    with the *pre-matching* pooled standard deviation in both columns, so that the two
    are comparable (Stuart 2010). ``|smd| < 0.1`` is the usual threshold of balance.

    Args:
        covariates: covariate names.
        mean_participants: mean per covariate of the matched participants.
        mean_pool: mean of the eligible pool (before matching).
        mean_matched: mean of the matched comparison persons (with repetitions).
        smd_before: standardised mean difference participants − pool.
        smd_after: standardised mean difference participants − matched comparison.

    Examples:
        >>> b = Balance(("x",), np.array([1.0]), np.array([0.5]), np.array([0.9]), np.array([1.0]),
        ...             np.array([0.2]))
        >>> b.rows()[0]["smd_after"]
        0.2
    """

    _title = "balance before and after matching"

    covariates: tuple[str, ...]
    mean_participants: FloatArray
    mean_pool: FloatArray
    mean_matched: FloatArray
    smd_before: FloatArray
    smd_after: FloatArray

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("covariate", "mean_participants", "mean_pool", "mean_matched", "smd_before", "smd_after")

    def rows(self) -> list[dict[str, Any]]:
        """One row per covariate (None where the covariate is undefined)."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        return [{"covariate": c, "mean_participants": num(a), "mean_pool": num(b), "mean_matched": num(m),
                 "smd_before": num(s0), "smd_after": num(s1)}
                for c, a, b, m, s0, s1 in zip(self.covariates, self.mean_participants, self.mean_pool,
                                              self.mean_matched, self.smd_before, self.smd_after,
                                              strict=True)]


def _smd(a: FloatArray, b: FloatArray, sd: float) -> float:
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if not a.size or not b.size or not sd > 0:
        return float("nan") if not a.size or not b.size else 0.0
    return float((a.mean() - b.mean()) / sd)


def _balance(treated: dict[str, FloatArray], pool: dict[str, FloatArray],
             matched: dict[str, FloatArray]) -> Balance:
    names = [c for c in COVARIATES if not np.isnan(treated[c]).all()]
    mt, mp, mm, s0, s1 = [], [], [], [], []
    for c in names:
        t, p, m = treated[c], pool[c], matched[c]
        tv, pv = t[~np.isnan(t)], p[~np.isnan(p)]
        var_t = float(tv.var(ddof=1)) if tv.size > 1 else 0.0
        var_p = float(pv.var(ddof=1)) if pv.size > 1 else 0.0
        sd = float(np.sqrt((var_t + var_p) / 2.0))
        mt.append(float(np.nanmean(t)) if tv.size else np.nan)
        mp.append(float(np.nanmean(p)) if pv.size else np.nan)
        mm.append(float(np.nanmean(m)) if (~np.isnan(m)).any() else np.nan)
        s0.append(_smd(t, p, sd))
        s1.append(_smd(t, m, sd))
    return Balance(tuple(names), *(np.array(v, dtype=np.float64) for v in (mt, mp, mm, s0, s1)))


@attrs.frozen(eq=False)
class MatchedPairs:
    """Participants matched 1:1 (with replacement) to comparison persons from the spell data.

    Args:
        origin: the entry event (``"admission"`` or ``"referral"``).
        participant_ids: the matched participants.
        treated: their person indices.
        day: their entry day, also the comparison person's pseudo-entry day.
        control: the matched comparison person's index.
        distance: |difference| of months in benefit over 60 months.
        unmatched: ``(participant_id, reason)`` of the participants without a match.
        balance: the balance table.
        pool_size: eligible comparison candidates, summed over the entry months.
        pool_person: a random sample of the pool (for the naive comparison).
        pool_day: its pseudo-entry days.
        caliper: the caliper in months.

    Examples:
        >>> p = MatchedPairs("admission", ("a",), np.array([0]), np.array([0]), np.array([1]),
        ...                  np.array([0.0]), (), None, 1, np.array([1]), np.array([0]), 3.0)
        >>> p.n_pairs, p.n_controls
        (1, 1)
    """

    origin: str
    participant_ids: tuple[str, ...]
    treated: IntArray
    day: IntArray
    control: IntArray
    distance: FloatArray
    unmatched: tuple[tuple[str, str], ...]
    balance: Balance | None
    pool_size: int
    pool_person: IntArray
    pool_day: IntArray
    caliper: float

    @property
    def n_pairs(self) -> int:
        """How many participants are matched."""
        return int(self.treated.size)

    @property
    def n_controls(self) -> int:
        """How many distinct comparison persons are used."""
        return int(np.unique(self.control).size)

    def unmatched_counts(self) -> dict[str, int]:
        """How many participants are unmatched, per reason.

        Examples:
            >>> MatchedPairs("admission", (), np.zeros(0, np.int64), np.zeros(0, np.int64),
            ...              np.zeros(0, np.int64), np.zeros(0), (("a", NO_STOCK),), None, 0,
            ...              np.zeros(0, np.int64), np.zeros(0, np.int64), 3.0).unmatched_counts()
            {'not in the ELB stock on the Stichtag before the entry month': 1}
        """
        out: dict[str, int] = {}
        for _, r in self.unmatched:
            out[r] = out.get(r, 0) + 1
        return out


def match_comparison(
    linkage: Linkage,
    events: EventColumns,
    index: SpellIndex,
    *,
    origin: str = "admission",
    caliper: float = 3.0,
    attributes: PersonAttributes | None = None,
    unemployment: UnemploymentSpells | None = None,
    seed: int | np.random.Generator = 0,
    pool_sample: int = _PRE_POOL_SAMPLE,
) -> MatchedPairs:
    """Match each linked participant to an eligible non-participant of the spell data.

    See the module docstring for the design (stock day S(M−1), exact strata, nearest on
    days in benefit over 60 months with replacement, caliper). Vectorised: one pass over
    the persons per entry month, one binary search for all participants.

    Args:
        linkage: the linkage of ``events`` to the spells of ``index``.
        events: the event log as columns.
        index: the indexed spell table.
        origin: the entry event: ``"admission"`` (default) or ``"referral"``.
        caliper: the largest allowed difference in months in benefit (over 60 months).
        attributes: birth years (adds the age band to the strata and ``age`` to the balance).
        unemployment: unemployment periods (adds ``lza`` to the balance table).
        seed: seed or generator for the random tie-break and the pool sample.
        pool_sample: size of the random pool sample kept for the naive comparison.

    Returns:
        The matched pairs with the unmatched participants and the balance table.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.events import Admitted
        >>> from langzeit.spells import SpellTable
        >>> from langzeit.evaluation import link
        >>> rows = [{"person_id": p, "kind": "elb", "start": s, "end": "", "jobcenter": "J", "sex": "F"}
        ...         for p, s in (("t", "2022-01-01"), ("c1", "2022-01-05"), ("c2", "2023-06-01"))]
        >>> t = SpellTable.from_records(rows, data_end=dt.date(2025, 12, 31))
        >>> cols = EventColumns.from_events([Admitted("e1", "t", dt.date(2024, 3, 10))])
        >>> pairs = match_comparison(link(cols, t), cols, SpellIndex(t))
        >>> [str(t.person_ids[c]) for c in pairs.control], pairs.pool_size
        (['c1'], 2)
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    days = entry_days(events, origin)
    has = linkage.linked & (days != NO_DAY)
    keep = np.flatnonzero(has)
    t_person = linkage.person[keep]
    t_day = days[keep]
    t_month = month_index(t_day)
    t_stock = month_end(t_month - 1)
    use_age = attributes is not None
    t_st = status_of(index, t_person, t_stock, unemployment=unemployment, attributes=attributes)
    in_stock = t_st["in_benefit"]
    t_days60 = index.elb.days_covered(t_person, add_months(t_stock, -60), t_stock - 1)
    month_min = int(t_month.min()) if t_month.size else 0
    t_key = _strata_key(t_month - month_min, t_st["jobcenter"], t_st["sex"],
                        _age_band(t_st["birth_year"], t_stock) if use_age else None, t_days60, t_st["lzb"])
    # a person of the event log is a comparison person only before its first event there
    # (Sianesi 2004: "not yet entered", so the comparison does not condition on the future)
    first_contact = np.full(events.n_participants, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_contact, events.participant.astype(np.int64), events.day.astype(np.int64))
    own_entry = np.full(index.spells.n_persons, np.iinfo(np.int64).max, dtype=np.int64)
    own_entry[linkage.person[linkage.linked]] = first_contact[linkage.linked]

    months = np.unique(t_month[in_stock]).tolist()
    per_month = -(-pool_sample // max(len(months), 1))
    c_person, c_key, c_days, c_month, s_person, s_month = [], [], [], [], [], []
    pool_size = 0
    for m in months:
        s = int(month_end(np.array([m - 1]))[0])
        snap = index.snapshot(s)
        # eligible: in the stock, not yet in the programme by the end of the entry month
        # (nobody serves as its own control)
        cand = np.flatnonzero(snap["in_benefit"] & (own_entry > int(month_end(np.array([m]))[0])))
        pool_size += int(cand.size)
        birth = attributes.birth_year[cand] if attributes is not None else None
        stock_day = np.full(cand.size, s, dtype=np.int64)
        key = _strata_key(np.full(cand.size, m - month_min), snap["jobcenter"][cand], snap["sex"][cand],
                          _age_band(birth, stock_day) if birth is not None else None, snap["days_60"][cand],
                          snap["lzb"][cand])
        useful = np.isin(key, t_key[in_stock & (t_month == m)])  # only strata with participants
        c_person.append(cand[useful])
        c_key.append(key[useful])
        c_days.append(snap["days_60"][cand][useful])
        c_month.append(np.full(int(useful.sum()), m, dtype=np.int64))
        take = rng.choice(cand.size, size=min(per_month, cand.size), replace=False) if cand.size else cand
        s_person.append(cand[np.sort(take)])
        s_month.append(np.full(take.size, m, dtype=np.int64))

    def cat(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    cp, ck, cd, cm = cat(c_person), cat(c_key), cat(c_days), cat(c_month)
    # sort candidates by (stratum, days in benefit, random): ties are then in random order
    order = np.lexsort((rng.random(cp.size), cd, ck))
    cp, ck, cd, cm = cp[order], ck[order], cd[order], cm[order]

    def eligible(rows: IntArray, who: IntArray) -> BoolArray:
        # eligible on the entry date itself: in the ELB stock and not yet in the programme
        day = t_day[who]
        return index.in_benefit(cp[rows], day) & (own_entry[cp[rows]] > day)

    pick, found, dist_days = _nearest(ck, cd, t_key, t_days60, eligible, rng)
    within = found & (dist_days <= caliper * DAYS_PER_MONTH)
    ok = in_stock & within
    reasons = np.where(~in_stock, NO_STOCK,
                       np.where(~found, NO_CANDIDATE, np.where(~within, OUTSIDE_CALIPER, "")))
    pids = tuple(linkage.participant_ids[i] for i in keep.tolist())
    unmatched = tuple((pids[i], str(reasons[i])) for i in np.flatnonzero(~ok).tolist())
    matched_idx = np.flatnonzero(ok)
    control = cp[pick[matched_idx]]

    # the pool sample: covariates for "before matching" and persons for the naive contrast
    sp_person, sp_month = cat(s_person), cat(s_month)
    sp_stock = month_end(sp_month - 1)
    balance = None
    if matched_idx.size:
        t_cov = _covariates(t_st, t_stock)
        treated_cov = {k: v[matched_idx] for k, v in t_cov.items()}
        pool_st = status_of(index, sp_person, sp_stock, unemployment=unemployment, attributes=attributes)
        c_stock = t_stock[matched_idx]
        c_st = status_of(index, control, c_stock, unemployment=unemployment, attributes=attributes)
        balance = _balance(treated_cov, _covariates(pool_st, sp_stock), _covariates(c_st, c_stock))

    # pseudo-entry of a pool person: a random participant's day of the same month
    t_m_sorted = np.argsort(t_month[ok], kind="stable")
    tm_vals, tm_days = t_month[ok][t_m_sorted], t_day[ok][t_m_sorted]
    lo_i = np.searchsorted(tm_vals, sp_month, side="left")
    hi_i = np.searchsorted(tm_vals, sp_month, side="right")
    has_day = hi_i > lo_i
    pick_day = lo_i + np.floor(rng.random(lo_i.size) * np.maximum(hi_i - lo_i, 1)).astype(np.int64)
    s_day = tm_days[np.minimum(pick_day, tm_days.size - 1)] if tm_days.size else np.zeros(lo_i.size, np.int64)
    s_ok = has_day & index.in_benefit(sp_person, s_day) & (own_entry[sp_person] > s_day)
    return MatchedPairs(
        origin, tuple(pids[i] for i in matched_idx.tolist()), t_person[matched_idx], t_day[matched_idx],
        control.astype(np.int64), (dist_days[matched_idx] / DAYS_PER_MONTH).astype(np.float64), unmatched,
        balance, pool_size, sp_person[s_ok], s_day[s_ok].astype(np.int64), float(caliper),
    )


def _nearest(
    ck: IntArray, cd: IntArray, key: IntArray, days: IntArray, eligible: Any, rng: np.random.Generator,
    *, window: int = 8,
) -> tuple[IntArray, BoolArray, IntArray]:
    """For each (key, days): a random eligible candidate among the nearest in days with the same key.

    ``ck``/``cd`` are sorted by (key, days, random). The search starts at a random
    candidate of the nearest value (so that participants with the same target spread over
    the tied candidates) and looks ``window`` rows to either side; ``eligible(rows,
    participant)`` says which candidate rows may be used for which participant (in the
    ELB stock on the participant's entry day). Returns the candidate row, whether one was
    found, and the distance in days.
    """
    big = np.iinfo(np.int64).max // 4
    n = ck.size
    comp = np.append(ck * 4096 + cd, big)  # days in 60 months < 4096; a sentinel after the last
    ck_s = np.append(ck, -1)
    cd_s = np.append(cd, 0)
    target = key * 4096 + days
    pos = np.searchsorted(comp, target)  # first candidate >= target (the sentinel if none)
    below = np.maximum(pos - 1, 0)
    lo_ok = (pos >= 1) & (ck_s[below] == key)
    hi_ok = ck_s[pos] == key
    d_lo = np.where(lo_ok, days - cd_s[below], big)
    d_hi = np.where(hi_ok, cd_s[pos] - days, big)
    use_hi = d_hi <= d_lo
    any_key = lo_ok | hi_ok
    best = np.where(any_key, np.where(use_hi, days + d_hi, days - d_lo), 0)
    a = np.searchsorted(comp, key * 4096 + best, side="left")
    b = np.searchsorted(comp, key * 4096 + best, side="right")
    centre = a + np.floor(rng.random(a.size) * np.maximum(b - a, 1)).astype(np.int64)
    rows = centre[:, None] + np.arange(-window, window + 1)[None, :]
    inside = (rows >= 0) & (rows < n)
    rows_c = np.clip(rows, 0, max(n - 1, 0))
    ok = inside & any_key[:, None]
    if n:
        ok &= ck[rows_c] == key[:, None]
        ok &= eligible(rows_c, np.broadcast_to(np.arange(key.size)[:, None], rows_c.shape))
    dist = np.where(ok, np.abs(cd[rows_c] - days[:, None]) if n else 0, big).astype(np.float64)
    dist += rng.random(dist.shape) * 0.5  # random tie-break among equal distances
    j = dist.argmin(axis=1)
    pick = rows_c[np.arange(key.size), j] if n else np.zeros(key.size, dtype=np.int64)
    found = ok[np.arange(key.size), j] if n else np.zeros(key.size, dtype=np.bool_)
    dist_days = np.where(found, np.abs(cd[pick] - days) if n else 0, big)
    return pick, found, dist_days


def _age_band(birth_year: IntArray, stock_day: IntArray) -> IntArray:
    """Age band code (0: unknown, 1…5 by :data:`AGE_BANDS`) in the year of the stock day."""
    year = 1970 + month_index(stock_day) // 12
    age = np.where(birth_year >= 0, year - birth_year, -1)
    out: IntArray = np.where(age >= 0, np.searchsorted(np.array(AGE_BANDS), age, side="right") + 1, 0)
    return out


def _strata_key(month: IntArray, jobcenter: IntArray, sex: IntArray, age_band: IntArray | None,
                days_60: IntArray, lzb: BoolArray) -> IntArray:
    """One integer per exact stratum: entry month, jobcenter, sex, age band, history band, LZB."""
    bands = np.array(HISTORY_BANDS, dtype=np.float64)
    history = np.searchsorted(bands, days_60 / DAYS_PER_MONTH, side="right")
    key = np.asarray(month, dtype=np.int64) * 100_003 + (np.asarray(jobcenter, dtype=np.int64) + 1)
    key = key * 4 + sex
    if age_band is not None:
        key = key * 8 + age_band
    key = key * 8 + history
    out: IntArray = key * 2 + np.asarray(lzb, dtype=np.int64)
    return out
