"""Indicator layer: the programme indicators as mergeable partial counts (partitions of participants).

The programme report's indicators, computed on partitions of the persons (every event
of a person in one partition, :meth:`EventColumns.split
<langzeit.indicators.EventColumns.split>`) and merged, equal those of the whole log,
number for number. Two passes:

1. :meth:`ProgrammeEvidence.of` per partition, merged: what fixes the rows of the
   tables — the data's first and last day, the groups, the stage order of the funnel
   (pairwise counts), the exit phases and the phases' order of first appearance.
2. :meth:`ProgrammeCounts.of` per partition with the merged evidence, merged: counts
   that add up — numerators and denominators of every rate, the funnel per stage,
   exits by phase and reason, risk tables per group for Aalen–Johansen, distinct values
   with counts for the distributions (stays in months, waiting days, scale scores,
   sequence measures: quantiles need every value, but a duration at day resolution
   takes few distinct values, so their counts merge exactly), the waiting list and the
   caseloads per month, state and transition counts of the monthly sequences, and the
   contact density (contacts and minutes per group and coach; months as integer sums of
   completed months and remaining days; each coach's active days as disjoint spans whose
   union over the partitions is the whole log's, so a coach shared by partitions counts
   each day once).

:meth:`ProgrammeCounts.tables` computes the tables from the merged counts only, so the
whole log (one partition) and any split give the same numbers. What does not merge —
distances between sequences of persons in different partitions, matched comparisons,
the individual level (``participant_summary``) — is not part of it (the guide
"Beyond one machine").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np

from langzeit._arrays import IntArray
from langzeit._calendar import day_number, from_day_number
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import EXIT_CAUSES, as_columns
from langzeit.indicators._contacts import ContactCounts, contact_counts, contact_density_table
from langzeit.indicators._funnel import (
    PhaseEvidence,
    exits_by_phase_counts,
    exits_by_phase_rows,
    exits_by_phase_table,
    funnel_counts,
    funnel_plan,
    funnel_table,
    phase_evidence,
)
from langzeit.indicators._pathways import Data
from langzeit.indicators._programme import (
    actor_referral_rate,
    dropout_rate,
    extension_rate,
    outcomes_by_kind,
    plan_step_achievement,
    sustainability,
    take_up,
)
from langzeit.indicators._scale_change import (
    ScaleCounts,
    merge_scale_counts,
    scale_change_table,
    scale_counts,
)
from langzeit.indicators._sequences import _state_counts, sequence_measures, transition_rates
from langzeit.indicators._stays import (
    StayCounts,
    WaitingCounts,
    caseloads,
    merge_caseloads,
    merge_stay_counts,
    merge_waiting_counts,
    stay_counts,
    stay_lengths_table,
    waiting_list_counts,
    waiting_list_table,
)
from langzeit.indicators._survival import RiskTable, aalen_johansen
from langzeit.indicators._tables import (
    Grouping,
    ValueCounts,
    group_participants,
    merge_value_counts,
    value_counts,
)
from langzeit.indicators._trajectories import competing_exit_counts, state_sequences

__all__ = ["ProgrammeCounts", "ProgrammeEvidence"]

_RATES = {"take_up": take_up, "dropout": dropout_rate, "extension": extension_rate,
          "outcomes": outcomes_by_kind, "plan_steps": plan_step_achievement, "networks": actor_referral_rate}
_MEASURES = ("length", "transitions", "entropy", "turbulence", "complexity")
_SCALES = ("swe", "who5")


def _values(cols: Any, participants: Mapping[str, Any] | None, by: str | None) -> tuple[str, ...]:
    if by is None:
        return ()
    return group_participants(cols.person_ids, participants or {}, by).labels


@attrs.frozen(eq=False)
class ProgrammeEvidence:
    """Pass 1 of a partitioned programme report: what fixes the tables' rows (it merges).

    Build it per partition with :meth:`of` and merge the partitions' evidence; then
    count each partition with :meth:`ProgrammeCounts.of`.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> a = ProgrammeEvidence.of([Referred("e1", "p1", date(2024, 1, 8))])
        >>> b = ProgrammeEvidence.of([Admitted("e2", "p2", date(2024, 3, 1))])
        >>> m = a.merge(b)
        >>> m.first_date, m.last_date, m.phases.reached["admitted"]
        (datetime.date(2024, 1, 8), datetime.date(2024, 3, 1), 1)
    """

    phases: PhaseEvidence
    first_day: int | None
    last_day: int | None
    labels: frozenset[str]
    by: str | None = None

    @classmethod
    def of(cls, data: Data, *, participants: Mapping[str, Any] | None = None,
           by: str | None = None) -> ProgrammeEvidence:
        """The evidence of one partition (or of a whole log).

        Args:
            data: the partition's events or columns.
            participants: participant id → attributes, for grouping (as in the report).
            by: the attribute to group by, or None.

        Returns:
            The evidence.

        Examples:
            >>> ProgrammeEvidence.of([]).last_date is None
            True
        """
        cols = as_columns(data)
        first = int(cols.day.min()) if len(cols) else None
        last = int(cols.day.max()) if len(cols) else None
        return cls(phase_evidence(cols), first, last, frozenset(_values(cols, participants, by)), by)

    def merge(self, other: ProgrammeEvidence) -> ProgrammeEvidence:
        """The evidence of both partitions together.

        Raises:
            ValidationError: the two were grouped by different attributes.

        Examples:
            >>> ProgrammeEvidence.of([]).merge(ProgrammeEvidence.of([])).labels
            frozenset()
        """
        if self.by != other.by:
            raise ValidationError("evidence does not match", [Problem("by", f"{self.by!r} and {other.by!r}")])

        def pick(f: Any, a: int | None, b: int | None) -> int | None:
            return b if a is None else a if b is None else f(a, b)

        return ProgrammeEvidence(self.phases.merge(other.phases),
                                 pick(min, self.first_day, other.first_day),
                                 pick(max, self.last_day, other.last_day), self.labels | other.labels,
                                 self.by)

    @property
    def first_date(self) -> date | None:
        """The earliest event date, None for no events."""
        return None if self.first_day is None else from_day_number(self.first_day)

    @property
    def last_date(self) -> date | None:
        """The latest event date (the default data end), None for no events."""
        return None if self.last_day is None else from_day_number(self.last_day)


@attrs.frozen(eq=False)
class _Plan:
    """The tables' rows and options, fixed by the merged evidence (the same for every partition)."""

    data_end: date
    by: str | None
    labels: tuple[str, ...]
    funnel: tuple[tuple[str, str, str | None], ...]
    exit_rows: tuple[str, ...]
    terminal: frozenset[str]
    sequence_phases: tuple[str, ...]
    planned_months: float | None
    level: float
    sequence_months: int

    @property
    def groups(self) -> tuple[str, ...]:
        return ("all", *self.labels)


