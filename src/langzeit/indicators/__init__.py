"""Indicator layer: pure calculators (§ 48a Kennzahlen, programme indicators, statistics)."""

from langzeit.indicators._columns import EXIT_CAUSES, EventColumns
from langzeit.indicators._confidentiality import (
    PRIMARY,
    SECONDARY,
    SHOWN,
    ConfidentialityRule,
    ConfidentialTable,
    CountTable,
    SupportsSuppression,
    rate_suppressed,
    round_to_multiple,
    suppress,
    suppression_flags,
)
from langzeit.indicators._intervals import garwood_interval, poisson_rate_interval, wilson_interval
from langzeit.indicators._scales import ScaleScore, score_items, score_swe, score_who5
from langzeit.indicators._sequences import (
    DistanceMatrix,
    SequenceMeasures,
    StateSequences,
    StateTimes,
    TransitionRates,
    hamming_distances,
    mean_time_in_state,
    optimal_matching_distances,
    sequence_measures,
    substitution_costs,
    transition_rates,
)
from langzeit.indicators._survival import CumulativeIncidence, SurvivalCurve, aalen_johansen, kaplan_meier

__all__: list[str] = [
    "EXIT_CAUSES",
    # statistics: intervals and confidentiality (§ 48a helper)
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "ConfidentialTable",
    "ConfidentialityRule",
    "CountTable",
    "CumulativeIncidence",
    "DistanceMatrix",
    "EventColumns",
    "ScaleScore",
    "SequenceMeasures",
    "StateSequences",
    "StateTimes",
    "SupportsSuppression",
    "SurvivalCurve",
    "TransitionRates",
    "aalen_johansen",
    "garwood_interval",
    "hamming_distances",
    "kaplan_meier",
    "mean_time_in_state",
    "optimal_matching_distances",
    "poisson_rate_interval",
    "rate_suppressed",
    "round_to_multiple",
    "score_items",
    "score_swe",
    "score_who5",
    "sequence_measures",
    "substitution_costs",
    "suppress",
    "suppression_flags",
    "transition_rates",
    "wilson_interval",
]
