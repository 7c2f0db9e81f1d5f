"""Engine layer: read-only queries over the engine's state, now or replayed as of a day.

Each function reads an :class:`~langzeit.engine._core.EngineCore` and changes nothing:
"now" reads the engine's incremental state, "as of" a day replays the store's events
up to that day with the event layer's one fold (:func:`langzeit.events.replay`). The
public methods of :class:`~langzeit.engine.PathwayEngine` (``state``, ``states``,
``occupancy``, ``caseload``, ``waiting_list``, ``due``) document and call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from langzeit.domain import PLAN_REVIEW_INTERVAL, ConsentPurpose, parse_duration, rechtsstand
from langzeit.engine._books import Books
from langzeit.engine._core import EngineCore, occupying
from langzeit.engine._results import (
    CaseloadRow,
    CaseloadTable,
    Due,
    DueList,
    Occupancy,
    WaitingEntry,
    WaitingList,
)
from langzeit.engine._waiting import waiting_order
from langzeit.events import ParticipantState, Status, Waitlisted, replay
from langzeit.exceptions import UnknownNameError

__all__ = ["caseload", "due", "held_without_consent", "occupancy", "state", "states", "waiting_list"]

_EXITED = Status.EXITED
_WAITLISTED = Status.WAITLISTED
_FOLLOW_UPS = ((6, relativedelta(months=6)), (12, relativedelta(months=12)))


def state(engine: EngineCore, participant_id: str, as_of: date | None) -> ParticipantState:
    """One participant's state (see :meth:`~langzeit.engine.PathwayEngine.state`)."""
    if as_of is None:
        b = engine._states.get(participant_id)
        if b is None:
            raise UnknownNameError("participant", participant_id)
        return b.freeze()
    replayed = replay(engine._store.events(participant_id=participant_id), as_of=as_of)
    if participant_id not in replayed:
        raise UnknownNameError("participant", participant_id)
    return replayed[participant_id]


def states(engine: EngineCore, as_of: date | None) -> dict[str, ParticipantState]:
    """Every participant's state (see :meth:`~langzeit.engine.PathwayEngine.states`)."""
    if as_of is None:
        return {pid: b.freeze() for pid, b in engine._states.items()}
    return replay(engine._store.events(until=as_of), as_of=as_of)


def _books_at(engine: EngineCore, as_of: date | None) -> tuple[Books, int]:
    """The books and the length of the waiting list, now or at the end of ``as_of``."""
    if as_of is None:
        return engine._books, len(engine._queue)
    replayed = replay(engine._store.events(until=as_of), as_of=as_of).values()
    waiting = sum(1 for s in replayed if s.status is _WAITLISTED)
    return Books.from_states(replayed), waiting


def occupancy(engine: EngineCore, as_of: date | None) -> Occupancy:
    """Places taken (see :meth:`~langzeit.engine.PathwayEngine.occupancy`)."""
    books, waiting = _books_at(engine, as_of)
    phases = tuple((p.id, books.phase.get(p.id, 0), p.places)
                   for p in engine.programme.phases if not p.terminal)
    return Occupancy(as_of, books.occupied, engine._total, waiting, phases)


def caseload(engine: EngineCore, as_of: date | None) -> CaseloadTable:
    """Cases per coach and tandem (see :meth:`~langzeit.engine.PathwayEngine.caseload`)."""
    books, _ = _books_at(engine, as_of)
    rows = []
    for cid, coach in engine._coaches.items():
        load = books.coach.get(cid, 0) + sum(books.tandem.get(t, 0)
                                              for t in engine._coach_tandems.get(cid, ()))
        rows.append(CaseloadRow("coach", cid, load, coach.max_cases))
    for tid, tandem in engine._tandems.items():
        rows.append(CaseloadRow("tandem", tid, books.tandem.get(tid, 0), tandem.max_cases))
    return CaseloadTable(as_of, tuple(rows))


