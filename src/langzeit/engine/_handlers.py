"""Engine layer: the command handlers, one per command type, registered where they are written.

A handler turns one command into the events it would append, checking the command's
guards against the engine's state (:class:`~langzeit.engine._core.EngineCore`); it
appends a :class:`~langzeit.exceptions.GuardFailure` for every failed guard and never
changes anything, so :meth:`~langzeit.engine.PathwayEngine.check` and
:meth:`~langzeit.engine.PathwayEngine.execute` share it.

Adding a command: its record in :mod:`._commands`, and here one function decorated
``@handles(TheCommand)`` — that is the whole registration. (The engine's convenience
method ``engine.the_command(...)`` is optional sugar over ``execute``; a test checks
that every command has a handler.) ``handles`` also does the prologue every handler
shares: it looks the participant up (``subject=KNOWN``: referred, and the command not
dated before its last event; ``subject=HOLDING``: also holding a place) and passes the
participant's :class:`~langzeit.events.StateBuilder` in; a handler builds each event
from ``engine._head(b, cmd)``, the event id, participant and day of the participant's
next event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, TypeVar

from langzeit import events as ev
from langzeit.domain import PLAN_REVIEW_INTERVAL, ConsentPurpose
from langzeit.engine import _commands as commands
from langzeit.engine._commands import Command
from langzeit.engine._core import Edge, EngineCore
from langzeit.events import Event, StateBuilder, Status
from langzeit.exceptions import GuardFailure, Problem, ValidationError

__all__ = ["HANDLERS", "HOLDING", "KNOWN", "Handler", "Subject", "handles", "run"]

Failures = list[GuardFailure]
Events = list[Event]
#: A handler: the engine, the command, the participant's state (None only for subject=None),
#: the list to append failed guards to; returns the events the command would append.
Handler = Callable[[EngineCore, Any, Any, Failures], Events]
#: Looks a command's participant up, appending failures; None stops the command.
Subject = Callable[[EngineCore, Any, Failures], "StateBuilder | None"]

#: The participant must be known (referred) and the command not dated before its last event.
KNOWN: Subject = EngineCore._participant
#: As KNOWN, and the participant must hold a place (active or paused).
HOLDING: Subject = EngineCore._holding_place

#: Every command type's handler and subject lookup (None: the handler gets the participant's
#: state or None and checks for itself).
HANDLERS: dict[type[Command], tuple[Handler, Subject | None]] = {}

C = TypeVar("C", bound=Command)

_ACTIVE = Status.ACTIVE
_PAUSED = Status.PAUSED
_REFERRED = Status.REFERRED
_WAITLISTED = Status.WAITLISTED
_EXITED = Status.EXITED
_DATA = ConsentPurpose.DATA_EXCHANGE
_SCALES = {"swe": (10, 1, 4), "who5": (5, 0, 5)}


def handles(command_type: type[C], *, subject: Subject | None = KNOWN
            ) -> Callable[[Callable[[EngineCore, C, StateBuilder, Failures], Events]],
                          Callable[[EngineCore, C, StateBuilder, Failures], Events]]:
    """Register the decorated function as the handler of ``command_type``.

    Args:
        command_type: the command class (exactly: subclasses need their own handler).
        subject: how the participant is looked up before the handler runs.

    Raises:
        TypeError: ``command_type`` has a handler already.
    """
    def register(fn: Callable[[EngineCore, C, StateBuilder, Failures], Events]
                 ) -> Callable[[EngineCore, C, StateBuilder, Failures], Events]:
        if command_type in HANDLERS:
            raise TypeError(f"{command_type.__name__} has a handler already")
        HANDLERS[command_type] = (fn, subject)
        return fn
    return register


def run(engine: EngineCore, command: Command, failures: Failures) -> Events:
    """The events ``command`` would append, its failed guards appended to ``failures``.

    Raises:
        ValidationError: ``command`` is not an engine command.
    """
    try:
        handler, subject = HANDLERS[type(command)]
    except KeyError:
        raise ValidationError("not an engine command", [Problem(
            "command", f"expected one of langzeit.engine.COMMAND_TYPES, got {command!r}")]) from None
    if subject is None:
        return handler(engine, command, engine._states.get(command.participant_id), failures)
    b = subject(engine, command, failures)
    return [] if b is None else handler(engine, command, b, failures)


@handles(commands.Refer, subject=None)
def _refer(engine: EngineCore, cmd: commands.Refer, b: StateBuilder | None, fail: Failures) -> Events:
    pid = cmd.participant_id
    if b is not None:  # a referral again: allowed once the pathway has ended (a new participation)
        if not b.status.is_final:
            fail.append(GuardFailure("known", f"participant {pid!r} is already known to "
                                              f"{engine.programme.name} (status: {b.status.value}); "
                                              f"a new referral needs the pathway to have ended"))
            return []
        if b.aftercare_started is not None and b.aftercare_ended is None:
            fail.append(GuardFailure("aftercare", f"participant {pid!r} is in aftercare since "
                                                  f"{b.aftercare_started.isoformat()}; end it first"))
        if b.last_event is not None and cmd.date < b.last_event:
            fail.append(GuardFailure(
                "chronology", f"dated {cmd.date.isoformat()}, before the participant's last event "
                              f"on {b.last_event.isoformat()}"))
        return [ev.Referred(*engine._head(b, cmd), programme_id=engine.programme.id, referrer=cmd.referrer)]
    elsewhere = engine._foreign.get(pid)
    if elsewhere is not None:  # one store, several programmes: a participant id is one pathway
        where = f"referred to programme {elsewhere!r}" if elsewhere else "recorded without a referral"
        fail.append(GuardFailure("known", f"participant {pid!r} is already {where} in this store; "
                                          f"use a new pseudonymous id for {engine.programme.name}"))
        return []
    return [ev.Referred(engine._ids(pid, 1), pid, cmd.date, programme_id=engine.programme.id,
                     referrer=cmd.referrer)]


@handles(commands.Assess)
def _assess(engine: EngineCore, cmd: commands.Assess, b: StateBuilder, fail: Failures) -> Events:
    if b.status.is_final:
        fail.append(engine._status_failure(b, "assess"))
    return [ev.Assessed(*engine._head(b, cmd), kind=cmd.kind, result=cmd.result)]


@handles(commands.RecordConsent)
def _record_consent(engine: EngineCore, cmd: commands.RecordConsent, b: StateBuilder,
                    fail: Failures) -> Events:
    purpose = ConsentPurpose(cmd.purpose)
    cid = cmd.consent_id or f"{purpose.value}:{cmd.recipient}"
    if cid in b.consents:
        fail.append(GuardFailure("consent", f"consent {cid!r} is already in force"))
    return [ev.ConsentGiven(*engine._head(b, cmd), consent_id=cid, purpose=purpose, recipient=cmd.recipient)]


@handles(commands.WithdrawConsent)
def _withdraw_consent(engine: EngineCore, cmd: commands.WithdrawConsent, b: StateBuilder,
                      fail: Failures) -> Events:
    if cmd.consent_id:
        ids = [cmd.consent_id] if cmd.consent_id in b.consents else []
        what = f"consent {cmd.consent_id!r}"
    else:
        purpose = ConsentPurpose(cmd.purpose)
        ids = sorted(k for k, c in b.consents.items()
                     if c.recipient == cmd.recipient and c.purpose == purpose)
        what = f"consent for {purpose.value.replace('_', ' ')} with {engine._org(cmd.recipient)}"
    if not ids:
        fail.append(GuardFailure("consent", f"no {what} in force"))
    return [ev.ConsentWithdrawn(*engine._head(b, cmd, i), consent_id=cid) for i, cid in enumerate(ids, 1)]


def _already(guard: str, what: str, day: date) -> GuardFailure:
    """The failure of a command that records, once, what happened already on ``day``."""
    return GuardFailure(guard, f"{what} already on {day.isoformat()}")


_H = TypeVar("_H")


def _assignee(kind: str, registered: Mapping[str, _H], wanted: str, current: str | None,
              fail: Failures) -> _H | None:
    """The coach or tandem ``wanted`` (None: not registered); a failure too when it has the case."""
    found = registered.get(wanted)
    if found is None:
        fail.append(GuardFailure("known", f"{kind} {wanted!r} is not registered with the engine"))
    elif current == wanted:
        fail.append(GuardFailure("status", f"{kind} {wanted!r} already has the case"))
    return found


def _handover_guards(engine: EngineCore, cmd: Command, b: StateBuilder, recipients: tuple[str, ...],
                     kind: str, holder: str, fail: Failures) -> None:
    """The guards every handover of the case ends with (AssignCoach, AssignTandem).

    A consent for each organisation outside the jobcenter that would receive the case
    with the coach or tandem ``holder`` (``kind`` says which), and the chronology guard
    for a command dated before the engine's clock (the last change of places or caseloads).
    """
    if recipients:
        engine._recipient_guard(b, recipients, f"{kind} {holder!r}", fail)
    if cmd.date < engine._clock:
        engine._not_before_clock(cmd, b, fail)


@handles(commands.AgreeParticipation)
def _agree(engine: EngineCore, cmd: commands.AgreeParticipation, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _REFERRED and b.status is not _WAITLISTED:
        fail.append(engine._status_failure(b, "record the agreement of"))
    elif b.agreed is not None:
        fail.append(_already("agreement", f"participant {b.participant_id!r} agreed", b.agreed))
    return [ev.ParticipationAgreed(*engine._head(b, cmd))]


@handles(commands.Decline)
def _decline(engine: EngineCore, cmd: commands.Decline, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _REFERRED and b.status is not _WAITLISTED:
        fail.append(engine._status_failure(b, "record the refusal of"))
    return [ev.Declined(*engine._head(b, cmd), reason=cmd.reason)]


@handles(commands.Admit)
def _admit(engine: EngineCore, cmd: commands.Admit, b: StateBuilder, fail: Failures) -> Events:
    status = b.status
    if status is not _REFERRED and status is not _WAITLISTED:
        fail.append(engine._status_failure(b, "admit"))
        return []
    engine._admission_guards(b, cmd, fail)
    if engine.programme.instrument is not None:  # the target group is the law's at the start of support
        engine._eligibility_guard(b, cmd, fail)
    if cmd.date < engine._clock:
        engine._not_before_clock(cmd, b, fail)
    if not engine._room():  # the reasons are only spelt out when there is no room
        if not fail and cmd.waitlist and status is _REFERRED:
            return [ev.Waitlisted(*engine._head(b, cmd), priority=cmd.priority)]
        fail.extend(engine._room_failures())
        return []
    return [ev.Admitted(*engine._head(b, cmd)),
            ev.PhaseEntered(*engine._head(b, cmd, 2), phase_id=engine._entry.id)]


@handles(commands.Waitlist)
def _waitlist(engine: EngineCore, cmd: commands.Waitlist, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _REFERRED:
        fail.append(engine._status_failure(b, "waitlist"))
        return []
    engine._admission_guards(b, cmd, fail)
    return [ev.Waitlisted(*engine._head(b, cmd), priority=cmd.priority)]


@handles(commands.Renege)
def _renege(engine: EngineCore, cmd: commands.Renege, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _WAITLISTED:
        fail.append(engine._status_failure(b, "take off the waiting list"))
    return [ev.Reneged(*engine._head(b, cmd), reason=cmd.reason)]


@handles(commands.EnterPhase)
def _enter_phase(engine: EngineCore, cmd: commands.EnterPhase, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _ACTIVE:
        fail.append(GuardFailure("status", f"participant {b.participant_id!r} is paused since "
                                           f"{b.paused_since}; resume first")
                    if b.status is _PAUSED else engine._not_admitted(b))
        return []
    target = engine._phases.get(cmd.phase_id)
    if target is None:
        fail.append(GuardFailure("edge", f"{engine.programme.name} has no phase {cmd.phase_id!r}"))
        return []
    if target.terminal:
        fail.append(GuardFailure("edge", f"phase {target.id!r} is an exit phase; use exit() with "
                                         f"a reason and an outcome"))
        return []
    edge = engine._edges.get((b.phase_id, cmd.phase_id))  # type: ignore[arg-type]
    if edge is None:
        fail.append(GuardFailure("edge", f"no transition from phase {b.phase_id!r} to "
                                         f"{cmd.phase_id!r} in {engine.programme.name}"))
    engine._phase_guards(b, cmd, target, edge, fail, entering=True)
    if cmd.date < engine._clock:
        engine._not_before_clock(cmd, b, fail)
    return [ev.PhaseEntered(*engine._head(b, cmd), phase_id=cmd.phase_id)]


@handles(commands.Extend, subject=HOLDING)
def _extend(engine: EngineCore, cmd: commands.Extend, b: StateBuilder, fail: Failures) -> Events:
    rule = engine.programme.extension
    if rule is None or rule.max_extensions == 0:
        fail.append(GuardFailure("extension", f"{engine.programme.name} allows no extensions"))
        return []
    if b.extensions >= rule.max_extensions:
        fail.append(GuardFailure("extension", f"all {rule.max_extensions} extensions allowed "
                                              f"are used"))
    base = engine._max_end(b)
    if base is None:
        planned = engine.programme.planned_duration
        assert b.admitted is not None
        base = engine._plus(b.admitted, planned) if planned is not None else None
    if base is None:
        fail.append(GuardFailure("extension", f"{engine.programme.name} has no maximum or planned "
                                              f"stay to extend"))
        return []
    return [ev.Extended(*engine._head(b, cmd), until=engine._plus(base, rule.length), reason=cmd.reason)]


@handles(commands.Pause)
def _pause(engine: EngineCore, cmd: commands.Pause, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _ACTIVE:
        fail.append(engine._status_failure(b, "pause") if b.status is _PAUSED else engine._not_admitted(b))
    return [ev.Paused(*engine._head(b, cmd), reason=cmd.reason)]


@handles(commands.Resume)
def _resume(engine: EngineCore, cmd: commands.Resume, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _PAUSED:
        fail.append(engine._status_failure(b, "resume"))
    return [ev.Resumed(*engine._head(b, cmd))]


@handles(commands.AssignCoach, subject=HOLDING)
def _assign_coach(engine: EngineCore, cmd: commands.AssignCoach, b: StateBuilder, fail: Failures) -> Events:
    coach = _assignee("coach", engine._coaches, cmd.coach_id, b.coach_id, fail)
    if coach is None:
        return []
    engine._caseload_guard(coach, b, fail)
    _handover_guards(engine, cmd, b, engine._coach_recipients[coach.id], "coach", coach.id, fail)
    return [ev.CoachAssigned(*engine._head(b, cmd), coach_id=coach.id)]


@handles(commands.AssignTandem, subject=HOLDING)
def _assign_tandem(engine: EngineCore, cmd: commands.AssignTandem, b: StateBuilder, fail: Failures) -> Events:
    tandem = _assignee("tandem", engine._tandems, cmd.tandem_id, b.tandem_id, fail)
    if tandem is None:
        return []
    load = engine._books.tandem.get(tandem.id, 0) - (b.tandem_id == tandem.id)
    if load >= tandem.max_cases:
        fail.append(GuardFailure(
            "caseload", f"tandem {tandem.id!r} already holds {load} of {tandem.max_cases} cases"))
    for member in tandem.members:
        engine._caseload_guard(member.coach, b, fail, tandem=tandem.id)
    _handover_guards(engine, cmd, b, engine._tandem_recipients[tandem.id], "tandem", tandem.id, fail)
    return [ev.TandemAssigned(*engine._head(b, cmd), tandem_id=tandem.id)]


@handles(commands.AgreePlan)
def _agree_plan(engine: EngineCore, cmd: commands.AgreePlan, b: StateBuilder, fail: Failures) -> Events:
    if b.status.is_final:
        fail.append(engine._status_failure(b, "agree a cooperation plan with"))
    latest = engine._plus(cmd.date, PLAN_REVIEW_INTERVAL)
    review = cmd.review or latest
    if review < cmd.date or review > latest:
        fail.append(GuardFailure("plan", f"review on {review.isoformat()} is not within six months "
                                         f"of {cmd.date.isoformat()} (§ 15 Abs. 3 SGB II)"))
    return [ev.PlanAgreed(*engine._head(b, cmd), goal=cmd.goal, review=review)]


@handles(commands.AgreePlanStep)
def _agree_step(engine: EngineCore, cmd: commands.AgreePlanStep, b: StateBuilder, fail: Failures) -> Events:
    if b.status.is_final:
        fail.append(engine._status_failure(b, "agree a plan step with"))
    if b.plan_review is None:
        fail.append(GuardFailure("plan", f"no cooperation plan agreed with {b.participant_id!r}"))
    if cmd.step_id in b.open_steps or cmd.step_id in b.achieved_steps:
        fail.append(GuardFailure("plan", f"plan step {cmd.step_id!r} was agreed before"))
    return [ev.PlanStepAgreed(*engine._head(b, cmd), step_id=cmd.step_id, description=cmd.description,
                           responsible=cmd.responsible, due=cmd.due)]


@handles(commands.AchievePlanStep)
def _achieve_step(engine: EngineCore, cmd: commands.AchievePlanStep, b: StateBuilder,
                  fail: Failures) -> Events:
    if cmd.step_id not in b.open_steps:
        fail.append(GuardFailure("plan", f"plan step {cmd.step_id!r} is not open"))
    return [ev.PlanStepAchieved(*engine._head(b, cmd), step_id=cmd.step_id)]


@handles(commands.ScoreScale)
def _score(engine: EngineCore, cmd: commands.ScoreScale, b: StateBuilder, fail: Failures) -> Events:
    shape = _SCALES.get(cmd.scale)
    if shape is not None:
        n, low, high = shape
        if len(cmd.items) != n:
            fail.append(GuardFailure("scale", f"{cmd.scale} has {n} items, got {len(cmd.items)}"))
        bad = [i for i in cmd.items if i is not None and not low <= i <= high]
        if bad:
            fail.append(GuardFailure("scale", f"{cmd.scale} items range {low}–{high}, got {bad}"))
    return [ev.ScaleScored(*engine._head(b, cmd), scale=cmd.scale, items=tuple(cmd.items))]


@handles(commands.ReferToActor)
def _refer_actor(engine: EngineCore, cmd: commands.ReferToActor, b: StateBuilder, fail: Failures) -> Events:
    in_aftercare = b.aftercare_started is not None and b.aftercare_ended is None
    if b.status.is_final and not in_aftercare:
        fail.append(engine._status_failure(b, "refer to an actor"))
    if cmd.shares_data and not engine._has_consent(
            b, (ConsentPurpose.REFERRAL, _DATA), cmd.actor_id):
        fail.append(GuardFailure("consent", f"no consent for a referral with data to "
                                            f"{engine._org(cmd.actor_id)}"))
    return [ev.ActorReferred(*engine._head(b, cmd),
                          actor_id=cmd.actor_id, service_id=cmd.service_id, need=cmd.need)]


@handles(commands.Exit, subject=HOLDING)
def _exit(engine: EngineCore, cmd: commands.Exit, b: StateBuilder, fail: Failures) -> Events:
    current = b.phase_id or ""
    edge: Edge | None
    if cmd.phase_id is None:
        edge = engine._exit_edges.get(current)
        if edge is None:
            fail.append(GuardFailure("edge", f"no transition from phase {current!r} to an exit "
                                             f"phase in {engine.programme.name}"))
            return []
        target_id = edge.target.id
    else:
        target_id = cmd.phase_id
        target = engine._phases.get(target_id)
        if target is None or not target.terminal:
            fail.append(GuardFailure("edge", f"{target_id!r} is not an exit phase of "
                                             f"{engine.programme.name}"))
            return []
        edge = engine._edges.get((current, target_id))
        if edge is None:
            fail.append(GuardFailure("edge", f"no transition from phase {current!r} to "
                                             f"{target_id!r} in {engine.programme.name}"))
            return []
    if not edge.plain:
        engine._phase_guards(b, cmd, edge.target, edge, fail, entering=False)
    return [ev.PhaseEntered(*engine._head(b, cmd), phase_id=target_id),
            ev.Exited(*engine._head(b, cmd, 2), reason=cmd.reason, outcome=cmd.outcome)]


@handles(commands.StartAftercare)
def _start_aftercare(engine: EngineCore, cmd: commands.StartAftercare, b: StateBuilder,
                     fail: Failures) -> Events:
    if engine.programme.aftercare is None:
        fail.append(GuardFailure("aftercare", f"{engine.programme.name} offers no aftercare"))
    if b.admitted is None or b.status not in (_ACTIVE, _PAUSED, _EXITED):
        fail.append(engine._not_admitted(b))
    elif b.aftercare_started is not None:
        fail.append(_already("aftercare", "aftercare started", b.aftercare_started))
    return [ev.AftercareStarted(*engine._head(b, cmd))]


@handles(commands.EndAftercare)
def _end_aftercare(engine: EngineCore, cmd: commands.EndAftercare, b: StateBuilder, fail: Failures) -> Events:
    if b.aftercare_started is None or b.aftercare_ended is not None:
        fail.append(GuardFailure("aftercare", f"participant {b.participant_id!r} is not in aftercare"))
    return [ev.AftercareEnded(*engine._head(b, cmd))]


@handles(commands.RecordFollowUp)
def _follow_up(engine: EngineCore, cmd: commands.RecordFollowUp, b: StateBuilder, fail: Failures) -> Events:
    if b.status is not _EXITED:
        fail.append(GuardFailure("status", f"participant {b.participant_id!r} has not exited "
                                           f"(status: {b.status.value})"))
    if b.follow_ups and any(m == cmd.months_after_exit for m, _ in b.follow_ups):
        fail.append(GuardFailure("follow_up", f"the {cmd.months_after_exit}-month follow-up is "
                                              f"recorded already"))
    return [ev.FollowUp(*engine._head(b, cmd), months_after_exit=cmd.months_after_exit, status=cmd.status,
                     receives_benefit=cmd.receives_benefit)]
