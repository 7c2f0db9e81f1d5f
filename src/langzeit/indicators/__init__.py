"""Indicator layer: pure calculators (§ 48a Kennzahlen, programme indicators, statistics)."""

from langzeit.indicators._columns import EXIT_CAUSES, EventColumns
from langzeit.indicators._confidentiality import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    ConfidentialityRule,
    protect,
    rate_flags,
    rate_suppressed,
    round_to_multiple,
    suppression_flags,
)
from langzeit.indicators._contacts import ContactDensity, ContactRate, contact_density
from langzeit.indicators._cost import CostRelief, StaffCost, cost_relief
from langzeit.indicators._count_tables import ConfidentialTable, CountTable, SupportsSuppression, suppress
from langzeit.indicators._coverage import SpellCoverage, long_term_recipient, long_term_recipients_on
from langzeit.indicators._distances import (
    DistanceMatrix,
    hamming_distances,
    optimal_matching_distances,
    substitution_costs,
)
from langzeit.indicators._funnel import exits_by_phase, funnel
from langzeit.indicators._intervals import (
    garwood_interval,
    normal_quantile,
    poisson_rate_interval,
    wilson_interval,
)
from langzeit.indicators._kennzahlen import (
    ALL_ONLY,
    CODES,
    GROUPS,
    NAMES,
    YEAR_ON_YEAR,
    KennzahlCell,
    KennzahlenOptions,
    KennzahlenResult,
    MonthlyCounts,
    kennzahlen,
)
from langzeit.indicators._kennzahlen_types import (
    BETTER,
    ComparisonRanks,
    by_comparison_type,
    comparison_ranks,
)
from langzeit.indicators._participations import UNITS, by_person, person_grouping, repeat_participation
from langzeit.indicators._partitioned import kennzahlen_partitioned
from langzeit.indicators._programme import (
    PROGRAMME_RATES,
    ParticipantFlags,
    ParticipantSummary,
    actor_referral_rate,
    dropout_rate,
    extension_rate,
    outcomes_by_kind,
    participant_summary,
    plan_step_achievement,
    programme_rate,
    sustainability,
    take_up,
)
from langzeit.indicators._programme_parts import ProgrammeCounts, ProgrammeEvidence
from langzeit.indicators._reductions import benefit_reduction_rate
from langzeit.indicators._scale_change import ScaleChange, scale_change
from langzeit.indicators._scales import ScaleScore, score_items, score_swe, score_who5
from langzeit.indicators._sequences import (
    SequenceMeasures,
    StateSequences,
    StateTimes,
    TransitionRates,
    mean_time_in_state,
    sequence_measures,
    transition_rates,
)
from langzeit.indicators._stays import (
    Caseloads,
    StayLengths,
    WaitingListStatistics,
    caseloads,
    stay_lengths,
    stay_months,
    waiting_list,
)
from langzeit.indicators._survival import (
    CumulativeIncidence,
    RiskTable,
    SurvivalCurve,
    aalen_johansen,
    kaplan_meier,
)
from langzeit.indicators._tables import DistributionTable, Grouping, Rate, RateTable, group_participants
from langzeit.indicators._trajectories import competing_exits, state_sequences

__all__: list[str] = [
    "ALL_ONLY",
    "BETTER",
    "CODES",
    "EXIT_CAUSES",
    "GROUPS",
    "NAMES",
    "PRIMARY",
    "PROGRAMME_RATES",
    "SECONDARY",
    "SHOWN",
    "UNITS",
    "YEAR_ON_YEAR",
    "Caseloads",
    "ComparisonRanks",
    "ConfidentialTable",
    "ConfidentialityRule",
    "ContactDensity",
    "ContactRate",
    "CostRelief",
    "CountTable",
    "CumulativeIncidence",
    "DistanceMatrix",
    "DistributionTable",
    "EventColumns",
    "Grouping",
    "KennzahlCell",
    "KennzahlenOptions",
    "KennzahlenResult",
    "MonthlyCounts",
    "ParticipantFlags",
    "ParticipantSummary",
    "ProgrammeCounts",
    "ProgrammeEvidence",
    "Rate",
    "RateTable",
    "RiskTable",
    "ScaleChange",
    "ScaleScore",
    "SequenceMeasures",
    "SpellCoverage",
    "StaffCost",
    "StateSequences",
    "StateTimes",
    "StayLengths",
    "SupportsSuppression",
    "SurvivalCurve",
    "TransitionRates",
    "WaitingListStatistics",
    "aalen_johansen",
    "actor_referral_rate",
    "benefit_reduction_rate",
    "by_comparison_type",
    "by_person",
    "caseloads",
    "comparison_ranks",
    "competing_exits",
    "contact_density",
    "cost_relief",
    "dropout_rate",
    "exits_by_phase",
    "extension_rate",
    "funnel",
    "garwood_interval",
    "group_participants",
    "hamming_distances",
    "kaplan_meier",
    "kennzahlen",
    "kennzahlen_partitioned",
    "long_term_recipient",
    "long_term_recipients_on",
    "mean_time_in_state",
    "normal_quantile",
    "optimal_matching_distances",
    "outcomes_by_kind",
    "participant_summary",
    "person_grouping",
    "plan_step_achievement",
    "poisson_rate_interval",
    "programme_rate",
    "protect",
    "rate_flags",
    "rate_suppressed",
    "repeat_participation",
    "round_to_multiple",
    "scale_change",
    "score_items",
    "score_swe",
    "score_who5",
    "sequence_measures",
    "state_sequences",
    "stay_lengths",
    "stay_months",
    "substitution_costs",
    "suppress",
    "suppression_flags",
    "sustainability",
    "take_up",
    "transition_rates",
    "waiting_list",
    "wilson_interval",
]


def __getattr__(name: str) -> object:
    """``WaitingList``, the old name of :class:`WaitingListStatistics` (deprecated).

    The engine's :class:`langzeit.engine.WaitingList` is the list itself.
    """
    if name == "WaitingList":
        import warnings

        warnings.warn("langzeit.indicators.WaitingList is deprecated; use WaitingListStatistics "
                      "(langzeit.engine.WaitingList is the engine's list of waiting participants)",
                      DeprecationWarning, stacklevel=2)
        return WaitingListStatistics
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
