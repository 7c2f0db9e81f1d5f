"""Indicator layer: repeat participation — counting per participation or per person.

A person referred again after their pathway has ended has a second *participation*
(:class:`~langzeit.events.ParticipantState`, ``participation``). The columns of an event
log split each person's events into participations
(:class:`~langzeit.indicators.EventColumns`), so every programme indicator counts
**participations** by default. The rates of :data:`~langzeit.indicators.PROGRAMME_RATES`
can count **persons** instead (``unit="person"``): a person counts in a flag when any of
their participations does. :func:`repeat_participation` is a per-person indicator.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from langzeit._arrays import BoolArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import EventColumns, as_columns
from langzeit.indicators._pathways import Data, _single_rate
from langzeit.indicators._tables import Grouping, RateTable

__all__ = ["UNITS", "by_person", "person_grouping", "repeat_participation"]

#: What an indicator counts: each participation (the default) or each person once.
Unit = Literal["participation", "person"]
UNITS: tuple[str, ...] = ("participation", "person")


def check_unit(unit: str) -> None:
    """Raise a :class:`~langzeit.exceptions.ValidationError` unless ``unit`` is one of :data:`UNITS`."""
    if unit not in UNITS:
        raise ValidationError("unknown counting unit",
                              [Problem("unit", f"'participation' or 'person', got {unit!r}")])


def by_person(flag: BoolArray, cols: EventColumns) -> BoolArray:
    """A per-participation flag collapsed to persons: true when any participation's is.

    Args:
        flag: one boolean per participation (``cols.participants`` order).
        cols: the log's columns.

    Returns:
        One boolean per person (``cols.persons`` order, or the participants' when nobody
        took part twice).

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> from langzeit.events import Referred, Exited
        >>> c = EventColumns.from_events([Referred("e1", "p1", date(2024, 1, 8)),
        ...     Exited("e2", "p1", date(2024, 3, 1), reason="dropout"),
        ...     Referred("e3", "p1", date(2024, 9, 2)), Referred("e4", "p2", date(2024, 9, 2))])
        >>> by_person(np.array([True, False, False]), c).tolist()
        [True, False]
    """
    out = np.zeros(cols.n_persons, dtype=np.bool_)
    out[cols.person_index[np.asarray(flag, dtype=np.bool_)]] = True
    return out


def person_grouping(by: Grouping, cols: EventColumns) -> Grouping:
    """A grouping of participations as a grouping of persons (each person's first participation's group).

    Examples:
        p1 took part twice, in group ``b`` and then in ``a``; p2 once, in ``a``:

        >>> import numpy as np
        >>> from datetime import date
        >>> from langzeit.events import Referred, Exited
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e4", "p2", date(2024, 9, 2)),
        ...        Exited("e2", "p1", date(2024, 3, 1), reason="dropout"),
        ...        Referred("e3", "p1", date(2024, 9, 2))]
        >>> cols = EventColumns.from_events(log)
        >>> cols.participants  # the participations, in this order
        ('p1', 'p1#2', 'p2')
        >>> person_grouping(Grouping("area", ("a", "b"), np.array([1, 0, 0])), cols).codes.tolist()
        [1, 0]
    """
    codes = np.zeros(cols.n_persons, dtype=np.int64)
    person = cols.person_index
    codes[person[::-1]] = by.codes[::-1]  # the first participation's code is written last
    return Grouping(by.attribute, by.labels, codes)


def repeat_participation(data: Data, *, level: float = 0.95) -> RateTable:
    """Repeat participation, **per person**: persons with two or more participations / persons.

    A participation is a pathway that starts with a referral; a person referred again
    after their pathway ended (declined, reneged, exited) has a second one. The number
    of participations is :attr:`EventColumns.n_participants`, of persons
    :attr:`EventColumns.n_persons`.

    Args:
        data: the event log.
        level: confidence level of the Wilson interval.

    Returns:
        A rate table with item ``repeated``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Exited
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)),
        ...        Exited("e2", "p1", date(2024, 3, 1), reason="dropout"),
        ...        Referred("e3", "p1", date(2024, 9, 2)), Referred("e4", "p2", date(2024, 9, 2))]
        >>> r = repeat_participation(log).get("repeated")
        >>> r.numerator, r.denominator, r.value
        (1, 2, 50.0)
    """
    cols = as_columns(data)
    counts = np.bincount(cols.person_index, minlength=cols.n_persons)
    g = Grouping("", (), np.zeros(cols.n_persons, dtype=np.int64))
    return _single_rate("repeat_participation", "repeated", counts >= 2,
                        np.ones(cols.n_persons, dtype=np.bool_), g, level,
                        "persons with ≥ 2 participations / persons (per person)")
