"""Indicator layer: programme indicators from an event log (DOMAIN.md § 4).

Every calculator takes the log as :class:`~langzeit.indicators.EventColumns` (or any
iterable of events, converted once) and works on whole columns with numpy: no Python
loop per event or per participant. Options are keyword-only; results are tables with
numerator, denominator, value (percent) and a Wilson interval per group, ready for
:func:`langzeit.indicators.suppress`.

Conventions (documented choices):

* A participant's pathway is read from the *first* event of each type (first
  referral, first admission, first exit). Monthly time is completed months
  (:func:`langzeit.domain.months_between`).
* The data's end (default: the latest event date) censors stays and follow-ups: a
  follow-up ``k`` months after exit is *due* when exit + k months ≤ data end.
* The unit is the *participation* (a person referred again after an exit has two,
  :mod:`._participations`); take-up, dropout and extension rates count persons instead
  with ``unit="person"`` (a person counts in a flag when any participation does).
* Take-up = admitted / referred; dropout = admitted who left with reason ``dropout`` /
  admitted; extension = admitted with at least one ``Extended`` / admitted. These three
  are defined once, in :data:`PROGRAMME_RATES` over :class:`ParticipantFlags`; the
  simulator's metrics of the same names are computed by the same function
  (:func:`programme_rate`) over its simulated pathways.
* The exit phase is the last phase entered on or before the exit day.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import BoolArray, IntArray
from langzeit._calendar import add_months, from_day_number, months_between_days
from langzeit.domain import ExitReason
from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.indicators._columns import (
    OUTCOMES,
    REASONS,
    TYPE_CODES,
    as_columns,
    dense_codes,
)
from langzeit.indicators._participations import Unit, by_person, check_unit, person_grouping
from langzeit.indicators._pathways import (
    _NONE,
    Data,
    _data_end,
    _first_rows,
    _grouping,
    _has,
    _pathways,
    _single_rate,
)
from langzeit.indicators._tables import Grouping, RateTable
from langzeit.tabular import Table

__all__ = [
    "PROGRAMME_RATES",
    "ParticipantFlags",
    "ParticipantSummary",
    "actor_referral_rate",
    "dropout_rate",
    "extension_rate",
    "outcomes_by_kind",
    "participant_summary",
    "plan_step_achievement",
    "programme_rate",
    "sustainability",
    "take_up",
]


# -- the programme rates: one definition ------------------------------------------------------


@attrs.frozen(eq=False)
class ParticipantFlags:
    """What happened on each participant's pathway: one boolean array per fact, one entry per person.

    The programme rates count these flags (:data:`PROGRAMME_RATES`). The indicator
    functions read them from an event log (:meth:`from_log`); the simulator builds them
    from its simulated pathways, so its ``take_up``, ``dropout_rate`` and
    ``extension_rate`` are the same indicators.

    Args:
        referred: was referred (Zusteuerung).
        admitted: was admitted (Eintritt).
        dropout: left with exit reason ``dropout`` (Abbruch).
        extended: was granted at least one extension (Verlängerung).

    Examples:
        >>> import numpy as np
        >>> f = ParticipantFlags(referred=np.array([True, True]), admitted=np.array([True, False]),
        ...                      dropout=np.array([False, False]), extended=np.array([False, False]))
        >>> programme_rate("take_up", f).get("took_part").value
        50.0
    """

    referred: BoolArray
    admitted: BoolArray
    dropout: BoolArray
    extended: BoolArray

    @classmethod
    def from_log(cls, data: Data) -> ParticipantFlags:
        """The flags of every participant of an event log (in ``EventColumns.participants`` order).

        Examples:
            >>> from datetime import date
            >>> from langzeit.events import Referred
            >>> ParticipantFlags.from_log([Referred("e1", "p1", date(2024, 1, 8))]).referred.tolist()
            [True]
        """
        p = _pathways(as_columns(data))
        return cls(referred=_has(p.first["referred"]), admitted=_has(p.first["admitted"]),
                   dropout=p.exit_reason == REASONS.index(ExitReason.DROPOUT), extended=p.extensions > 0)


#: The programme rates: indicator → (item, numerator flag, denominator flag, note). The
#: numerator counts participants with both flags (DOMAIN.md § 4).
PROGRAMME_RATES: Mapping[str, tuple[str, str, str, str]] = MappingProxyType({
    "take_up": ("took_part", "admitted", "referred", "admitted / referred"),
    "dropout_rate": ("dropout", "dropout", "admitted", "dropouts / admitted"),
    "extension_rate": ("extended", "extended", "admitted", "extended / admitted"),
})


def programme_rate(indicator: str, flags: ParticipantFlags, *, by: Grouping | None = None,
                   level: float = 0.95) -> RateTable:
    """One of :data:`PROGRAMME_RATES` over participants' flags.

    Args:
        indicator: ``"take_up"``, ``"dropout_rate"`` or ``"extension_rate"``.
        flags: the participants' flags.
        by: optional grouping of the same participants.
        level: confidence level of the Wilson interval.

    Returns:
        A rate table with the indicator's one item (value in percent).

    Raises:
        UnknownNameError: ``indicator`` is not a programme rate.
        ValidationError: ``by`` groups another number of participants.

    Examples:
        >>> import numpy as np
        >>> yes, no = np.array([True, True, True, True]), np.array([True, False, False, False])
        >>> programme_rate("dropout_rate", ParticipantFlags(yes, yes, no, no)).get("dropout").value
        25.0
    """
    try:
        item, num, den, note = PROGRAMME_RATES[indicator]
    except KeyError:
        raise UnknownNameError("programme rate", indicator, tuple(PROGRAMME_RATES)) from None
    n = len(flags.referred)
    g = Grouping("", (), np.zeros(n, dtype=np.int64)) if by is None else by
    if len(g.codes) != n:
        raise ValidationError("grouping does not fit the participants",
                              [Problem("by", f"{len(g.codes)} participants, flags have {n}")])
    return _single_rate(indicator, item, getattr(flags, num), getattr(flags, den), g, level, note)


def _log_rate(indicator: str, data: Data, by: Grouping | None, level: float,
              unit: str = "participation") -> RateTable:
    check_unit(unit)
    cols = as_columns(data)
    flags, grouping = ParticipantFlags.from_log(cols), _grouping(cols, by)
    if unit == "person" and cols.person is not None:  # someone took part twice: count persons once
        flags = ParticipantFlags(*(by_person(getattr(flags, f.name), cols)
                                   for f in attrs.fields(ParticipantFlags)))
        grouping = person_grouping(grouping, cols)
    return programme_rate(indicator, flags, by=grouping, level=level)


# -- rates ------------------------------------------------------------------------------------


def take_up(data: Data, *, by: Grouping | None = None, level: float = 0.95,
            unit: Unit = "participation") -> RateTable:
    """Take-up: admitted participants among those referred / addressed.

    Args:
        data: the event log.
        by: optional grouping of participants (:func:`group_participants`).
        level: confidence level of the Wilson interval.
        unit: ``"participation"`` (default: each participation counts) or ``"person"``
            (each person once: admitted in any participation / referred at least once).

    Returns:
        A rate table with item ``took_part``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1))]
        >>> take_up(log).get("took_part").value
        50.0
    """
    return _log_rate("take_up", data, by, level, unit)


def dropout_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95,
                 unit: Unit = "participation") -> RateTable:
    """Dropout (Abbruch): admitted participants who left with reason ``dropout`` / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.
        unit: ``"participation"`` (default) or ``"person"`` (dropped out of any
            participation / admitted in any).

    Returns:
        A rate table with item ``dropout``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8)),
        ...        Exited("e3", "p1", date(2024, 3, 1), reason="dropout")]
        >>> dropout_rate(log).get("dropout").numerator
        1
    """
    return _log_rate("dropout_rate", data, by, level, unit)


def extension_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95,
                   unit: Unit = "participation") -> RateTable:
    """Extension rate: admitted participants with at least one extension (Verlängerung) / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.
        unit: ``"participation"`` (default) or ``"person"``.

    Returns:
        A rate table with item ``extended``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Extended
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)),
        ...        Extended("e2", "p1", date(2024, 12, 1), until=date(2025, 6, 30))]
        >>> extension_rate(log).get("extended").value
        100.0
    """
    return _log_rate("extension_rate", data, by, level, unit)


def actor_referral_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Networks: admitted participants referred to at least one actor of the social space / admitted.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A rate table with item ``referred_to_actor`` (``ActorReferred`` events at any time).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, ActorReferred
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8)),
        ...        ActorReferred("e3", "p1", date(2024, 2, 1), actor_id="sb-1", need="debt"),
        ...        ActorReferred("e4", "p1", date(2024, 3, 1), actor_id="club-2")]
        >>> actor_referral_rate(log).get("referred_to_actor").value
        50.0
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    referred = np.zeros(cols.n_participants, dtype=bool)
    referred[cols.participant[cols.type == TYPE_CODES["actor_referred"]]] = True
    return _single_rate("actor_referral_rate", "referred_to_actor", referred, _has(p.first["admitted"]), g,
                        level, "referred to an actor / admitted")


def plan_step_achievement(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Achieved cooperation-plan steps among the agreed steps (each step once per participant).

    Items: ``steps`` (achieved / agreed steps) and ``participants_all_achieved``
    (participants who achieved every agreed step / participants with agreed steps).

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level (the step interval treats steps as independent).

    Returns:
        The rate table.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import PlanStepAgreed, PlanStepAchieved
        >>> log = [PlanStepAgreed("e1", "p1", date(2024, 2, 1), step_id="s1"),
        ...        PlanStepAgreed("e2", "p1", date(2024, 2, 1), step_id="s2"),
        ...        PlanStepAchieved("e3", "p1", date(2024, 3, 1), step_id="s1")]
        >>> plan_step_achievement(log).get("steps").value
        50.0
    """
    cols = as_columns(data)
    g = _grouping(cols, by)

    agreed_m = cols.type == TYPE_CODES["plan_step_agreed"]
    achieved_m = cols.type == TYPE_CODES["plan_step_achieved"]
    # step ids as dense codes, so that (participant, step) pairs fit a small integer range
    steps, dense = dense_codes(cols.key[agreed_m | achieved_m])
    width = max(len(steps), 1)
    code = np.full(len(cols), -1, dtype=np.int64)
    code[agreed_m | achieved_m] = dense

    def keys(m: BoolArray) -> IntArray:
        return dense_codes(cols.participant[m].astype(np.int64) * width + code[m])[0]

    agreed, achieved = keys(agreed_m), keys(achieved_m)
    done = np.isin(agreed, achieved)
    who = agreed // width
    n = cols.n_participants
    agreed_n = np.bincount(who, minlength=n)
    done_n = np.bincount(who[done], minlength=n)
    has_steps = agreed_n > 0
    all_done = has_steps & (done_n == agreed_n)
    num = np.stack([g.counts(weights=done_n), g.counts(all_done)], axis=1)
    den = np.stack([g.counts(weights=agreed_n), g.counts(has_steps)], axis=1)
    return RateTable.of_counts("plan_step_achievement", g.names, ("steps", "participants_all_achieved"),
                               num.astype(np.int64), den.astype(np.int64),
                               notes=("achieved / agreed steps", "all steps achieved / with steps"),
                               level=level)


