"""Event layer: the immutable, dated event types of a support pathway (DESIGN.md).

The field checks every event type compiles at definition time are in :mod:`._fields`.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import attrs

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.domain._enums import to_consent_purpose, to_exit_reason, to_outcome_kind
from langzeit.events._fields import compile_checks, field_problems, refuse
from langzeit.exceptions import WrongTypeError

__all__ = [
    "CONTACT_CHANNELS",
    "EVENT_TYPES",
    "ActorReferred",
    "Admitted",
    "AftercareEnded",
    "AftercareStarted",
    "Assessed",
    "BenefitReduced",
    "CoachAssigned",
    "ConsentGiven",
    "ConsentWithdrawn",
    "Contacted",
    "Declined",
    "Event",
    "Exited",
    "Extended",
    "FollowUp",
    "ParticipationAgreed",
    "Paused",
    "PhaseEntered",
    "PlanAgreed",
    "PlanStepAchieved",
    "PlanStepAgreed",
    "PlanUpdated",
    "Referred",
    "Reneged",
    "Resumed",
    "ScaleScored",
    "SchlichtungEnded",
    "SchlichtungStarted",
    "TandemAssigned",
    "Waitlisted",
]


@attrs.frozen
class Event:
    """Base of all events: who, when, and a unique id.

    Every event type has a ``type`` name used in the event log formats
    (JSON Lines, CSV, SQLite). Events are values: two events with the same fields
    are equal.

    Args:
        event_id: unique id of the event (idempotency key of the log).
        participant_id: the participant's pseudonymous id.
        date: the day the event happened on the model clock.

    Examples:
        >>> e = Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor")
        >>> e.type, e.date
        ('referred', datetime.date(2024, 1, 8))
    """

    type: ClassVar[str] = "event"

    event_id: str
    participant_id: str
    date: date

    def __attrs_post_init__(self) -> None:
        """Check every field's type (ids, dates, text, numbers): ValidationError otherwise.

        Replaced for each event type by the generated check of :func:`compile_checks`.
        """
        if field_problems(self):
            refuse(self)


@attrs.frozen(kw_only=True)
class Referred(Event):
    """Referred to / addressed for a programme (Zusteuerung, Zugang).

    A person's first referral starts their first participation; a referral after their
    pathway has ended starts the next one (:class:`~langzeit.events.ParticipantState`,
    ``participation``).

    Examples:
        >>> Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor").referrer
        'jobcenter'
    """

    type: ClassVar[str] = "referred"
    programme_id: str = ""
    referrer: str = "jobcenter"


@attrs.frozen(kw_only=True)
class Assessed(Event):
    """An assessment was completed (Potenzialanalyse, profiling, case analysis, screening).

    ``result`` is free text such as ``"suitable"`` or ``"recommendation_only"``.

    Examples:
        >>> Assessed("e2", "p1", date(2024, 1, 20), kind="darius").kind
        'darius'
    """

    type: ClassVar[str] = "assessed"
    kind: str = "potenzialanalyse"
    result: str = ""


@attrs.frozen(kw_only=True)
class ConsentGiven(Event):
    """Consent to data exchange for a purpose with a recipient organisation.

    Examples:
        >>> ConsentGiven("e3", "p1", date(2024, 1, 20), consent_id="k1",
        ...              purpose="data_exchange", recipient="tk-nord").purpose
        <ConsentPurpose.DATA_EXCHANGE: 'data_exchange'>
    """

    type: ClassVar[str] = "consent_given"
    consent_id: str
    purpose: ConsentPurpose = attrs.field(converter=to_consent_purpose)
    recipient: str


@attrs.frozen(kw_only=True)
class ConsentWithdrawn(Event):
    """A consent was withdrawn; exchange stops from this date on.

    Examples:
        >>> ConsentWithdrawn("e4", "p1", date(2024, 5, 2), consent_id="k1").consent_id
        'k1'
    """

    type: ClassVar[str] = "consent_withdrawn"
    consent_id: str


@attrs.frozen(kw_only=True)
class ParticipationAgreed(Event):
    """The participant agreed to take part in a voluntary programme.

    Examples:
        >>> ParticipationAgreed("e5", "p1", date(2024, 1, 22)).type
        'participation_agreed'
    """

    type: ClassVar[str] = "participation_agreed"


@attrs.frozen(kw_only=True)
class Declined(Event):
    """The participant declined to take part (voluntary take-up); the pathway ends.

    Examples:
        >>> Declined("e5", "p1", date(2024, 1, 22), reason="keine Zeit").reason
        'keine Zeit'
    """

    type: ClassVar[str] = "declined"
    reason: str = ""


@attrs.frozen(kw_only=True)
class Waitlisted(Event):
    """Put on the waiting list (Warteliste); higher ``priority`` is served first.

    Examples:
        >>> Waitlisted("e6", "p1", date(2024, 1, 22), priority=1).priority
        1
    """

    type: ClassVar[str] = "waitlisted"
    priority: int = 0


@attrs.frozen(kw_only=True)
class Reneged(Event):
    """Left the waiting list without being admitted (e.g. after the maximum wait).

    Examples:
        >>> Reneged("e7", "p1", date(2024, 4, 22)).reason
        'max_wait'
    """

    type: ClassVar[str] = "reneged"
    reason: str = "max_wait"


@attrs.frozen(kw_only=True)
class Admitted(Event):
    """Admitted to the programme (takes a place; the entry phase follows).

    Examples:
        >>> Admitted("e8", "p1", date(2024, 2, 1)).type
        'admitted'
    """

    type: ClassVar[str] = "admitted"


@attrs.frozen(kw_only=True)
class PhaseEntered(Event):
    """Entered a phase of the programme's phase model.

    Examples:
        >>> PhaseEntered("e9", "p1", date(2024, 2, 1), phase_id="profiling").phase_id
        'profiling'
    """

    type: ClassVar[str] = "phase_entered"
    phase_id: str


@attrs.frozen(kw_only=True)
class Extended(Event):
    """The stay was extended (Verlängerung) until a new maximum end date.

    Examples:
        >>> Extended("e10", "p1", date(2025, 1, 15), until=date(2025, 7, 31)).until
        datetime.date(2025, 7, 31)
    """

    type: ClassVar[str] = "extended"
    until: date
    reason: str = ""


@attrs.frozen(kw_only=True)
class Paused(Event):
    """Participation paused (illness, care duties…); the place is kept.

    Examples:
        >>> Paused("e11", "p1", date(2024, 6, 1), reason="Krankheit").reason
        'Krankheit'
    """

    type: ClassVar[str] = "paused"
    reason: str = ""


@attrs.frozen(kw_only=True)
class Resumed(Event):
    """Participation resumed after a pause.

    Examples:
        >>> Resumed("e12", "p1", date(2024, 7, 1)).type
        'resumed'
    """

    type: ClassVar[str] = "resumed"


@attrs.frozen(kw_only=True)
class CoachAssigned(Event):
    """A coach takes the case (replaces an earlier single coach or tandem).

    Examples:
        >>> CoachAssigned("e13", "p1", date(2024, 2, 1), coach_id="c1").coach_id
        'c1'
    """

    type: ClassVar[str] = "coach_assigned"
    coach_id: str


@attrs.frozen(kw_only=True)
class TandemAssigned(Event):
    """A coaching tandem takes the case (replaces an earlier coach or tandem).

    Examples:
        >>> TandemAssigned("e14", "p1", date(2024, 2, 1), tandem_id="t1").tandem_id
        't1'
    """

    type: ClassVar[str] = "tandem_assigned"
    tandem_id: str


@attrs.frozen(kw_only=True)
class PlanAgreed(Event):
    """A cooperation plan (§ 15 SGB II) was agreed or reviewed; ``review`` is the next review.

    Examples:
        >>> PlanAgreed("e15", "p1", date(2024, 2, 5), goal="Praktikum",
        ...            review=date(2024, 8, 5)).review
        datetime.date(2024, 8, 5)
    """

    type: ClassVar[str] = "plan_agreed"
    goal: str
    review: date


@attrs.frozen(kw_only=True)
class PlanStepAgreed(Event):
    """A step of the cooperation plan was agreed.

    Examples:
        >>> PlanStepAgreed("e16", "p1", date(2024, 2, 5), step_id="s1",
        ...     description="Termin Schuldnerberatung", responsible="participant",
        ...     due=date(2024, 3, 1)).responsible
        'participant'
    """

    type: ClassVar[str] = "plan_step_agreed"
    step_id: str
    description: str = ""
    responsible: str = "participant"
    due: date | None = None


@attrs.frozen(kw_only=True)
class PlanStepAchieved(Event):
    """A step of the cooperation plan was achieved.

    Examples:
        >>> PlanStepAchieved("e17", "p1", date(2024, 2, 28), step_id="s1").step_id
        's1'
    """

    type: ClassVar[str] = "plan_step_achieved"
    step_id: str


def _to_items(value: object) -> tuple[int | None, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise WrongTypeError(f"items must be a list of integers or nulls, got {value!r}")
    return tuple(value)


@attrs.frozen(kw_only=True)
class ScaleScored(Event):
    """Item answers of an outcome scale (``"swe"`` self-efficacy, ``"who5"`` well-being).

    Missing answers are ``None``; scoring follows DOMAIN.md § 4 in
    ``langzeit.indicators``.

    Examples:
        >>> ScaleScored("e18", "p1", date(2024, 2, 5), scale="who5", items=[3, 2, 4, None, 3]).items
        (3, 2, 4, None, 3)
    """

    type: ClassVar[str] = "scale_scored"
    scale: str
    items: tuple[int | None, ...] = attrs.field(converter=_to_items)


@attrs.frozen(kw_only=True)
class ActorReferred(Event):
    """Referred to an actor of the social space (clinic, club, counselling…).

    Examples:
        >>> ActorReferred("e19", "p1", date(2024, 3, 1), actor_id="sb-1", need="debt").need
        'debt'
    """

    type: ClassVar[str] = "actor_referred"
    actor_id: str
    service_id: str = ""
    need: str = ""


@attrs.frozen(kw_only=True)
class Exited(Event):
    """Left the programme (Austritt, Abbruch, Übergang) with a reason and an outcome.

    Examples:
        >>> e = Exited("e20", "p1", date(2024, 12, 1), reason="work", outcome="svp")
        >>> e.outcome.is_integration
        True
    """

    type: ClassVar[str] = "exited"
    reason: ExitReason = attrs.field(converter=to_exit_reason)
    outcome: OutcomeKind = attrs.field(default=OutcomeKind.NONE, converter=to_outcome_kind)


@attrs.frozen(kw_only=True)
class AftercareStarted(Event):
    """Aftercare (Nachbetreuung) after taking up work began.

    Examples:
        >>> AftercareStarted("e21", "p1", date(2024, 12, 1)).type
        'aftercare_started'
    """

    type: ClassVar[str] = "aftercare_started"


@attrs.frozen(kw_only=True)
class AftercareEnded(Event):
    """Aftercare ended.

    Examples:
        >>> AftercareEnded("e22", "p1", date(2025, 6, 1)).type
        'aftercare_ended'
    """

    type: ClassVar[str] = "aftercare_ended"


@attrs.frozen(kw_only=True)
class FollowUp(Event):
    """The participant's status some months after exit (sustainability).

    Args:
        months_after_exit: usually 6 or 12.
        status: the kind of work or situation at follow-up (``none`` for none).
        receives_benefit: still receiving SGB II benefits, if known.

    Examples:
        >>> FollowUp("e23", "p1", date(2025, 6, 1), months_after_exit=6, status="svp").status
        <OutcomeKind.SVP: 'svp'>
    """

    type: ClassVar[str] = "follow_up"
    months_after_exit: int
    status: OutcomeKind = attrs.field(converter=to_outcome_kind)
    receives_benefit: bool | None = None


# -- Kooperationsplan lifecycle (§§ 15, 15a SGB II) and Leistungsminderungen (§§ 31-32), issue 17


@attrs.frozen(kw_only=True)
class PlanUpdated(Event):
    """The cooperation plan was fortgeschrieben (§ 15 Abs. 3 SGB II); ``review`` is the next review.

    ``goal`` is the new goal, empty when it stays.

    Examples:
        >>> PlanUpdated("e30", "p1", date(2024, 8, 1), review=date(2025, 2, 1)).goal
        ''
    """

    type: ClassVar[str] = "plan_updated"
    review: date
    goal: str = ""


@attrs.frozen(kw_only=True)
class SchlichtungStarted(Event):
    """A Schlichtungsverfahren (§ 15a SGB II) began; ``requested_by`` is ``participant`` or ``jobcenter``.

    Examples:
        >>> SchlichtungStarted("e31", "p1", date(2024, 8, 1), requested_by="participant").type
        'schlichtung_started'
    """

    type: ClassVar[str] = "schlichtung_started"
    requested_by: str = "participant"


@attrs.frozen(kw_only=True)
class SchlichtungEnded(Event):
    """The Schlichtungsverfahren ended; ``agreed``: with an agreement, or without (None: not recorded).

    Examples:
        >>> SchlichtungEnded("e32", "p1", date(2024, 8, 20), agreed=True).agreed
        True
    """

    type: ClassVar[str] = "schlichtung_ended"
    agreed: bool | None = None


@attrs.frozen(kw_only=True)
class BenefitReduced(Event):
    """A Leistungsminderung was established (§§ 31a, 31b, 32 SGB II); ``date`` is the decision.

    Args:
        ground: ``duty_breach`` (Pflichtverletzung), ``missed_appointment`` (Meldeversäumnis)
            or ``work_refusal`` (§ 31a Abs. 7).
        percent: percent of the Regelbedarf (100: withdrawn).
        start: first day of the reduction period.
        months: its length in months.
        count: its place in its chain of repetitions (1 = first).

    Examples:
        >>> e = BenefitReduced("e33", "p1", date(2024, 5, 13), ground="duty_breach", percent=10,
        ...                    start=date(2024, 6, 1), months=1)
        >>> e.percent, e.count
        (10, 1)
    """

    type: ClassVar[str] = "benefit_reduced"
    ground: str
    percent: int
    start: date
    months: int
    count: int = 1


# -- Beratungskontakte (issue 17)

#: The channels of a Beratungskontakt: in person (at the office), by phone, by video,
#: aufsuchend (outreach: at home, in the street, where the person is) and in a group.
CONTACT_CHANNELS: tuple[str, ...] = ("in_person", "phone", "video", "outreach", "group")


@attrs.frozen(kw_only=True)
class Contacted(Event):
    """A Beratungskontakt: a coach met or spoke with the participant.

    The engine's :class:`~langzeit.engine.RecordContact` writes it after its guards
    (a channel of :data:`CONTACT_CHANNELS`, ``minutes`` not negative, a registered coach);
    the event itself records what happened, as every event does.

    Args:
        channel: one of :data:`CONTACT_CHANNELS` (``outreach`` is aufsuchende Arbeit).
        minutes: the contact's length in minutes (0: not recorded).
        coach_id: the coach who had the contact (empty: not recorded).

    Examples:
        >>> e = Contacted("e34", "p1", date(2024, 2, 12), channel="outreach", minutes=45, coach_id="c1")
        >>> e.type, e.channel in CONTACT_CHANNELS, e.minutes
        ('contacted', True, 45)
    """

    type: ClassVar[str] = "contacted"
    channel: str
    minutes: int = 0
    coach_id: str = ""


#: Every event type by its ``type`` name.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Referred, Assessed, ConsentGiven, ConsentWithdrawn, ParticipationAgreed, Declined,
        Waitlisted, Reneged, Admitted, PhaseEntered, Extended, Paused, Resumed, CoachAssigned,
        TandemAssigned, PlanAgreed, PlanStepAgreed, PlanStepAchieved, ScaleScored,
        ActorReferred, Exited, AftercareStarted, AftercareEnded, FollowUp,
        PlanUpdated, SchlichtungStarted, SchlichtungEnded, BenefitReduced, Contacted,
    )
}
_CHECKED: list[type[Any]] = [Event, *EVENT_TYPES.values()]
for _event_cls in _CHECKED:
    compile_checks(_event_cls)
