"""Engine layer: handlers of the Kooperationsplan lifecycle and the Leistungsminderungen (issue 17).

Registered with ``@handles`` like those of :mod:`._handlers` (imported by the engine). The
rules come from the Rechtsstand of the command's date (:func:`langzeit.domain.rechtsstand`):
the plan's name (Eingliederungsvereinbarung before 01.07.2023), the six-month review
(§ 15 Abs. 3), the Schlichtung (§ 15a, from 01.07.2023) and the reductions, decided by the
one implementation :func:`langzeit.domain.decide_reduction`. The engine applies promulgated
law only (no drafts).
"""

from __future__ import annotations

from langzeit.domain import PastReduction, ReductionGround, decide_reduction, rechtsstand
from langzeit.engine._commands import EndSchlichtung, ReduceBenefit, StartSchlichtung, UpdatePlan
from langzeit.engine._core import EngineCore
from langzeit.engine._handlers import Events, Failures, handles
from langzeit.events import (
    BenefitReduced,
    PlanUpdated,
    SchlichtungEnded,
    SchlichtungStarted,
    StateBuilder,
)
from langzeit.exceptions import GuardFailure

__all__: list[str] = []

_REQUESTERS = ("participant", "jobcenter")
_GROUNDS = tuple(g.value for g in ReductionGround)


@handles(UpdatePlan)
def _update_plan(engine: EngineCore, cmd: UpdatePlan, b: StateBuilder, fail: Failures) -> Events:
    law = rechtsstand(cmd.date)
    if b.status.is_final:
        fail.append(engine._status_failure(b, f"update the {law.plan_label} of"))
    if b.plan_review is None:
        fail.append(GuardFailure("plan", f"no {law.plan_label} agreed with {b.participant_id!r} to "
                                         f"fortschreiben ({law.plan_law})"))
    latest = engine._plus(cmd.date, law.plan_review)
    review = cmd.review or latest
    if review < cmd.date or review > latest:
        fail.append(GuardFailure("plan", f"review on {review.isoformat()} is not within six months "
                                         f"of {cmd.date.isoformat()} (§ 15 Abs. 3 SGB II)"))
    return [PlanUpdated(*engine._head(b, cmd), review=review, goal=cmd.goal)]


@handles(StartSchlichtung)
def _start_schlichtung(engine: EngineCore, cmd: StartSchlichtung, b: StateBuilder, fail: Failures) -> Events:
    law = rechtsstand(cmd.date)
    if b.status.is_final:
        fail.append(engine._status_failure(b, "start a Schlichtung for"))
    if not law.schlichtung:
        fail.append(GuardFailure("schlichtung", f"no Schlichtungsverfahren (§ 15a SGB II) on "
                                                f"{cmd.date.isoformat()}: in force from 01.07.2023"))
    if b.schlichtung_since is not None:
        fail.append(GuardFailure("schlichtung", "a Schlichtungsverfahren is open since "
                                                f"{b.schlichtung_since.isoformat()}"))
    if cmd.requested_by not in _REQUESTERS:
        fail.append(GuardFailure("schlichtung", f"requested_by must be one of {', '.join(_REQUESTERS)}, "
                                                f"got {cmd.requested_by!r}"))
    return [SchlichtungStarted(*engine._head(b, cmd), requested_by=cmd.requested_by)]


@handles(EndSchlichtung)
def _end_schlichtung(engine: EngineCore, cmd: EndSchlichtung, b: StateBuilder, fail: Failures) -> Events:
    if b.schlichtung_since is None:
        fail.append(GuardFailure("schlichtung", f"no Schlichtungsverfahren is open for {b.participant_id!r}"))
    return [SchlichtungEnded(*engine._head(b, cmd), agreed=cmd.agreed)]


def past_reductions(b: StateBuilder) -> tuple[PastReduction, ...]:
    """The participant's earlier reductions as :func:`~langzeit.domain.decide_reduction` reads them."""
    return tuple(PastReduction(e.ground, e.start, e.months, e.percent, e.count) for e in b.reductions)


@handles(ReduceBenefit)
def _reduce(engine: EngineCore, cmd: ReduceBenefit, b: StateBuilder, fail: Failures) -> Events:
    if cmd.ground not in _GROUNDS:
        fail.append(GuardFailure("reduction", f"ground must be one of {', '.join(_GROUNDS)}, "
                                              f"got {cmd.ground!r}"))
        return []
    decision = decide_reduction(cmd.ground, cmd.date, past_reductions(b), hardship=cmd.hardship,
                                coaching_breakoff=cmd.coaching_breakoff, months=cmd.months or None)
    fail.extend(GuardFailure(guard, reason) for guard, reason in decision.refusals)
    return [BenefitReduced(*engine._head(b, cmd), ground=decision.ground.value, percent=decision.percent,
                           start=decision.start, months=decision.months, count=decision.count)]
