"""Event layer: replay of events into each participant's state at a date."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import _types as ev
from langzeit.events._fields import slot_constructor
from langzeit.events._types import BenefitReduced, Event

__all__ = ["ActiveConsent", "ParticipantState", "StateBuilder", "Status", "replay"]


class Status(enum.StrEnum):
    """Where a participant stands in a programme.

    ``ACTIVE`` and ``PAUSED`` occupy a place; ``DECLINED``, ``RENEGED`` and
    ``EXITED`` are final for this programme.

    Examples:
        >>> Status.PAUSED.occupies_place, Status.WAITLISTED.occupies_place
        (True, False)
    """

    REFERRED = "referred"
    WAITLISTED = "waitlisted"
    ACTIVE = "active"
    PAUSED = "paused"
    DECLINED = "declined"
    RENEGED = "reneged"
    EXITED = "exited"

    @property
    def occupies_place(self) -> bool:
        """Whether a participant in this status holds a place."""
        return self in (Status.ACTIVE, Status.PAUSED)

    @property
    def is_final(self) -> bool:
        """Whether the pathway in this programme has ended."""
        return self in (Status.DECLINED, Status.RENEGED, Status.EXITED)


@attrs.frozen
class ActiveConsent:
    """A consent in force: its id, purpose and recipient organisation.

    Examples:
        >>> ActiveConsent("k1", ConsentPurpose.DATA_EXCHANGE, "tk-nord").recipient
        'tk-nord'
    """

    consent_id: str
    purpose: ConsentPurpose
    recipient: str


@attrs.frozen
class ParticipantState:
    """A participant's state after replaying their events up to a date.

    ``version`` is the number of the participant's events applied: the version an
    optimistic writer expects (DESIGN.md, stores).

    **Repeat participation.** A person may be referred again after their pathway has
    ended (declined, reneged or exited). Each :class:`~langzeit.events.Referred` after
    the first starts a new *participation*, the person's own new pathway:
    ``participation`` counts them (1 for the first), and every other field describes the
    current participation only (consents, plan, phases, exit and follow-ups start
    afresh). ``version`` still counts all of the person's events: it is the stream's.
    The event log format is unchanged: the participation number is derived from the
    order of the referrals (docs/guides/repeat-participation.md).

    **Contacts.** ``contacts`` counts the Beratungskontakte
    (:class:`~langzeit.events.Contacted`) of the current participation and
    ``last_contact`` is the day of its latest one (None: none yet); a new participation
    starts both afresh.

    Examples:
        >>> from langzeit.events import EventLog, Referred, Admitted, PhaseEntered
        >>> log = EventLog([Referred("e1", "p1", date(2024, 1, 8)),
        ...                 Admitted("e2", "p1", date(2024, 2, 1)),
        ...                 PhaseEntered("e3", "p1", date(2024, 2, 1), phase_id="coaching")])
        >>> s = log.state("p1")
        >>> s.status, s.phase_id, s.version
        (<Status.ACTIVE: 'active'>, 'coaching', 3)
        >>> log.state("p1", as_of=date(2024, 1, 31)).status
        <Status.REFERRED: 'referred'>

        A second referral after an exit is the person's second participation:

        >>> from langzeit.events import Exited
        >>> _ = log.extend([Exited("e4", "p1", date(2024, 6, 30), reason="completed"),
        ...             Referred("e5", "p1", date(2025, 3, 3))])
        >>> s = log.state("p1")
        >>> s.participation, s.status, s.admitted, s.referred, s.version
        (2, <Status.REFERRED: 'referred'>, None, datetime.date(2025, 3, 3), 5)
    """

    participant_id: str
    status: Status
    version: int = 0
    programme_id: str = ""
    referred: date | None = None
    assessed: date | None = None
    assessment_result: str = ""
    agreed: date | None = None
    waitlisted: date | None = None
    waitlist_priority: int = 0
    admitted: date | None = None
    phase_id: str | None = None
    phase_entered: date | None = None
    phases: tuple[tuple[str, date], ...] = ()
    extensions: int = 0
    extended_until: date | None = None
    paused_since: date | None = None
    coach_id: str | None = None
    tandem_id: str | None = None
    consents: tuple[ActiveConsent, ...] = ()
    plan_goal: str = ""
    plan_review: date | None = None
    open_steps: frozenset[str] = frozenset()
    achieved_steps: frozenset[str] = frozenset()
    actor_referrals: int = 0
    scales_scored: int = 0
    ended: date | None = None
    exit_reason: ExitReason | None = None
    outcome: OutcomeKind | None = None
    aftercare_started: date | None = None
    aftercare_ended: date | None = None
    follow_ups: tuple[tuple[int, OutcomeKind], ...] = ()
    last_event: date | None = None
    participation: int = 1
    plan_updates: int = 0
    schlichtung_since: date | None = None
    reductions: tuple[BenefitReduced, ...] = ()
    contacts: int = 0
    last_contact: date | None = None

    @property
    def occupies_place(self) -> bool:
        """Whether the participant holds a place (active or paused)."""
        return self.status.occupies_place

    @property
    def in_aftercare(self) -> bool:
        """Whether aftercare has started and not ended."""
        return self.aftercare_started is not None and self.aftercare_ended is None

    def has_consent(self, purpose: ConsentPurpose | str, recipient: str) -> bool:
        """Whether a consent for ``purpose`` with ``recipient`` is in force.

        Examples:
            >>> s = ParticipantState("p1", Status.ACTIVE,
            ...     consents=(ActiveConsent("k1", ConsentPurpose.DATA_EXCHANGE, "tk"),))
            >>> s.has_consent("data_exchange", "tk"), s.has_consent("referral", "tk")
            (True, False)
        """
        wanted = ConsentPurpose(purpose)
        return any(c.purpose == wanted and c.recipient == recipient for c in self.consents)


_NO_STEPS: frozenset[str] = frozenset()
_NO_CONSENTS: Mapping[str, ActiveConsent] = MappingProxyType({})


class StateBuilder:
    """One participant's state under construction: the mutable side of the one fold.

    :func:`replay` folds events through builders; the pathway engine keeps one builder
    per participant and applies each new event with :meth:`apply`, so its incremental
    state and a replay of the log are the same computation (DESIGN.md, one fold).
    The attributes mirror :class:`ParticipantState` (lists, sets and a dict by consent
    id where the state holds tuples and frozensets); treat them as read-only outside
    :meth:`apply`.

    Args:
        participant_id: whose events are folded.

    Examples:
        >>> from langzeit.events import Referred, Admitted
        >>> b = StateBuilder("p1")
        >>> b.apply(Referred("e1", "p1", date(2024, 1, 8)))
        >>> b.apply(Admitted("e2", "p1", date(2024, 2, 1)))
        >>> b.status, b.version
        (<Status.ACTIVE: 'active'>, 2)
        >>> b.freeze() == replay([Referred("e1", "p1", date(2024, 1, 8)),
        ...                       Admitted("e2", "p1", date(2024, 2, 1))])["p1"]
        True
    """

    __slots__ = (
        "achieved_steps",
        "actor_referrals",
        "admitted",
        "aftercare_ended",
        "aftercare_started",
        "agreed",
        "assessed",
        "assessment_result",
        "coach_id",
        "consents",
        "contacts",
        "ended",
        "exit_reason",
        "extended_until",
        "extensions",
        "follow_ups",
        "last_contact",
        "last_event",
        "open_steps",
        "outcome",
        "participant_id",
        "participation",
        "paused_since",
        "phase_entered",
        "phase_id",
        "phases",
        "plan_goal",
        "plan_review",
        "plan_updates",
        "programme_id",
        "reductions",
        "referred",
        "scales_scored",
        "schlichtung_since",
        "status",
        "tandem_id",
        "version",
        "waitlist_priority",
        "waitlisted",
    )

    def __init__(self, participant_id: str) -> None:
        self.participant_id = participant_id
        self.status = Status.REFERRED
        self.version = 0
        self.programme_id = ""
        self.referred: date | None = None
        self.assessed: date | None = None
        self.assessment_result = ""
        self.agreed: date | None = None
        self.waitlisted: date | None = None
        self.waitlist_priority = 0
        self.admitted: date | None = None
        self.phase_id: str | None = None
        self.phase_entered: date | None = None
        self.phases: list[tuple[str, date]] = []
        self.extensions = 0
        self.extended_until: date | None = None
        self.paused_since: date | None = None
        self.coach_id: str | None = None
        self.tandem_id: str | None = None
        # the containers most participants never fill start as shared immutable empties and are
        # replaced, never changed in place: fewer objects for the cyclic collector to scan
        self.consents: Mapping[str, ActiveConsent] = _NO_CONSENTS
        self.plan_goal = ""
        self.plan_review: date | None = None
        self.open_steps: frozenset[str] = _NO_STEPS
        self.achieved_steps: frozenset[str] = _NO_STEPS
        self.actor_referrals = 0
        self.scales_scored = 0
        self.ended: date | None = None
        self.exit_reason: ExitReason | None = None
        self.outcome: OutcomeKind | None = None
        self.aftercare_started: date | None = None
        self.aftercare_ended: date | None = None
        self.follow_ups: tuple[tuple[int, OutcomeKind], ...] = ()
        self.last_event: date | None = None
        self.participation = 1
        self.plan_updates = 0
        self.schlichtung_since: date | None = None
        self.reductions: tuple[BenefitReduced, ...] = ()
        self.contacts = 0
        self.last_contact: date | None = None

    def apply(self, event: Event) -> None:
        """Fold one event (of this participant) into the state.

        Args:
            event: the next event in log order.
        """
        _HANDLERS[event.__class__](self, event)
        self.version += 1
        self.last_event = event.date

    def freeze(self) -> ParticipantState:
        """The state as a frozen :class:`ParticipantState`."""
        consents = self.consents
        return _new_state(  # positional, in the order of ParticipantState's fields
            self.participant_id, self.status, self.version, self.programme_id, self.referred,
            self.assessed, self.assessment_result, self.agreed, self.waitlisted,
            self.waitlist_priority, self.admitted, self.phase_id, self.phase_entered,
            tuple(self.phases), self.extensions, self.extended_until, self.paused_since,
            self.coach_id, self.tandem_id,
            tuple([consents[k] for k in sorted(consents)]) if consents else (),
            self.plan_goal, self.plan_review,
            self.open_steps, self.achieved_steps,
            self.actor_referrals, self.scales_scored, self.ended, self.exit_reason, self.outcome,
            self.aftercare_started, self.aftercare_ended, self.follow_ups, self.last_event,
            self.participation,
            self.plan_updates, self.schlichtung_since, self.reductions,
            self.contacts, self.last_contact,
        )


#: ``ParticipantState(*fields)`` without attrs' per-field ``setattr`` (one state per participant
#: per replay; no field has a converter). ``tests/events/test_state_freeze.py`` checks the order.
_new_state = slot_constructor(ParticipantState, [f.name for f in attrs.fields(ParticipantState)])


#: The former private name, kept for compatibility.
_Builder = StateBuilder


def _referred(s: StateBuilder, e: ev.Referred) -> None:
    if s.referred is not None:  # a referral again: a new participation, its own pathway
        version, last, number, cuts = s.version, s.last_event, s.participation, s.reductions
        s.__init__(s.participant_id)  # type: ignore[misc]  # the builder's reset: every field fresh
        s.version, s.last_event, s.participation = version, last, number + 1
        s.reductions = cuts  # benefit law is the person's: a chain of reductions spans participations
    s.referred = e.date
    s.programme_id = e.programme_id
    s.status = Status.REFERRED


def _assessed(s: StateBuilder, e: ev.Assessed) -> None:
    s.assessed = e.date
    s.assessment_result = e.result


def _consent_given(s: StateBuilder, e: ev.ConsentGiven) -> None:
    s.consents = {**s.consents, e.consent_id: ActiveConsent(e.consent_id, e.purpose, e.recipient)}


def _consent_withdrawn(s: StateBuilder, e: ev.ConsentWithdrawn) -> None:
    if e.consent_id in s.consents:
        s.consents = {k: c for k, c in s.consents.items() if k != e.consent_id}


def _agreed(s: StateBuilder, e: Event) -> None:
    s.agreed = e.date


def _ended_as(status: Status) -> Callable[[StateBuilder, Event], None]:
    """The handler of an event that ends a participation before admission in ``status``."""

    def ended(s: StateBuilder, e: Event) -> None:
        s.status = status
        s.ended = e.date

    return ended


_declined = _ended_as(Status.DECLINED)
_reneged = _ended_as(Status.RENEGED)


def _waitlisted(s: StateBuilder, e: ev.Waitlisted) -> None:
    s.status = Status.WAITLISTED
    s.waitlisted = e.date
    s.waitlist_priority = e.priority


def _admitted(s: StateBuilder, e: Event) -> None:
    s.status = Status.ACTIVE
    s.admitted = e.date


def _phase_entered(s: StateBuilder, e: ev.PhaseEntered) -> None:
    s.phase_id = e.phase_id
    s.phase_entered = e.date
    s.phases.append((e.phase_id, e.date))


def _extended(s: StateBuilder, e: ev.Extended) -> None:
    s.extensions += 1
    s.extended_until = e.until


def _paused(s: StateBuilder, e: Event) -> None:
    s.status = Status.PAUSED
    s.paused_since = e.date


def _resumed(s: StateBuilder, e: Event) -> None:
    s.status = Status.ACTIVE
    s.paused_since = None


def _coach_assigned(s: StateBuilder, e: ev.CoachAssigned) -> None:
    s.coach_id = e.coach_id
    s.tandem_id = None


def _tandem_assigned(s: StateBuilder, e: ev.TandemAssigned) -> None:
    s.tandem_id = e.tandem_id
    s.coach_id = None


def _plan_agreed(s: StateBuilder, e: ev.PlanAgreed) -> None:
    s.plan_goal = e.goal
    s.plan_review = e.review


def _step_agreed(s: StateBuilder, e: ev.PlanStepAgreed) -> None:
    s.open_steps = s.open_steps | {e.step_id}


def _step_achieved(s: StateBuilder, e: ev.PlanStepAchieved) -> None:
    s.open_steps = s.open_steps - {e.step_id}
    s.achieved_steps = s.achieved_steps | {e.step_id}


def _scale_scored(s: StateBuilder, e: Event) -> None:
    s.scales_scored += 1


def _actor_referred(s: StateBuilder, e: Event) -> None:
    s.actor_referrals += 1


def _exited(s: StateBuilder, e: ev.Exited) -> None:
    s.status = Status.EXITED
    s.ended = e.date
    s.exit_reason = e.reason
    s.outcome = e.outcome
    s.paused_since = None


def _aftercare_started(s: StateBuilder, e: Event) -> None:
    s.aftercare_started = e.date
    s.aftercare_ended = None


def _aftercare_ended(s: StateBuilder, e: Event) -> None:
    s.aftercare_ended = e.date


def _follow_up(s: StateBuilder, e: ev.FollowUp) -> None:
    s.follow_ups = (*s.follow_ups, (e.months_after_exit, e.status))


def _plan_updated(s: StateBuilder, e: ev.PlanUpdated) -> None:
    s.plan_review = e.review
    s.plan_updates += 1
    if e.goal:
        s.plan_goal = e.goal


def _schlichtung_started(s: StateBuilder, e: ev.SchlichtungStarted) -> None:
    s.schlichtung_since = e.date


def _schlichtung_ended(s: StateBuilder, e: ev.SchlichtungEnded) -> None:
    s.schlichtung_since = None


def _benefit_reduced(s: StateBuilder, e: BenefitReduced) -> None:
    s.reductions = (*s.reductions, e)


def _contacted(s: StateBuilder, e: ev.Contacted) -> None:
    s.contacts += 1
    s.last_contact = e.date


#: The handler of each event type; a handler takes events of its key's type only (hence ``Any``:
#: dispatching on ``type(event)`` replaces an ``isinstance`` check per event in the hot fold).
_HANDLERS: dict[type[Event], Callable[[StateBuilder, Any], None]] = {
    ev.Referred: _referred, ev.Assessed: _assessed, ev.ConsentGiven: _consent_given,
    ev.ConsentWithdrawn: _consent_withdrawn, ev.ParticipationAgreed: _agreed, ev.Declined: _declined,
    ev.Waitlisted: _waitlisted, ev.Reneged: _reneged, ev.Admitted: _admitted,
    ev.PhaseEntered: _phase_entered, ev.Extended: _extended, ev.Paused: _paused, ev.Resumed: _resumed,
    ev.CoachAssigned: _coach_assigned, ev.TandemAssigned: _tandem_assigned, ev.PlanAgreed: _plan_agreed,
    ev.PlanStepAgreed: _step_agreed, ev.PlanStepAchieved: _step_achieved,
    ev.ScaleScored: _scale_scored, ev.ActorReferred: _actor_referred, ev.Exited: _exited,
    ev.AftercareStarted: _aftercare_started, ev.AftercareEnded: _aftercare_ended,
    ev.FollowUp: _follow_up, ev.PlanUpdated: _plan_updated, ev.SchlichtungStarted: _schlichtung_started,
    ev.SchlichtungEnded: _schlichtung_ended, BenefitReduced: _benefit_reduced, ev.Contacted: _contacted,
}


def replay(events: Iterable[Event], *, as_of: date | None = None) -> dict[str, ParticipantState]:
    """Fold events, in the order given, into each participant's state.

    This is the one definition of what events mean for a participant's state: the
    engine, the stores and the simulator all call it. The fold is total: it records
    what happened and leaves judging whether it was allowed to the engine's guards.

    Args:
        events: events in log order (date, then append order).
        as_of: apply only events dated on or before this day (all when None).

    Returns:
        The state of every participant with at least one applied event, by id.

    Examples:
        >>> from langzeit.events import Referred, Declined
        >>> states = replay([Referred("e1", "p1", date(2024, 1, 8)),
        ...                  Declined("e2", "p1", date(2024, 1, 20))])
        >>> states["p1"].status, states["p1"].ended
        (<Status.DECLINED: 'declined'>, datetime.date(2024, 1, 20))
    """
    builders: dict[str, StateBuilder] = {}
    builder = builders.get
    handlers = _HANDLERS
    if as_of is not None:
        events = (event for event in events if event.date <= as_of)
    for event in events:  # the hot loop of every replay: StateBuilder.apply, inlined
        pid = event.participant_id
        b = builder(pid)
        if b is None:
            b = builders[pid] = StateBuilder(pid)
        handlers[event.__class__](b, event)
        b.version += 1
        b.last_event = event.date
    return {pid: b.freeze() for pid, b in builders.items()}
