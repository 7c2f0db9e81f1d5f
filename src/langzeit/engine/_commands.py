"""Engine layer: commands, the requests a case-management application sends to the engine.

A command says what should happen to one participant on one day; the engine checks
its guards and, when they pass, turns it into events. Commands are frozen records:
they can be queued, logged and retried.

Why over 600 lines: this is the catalogue of the engine's 28 commands, one frozen record
of a dozen lines each (fields, defaults, a runnable example), followed by the registry
(:data:`COMMAND_TYPES`) and the dict/JSON-Schema boundary built from it. The records
are looked up together and share their field checks; splitting them by theme would
scatter the one list a host reads to learn what it can send.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar, TypeVar

import attrs

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events._codec import _dump, class_schema, parse_fields
from langzeit.events._fields import compile_checks, field_problems
from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "COMMAND_TYPES",
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
    "EndSchlichtung",
    "EnterPhase",
    "Exit",
    "Extend",
    "Pause",
    "RecordConsent",
    "RecordContact",
    "RecordFollowUp",
    "ReduceBenefit",
    "Refer",
    "ReferToActor",
    "Renege",
    "Resume",
    "ScoreScale",
    "StartAftercare",
    "StartSchlichtung",
    "UpdatePlan",
    "Waitlist",
    "WithdrawConsent",
    "command_from_dict",
    "command_json_schema",
]

_E = TypeVar("_E", bound=enum.Enum)


def _member(cls: type[_E], value: Any) -> Any:
    """An enumeration's value to its member; anything else is kept for the field check to refuse."""
    if value.__class__ is cls:
        return value
    try:
        return cls(value)
    except (ValueError, TypeError):
        return value


def _to_purpose(value: Any) -> ConsentPurpose:
    return _member(ConsentPurpose, value)  # type: ignore[no-any-return]


def _to_reason(value: Any) -> ExitReason:
    return _member(ExitReason, value)  # type: ignore[no-any-return]


def _to_outcome(value: Any) -> OutcomeKind:
    return _member(OutcomeKind, value)  # type: ignore[no-any-return]


def _to_items(value: Any) -> tuple[int | None, ...]:
    return tuple(value) if isinstance(value, list) else value


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
    #: The command's name in :meth:`to_dict` records and the JSON Schema (``"refer"``, ``"record_consent"``).
    name: ClassVar[str] = "command"

    participant_id: str
    date: date

    def __attrs_post_init__(self) -> None:
        """Check every field's type (ids, dates, text, numbers): ValidationError otherwise.

        Replaced for each command by the generated check of ``compile_checks``.
        """
        problems = field_problems(self)
        if problems:
            raise ValidationError(f"invalid {self.name}", problems)

    def describe(self) -> str:
        """A short text naming the command, used in refusals."""
        return f"{self.verb} {self.participant_id!r} on {self.date.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        """The command as a JSON-ready record: ``command`` (its name), then every field.

        Dates are ISO text, enumerations their values, item lists lists;
        :func:`command_from_dict` reads it back.

        Examples:
            >>> Refer("p1", date(2024, 1, 8)).to_dict()
            {'command': 'refer', 'participant_id': 'p1', 'date': '2024-01-08', 'referrer': 'jobcenter'}
        """
        record: dict[str, Any] = {"command": self.name}
        for f in attrs.fields(type(self)):
            record[f.name] = _dump(getattr(self, f.name))
        return record


@attrs.frozen
class Refer(Command):
    """Refer a participant to the programme (Zusteuerung); starts the pathway.

    A person whose pathway has ended (declined, reneged or exited, aftercare over) may be
    referred again: that starts their next participation, a pathway of its own.

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
    purpose: ConsentPurpose = attrs.field(default=ConsentPurpose.DATA_EXCHANGE, converter=_to_purpose)
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
    purpose: ConsentPurpose = attrs.field(default=ConsentPurpose.DATA_EXCHANGE, converter=_to_purpose)
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

    The case — the participant's social data — goes to the coach's organisation. Unless
    that organisation is the jobcenter (kind ``jobcenter``, or the employer of a coach in
    a jobcenter role, ``pap`` or ``fallmanager``), the participant must have consented to
    ``data_exchange`` with it, in force on the command's day (guard ``consent``; DOMAIN.md
    § 6, §§ 67 ff. SGB X). :meth:`PathwayEngine.assignment_recipients` lists those
    organisations.

    Examples:
        >>> AssignCoach("p1", date(2024, 2, 1), "c1").coach_id
        'c1'
    """

    verb: ClassVar[str] = "assign a coach to"
    coach_id: str


@attrs.frozen
class AssignTandem(Command):
    """Assign a coaching tandem to the case (replacing an earlier coach or tandem).

    The case goes to every member's organisation: each one that is not the jobcenter
    needs the participant's ``data_exchange`` consent in force on the command's day (one
    ``consent`` failure per organisation without; as for :class:`AssignCoach`).

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
    items: tuple[int | None, ...] = attrs.field(converter=_to_items)


