"""Evaluation layer: a matched comparison group from the spell data, balance, effects, DiD, event time.

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
* *Effects* (the effect on the treated, ATT): mean of the pair differences of each
  outcome; the interval is normal with a cluster-robust variance by comparison person
  (a person matched to several participants forms one cluster), which accounts for
  matching with replacement.
* *Difference-in-differences* on monthly benefit receipt: per pair,
  ``(post_T − pre_T) − (post_C − pre_C)`` with pre = months −pre … −1 and post = months
  1 … post around the entry day (the same days for both members of a pair); the same
  cluster-robust interval. The *event-time* series gives the monthly shares and their
  difference for every month around entry.
* *Naive comparison* (for contrast): participants against a random sample of the whole
  eligible pool, pseudo-entry on a random participant's day of the same month;
  difference of shares with Newcombe's hybrid score interval (built on Wilson intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray, FloatArray, IntArray
from langzeit._calendar import DAYS_PER_MONTH, add_months, month_end, month_index
from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._linkage import Linkage
from langzeit.evaluation._outcomes import HORIZONS, OUTCOMES, Outcomes, outcomes_of
from langzeit.evaluation._status import (
    NO_DAY,
    PersonAttributes,
    UnemploymentSpells,
    entry_days,
    status_of,
)
from langzeit.indicators import EventColumns, wilson_interval
from langzeit.tabular import Table

__all__ = [
    "AGE_BANDS",
    "COVARIATES",
    "HISTORY_BANDS",
    "NO_CANDIDATE",
    "NO_STOCK",
    "OUTSIDE_CALIPER",
    "Balance",
    "DiffInDiff",
    "EffectTable",
    "EventTime",
    "MatchedPairs",
    "difference_in_differences",
    "effects",
    "event_time",
    "match_comparison",
    "naive_effects",
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


def _z(level: float) -> float:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level!r}")
    return NormalDist().inv_cdf(0.5 + level / 2.0)


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


def _cluster_mean(values: FloatArray, cluster: IntArray, level: float) -> tuple[float, float, float]:
    """Mean of ``values`` with a normal interval from the cluster-robust variance (clusters: ``cluster``)."""
    n = values.size
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    _, inv = np.unique(cluster, return_inverse=True)
    sums = np.bincount(inv, weights=values - mean)
    var = float((sums**2).sum()) / n**2
    n_clusters = sums.size
    if n_clusters > 1:
        var *= n_clusters / (n_clusters - 1)  # small-sample factor of the cluster-robust variance
    half = _z(level) * np.sqrt(var)
    return mean, mean - half, mean + half


@attrs.frozen(eq=False)
class EffectTable(Table):
    """Effects as differences of outcome shares (percentage points) with intervals.

    Args:
        method: ``"matched"`` (pair differences, cluster-robust interval) or ``"naive"``
            (participants against the pool, Newcombe hybrid score interval).
        items: ``<outcome>_<h>m``.
        n: persons (pairs for ``matched``) with the outcome observed.
        n_comparison: comparison persons with the outcome observed (distinct ones for ``matched``).
        share_participants: participants' share in percent.
        share_comparison: the comparison share in percent.
        difference: participants − comparison, percentage points.
        lower: lower limit of the difference.
        upper: upper limit of the difference.
        level: the confidence level.

    Examples:
        >>> e = EffectTable("matched", ("x_6m",), np.array([4]), np.array([4]), np.array([50.0]),
        ...                 np.array([25.0]), np.array([25.0]), np.array([-10.0]), np.array([60.0]), 0.95)
        >>> e.get("x_6m")["difference"]
        25.0
    """

    _title = "effects (percentage points)"

    method: str
    items: tuple[str, ...]
    n: IntArray
    n_comparison: IntArray
    share_participants: FloatArray
    share_comparison: FloatArray
    difference: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("method", "item", "n", "n_comparison", "share_participants", "share_comparison", "difference",
                "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per item (None where no one is observed)."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        return [{"method": self.method, "item": it, "n": int(n), "n_comparison": int(nc),
                 "share_participants": num(a), "share_comparison": num(b), "difference": num(d),
                 "lower": num(lo), "upper": num(hi)}
                for it, n, nc, a, b, d, lo, hi in zip(self.items, self.n, self.n_comparison,
                                                      self.share_participants, self.share_comparison,
                                                      self.difference, self.lower, self.upper, strict=True)]

    def get(self, item: str) -> dict[str, Any]:
        """The row of one item.

        Raises:
            KeyError: an unknown item.
        """
        if item not in self.items:
            raise KeyError(item)
        return self.rows()[self.items.index(item)]


def effects(
    pairs: MatchedPairs, index: SpellIndex, *, horizons: Sequence[int] = HORIZONS, level: float = 0.95
) -> EffectTable:
    """Effects on the matched participants (ATT): mean pair differences of each outcome.

    A pair counts for an outcome and horizon when the outcome is observed — the same
    days for both members, so censoring is shared. Interval: normal, cluster-robust by
    comparison person.

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        horizons: months after entry.
        level: confidence level.

    Returns:
        The effect table (percentage points).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "2024-04-30",
        ...      "jobcenter": "J"},
        ...     {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
        ...     data_end=dt.date(2025, 12, 31))
        >>> p = MatchedPairs("admission", ("t",), np.array([0]), np.array([19783]), np.array([1]),
        ...                  np.array([0.0]), (), None, 1, np.array([1]), np.array([19783]), 3.0)
        >>> effects(p, SpellIndex(t), horizons=[6]).get("off_benefit_6m")["difference"]
        100.0
    """
    ot = outcomes_of(index, pairs.treated, pairs.day, ids=pairs.participant_ids, horizons=horizons)
    oc = outcomes_of(index, pairs.control, pairs.day, horizons=horizons)
    items, n, nc, a, b, d, lo, hi = [], [], [], [], [], [], [], []
    for name in OUTCOMES:
        for h in ot.horizons:
            seen = ot.observed(name, h)
            yt = ot.get(name, h)[seen].astype(np.float64)
            yc = oc.get(name, h)[seen].astype(np.float64)
            mean, low, high = _cluster_mean(yt - yc, pairs.control[seen], level)
            items.append(f"{name}_{h}m")
            n.append(int(seen.sum()))
            nc.append(int(np.unique(pairs.control[seen]).size))
            a.append(100 * yt.mean() if yt.size else np.nan)
            b.append(100 * yc.mean() if yc.size else np.nan)
            d.append(100 * mean)
            lo.append(100 * low)
            hi.append(100 * high)
    arrays = [np.array(v, dtype=np.float64) for v in (a, b, d, lo, hi)]
    return EffectTable("matched", tuple(items), np.array(n), np.array(nc), arrays[0], arrays[1], arrays[2],
                       arrays[3], arrays[4], level)


def _newcombe(x1: IntArray, n1: IntArray, x2: IntArray, n2: IntArray, level: float) -> tuple[FloatArray, ...]:
    """Difference of two independent proportions with Newcombe's hybrid score interval (method 10)."""
    l1, u1 = wilson_interval(x1, n1, level=level)
    l2, u2 = wilson_interval(x2, n2, level=level)
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = np.where(n1 > 0, x1 / np.maximum(n1, 1), np.nan)
        p2 = np.where(n2 > 0, x2 / np.maximum(n2, 1), np.nan)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return p1, p2, d, lower, upper


