"""Evaluation layer: the whole evaluation of a programme in one call, confidentiality applied.

:func:`evaluate` links the event log to the spells and gathers, in one result:
linkage, status at referral and admission, outcomes after entry and after exit
(shares and monthly state sequences), the matched comparison (balance, effects, the
naive contrast, difference-in-differences, event time) and the seeds' own criteria
beside them — stabilisation and the other outcomes by kind, SWE and WHO-5 change,
cooperation-plan steps, network use — computed by the indicators' own functions.

Confidentiality (DOMAIN.md § 3, the indicators' rule): every published share is a
:class:`~langzeit.indicators.RateTable` passed through :func:`~langzeit.indicators.suppress`;
an effect, an event-time month or the DiD is hidden when one of the shares it is made
of is suppressed (:func:`~langzeit.indicators.rate_suppressed`), and the balance table
and the DiD need at least ``min_n`` pairs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray
from langzeit.evaluation._effects import (
    DiffInDiff,
    EffectTable,
    EventTime,
    difference_in_differences,
    effects,
    event_time,
    naive_effects,
)
from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._linkage import Linkage, link
from langzeit.evaluation._matching import (
    MatchedPairs,
    match_comparison,
)
from langzeit.evaluation._outcomes import HORIZONS, outcomes_of, participant_outcomes, state_sequences_of
from langzeit.evaluation._status import EntryStatus, PersonAttributes, UnemploymentSpells, entry_status
from langzeit.events import Event
from langzeit.indicators import (
    ConfidentialityRule,
    EventColumns,
    RateTable,
    ScaleChange,
    StateSequences,
    StateTimes,
    actor_referral_rate,
    mean_time_in_state,
    outcomes_by_kind,
    plan_step_achievement,
    rate_suppressed,
    scale_change,
    suppress,
)
from langzeit.spells import SpellTable, day_to_date

__all__ = ["EVALUATION_FORMAT", "Evaluation", "evaluate"]

EVALUATION_FORMAT = "langzeit-evaluation/1"
"""The ``format`` key of :meth:`Evaluation.to_dict` (version of the JSON layout)."""


def _status_shares(status: EntryStatus, level: float) -> RateTable:
    n = len(status)
    items = ("in_benefit", "lzb", "lza", "single_parent", "female", "earlier_integration", "earlier_measure")
    known = int((status.lza >= 0).sum())
    flags = (status.in_benefit, status.lzb, status.lza == 1, status.single_parent, status.sex == 1,
             status.integrations_60 > 0, status.measures_60 > 0)
    num = [int(np.count_nonzero(f)) for f in flags]
    den = [n, n, known, n, n, n, n]
    notes = ("in the ELB stock on the day", "LZB (§ 48a rule)", "LZA (§ 18 SGB III), where periods are given",
             "single-parent household", "sex F", "an Integration in the 60 months before",
             "a measure start in the 60 months before")
    return RateTable.of_counts(f"status_at_{status.origin}", ("all",), items, [num], [den], notes=notes,
                               level=level)


def _arm_tables(pairs: MatchedPairs, index: SpellIndex, horizons: Sequence[int],
                level: float) -> tuple[RateTable, RateTable]:
    ot = outcomes_of(index, pairs.treated, pairs.day, ids=pairs.participant_ids, horizons=horizons)
    oc = outcomes_of(index, pairs.control, pairs.day, horizons=horizons)
    oc = attrs.evolve(oc, available=ot.available)  # the pair is observed or censored together
    return (ot.rates(indicator="matched_participants", level=level),
            oc.rates(indicator="matched_comparison", level=level))


def _hide(table: EffectTable, mask: BoolArray) -> EffectTable:
    nan = np.where(mask, np.nan, 1.0)
    return attrs.evolve(table, share_participants=table.share_participants * nan,
                        share_comparison=table.share_comparison * nan, difference=table.difference * nan,
                        lower=table.lower * nan, upper=table.upper * nan)


def _suppressed(table: RateTable) -> BoolArray:
    if table.numerator_flags is None or table.denominator_flags is None:
        return np.zeros(table.numerator.shape[1], dtype=np.bool_)
    out: BoolArray = rate_suppressed(table.numerator_flags, table.denominator_flags)[0]
    return out


@attrs.frozen(eq=False)
class Evaluation:
    """The evaluation of a programme on administrative outcomes (see :func:`evaluate`).

    Args:
        data_end: the spells' data end.
        linkage: who was linked, who not and why.
        status: status at ``"referral"`` and ``"admission"`` (person level: not for publication).
        status_shares: shares of the status variables per origin.
        status_means: mean months in benefit (24, 60) per origin, None below ``min_n``.
        outcomes: outcome shares ``"after_entry"`` and ``"after_exit"``.
        sequences: monthly states of the participants in the 24 months after entry.
        time_in_state: mean months per state of the sequences observed for all 24 months.
        pairs: the matched pairs (None without any participant entering).
        arms: outcome shares of the matched participants and of their comparison persons.
        effects: matched effects (hidden where an arm's share is suppressed).
        naive: the naive contrast against the pool.
        did: difference-in-differences (None below ``min_n`` pairs).
        event_time: monthly benefit receipt around entry (months with a suppressed share hidden).
        criteria: the seeds' own criteria (indicator name → table).
        rule: the confidentiality rule applied (None: internal, nothing suppressed).
        horizons: the outcome horizons.

    Examples:
        >>> e = evaluate([], SpellTable.from_records([]))
        >>> e.to_dict()["linkage"]["participants"], e.pairs is None
        (0, True)
    """

    data_end: dt.date
    linkage: Linkage
    status: dict[str, EntryStatus]
    status_shares: dict[str, RateTable]
    status_means: dict[str, dict[str, float] | None]
    outcomes: dict[str, RateTable]
    sequences: StateSequences
    time_in_state: StateTimes
    pairs: MatchedPairs | None
    arms: dict[str, RateTable]
    effects: EffectTable | None
    naive: EffectTable | None
    did: DiffInDiff | None
    event_time: EventTime | None
    criteria: dict[str, RateTable | ScaleChange]
    rule: ConfidentialityRule | None
    horizons: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as JSON-ready dicts with stable keys (``format`` :data:`EVALUATION_FORMAT`).

        Person-level tables (``status``, ``sequences``, the pairs) are not included: only
        aggregates, after confidentiality.
        """
        rule = None if self.rule is None else attrs.asdict(self.rule)
        p = self.pairs
        comparison: dict[str, Any] | None = None
        if p is not None:
            small = self.rule is not None and p.n_pairs < self.rule.min_n
            comparison = {
                "pairs": p.n_pairs, "comparison_persons": p.n_controls, "pool": p.pool_size,
                "caliper_months": p.caliper, "unmatched": p.unmatched_counts(),
                "balance": None if p.balance is None or small else p.balance.rows(),
                "arms": {k: v.rows() for k, v in self.arms.items()},
                "effects": None if self.effects is None else self.effects.rows(),
                "naive": None if self.naive is None else self.naive.rows(),
                "difference_in_differences": None if self.did is None else self.did.to_dict(),
                "event_time": None if self.event_time is None else self.event_time.rows(),
            }
        return {
            "format": EVALUATION_FORMAT,
            "data_end": self.data_end.isoformat(),
            "confidentiality": rule,
            "linkage": {"participants": len(self.linkage), "linked": self.linkage.n_linked,
                        "unlinked": self.linkage.reason_counts()},
            "status": {k: {"shares": v.rows(), "means": self.status_means[k]}
                       for k, v in self.status_shares.items()},
            "outcomes": {k: v.rows() for k, v in self.outcomes.items()},
            "time_in_state_24m": {"sequences": self.time_in_state.n,
                                  "mean_months": self.time_in_state.rows()
                                  if self.rule is None or self.time_in_state.n >= self.rule.min_n else None},
            "comparison": comparison,
            "criteria": {k: v.rows() for k, v in self.criteria.items()},
        }


def evaluate(
    events: EventColumns | Sequence[Event],
    spells: SpellTable,
    *,
    mapping: Mapping[str, str] | None = None,
    horizons: Sequence[int] = HORIZONS,
    unemployment: UnemploymentSpells | None = None,
    attributes: PersonAttributes | None = None,
    caliper: float = 3.0,
    min_n: int | None = 3,
    round_to: int | None = None,
    seed: int = 0,
    level: float = 0.95,
    index: SpellIndex | None = None,
) -> Evaluation:
    """Evaluate a programme: link, describe, follow up and compare, with confidentiality applied.

    Args:
        events: the programme's event log.
        spells: the spell table (the administrative data of participants and everyone else).
        mapping: participant id → spell ``person_id`` (default: the same ids).
        horizons: outcome horizons in months.
        unemployment: unemployment periods (LZA).
        attributes: birth years (age bands in the matching).
        caliper: matching caliper in months in benefit.
        min_n: the confidentiality rule's least number of cases (None: nothing suppressed,
            internal use only).
        round_to: round published counts to multiples of this.
        seed: the matching's random seed.
        level: confidence level.
        index: a prebuilt :class:`SpellIndex` of ``spells`` (to reuse it).

    Returns:
        The evaluation.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.events import Admitted
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "elb", "start": "2022-01-01",
        ...                               "end": "", "jobcenter": "J"}], data_end=dt.date(2025, 12, 31))
        >>> e = evaluate([Admitted("e1", "p1", dt.date(2024, 3, 1))], t, min_n=None)
        >>> e.to_dict()["comparison"]["unmatched"]
        {'no eligible comparison person in the stratum': 1}
    """
    cols = events if isinstance(events, EventColumns) else EventColumns.from_events(events)
    ix = index if index is not None else SpellIndex(spells)
    rule = None if min_n is None else ConfidentialityRule(min_n=min_n, round_to=round_to)

    def protect(table: Any) -> Any:
        return table if rule is None else suppress(table, min_n=rule.min_n, secondary=rule.secondary,
                                                   round_to=rule.round_to)

    linkage = link(cols, spells, mapping=mapping)
    status: dict[str, EntryStatus] = {}
    shares: dict[str, RateTable] = {}
    means: dict[str, dict[str, float] | None] = {}
    for origin in ("referral", "admission"):
        st = entry_status(linkage, cols, ix, origin=origin, unemployment=unemployment, attributes=attributes)
        status[origin] = st
        shares[origin] = protect(_status_shares(st, level))
        enough = len(st) > 0 and (rule is None or len(st) >= rule.min_n)
        means[origin] = ({"months_in_benefit_24": float(st.months_24.mean()),
                          "months_in_benefit_60": float(st.months_60.mean())} if enough else None)
    after_entry = participant_outcomes(linkage, cols, ix, origin="admission", horizons=horizons)
    after_exit = participant_outcomes(linkage, cols, ix, origin="exit", horizons=horizons)
    outcomes = {"after_entry": protect(after_entry.rates(indicator="outcomes_after_entry", level=level)),
                "after_exit": protect(after_exit.rates(indicator="outcomes_after_exit", level=level))}
    sequences = state_sequences_of(ix, after_entry.person, after_entry.day, ids=after_entry.ids, months=24)
    times = mean_time_in_state(sequences.observed_for(25))

    pairs = arms_eff = naive = did = et = None
    arms: dict[str, RateTable] = {}
    if len(after_entry):
        pairs = match_comparison(linkage, cols, ix, caliper=caliper, attributes=attributes,
                                 unemployment=unemployment, seed=seed)
        treated_arm, control_arm = _arm_tables(pairs, ix, horizons, level)
        treated_arm, control_arm = protect(treated_arm), protect(control_arm)
        arms = {"participants": treated_arm, "comparison": control_arm}
        hidden = _suppressed(treated_arm) | _suppressed(control_arm)
        arms_eff = _hide(effects(pairs, ix, horizons=horizons, level=level), hidden)
        naive_raw = naive_effects(pairs, ix, after_entry, level=level)
        pool = RateTable.of_counts("naive_pool", ("all",), naive_raw.items,
                                   [np.rint(np.nan_to_num(naive_raw.share_comparison) / 100
                                            * naive_raw.n_comparison).astype(np.int64)],
                                   [naive_raw.n_comparison])
        naive = _hide(naive_raw, _suppressed(outcomes["after_entry"]) | _suppressed(protect(pool)))
        enough = rule is None or pairs.n_pairs >= rule.min_n
        did = difference_in_differences(pairs, ix, level=level) if enough and pairs.n_pairs else None
        et_raw = event_time(pairs, ix, level=level)
        et = _event_time_protected(et_raw, protect, level)

    criteria: dict[str, RateTable | ScaleChange] = {
        "outcomes_by_kind": protect(outcomes_by_kind(cols, level=level)),
        "swe_change": protect(scale_change(cols, scale="swe", level=level)),
        "who5_change": protect(scale_change(cols, scale="who5", level=level)),
        "plan_step_achievement": protect(plan_step_achievement(cols, level=level)),
        "actor_referral_rate": protect(actor_referral_rate(cols, level=level)),
    }
    return Evaluation(day_to_date(spells.data_end), linkage, status, shares, means, outcomes, sequences,
                      times, pairs, arms, arms_eff, naive, did, et, criteria, rule,
                      tuple(int(h) for h in horizons))


def _event_time_protected(et: EventTime, protect: Any, level: float) -> EventTime:
    items = tuple(f"m{int(m)}" for m in et.months)
    n = et.n.reshape(1, -1)
    tab_t = protect(RateTable.of_counts("event_time_participants", ("all",), items,
                                        np.rint(np.nan_to_num(et.participants) / 100 * et.n).reshape(1, -1)
                                        .astype(np.int64), n, level=level))
    tab_c = protect(RateTable.of_counts("event_time_comparison", ("all",), items,
                                        np.rint(np.nan_to_num(et.comparison) / 100 * et.n).reshape(1, -1)
                                        .astype(np.int64), n, level=level))
    hide = np.where(_suppressed(tab_t) | _suppressed(tab_c), np.nan, 1.0)
    return attrs.evolve(et, participants=et.participants * hide, comparison=et.comparison * hide,
                        difference=et.difference * hide, lower=et.lower * hide, upper=et.upper * hide)

