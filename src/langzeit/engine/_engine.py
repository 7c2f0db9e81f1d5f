"""Engine layer: the pathway engine's facade, commands in, validated events out (DESIGN.md).

:class:`PathwayEngine` executes commands: it runs a command's handler
(:mod:`._handlers`) against the state of :class:`~langzeit.engine._core.EngineCore`,
raises the refusal or appends the events in one batch, and admits from the waiting
list when a place frees. Its queries are documented here and computed in
:mod:`._queries`.

Why over 600 lines: this is the one public class of the engine, and every line is its
documented API (each method with its runnable example); the logic is already split out
(state and fold in ``_core``, one handler per command in ``_handlers``, the queue in
``_waiting``, queries in ``_queries``). Splitting the facade's methods across modules
would scatter the API a reader looks up in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from langzeit.domain import ConsentPurpose, Eligibility, ExitReason, OutcomeKind
from langzeit.engine import _commands as commands
from langzeit.engine import _contacts, _law_handlers, _queries  # noqa: F401 -- importing registers their handlers
from langzeit.engine._commands import Command
from langzeit.engine._core import _FEED_PAGE, EngineCore, FactsSource, UserGuard
from langzeit.engine._handlers import run
from langzeit.engine._results import CaseloadTable, DueList, Occupancy, WaitingList
from langzeit.events import Event, EventStore, ParticipantState, SharedEventStore
from langzeit.exceptions import (
    CapacityExceeded,
    ConcurrencyConflict,
    ConsentRequired,
    GuardFailure,
    TransitionRefused,
    UnknownNameError,
    WrongTypeError,
)

__all__ = ["FactsSource", "PathwayEngine", "UserGuard"]

_CAPACITY_GUARDS = frozenset({"capacity", "caseload"})
#: Commands that never move places, caseloads or the waiting list: never in a programme transaction.
_PLACELESS: frozenset[type[Command]] = frozenset({
    commands.AchievePlanStep,
    commands.AgreeParticipation,
    commands.AgreePlan,
    commands.AgreePlanStep,
    commands.Assess,
    commands.EndSchlichtung,
    commands.Extend,
    commands.RecordConsent,
    commands.RecordFollowUp,
    commands.ReduceBenefit,
    commands.Refer,
    commands.ReferToActor,
    commands.ScoreScale,
    commands.StartSchlichtung,
    commands.UpdatePlan,
    commands.WithdrawConsent,
})
#: After a programme conflict, commands run in programme transactions until this many saw no other writer.
_CONTENDED = 32


class PathwayEngine(EngineCore):
    """The pathway engine of one programme: commands in, validated events out.

    Every command names a participant and a day. The engine checks the built-in
    guards (the phase graph has the edge; the participant is admitted; consent for
    data exchange with the partner organisations of a phase, and with every
    organisation outside the jobcenter that a case goes to when it is assigned to a
    coach or a tandem — :meth:`assignment_recipients`; an assessment where
    required; the maximum stay not exceeded unless extended; a free place and free
    caseload; the agreement of the participant in voluntary programmes; at admission,
    the target group of the programme's ``instrument`` — § 16e, § 16i, § 16k SGB II,
    :func:`langzeit.domain.eligibility` on the facts of ``eligibility_facts``) and the user
    guards named on transitions. A refused command raises
    :class:`~langzeit.exceptions.TransitionRefused` (or
    :class:`~langzeit.exceptions.CapacityExceeded` when only places or caseload are
    missing, :class:`~langzeit.exceptions.ConsentRequired` when only consent is)
    listing **every** failed guard, and writes nothing; :meth:`check` returns
    the same reasons without raising. An accepted command's events are appended to
    the store in one atomic batch with the expected version of every participant
    concerned (optimistic concurrency).

    The engine keeps each participant's state incrementally through the event
    layer's one fold (:class:`langzeit.events._state.StateBuilder`), so its state is
    always exactly ``replay(store.events())``.
    (Its parts: the state and the guard checks in ``_core``, one handler per command
    type in ``_handlers``, the waiting list's order in ``_waiting``, the read-only
    queries in ``_queries``; this class is the facade that executes commands.)

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
        eligibility_facts: the target-group facts for a programme with an ``instrument``:
            a mapping participant id → :class:`~langzeit.domain.EligibilityFacts`, or a
            callable ``(participant_id, day) -> EligibilityFacts | None`` (e.g. over
            :func:`langzeit.evaluation.eligibility_facts`). A rule whose fact is not given is
            not refused but assumed — :meth:`eligibility` lists it.

    Raises:
        ValidationError: a transition names a guard that is neither built in nor given;
            ``eligibility_facts`` is neither a mapping of facts nor a callable.

    Examples:
        >>> from datetime import date
        >>> from langzeit.domain import Programme, Phase, Transition, Capacity
        >>> from langzeit.engine import EnterPhase
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

    __slots__ = ()

    def refresh(self) -> None:
        """Catch up with what other writers appended to the store.

        On a :class:`~langzeit.events.SharedEventStore` (``EventLog``, ``SqliteEventStore``,
        ``PostgresEventStore``) the engine reads only the feed since the position it has
        seen (:meth:`~langzeit.events.EventLog.events_since`) and folds the new events of
        its programme's participants; other stores are read again in full.

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
        with self._lock:
            if self._shared:
                self._catch_up()
            else:
                self._load()

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
            >>> from langzeit.engine import Admit
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> PathwayEngine(prog).check(Admit("p1", date(2024, 1, 8)))[0].reason
            "participant 'p1' has not been referred to D"
        """
        with self._lock:
            failures: list[GuardFailure] = []
            run(self, command, failures)
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
            ConsentRequired: only a consent for the command's flow of data is missing
                (DOMAIN.md § 6); nothing was written.
            ConcurrencyConflict: another writer appended to a participant's stream
                meanwhile, or (on a shared store) to the programme while the command
                read or changed its places, caseloads or waiting list; nothing was
                written and the engine caught up with the store (retry the command:
                it is then checked against the fresh state, and refused or
                waitlisted with reasons if the places are gone).

        Examples:
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> from langzeit.engine import Refer
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> [e.event_id for e in PathwayEngine(prog).execute(Refer("p1", date(2024, 1, 8)))]
            ['p1-1']
        """
        with self._lock:
            if self._contended and type(command) not in _PLACELESS:
                hold = getattr(self._store, "_exclusive", None)
                if hold is not None:
                    return self._execute_held(command, hold)
            failures: list[GuardFailure] = []
            events = run(self, command, failures)
            if failures:
                raise _refusal(command, failures)
            touched: dict[str, int] = {}
            self._freed = False
            self._touches_shared = False
            version = self._pversion
            try:
                self._apply(events, touched)
                if self._freed and self.auto_admit and self._queue.keys and self._room():
                    self._fill(command.date, touched, events)
                self._append(events, touched, version)
            except BaseException as exc:
                self._undo(touched, exc)
                raise
            return tuple(events)

    def execute_all(self, commands: Sequence[Command]) -> list[tuple[Event, ...] | Exception]:
        """Execute commands in order, committed together where the store can (group commit).

        Each command is checked and appended exactly as :meth:`execute` does it, after the
        ones before it; a refused command writes nothing and leaves the others alone. On a
        store with a ``transaction()`` (:meth:`langzeit.store.SqliteEventStore.transaction`)
        the engine catches up with the store inside that one write transaction — its lock
        keeps other writers out until the commit — and the batches are committed together,
        with one flush of the log for all. If that commit fails, none of them is written,
        the engine reloads from the store, and every command's result is the error.
        Other stores execute the commands one after the other (a shared one after the
        engine caught up, as :meth:`refresh` does).

        Args:
            commands: the commands, in order.

        Returns:
            Per command, the events appended or the exception that refused it.

        Examples:
            >>> import tempfile, pathlib
            >>> from datetime import date
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> from langzeit.engine import Admit, Refer
            >>> from langzeit.store import SqliteEventStore
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False)
            >>> with SqliteEventStore(pathlib.Path(tempfile.mkdtemp()) / "e.sqlite") as store:
            ...     engine = PathwayEngine(prog, store=store)
            ...     done = engine.execute_all([Refer("p1", date(2024, 1, 8)), Admit("p2", date(2024, 1, 8)),
            ...                                Admit("p1", date(2024, 1, 8))])
            ...     [type(r).__name__ if isinstance(r, Exception) else [e.type for e in r] for r in done]
            ...     [e.event_id for e in store.events()]
            [['referred'], 'TransitionRefused', ['admitted', 'phase_entered']]
            ['p1-1', 'p1-2', 'p1-3']
        """
        with self._lock:
            group = getattr(self._store, "transaction", None)
            if group is None:
                if self._shared:
                    self._catch_up()
                return [self._outcome(c) for c in commands]
            try:
                with group():
                    if self._shared:
                        self._catch_up()
                    results = [self._outcome(c) for c in commands]
            except BaseException as exc:  # the commit failed: none of them was written
                self._load()
                if not isinstance(exc, Exception):
                    raise
                return [exc for _ in commands]
            return results

    def _outcome(self, command: Command) -> tuple[Event, ...] | Exception:
        try:
            return self.execute(command)
        except Exception as exc:
            return exc

    def _execute_held(self, command: Command, hold: Callable[..., Any]) -> tuple[Event, ...]:
        """Execute ``command`` in a programme transaction: lock, catch up, check, append, commit.

        The store holds the programme's lock from the feed read to the commit, so writers
        of one programme that are busy at once take turns instead of failing on each
        other's programme version and retrying. The versions are still sent (and checked):
        writers outside such a transaction may still win, and the loser gets
        :class:`~langzeit.exceptions.ConcurrencyConflict` as usual.
        """
        touched: dict[str, int] = {}
        try:
            with hold(self.programme.id, self._position, _FEED_PAGE) as page:
                others = self._catch_up(page)
                # calm (nothing of others' folded) for _CONTENDED commands: back to plain appends
                self._contended = _CONTENDED if others else self._contended - 1
                failures: list[GuardFailure] = []
                events = run(self, command, failures)
                if failures:
                    raise _refusal(command, failures)
                self._freed = False
                self._touches_shared = False
                self._apply(events, touched)
                if self._freed and self.auto_admit and self._queue.keys and self._room():
                    self._fill(command.date, touched, events)
                # no programme version: every writer that moves the programme's places holds
                # its lock (here) or takes it to compare its programme version (the append)
                self._store.extend(events, expected_versions=touched)
        except BaseException as exc:
            if touched:  # after the store's rollback
                self._undo(touched, exc)
            raise
        return tuple(events)

    def _append(self, events: list[Event], touched: dict[str, int], version: int) -> None:
        """Append a batch with the expected versions of its participants.

        On a shared store also with the programme's version, when the batch moved places,
        caseloads or the waiting list (the guards of such commands read them).
        """
        if self._shared:  # the engine's own events come back in the feed; refresh() skips them
            store: SharedEventStore = self._store  # type: ignore[assignment]  # checked by _shared
            if self._touches_shared:
                store.extend(events, expected_versions=touched,
                             expected_programme_versions={self.programme.id: version})
                return
            store.extend(events, expected_versions=touched)
        else:
            self._store.extend(events, expected_versions=touched)

    def _undo(self, touched: dict[str, int], exc: BaseException) -> None:
        """Take back a batch the store refused: reload its participants; after a conflict catch up."""
        self._reload(touched)
        if self._shared and isinstance(exc, ConcurrencyConflict):
            if exc.kind == "programme":  # others are busy on the programme: take turns from now on
                self._contended = _CONTENDED
            self._catch_up()

    def _fill(self, day: date, touched: dict[str, int], events: list[Event],
              limit: int | None = None) -> None:
        """Admit from the waiting list while places are free, folding the events in."""
        day = max(day, self._clock)
        queue = self._queue
        skipped = []
        admitted = 0
        while self._room() and (limit is None or admitted < limit):
            entry = queue.pop()
            if entry is None:
                break
            failures: list[GuardFailure] = []
            new = run(self, commands.Admit(entry[-1], day, waitlist=False), failures)
            if failures:
                skipped.append(entry)
                continue
            self._apply(new, touched)
            events.extend(new)
            admitted += 1
        queue.push_back(skipped)


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
        with self._lock:
            touched: dict[str, int] = {}
            events: list[Event] = []
            self._touches_shared = False
            version = self._pversion
            try:
                self._fill(day, touched, events, limit)
                if events:
                    self._append(events, touched, version)
            except BaseException as exc:
                self._undo(touched, exc)
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
        with self._lock:
            for pid in self._queue.in_order():
                b = self._states[pid]
                assert b.waitlisted is not None
                assert b.last_event is not None
                deadline = self._plus(b.waitlisted, self.max_wait)
                if deadline <= as_of:
                    out.extend(self.execute(commands.Renege(pid, max(deadline, b.last_event))))
        return tuple(out)

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
        return self.execute(commands.Refer(participant_id, day, referrer))

    def assess(self, participant_id: str, day: date, *, kind: str = "potenzialanalyse",
               result: str = "") -> tuple[Event, ...]:
        """Execute :class:`Assess`."""
        return self.execute(commands.Assess(participant_id, day, kind, result))

    def record_consent(self, participant_id: str, day: date, recipient: str, *,
                       purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE,
                       consent_id: str = "") -> tuple[Event, ...]:
        """Execute :class:`RecordConsent`."""
        return self.execute(commands.RecordConsent(participant_id, day, recipient, purpose, consent_id))

    def withdraw_consent(self, participant_id: str, day: date, recipient: str = "", *,
                         purpose: ConsentPurpose = ConsentPurpose.DATA_EXCHANGE,
                         consent_id: str = "") -> tuple[Event, ...]:
        """Execute :class:`WithdrawConsent`."""
        return self.execute(commands.WithdrawConsent(participant_id, day, recipient, purpose, consent_id))

    def agree(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`AgreeParticipation`."""
        return self.execute(commands.AgreeParticipation(participant_id, day))

    def decline(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Decline`."""
        return self.execute(commands.Decline(participant_id, day, reason))

    def admit(self, participant_id: str, day: date, *, priority: int = 0,
              waitlist: bool = True) -> tuple[Event, ...]:
        """Execute :class:`Admit` (waiting list when full unless ``waitlist=False``)."""
        return self.execute(commands.Admit(participant_id, day, priority, waitlist))

    def waitlist(self, participant_id: str, day: date, *, priority: int = 0) -> tuple[Event, ...]:
        """Execute :class:`Waitlist`."""
        return self.execute(commands.Waitlist(participant_id, day, priority))

    def renege(self, participant_id: str, day: date, *, reason: str = "max_wait") -> tuple[Event, ...]:
        """Execute :class:`Renege`."""
        return self.execute(commands.Renege(participant_id, day, reason))

    def enter_phase(self, participant_id: str, day: date, phase_id: str) -> tuple[Event, ...]:
        """Execute :class:`EnterPhase`."""
        return self.execute(commands.EnterPhase(participant_id, day, phase_id))

    def extend(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Extend`."""
        return self.execute(commands.Extend(participant_id, day, reason))

    def pause(self, participant_id: str, day: date, *, reason: str = "") -> tuple[Event, ...]:
        """Execute :class:`Pause`."""
        return self.execute(commands.Pause(participant_id, day, reason))

    def resume(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`Resume`."""
        return self.execute(commands.Resume(participant_id, day))

    def assign_coach(self, participant_id: str, day: date, coach_id: str) -> tuple[Event, ...]:
        """Execute :class:`AssignCoach`."""
        return self.execute(commands.AssignCoach(participant_id, day, coach_id))

    def assign_tandem(self, participant_id: str, day: date, tandem_id: str) -> tuple[Event, ...]:
        """Execute :class:`AssignTandem`."""
        return self.execute(commands.AssignTandem(participant_id, day, tandem_id))

    def assignment_recipients(self, *, coach: str | None = None, tandem: str | None = None
                              ) -> tuple[str, ...]:
        """The organisations whose ``data_exchange`` consent a case needs to go to ``coach`` or ``tandem``.

        A case assigned to a coach or a tandem goes to the coaches' organisations; those
        that are not the jobcenter receive the participant's social data and need their
        consent (DOMAIN.md § 6, §§ 67 ff. SGB X). The jobcenter is every registered
        :class:`~langzeit.domain.Organisation` of kind ``jobcenter`` and the employer of
        every coach in a jobcenter role (``pap``, ``fallmanager``).

        Args:
            coach: a registered coach's id (give this or ``tandem``).
            tandem: a registered tandem's id.

        Returns:
            Organisation ids, in the order of the tandem's members; empty when the case stays
            with the jobcenter.

        Raises:
            UnknownNameError: the coach or tandem is not registered.
            WrongTypeError: neither or both of ``coach`` and ``tandem`` given.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition, Coach, Tandem
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False)
            >>> pap = Coach("ifk-1", role="pap", organisation_id="jc")
            >>> awo = Coach("c1", role="provider_coach", organisation_id="awo")
            >>> engine = PathwayEngine(prog, coaches=[pap, awo], tandems=[Tandem("t1", [pap, awo])])
            >>> engine.assignment_recipients(tandem="t1"), engine.assignment_recipients(coach="ifk-1")
            (('awo',), ())
        """
        if (coach is None) == (tandem is None):
            raise WrongTypeError("assignment_recipients takes coach= or tandem=, one of them")
        kind, table, key = (("coach", self._coach_recipients, coach) if coach is not None
                            else ("tandem", self._tandem_recipients, tandem))
        assert key is not None
        try:
            return table[key]
        except KeyError:
            raise UnknownNameError(kind, key, sorted(table)) from None

    def agree_plan(self, participant_id: str, day: date, goal: str, *,
                   review: date | None = None) -> tuple[Event, ...]:
        """Execute :class:`AgreePlan`."""
        return self.execute(commands.AgreePlan(participant_id, day, goal, review))

    def agree_plan_step(self, participant_id: str, day: date, step_id: str, *, description: str = "",
                        responsible: str = "participant", due: date | None = None) -> tuple[Event, ...]:
        """Execute :class:`AgreePlanStep`."""
        return self.execute(commands.AgreePlanStep(participant_id, day,
                                                   step_id, description, responsible, due))

    def achieve_plan_step(self, participant_id: str, day: date, step_id: str) -> tuple[Event, ...]:
        """Execute :class:`AchievePlanStep`."""
        return self.execute(commands.AchievePlanStep(participant_id, day, step_id))

    def update_plan(self, participant_id: str, day: date, *, goal: str = "",
                    review: date | None = None) -> tuple[Event, ...]:
        """Execute :class:`UpdatePlan` (Fortschreibung, § 15 Abs. 3 SGB II)."""
        return self.execute(commands.UpdatePlan(participant_id, day, goal, review))

    def start_schlichtung(self, participant_id: str, day: date, *,
                          requested_by: str = "participant") -> tuple[Event, ...]:
        """Execute :class:`StartSchlichtung` (§ 15a SGB II)."""
        return self.execute(commands.StartSchlichtung(participant_id, day, requested_by))

    def end_schlichtung(self, participant_id: str, day: date, *,
                        agreed: bool | None = None) -> tuple[Event, ...]:
        """Execute :class:`EndSchlichtung`."""
        return self.execute(commands.EndSchlichtung(participant_id, day, agreed))

    def reduce_benefit(self, participant_id: str, day: date, ground: str, *, hardship: bool = False,
                       coaching_breakoff: bool = False, months: int = 0) -> tuple[Event, ...]:
        """Execute :class:`ReduceBenefit` (Leistungsminderung, §§ 31a, 31b, 32 SGB II).

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> eng = PathwayEngine(Programme("d", "D", voluntary=False, phases=[Phase("a"),
            ...     Phase("x", terminal=True)], transitions=[Transition("a", "x")]))
            >>> _ = eng.refer("p1", date(2024, 1, 2)), eng.admit("p1", date(2024, 1, 3))
            >>> (cut,) = eng.reduce_benefit("p1", date(2024, 5, 13), "missed_appointment")
            >>> cut.percent, cut.start, cut.months
            (10, datetime.date(2024, 6, 1), 1)
        """
        return self.execute(commands.ReduceBenefit(participant_id, day,
                                                   ground, hardship, coaching_breakoff, months))

    def score_scale(self, participant_id: str, day: date, scale: str,
                    items: Sequence[int | None]) -> tuple[Event, ...]:
        """Execute :class:`ScoreScale`."""
        return self.execute(commands.ScoreScale(participant_id, day, scale, tuple(items)))

    def refer_to_actor(self, participant_id: str, day: date, actor_id: str, *, service_id: str = "",
                       need: str = "", shares_data: bool = True) -> tuple[Event, ...]:
        """Execute :class:`ReferToActor` (by default a referral passes data and needs consent)."""
        return self.execute(commands.ReferToActor(participant_id, day,
                                                  actor_id, service_id, need, shares_data))

    def exit(self, participant_id: str, day: date, reason: ExitReason | str,
             outcome: OutcomeKind | str = OutcomeKind.NONE, *,
             phase_id: str | None = None) -> tuple[Event, ...]:
        """Execute :class:`Exit`."""
        return self.execute(commands.Exit(participant_id, day,
                                          ExitReason(reason), OutcomeKind(outcome), phase_id))

    def start_aftercare(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`StartAftercare`."""
        return self.execute(commands.StartAftercare(participant_id, day))

    def end_aftercare(self, participant_id: str, day: date) -> tuple[Event, ...]:
        """Execute :class:`EndAftercare`."""
        return self.execute(commands.EndAftercare(participant_id, day))

    def record_contact(self, participant_id: str, day: date, channel: str, coach_id: str, *,
                       minutes: int = 0) -> tuple[Event, ...]:
        """Execute :class:`~langzeit.engine.RecordContact` (a Beratungskontakt).

        Examples:
            >>> from langzeit.domain import Coach, Programme, Phase, Transition
            >>> eng = PathwayEngine(Programme("d", "D", voluntary=False, phases=[Phase("a"),
            ...     Phase("x", terminal=True)], transitions=[Transition("a", "x")]),
            ...     coaches=[Coach("c1", role="pap", organisation_id="jc")])
            >>> _ = eng.refer("p1", date(2024, 1, 2))
            >>> (e,) = eng.record_contact("p1", date(2024, 1, 9), "outreach", "c1", minutes=45)
            >>> e.type, eng.state("p1").contacts, eng.state("p1").last_contact
            ('contacted', 1, datetime.date(2024, 1, 9))
        """
        return self.execute(commands.RecordContact(participant_id, day, channel, coach_id, minutes))

    def record_follow_up(self, participant_id: str, day: date, months_after_exit: int,
                         status: OutcomeKind | str, *,
                         receives_benefit: bool | None = None) -> tuple[Event, ...]:
        """Execute :class:`RecordFollowUp`."""
        return self.execute(commands.RecordFollowUp(participant_id, day, months_after_exit,
                                                    OutcomeKind(status), receives_benefit))

    # -- queries ---------------------------------------------------------------------------

    def eligibility(self, participant_id: str, day: date) -> Eligibility | None:
        """The target-group check that admission on ``day`` runs (None: the programme names no instrument).

        Admission — the start of the support — is where § 16e, § 16i and § 16k SGB II ask who
        may be supported: the age and the seven years before that day count (a referral may
        come earlier, a waiting list last months). The result's ``failures`` are the refusal's
        reasons; ``assumed`` lists the rules not checked for want of a fact (the jobcenter's own
        check is relied on), so an admission without facts is visible as such.

        Args:
            participant_id: the participant.
            day: the admission day.

        Returns:
            The :class:`~langzeit.domain.Eligibility`, or None.

        Examples:
            >>> from langzeit.domain import EligibilityFacts, Programme, Phase, Transition
            >>> prog = Programme("tam", "TaM", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False, instrument="16i")
            >>> engine = PathwayEngine(prog, eligibility_facts={
            ...     "p1": EligibilityFacts(birth_month="1970-01", benefit_days=2555, employment_days=0)})
            >>> engine.eligibility("p1", date(2024, 3, 1)).eligible
            True
            >>> engine.eligibility("p2", date(2024, 3, 1)).assumed[0]
            'age >= 25 (§ 16i Abs. 3 Nr. 1): birth month unknown'
        """
        with self._lock:
            return self._eligibility(participant_id, day)


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
        with self._lock:
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
        with self._lock:
            return _queries.state(self, participant_id, as_of)

    def states(self, *, as_of: date | None = None) -> dict[str, ParticipantState]:
        """Every participant's state, now or at the end of day ``as_of``.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> engine = PathwayEngine(prog)
            >>> from langzeit.events import replay
            >>> _ = engine.refer("p1", date(2024, 1, 8))
            >>> engine.states() == replay(engine.store.events())
            True
        """
        with self._lock:
            return _queries.states(self, as_of)

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
        with self._lock:
            return _queries.occupancy(self, as_of)

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
        with self._lock:
            return _queries.caseload(self, as_of)

    def held_without_consent(self) -> tuple[tuple[str, str], ...]:
        """The cases held now by a coach or tandem whose organisation has lost the participant's consent.

        A withdrawal refuses later assignments, but the engine moves no case by itself: what
        was sent cannot be un-sent, and who takes the case over is the caseworker's decision.
        This lists, for the host's to-do list, each ``(participant_id, organisation_id)``
        where a participant holding a place is assigned to a coach or tandem of an
        organisation outside the jobcenter without a ``data_exchange`` consent in force.

        Examples:
            >>> from langzeit.domain import Programme, Phase, Transition, Coach
            >>> prog = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")], voluntary=False)
            >>> engine = PathwayEngine(prog, coaches=[Coach("c1", role="provider_coach",
            ...                                              organisation_id="awo")])
            >>> _ = engine.refer("p1", date(2024, 1, 8)); _ = engine.admit("p1", date(2024, 2, 1))
            >>> _ = engine.record_consent("p1", date(2024, 2, 1), "awo")
            >>> _ = engine.assign_coach("p1", date(2024, 2, 1), "c1")
            >>> _ = engine.withdraw_consent("p1", date(2024, 3, 1), "awo")
            >>> engine.held_without_consent()
            (('p1', 'awo'),)
        """
        with self._lock:
            return _queries.held_without_consent(self)

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
        with self._lock:
            return _queries.waiting_list(self, as_of)

    def due(self, as_of: date, *, within: relativedelta | int | str | None = None,
            no_contact: relativedelta | int | str | None = None) -> DueList:
        """What is due on the model clock by ``as_of`` (or within a look-ahead after it).

        Planned phase ends, maximum stays per phase and per programme (extensions
        included), cooperation-plan reviews (at the latest every six months; for an
        admitted participant without a plan, six months after admission), the end of an
        open Schlichtungsverfahren (``schlichtung_end``, four weeks after it began, § 15a
        SGB II), aftercare ends, follow-ups 6 and 12 months after exit, and maximum waits reached.
        With ``no_contact``, also whoever (in the programme or in aftercare) has had no
        Beratungskontakt (:meth:`record_contact`) for that long: from the last contact, or
        from admission when there was none (kind ``no_contact``).

        Args:
            as_of: the day of the check.
            within: also list what falls due up to this long after ``as_of``.
            no_contact: the longest time without a contact, e.g. ``"6 weeks"`` (default: not checked).

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
            >>> [(d.kind, d.date) for d in engine.due(date(2024, 3, 31), no_contact="6 weeks")]
            [('no_contact', datetime.date(2024, 3, 14))]
        """
        with self._lock:
            return _queries.due(self, as_of, within, no_contact)


def _refusal(command: Command, failures: list[GuardFailure]) -> TransitionRefused:
    if all(f.guard in _CAPACITY_GUARDS for f in failures):
        return CapacityExceeded(command.describe(), failures)
    if not isinstance(command, commands.RecordConsent | commands.WithdrawConsent) and all(
            f.guard == "consent" for f in failures):
        return ConsentRequired(command.describe(), failures)
    return TransitionRefused(command.describe(), failures)