def naive_effects(
    pairs: MatchedPairs,
    index: SpellIndex,
    participants: Outcomes,
    *,
    level: float = 0.95,
) -> EffectTable:
    """The naive contrast: participants' shares against the eligible pool's, no matching.

    Shown beside the matched effects to make the selection visible; it is *not* an effect
    estimate. The pool is the random sample kept in ``pairs`` with pseudo-entry days.

    Args:
        pairs: the matched pairs (their pool sample).
        index: the indexed spell table.
        participants: the participants' outcomes after entry (all linked participants).
        level: confidence level.

    Returns:
        The effect table (method ``"naive"``).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "2024-04-30",
        ...      "jobcenter": "J"},
        ...     {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
        ...     data_end=dt.date(2025, 12, 31))
        >>> ix = SpellIndex(t)
        >>> p = MatchedPairs("admission", ("t",), np.array([0]), np.array([19783]), np.array([1]),
        ...                  np.array([0.0]), (), None, 1, np.array([1]), np.array([19783]), 3.0)
        >>> o = outcomes_of(ix, [0], [19783], horizons=[6])
        >>> naive_effects(p, ix, o).get("off_benefit_6m")["difference"]
        100.0
    """
    oc = outcomes_of(index, pairs.pool_person, pairs.pool_day, horizons=participants.horizons)
    items = [f"{o}_{h}m" for o in OUTCOMES for h in participants.horizons]
    x1 = (participants.value & participants.available).sum(axis=0).reshape(-1)
    n1 = participants.available.sum(axis=0).reshape(-1)
    x2 = (oc.value & oc.available).sum(axis=0).reshape(-1)
    n2 = oc.available.sum(axis=0).reshape(-1)
    p1, p2, d, lo, hi = _newcombe(x1, n1, x2, n2, level)
    return EffectTable("naive", tuple(items), n1.astype(np.int64), n2.astype(np.int64), 100 * p1, 100 * p2,
                       100 * d, 100 * lo, 100 * hi, level)


