"""Evaluation layer: programme participants linked to their administrative spells.

Who entered (status at referral and admission), what followed (outcomes after entry
and exit), compared with whom (a matched comparison group from the spell data, effects,
difference-in-differences), and the facts of the § 16e/§ 16i target-group rules
(:func:`eligibility_facts`). See the guide ``docs/guides/evaluation.md``.
"""

from langzeit.evaluation import _effects
from langzeit.evaluation._effects import *  # noqa: F403 -- re-exports _effects.__all__
from langzeit.evaluation._eligibility import (
    EMPLOYMENT_KINDS,
    EligibilityFactsTable,
    eligibility_facts,
    eligibility_facts_table,
)
from langzeit.evaluation._evaluate import EVALUATION_FORMAT, Evaluation, evaluate
from langzeit.evaluation._example import example_pairs
from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._linkage import NOT_IN_MAPPING, NOT_IN_SPELLS, SHARED_PERSON, Linkage, link
from langzeit.evaluation._matching import (
    AGE_BANDS,
    COVARIATES,
    HISTORY_BANDS,
    NO_CANDIDATE,
    NO_STOCK,
    OUTSIDE_CALIPER,
    Balance,
    MatchedPairs,
    match_comparison,
)
from langzeit.evaluation._outcomes import (
    HORIZONS,
    OUTCOMES,
    STATES,
    Outcomes,
    outcomes_of,
    participant_outcomes,
    state_sequences_of,
)
from langzeit.evaluation._status import (
    ORIGINS,
    EntryStatus,
    PersonAttributes,
    UnemploymentSpells,
    entry_days,
    entry_status,
)
from langzeit.evaluation._synthetic import PlantedEffect, planted_effect_data

__all__ = [
    "AGE_BANDS",
    "EMPLOYMENT_KINDS",
    "COVARIATES",
    "EVALUATION_FORMAT",
    "HISTORY_BANDS",
    "HORIZONS",
    "NOT_IN_MAPPING",
    "NOT_IN_SPELLS",
    "NO_CANDIDATE",
    "NO_STOCK",
    "ORIGINS",
    "OUTCOMES",
    "OUTSIDE_CALIPER",
    "SHARED_PERSON",
    "STATES",
    "Balance",
    "EligibilityFactsTable",
    "EntryStatus",
    "Evaluation",
    "Linkage",
    "MatchedPairs",
    "Outcomes",
    "PersonAttributes",
    "PlantedEffect",
    "SpellIndex",
    "UnemploymentSpells",
    "eligibility_facts",
    "eligibility_facts_table",
    "entry_days",
    "entry_status",
    "evaluate",
    "example_pairs",
    "link",
    "match_comparison",
    "outcomes_of",
    "participant_outcomes",
    "planted_effect_data",
    "state_sequences_of",
    *_effects.__all__,
]
