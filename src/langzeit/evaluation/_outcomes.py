"""Evaluation layer: outcomes after entry and after exit, as shares and as monthly state sequences.

Each outcome is read from the spells at a horizon of ``h`` months after the origin day
``o`` (entry or exit; the horizon day is ``o + h`` months, ``relativedelta`` style):

========================  ==========================================================================
``integration``           an Integration (§ 48a: start of ``svp``, ``apprenticeship`` or
                          ``self_employment`` of a person in the ELB stock at S(k−1) or S(k),
                          once per person and month, DOMAIN.md § 3 and convention 5) in ``(o, o+h]``
``continuous_employment`` … an ``svp`` Integration of month k with an ``svp`` spell covering each of
                          S(k+1) … S(k+6) (the K2E3 rule, regime 2019)
``bedarfsdeckend``        … an Integration of month k whose person is in no ELB stock at S(k+3)
                          (BA monitoring: the Integration ended benefit receipt)
``off_benefit``           not in the ELB stock on the horizon day
``back_in_benefit``       out of the ELB stock on one of the monthly days ``o + 1 … o + h − 1`` months
                          and in it on the horizon day (returned to benefit)
``in_measure``            a ``measure`` or ``public_employment`` spell covers the horizon day
========================  ==========================================================================

**Censoring.** A value exists only where the data reach every day it needs: the horizon
day for all outcomes, and also S(k+6) (continuity) or S(k+3) (bedarfsdeckend) for the
latest Integration month k the window allows. Otherwise the person is *censored* for
that outcome and horizon: left out of numerator and denominator, never guessed.
Shares of persons with a value are reported with Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import BoolArray, IntArray
from langzeit._calendar import add_months, month_end, month_index
from langzeit.evaluation._index import BEDARF_MONTHS, K2E3_MONTHS, SpellIndex
from langzeit.evaluation._linkage import Linkage
from langzeit.evaluation._status import NO_DAY, entry_days
from langzeit.exceptions import ValidationError
from langzeit.indicators import EventColumns, RateTable, StateSequences

__all__ = ["HORIZONS", "OUTCOMES", "STATES", "Outcomes", "outcomes_of", "participant_outcomes",
           "state_sequences_of"]


HORIZONS = (6, 12, 24)
"""The default horizons in months after the origin."""
OUTCOMES = ("integration", "continuous_employment", "bedarfsdeckend", "off_benefit", "back_in_benefit",
            "in_measure")
"""The outcomes, in report order."""
STATES = ("benefit", "measure", "work_with_benefit", "work", "out")
"""Monthly states: in a measure (first), in work with benefit (Aufstocker), in work, in benefit, neither."""


@attrs.frozen(eq=False)
class Outcomes:
    """Outcomes of persons at horizons after their origin day: values and availability.

    Args:
        ids: one id per person row (participant id, or ``"c:<person_id>"`` for a comparison person).
        person: person index in the spell table.
        day: the origin day (entry, exit, or a comparison person's pseudo-entry).
        horizons: months after the origin.
        value: boolean array (persons × outcomes × horizons); False where not available.
        available: the data reach what the value needs (not censored).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable, date_to_day
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2023-01-01", "end": "2024-03-31",
        ...      "jobcenter": "J"},
        ...     {"person_id": "a", "kind": "svp", "start": "2024-03-01", "end": ""}],
        ...     data_end=dt.date(2025, 12, 31))
        >>> o = outcomes_of(SpellIndex(t), [0], [date_to_day(dt.date(2024, 1, 15))], ids=["a"])
        >>> o.get("integration", 6).tolist(), o.get("off_benefit", 6).tolist()
        ([True], [True])
        >>> o.observed("off_benefit", 24).tolist()
        [False]
        >>> o.rates().get("continuous_employment_6m").value, o.rates().get("off_benefit_24m").denominator
        (100.0, 0)
    """

    ids: tuple[str, ...]
    person: IntArray
    day: IntArray
    horizons: tuple[int, ...]
    value: BoolArray
    available: BoolArray

    def __len__(self) -> int:
        return len(self.ids)

    def _at(self, outcome: str, horizon: int) -> tuple[int, int]:
        return OUTCOMES.index(outcome), self.horizons.index(horizon)

    def get(self, outcome: str, horizon: int) -> BoolArray:
        """The values of one outcome at one horizon (False where censored)."""
        o, h = self._at(outcome, horizon)
        out: BoolArray = self.value[:, o, h]
        return out

    def observed(self, outcome: str, horizon: int) -> BoolArray:
        """Where one outcome at one horizon is available (not censored)."""
        o, h = self._at(outcome, horizon)
        out: BoolArray = self.available[:, o, h]
        return out

    def select(self, rows: npt.ArrayLike) -> Outcomes:
        """The outcomes of some rows (a boolean mask or indices).

        Examples:
            >>> o = Outcomes(("a", "b"), np.array([0, 1]), np.array([0, 0]), (6,),
            ...              np.zeros((2, 6, 1), bool), np.ones((2, 6, 1), bool))
            >>> o.select([1]).ids
            ('b',)
        """
        r = np.asarray(rows)
        idx = np.flatnonzero(r) if r.dtype == np.bool_ else r.astype(np.int64)
        return Outcomes(tuple(self.ids[i] for i in idx.tolist()), self.person[idx], self.day[idx],
                        self.horizons, self.value[idx], self.available[idx])

    def rates(self, *, indicator: str = "outcomes", level: float = 0.95) -> RateTable:
        """Shares per outcome and horizon among the persons not censored, with Wilson intervals.

        Items are ``<outcome>_<h>m``; one group, ``all``.

        Examples:
            >>> o = Outcomes(("a", "b"), np.array([0, 1]), np.array([0, 0]), (6,),
            ...              np.array([[[True]] * 6, [[False]] * 6]), np.ones((2, 6, 1), bool))
            >>> o.rates().get("integration_6m").value
            50.0
        """
        items = [f"{o}_{h}m" for o in OUTCOMES for h in self.horizons]
        num = (self.value & self.available).sum(axis=0).reshape(1, -1)
        den = self.available.sum(axis=0).reshape(1, -1)
        notes = [f"{o}, {h} months after the origin; censored persons left out"
                 for o in OUTCOMES for h in self.horizons]
        return RateTable.of_counts(indicator, ("all",), items, num, den, notes=notes, level=level)


def outcomes_of(
    index: SpellIndex,
    person: npt.ArrayLike,
    day: npt.ArrayLike,
    *,
    ids: Sequence[str] | None = None,
    horizons: Sequence[int] = HORIZONS,
) -> Outcomes:
    """The outcomes of (person, origin day) pairs at each horizon (vectorised over persons).

    Args:
        index: the indexed spell table.
        person: person indices.
        day: origin day numbers (entry, exit or pseudo-entry).
        ids: row ids (default: the person ids of the spell table).
        horizons: months after the origin (positive).

    Returns:
        The outcomes.

    Raises:
        ValueError: a horizon below 1.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([{"person_id": "a", "kind": "elb", "start": "2023-01-01",
        ...                               "end": "", "jobcenter": "J"}], data_end=dt.date(2024, 12, 31))
        >>> outcomes_of(SpellIndex(t), [0], [19723], horizons=[6]).get("off_benefit", 6).tolist()
        [False]
    """
    if any(h < 1 for h in horizons):
        raise ValidationError("horizons must be at least 1 month")
    p = np.asarray(person, dtype=np.int64)
    o = np.asarray(day, dtype=np.int64)
    n, hs = p.size, tuple(int(h) for h in horizons)
    end = index.data_end
    value = np.zeros((n, len(OUTCOMES), len(hs)), dtype=np.bool_)
    avail = np.zeros_like(value)
    ints = index.integrations
    # monthly days o + 1 … o + max(h) months: in the stock on each?
    top = max(hs)
    monthly = add_months(o[:, None], np.arange(1, top + 1)[None, :])
    in_stock = index.in_benefit(p[:, None], monthly)
    ever_out = np.logical_or.accumulate(~in_stock, axis=1)
    for j, h in enumerate(hs):
        b = monthly[:, h - 1]
        seen = b <= end
        last_k = month_index(b)
        cont_seen = month_end(last_k + K2E3_MONTHS) <= end
        bed_seen = month_end(last_k + BEDARF_MONTHS) <= end
        cols = {
            "integration": (ints.any_in(p, o, b), seen),
            "continuous_employment": (ints.any_in(p, o, b, flag="continuous"), seen & cont_seen),
            "bedarfsdeckend": (ints.any_in(p, o, b, flag="bedarfsdeckend"), seen & bed_seen),
            "off_benefit": (~in_stock[:, h - 1], seen),
            "back_in_benefit": (in_stock[:, h - 1] & (ever_out[:, h - 2] if h >= 2 else False), seen),
            "in_measure": (index.measure.covers(p, b), seen),
        }
        for k, name in enumerate(OUTCOMES):
            v, a = cols[name]
            value[:, k, j] = np.asarray(v, dtype=np.bool_) & a
            avail[:, k, j] = a
    names = tuple(ids) if ids is not None else tuple(str(x) for x in np.asarray(index.spells.person_ids)[p])
    return Outcomes(names, p, o, hs, value, avail)


def state_sequences_of(
    index: SpellIndex,
    person: npt.ArrayLike,
    day: npt.ArrayLike,
    *,
    ids: Sequence[str] | None = None,
    months: int = 24,
    start: int = 0,
) -> StateSequences:
    """Monthly states on the days ``o + start … o + months`` months, as state sequences.

    States (:data:`STATES`): ``measure`` (a measure or public employment spell covers the
    day), ``work_with_benefit`` (work and in the ELB stock), ``work``, ``benefit``, ``out``.
    Days after the data's end are unobserved (``-1``): the sequence tools of
    :mod:`langzeit.indicators` leave them out.

    Args:
        index: the indexed spell table.
        person: person indices.
        day: origin days.
        ids: sequence ids (default: the person ids).
        months: the last month after the origin.
        start: the first month (negative: before the origin).

    Returns:
        The sequences (column ``m0`` is month ``start``).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> t = SpellTable.from_records([
        ...     {"person_id": "a", "kind": "elb", "start": "2023-01-01", "end": "2024-03-31",
        ...      "jobcenter": "J"},
        ...     {"person_id": "a", "kind": "svp", "start": "2024-03-01", "end": ""}],
        ...     data_end=dt.date(2024, 6, 30))
        >>> s = state_sequences_of(SpellIndex(t), [0], [19737], months=6)  # 2024-01-15
        >>> s.to_lists()
        [['benefit', 'benefit', 'work_with_benefit', 'work', 'work', 'work']]
    """
    p = np.asarray(person, dtype=np.int64)
    o = np.asarray(day, dtype=np.int64)
    offsets = np.arange(start, months + 1)
    when = add_months(o[:, None], offsets[None, :])
    pp = np.broadcast_to(p[:, None], when.shape)
    benefit = index.in_benefit(pp, when)
    work = index.work.covers(pp, when)
    measure = index.measure.covers(pp, when)
    states = np.full(when.shape, STATES.index("out"), dtype=np.int16)
    states[benefit] = STATES.index("benefit")
    states[work & ~benefit] = STATES.index("work")
    states[work & benefit] = STATES.index("work_with_benefit")
    states[measure] = STATES.index("measure")
    states[when > index.data_end] = -1
    names = tuple(ids) if ids is not None else tuple(str(x) for x in np.asarray(index.spells.person_ids)[p])
    return StateSequences(names, STATES, states)


def participant_outcomes(
    linkage: Linkage,
    events: EventColumns,
    index: SpellIndex,
    *,
    origin: str = "admission",
    horizons: Sequence[int] = HORIZONS,
) -> Outcomes:
    """Outcomes of the linked participants after their first ``origin`` event (entry or exit).

    Args:
        linkage: the linkage of ``events`` to the spells of ``index``.
        events: the event log as columns.
        index: the indexed spell table.
        origin: ``"admission"`` (after entry), ``"referral"`` or ``"exit"`` (after exit).
        horizons: months after the origin.

    Returns:
        The outcomes, one row per linked participant with that event (ids: participant ids).

    Examples:
        >>> import datetime as dt
        >>> from langzeit.events import Admitted, Exited
        >>> from langzeit.spells import SpellTable
        >>> from langzeit.evaluation import link
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "elb", "start": "2023-01-01",
        ...                               "end": "2024-05-31", "jobcenter": "J"}],
        ...                             data_end=dt.date(2025, 6, 30))
        >>> cols = EventColumns.from_events([Admitted("e1", "p1", dt.date(2024, 1, 1)),
        ...                                  Exited("e2", "p1", dt.date(2024, 6, 1), reason="completed")])
        >>> after_exit = participant_outcomes(link(cols, t), cols, SpellIndex(t), origin="exit", horizons=[6])
        >>> after_exit.ids, after_exit.get("off_benefit", 6).tolist()
        (('p1',), [True])
    """
    days = entry_days(events, origin)
    keep = np.flatnonzero(linkage.linked & (days != NO_DAY))
    ids = [linkage.participant_ids[i] for i in keep.tolist()]
    return outcomes_of(index, linkage.person[keep], days[keep], ids=ids, horizons=horizons)
