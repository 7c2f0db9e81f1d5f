"""Evaluation layer: programme participants linked to their administrative spells.

Who entered (status at referral and admission), what followed (outcomes after entry
and exit), compared with whom (a matched comparison group from the spell data, effects,
difference-in-differences). See the guide ``docs/guides/evaluation.md``.
"""

from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._linkage import NOT_IN_MAPPING, NOT_IN_SPELLS, SHARED_PERSON, Linkage, link
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

__all__ = [
    "HORIZONS",
    "NOT_IN_MAPPING",
    "NOT_IN_SPELLS",
    "ORIGINS",
    "OUTCOMES",
    "SHARED_PERSON",
    "STATES",
    "EntryStatus",
    "Linkage",
    "Outcomes",
    "PersonAttributes",
    "SpellIndex",
    "UnemploymentSpells",
    "entry_days",
    "entry_status",
    "link",
    "outcomes_of",
    "participant_outcomes",
    "state_sequences_of",
]