@attrs.frozen(eq=False)
class EventTime(Table):
    """Monthly benefit receipt around entry: participants, matched comparison, difference.

    Args:
        months: months relative to the entry day (negative: before).
        n: pairs observed in that month.
        participants: share of participants in the ELB stock, percent.
        comparison: share of comparison persons, percent.
        difference: participants − comparison, percentage points.
        lower: lower limit (cluster-robust, by comparison person).
        upper: upper limit.

    Examples:
        >>> e = EventTime(np.array([-1, 0]), np.array([2, 2]), np.array([100.0, 50.0]),
        ...               np.array([100.0, 100.0]), np.array([0.0, -50.0]), np.array([0.0, -90.0]),
        ...               np.array([0.0, -10.0]))
        >>> e.rows()[1]["difference"]
        -50.0
    """

    _title = "benefit receipt around entry"

    months: IntArray
    n: IntArray
    participants: FloatArray
    comparison: FloatArray
    difference: FloatArray
    lower: FloatArray
    upper: FloatArray

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("month", "n", "participants", "comparison", "difference", "lower", "upper")

    def rows(self) -> list[dict[str, Any]]:
        """One row per month."""

        def num(x: float) -> float | None:
            return None if np.isnan(x) else round(float(x), 4)

        return [{"month": int(m), "n": int(n), "participants": num(a), "comparison": num(b),
                 "difference": num(d), "lower": num(lo), "upper": num(hi)}
                for m, n, a, b, d, lo, hi in zip(self.months, self.n, self.participants, self.comparison,
                                                 self.difference, self.lower, self.upper, strict=True)]


def _receipt(
    index: SpellIndex, person: IntArray, day: IntArray, offsets: IntArray
) -> tuple[BoolArray, BoolArray]:
    when = add_months(day[:, None], offsets[None, :])
    observed = when <= index.data_end
    return index.in_benefit(np.broadcast_to(person[:, None], when.shape), when) & observed, observed


def event_time(
    pairs: MatchedPairs, index: SpellIndex, *, before: int = 24, after: int = 24, level: float = 0.95
) -> EventTime:
    """Monthly shares in benefit for months ``−before … after`` around entry, both arms.

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        before: months before entry.
        after: months after entry.
        level: confidence level.

    Returns:
        The event-time series (months after the data's end: pairs not observed).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "2024-04-30",
        ...      "jobcenter": "J"},
        ...     {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
        ...     data_end=dt.date(2025, 12, 31))
        >>> p = MatchedPairs("admission", ("t",), np.array([0]), np.array([19783]), np.array([1]),
        ...                  np.array([0.0]), (), None, 1, np.array([1]), np.array([19783]), 3.0)
        >>> event_time(p, SpellIndex(t), before=1, after=2).difference.tolist()
        [0.0, 0.0, 0.0, -100.0]
    """
    offsets = np.arange(-before, after + 1, dtype=np.int64)
    yt, seen = _receipt(index, pairs.treated, pairs.day, offsets)
    yc, _ = _receipt(index, pairs.control, pairs.day, offsets)
    n, a, b, d, lo, hi = [], [], [], [], [], []
    for j in range(offsets.size):
        s = seen[:, j]
        vt, vc = yt[s, j].astype(np.float64), yc[s, j].astype(np.float64)
        mean, low, high = _cluster_mean(vt - vc, pairs.control[s], level)
        n.append(int(s.sum()))
        a.append(100 * vt.mean() if vt.size else np.nan)
        b.append(100 * vc.mean() if vc.size else np.nan)
        d.append(100 * mean)
        lo.append(100 * low)
        hi.append(100 * high)
    series = (np.array(v, dtype=np.float64) for v in (a, b, d, lo, hi))
    return EventTime(offsets, np.array(n, dtype=np.int64), *series)