def _plan(evidence: ProgrammeEvidence, *, data_end: date | None, phases: Sequence[str] | None,
          planned_months: float | None, level: float, sequence_months: int) -> _Plan:
    end = data_end or evidence.last_date or date(1970, 1, 1)
    ph = evidence.phases
    return _Plan(end, evidence.by, tuple(sorted(evidence.labels)), funnel_plan(ph, phases),
                 exits_by_phase_rows(ph, phases), ph.terminal, tuple(ph.used_phases()), planned_months, level,
                 sequence_months)


def _grouping(cols: Any, participants: Mapping[str, Any] | None, plan: _Plan) -> Grouping | None:
    if plan.by is None:
        return None
    return group_participants(cols.person_ids, participants or {}, plan.by, labels=plan.labels)


def _add(a: Mapping[str, Any], b: Mapping[str, Any], f: Any) -> dict[str, Any]:
    return {k: f(a[k], b[k]) for k in a}


@attrs.frozen(eq=False)
class ProgrammeCounts:
    """Pass 2 of a partitioned programme report: one partition's counts (they merge exactly).

    Build it per partition with :meth:`of` (all with the same merged
    :class:`ProgrammeEvidence` and options), merge, and compute the tables with
    :meth:`tables`. A whole log is one partition: its tables are those of the report.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred(f"r{i}", f"p{i}", date(2024, 1, 8)) for i in range(4)]
        >>> log += [Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)) for i in range(3)]
        >>> halves = [log[0:1] + log[4:5], log[1:4] + log[5:7]]  # p0 | p1, p2, p3
        >>> evidence = ProgrammeEvidence.of(halves[0]).merge(ProgrammeEvidence.of(halves[1]))
        >>> a, b = (ProgrammeCounts.of(h, evidence) for h in halves)
        >>> a.merge(b).tables()["take_up"].get("took_part")
        Rate(numerator=3, denominator=4, value=75.0, lower=30.0..., upper=95.4..., suppressed=False)
    """

    plan: _Plan
    participants: int
    persons: int
    events: int
    funnel: tuple[IntArray, IntArray]
    exits: tuple[IntArray, IntArray]
    rates: dict[str, Any]
    stays: StayCounts
    waiting: WaitingCounts
    caseloads: Any
    scales: dict[str, ScaleCounts]
    competing: dict[str, RiskTable]
    sequences: tuple[int, dict[str, ValueCounts], IntArray, IntArray]
    contacts: ContactCounts

    @classmethod
    def of(cls, data: Data, evidence: ProgrammeEvidence, *, participants: Mapping[str, Any] | None = None,
           data_end: date | None = None, phases: Sequence[str] | None = None,
           planned_months: float | None = None, level: float = 0.95,
           sequence_months: int = 36) -> ProgrammeCounts:
        """The counts of one partition, with the rows fixed by the merged ``evidence``.

        Args:
            data: the partition's events or columns.
            evidence: the merged evidence of all partitions (grouped as it was built).
            participants: participant id → attributes, for grouping.
            data_end: the data's end (default: the latest event of all partitions).
            phases: phase ids in model order (default: the order read from the log).
            planned_months: the planned stay, for "stays longer than planned".
            level: confidence level of all intervals.
            sequence_months: length of the monthly state sequences.

        Returns:
            The partition's counts.

        Examples:
            >>> ProgrammeCounts.of([], ProgrammeEvidence.of([])).participants
            0
        """
        cols = as_columns(data)
        plan = _plan(evidence, data_end=data_end, phases=phases, planned_months=planned_months, level=level,
                     sequence_months=sequence_months)
        g = _grouping(cols, participants, plan)
        end = plan.data_end
        rates = {name: f(cols, by=g, level=level) for name, f in _RATES.items()}
        rates["sustainability"] = sustainability(cols, by=g, data_end=end, level=level)
        seqs = state_sequences(cols, months=sequence_months, data_end=end, phases=plan.sequence_phases)
        measures = sequence_measures(seqs)
        zeros = np.zeros(len(seqs), dtype=np.int64)
        seq_counts = {m: value_counts(getattr(measures, m).astype(np.float64), zeros, 0) for m in _MEASURES}
        return cls(
            plan, cols.n_participants, cols.n_persons, len(cols),
            funnel_counts(cols, plan.funnel, by=g),
            exits_by_phase_counts(cols, plan.exit_rows, plan.terminal),
            rates,
            stay_counts(cols, planned_months=planned_months, by=g, level=level),
            waiting_list_counts(cols, by=g, end_day=day_number(end)),
            caseloads(cols, data_end=end),
            {s: scale_counts(cols, scale=s, by=g, level=level) for s in _SCALES},
            competing_exit_counts(cols, by=g, end_day=day_number(end)),
            (len(seqs), seq_counts, _state_counts(seqs).sum(axis=0).astype(np.int64),
             transition_rates(seqs).counts.astype(np.int64)),
            contact_counts(cols, by=g, end_day=day_number(end)),
        )

    def merge(self, other: ProgrammeCounts) -> ProgrammeCounts:
        """The counts of both partitions together (built with the same evidence and options).

        Raises:
            ValidationError: the two were counted with different rows or options.

        Examples:
            >>> e = ProgrammeEvidence.of([])
            >>> ProgrammeCounts.of([], e).merge(ProgrammeCounts.of([], e)).events
            0
        """
        a, b = self.plan, other.plan
        if (a.data_end, a.labels, a.funnel, a.exit_rows, a.sequence_phases, a.planned_months, a.level,
                a.sequence_months) != (b.data_end, b.labels, b.funnel, b.exit_rows, b.sequence_phases,
                                       b.planned_months, b.level, b.sequence_months):
            raise ValidationError("counts do not match", [Problem(
                "evidence", "count every partition with the same merged evidence and options")])
        n1, m1, s1, t1 = self.sequences
        n2, m2, s2, t2 = other.sequences
        return ProgrammeCounts(
            self.plan, self.participants + other.participants, self.persons + other.persons,
            self.events + other.events,
            (self.funnel[0] + other.funnel[0], self.funnel[1] + other.funnel[1]),
            (self.exits[0] + other.exits[0], self.exits[1] + other.exits[1]),
            _add(self.rates, other.rates, lambda x, y: x.merge(y)),
            merge_stay_counts(self.stays, other.stays),
            merge_waiting_counts(self.waiting, other.waiting),
            merge_caseloads(self.caseloads, other.caseloads),
            _add(self.scales, other.scales, merge_scale_counts),
            _add(self.competing, other.competing, lambda x, y: x.merge(y)),
            (n1 + n2, _add(m1, m2, merge_value_counts), s1 + s2, t1 + t2),
            self.contacts.merge(other.contacts),
        )

    def tables(self) -> dict[str, Any]:
        """The indicator tables, computed from the counts alone (keys as the report's sections).

        ``competing_exits`` is a dict group → :class:`~langzeit.indicators.CumulativeIncidence`;
        ``sequences`` a dict with ``sequences``, ``means``, ``time_in_state`` and
        ``transitions`` (counts per pair of states); ``contacts`` the
        :class:`~langzeit.indicators.ContactDensity`.

        Examples:
            >>> sorted(ProgrammeCounts.of([], ProgrammeEvidence.of([])).tables())[:3]
            ['caseloads', 'competing_exits', 'contacts']
        """
        p = self.plan
        groups = p.groups
        n, measures, states, trans = self.sequences
        alphabet = ("waiting", *p.sequence_phases, "active", "paused", "not_admitted", *EXIT_CAUSES)
        means = {m: float((v * c).sum() / n) if n else 0.0 for m, ((v, c),) in measures.items()}
        in_state = {s: float(states[i] / n) if n else 0.0 for i, s in enumerate(alphabet)}
        totals = trans.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(totals > 0, trans / totals, 0.0)
        return {
            "funnel": funnel_table(p.funnel, groups, *self.funnel, level=p.level),
            "exits_by_phase": exits_by_phase_table(p.exit_rows, *self.exits, level=p.level),
            **self.rates,
            "stays": stay_lengths_table(self.stays, groups, p.planned_months, level=p.level),
            "waiting": waiting_list_table(self.waiting, groups, day_number(p.data_end)),
            "caseloads": self.caseloads,
            "scales": tuple(scale_change_table(self.scales[s], groups, level=p.level) for s in _SCALES),
            "competing_exits": {g: aalen_johansen(t, causes=EXIT_CAUSES, level=p.level)
                                for g, t in self.competing.items()},
            "sequences": {"sequences": n, "means": means,
                          "time_in_state": in_state,
                          "transitions": {(a, b): float(rates[i, j]) for i, a in enumerate(alphabet)
                                          for j, b in enumerate(alphabet) if trans[i, j]}},
            "contacts": contact_density_table(self.contacts, groups, level=p.level),
        }