@attrs.frozen
class ReferToActor(Command):
    """Refer the participant to an actor of the social space (clinic, club, counselling…).

    A referral passes social data to the actor (at the least, that this person is
    in an SGB II programme — itself a social datum, § 35 SGB I), so by default it
    needs the participant's consent for purpose ``referral`` or ``data_exchange``
    with that actor, in force on the referral's date (DOMAIN.md § 6). Withdrawn
    consent refuses the referral from the withdrawal day on. ``shares_data=False``
    records a signposting where nothing passes: the participant is given the
    actor's address and goes on their own; it needs no consent.

    Examples:
        >>> ReferToActor("p1", date(2024, 3, 1), "sb-1", need="debt").shares_data
        True
    """

    verb: ClassVar[str] = "refer to an actor:"
    actor_id: str
    service_id: str = ""
    need: str = ""
    shares_data: bool = True


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
    reason: ExitReason = attrs.field(converter=_to_reason)
    outcome: OutcomeKind = attrs.field(default=OutcomeKind.NONE, converter=_to_outcome)
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
    status: OutcomeKind = attrs.field(converter=_to_outcome)
    receives_benefit: bool | None = None


# -- Kooperationsplan lifecycle (§§ 15, 15a SGB II) and Leistungsminderungen (§§ 31-32), issue 17;
# their handlers are in ._law_handlers.


@attrs.frozen
class UpdatePlan(Command):
    """Fortschreibung of the cooperation plan (§ 15 Abs. 3 SGB II); next review at most 6 months on.

    ``goal`` empty keeps the goal; ``review`` None means six months on.

    Examples:
        >>> UpdatePlan("p1", date(2024, 8, 1), goal="Teilzeitstelle").goal
        'Teilzeitstelle'
    """

    verb: ClassVar[str] = "update the cooperation plan of"
    goal: str = ""
    review: date | None = None


@attrs.frozen
class StartSchlichtung(Command):
    """Begin a Schlichtungsverfahren (§ 15a SGB II); ``requested_by``: ``participant`` or ``jobcenter``.

    Examples:
        >>> StartSchlichtung("p1", date(2024, 8, 1)).requested_by
        'participant'
    """

    verb: ClassVar[str] = "start a Schlichtung for"
    requested_by: str = "participant"


@attrs.frozen
class EndSchlichtung(Command):
    """End the Schlichtungsverfahren, with an agreement (``agreed``) or without.

    Examples:
        >>> EndSchlichtung("p1", date(2024, 8, 20), agreed=True).agreed
        True
    """

    verb: ClassVar[str] = "end the Schlichtung for"
    agreed: bool | None = None


@attrs.frozen
class ReduceBenefit(Command):
    """Establish a Leistungsminderung (§§ 31a, 31b, 32 SGB II) under the law in force on ``date``.

    Args:
        ground: ``duty_breach``, ``missed_appointment`` or ``work_refusal`` (§ 31a Abs. 7).
        hardship: the jobcenter found an außergewöhnliche Härte (§ 31a Abs. 3): refused.
        coaching_breakoff: the breach is breaking off § 16k coaching (§ 16k Abs. 4): refused.
        months: ``work_refusal`` only: the withdrawal's months (0: the rule's maximum, 2).

    Examples:
        >>> ReduceBenefit("p1", date(2024, 5, 13), "missed_appointment").ground
        'missed_appointment'
    """

    verb: ClassVar[str] = "reduce the benefit of"
    ground: str
    hardship: bool = False
    coaching_breakoff: bool = False
    months: int = 0


# -- Beratungskontakte (issue 17); the handler is in ._contacts.