@attrs.frozen
class DiffInDiff:
    """Difference-in-differences on monthly benefit receipt around entry (percentage points).

    Args:
        estimate: ``(post_T − pre_T) − (post_C − pre_C)``, mean over pairs.
        lower: lower limit (normal, cluster-robust by comparison person).
        upper: upper limit.
        n_pairs: pairs observed over the whole post period.
        pre_participants: participants' mean share in benefit over the pre months.
        post_participants: … over the post months.
        pre_comparison: the comparison's pre mean.
        post_comparison: the comparison's post mean.
        pre: months before entry.
        post: months after entry.
        level: confidence level.

    Examples:
        >>> DiffInDiff(-20.0, -30.0, -10.0, 50, 100.0, 60.0, 100.0, 80.0, 12, 12, 0.95).estimate
        -20.0
    """

    estimate: float | None
    lower: float | None
    upper: float | None
    n_pairs: int
    pre_participants: float | None
    post_participants: float | None
    pre_comparison: float | None
    post_comparison: float | None
    pre: int
    post: int
    level: float

    def to_dict(self) -> dict[str, Any]:
        """The fields as a dict (for JSON)."""
        return attrs.asdict(self)


def difference_in_differences(
    pairs: MatchedPairs, index: SpellIndex, *, pre: int = 12, post: int = 12, level: float = 0.95
) -> DiffInDiff:
    """Difference-in-differences of monthly benefit receipt, months ``−pre … −1`` against ``1 … post``.

    Per pair, the participant's change in the share of months in benefit minus the
    comparison person's change on the same days; pairs whose post period reaches beyond
    the data's end are left out (censored). Matching already aligns the pre period on
    benefit history, so the DiD mainly guards against differences that matching on the
    stock day leaves (e.g. in the months just before entry).

    Args:
        pairs: the matched pairs.
        index: the indexed spell table.
        pre: months before entry.
        post: months after entry.
        level: confidence level.

    Returns:
        The estimate with its interval.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "2024-04-30",
        ...      "jobcenter": "J"},
        ...     {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
        ...     data_end=dt.date(2025, 12, 31))
        >>> p = MatchedPairs("admission", ("t",), np.array([0]), np.array([19783]), np.array([1]),
        ...                  np.array([0.0]), (), None, 1, np.array([1]), np.array([19783]), 3.0)
        >>> difference_in_differences(p, SpellIndex(t), pre=2, post=2).estimate  # 2024-03-01 entry
        -50.0
    """
    before = np.arange(-pre, 0, dtype=np.int64)
    after = np.arange(1, post + 1, dtype=np.int64)
    bt, _ = _receipt(index, pairs.treated, pairs.day, before)
    bc, _ = _receipt(index, pairs.control, pairs.day, before)
    at, seen = _receipt(index, pairs.treated, pairs.day, after)
    ac, _ = _receipt(index, pairs.control, pairs.day, after)
    ok = seen.all(axis=1)
    change_t = at[ok].mean(axis=1) - bt[ok].mean(axis=1)
    change_c = ac[ok].mean(axis=1) - bc[ok].mean(axis=1)
    mean, low, high = _cluster_mean(change_t - change_c, pairs.control[ok], level)

    def pct(x: FloatArray) -> float | None:
        return None if x.size == 0 else float(100 * x.mean())

    def opt(x: float) -> float | None:
        return None if np.isnan(x) else float(100 * x)

    return DiffInDiff(opt(mean), opt(low), opt(high), int(ok.sum()), pct(bt[ok].astype(np.float64)),
                      pct(at[ok].astype(np.float64)), pct(bc[ok].astype(np.float64)),
                      pct(ac[ok].astype(np.float64)), pre, post, level)
