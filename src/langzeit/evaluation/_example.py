"""Evaluation layer: a matched study of one pair, small enough to check by hand (examples, first steps).

Participant ``t`` (spell person ``a``) was admitted on 1 March 2024 and left benefit on
30 April 2024; the comparison person ``b``, matched on the same day, stayed in benefit.
Both had received benefit since 1 January 2022; the data end on 31 December 2025. So six
months after entry the participant is off benefit and the comparison person is not
(a difference of 100 percentage points), and in the two months before entry both were in
benefit.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from langzeit.evaluation._index import SpellIndex
from langzeit.evaluation._matching import MatchedPairs
from langzeit.spells import SpellTable, date_to_day

__all__ = ["example_pairs"]


def example_pairs() -> tuple[MatchedPairs, SpellIndex]:
    """One participant matched to one comparison person on their spells (see the module above).

    Returns:
        The matched pairs (the pool sample is the comparison person) and the indexed spells.

    Examples:
        >>> from langzeit.evaluation import effects
        >>> pairs, index = example_pairs()
        >>> pairs.participant_ids, pairs.n_pairs, index.spells.data_end_date
        (('t',), 1, datetime.date(2025, 12, 31))
        >>> effects(pairs, index, horizons=[6]).get("off_benefit_6m")["difference"]
        100.0
    """
    spells = SpellTable.from_records(
        [{"person_id": "a", "kind": "elb", "start": "2022-01-01", "end": "2024-04-30", "jobcenter": "J"},
         {"person_id": "b", "kind": "elb", "start": "2022-01-01", "end": "", "jobcenter": "J"}],
        data_end=dt.date(2025, 12, 31))
    index = SpellIndex(spells)
    a, b = index.person_index(["a", "b"])
    entry = np.array([date_to_day(dt.date(2024, 3, 1))])
    pairs = MatchedPairs("admission", ("t",), treated=np.array([a]), day=entry, control=np.array([b]),
                         distance=np.array([0.0]), unmatched=(), balance=None, pool_size=1,
                         pool_person=np.array([b]), pool_day=entry, caliper=3.0)
    return pairs, index
