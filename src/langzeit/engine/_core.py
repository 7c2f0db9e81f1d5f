"""Engine layer: the engine's core — its state, the fold into it, and the guard checks.

:class:`EngineCore` holds what the engine knows: every participant's state (kept
incrementally through the event layer's one fold, :class:`~langzeit.events.StateBuilder`),
the books of places and caseloads, the waiting list (:mod:`._waiting`) and the model
clock. Its methods fold events into that state and check the built-in guards; they
never write to the store. The command handlers (:mod:`._handlers`) turn commands into
events with these checks, the read-only queries (:mod:`._queries`) read the state, and
:class:`~langzeit.engine.PathwayEngine` (:mod:`._engine`) is the facade that executes
commands and appends their events.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Literal

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.domain import (
    BUILTIN_GUARDS,
    Coach,
    ConsentPurpose,
    Eligibility,
    EligibilityFacts,
    Organisation,
    OrganisationKind,
    Participant,
    Phase,
    Programme,
    Tandem,
    eligibility,
    parse_duration,
)
from langzeit.engine._books import Books, Key, state_key
from langzeit.engine._commands import Command
from langzeit.engine._waiting import WaitQueue
from langzeit.events import (
    Event,
    EventLog,
    EventStore,
    ParticipantState,
    Referred,
    SharedEventStore,
    StateBuilder,
    Status,
    StoredEvent,
)
from langzeit.exceptions import GuardFailure, Problem, ValidationError, WrongTypeError

__all__ = ["Edge", "EngineCore", "FactsSource", "UserGuard", "occupying"]

#: A user guard: gets the participant's state and the command, returns a reason to
#: refuse (a readable sentence) or None to let the command pass.
UserGuard = Callable[[ParticipantState, Command], "str | None"]
#: Where the engine gets the target-group facts of a participant (engine option
#: ``eligibility_facts=``): a mapping participant id → facts, or a callable
#: ``(participant_id, day) -> EligibilityFacts | None``; a missing entry or None: nothing known.
FactsSource = Mapping[str, EligibilityFacts] | Callable[[str, date], "EligibilityFacts | None"]

_ACTIVE = Status.ACTIVE
_PAUSED = Status.PAUSED
_WAITLISTED = Status.WAITLISTED
_DATA = ConsentPurpose.DATA_EXCHANGE


@attrs.frozen
class Edge:
    """A transition with what its guards need, computed once per engine."""

    target: Phase
    assessed: bool
    agreement: bool
    user: tuple[str, ...]
    #: True when no consent, assessment, agreement or user guard applies to the edge
    #: (then only the checks of entering a phase — maximum stay, places — remain).
    plain: bool


_FEED_PAGE = 4096  # events read from the feed per call when catching up


def _plain_phase(phase: Phase) -> bool:
    """Whether entering ``phase`` needs neither a consent nor an assessment."""
    return not phase.data_exchange_with and not phase.requires_assessment


def _jobcenter_organisations(organisations: Iterable[Organisation],
                             coaches: Iterable[Coach]) -> frozenset[str]:
    """The organisations that are the jobcenter: a case held there needs no consent to be assigned.

    The registered organisations of kind ``jobcenter`` and the employers of coaches in a
    jobcenter role (``pap``, ``fallmanager``: :attr:`~langzeit.domain.CoachRole.is_jobcenter_role`).
    The case is the jobcenter's own (the Leistungsträger's social data, § 35 SGB I); every
    other employer of a coach receives the participant's data when the case goes to that
    coach or to a tandem with that coach (DOMAIN.md § 6, §§ 67 ff. SGB X).
    """
    return frozenset({o.id for o in organisations if o.kind is OrganisationKind.JOBCENTER}
                     | {c.organisation_id for c in coaches if c.role.is_jobcenter_role})


#: ``"<participant_id>-<version>"``; a bound ``str.format`` costs no Python frame per event.
_default_ids: Callable[[str, int], str] = "{}-{}".format


def occupying(status: Status) -> bool:
    """Whether ``status`` holds a place (active or paused)."""
    # identity tests: ``in _books.OCCUPYING`` would hash the enum member through a Python-level __hash__
    return status is _ACTIVE or status is _PAUSED


@attrs.define(eq=False, init=False)  # own __init__ below; init=False lets type checkers see it
class EngineCore:
    """The state of one programme's pathways and the guard checks over it (private base).

    The constructor's arguments are those of :class:`~langzeit.engine.PathwayEngine`.

    On a :class:`~langzeit.events.SharedEventStore` the core also keeps what it needs to
    share the store with other engines: the feed position it has read up to, the
    programme's version as it knows it (the number of its participants' events), the
    participants of other programmes in the store, and whether the command being
    executed reads or changes places, caseloads or the waiting list.
    """

    programme: Programme
    _store: EventStore
    _coaches: dict[str, Coach]
    _tandems: dict[str, Tandem]
    _org_names: dict[str, str]
    #: per coach and per tandem: the organisations outside the jobcenter the case would go to
    _coach_recipients: dict[str, tuple[str, ...]]
    _tandem_recipients: dict[str, tuple[str, ...]]
    _user_guards: dict[str, UserGuard]
    discipline: str
    max_wait: relativedelta | None
    auto_admit: bool
    _ids: Callable[[str, int], str]
    _facts: FactsSource | None
    _phases: dict[str, Phase] = attrs.field(init=False)
    _edges: dict[tuple[str, str], Edge] = attrs.field(init=False)
    _exit_edges: dict[str, Edge] = attrs.field(init=False)
    _plain: dict[str, bool] = attrs.field(init=False)
    _entry: Phase = attrs.field(init=False)
    _limited_stay: bool = attrs.field(init=False)
    _coach_tandems: dict[str, tuple[str, ...]] = attrs.field(init=False)
    _total: int | None = attrs.field(init=False)
    _states: dict[str, StateBuilder] = attrs.field(init=False)
    _books: Books = attrs.field(init=False)
    _queue: WaitQueue = attrs.field(init=False)
    _clock: date = attrs.field(init=False)
    _freed: bool = attrs.field(init=False)
    _plus_cache: dict[tuple[date, relativedelta], date] = attrs.field(init=False)
    _max_ends: dict[date, date] = attrs.field(init=False)
    _shared: bool = attrs.field(init=False)  # the store is a SharedEventStore
    _position: int = attrs.field(init=False)  # the feed position the engine has read up to
    _pversion: int = attrs.field(init=False)  # the programme's version: its participants' events
    _foreign: dict[str, str] = attrs.field(init=False)  # participants of other programmes
    _touches_shared: bool = attrs.field(init=False)  # the batch moved places, caseloads or the list
    _contended: int = attrs.field(init=False)  # > 0: other writers are busy on the programme (held mode)
    _lock: threading.RLock = attrs.field(init=False)

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
        eligibility_facts: FactsSource | None = None,
    ) -> None:
        if discipline not in ("fifo", "priority"):
            raise ValidationError("invalid engine options",
                                  [Problem("discipline", f"'fifo' or 'priority', got {discipline!r}")])
        if isinstance(eligibility_facts, Mapping):
            bad = sorted(str(k) for k, v in eligibility_facts.items() if not isinstance(v, EligibilityFacts))
            if bad:
                raise ValidationError("invalid engine options", [Problem(
                    f"eligibility_facts[{k!r}]", "not an EligibilityFacts") for k in bad])
        elif eligibility_facts is not None and not callable(eligibility_facts):
            raise ValidationError("invalid engine options", [Problem(
                "eligibility_facts", f"a mapping or a callable, got {eligibility_facts!r}")])
        self._facts = eligibility_facts
        tandem_list = list(tandems)
        coach_map = {c.id: c for c in coaches}
        for tandem in tandem_list:
            for m in tandem.members:
                coach_map.setdefault(m.coach.id, m.coach)
        self.programme = programme
        self._store = EventLog() if store is None else store
        self._coaches = coach_map
        self._tandems = {td.id: td for td in tandem_list}
        org_list = list(organisations)
        self._org_names = {o.id: o.name for o in org_list}
        own = _jobcenter_organisations(org_list, coach_map.values())
        self._coach_recipients = {cid: () if c.organisation_id in own else (c.organisation_id,)
                                  for cid, c in coach_map.items()}
        self._tandem_recipients = {td.id: tuple(dict.fromkeys(
            m.coach.organisation_id for m in td.members if m.coach.organisation_id not in own))
            for td in tandem_list}
        self._user_guards = dict(guards or {})
        self.discipline = discipline
        self.max_wait = None if max_wait is None else parse_duration(max_wait)
        self.auto_admit = auto_admit
        self._ids = id_factory or _default_ids
        self._shared = isinstance(self._store, SharedEventStore)
        self._lock = threading.RLock()
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
            self._edges[(t.source, t.target)] = Edge(
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
        self._queue = WaitQueue(self.discipline)
        self._clock = date.min
        self._freed = False
        self._position = 0
        self._pversion = 0
        self._foreign = {}
        self._touches_shared = False
        self._contended = 0

    def _load(self) -> None:
        """Build the state from the store: the events of this programme's participants only.

        A participant belongs to the programme of their first referral (the stores' rule,
        :func:`langzeit.events._log.stream_changes`); the others are remembered as
        foreign, so that referring them here is refused.
        """
        self._reset()
        store = self._store
        if not self._shared:
            self._apply(store.events(), {})
            return
        # the position first: events appended meanwhile are read now and skipped by refresh()
        self._position = store.position  # type: ignore[attr-defined]  # checked by _shared
        events = store.events()
        own = self._programmes_of(events)
        self._apply([e for e in events if own.get(e.participant_id) == self.programme.id], {})

    def _programmes_of(self, events: Iterable[Event]) -> dict[str, str | None]:
        """Each participant's programme (their first referral's); the foreign ones noted."""
        out: dict[str, str | None] = {}
        for e in events:
            pid = e.participant_id
            if out.get(pid) is None and isinstance(e, Referred):
                out[pid] = e.programme_id
            elif pid not in out:
                out[pid] = None
        mine = self.programme.id
        for pid, prog in out.items():
            if prog != mine:
                self._foreign[pid] = "" if prog is None else prog
        return out

    def _catch_up(self, first: list[StoredEvent] | None = None) -> int:
        """Fold what other writers appended since the engine's feed position (a shared store).

        Args:
            first: the feed's first page, read already (by a programme transaction).

        Returns:
            How many events of this programme's participants were folded.
        """
        store: SharedEventStore = self._store  # type: ignore[assignment]  # checked by _shared
        states = self._states
        foreign = self._foreign
        mine = self.programme.id
        folded = 0
        while True:
            items = store.events_since(self._position, _FEED_PAGE) if first is None else first
            first = None
            if not items:
                return folded
            for item in items:
                event = item.event
                pid = event.participant_id
                b = states.get(pid)
                if b is None:
                    if pid in foreign or not (isinstance(event, Referred) and event.programme_id == mine):
                        if pid not in foreign:
                            foreign[pid] = event.programme_id if isinstance(event, Referred) else ""
                        continue
                    if item.version != 1:  # referred here after events elsewhere: the whole stream
                        self._reload([pid])
                        continue
                elif item.version <= b.version:  # folded already (the engine's own append, a reload)
                    continue
                elif item.version != b.version + 1:  # pragma: no cover - a gap: read the stream again
                    self._reload([pid])
                    continue
                self._apply((event,), {})
                folded += 1
            self._position = items[-1].position
            if len(items) < _FEED_PAGE:  # the last page: no need to ask for an empty one
                return folded

    def _reload(self, participant_ids: Iterable[str]) -> None:
        for pid in participant_ids:
            old = self._states.get(pid)
            fresh = StateBuilder(pid)
            events = self._store.events(participant_id=pid)
            if self._shared and self._programmes_of(events).get(pid, self.programme.id) != self.programme.id:
                events = []  # the participant belongs to another programme: not this engine's
            else:
                self._foreign.pop(pid, None)
            for event in events:
                fresh.apply(event)
            self._pversion += fresh.version - (old.version if old is not None else 0)
            old_key: Key = state_key(old) if old is not None else (Status.REFERRED, None, None, None)
            if fresh.version:
                self._states[pid] = fresh
                self._account(pid, old_key, fresh, self._clock)
            else:
                self._states.pop(pid, None)
                if old is not None and occupying(old.status):
                    self._books.count(old_key, -1)
                self._queue.discard(pid)

    # -- the fold and the books ------------------------------------------------------------

    def _apply(self, events: Sequence[Event], touched: dict[str, int]) -> None:
        """Fold ``events`` into the states and the books; note first versions in ``touched``."""
        states = self._states
        self._pversion += len(events)
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
        old_occ = old_status is _ACTIVE or old_status is _PAUSED  # occupying, inlined
        new_occ = status is _ACTIVE or status is _PAUSED
        if old_occ or new_occ or old_status is _WAITLISTED or status is _WAITLISTED:
            self._touches_shared = True  # places, caseloads or the waiting list: the programme's
        if old_occ or new_occ:
            self._books.move(old if old_occ else None,
                             (status, b.phase_id, b.coach_id, b.tandem_id) if new_occ else None)
            if old_occ and (not new_occ or old[1] != b.phase_id):
                self._freed = True
            if day > self._clock:
                self._clock = day
        if old_status is _WAITLISTED:
            if status is not _WAITLISTED:
                self._queue.discard(pid)
        elif status is _WAITLISTED:
            assert b.waitlisted is not None
            self._queue.add(pid, b.waitlisted, b.waitlist_priority)

    def _plus(self, day: date, duration: relativedelta) -> date:
        """``day + duration``, remembered: keyed by the duration's value (equal durations, one sum)."""
        key = (day, duration)
        out = self._plus_cache.get(key)
        if out is None:
            out = self._plus_cache[key] = day + duration
        return out

    def _head(self, b: StateBuilder, cmd: Command, n: int = 1) -> tuple[str, str, date]:
        """The first fields of the participant's ``n``-th next event: event id, participant, day."""
        pid = b.participant_id
        return self._ids(pid, b.version + n), pid, cmd.date

    # -- places ----------------------------------------------------------------------------

    def _room(self) -> bool:
        """Whether a place is free in the programme and in its entry phase."""
        books = self._books
        if self._total is not None and books.occupied >= self._total:
            return False
        entry = self._entry
        places = entry.places
        return places is None or books.phase.get(entry.id, 0) < places

    def _room_failures(self) -> list[GuardFailure]:
        out = []
        total = self._total
        if total is not None and self._books.occupied >= total:
            out.append(GuardFailure("capacity", f"all {total} places of {self.programme.name} are taken"))
        entry = self._phases[self.programme.entry]
        if entry.places is not None and self._books.phase.get(entry.id, 0) >= entry.places:
            out.append(GuardFailure("capacity", f"all {entry.places} places in phase {entry.id!r} are taken"))
        return out

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

    def _holding_place(self, cmd: Command, fail: list[GuardFailure]) -> StateBuilder | None:
        """The participant if known and holding a place (active or paused), else None."""
        b = self._participant(cmd, fail)
        if b is not None and not occupying(b.status):
            fail.append(self._not_admitted(b))
            return None
        return b

    def _not_before_clock(self, cmd: Command, b: StateBuilder, fail: list[GuardFailure]) -> None:
        if cmd.date < self._clock and (b.last_event is None or cmd.date >= b.last_event):
            fail.append(GuardFailure(
                "chronology", f"dated {cmd.date.isoformat()}, before the last change of places or "
                              f"caseloads on {self._clock.isoformat()}"))

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

    def _recipient_guard(self, b: StateBuilder, recipients: tuple[str, ...], who: str,
                         fail: list[GuardFailure]) -> None:
        """A ``consent`` failure per organisation in ``recipients`` without a data-exchange consent.

        ``recipients`` are the organisations outside the jobcenter that would receive the
        case (``_coach_recipients``, ``_tandem_recipients``); ``who`` names the coach or tandem.
        The participant's consents are those in force after their last event, and a command
        is never dated before it: so they are the consents in force on the command's day.
        """
        for org in recipients:
            if not self._has_consent(b, (_DATA,), org):
                fail.append(GuardFailure("consent", f"no consent for data exchange with {self._org(org)}, "
                                                    f"which would receive the case with {who}"))

    def _phase_guards(self, b: StateBuilder, cmd: Command, target: Phase, edge: Edge | None,
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

    def _eligibility(self, pid: str, day: date) -> Eligibility | None:
        """The target-group check of the programme's instrument on ``day`` (None: no instrument)."""
        code = self.programme.instrument
        if code is None:
            return None
        source = self._facts
        facts: EligibilityFacts | None
        if source is None:
            facts = None
        elif isinstance(source, Mapping):
            facts = source.get(pid)
        else:
            got = source(pid, day)
            if got is not None and not isinstance(got, EligibilityFacts):
                raise WrongTypeError(f"eligibility_facts({pid!r}, {day.isoformat()}) returned {got!r}, "
                                     f"not EligibilityFacts or None")
            facts = got
        return eligibility(code, Participant(pid), day, facts)

    def _eligibility_guard(self, b: StateBuilder, cmd: Command, fail: list[GuardFailure]) -> None:
        """§ 16e/§ 16i/§ 16k target groups at admission, the start of the support (every failed rule)."""
        result = self._eligibility(b.participant_id, cmd.date)
        if result is not None:
            fail.extend(result.failures)

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