def outcomes_by_kind(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Outcomes at exit by kind among exited participants; official Integrationen flagged.

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        A partition table (items add up to the exits); the note marks Integrationen
        (§ 48a SGB II: insured employment, full vocational training, self-employment).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited
        >>> log = [Exited("e1", "p1", date(2024, 5, 1), reason="work", outcome="svp"),
        ...        Exited("e2", "p2", date(2024, 5, 1), reason="work", outcome="minijob")]
        >>> t = outcomes_by_kind(log)
        >>> t.get("svp").value, t.notes[t.items.index("svp")]
        (50.0, 'Integration')
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    exited = p.exit_row >= 0
    num = np.stack([g.counts(p.exit_outcome == k) for k in range(len(OUTCOMES))], axis=1)
    den = g.counts(exited)[:, None]
    notes = tuple("Integration" if o.is_integration else ("work" if o.is_work else "") for o in OUTCOMES)
    return RateTable.of_counts("outcomes_by_kind", g.names, tuple(o.value for o in OUTCOMES), num, den,
                               notes=notes, partition=True, level=level)


def sustainability(data: Data, *, months: Sequence[int] = (6, 12), by: Grouping | None = None,
                   data_end: date | None = None, level: float = 0.95) -> RateTable:
    """What remains after participation: status ``k`` months after exit (``FollowUp`` events).

    For each ``k``: ``response_{k}m`` (followed up / due), ``work_{k}m`` (any work,
    Integrationen included / followed up), ``integration_{k}m`` (Integration / followed
    up) and ``off_benefit_{k}m`` (no SGB II benefit / followed up with benefit status
    known). A follow-up is due when exit + k months is on or before the data's end.

    Args:
        data: the event log.
        months: the follow-up points.
        by: optional grouping.
        data_end: the data's end (default: the latest event).
        level: confidence level.

    Returns:
        The rate table.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited, FollowUp
        >>> log = [Exited("e1", "p1", date(2024, 1, 10), reason="work", outcome="svp"),
        ...        FollowUp("e2", "p1", date(2024, 7, 10), months_after_exit=6, status="svp",
        ...                 receives_benefit=False)]
        >>> t = sustainability(log, months=[6])
        >>> t.get("work_6m").value, t.get("off_benefit_6m").value
        (100.0, 100.0)
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    end = _data_end(cols, data_end)
    exited = p.exit_row >= 0
    work = np.array([o.is_work for o in OUTCOMES])
    integ = np.array([o.is_integration for o in OUTCOMES])
    items, nums, dens, notes = [], [], [], []
    fu = cols.type == TYPE_CODES["follow_up"]
    for k in months:
        due = exited & (add_months(np.where(exited, p.exit_day, 0), k) <= end)
        row = _first_rows(cols, fu & (cols.value == k))
        seen = due & (row >= 0)
        safe = np.where(row >= 0, row, 0)
        status = cols.code[safe].astype(np.int64)
        benefit = cols.code2[safe].astype(np.int64)
        in_work = seen & work[np.where(seen, status, 0)]
        in_integ = seen & integ[np.where(seen, status, 0)]
        known = seen & (benefit >= 0)
        off = known & (benefit == 0)
        for name, num, den, note in (("response", seen, due, "followed up / due"),
                                     ("work", in_work, seen, "in work / followed up"),
                                     ("integration", in_integ, seen, "Integration / followed up"),
                                     ("off_benefit", off, known, "no SGB II benefit / status known")):
            items.append(f"{name}_{k}m")
            nums.append(g.counts(num))
            dens.append(g.counts(den))
            notes.append(note)
    return RateTable.of_counts("sustainability", g.names, tuple(items), np.stack(nums, axis=1),
                               np.stack(dens, axis=1), notes=tuple(notes), level=level)


# -- individual level ---------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ParticipantSummary(Table):
    """The individual level: one row per participant with the pathway's key facts.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)),
        ...        Exited("e2", "p1", date(2024, 7, 1), reason="work", outcome="svp")]
        >>> r = participant_summary(log).rows()[0]
        >>> r["stay_months"], r["outcome"], r["integration"]
        (6, 'svp', True)
    """

    participant_ids: tuple[str, ...]
    referred: IntArray
    admitted: IntArray
    exited: IntArray
    stay_months: IntArray
    exit_reason: IntArray
    outcome: IntArray
    extensions: IntArray

    _title = "Participants"
    _dtypes = MappingProxyType({"referred": "date", "admitted": "date", "exited": "date",
                                "stay_months": "Int64"})

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("participant_id", "referred", "admitted", "exited", "stay_months", "exit_reason", "outcome",
                "integration", "extensions")

    def rows(self) -> list[dict[str, Any]]:
        """One row per participant."""
        def day(d: int) -> date | None:
            return None if d == _NONE else from_day_number(d)

        out = []
        for i, pid in enumerate(self.participant_ids):
            o = int(self.outcome[i])
            out.append({"participant_id": pid, "referred": day(int(self.referred[i])),
                        "admitted": day(int(self.admitted[i])), "exited": day(int(self.exited[i])),
                        "stay_months": None if self.stay_months[i] < 0 else int(self.stay_months[i]),
                        "exit_reason": None if self.exit_reason[i] < 0
                        else REASONS[int(self.exit_reason[i])].value,
                        "outcome": None if o < 0 else OUTCOMES[o].value,
                        "integration": None if o < 0 else OUTCOMES[o].is_integration,
                        "extensions": int(self.extensions[i])})
        return out


def participant_summary(data: Data) -> ParticipantSummary:
    """Each participant's referral, admission, exit, stay in completed months, outcome and extensions.

    Args:
        data: the event log.

    Returns:
        The individual-level table (not for publication: it has one row per person).

    Examples:
        >>> participant_summary([]).rows()
        []
    """
    cols = as_columns(data)
    p = _pathways(cols)
    adm = p.first["admitted"]
    done = _has(adm) & (p.exit_row >= 0)
    stay = np.where(done, months_between_days(np.where(done, adm, 0), np.where(done, p.exit_day, 0)), -1)
    return ParticipantSummary(cols.participants, p.first["referred"], adm, p.exit_day, stay,
                              p.exit_reason, p.exit_outcome, p.extensions)