@attrs.frozen
class RecordContact(Command):
    """Record a Beratungskontakt of a registered coach with the participant.

    Allowed while the pathway is open (referred, waitlisted, active, paused) and in
    aftercare. The engine's guards check the fields (``channel`` one of
    :data:`~langzeit.events.CONTACT_CHANNELS`, ``minutes`` not negative) and that the
    coach is registered, and refuse with reasons.

    Args:
        channel: ``in_person``, ``phone``, ``video``, ``outreach`` (aufsuchend) or ``group``.
        coach_id: the coach who had the contact (registered with the engine, alone or in a tandem).
        minutes: the contact's length in minutes (0: not recorded).

    Examples:
        >>> RecordContact("p1", date(2024, 2, 12), "phone", "c1", minutes=20).to_dict()["channel"]
        'phone'
    """

    verb: ClassVar[str] = "record a contact with"
    channel: str
    coach_id: str
    minutes: int = 0


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


#: Every command class by its name (``"refer"``, ``"record_consent"``, …).
COMMAND_TYPES: dict[str, type[Command]] = {
    _snake(cls.__name__): cls
    for cls in (
        Refer, Assess, RecordConsent, WithdrawConsent, AgreeParticipation, Decline, Admit, Waitlist,
        Renege, EnterPhase, Extend, Pause, Resume, AssignCoach, AssignTandem, AgreePlan, AgreePlanStep,
        AchievePlanStep, ScoreScale, ReferToActor, Exit, StartAftercare, EndAftercare, RecordFollowUp,
        UpdatePlan, StartSchlichtung, EndSchlichtung, ReduceBenefit, RecordContact,
    )
}
for _name, _command_cls in COMMAND_TYPES.items():
    _command_cls.name = _name
_CHECKED: list[type[Any]] = [Command, *COMMAND_TYPES.values()]
for _checked_cls in _CHECKED:
    compile_checks(_checked_cls)


def command_from_dict(record: Mapping[str, Any]) -> Command:
    """A command from a JSON-ready record such as :meth:`Command.to_dict` gives (a host's request).

    Args:
        record: ``command`` (a name of :data:`COMMAND_TYPES`) and the command's fields;
            dates as ISO ``YYYY-MM-DD`` text, enumerations as their values. Optional
            fields may be missing; unknown keys are refused so that nothing is lost.

    Returns:
        The command.

    Raises:
        ValidationError: every bad, missing or unknown field at once.

    Examples:
        >>> command_from_dict({"command": "exit", "participant_id": "p1", "date": "2024-12-01",
        ...                    "reason": "work", "outcome": "svp"})
        Exit(participant_id='p1', date=datetime.date(2024, 12, 1), reason=<ExitReason.WORK: 'work'>, \
outcome=<OutcomeKind.SVP: 'svp'>, phase_id=None)
        >>> command_from_dict({"command": "refer", "participant_id": "", "date": "2024-02-30"})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid command record (2 problems)
          - date: bad date '2024-02-30' (expected YYYY-MM-DD)
          - participant_id: expected a non-empty id, got ''
    """
    if not isinstance(record, Mapping):
        raise ValidationError("invalid command record", [Problem("", f"expected an object, got {record!r}")])
    name = record.get("command")
    cls = COMMAND_TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ValidationError("invalid command record", [Problem(
            "command", f"unknown command {name!r}; known: {', '.join(COMMAND_TYPES)}")])
    kwargs, errors = parse_fields(cls, record, skip=("command",))
    problems = [Problem(where, reason) for where, reason in errors]
    if not problems:
        try:
            return cls(**kwargs)
        except ValidationError:
            pass
    # the fields that parsed, checked as the constructor checks them (an empty id, a long one)
    for found in field_problems(_unchecked(cls, kwargs)):
        name = found.location.split(".")[-1]
        if name in kwargs:
            problems.append(Problem(name, found.message))
    problems.sort(key=_location)
    raise ValidationError("invalid command record", problems)


def _location(problem: Problem) -> str:
    return problem.location


def _unchecked(cls: type[Command], kwargs: Mapping[str, Any]) -> Command:
    """An instance without running its checks (only to list the problems of its fields)."""
    obj = object.__new__(cls)
    for key, value in kwargs.items():
        object.__setattr__(obj, key, value)
    return obj


def command_json_schema() -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) of every command record, as :meth:`Command.to_dict` writes them.

    Hosts in other languages validate requests with it before they call;
    ``langzeit schema commands`` prints it.

    Returns:
        A schema whose ``oneOf`` has one object schema per command, told apart by ``command``.

    Examples:
        >>> schema = command_json_schema()
        >>> len(schema["oneOf"]), schema["oneOf"][0]["required"]
        (29, ['command', 'participant_id', 'date'])
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "langzeit engine command",
        "oneOf": [class_schema(cls, "command", name, cls.__name__) for name, cls in COMMAND_TYPES.items()],
    }
