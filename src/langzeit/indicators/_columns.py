"""Indicator layer: an event log as columnar numpy arrays, built in one pass.

Every bulk calculator of programme indicators reads :class:`EventColumns`: one row per
event with the participant's index, the event type's code, the day number
(days since 1970-01-01) and a few type-specific fields. Strings (phase, coach,
tandem, plan-step and scale names) are interned into :attr:`EventColumns.keys`.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import IntArray
from langzeit._calendar import EPOCH_ORDINAL, from_day_number
from langzeit.domain import ExitReason, OutcomeKind
from langzeit.events import (
    CONTACT_CHANNELS,
    EVENT_TYPES,
    CoachAssigned,
    Contacted,
    Event,
    EventLog,
    Exited,
    Extended,
    FollowUp,
    PhaseEntered,
    PlanStepAchieved,
    PlanStepAgreed,
    ScaleScored,
    TandemAssigned,
    Waitlisted,
)
from langzeit.exceptions import Problem, ValidationError
from langzeit.spells import person_partition

__all__ = [
    "EXIT_CAUSES",
    "OTHER_CHANNEL",
    "OUTCOMES",
    "REASONS",
    "TYPE_CODES",
    "EventColumns",
    "as_columns",
    "dense_codes",
    "exit_causes",
]

#: The code of every event type in :attr:`EventColumns.type`.
TYPE_CODES: dict[str, int] = {name: i for i, name in enumerate(EVENT_TYPES)}
#: Exit reasons and outcome kinds by their code in :attr:`EventColumns.code` / ``code2``.
REASONS: tuple[ExitReason, ...] = tuple(ExitReason)
OUTCOMES: tuple[OutcomeKind, ...] = tuple(OutcomeKind)
#: The competing exit causes of the time-to-event and sequence analyses (codes 1…5).
EXIT_CAUSES = ("integration", "other_work", "dropout", "rehabilitation", "other")

_ITEMS = 10  # widest scale (SWE); WHO-5 uses the first 5 columns
#: Event types with fields the calculators read (all others need only participant, type, day).
_WITH_FIELDS = frozenset({Exited, PhaseEntered, CoachAssigned, TandemAssigned, PlanStepAgreed,
                          PlanStepAchieved, ScaleScored, FollowUp, Extended, Waitlisted, Contacted})
#: ``contacted``: the channel's code in :attr:`EventColumns.code` (index into
#: :data:`~langzeit.events.CONTACT_CHANNELS`; this code for any other text).
OTHER_CHANNEL = len(CONTACT_CHANNELS)
_MAX_MINUTES = 2**31 - 1


@attrs.frozen(eq=False)
class EventColumns:
    """An event log as columns: the input of the bulk programme calculators.

    Build it with :meth:`from_events` (one pass over any iterable of events, an
    :class:`~langzeit.events.EventLog` or a store's reader) or, for columnar sources,
    with :meth:`from_arrays`. Rows keep the input order.

    Args:
        participants: participant ids; ``participant`` holds indices into it.
        participant: per event, the participant's index.
        type: per event, the :data:`TYPE_CODES` code.
        day: per event, the day number (days since 1970-01-01).
        key: per event, an index into ``keys`` (phase, coach, tandem, step id, scale, or the
            coach of a ``contacted`` event) or -1 (also: a contact without a coach).
        code: exit reason (``exited``), follow-up status (``follow_up``) or contact channel
            (``contacted``: index into :data:`~langzeit.events.CONTACT_CHANNELS`, or
            :data:`OTHER_CHANNEL` for any other text) code, else -1.
        code2: exit outcome code (``exited``), receives-benefit -1/0/1 (``follow_up``), else -1.
        value: months after exit (``follow_up``), ``until`` day (``extended``),
            priority (``waitlisted``), number of items (``scale_scored``), minutes
            (``contacted``; negative minutes, which the engine refuses, are read as 0), else 0.
        keys: the interned strings.
        item_rows: row numbers of the ``scale_scored`` events.
        items: their item answers, one row each, -1 for missing (10 columns; answers
            beyond 100 are stored as 127, i.e. invalid for every scale).

    Examples:
        >>> from langzeit.events import Referred, Admitted
        >>> cols = EventColumns.from_events([Referred("e1", "p1", date(2024, 1, 8)),
        ...                                  Admitted("e2", "p1", date(2024, 2, 1))])
        >>> len(cols), cols.participants, cols.last_date
        (2, ('p1',), datetime.date(2024, 2, 1))
    """

    participants: tuple[str, ...]
    participant: npt.NDArray[np.int32]
    type: npt.NDArray[np.int8]
    day: npt.NDArray[np.int32]
    key: npt.NDArray[np.int32]
    code: npt.NDArray[np.int16]
    code2: npt.NDArray[np.int16]
    value: npt.NDArray[np.int32]
    keys: tuple[str, ...]
    item_rows: npt.NDArray[np.int64]
    items: npt.NDArray[np.int8]
    #: per participation, the person's index into :attr:`persons` (None: one participation each)
    person: npt.NDArray[np.int32] | None = None
    #: the persons' ids (None: the same as :attr:`participants`)
    persons: tuple[str, ...] | None = None
    #: per participation, its number in the person's sequence, 1 for the first (None: all 1)
    number: npt.NDArray[np.int32] | None = None

    def __len__(self) -> int:
        return len(self.type)

    @property
    def n_participants(self) -> int:
        """How many participations the log has (the unit every programme indicator counts).

        A person referred again after an exit has two participations; see :attr:`n_persons`.
        """
        return len(self.participants)

    @property
    def n_persons(self) -> int:
        """How many persons the log has (each counted once, whatever their participations).

        Examples:
            >>> from langzeit.events import Referred, Exited
            >>> c = EventColumns.from_events([
            ...     Referred("e1", "p1", date(2024, 1, 8)),
            ...     Exited("e2", "p1", date(2024, 3, 1), reason="dropout"),
            ...     Referred("e3", "p1", date(2024, 9, 2)), Referred("e4", "p2", date(2024, 9, 2))])
            >>> c.n_participants, c.n_persons, c.participants, c.person_ids
            (3, 2, ('p1', 'p1#2', 'p2'), ('p1', 'p1', 'p2'))
            >>> c.participation_numbers.tolist(), c.participant.tolist()
            ([1, 2, 1], [0, 0, 1, 2])
        """
        return len(self.participants) if self.persons is None else len(self.persons)

    @property
    def person_ids(self) -> tuple[str, ...]:
        """Per participation (in :attr:`participants` order), the person's own id."""
        if self.persons is None or self.person is None:
            return self.participants
        persons = self.persons
        return tuple([persons[i] for i in self.person.tolist()])

    @property
    def person_index(self) -> npt.NDArray[np.int32]:
        """Per participation, the person's index (into :attr:`persons`, or the identity)."""
        if self.person is None:
            return np.arange(len(self.participants), dtype=np.int32)
        return self.person

    @property
    def participation_numbers(self) -> npt.NDArray[np.int32]:
        """Per participation, its number in the person's sequence (1 for the first)."""
        if self.number is None:
            return np.ones(len(self.participants), dtype=np.int32)
        return self.number

    @property
    def last_date(self) -> date | None:
        """The latest event date (the default data end), None for an empty log."""
        return from_day_number(int(self.day.max())) if len(self.day) else None

    @property
    def first_date(self) -> date | None:
        """The earliest event date, None for an empty log."""
        return from_day_number(int(self.day.min())) if len(self.day) else None

    def mask(self, type_name: str) -> npt.NDArray[np.bool_]:
        """Rows of one event type.

        Raises:
            ValidationError: unknown type name.

        Examples:
            >>> from langzeit.events import Referred
            >>> EventColumns.from_events([Referred("e1", "p1", date(2024, 1, 8))]).mask("referred").tolist()
            [True]
        """
        if type_name not in TYPE_CODES:
            raise ValidationError("unknown event type", [Problem("type", repr(type_name))])
        out: npt.NDArray[np.bool_] = self.type == TYPE_CODES[type_name]
        return out

    def key_code(self, name: str) -> int:
        """The code of an interned string, -1 when the log never uses it.

        Examples:
            >>> from langzeit.events import PhaseEntered
            >>> c = EventColumns.from_events([PhaseEntered("e1", "p1", date(2024, 1, 8), phase_id="a")])
            >>> c.key_code("a"), c.key_code("b")
            (0, -1)
        """
        try:
            return self.keys.index(name)
        except ValueError:
            return -1

    def split(self, partitions: int) -> tuple[EventColumns, ...]:
        """The log split into partitions of persons: every event of a person in one partition.

        A person goes to partition ``crc32(utf-8 id) mod partitions``
        (:func:`~langzeit.spells.person_partition`, the rule of the spell datasets), with
        all their participations. Rows keep their order; the interned :attr:`keys` are
        shared. The programme report of the partitions, merged, is that of the whole log
        (:func:`~langzeit.report.build_programme_report_partitioned`).

        Args:
            partitions: how many (at least 1; some may be empty).

        Returns:
            One :class:`EventColumns` per partition.

        Raises:
            ValidationError: ``partitions`` below 1.

        Examples:
            >>> from langzeit.events import Referred
            >>> cols = EventColumns.from_events([Referred(f"e{i}", f"p{i}", date(2024, 1, 8))
            ...                                  for i in range(6)])
            >>> [p.participants for p in cols.split(2)]
            [('p4', 'p5'), ('p0', 'p1', 'p2', 'p3')]
        """
        persons = self.participants if self.persons is None else self.persons
        of_person = person_partition(persons, partitions)
        of_participation = of_person[self.person_index]
        of_row = of_participation[self.participant] if len(self) else np.zeros(0, dtype=np.int64)
        of_item = of_row[self.item_rows] if len(self.item_rows) else np.zeros(0, dtype=np.int64)
        out = []
        for k in range(partitions):
            rows = np.flatnonzero(of_row == k)
            members = np.flatnonzero(of_participation == k)
            remap = np.full(len(self.participants), -1, dtype=np.int32)
            remap[members] = np.arange(len(members), dtype=np.int32)
            at = np.full(len(self), -1, dtype=np.int64)
            at[rows] = np.arange(len(rows))
            items = of_item == k
            person = persons_k = number = None
            if self.person is not None and self.persons is not None and self.number is not None:
                own = np.flatnonzero(of_person == k)
                premap = np.full(len(self.persons), -1, dtype=np.int32)
                premap[own] = np.arange(len(own), dtype=np.int32)
                person, number = premap[self.person[members]], self.number[members]
                persons_k = tuple(self.persons[i] for i in own.tolist())
            out.append(EventColumns(
                tuple(self.participants[i] for i in members.tolist()), remap[self.participant[rows]],
                self.type[rows], self.day[rows], self.key[rows], self.code[rows], self.code2[rows],
                self.value[rows], self.keys, at[self.item_rows[items]], self.items[items],
                person, persons_k, number))
        return tuple(out)

    @classmethod
    def from_events(cls, events: Iterable[Event]) -> EventColumns:
        """Convert events in one pass (no second loop over events in Python).

        Args:
            events: any iterable of events, e.g. an :class:`~langzeit.events.EventLog`
                (its :meth:`~langzeit.events.EventLog.events` order is used) or a reader.

        Returns:
            The columns.

        Raises:
            ValidationError: items that are not events (all listed).

        Examples:
            >>> from langzeit.events import Exited
            >>> c = EventColumns.from_events([Exited("e1", "p1", date(2024, 5, 2), reason="dropout")])
            >>> REASONS[int(c.code[0])]
            <ExitReason.DROPOUT: 'dropout'>
        """
        if isinstance(events, EventLog):
            events = events.events()
        pindex: dict[str, int] = {}
        kindex: dict[str, int] = {}
        reason_code = {r: i for i, r in enumerate(REASONS)}
        outcome_code = {o: i for i, o in enumerate(OUTCOMES)}
        tcode = {EVENT_TYPES[name]: c for name, c in TYPE_CODES.items()}
        channel_code = {ch: i for i, ch in enumerate(CONTACT_CHANNELS)}
        part, typ, day = array("i"), array("b"), array("i")
        # type-specific fields only for the events that have them: (row, key, code, code2, value)
        x_row, x_key, x_code, x_code2, x_value = array("q"), array("i"), array("h"), array("h"), array("q")
        item_rows: list[int] = []
        items: list[tuple[int | None, ...]] = []
        problems: list[Problem] = []
        part_append, typ_append, day_append = part.append, typ.append, day.append
        for row, e in enumerate(events):
            cls_ = type(e)
            tc = tcode.get(cls_)
            if tc is None:
                problems.append(Problem(f"item {row}", f"not an event: {e!r}"))
                continue
            pid = e.participant_id
            pi = pindex.get(pid)
            if pi is None:
                pi = pindex[pid] = len(pindex)
            part_append(pi)
            typ_append(tc)
            day_append(e.date.toordinal() - EPOCH_ORDINAL)
            if cls_ not in _WITH_FIELDS:
                continue
            k, c1, c2, v = -1, -1, -1, 0
            if cls_ is Exited:
                c1, c2 = reason_code[e.reason], outcome_code[e.outcome]  # type: ignore[attr-defined]
            else:
                name: str | None = None
                if cls_ is PhaseEntered:
                    name = e.phase_id  # type: ignore[attr-defined]
                elif cls_ is CoachAssigned:
                    name = e.coach_id  # type: ignore[attr-defined]
                elif cls_ is TandemAssigned:
                    name = e.tandem_id  # type: ignore[attr-defined]
                elif cls_ is PlanStepAgreed or cls_ is PlanStepAchieved:
                    name = e.step_id  # type: ignore[attr-defined]
                elif cls_ is ScaleScored:
                    name = e.scale  # type: ignore[attr-defined]
                    sheet = e.items  # type: ignore[attr-defined]
                    v = len(sheet)  # the scorers skip sheets of the wrong length
                    item_rows.append(len(typ) - 1)
                    items.append(sheet)
                elif cls_ is FollowUp:
                    c1 = outcome_code[e.status]  # type: ignore[attr-defined]
                    rb = e.receives_benefit  # type: ignore[attr-defined]
                    c2 = -1 if rb is None else int(rb)
                    v = e.months_after_exit  # type: ignore[attr-defined]
                elif cls_ is Extended:
                    v = e.until.toordinal() - EPOCH_ORDINAL  # type: ignore[attr-defined]
                elif cls_ is Waitlisted:
                    v = e.priority  # type: ignore[attr-defined]
                elif cls_ is Contacted:
                    name = e.coach_id or None  # type: ignore[attr-defined]
                    c1 = channel_code.get(e.channel, OTHER_CHANNEL)  # type: ignore[attr-defined]
                    v = min(max(e.minutes, 0), _MAX_MINUTES)  # type: ignore[attr-defined]
                if name is not None:
                    ki = kindex.get(name)
                    if ki is None:
                        ki = kindex[name] = len(kindex)
                    k = ki
            x_row.append(len(typ) - 1)
            x_key.append(k)
            x_code.append(c1)
            x_code2.append(c2)
            x_value.append(v)
        if problems:
            raise ValidationError("events cannot be converted", problems)
        item_matrix = np.full((len(items), _ITEMS), -1, dtype=np.int8)
        for i, sheet in enumerate(items):
            for j, answer in enumerate(sheet[:_ITEMS]):
                if answer is not None:
                    item_matrix[i, j] = answer if 0 <= answer <= 100 else 127  # 127: out of any range
        n = len(typ)
        key, code = np.full(n, -1, dtype=np.int32), np.full(n, -1, dtype=np.int16)
        code2, value = np.full(n, -1, dtype=np.int16), np.zeros(n, dtype=np.int32)
        rows = np.frombuffer(x_row, dtype=np.int64)
        key[rows] = np.frombuffer(x_key, dtype=np.int32)
        code[rows] = np.frombuffer(x_code, dtype=np.int16)
        code2[rows] = np.frombuffer(x_code2, dtype=np.int16)
        value[rows] = np.frombuffer(x_value, dtype=np.int64)
        return _participations(cls(
            tuple(pindex), np.frombuffer(part, dtype=np.int32).copy(),
            np.frombuffer(typ, dtype=np.int8).copy(), np.frombuffer(day, dtype=np.int32).copy(),
            key, code, code2, value, tuple(kindex), np.asarray(item_rows, dtype=np.int64), item_matrix,
        ))

    @classmethod
    def from_arrays(
        cls, participants: Sequence[str], participant: Any, type: Any, day: Any, *,
        key: Any = None, code: Any = None, code2: Any = None, value: Any = None,
        keys: Sequence[str] = (), item_rows: Any = None, items: Any = None,
    ) -> EventColumns:
        """Build columns from arrays (a columnar store read, or a vectorised generator).

        Args:
            participants: participant ids.
            participant: per event, index into ``participants``.
            type: per event, a :data:`TYPE_CODES` code.
            day: per event, the day number.
            key: string-field codes into ``keys`` (default -1).
            code: exit reason / follow-up status codes (default -1).
            code2: exit outcome / receives-benefit codes (default -1).
            value: the integer field (default 0).
            keys: interned strings.
            item_rows: rows of ``scale_scored`` events with item answers.
            items: their answers (rows × 10, -1 missing).

        Returns:
            The columns.

        Raises:
            ValidationError: arrays of unequal length or codes out of range (all listed).

        Examples:
            >>> c = EventColumns.from_arrays(["p1"], [0], [TYPE_CODES["admitted"]], [19754])
            >>> c.last_date
            datetime.date(2024, 2, 1)
        """
        n = len(np.asarray(type))

        def col(x: Any, dtype: Any, fill: int) -> Any:
            return np.full(n, fill, dtype=dtype) if x is None else np.asarray(x, dtype=dtype)

        out = cls(
            tuple(participants), col(participant, np.int32, 0), col(type, np.int8, 0),
            col(day, np.int32, 0), col(key, np.int32, -1), col(code, np.int16, -1),
            col(code2, np.int16, -1), col(value, np.int32, 0),
            tuple(keys), np.asarray([] if item_rows is None else item_rows, dtype=np.int64),
            np.asarray(np.empty((0, _ITEMS)) if items is None else items, dtype=np.int8).reshape(-1, _ITEMS),
        )
        problems = []
        for name in ("participant", "day", "key", "code", "code2", "value"):
            if len(getattr(out, name)) != n:
                problems.append(Problem(name, f"length {len(getattr(out, name))}, expected {n}"))
        if not problems:
            if n and (out.participant.min() < 0 or out.participant.max() >= len(out.participants)):
                problems.append(Problem("participant", "index outside the participants"))
            if n and (out.type.min() < 0 or out.type.max() >= len(TYPE_CODES)):
                problems.append(Problem("type", "unknown event type code"))
            if n and out.key.max() >= len(out.keys):
                problems.append(Problem("key", "index outside the keys"))
        if len(out.item_rows) != len(out.items):
            problems.append(Problem("items", "item_rows and items differ in length"))
        if problems:
            raise ValidationError("event columns invalid", problems)
        return _participations(out)


_REFERRED = TYPE_CODES["referred"]


def _participations(cols: EventColumns) -> EventColumns:
    """Split each person's events into participations: each referral after the first starts one.

    The unit of the columns becomes the participation (DOMAIN.md § 4, repeat participation):
    a person's rows up to (not including) their second ``referred`` are participation 1,
    and so on; rows before a person's first referral belong to participation 1. Labels are
    the person's id for the first participation and ``"<id>#<n>"`` for the n-th. A log in
    which nobody is referred twice is returned unchanged (the same object).
    """
    if cols.person is not None or not len(cols):
        return cols
    ref = cols.type == _REFERRED
    n_p = len(cols.participants)
    counts = np.bincount(cols.participant[ref], minlength=n_p)
    if not len(counts) or int(counts.max()) <= 1:
        return cols
    order = np.argsort(cols.participant, kind="stable")
    p_sorted = cols.participant[order]
    r_sorted = ref[order].astype(np.int32)
    cs = np.cumsum(r_sorted)
    first = np.flatnonzero(np.r_[True, p_sorted[1:] != p_sorted[:-1]])
    before = cs[first] - r_sorted[first]  # referrals counted before each person's first row
    seq = cs - np.repeat(before, np.diff(np.r_[first, len(order)]))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.maximum(seq, 1)
    per = np.maximum(counts, 1)
    offset = np.cumsum(per) - per
    participant = (offset[cols.participant] + number - 1).astype(np.int32)
    ids = cols.participants
    labels = [f"{pid}#{k}" if k > 1 else pid
              for pid, m in zip(ids, per.tolist(), strict=True) for k in range(1, m + 1)]
    person = np.repeat(np.arange(n_p, dtype=np.int32), per)
    numbers = (np.arange(len(person)) - np.repeat(offset, per) + 1).astype(np.int32)
    return attrs.evolve(cols, participants=tuple(labels), participant=participant,
                        person=person, persons=ids, number=numbers)


def dense_codes(values: npt.NDArray[np.integer]) -> tuple[IntArray, IntArray]:
    """Sorted distinct values and each value's index among them (``np.unique`` with inverse).

    Small non-negative integers (monthly times, key codes) are counted with ``bincount``
    instead of hashing or sorting: linear time for a million values.

    Examples:
        >>> import numpy as np
        >>> u, inv = dense_codes(np.array([5, 2, 5, 9]))
        >>> u.tolist(), inv.tolist()
        ([2, 5, 9], [1, 0, 1, 2])
    """
    v = np.asarray(values, dtype=np.int64).ravel()
    if len(v) and v.min() >= 0 and v.max() < 4 * len(v) + 4096:
        present = np.bincount(v) > 0
        uniq: IntArray = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        inverse: IntArray = lookup[v]
        return uniq, inverse
    uniq, inverse = np.unique(v, return_inverse=True)
    return uniq, inverse.ravel()


def as_columns(data: EventColumns | Iterable[Event]) -> EventColumns:
    """The columns of ``data``: itself if already columns, else :meth:`EventColumns.from_events`.

    Examples:
        >>> as_columns([]).n_participants
        0
    """
    return data if isinstance(data, EventColumns) else EventColumns.from_events(data)


def exit_causes(reason: npt.NDArray[np.integer], outcome: npt.NDArray[np.integer]) -> IntArray:
    """Competing exit cause (1-based index into :data:`EXIT_CAUSES`) from reason and outcome codes.

    The outcome decides first: an Integration (``svp``, apprenticeship, self-employment)
    is ``integration``; other work (Minijob, AGH, Zuverdienst, volunteering, internship)
    is ``other_work``; then the reason ``dropout``; a ``transfer`` or the outcome
    ``rehabilitation`` is ``rehabilitation``; everything else ``other``.

    Examples:
        >>> import numpy as np
        >>> r = np.array([REASONS.index(ExitReason.DROPOUT), REASONS.index(ExitReason.WORK)])
        >>> o = np.array([OUTCOMES.index(OutcomeKind.NONE), OUTCOMES.index(OutcomeKind.SVP)])
        >>> [EXIT_CAUSES[c - 1] for c in exit_causes(r, o)]
        ['dropout', 'integration']
    """
    integration = np.array([o.is_integration for o in OUTCOMES])
    work = np.array([o.is_work and not o.is_integration for o in OUTCOMES])
    rehab_outcome = np.array([o is OutcomeKind.REHABILITATION for o in OUTCOMES])
    dropout = np.array([r.is_dropout for r in REASONS])
    transfer = np.array([r is ExitReason.TRANSFER for r in REASONS])
    r = np.asarray(reason, dtype=np.int64)
    o = np.asarray(outcome, dtype=np.int64)
    out = np.full(len(r), 5, dtype=np.int64)
    out = np.where(transfer[r] | rehab_outcome[o], 4, out)
    out = np.where(dropout[r], 3, out)
    out = np.where(work[o], 2, out)
    return np.where(integration[o], 1, out)
