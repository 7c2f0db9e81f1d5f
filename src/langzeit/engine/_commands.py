"""Engine layer: commands, the requests a case-management application sends to the engine.

A command says what should happen to one participant on one day; the engine checks
its guards and, when they pass, turns it into events. Commands are frozen records:
they can be queued, logged and retried.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import attrs

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind

__all__ = [
    "AchievePlanStep",
    "Admit",
    "AgreeParticipation",
    "AgreePlan",
    "AgreePlanStep",
    "Assess",
    "AssignCoach",
    "AssignTandem",
    "Command",
    "Decline",
    "EndAftercare",
    "EnterPhase",
    "Exit",
    "Extend",
    "Pause",
    "RecordConsent",
    "RecordFollowUp",
    "Refer",
    "ReferToActor",
    "Renege",
    "Resume",
    "ScoreScale",
    "StartAftercare",
    "Waitlist",
    "WithdrawConsent",
]


@attrs.frozen
class Command:
    """Base of all commands: whose pathway, and on which day of the model clock.

    Args:
        participant_id: the participant's pseudonymous id.
        date: the day the command takes effect.

    Examples:
        >>> Refer("p1", date(2024, 1, 8)).describe()
        "refer 'p1' on 2024-01-08"
    """

    verb: ClassVar[str] = "command"

    participant_id: str
    date: date

    def describe(self) -> str:
        """A short text naming the command, used in refusals."""
        return f"{self.verb} {self.participant_id!r} on {self.date.isoformat()}"


@attrs.frozen
class Refer(Command):
    """Refer a participant to the programme (Zusteuerung); starts the pathway.

    Examples:
        >>> Refer("p1", date(2024, 1, 8), referrer="fallmanagement").referrer
        'fallmanagement'
    """

    verb: ClassVar[str] = "refer"
    referrer: str = "jobcenter"


@attrs.frozen
class Assess(Command):
    """Record a completed assessment (Potenzialanalyse, profiling, case analysis).

    Examples:
        >>> Assess("p1", date(2024, 1, 20), kind="darius", result="suitable").kind
        'darius'
    """

    verb: ClassVar[str] = "assess"
    kind: str = "potenzialanalyse"
    result: str = ""


@attrs.frozen
class RecordConsent(Command):
    """Record the participant's consent to exchange data with an organisation.

    The consent id defaults to ``"<purpose>:<recipient>"``.

    Examples:
        >>> RecordConsent("p1", date(2024, 1, 20), "tk-nord").purpose
        <ConsentPurpose.DATA_EXCHANGE: 'data_exchange'>
    """

    verb: ClassVar[str] = "record consent of"
    recipient: str
    purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE
    consent_id: str = ""


@attrs.frozen
class WithdrawConsent(Command):
    """Withdraw a consent, by id or by recipient and purpose; exchange stops from ``date``.

    Examples:
        >>> WithdrawConsent("p1", date(2024, 5, 2), "tk-nord").recipient
        'tk-nord'
    """

    verb: ClassVar[str] = "withdraw consent of"
    recipient: str = ""
    purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE
    consent_id: str = ""


@attrs.frozen
class AgreeParticipation(Command):
    """Record that the participant agrees to take part (voluntary programmes).

    Examples:
        >>> AgreeParticipation("p1", date(2024, 1, 22)).verb
        'record the agreement of'
    """

    verb: ClassVar[str] = "record the agreement of"


@attrs.frozen
class Decline(Command):
    """The participant declines to take part; the pathway ends.

    Examples:
        >>> Decline("p1", date(2024, 1, 22), reason="keine Zeit").reason
        'keine Zeit'
    """

    verb: ClassVar[str] = "record the refusal of"
    reason: str = ""


@attrs.frozen
class Admit(Command):
    """Admit a participant: takes a place and enters the entry phase.

    When no place is free and ``waitlist`` is true, a referred participant is put on
    the waiting list instead (with ``priority``); otherwise the engine raises
    :class:`~langzeit.exceptions.CapacityExceeded`.

    Examples:
        >>> Admit("p1", date(2024, 2, 1), waitlist=False).waitlist
        False
    """

    verb: ClassVar[str] = "admit"
    priority: int = 0
    waitlist: bool = True


@attrs.frozen
class Waitlist(Command):
    """Put a referred participant on the waiting list; higher priority is served first.

    Examples:
        >>> Waitlist("p1", date(2024, 2, 1), priority=1).priority
        1
    """

    verb: ClassVar[str] = "waitlist"
    priority: int = 0


@attrs.frozen
class Renege(Command):
    """Take a participant off the waiting list without admission.

    Examples:
        >>> Renege("p1", date(2024, 5, 1)).reason
        'max_wait'
    """

    verb: ClassVar[str] = "take off the waiting list"
    reason: str = "max_wait"


@attrs.frozen
class EnterPhase(Command):
    """Move an admitted participant into the next phase along an edge of the phase model.

    Examples:
        >>> EnterPhase("p1", date(2024, 3, 1), "coaching").describe()
        "enter phase 'coaching' for 'p1' on 2024-03-01"
    """

    verb: ClassVar[str] = "enter phase"
    phase_id: str

    def describe(self) -> str:
        """A short text naming the command, used in refusals."""
        return f"enter phase {self.phase_id!r} for {self.participant_id!r} on {self.date.isoformat()}"


@attrs.frozen
class Extend(Command):
    """Extend the stay by the programme's extension length (Verlängerung).

    Examples:
        >>> Extend("p1", date(2025, 1, 15), reason="Stabilisierung").reason
        'Stabilisierung'
    """

    verb: ClassVar[str] = "extend the stay of"
    reason: str = ""


@attrs.frozen
class Pause(Command):
    """Pause participation; the place is kept.

    Examples:
        >>> Pause("p1", date(2024, 6, 1), reason="Krankheit").reason
        'Krankheit'
    """

    verb: ClassVar[str] = "pause"
    reason: str = ""


@attrs.frozen
class Resume(Command):
    """Resume participation after a pause.

    Examples:
        >>> Resume("p1", date(2024, 7, 1)).verb
        'resume'
    """

    verb: ClassVar[str] = "resume"


@attrs.frozen
class AssignCoach(Command):
    """Assign a coach to the case (replacing an earlier coach or tandem).

    Examples:
        >>> AssignCoach("p1", date(2024, 2, 1), "c1").coach_id
        'c1'
    """

    verb: ClassVar[str] = "assign a coach to"
    coach_id: str


@attrs.frozen
class AssignTandem(Command):
    """Assign a coaching tandem to the case (replacing an earlier coach or tandem).

    Examples:
        >>> AssignTandem("p1", date(2024, 2, 1), "t1").tandem_id
        't1'
    """

    verb: ClassVar[str] = "assign a tandem to"
    tandem_id: str


@attrs.frozen
class AgreePlan(Command):
    """Agree or review the cooperation plan (§ 15 SGB II); next review at most 6 months on.

    Examples:
        >>> AgreePlan("p1", date(2024, 2, 5), "Praktikum").review is None
        True
    """

    verb: ClassVar[str] = "agree a cooperation plan with"
    goal: str
    review: date | None = None


@attrs.frozen
class AgreePlanStep(Command):
    """Agree a step of the cooperation plan.

    Examples:
        >>> AgreePlanStep("p1", date(2024, 2, 5), "s1", description="Schuldnerberatung").step_id
        's1'
    """

    verb: ClassVar[str] = "agree a plan step with"
    step_id: str
    description: str = ""
    responsible: str = "participant"
    due: date | None = None


@attrs.frozen
class AchievePlanStep(Command):
    """Record that an agreed plan step was achieved.

    Examples:
        >>> AchievePlanStep("p1", date(2024, 3, 1), "s1").step_id
        's1'
    """

    verb: ClassVar[str] = "record an achieved plan step of"
    step_id: str


@attrs.frozen
class ScoreScale(Command):
    """Record the item answers of an outcome scale (``"swe"``: 10 items 1–4; ``"who5"``: 5 items 0–5).

    Examples:
        >>> ScoreScale("p1", date(2024, 2, 5), "who5", (3, 2, 4, None, 3)).scale
        'who5'
    """

    verb: ClassVar[str] = "score a scale for"
    scale: str
    items: tuple[int | None, ...]


@attrs.frozen
class ReferToActor(Command):
    """Refer the participant to an actor of the social space (clinic, club, counselling…).

    With ``shares_data`` the referral passes social data to the actor and needs the
    participant's consent (purpose ``referral`` or ``data_exchange``) for that actor.

    Examples:
        >>> ReferToActor("p1", date(2024, 3, 1), "sb-1", need="debt").need
        'debt'
    """

    verb: ClassVar[str] = "refer to an actor:"
    actor_id: str
    service_id: str = ""
    need: str = ""
    shares_data: bool = False


@attrs.frozen
class Exit(Command):
    """End participation with a reason and an outcome; enters an exit (terminal) phase.

    ``phase_id`` names the terminal phase; by default the first terminal successor of
    the current phase.

    Examples:
        >>> Exit("p1", date(2024, 12, 1), ExitReason.WORK, OutcomeKind.SVP).outcome.is_integration
        True
    """

    verb: ClassVar[str] = "exit"
    reason: ExitReason
    outcome: OutcomeKind = OutcomeKind.NONE
    phase_id: str | None = None


@attrs.frozen
class StartAftercare(Command):
    """Start aftercare (Nachbetreuung), typically after taking up work.

    Examples:
        >>> StartAftercare("p1", date(2024, 12, 1)).verb
        'start aftercare for'
    """

    verb: ClassVar[str] = "start aftercare for"


@attrs.frozen
class EndAftercare(Command):
    """End aftercare.

    Examples:
        >>> EndAftercare("p1", date(2025, 6, 1)).verb
        'end aftercare for'
    """

    verb: ClassVar[str] = "end aftercare for"


@attrs.frozen
class RecordFollowUp(Command):
    """Record the participant's status some months after exit (sustainability).

    Examples:
        >>> RecordFollowUp("p1", date(2025, 6, 1), 6, OutcomeKind.SVP).months_after_exit
        6
    """

    verb: ClassVar[str] = "record a follow-up of"
    months_after_exit: int
    status: OutcomeKind
    receives_benefit: bool | None = None
