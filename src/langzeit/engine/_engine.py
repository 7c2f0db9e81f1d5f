"""Engine layer: the pathway engine, commands in, validated events out (DESIGN.md)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, Literal

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.domain import (
    BUILTIN_GUARDS,
    PLAN_REVIEW_INTERVAL,
    Coach,
    ConsentPurpose,
    ExitReason,
    Organisation,
    OutcomeKind,
    Phase,
    Programme,
    Tandem,
    parse_duration,
)
from langzeit.engine._books import Books, Key, state_key
from langzeit.engine._commands import (
    AchievePlanStep,
    Admit,
    AgreeParticipation,
    AgreePlan,
    AgreePlanStep,
    Assess,
    AssignCoach,
    AssignTandem,
    Command,
    Decline,
    EndAftercare,
    EnterPhase,
    Exit,
    Extend,
    Pause,
    RecordConsent,
    RecordFollowUp,
    Refer,
    ReferToActor,
    Renege,
    Resume,
    ScoreScale,
    StartAftercare,
    Waitlist,
    WithdrawConsent,
)
from langzeit.engine._results import (
    CaseloadRow,
    CaseloadTable,
    Due,
    DueList,
    Occupancy,
    WaitingEntry,
    WaitingList,
)
from langzeit.events import (
    ActorReferred,
    Admitted,
    AftercareEnded,
    AftercareStarted,
    Assessed,
    CoachAssigned,
    ConsentGiven,
    ConsentWithdrawn,
    Declined,
    Event,
    EventLog,
    EventStore,
    Exited,
    Extended,
    FollowUp,
    ParticipantState,
    ParticipationAgreed,
    Paused,
    PhaseEntered,
    PlanAgreed,
    PlanStepAchieved,
    PlanStepAgreed,
    Referred,
    Reneged,
    Resumed,
    ScaleScored,
    StateBuilder,
    Status,
    TandemAssigned,
    Waitlisted,
    replay,
)
from langzeit.exceptions import (
    CapacityExceeded,
    GuardFailure,
    Problem,
    TransitionRefused,
    UnknownNameError,
    ValidationError,
)

__all__ = ["PathwayEngine", "UserGuard"]

#: A user guard: gets the participant's state and the command, returns a reason to
#: refuse (a readable sentence) or None to let the command pass.
UserGuard = Callable[[ParticipantState, Command], "str | None"]

_ACTIVE = Status.ACTIVE
_PAUSED = Status.PAUSED
_REFERRED = Status.REFERRED
_WAITLISTED = Status.WAITLISTED
_EXITED = Status.EXITED
_DATA = ConsentPurpose.DATA_EXCHANGE
_SIX = relativedelta(months=6)
_TWELVE = relativedelta(months=12)
_FOLLOW_UPS = ((6, _SIX), (12, _TWELVE))
_CAPACITY_GUARDS = frozenset({"capacity", "caseload"})
_SCALES = {"swe": (10, 1, 4), "who5": (5, 0, 5)}


@attrs.frozen
class _Edge:
    """A transition with what its guards need, computed once per engine."""

    target: Phase
    assessed: bool
    agreement: bool
    user: tuple[str, ...]
    #: True when no consent, assessment, agreement or user guard applies to the edge
    #: (then only the checks of entering a phase — maximum stay, places — remain).
    plain: bool


def _plain_phase(phase: Phase) -> bool:
    """Whether entering ``phase`` needs neither a consent nor an assessment."""
    return not phase.data_exchange_with and not phase.requires_assessment


#: ``"<participant_id>-<version>"``; a bound ``str.format`` costs no Python frame per event.
_default_ids: Callable[[str, int], str] = "{}-{}".format


def _occupying(status: Status) -> bool:
    # identity tests: ``in _books.OCCUPYING`` would hash the enum member through a Python-level __hash__
    return status is _ACTIVE or status is _PAUSED


@attrs.define(eq=False)
class PathwayEngine:
    """The pathway engine of one programme: commands in, validated events out.

    Every command names a participant and a day. The engine checks the built-in
    guards (the phase graph has the edge; the participant is admitted; consent for
    data exchange with the partner organisations of a phase; an assessment where
    required; the maximum stay not exceeded unless extended; a free place and free
    caseload; the agreement of the participant in voluntary programmes) and the user
    guards named on transitions. A refused command raises
    :class:`~langzeit.exceptions.TransitionRefused` (or
    :class:`~langzeit.exceptions.CapacityExceeded` when only places or caseload are
    missing) listing **every** failed guard, and writes nothing; :meth:`check` returns
    the same reasons without raising. An accepted command's events are appended to
    the store in one atomic batch with the expected version of every participant
    concerned (optimistic concurrency).

    The engine keeps each participant's state incrementally through the event
    layer's one fold (:class:`langzeit.events._state.StateBuilder`), so its state is
    always exactly ``replay(store.events())``.

    Rules of the model clock: a command may not be dated before the participant's
    last event, and commands that take a place, enter a phase or assign a coach may
    not be dated before the engine's last change of occupancy (so that places and
    caseloads are never exceeded on any day).

    Args:
        programme: the programme and its phase model.
        store: an event store (default: a new in-memory :class:`~langzeit.events.EventLog`);
            events already in it are loaded.
        coaches: the coaches cases may be assigned to (caseload = limit × FTE).
        tandems: the coaching tandems cases may be assigned to.
        organisations: partner organisations, for readable names in refusals.
        guards: user guards by the name used on transitions.
        discipline: waiting-list order, ``"fifo"`` or ``"priority"`` (then FIFO).
        max_wait: the longest wait before :meth:`renege_overdue` takes a participant
            off the list (None: no limit).
        auto_admit: admit from the waiting list whenever a place frees.
        id_factory: ``(participant_id, version) -> event_id``; default
            ``"<participant_id>-<version>"`` (deterministic, never random).

    Raises:
        ValidationError: a transition names a guard that is neither built in nor given.

    Examples:
        >>> from datetime import date
        >>> from langzeit.domain import Programme, Phase, Transition, Capacity
        >>> prog = Programme("demo", "Demo", phases=[Phase("coaching"), Phase("exit", terminal=True)],
        ...                  transitions=[Transition("coaching", "exit")],
        ...                  capacity=Capacity(places=1), voluntary=False)
        >>> engine = PathwayEngine(prog)
        >>> for pid in ("p1", "p2"):
        ...     _ = engine.refer(pid, date(2024, 1, 8))
        >>> [e.type for e in engine.admit("p1", date(2024, 2, 1))]
        ['admitted', 'phase_entered']
        >>> [e.type for e in engine.admit("p2", date(2024, 2, 1))]  # full: waiting list
        ['waitlisted']
        >>> [(e.participant_id, e.type) for e in engine.exit("p1", date(2024, 6, 1), "work", "svp")]
        [('p1', 'phase_entered'), ('p1', 'exited'), ('p2', 'admitted'), ('p2', 'phase_entered')]
        >>> engine.check(EnterPhase("p1", date(2024, 7, 1), "coaching"))
        (GuardFailure(guard='admitted', reason="participant 'p1' is not admitted (status: exited)"),)
    """

    programme: Programme
    _store: EventStore
    _coaches: dict[str, Coach]
    _tandems: dict[str, Tandem]
    _org_names: dict[str, str]
    _user_guards: dict[str, UserGuard]
    discipline: str
    max_wait: relativedelta | None
    auto_admit: bool
    _ids: Callable[[str, int], str]
    _phases: dict[str, Phase] = attrs.field(init=False)
    _edges: dict[tuple[str, str], _Edge] = attrs.field(init=False)
    _exit_edges: dict[str, _Edge] = attrs.field(init=False)
    _plain: dict[str, bool] = attrs.field(init=False)
    _entry: Phase = attrs.field(init=False)
    _limited_stay: bool = attrs.field(init=False)
    _coach_tandems: dict[str, tuple[str, ...]] = attrs.field(init=False)
    _total: int | None = attrs.field(init=False)
    _states: dict[str, StateBuilder] = attrs.field(init=False)
    _books: Books = attrs.field(init=False)
    _waiting: dict[str, tuple[int, ...]] = attrs.field(init=False)
    _wait_keys: dict[str, tuple[int, ...]] = attrs.field(init=False)
    _heap: list[tuple[Any, ...]] = attrs.field(init=False)  # (*wait key, participant id), flat
    _seq: int = attrs.field(init=False)
    _clock: date = attrs.field(init=False)
    _freed: bool = attrs.field(init=False)
    _plus_cache: dict[tuple[date, int], date] = attrs.field(init=False)
    _max_ends: dict[date, date] = attrs.field(init=False)

    def __init__(
        self,
        programme: Programme,
        *,
        store: EventStore | None = None,
        coaches: Iterable[Coach] = (),
        tandems: Iterable[Tandem] = (),
        organisations: Iterable[Organisation] = (),
        guards: Mapping[str, UserGuard] | None = None,
        discipline: Literal["fifo", "priority"] = "fifo",
        max_wait: relativedelta | int | str | None = None,
        auto_admit: bool = True,
        id_factory: Callable[[str, int], str] | None = None,
    ) -> None:
        if discipline not in ("fifo", "priority"):
            raise ValidationError("invalid engine options",
                                  [Problem("discipline", f"'fifo' or 'priority', got {discipline!r}")])
        tandem_list = list(tandems)
        coach_map = {c.id: c for c in coaches}
        for tandem in tandem_list:
            for m in tandem.members:
                coach_map.setdefault(m.coach.id, m.coach)
        self.__attrs_init__(  # type: ignore[attr-defined]  # attrs generates it when __init__ is custom
            programme, EventLog() if store is None else store, coach_map,
            {td.id: td for td in tandem_list}, {o.id: o.name for o in organisations},
            dict(guards or {}), discipline, None if max_wait is None else parse_duration(max_wait),
            auto_admit, id_factory or _default_ids,
        )
        unknown = sorted(programme.guard_names - BUILTIN_GUARDS - set(self._user_guards))
        if unknown:
            raise ValidationError(
                f"programme {programme.id!r} names guards the engine does not know",
                [Problem(f"guard {name!r}", "not built in and not passed in guards=") for name in unknown],
            )
        self._phases = {p.id: p for p in programme.phases}
        self._plain = {p.id: _plain_phase(p) for p in programme.phases}
        self._entry = self._phases[programme.entry]
        self._limited_stay = programme.max_duration is not None
        self._edges = {}
        exits: dict[str, list[str]] = {}
        for t in programme.transitions:
            target = self._phases[t.target]
            assessed, agreement = "assessed" in t.guards, "agreement" in t.guards
            user = tuple(g for g in t.guards if g in self._user_guards)
            self._edges[(t.source, t.target)] = _Edge(
                target, assessed, agreement, user,
                self._plain[target.id] and not assessed and not agreement and not user,
            )
            if target.terminal:
                exits.setdefault(t.source, []).append(t.target)
        self._exit_edges = {k: self._edges[(k, v[0])] for k, v in exits.items()}
        by_coach: dict[str, list[str]] = {}
        for td in tandem_list:
            for cid in td.coach_ids:
                by_coach.setdefault(cid, []).append(td.id)
        self._coach_tandems = {k: tuple(v) for k, v in by_coach.items()}
        self._total = programme.capacity.total
        self._plus_cache = {}
        self._max_ends = {}
        self._load()

    # -- loading ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self._states = {}
        self._books = Books()
        self._waiting = {}
        self._wait_keys = {}
        self._heap = []
        self._seq = 0
        self._clock = date.min
        self._freed = False

    def _load(self) -> None:
        self._reset()
        self._apply(self._store.events(), {})

    def refresh(self) -> None:
        """Reload every participant's state from the store (after another writer appended).

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> from langzeit.events import EventLog, Referred
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> log = EventLog()
            >>> engine = PathwayEngine(prog, store=log)
            >>> _ = log.append(Referred("x-1", "x", date(2024, 1, 2), programme_id="d"))
            >>> engine.refresh()
            >>> engine.state("x").status
            <Status.REFERRED: 'referred'>
        """
        self._load()

    def _reload(self, participant_ids: Iterable[str]) -> None:
        for pid in participant_ids:
            old = self._states.get(pid)
            fresh = StateBuilder(pid)
            for event in self._store.events(participant_id=pid):
                fresh.apply(event)
            old_key: Key = state_key(old) if old is not None else (Status.REFERRED, None, None, None)
            if fresh.version:
                self._states[pid] = fresh
                self._account(pid, old_key, fresh, self._clock)
            else:
                self._states.pop(pid, None)
                if old is not None and _occupying(old.status):
                    self._books.count(old_key, -1)
                self._waiting.pop(pid, None)

    # -- the fold and the books ------------------------------------------------------------

    def _apply(self, events: Iterable[Event], touched: dict[str, int]) -> None:
        """Fold ``events`` into the states and the books; note first versions in ``touched``."""
        states = self._states
        for event in events:
            pid = event.participant_id
            b = states.get(pid)
            if b is None:
                b = states[pid] = StateBuilder(pid)
                if pid not in touched:
                    touched[pid] = 0
            elif pid not in touched:
                touched[pid] = b.version
            status, phase, coach, tandem = b.status, b.phase_id, b.coach_id, b.tandem_id  # state_key
            b.apply(event)
            if (b.status is not status or b.phase_id != phase or b.coach_id != coach
                    or b.tandem_id != tandem):
                self._account(pid, (status, phase, coach, tandem), b, event.date)

    def _account(self, pid: str, old: Key, b: StateBuilder, day: date) -> None:
        old_status, status = old[0], b.status
        old_occ = old_status is _ACTIVE or old_status is _PAUSED  # _occupying, inlined
        new_occ = status is _ACTIVE or status is _PAUSED
        if old_occ or new_occ:
            self._books.move(old if old_occ else None,
                             (status, b.phase_id, b.coach_id, b.tandem_id) if new_occ else None)
            if old_occ and (not new_occ or old[1] != b.phase_id):
                self._freed = True
            if day > self._clock:
                self._clock = day
        if old_status is _WAITLISTED:
            if status is not _WAITLISTED:
                self._waiting.pop(pid, None)
        elif status is _WAITLISTED:
            self._enqueue(pid, b)

    def _enqueue(self, pid: str, b: StateBuilder) -> None:
        assert b.waitlisted is not None
        day = b.waitlisted.toordinal()
        key = self._wait_keys.get(pid)
        if key is None or key[-2] != day:
            self._seq += 1
            key = (
                (-b.waitlist_priority, day, self._seq) if self.discipline == "priority"
                else (day, self._seq)
            )
            self._wait_keys[pid] = key
        self._waiting[pid] = key
        heapq.heappush(self._heap, (*key, pid))  # flat: cheaper to compare than (key, pid)

    def _plus(self, day: date, duration: relativedelta) -> date:
        key = (day, id(duration))
        out = self._plus_cache.get(key)
        if out is None:
            out = self._plus_cache[key] = day + duration
        return out

    # -- executing -------------------------------------------------------------------------

    def check(self, command: Command) -> tuple[GuardFailure, ...]:
        """The guards ``command`` would fail, without executing it (empty: it would pass).

        An :class:`Admit` that would put the participant on the waiting list passes.

        Args:
            command: the command.

        Returns:
            Every failed guard with its reason.

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> PathwayEngine(prog).check(Admit("p1", date(2024, 1, 8)))[0].reason
            "participant 'p1' has not been referred to D"
        """
        try:
            handler = _HANDLERS[type(command)]
        except KeyError:
            raise TypeError(f"not an engine command: {command!r}") from None
        failures: list[GuardFailure] = []
        handler(self, command, failures)
        return tuple(failures)

    def execute(self, command: Command) -> tuple[Event, ...]:
        """Check ``command``'s guards and, if all pass, append its events to the store.

        When the command frees a place and ``auto_admit`` is on, the next participants
        on the waiting list are admitted in the same batch (dated the same day).

        Args:
            command: the command.

        Returns:
            The events appended, in order.

        Raises:
            TransitionRefused: a guard failed (all failures listed); nothing was written.
            CapacityExceeded: only places or caseload are missing; nothing was written.
            ConcurrencyConflict: another writer appended to a participant's stream
                meanwhile; nothing was written and the engine reloaded that
                participant's state from the store (retry the command).

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> [e.event_id for e in PathwayEngine(prog).execute(Refer("p1", date(2024, 1, 8)))]
            ['p1-1']
        """
        try:
            handler = _HANDLERS[type(command)]
        except KeyError:
            raise TypeError(f"not an engine command: {command!r}") from None
        failures: list[GuardFailure] = []
        events = handler(self, command, failures)
        if failures:
            raise _refusal(command, failures)
        touched: dict[str, int] = {}
        self._freed = False
        try:
            self._apply(events, touched)
            if self._freed and self.auto_admit and self._waiting and self._room():
                self._fill(command.date, touched, events)
            self._store.extend(events, expected_versions=touched)
        except BaseException:
            self._reload(touched)
            raise
        return tuple(events)

    def _fill(self, day: date, touched: dict[str, int], events: list[Event],
              limit: int | None = None) -> None:
        day = max(day, self._clock)
        skipped: list[tuple[Any, ...]] = []
        heap = self._heap
        waiting = self._waiting
        admitted = 0
        while heap and self._room() and (limit is None or admitted < limit):
            item = heapq.heappop(heap)
            pid = item[-1]
            key = waiting.get(pid)
            if key is None or key[-1] != item[-2]:  # stale: admitted, reneged or listed anew since
                continue
            failures: list[GuardFailure] = []
            new = self._do_admit(Admit(pid, day, waitlist=False), failures)
            if failures:
                skipped.append(item)
                continue
            self._apply(new, touched)
            events.extend(new)
            admitted += 1
        for item in skipped:
            heapq.heappush(heap, item)

    def _room(self) -> bool:
        """Whether a place is free in the programme and in its entry phase."""
        books = self._books
        if self._total is not None and books.occupied >= self._total:
            return False
        entry = self._entry
        places = entry.places
        return places is None or books.phase.get(entry.id, 0) < places

    def admit_from_waiting_list(self, day: date, *, limit: int | None = None) -> tuple[Event, ...]:
        """Admit participants from the waiting list while places are free.

        Use it with ``auto_admit=False`` (e.g. cohorts starting on fixed days), or to
        fill places added later.

        Args:
            day: the admission day.
            limit: admit at most this many.

        Returns:
            The events appended.

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False)
            >>> engine = PathwayEngine(prog)
            >>> _ = engine.refer("p1", date(2024, 1, 8)); _ = engine.waitlist("p1", date(2024, 1, 8))
            >>> [e.type for e in engine.admit_from_waiting_list(date(2024, 3, 1))]
            ['admitted', 'phase_entered']
        """
        touched: dict[str, int] = {}
        events: list[Event] = []
        try:
            self._fill(day, touched, events, limit)
            if events:
                self._store.extend(events, expected_versions=touched)
        except BaseException:
            self._reload(touched)
            raise
        return tuple(events)

    def renege_overdue(self, as_of: date) -> tuple[Event, ...]:
        """Take everyone off the waiting list whose wait reached ``max_wait`` by ``as_of``.

        Each :class:`~langzeit.events.Reneged` event is dated the day the maximum wait
        was reached (or the participant's last event, if later).

        Args:
            as_of: the day of the check.

        Returns:
            The events appended (none when ``max_wait`` is None).

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition, Capacity
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False,
            ...                  capacity=Capacity(places=1))
            >>> engine = PathwayEngine(prog, max_wait="3 months")
            >>> for pid in ("p1", "p2"):
            ...     _ = engine.refer(pid, date(2024, 1, 8)); _ = engine.admit(pid, date(2024, 1, 8))
            >>> [(e.participant_id, e.date) for e in engine.renege_overdue(date(2024, 6, 1))]
            [('p2', datetime.date(2024, 4, 8))]
        """
        if self.max_wait is None:
            return ()
        out: list[Event] = []
        for pid in sorted(self._waiting, key=self._waiting.__getitem__):
            b = self._states[pid]
            assert b.waitlisted is not None
            assert b.last_event is not None
            deadline = self._plus(b.waitlisted, self.max_wait)
            if deadline <= as_of:
                out.extend(self.execute(Renege(pid, max(deadline, b.last_event))))
        return tuple(out)

    # -- guards ----------------------------------------------------------------------------

    def _participant(self, cmd: Command, fail: list[GuardFailure]) -> StateBuilder | None:
        b = self._states.get(cmd.participant_id)
        if b is None:
            fail.append(GuardFailure("known", f"participant {cmd.participant_id!r} has not been "
                                              f"referred to {self.programme.name}"))
            return None
        last = b.last_event
        if last is not None and cmd.date < last:
            fail.append(GuardFailure(
                "chronology", f"dated {cmd.date.isoformat()}, before the participant's last event "
                              f"on {last.isoformat()}"))
        return b

    def _not_before_clock(self, cmd: Command, b: StateBuilder, fail: list[GuardFailure]) -> None:
        if cmd.date < self._clock and (b.last_event is None or cmd.date >= b.last_event):
            fail.append(GuardFailure(
                "chronology", f"dated {cmd.date.isoformat()}, before the last change of places or "
                              f"caseloads on {self._clock.isoformat()}"))

    def _holding_place(self, cmd: Command, fail: list[GuardFailure]) -> StateBuilder | None:
        """The participant if known and holding a place (active or paused), else None."""
        b = self._participant(cmd, fail)
        if b is not None and not _occupying(b.status):
            fail.append(self._not_admitted(b))
            return None
        return b

    @staticmethod
    def _status_failure(b: StateBuilder, what: str) -> GuardFailure:
        return GuardFailure("status", f"cannot {what} participant {b.participant_id!r} "
                                      f"with status {b.status.value!r}")

    @staticmethod
    def _not_admitted(b: StateBuilder) -> GuardFailure:
        return GuardFailure("admitted", f"participant {b.participant_id!r} is not admitted "
                                        f"(status: {b.status.value})")

    def _org(self, org_id: str) -> str:
        return self._org_names.get(org_id, org_id)

    @staticmethod
    def _has_consent(b: StateBuilder, purposes: Sequence[ConsentPurpose], recipient: str) -> bool:
        return any(c.recipient == recipient and c.purpose in purposes for c in b.consents.values())

    def _max_end(self, b: StateBuilder) -> date | None:
        if b.extended_until is not None:
            return b.extended_until
        limit = self.programme.max_duration
        if limit is None or b.admitted is None:
            return None
        end = self._max_ends.get(b.admitted)  # keyed by the day alone: dates cache their hash
        if end is None:
            end = self._max_ends[b.admitted] = b.admitted + limit
        return end

    def _phase_guards(self, b: StateBuilder, cmd: Command, target: Phase, edge: _Edge | None,
                      fail: list[GuardFailure], *, entering: bool) -> None:
        plain = self._plain[target.id] if edge is None else edge.plain
        if not plain:  # precomputed: most edges need no consent, assessment or agreement
            for org in target.data_exchange_with:
                if not self._has_consent(b, (_DATA,), org):
                    fail.append(GuardFailure("consent",
                                             f"no consent for data exchange with {self._org(org)}"))
            if (target.requires_assessment or (edge is not None and edge.assessed)) and b.assessed is None:
                fail.append(GuardFailure("assessed", f"phase {target.id!r} requires an assessment "
                                                     f"(Potenzialanalyse); none recorded"))
            if edge is not None and edge.agreement and b.agreed is None:
                fail.append(GuardFailure(
                    "agreement", f"participant {b.participant_id!r} has not agreed to take part"))
        if entering:
            if self._limited_stay or b.extended_until is not None:
                end = self._max_end(b)
                if end is not None and cmd.date > end:
                    fail.append(GuardFailure("max_duration", f"the maximum stay ended on {end.isoformat()}; "
                                                             f"extend the stay first"))
            places = target.places
            if places is not None and self._books.phase.get(target.id, 0) >= places:
                fail.append(GuardFailure("capacity", f"all {places} places in phase {target.id!r} are taken"))
        if not plain and edge is not None and edge.user:
            state = b.freeze()
            for name in edge.user:
                reason = self._user_guards[name](state, cmd)
                if reason:
                    fail.append(GuardFailure(name, reason))

    def _admission_guards(self, b: StateBuilder, cmd: Command, fail: list[GuardFailure]) -> None:
        if self.programme.voluntary and b.agreed is None:
            fail.append(GuardFailure(
                "agreement", f"{self.programme.name} is voluntary: participant {b.participant_id!r} "
                             f"has not agreed to take part"))
        if not self._plain[self._entry.id]:  # a plain entry phase needs no consent or assessment
            self._phase_guards(b, cmd, self._entry, None, fail, entering=False)

    def _room_failures(self) -> list[GuardFailure]:
        out = []
        total = self._total
        if total is not None and self._books.occupied >= total:
            out.append(GuardFailure("capacity", f"all {total} places of {self.programme.name} are taken"))
        entry = self._phases[self.programme.entry]
        if entry.places is not None and self._books.phase.get(entry.id, 0) >= entry.places:
            out.append(GuardFailure("capacity", f"all {entry.places} places in phase {entry.id!r} are taken"))
        return out

    def _caseload_guard(self, coach: Coach, b: StateBuilder, fail: list[GuardFailure], *,
                        tandem: str = "") -> None:
        load = self._coach_load(coach.id, b)
        if load >= coach.max_cases:
            who = f"coach {coach.id!r}" + (f" of tandem {tandem!r}" if tandem else "")
            fail.append(GuardFailure(
                "caseload", f"{who} already holds {load} of {coach.max_cases} cases "
                            f"(Betreuungsschlüssel 1:{coach.caseload_limit} at {coach.fte:g} FTE)"))

    def _coach_load(self, coach_id: str, b: StateBuilder) -> int:
        books = self._books
        load = books.coach.get(coach_id, 0) - (b.coach_id == coach_id)
        for tid in self._coach_tandems.get(coach_id, ()):
            load += books.tandem.get(tid, 0) - (b.tandem_id == tid)
        return load

    # -- command handlers: compute events without changing anything ---------------------------

    def _do_refer(self, cmd: Refer, fail: list[GuardFailure]) -> list[Event]:
        pid = cmd.participant_id
        b = self._states.get(pid)
        if b is not None:
            fail.append(GuardFailure("known", f"participant {pid!r} is already known to "
                                              f"{self.programme.name} (status: {b.status.value})"))
            return []
        return [Referred(self._ids(pid, 1), pid, cmd.date, programme_id=self.programme.id,
                         referrer=cmd.referrer)]

    def _do_assess(self, cmd: Assess, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status.is_final:
            fail.append(self._status_failure(b, "assess"))
        return [Assessed(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                         kind=cmd.kind, result=cmd.result)]

    def _do_record_consent(self, cmd: RecordConsent, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        purpose = ConsentPurpose(cmd.purpose)
        cid = cmd.consent_id or f"{purpose.value}:{cmd.recipient}"
        if cid in b.consents:
            fail.append(GuardFailure("consent", f"consent {cid!r} is already in force"))
        return [ConsentGiven(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                             consent_id=cid, purpose=purpose, recipient=cmd.recipient)]

    def _do_withdraw_consent(self, cmd: WithdrawConsent, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if cmd.consent_id:
            ids = [cmd.consent_id] if cmd.consent_id in b.consents else []
            what = f"consent {cmd.consent_id!r}"
        else:
            purpose = ConsentPurpose(cmd.purpose)
            ids = sorted(k for k, c in b.consents.items()
                         if c.recipient == cmd.recipient and c.purpose == purpose)
            what = f"consent for {purpose.value.replace('_', ' ')} with {self._org(cmd.recipient)}"
        if not ids:
            fail.append(GuardFailure("consent", f"no {what} in force"))
        v = b.version
        return [ConsentWithdrawn(self._ids(b.participant_id, v + i), b.participant_id, cmd.date,
                                 consent_id=cid) for i, cid in enumerate(ids, 1)]

    def _do_agree(self, cmd: AgreeParticipation, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _REFERRED and b.status is not _WAITLISTED:
            fail.append(self._status_failure(b, "record the agreement of"))
        elif b.agreed is not None:
            fail.append(GuardFailure("agreement", f"participant {b.participant_id!r} agreed already "
                                                  f"on {b.agreed.isoformat()}"))
        return [ParticipationAgreed(self._ids(b.participant_id, b.version + 1), b.participant_id,
                                    cmd.date)]

    def _do_decline(self, cmd: Decline, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _REFERRED and b.status is not _WAITLISTED:
            fail.append(self._status_failure(b, "record the refusal of"))
        return [Declined(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                         reason=cmd.reason)]

    def _do_admit(self, cmd: Admit, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        status = b.status
        if status is not _REFERRED and status is not _WAITLISTED:
            fail.append(self._status_failure(b, "admit"))
            return []
        self._admission_guards(b, cmd, fail)
        if cmd.date < self._clock:
            self._not_before_clock(cmd, b, fail)
        pid = b.participant_id
        v = b.version
        if not self._room():  # the reasons are only spelt out when there is no room
            if not fail and cmd.waitlist and status is _REFERRED:
                return [Waitlisted(self._ids(pid, v + 1), pid, cmd.date, priority=cmd.priority)]
            fail.extend(self._room_failures())
            return []
        return [Admitted(self._ids(pid, v + 1), pid, cmd.date),
                PhaseEntered(self._ids(pid, v + 2), pid, cmd.date, phase_id=self._entry.id)]

    def _do_waitlist(self, cmd: Waitlist, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _REFERRED:
            fail.append(self._status_failure(b, "waitlist"))
            return []
        self._admission_guards(b, cmd, fail)
        return [Waitlisted(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                           priority=cmd.priority)]

    def _do_renege(self, cmd: Renege, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _WAITLISTED:
            fail.append(self._status_failure(b, "take off the waiting list"))
        return [Reneged(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                        reason=cmd.reason)]

    def _do_enter_phase(self, cmd: EnterPhase, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _ACTIVE:
            fail.append(GuardFailure("status", f"participant {b.participant_id!r} is paused since "
                                               f"{b.paused_since}; resume first")
                        if b.status is _PAUSED else self._not_admitted(b))
            return []
        target = self._phases.get(cmd.phase_id)
        if target is None:
            fail.append(GuardFailure("edge", f"{self.programme.name} has no phase {cmd.phase_id!r}"))
            return []
        if target.terminal:
            fail.append(GuardFailure("edge", f"phase {target.id!r} is an exit phase; use exit() with "
                                             f"a reason and an outcome"))
            return []
        edge = self._edges.get((b.phase_id, cmd.phase_id))  # type: ignore[arg-type]
        if edge is None:
            fail.append(GuardFailure("edge", f"no transition from phase {b.phase_id!r} to "
                                             f"{cmd.phase_id!r} in {self.programme.name}"))
        self._phase_guards(b, cmd, target, edge, fail, entering=True)
        if cmd.date < self._clock:
            self._not_before_clock(cmd, b, fail)
        return [PhaseEntered(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                             phase_id=cmd.phase_id)]

    def _do_extend(self, cmd: Extend, fail: list[GuardFailure]) -> list[Event]:
        b = self._holding_place(cmd, fail)
        if b is None:
            return []
        rule = self.programme.extension
        if rule is None or rule.max_extensions == 0:
            fail.append(GuardFailure("extension", f"{self.programme.name} allows no extensions"))
            return []
        if b.extensions >= rule.max_extensions:
            fail.append(GuardFailure("extension", f"all {rule.max_extensions} extensions allowed "
                                                  f"are used"))
        base = self._max_end(b)
        if base is None:
            planned = self.programme.planned_duration
            assert b.admitted is not None
            base = self._plus(b.admitted, planned) if planned is not None else None
        if base is None:
            fail.append(GuardFailure("extension", f"{self.programme.name} has no maximum or planned "
                                                  f"stay to extend"))
            return []
        return [Extended(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                         until=self._plus(base, rule.length), reason=cmd.reason)]

    def _do_pause(self, cmd: Pause, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _ACTIVE:
            fail.append(self._status_failure(b, "pause") if b.status is _PAUSED else self._not_admitted(b))
        return [Paused(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                       reason=cmd.reason)]

    def _do_resume(self, cmd: Resume, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _PAUSED:
            fail.append(self._status_failure(b, "resume"))
        return [Resumed(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date)]

    def _do_assign_coach(self, cmd: AssignCoach, fail: list[GuardFailure]) -> list[Event]:
        b = self._holding_place(cmd, fail)
        if b is None:
            return []
        coach = self._coaches.get(cmd.coach_id)
        if coach is None:
            fail.append(GuardFailure("known", f"coach {cmd.coach_id!r} is not registered with the engine"))
            return []
        if b.coach_id == coach.id:
            fail.append(GuardFailure("status", f"coach {coach.id!r} already has the case"))
        self._caseload_guard(coach, b, fail)
        if cmd.date < self._clock:
            self._not_before_clock(cmd, b, fail)
        return [CoachAssigned(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                              coach_id=coach.id)]

    def _do_assign_tandem(self, cmd: AssignTandem, fail: list[GuardFailure]) -> list[Event]:
        b = self._holding_place(cmd, fail)
        if b is None:
            return []
        tandem = self._tandems.get(cmd.tandem_id)
        if tandem is None:
            fail.append(GuardFailure("known", f"tandem {cmd.tandem_id!r} is not registered with the engine"))
            return []
        if b.tandem_id == tandem.id:
            fail.append(GuardFailure("status", f"tandem {tandem.id!r} already has the case"))
        load = self._books.tandem.get(tandem.id, 0) - (b.tandem_id == tandem.id)
        if load >= tandem.max_cases:
            fail.append(GuardFailure(
                "caseload", f"tandem {tandem.id!r} already holds {load} of {tandem.max_cases} cases"))
        for member in tandem.members:
            self._caseload_guard(member.coach, b, fail, tandem=tandem.id)
        if cmd.date < self._clock:
            self._not_before_clock(cmd, b, fail)
        return [TandemAssigned(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                               tandem_id=tandem.id)]

    def _do_agree_plan(self, cmd: AgreePlan, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status.is_final:
            fail.append(self._status_failure(b, "agree a cooperation plan with"))
        latest = self._plus(cmd.date, PLAN_REVIEW_INTERVAL)
        review = cmd.review or latest
        if review < cmd.date or review > latest:
            fail.append(GuardFailure("plan", f"review on {review.isoformat()} is not within six months "
                                             f"of {cmd.date.isoformat()} (§ 15 Abs. 3 SGB II)"))
        return [PlanAgreed(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                           goal=cmd.goal, review=review)]

    def _do_agree_step(self, cmd: AgreePlanStep, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status.is_final:
            fail.append(self._status_failure(b, "agree a plan step with"))
        if b.plan_review is None:
            fail.append(GuardFailure("plan", f"no cooperation plan agreed with {b.participant_id!r}"))
        if cmd.step_id in b.open_steps or cmd.step_id in b.achieved_steps:
            fail.append(GuardFailure("plan", f"plan step {cmd.step_id!r} was agreed before"))
        return [PlanStepAgreed(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                               step_id=cmd.step_id, description=cmd.description,
                               responsible=cmd.responsible, due=cmd.due)]

    def _do_achieve_step(self, cmd: AchievePlanStep, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if cmd.step_id not in b.open_steps:
            fail.append(GuardFailure("plan", f"plan step {cmd.step_id!r} is not open"))
        return [PlanStepAchieved(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                                 step_id=cmd.step_id)]

    def _do_score(self, cmd: ScoreScale, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        shape = _SCALES.get(cmd.scale)
        if shape is not None:
            n, low, high = shape
            if len(cmd.items) != n:
                fail.append(GuardFailure("scale", f"{cmd.scale} has {n} items, got {len(cmd.items)}"))
            bad = [i for i in cmd.items if i is not None and not low <= i <= high]
            if bad:
                fail.append(GuardFailure("scale", f"{cmd.scale} items range {low}–{high}, got {bad}"))
        return [ScaleScored(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                            scale=cmd.scale, items=tuple(cmd.items))]

    def _do_refer_actor(self, cmd: ReferToActor, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        in_aftercare = b.aftercare_started is not None and b.aftercare_ended is None
        if b.status.is_final and not in_aftercare:
            fail.append(self._status_failure(b, "refer to an actor"))
        if cmd.shares_data and not self._has_consent(
                b, (ConsentPurpose.REFERRAL, _DATA), cmd.actor_id):
            fail.append(GuardFailure("consent", f"no consent for a referral with data to "
                                                f"{self._org(cmd.actor_id)}"))
        return [ActorReferred(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                              actor_id=cmd.actor_id, service_id=cmd.service_id, need=cmd.need)]

    def _do_exit(self, cmd: Exit, fail: list[GuardFailure]) -> list[Event]:
        b = self._holding_place(cmd, fail)
        if b is None:
            return []
        current = b.phase_id or ""
        edge: _Edge | None
        if cmd.phase_id is None:
            edge = self._exit_edges.get(current)
            if edge is None:
                fail.append(GuardFailure("edge", f"no transition from phase {current!r} to an exit "
                                                 f"phase in {self.programme.name}"))
                return []
            target_id = edge.target.id
        else:
            target_id = cmd.phase_id
            target = self._phases.get(target_id)
            if target is None or not target.terminal:
                fail.append(GuardFailure("edge", f"{target_id!r} is not an exit phase of "
                                                 f"{self.programme.name}"))
                return []
            edge = self._edges.get((current, target_id))
            if edge is None:
                fail.append(GuardFailure("edge", f"no transition from phase {current!r} to "
                                                 f"{target_id!r} in {self.programme.name}"))
                return []
        if not edge.plain:
            self._phase_guards(b, cmd, edge.target, edge, fail, entering=False)
        pid = b.participant_id
        v = b.version
        return [PhaseEntered(self._ids(pid, v + 1), pid, cmd.date, phase_id=target_id),
                Exited(self._ids(pid, v + 2), pid, cmd.date, reason=cmd.reason, outcome=cmd.outcome)]

    def _do_start_aftercare(self, cmd: StartAftercare, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if self.programme.aftercare is None:
            fail.append(GuardFailure("aftercare", f"{self.programme.name} offers no aftercare"))
        if b.admitted is None or b.status not in (_ACTIVE, _PAUSED, _EXITED):
            fail.append(self._not_admitted(b))
        elif b.aftercare_started is not None:
            fail.append(GuardFailure("aftercare", f"aftercare started already on "
                                                  f"{b.aftercare_started.isoformat()}"))
        return [AftercareStarted(self._ids(b.participant_id, b.version + 1), b.participant_id,
                                 cmd.date)]

    def _do_end_aftercare(self, cmd: EndAftercare, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.aftercare_started is None or b.aftercare_ended is not None:
            fail.append(GuardFailure("aftercare", f"participant {b.participant_id!r} is not in aftercare"))
        return [AftercareEnded(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date)]

    def _do_follow_up(self, cmd: RecordFollowUp, fail: list[GuardFailure]) -> list[Event]:
        b = self._participant(cmd, fail)
        if b is None:
            return []
        if b.status is not _EXITED:
            fail.append(GuardFailure("status", f"participant {b.participant_id!r} has not exited "
                                               f"(status: {b.status.value})"))
        if b.follow_ups and any(m == cmd.months_after_exit for m, _ in b.follow_ups):
            fail.append(GuardFailure("follow_up", f"the {cmd.months_after_exit}-month follow-up is "
                                                  f"recorded already"))
        return [FollowUp(self._ids(b.participant_id, b.version + 1), b.participant_id, cmd.date,
                         months_after_exit=cmd.months_after_exit, status=cmd.status,
                         receives_benefit=cmd.receives_benefit)]

    # -- convenience methods -----------------------------------------------------------------

    def refer(self, participant_id: str, day: date, *, referrer: str = "jobcenter") -> tuple[Event, ...]:
        """Execute :class:`Refer`.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> PathwayEngine(prog).refer("p1", date(2024, 1, 8))[0].programme_id
            'd'
        """
        return self.execute(Refer(participant_id, day, referrer))

    def assess(self, participant_id: str, day: date, *, kind: str = "potenzialanalyse",
               result: str = "") -> tuple[Event, ...]:
        """Execute :class:`Assess`."""
        return self.execute(Assess(participant_id, day, kind, result))

    def record_consent(self, participant_id: str, day: date, recipient: str, *,
                       purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE,
                       consent_id: str = "") -> tuple[Event, ...]:
        """Execute :class:`RecordConsent`."""
        return self.execute(RecordConsent(participant_id, day, recipient, purpose, consent_id))

    def withdraw_consent(self, participant_id: str, day: date, recipient: str = "", *,
                         purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE,
                         consent_id: str = "") -> tuple[Event, ...]:
        """Execute :class:`WithdrawConsent`."""
        return self.execute(WithdrawConsent(participant_id, day, recipient, purpose, consent_id))

    def agree(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`AgreeParticipation`."""
        return self.execute(AgreeParticipation(participant_id, day))

    def decline(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Decline`."""
        return self.execute(Decline(participant_id, day, reason))

    def admit(self, participant_id: str, day: date, *, priority: int = 0,
              waitlist: bool = True) -> tuple[Event, ...]:
        """Execute :class:`Admit` (waiting list when full unless ``waitlist=False``)."""
        return self.execute(Admit(participant_id, day, priority, waitlist))

    def waitlist(self, participant_id: str, day: date, *, priority: int = 0) -> tuple[Event, ...]:
        """Execute :class:`Waitlist`."""
        return self.execute(Waitlist(participant_id, day, priority))

    def renege(self, participant_id: str, day: date, *, reason: str = "max_wait") -> tuple[Event, ...]:
        """Execute :class:`Renege`."""
        return self.execute(Renege(participant_id, day, reason))

    def enter_phase(self, participant_id: str, day: date, phase_id: str) -> tuple[Event, ...]:
        """Execute :class:`EnterPhase`."""
        return self.execute(EnterPhase(participant_id, day, phase_id))

    def extend(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Extend`."""
        return self.execute(Extend(participant_id, day, reason))

    def pause(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Pause`."""
        return self.execute(Pause(participant_id, day, reason))

    def resume(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`Resume`."""
        return self.execute(Resume(participant_id, day))

    def assign_coach(self, participant_id: str, day: date, coach_id: str) -> tuple[Event, ...]:
        """Execute :class:`AssignCoach`."""
        return self.execute(AssignCoach(participant_id, day, coach_id))

    def assign_tandem(self, participant_id: str, day: date, tandem_id: str) -> tuple[Event, ...]:
        """Execute :class:`AssignTandem`."""
        return self.execute(AssignTandem(participant_id, day, tandem_id))

    def agree_plan(self, participant_id: str, day: date, goal: str, *,
                   review: date | None = None) -> tuple[Event, ...]:
        """Execute :class:`AgreePlan`."""
        return self.execute(AgreePlan(participant_id, day, goal, review))

    def agree_plan_step(self, participant_id: str, day: date, step_id: str, *, description: str = "",
                        responsible: str = "participant", due: date | None = None) -> tuple[Event, ...]:
        """Execute :class:`AgreePlanStep`."""
        return self.execute(AgreePlanStep(participant_id, day, step_id, description, responsible, due))

    def achieve_plan_step(self, participant_id: str, day: date, step_id: str) -> tuple[Event, ...]:
        """Execute :class:`AchievePlanStep`."""
        return self.execute(AchievePlanStep(participant_id, day, step_id))

    def score_scale(self, participant_id: str, day: date, scale: str,
                    items: Sequence[int | None]) -> tuple[Event, ...]:
        """Execute :class:`ScoreScale`."""
        return self.execute(ScoreScale(participant_id, day, scale, tuple(items)))

    def refer_to_actor(self, participant_id: str, day: date, actor_id: str, *, service_id: str = "",
                       need: str = "", shares_data: bool = False) -> tuple[Event, ...]:
        """Execute :class:`ReferToActor`."""
        return self.execute(ReferToActor(participant_id, day, actor_id, service_id, need, shares_data))

    def exit(self, participant_id: str, day: date, reason: ExitReason | str,
             outcome: OutcomeKind | str = OutcomeKind.NONE, *,
             phase_id: str | None = None) -> tuple[Event, ...]:
        """Execute :class:`Exit`."""
        return self.execute(Exit(participant_id, day, ExitReason(reason), OutcomeKind(outcome), phase_id))

    def start_aftercare(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`StartAftercare`."""
        return self.execute(StartAftercare(participant_id, day))

    def end_aftercare(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`EndAftercare`."""
        return self.execute(EndAftercare(participant_id, day))

    def record_follow_up(self, participant_id: str, day: date, months_after_exit: int,
                         status: OutcomeKind | str, *,
                         receives_benefit: bool | None = None) -> tuple[Event, ...]:
        """Execute :class:`RecordFollowUp`."""
        return self.execute(RecordFollowUp(participant_id, day, months_after_exit, OutcomeKind(status),
                                           receives_benefit))

    # -- queries ---------------------------------------------------------------------------

    @property
    def store(self) -> EventStore:
        """The event store the engine appends to."""
        return self._store

    @property
    def clock(self) -> date | None:
        """The day of the last change of places or caseloads (None before any)."""
        return None if self._clock == date.min else self._clock

    @property
    def participant_ids(self) -> tuple[str, ...]:
        """Ids of every participant known to the engine, in order of their first event."""
        return tuple(self._states)

    def __contains__(self, participant_id: object) -> bool:
        return participant_id in self._states

    def __len__(self) -> int:
        return len(self._states)

    def state(self, participant_id: str, *, as_of: date | None = None) -> ParticipantState:
        """A participant's state, now or at the end of day ``as_of`` (replayed from the store).

        Raises:
            UnknownNameError: the participant has no events (up to ``as_of``).

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> engine = PathwayEngine(prog)
            >>> _ = engine.refer("p1", date(2024, 1, 8))
            >>> engine.state("p1").status
            <Status.REFERRED: 'referred'>
        """
        if as_of is None:
            b = self._states.get(participant_id)
            if b is None:
                raise UnknownNameError("participant", participant_id)
            return b.freeze()
        states = replay(self._store.events(participant_id=participant_id), as_of=as_of)
        if participant_id not in states:
            raise UnknownNameError("participant", participant_id)
        return states[participant_id]

    def states(self, *, as_of: date | None = None) -> dict[str, ParticipantState]:
        """Every participant's state, now or at the end of day ``as_of``.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> engine = PathwayEngine(prog)
            >>> _ = engine.refer("p1", date(2024, 1, 8))
            >>> engine.states() == replay(engine.store.events())
            True
        """
        if as_of is None:
            return {pid: b.freeze() for pid, b in self._states.items()}
        return replay(self._store.events(until=as_of), as_of=as_of)

    def _books_at(self, as_of: date | None) -> tuple[Books, int]:
        if as_of is None:
            return self._books, len(self._waiting)
        states = replay(self._store.events(until=as_of), as_of=as_of).values()
        waiting = sum(1 for s in states if s.status is _WAITLISTED)
        return Books.from_states(states), waiting

    def occupancy(self, *, as_of: date | None = None) -> Occupancy:
        """Places taken in the programme and per phase, now or at the end of day ``as_of``.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition, Capacity
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False,
            ...                  capacity=Capacity(places=5))
            >>> engine = PathwayEngine(prog)
            >>> _ = engine.refer("p1", date(2024, 1, 8)); _ = engine.admit("p1", date(2024, 2, 1))
            >>> engine.occupancy().free, engine.occupancy(as_of=date(2024, 1, 31)).occupied
            (4, 0)
        """
        books, waiting = self._books_at(as_of)
        phases = tuple((p.id, books.phase.get(p.id, 0), p.places)
                       for p in self.programme.phases if not p.terminal)
        return Occupancy(as_of, books.occupied, self._total, waiting, phases)

    def caseload(self, *, as_of: date | None = None) -> CaseloadTable:
        """Cases per registered coach (tandem cases included) and per tandem.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition, Coach
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False)
            >>> engine = PathwayEngine(prog, coaches=[Coach("c1", role="fallmanager",
            ...                        organisation_id="jc", caseload_limit=60, fte=0.5)])
            >>> _ = engine.refer("p1", date(2024, 1, 8)); _ = engine.admit("p1", date(2024, 2, 1))
            >>> _ = engine.assign_coach("p1", date(2024, 2, 1), "c1")
            >>> engine.caseload().of("c1")
            CaseloadRow(kind='coach', id='c1', cases=1, limit=30)
        """
        books, _ = self._books_at(as_of)
        rows = []
        for cid, coach in self._coaches.items():
            load = books.coach.get(cid, 0) + sum(books.tandem.get(t, 0)
                                                  for t in self._coach_tandems.get(cid, ()))
            rows.append(CaseloadRow("coach", cid, load, coach.max_cases))
        for tid, tandem in self._tandems.items():
            rows.append(CaseloadRow("tandem", tid, books.tandem.get(tid, 0), tandem.max_cases))
        return CaseloadTable(as_of, tuple(rows))

    def waiting_list(self, *, as_of: date | None = None) -> WaitingList:
        """The waiting list in serving order, now or at the end of day ``as_of``.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition, Capacity
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False,
            ...                  capacity=Capacity(places=1))
            >>> engine = PathwayEngine(prog, discipline="priority")
            >>> for pid, prio in (("p1", 0), ("p2", 0), ("p3", 2)):
            ...     _ = engine.refer(pid, date(2024, 1, 8))
            ...     _ = engine.admit(pid, date(2024, 1, 8), priority=prio)
            >>> engine.waiting_list().participant_ids
            ('p3', 'p2')
        """
        if as_of is None:
            order = sorted(self._waiting.items(), key=lambda kv: kv[1])
            states: Mapping[str, Any] = self._states
            pids = [pid for pid, _ in order]
        else:
            events = self._store.events(until=as_of)
            states = replay(events, as_of=as_of)
            position = {e.participant_id: i for i, e in enumerate(events) if type(e) is Waitlisted}
            waiting = [s for s in states.values() if s.status is _WAITLISTED]
            prio = self.discipline == "priority"
            waiting.sort(key=lambda s: (-s.waitlist_priority if prio else 0, s.waitlisted,
                                        position[s.participant_id]))
            pids = [s.participant_id for s in waiting]
        return WaitingList(as_of, tuple(
            WaitingEntry(pid, states[pid].waitlisted, states[pid].waitlist_priority) for pid in pids))

    def due(self, as_of: date, *, within: relativedelta | int | str | None = None) -> DueList:
        """What is due on the model clock by ``as_of`` (or within a look-ahead after it).

        Planned phase ends, maximum stays per phase and per programme (extensions
        included), cooperation-plan reviews (at the latest every six months; for an
        admitted participant without a plan, six months after admission), aftercare
        ends, follow-ups 6 and 12 months after exit, and maximum waits reached.

        Args:
            as_of: the day of the check.
            within: also list what falls due up to this long after ``as_of``.

        Returns:
            The deadlines, by date, participant and kind.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a", planned_duration=3),
            ...                  Phase("z", terminal=True)], transitions=[Transition("a", "z")],
            ...                  voluntary=False)
            >>> engine = PathwayEngine(prog)
            >>> _ = engine.refer("p1", date(2024, 1, 8)); _ = engine.admit("p1", date(2024, 2, 1))
            >>> [(d.kind, d.date) for d in engine.due(date(2024, 8, 1))]
            [('phase_end', datetime.date(2024, 5, 1)), ('plan_review', datetime.date(2024, 8, 1))]
        """
        limit = as_of if within is None else as_of + parse_duration(within)
        out: list[Due] = []
        prog = self.programme
        plus = self._plus
        for pid, b in self._states.items():
            status = b.status
            if _occupying(status):
                phase = self._phases.get(b.phase_id or "")
                if phase is not None and b.phase_entered is not None:
                    for kind, length in (("phase_end", phase.planned_duration),
                                         ("phase_max", phase.max_duration)):
                        if length is not None:
                            day = plus(b.phase_entered, length)
                            if day <= limit:
                                out.append(Due(pid, kind, day, phase.id))
                end = self._max_end(b)
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
            elif status is _WAITLISTED and self.max_wait is not None and b.waitlisted is not None:
                day = plus(b.waitlisted, self.max_wait)
                if day <= limit:
                    out.append(Due(pid, "max_wait", day, ""))
            if (prog.aftercare is not None and b.aftercare_started is not None
                    and b.aftercare_ended is None):
                day = plus(b.aftercare_started, prog.aftercare)
                if day <= limit:
                    out.append(Due(pid, "aftercare_end", day, ""))
        out.sort(key=lambda d: (d.date, d.participant_id, d.kind))
        return DueList(as_of, tuple(out))


def _refusal(command: Command, failures: list[GuardFailure]) -> TransitionRefused:
    if all(f.guard in _CAPACITY_GUARDS for f in failures):
        return CapacityExceeded(command.describe(), failures)
    return TransitionRefused(command.describe(), failures)


_HANDLERS: dict[type[Command], Callable[[PathwayEngine, Any, list[GuardFailure]], list[Event]]] = {
    Refer: PathwayEngine._do_refer,
    Assess: PathwayEngine._do_assess,
    RecordConsent: PathwayEngine._do_record_consent,
    WithdrawConsent: PathwayEngine._do_withdraw_consent,
    AgreeParticipation: PathwayEngine._do_agree,
    Decline: PathwayEngine._do_decline,
    Admit: PathwayEngine._do_admit,
    Waitlist: PathwayEngine._do_waitlist,
    Renege: PathwayEngine._do_renege,
    EnterPhase: PathwayEngine._do_enter_phase,
    Extend: PathwayEngine._do_extend,
    Pause: PathwayEngine._do_pause,
    Resume: PathwayEngine._do_resume,
    AssignCoach: PathwayEngine._do_assign_coach,
    AssignTandem: PathwayEngine._do_assign_tandem,
    AgreePlan: PathwayEngine._do_agree_plan,
    AgreePlanStep: PathwayEngine._do_agree_step,
    AchievePlanStep: PathwayEngine._do_achieve_step,
    ScoreScale: PathwayEngine._do_score,
    ReferToActor: PathwayEngine._do_refer_actor,
    Exit: PathwayEngine._do_exit,
    StartAftercare: PathwayEngine._do_start_aftercare,
    EndAftercare: PathwayEngine._do_end_aftercare,
    RecordFollowUp: PathwayEngine._do_follow_up,
}