def held_without_consent(engine: EngineCore) -> tuple[tuple[str, str], ...]:
    """``(participant, organisation)`` of cases held now without the consent their assignment needs.

    See :meth:`~langzeit.engine.PathwayEngine.held_without_consent`.
    """
    out = []
    for pid, b in engine._states.items():
        if not occupying(b.status):
            continue
        recipients = (engine._tandem_recipients.get(b.tandem_id, ()) if b.tandem_id is not None
                      else engine._coach_recipients.get(b.coach_id, ()) if b.coach_id is not None else ())
        out += [(pid, org) for org in recipients
                if not engine._has_consent(b, (ConsentPurpose.DATA_EXCHANGE,), org)]
    return tuple(sorted(out))


def waiting_list(engine: EngineCore, as_of: date | None) -> WaitingList:
    """The waiting list in serving order (see :meth:`~langzeit.engine.PathwayEngine.waiting_list`)."""
    if as_of is None:
        found: Mapping[str, Any] = engine._states  # builders now, frozen states as of a day
        pids = engine._queue.in_order()
    else:
        events = engine._store.events(until=as_of)
        found = replay(events, as_of=as_of)
        position = {e.participant_id: i for i, e in enumerate(events) if type(e) is Waitlisted}
        pids = waiting_order([s for s in found.values() if s.status is _WAITLISTED], position,
                             engine.discipline)
    return WaitingList(as_of, tuple(
        WaitingEntry(pid, found[pid].waitlisted, found[pid].waitlist_priority) for pid in pids))


def due(engine: EngineCore, as_of: date, within: relativedelta | int | str | None,
        no_contact: relativedelta | int | str | None = None) -> DueList:
    """What is due by ``as_of`` (see :meth:`~langzeit.engine.PathwayEngine.due`)."""
    limit = as_of if within is None else as_of + parse_duration(within)
    contact_gap = None if no_contact is None else parse_duration(no_contact)
    out: list[Due] = []
    prog = engine.programme
    plus = engine._plus
    max_wait = engine.max_wait
    for pid, b in engine._states.items():
        status = b.status
        if occupying(status):
            phase = engine._phases.get(b.phase_id or "")
            if phase is not None and b.phase_entered is not None:
                for kind, length in (("phase_end", phase.planned_duration),
                                     ("phase_max", phase.max_duration)):
                    if length is not None:
                        day = plus(b.phase_entered, length)
                        if day <= limit:
                            out.append(Due(pid, kind, day, phase.id))
            end = engine._max_end(b)
            if end is not None and end <= limit:
                out.append(Due(pid, "max_duration", end, f"{b.extensions} extensions"))
            if b.plan_review is not None:
                if b.plan_review <= limit:
                    out.append(Due(pid, "plan_review", b.plan_review, b.plan_goal))
            elif b.admitted is not None:
                day = plus(b.admitted, PLAN_REVIEW_INTERVAL)
                if day <= limit:
                    out.append(Due(pid, "plan_review", day, "no plan agreed yet"))
        elif status is _EXITED and b.ended is not None:
            done = {m for m, _ in b.follow_ups}
            for months, length in _FOLLOW_UPS:
                if months not in done:
                    day = plus(b.ended, length)
                    if day <= limit:
                        out.append(Due(pid, "follow_up", day, f"{months} months"))
        elif status is _WAITLISTED and max_wait is not None and b.waitlisted is not None:
            day = plus(b.waitlisted, max_wait)
            if day <= limit:
                out.append(Due(pid, "max_wait", day, ""))
        if contact_gap is not None and (occupying(status) or (
                b.aftercare_started is not None and b.aftercare_ended is None)):
            since = b.last_contact or b.admitted or b.aftercare_started
            if since is not None:
                day = since + contact_gap
                if day <= limit:
                    detail = "no contact yet" if b.last_contact is None else f"last contact {since}"
                    out.append(Due(pid, "no_contact", day, detail))
        if b.schlichtung_since is not None:  # § 15a: ends at the latest four weeks after it began
            day = b.schlichtung_since + rechtsstand(b.schlichtung_since).schlichtung_duration
            if day <= limit:
                out.append(Due(pid, "schlichtung_end", day, "§ 15a SGB II"))
        if (prog.aftercare is not None and b.aftercare_started is not None
                and b.aftercare_ended is None):
            day = plus(b.aftercare_started, prog.aftercare)
            if day <= limit:
                out.append(Due(pid, "aftercare_end", day, ""))
    out.sort(key=lambda d: (d.date, d.participant_id, d.kind))
    return DueList(as_of, tuple(out))
