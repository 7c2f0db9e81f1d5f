"""Indicator layer: pure calculators (§ 48a Kennzahlen, programme indicators, statistics)."""

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

__all__: list[str] = [
    # statistics: intervals and confidentiality (§ 48a helper)
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "ConfidentialTable",
    "ConfidentialityRule",
    "CountTable",
    "SupportsSuppression",
    "garwood_interval",
    "poisson_rate_interval",
    "rate_suppressed",
    "round_to_multiple",
    "suppress",
    "suppression_flags",
    "wilson_interval",
]
