"""Simulation layer: the discrete-event loop that drives the pathway engine.

One replication is a heap of timestamped actions on the model clock (day ordinals
with fractions, see ``_clock``). Each action becomes an engine command dated
``floor(t)``; the engine checks its guards, keeps places, caseloads and the waiting
list, and writes the events. The loop only draws the random parts — referrals,
take-up, stays, competing hazards, routing, extension requests, patience,
aftercare and follow-up status — and never decides admissions itself: a freed
place is filled by the engine's own waiting list (``auto_admit``).

Why over 600 lines: the loop is one class, ``_Run``, whose action handlers share the
replication's hot-path state (the engine's bound ``execute``, the streams' draw
functions, the pending-action heap) as attributes; split into modules they would pass
that state around or look it up per action, on the path that sets the simulator's speed
(``benchmarks/simulation.py``). Scenarios, streams, pathways and metrics live elsewhere.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import attrs
import numpy as np

from langzeit import engine as eng
from langzeit._gc import collector_paused
from langzeit.domain import Capacity, ExitReason, OutcomeKind
from langzeit.engine import CapacityExceeded, PathwayEngine, TransitionRefused
from langzeit.events import Admitted, Event, EventLog, Extended, Waitlisted
from langzeit.simulation._clock import add_months, to_time
from langzeit.simulation._costs import cost_metrics
from langzeit.simulation._distributions import Distribution
from langzeit.simulation._hazards import CAUSES
from langzeit.simulation._referrals import CohortReferrals
from langzeit.simulation._results import (
    EXIT_REASONS,
    OUTCOMES,
    Pathways,
    Replication,
    replication_metrics,
)
from langzeit.simulation._scenario import SCALE_ITEMS, Scenario
from langzeit.simulation._streams import Streams

__all__ = ["run_replication"]

_BLOCK = 8192

#: mypy reads the engine's attrs-generated field list as its constructor; the real
#: ``__init__`` takes keyword options (programme, store=, coaches=, tandems=, …).
_new_engine: Callable[..., PathwayEngine] = PathwayEngine

# action codes, ordered so that on equal times exits free places before arrivals take them
_EXIT_HAZARD, _PHASE_END, _DEADLINE, _RENEGE, _AFTERCARE_END, _FOLLOW_UP, _STEP, _REVIEW, _BREACH = range(9)

#: The grounds a scenario's Leistungsminderungen draw breaches of while admitted.
_BREACH_GROUNDS = ("duty_breach", "missed_appointment")


def _stream(draw: Callable[[int], np.ndarray[Any, Any]]) -> Callable[[], float]:
    """One value per call, drawn in blocks (deterministic: values are consumed in loop order).

    The result is the ``__next__`` of a chain over blocks that are drawn only when the
    previous one is used up, so a call costs no Python frame.
    """
    blocks: Iterator[list[float]] = iter(lambda: draw(_BLOCK).tolist(), None)
    return itertools.chain.from_iterable(blocks).__next__


def _draws(dist: Distribution, rng: np.random.Generator) -> Callable[[], float]:
    """One value at a time from ``dist`` on its own generator ``rng``."""
    return _stream(lambda n: dist.sample(rng, n))


@attrs.define(eq=False)
class _AppendLog:
    """The event store of the simulator's own engine: an append-only list.

    It implements :class:`~langzeit.events.EventStore`. The simulator's engine is
    its only writer and event ids are unique by construction (participant id and
    version), so neither the idempotency index of :class:`~langzeit.events.EventLog`
    nor the optimistic version check can ever find anything: appends are a plain
    list extension, and versions are counted when asked for.
    """

    _events: list[Event] = attrs.field(factory=list)

    def extend(self, events: Iterable[Event], *, expected_versions: Mapping[str, int] | None = None) -> int:
        batch = events if type(events) is list else list(events)  # the engine hands over lists
        self._events += batch
        return len(batch)

    def events(self, *, participant_id: str | None = None, until: date | None = None) -> list[Event]:
        return EventLog(self._events).events(participant_id=participant_id, until=until)  # queries only

    def version(self, participant_id: str) -> int:
        return sum(1 for e in self._events if e.participant_id == participant_id)



#: What the event loop tells the engine (the queue kernel writes the same events): the
#: referrer of every referral, and the reasons of a refusal, a closed list and a give-up.
REFERRER = "jobcenter"
NO_TAKE_UP, NO_PLACE_FREE, GAVE_UP = "no take-up", "no place free", "max_wait"


def participant_ids(n: int) -> list[str]:
    """The ids of ``n`` simulated participants in arrival order (``p000001``, ``p000002`` and on)."""
    return [f"p{i:06d}" for i in range(1, n + 1)]


class _Run:
    """One replication in progress (private; see :func:`run_replication`)."""

    #: whether the run drives a pathway engine (the pathway kernel, ``_kernel``, keeps its own books)
    uses_engine = True

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        self.s = scenario
        self.rng = rng
        prog = scenario.programme
        places = scenario.places
        if scenario.staffing is not None:
            coaches, tandems = scenario.staffing.team()
            prog = attrs.evolve(prog, capacity=Capacity(places=places))
        else:
            coaches, tandems = (), ()
        self.prog = prog
        self.coach_ids = [c.id for c in coaches if c.role.value == "provider_coach"]
        self.coach_limit = {c.id: c.max_cases for c in coaches}
        self.tandem_ids = [t.id for t in tandems]
        self.tandem_limit = {t.id: t.max_cases for t in tandems}
        staff_ids = self.tandem_ids or self.coach_ids
        self.limit = self.tandem_limit or self.coach_limit
        self.load: dict[str, int] = dict.fromkeys(staff_ids, 0)
        self.staff_order = {sid: k for k, sid in enumerate(staff_ids)}
        self.staff_heap = [(-self.limit[sid], k, sid) for k, sid in enumerate(staff_ids)]
        heapq.heapify(self.staff_heap)
        wl = scenario.waiting_list
        self.cohorts = isinstance(scenario.referrals, CohortReferrals)
        self.log = _AppendLog()
        if self.uses_engine:
            self.engine = _new_engine(
                prog, store=self.log, coaches=coaches, tandems=tandems,
                discipline="priority" if wl.discipline == "priority" else "fifo",
                auto_admit=not self.cohorts,
            )
            self.exec = self.engine.execute
            # per coach or tandem: the organisations whose consent the engine wants before it takes a case
            recipients = self.engine.assignment_recipients
            self.staff_orgs = {sid: recipients(tandem=sid) if self.tandem_ids else recipients(coach=sid)
                               for sid in staff_ids}
        streams = Streams(rng, prog)
        self.streams = streams
        self.agree_u = _stream(streams.agreement.random)
        self.priority_u = _stream(streams.priority.random)
        self.hazard_u = _stream(streams.hazards.random)
        self.routing_u = _stream(streams.routing.random)
        self.completion_u = _stream(streams.completion.random)
        self.extension_u = _stream(streams.extension.random)
        self.follow_up_u = _stream(streams.follow_up.random)
        self.plan_u = _stream(streams.plans.random)
        red = scenario.reductions
        self.breach_rates = (() if red is None else  # (ground, monthly rate) of the grounds drawn
                             tuple((g, red.rate(g)) for g in _BREACH_GROUNDS if red.rate(g) > 0))
        self.reduction_u = _stream(streams.reductions.random)
        self.durations: dict[str, Callable[[], float]] = {}
        self.terminal = {p.id for p in prog.phases if p.terminal}
        self.default_next: dict[str, str] = {}
        self.last_phases: set[str] = set()  # phases that lead on to no other phase
        for p in prog.phases:
            succ = prog.successors(p.id)
            if succ:
                onward = [t for t in succ if t not in self.terminal]
                self.default_next[p.id] = onward[0] if onward else succ[0]
                if not onward:
                    self.last_phases.add(p.id)
        for p in prog.phases:
            if not p.terminal:
                self.durations[p.id] = _draws(scenario.duration(p.id), streams.duration[p.id])
        self.patience = _draws(wl.patience, streams.patience) if wl.patience is not None else None
        ac = scenario.aftercare
        self.aftercare = (_draws(ac.duration, streams.aftercare)
                          if ac is not None and prog.aftercare is not None else None)
        # the pending actions: a calendar with one bucket per day (the actions whose time falls
        # on that day). Later days' buckets are plain lists, sorted once when the loop reaches
        # the day; the current day's bucket is a heap. Popping day by day gives the order of
        # one heap over all actions, without sifting through a heap of every pending action.
        self.calendar: dict[int, list[tuple[float, int, int, int, int, Any]]] = {}
        self.cursor = 0  # the calendar's current day: no day before it holds actions
        self.seq = 0
        self.deadlines: dict[int, float] = {}  # admission day -> model time of the maximum stay's end
        self.days: dict[int, date] = {}
        # per participant (index = number - 1), sized in run() once the referrals are drawn
        self.ids: list[str] = []
        self.token: list[int] = []
        self.referred: list[float] = []
        self.agreed: list[bool] = []
        self.waitlisted: list[float] = []
        self.left: list[float] = []
        self.admitted: list[float] = []
        self.exited: list[float] = []
        self.reason: list[int] = []
        self.outcome: list[int] = []
        self.extensions: list[int] = []
        self.staff: list[str | None] = []
        self.entries: dict[str, list[float]] = {p.id: [] for p in prog.phases if not p.terminal}
        self.entrants: dict[str, list[int]] = {p.id: [] for p in prog.phases if not p.terminal}
        self.extended_at: list[float] = []
        self.assessed: list[bool] = []
        self.consents: list[set[str] | None] = []
        # what entering a phase along an edge needs that case work provides (assessment, consent)
        self.needs_assessment = {
            (t.source, t.target): "assessed" in t.guards or prog.phase(t.target).requires_assessment
            for t in prog.transitions
        }
        self.orgs = {p.id: p.data_exchange_with for p in prog.phases}
        self.entry_assessed = prog.phase(prog.entry).requires_assessment
        self.last_cohort = -1.0
        self.index: dict[str, int] = {}
        self.waiting = 0
        self.reason_code = {r: i for i, r in enumerate(EXIT_REASONS)}
        self.outcome_code = {o: i for i, o in enumerate(OUTCOMES)}
        # per-phase and per-outcome answers the hot handlers would otherwise recompute each time
        self.phase_start = {  # phase -> (its entry times, its stays, its hazards or None)
            p.id: (self.entries[p.id], self.durations[p.id], scenario.hazards.get(p.id), self.entrants[p.id])
            for p in prog.phases if not p.terminal
        }
        self.plain_next = {  # phase -> the next phase, where moving on needs no draw, assessment or consent
            phase: nxt for phase, nxt in self.default_next.items()
            if phase not in scenario.routing and nxt not in self.terminal
            and not self.needs_assessment[(phase, nxt)] and not self.orgs[nxt]
        }
        self.hazard_exit = dict(CAUSES)  # cause -> (exit reason, outcome)
        self.is_work = {o: o.is_work for o in OutcomeKind}
        ac, fu = scenario.aftercare, scenario.follow_ups
        self.aftercare_from = None if ac is None else ac.available_from
        self.aftercare_after = {o: self.aftercare is not None and ac is not None and ac.applies(o)
                                for o in OutcomeKind}
        self.follow_up_plan = (  # (month, retention in work, later insured work)
            tuple((m, fu.retention_at(m), fu.later_work_at(m)) for m in fu.months) if fu is not None else ()
        )

    def day(self, t: float) -> date:
        d = int(t)
        out = self.days.get(d)
        if out is None:
            out = self.days[d] = date.fromordinal(d)
        return out

    def push(self, t: float, action: int, i: int, payload: Any = None) -> None:
        self.seq += 1
        if t == math.inf:  # beyond the calendar (add_months): after the horizon, never reached
            return
        entry = (t, action, self.seq, i, self.token[i], payload)
        day = int(t)
        bucket = self.calendar.get(day)
        if day > self.cursor:  # a later day: its bucket is sorted once the loop reaches it
            if bucket is None:
                self.calendar[day] = [entry]
            else:
                bucket.append(entry)
            return
        if day < self.cursor:  # never in the model (actions lie ahead), but then it goes first
            day = self.cursor
            bucket = self.calendar.get(day)
        if bucket is None:
            self.calendar[day] = [entry]
        else:
            heapq.heappush(bucket, entry)

    # -- the loop ----------------------------------------------------------------------------

    def run(self, tick: Callable[[float], None] | None = None) -> None:
        s = self.s
        start = to_time(s.start)
        self.end = end = to_time(s.end)
        arrivals = s.referrals.arrivals(self.streams.arrivals, start, end).tolist()
        n = len(arrivals)
        nan = float("nan")
        self.ids = participant_ids(n)
        self.index = {pid: i for i, pid in enumerate(self.ids)}
        self.token = [0] * n
        self.referred = arrivals
        self.agreed = [False] * n
        self.waitlisted, self.left, self.admitted, self.exited = ([nan] * n for _ in range(4))
        self.reason = [-1] * n
        self.outcome = [-1] * n
        self.extensions = [0] * n
        self.staff = [None] * n
        self.assessed = [False] * n
        self.consents = [None] * n
        calendar = self.calendar
        cursor = self.cursor = int(start)
        pop = heapq.heappop
        handlers = (self.on_hazard, self.on_phase_end, self.on_deadline, self.on_renege,
                    self.on_aftercare_end, self.on_follow_up, self.on_step, self.on_review, self.on_breach)
        token = self.token
        step = max(1, n // 100) if tick is not None else n + 1
        span = end - start
        k = 0
        while True:
            next_arrival = arrivals[k] if k < n else end
            last = int(next_arrival)
            bucket = calendar.get(cursor)
            while not bucket and cursor < last:  # move to the first day with actions left
                calendar.pop(cursor, None)
                cursor += 1
                bucket = calendar.get(cursor)
                self.cursor = cursor
                if bucket:
                    bucket.sort()  # a sorted list is a heap: from now on the day is kept as one
            if bucket and bucket[0][0] <= next_arrival:
                t, action, _, i, tok, payload = pop(bucket)
                if t >= end:
                    break
                if tok == token[i]:
                    handlers[action](t, i, payload)
            else:
                if k >= n:
                    break
                self.on_arrival(k, next_arrival)
                k += 1
                if k % step == 0 and tick is not None:
                    tick((next_arrival - start) / span)

    # -- actions -----------------------------------------------------------------------------

    def on_arrival(self, i: int, t: float) -> None:
        s = self.s
        pid = self.ids[i]
        day = self.day(t)
        ex = self.exec
        if self.cohorts and t != self.last_cohort:
            self.last_cohort = t  # a new cycle starts: those waiting from before go first
            self.after(self.engine.admit_from_waiting_list(day), t)
        ex(eng.Refer(pid, day, referrer=REFERRER))
        took = s.agreement_probability >= 1.0 or self.agree_u() < s.agreement_probability
        self.agreed[i] = took
        if not took:
            ex(eng.Decline(pid, day, reason=NO_TAKE_UP))
            return
        if self.prog.voluntary:
            ex(eng.AgreeParticipation(pid, day))
        wl = s.waiting_list
        priority = 1 if wl.priority_share and self.priority_u() < wl.priority_share else 0
        self.consent(i, pid, day, self.prog.entry)
        if self.entry_assessed:
            ex(eng.Assess(pid, day, result="suitable"))
            self.assessed[i] = True
        closed = wl.discipline == "none" or (wl.max_length is not None and self.waiting >= wl.max_length)
        try:
            events = ex(eng.Admit(pid, day, priority=priority, waitlist=not closed))
        except CapacityExceeded:
            ex(eng.Decline(pid, day, reason=NO_PLACE_FREE))
            self.left[i] = t
            return
        self.after(events, t)

    def after(self, events: tuple[Event, ...], t: float) -> None:
        """React to what the engine did: admissions (also from its waiting list), listings."""
        for e in events:
            kind = type(e)
            if kind is Admitted:
                self.on_admitted(self.index[e.participant_id], t)
            elif kind is Waitlisted:
                i = self.index[e.participant_id]
                self.waitlisted[i] = t
                self.waiting += 1
                if self.patience is not None:
                    self.push(add_months(t, self.patience()), _RENEGE, i)

    def on_admitted(self, i: int, t: float) -> None:
        if self.waitlisted[i] == self.waitlisted[i]:  # not NaN: came from the waiting list
            self.waiting -= 1
        self.token[i] += 1
        self.admitted[i] = t
        pid = self.ids[i]
        if self.load:
            self.assign(i, pid, t)
        max_duration = self.prog.max_duration
        if max_duration is not None:
            day = int(t)
            until = self.deadlines.get(day)
            if until is None:
                until = self.deadlines[day] = to_time(self.day(t) + max_duration)
            self.push(until + (t - day), _DEADLINE, i)
        self.start_phase(i, self.prog.entry, t)
        if self.s.scales:
            self.score(i, pid, t, exit_mean=False)
        if self.s.plans is not None:
            self.plan(i, pid, t, first=True)
        for ground, rate in self.breach_rates:
            self.next_breach(i, t, ground, rate)

    def score(self, i: int, pid: str, t: float, *, exit_mean: bool) -> None:
        """Score each scale of the scenario (item answers around the entry or exit mean)."""
        day = self.day(t)
        for model in self.s.scales:
            _, low, high = SCALE_ITEMS[model.scale]
            mean = model.exit if exit_mean else model.entry
            raw = np.clip(np.rint(self.streams.scales.normal(mean, model.sd, model.items)), low, high)
            self.exec(eng.ScoreScale(pid, day, model.scale, tuple(int(v) for v in raw)))

    def plan(self, i: int, pid: str, t: float, *, first: bool) -> None:
        """Agree (or review) the cooperation plan; with the first plan, agree its steps."""
        plans = self.s.plans
        assert plans is not None
        day = self.day(t)
        review = add_months(t, plans.review)
        self.exec(eng.AgreePlan(pid, day, "Kooperationsplan", review=self.day(review)))
        self.push(review, _REVIEW, i)
        if first:
            due = add_months(t, plans.due)
            for k in range(1, plans.steps + 1):
                step = f"s{k}"
                self.exec(eng.AgreePlanStep(pid, day, step, description=f"Schritt {k}", due=self.day(due)))
                if self.plan_u() < plans.achieve:
                    self.push(t + self.plan_u() * (due - t), _STEP, i, step)

    def on_step(self, t: float, i: int, step: str) -> None:
        self.exec(eng.AchievePlanStep(self.ids[i], self.day(t), step))

    def on_review(self, t: float, i: int, _payload: Any) -> None:
        self.plan(i, self.ids[i], t, first=False)

    def next_breach(self, i: int, t: float, ground: str, rate: float) -> None:
        """Draw the time to the participant's next breach of ``ground`` (exponential, monthly rate)."""
        self.push(add_months(t, -math.log1p(-self.reduction_u()) / rate), _BREACH, i, (ground, rate))

    def reduce(self, i: int, t: float, ground: str, *, coaching_breakoff: bool = False) -> None:
        """A breach: the engine decides the Leistungsminderung (a refusal writes nothing)."""
        red = self.s.reductions
        assert red is not None
        hardship = red.hardship > 0 and self.reduction_u() < red.hardship
        with contextlib.suppress(TransitionRefused):  # hardship, § 16k Abs. 4, the cap, the law in force
            self.exec(eng.ReduceBenefit(self.ids[i], self.day(t), ground, hardship=hardship,
                                    coaching_breakoff=coaching_breakoff))

    def on_breach(self, t: float, i: int, payload: tuple[str, float]) -> None:
        ground, rate = payload
        self.reduce(i, t, ground)
        self.next_breach(i, t, ground, rate)

    def free_staff(self, staff: str, change: int) -> None:
        """Book a case on (+1) or off (-1) a coach or tandem, for choosing the next one."""
        load = self.load[staff] + change
        self.load[staff] = load
        heapq.heappush(self.staff_heap, (load - self.limit[staff], self.staff_order[staff], staff))

    def best_staff(self) -> str | None:
        """The coach (or tandem) with the most free cases (None: no staff)."""
        heap = self.staff_heap
        while heap:
            neg_free, _, best = heap[0]
            if neg_free == self.load[best] - self.limit[best]:
                return best
            heapq.heappop(heap)  # stale entry
        return None

    def assign(self, i: int, pid: str, t: float) -> None:
        """Give the case to the coach (or tandem) with the most free cases; the engine checks."""
        best = self.best_staff()
        if best is None:
            return
        day = self.day(t)
        orgs = self.staff_orgs[best]
        if orgs:  # the case goes to a provider: the participant consents first (no draw)
            self.consent_to(i, pid, day, orgs)
        try:
            if self.tandem_limit:
                self.exec(eng.AssignTandem(pid, day, best))
            else:
                self.exec(eng.AssignCoach(pid, day, best))
        except CapacityExceeded:
            return  # every caseload is full: the case stays without coach (shown by the caseload table)
        self.free_staff(best, 1)
        self.staff[i] = best

    def consent(self, i: int, pid: str, day: date, phase: str) -> None:
        """Record the consents a phase's data exchange needs (participants agree in this model)."""
        orgs = self.orgs[phase]
        if orgs:
            self.consent_to(i, pid, day, orgs)

    def consent_to(self, i: int, pid: str, day: date, orgs: Iterable[str]) -> None:
        """Record the participant's data-exchange consents with ``orgs`` not given yet."""
        given = self.consents[i]
        if given is None:
            given = self.consents[i] = set()
        for org in orgs:
            if org not in given:
                self.exec(eng.RecordConsent(pid, day, org))
                given.add(org)

    def start_phase(self, i: int, phase: str, t: float) -> None:
        entries, durations, hz, entrants = self.phase_start[phase]
        entries.append(t)
        entrants.append(i)
        stay = durations()
        if hz is not None:
            u = self.hazard_u
            hit = hz.draw(u(), u(), u())
            if hit is not None and hit[0] < stay:
                self.push(add_months(t, hit[0]), _EXIT_HAZARD, i, hit[1])
                return
        self.push(add_months(t, stay), _PHASE_END, i, phase)

    def route(self, phase: str) -> str:
        """The phase after ``phase``: its default, or drawn from its routing (one uniform draw)."""
        nxt = self.default_next[phase]
        if phase in self.s.routing:
            u = self.routing_u()
            acc = 0.0
            for target, p in self.s.routing[phase]:
                acc += p
                nxt = target
                if u < acc:
                    break
        return nxt

    def completion_outcome(self, phase: str) -> OutcomeKind:
        """The outcome of a completion from ``phase``: drawn for the pathway's last phases, else none."""
        outcome = OutcomeKind.NONE
        if phase in self.last_phases:  # the pathway's end: outcomes of completers (one uniform draw)
            u = self.completion_u()
            acc = 0.0
            for kind, p in self.s.completion:
                acc += p
                outcome = kind
                if u < acc:
                    break
        return outcome

    def on_phase_end(self, t: float, i: int, phase: str) -> None:
        nxt = self.plain_next.get(phase)
        if nxt is not None:  # on along the phase model, with nothing to draw or record first
            day = self.days.get(int(t)) or self.day(t)
            try:
                events = self.exec(eng.EnterPhase(self.ids[i], day, nxt))
            except CapacityExceeded:
                self.push(add_months(t, 1.0), _PHASE_END, i, phase)  # phase full: try again in a month
                return
            self.start_phase(i, nxt, t)
            if len(events) > 1:  # the entry phase freed a place: the engine admitted from its list
                self.after(events, t)
            return
        nxt = self.route(phase)
        if nxt in self.terminal:
            self.leave(i, t, ExitReason.COMPLETED, self.completion_outcome(phase), nxt)
            return
        pid = self.ids[i]
        day = self.day(t)
        if self.needs_assessment[(phase, nxt)] and not self.assessed[i]:
            self.exec(eng.Assess(pid, day, result="suitable"))
            self.assessed[i] = True
        self.consent(i, pid, day, nxt)
        try:
            events = self.exec(eng.EnterPhase(pid, day, nxt))
        except CapacityExceeded:
            self.push(add_months(t, 1.0), _PHASE_END, i, phase)  # phase full: try again in a month
            return
        self.start_phase(i, nxt, t)
        if len(events) > 1:
            self.after(events, t)

    def on_hazard(self, t: float, i: int, cause: str) -> None:
        reason, outcome = self.hazard_exit[cause]
        self.leave(i, t, reason, outcome, None)

    def on_deadline(self, t: float, i: int, _payload: Any) -> None:
        s = self.s
        if s.extension_probability and self.extension_u() < s.extension_probability:
            try:
                events = self.exec(eng.Extend(self.ids[i], self.day(t), reason="Verlängerung"))
            except TransitionRefused:
                pass
            else:
                self.extensions[i] += 1
                self.extended_at.append(t)
                until = next(e.until for e in events if isinstance(e, Extended))
                self.push(to_time(until) + (t - int(t)), _DEADLINE, i)
                return
        self.leave(i, t, ExitReason.MAX_DURATION, OutcomeKind.NONE, None)

    def on_renege(self, t: float, i: int, _payload: Any) -> None:
        self.exec(eng.Renege(self.ids[i], self.day(t), reason=GAVE_UP))
        self.left[i] = t
        self.waiting -= 1
        self.token[i] += 1

    def leave(self, i: int, t: float, reason: ExitReason, outcome: OutcomeKind, phase: str | None) -> None:
        pid = self.ids[i]
        day = self.day(t)
        self.token[i] += 1
        staff = self.staff[i]
        if self.s.scales:
            self.score(i, pid, t, exit_mean=reason is ExitReason.COMPLETED or self.is_work[outcome])
        red = self.s.reductions
        if red is not None and reason is ExitReason.DROPOUT and red.on_dropout > 0 \
                and self.reduction_u() < red.on_dropout:  # breaking off the measure (§ 31 Abs. 1 Nr. 3)
            self.reduce(i, t, "duty_breach", coaching_breakoff=True)
        events = self.exec(eng.Exit(pid, day, reason, outcome, phase))
        if staff is not None:
            self.free_staff(staff, -1)
        self.exited[i] = t
        self.reason[i] = self.reason_code[reason]
        self.outcome[i] = self.outcome_code[outcome]
        self.after(events, t)
        aftercare = self.aftercare
        if aftercare is not None and self.aftercare_after[outcome] and (
                self.aftercare_from is None or day >= self.aftercare_from):  # date-effective offer
            self.exec(eng.StartAftercare(pid, day))
            self.push(add_months(t, aftercare()), _AFTERCARE_END, i)
        if self.follow_up_plan:
            self.plan_follow_ups(i, t, outcome)

    def plan_follow_ups(self, i: int, t: float, outcome: OutcomeKind) -> None:
        """Draw the follow-up statuses of an exit at ``t`` and schedule them (their own stream)."""
        u, push, none = self.follow_up_u, self.push, OutcomeKind.NONE
        if self.is_work[outcome]:
            for m, retention, _ in self.follow_up_plan:
                push(add_months(t, m), _FOLLOW_UP, i, (m, outcome if u() < retention else none))
        else:
            svp = OutcomeKind.SVP
            for m, _, later in self.follow_up_plan:
                push(add_months(t, m), _FOLLOW_UP, i, (m, svp if u() < later else none))

    def on_aftercare_end(self, t: float, i: int, _payload: Any) -> None:
        self.exec(eng.EndAftercare(self.ids[i], self.day(t)))

    def on_follow_up(self, t: float, i: int, payload: tuple[int, OutcomeKind]) -> None:
        months, status = payload
        self.exec(eng.RecordFollowUp(self.ids[i], self.day(t), months, status,
                                     receives_benefit=self.receives_benefit(status)))

    def receives_benefit(self, status: OutcomeKind) -> bool | None:
        """A follow-up's benefit status: unknown without costs; with them none while in an Integration."""
        return None if self.s.costs is None else not status.is_integration

    # -- result ------------------------------------------------------------------------------

    def pathways(self) -> Pathways:
        return Pathways.from_lists(
            referred=self.referred, agreed=self.agreed, waitlisted=self.waitlisted,
            left_list=self.left, admitted=self.admitted, exited=self.exited,
            exit_reason=self.reason, outcome=self.outcome, extensions=self.extensions,
            phase_entries=self.entries, extended_at=self.extended_at, phase_entrants=self.entrants,
        )


def run_replication(
    scenario: Scenario, rng: np.random.Generator, *, index: int = 0, keep_events: bool = True,
    tick: Callable[[float], None] | None = None,
) -> Replication:
    """Simulate one replication of ``scenario`` with the random stream ``rng``.

    Args:
        scenario: the scenario.
        rng: the replication's generator (see :func:`~langzeit.simulation.simulate`).
        index: the replication's number.
        keep_events: keep the events in the result.
        tick: called with the share of the model time done, about 100 times a run.

    Returns:
        The replication's events, pathways and metrics.
    """
    with collector_paused():  # a run allocates millions of events that live to the end: no cycles
        run = _Run(scenario, rng)
        run.run(tick)
        pathways = run.pathways()
        metrics = replication_metrics(pathways, observed_from=to_time(scenario.observed_from),
                                      end=to_time(scenario.end))
        if scenario.costs is not None:  # read from the events, by the indicator's one definition
            metrics.update(cost_metrics(scenario, run.log._events))
        events = tuple(run.log._events) if keep_events else ()
        del run  # the engine's states and the loop's lists go now, before the collector runs again
        return Replication(index, events, pathways, metrics)
