"""Simulation layer: the pathway kernel — multi-phase pathways without engine commands or events.

When a run keeps no events, what it returns are the pathways and their metrics, and
for those the pathway engine only ever makes a few decisions on the simulator's
commands: admit now or list (a free place in the programme and in its entry phase),
turn away (the list is closed), admit from the head of the list when a place frees,
refuse a phase that is full (the loop tries again a month later), refuse an
extension once all are used, and refuse a case to a full caseload. The kernel is the
event loop of ``_model`` itself — the same calendar, the same handlers for stays,
hazards and routing, the same draws in the same order — with those decisions taken
from its own counters instead of from commands executed by an engine, and without
the commands that change no pathway (referral, agreement, consent, assessment,
cooperation plans, scales, aftercare, follow-ups: they draw from streams of their
own, see ``_streams``, so leaving them out moves no other draw). With ``[costs]`` it
also draws the follow-ups (``_Run.plan_follow_ups``, their own stream) and keeps the
exits and follow-ups as the events the engine writes, for :func:`cost_metrics` — the
cost metrics read by the indicator's one definition, from the same events.

``tests/simulation/test_kernel.py`` checks on random programmes (several phases,
routing, hazards, places per phase, a maximum stay with extensions, aftercare,
follow-ups, waiting lists with priority and reneging, coaches and tandems, costs) that the
kernel's pathways and metrics equal the engine-driven loop's draw for draw. A
replication whose events are kept runs on the engine; the only events the kernel
builds are the exits and follow-ups the cost metrics read, as the engine writes them
(checked by the same tests). :func:`kernel_obstacles`
lists what the kernel does not model, and :func:`~langzeit.simulation.simulate`
takes the engine there.
"""

from __future__ import annotations

import heapq
from datetime import date
from typing import Any

import numpy as np

from langzeit._gc import collector_paused
from langzeit.domain import ExitReason, OutcomeKind
from langzeit.events import Event, Exited, FollowUp
from langzeit.exceptions import ValidationError
from langzeit.simulation._clock import add_months, to_time
from langzeit.simulation._costs import cost_metrics
from langzeit.simulation._model import _DEADLINE, _PHASE_END, _RENEGE, _Run
from langzeit.simulation._referrals import CohortReferrals
from langzeit.simulation._results import Replication, replication_metrics
from langzeit.simulation._scenario import Scenario

__all__ = ["kernel_obstacles", "run_kernel"]

_MAX_DURATION = ExitReason.MAX_DURATION
_NONE = OutcomeKind.NONE


def kernel_obstacles(scenario: Scenario) -> tuple[str, ...]:
    """Why the pathway kernel cannot compute ``scenario`` without the engine (empty: it can).

    The kernel models several phases, routing, competing hazards, places for the
    programme and per phase, a maximum stay with extensions, FIFO and priority
    waiting lists with reneging and a maximum length, coaches and tandems, and skips
    what changes no pathway (consent, assessment, cooperation plans, scales,
    aftercare, follow-ups; with costs it keeps the exits and follow-ups their metrics
    read). It does not model cohort referrals (admission on cycle days),
    Leistungsminderungen, nor programmes on which the simulator's own commands would
    be refused (the engine then raises the refusal): an ``agreement`` guard in a
    programme that is not voluntary, or an exit that needs consent, an assessment or
    an agreement.

    Args:
        scenario: the scenario.

    Returns:
        One readable reason per feature that needs the event loop through the engine.

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> kernel_obstacles(load_scenario("rpe-euregio"))
        ()
        >>> kernel_obstacles(load_scenario("pan-ploen"))
        ('cohort referrals (admission on cycle days)',)
    """
    prog = scenario.programme
    out: list[str] = []
    if isinstance(scenario.referrals, CohortReferrals):
        out.append("cohort referrals (admission on cycle days)")
    if scenario.reductions is not None:
        out.append("Leistungsminderungen (decided by the engine)")
    phases = {p.id: p for p in prog.phases}
    if not prog.voluntary and any("agreement" in t.guards for t in prog.transitions):
        out.append("an agreement guard in a programme that is not voluntary (the engine refuses)")
    for t in prog.transitions:
        target = phases[t.target]
        if target.terminal and (t.guards or target.data_exchange_with or target.requires_assessment):
            out.append(f"the exit {t.source!r} → {t.target!r} is guarded (the engine decides)")
    return tuple(out)


class _Kernel(_Run):
    """The event loop with the engine's decisions taken from counters (private; see :func:`run_kernel`)."""

    uses_engine = False

    def __init__(self, scenario: Scenario, rng: np.random.Generator) -> None:
        super().__init__(scenario, rng)
        prog = self.prog
        self.total = prog.capacity.total  # the staffing's caseloads when staffed (see _Run)
        self.entry = prog.entry
        #: phase -> its places; occupants are counted for these phases only
        self.phase_places = {p.id: p.places for p in prog.phases if p.places is not None}
        self.in_phase = dict.fromkeys(self.phase_places, 0)
        self.entry_places = self.phase_places.get(self.entry)
        self.occupied = 0
        self.where: dict[int, str] = {}  # participant -> phase, while holding a place
        self.listed: dict[int, int] = {}  # participant -> its waiting-list sequence, while listed
        self.queue: list[tuple[int, ...]] = []  # the waiting list's heap, stale entries skipped
        self.listings = 0
        self.priority_list = scenario.waiting_list.discipline == "priority"
        self.until: dict[int, date] = {}  # participant -> the end of the stay as extended
        rule = prog.extension
        self.extension_rule = rule if rule is not None and rule.max_extensions > 0 else None
        #: with costs: the exits and follow-ups the cost metrics read, as the engine writes them
        self.cost_events: list[Event] | None = [] if scenario.costs is not None else None

    # -- the engine's books --------------------------------------------------------------------

    def room(self) -> bool:
        """A free place in the programme and in its entry phase (the engine's ``_room``)."""
        if self.total is not None and self.occupied >= self.total:
            return False
        return self.entry_places is None or self.in_phase[self.entry] < self.entry_places

    def take_place(self, i: int) -> None:
        self.occupied += 1
        entry = self.entry
        self.where[i] = entry
        if entry in self.in_phase:
            self.in_phase[entry] += 1

    def fill(self, t: float) -> None:
        """A place freed: admit from the head of the list while there is room (``auto_admit``)."""
        queue, listed = self.queue, self.listed
        admitted = []
        while queue and self.room():
            entry = heapq.heappop(queue)
            i = entry[-1]
            if listed.get(i) != entry[-2]:
                continue  # stale: reneged since
            del listed[i]
            self.take_place(i)
            admitted.append(i)
        for i in admitted:
            self.on_admitted(i, t)

    # -- actions -----------------------------------------------------------------------------

    def on_arrival(self, i: int, t: float) -> None:
        s = self.s
        took = s.agreement_probability >= 1.0 or self.agree_u() < s.agreement_probability
        self.agreed[i] = took
        if not took:
            return
        wl = s.waiting_list
        priority = 1 if wl.priority_share and self.priority_u() < wl.priority_share else 0
        if self.room():
            self.take_place(i)
            self.on_admitted(i, t)
            return
        if wl.discipline == "none" or (wl.max_length is not None and self.waiting >= wl.max_length):
            self.left[i] = t  # turned away: no place free
            return
        self.listings += 1
        self.listed[i] = self.listings
        key = (-priority, self.listings, i) if self.priority_list else (self.listings, i)
        heapq.heappush(self.queue, key)
        self.waitlisted[i] = t
        self.waiting += 1
        if self.patience is not None:
            self.push(add_months(t, self.patience()), _RENEGE, i)

    def assign(self, i: int, pid: str, t: float) -> None:
        best = self.best_staff()
        if best is None or self.load[best] >= self.limit[best]:
            return  # every caseload is full: the engine refuses the case (no coach)
        self.free_staff(best, 1)
        self.staff[i] = best

    def score(self, i: int, pid: str, t: float, *, exit_mean: bool) -> None:
        """Scales change no pathway and draw from their own stream: not scored."""

    def plan(self, i: int, pid: str, t: float, *, first: bool) -> None:
        """Cooperation plans change no pathway and draw from their own stream: not agreed."""

    def on_phase_end(self, t: float, i: int, phase: str) -> None:
        nxt = self.plain_next.get(phase)
        if nxt is None:
            nxt = self.route(phase)
            if nxt in self.terminal:
                self.leave(i, t, ExitReason.COMPLETED, self.completion_outcome(phase), nxt)
                return
        in_phase = self.in_phase
        places = self.phase_places.get(nxt)
        if places is not None and in_phase[nxt] >= places:
            self.push(add_months(t, 1.0), _PHASE_END, i, phase)  # phase full: try again in a month
            return
        if phase in in_phase:
            in_phase[phase] -= 1
        if places is not None:
            in_phase[nxt] += 1
        self.where[i] = nxt
        self.start_phase(i, nxt, t)
        if self.queue and self.room():
            self.fill(t)  # the phase left freed a place (of the entry phase): the engine fills it

    def on_deadline(self, t: float, i: int, _payload: Any) -> None:
        s = self.s
        if s.extension_probability and self.extension_u() < s.extension_probability:
            rule = self.extension_rule
            if rule is not None and self.extensions[i] < rule.max_extensions:
                base = self.until.get(i)
                if base is None:
                    max_duration = self.prog.max_duration
                    assert max_duration is not None  # a deadline is set only with a maximum stay
                    base = self.day(self.admitted[i]) + max_duration
                until = self.until[i] = base + rule.length
                self.extensions[i] += 1
                self.extended_at.append(t)
                self.push(to_time(until) + (t - int(t)), _DEADLINE, i)
                return
        self.leave(i, t, _MAX_DURATION, _NONE, None)

    def on_renege(self, t: float, i: int, _payload: Any) -> None:
        del self.listed[i]
        self.left[i] = t
        self.waiting -= 1
        self.token[i] += 1

    def leave(self, i: int, t: float, reason: ExitReason, outcome: OutcomeKind, phase: str | None) -> None:
        self.token[i] += 1
        staff = self.staff[i]
        if staff is not None:
            self.free_staff(staff, -1)
        self.occupied -= 1
        where = self.where.pop(i)
        if where in self.in_phase:
            self.in_phase[where] -= 1
        self.exited[i] = t
        self.reason[i] = self.reason_code[reason]
        self.outcome[i] = self.outcome_code[outcome]
        cost_events = self.cost_events
        if cost_events is not None:
            cost_events.append(Exited(f"k{len(cost_events)}", self.ids[i], self.day(t), reason=reason,
                                      outcome=outcome))
            if self.follow_up_plan:
                self.plan_follow_ups(i, t, outcome)
        if self.queue:
            self.fill(t)

    def on_follow_up(self, t: float, i: int, payload: tuple[int, OutcomeKind]) -> None:
        """A follow-up (planned only with costs): recorded as the engine records it."""
        cost_events = self.cost_events
        assert cost_events is not None
        months, status = payload
        cost_events.append(FollowUp(f"k{len(cost_events)}", self.ids[i], self.day(t),
                                    months_after_exit=months, status=status,
                                    receives_benefit=self.receives_benefit(status)))


def run_kernel(scenario: Scenario, rng: np.random.Generator, *, index: int = 0) -> Replication:
    """The pathways and metrics of ``scenario`` from the pathway kernel, without events.

    Args:
        scenario: a scenario without :func:`kernel_obstacles`.
        rng: the replication's generator (as for the event loop).
        index: the replication's number.

    Returns:
        The replication with no events, and the pathways the event loop through the
        engine gives on the same generator.

    Raises:
        ValueError: the scenario has kernel obstacles (they are listed).

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> rep = run_kernel(load_scenario("rpe-euregio"), np.random.default_rng(1))
        >>> rep.events, rep.method, rep.metrics["referred"] > 0
        ((), 'kernel', True)
    """
    obstacles = kernel_obstacles(scenario)
    if obstacles:
        raise ValidationError(f"scenario {scenario.id!r} needs the engine: " + "; ".join(obstacles))
    with collector_paused():  # as the event loop: many small objects, no cycles
        run = _Kernel(scenario, rng)
        run.run()
        pathways = run.pathways()
        cost_events = run.cost_events
        del run
    metrics = replication_metrics(pathways, observed_from=to_time(scenario.observed_from),
                                  end=to_time(scenario.end))
    if cost_events is not None:  # read from the events, by the indicator's one definition
        metrics.update(cost_metrics(scenario, cost_events))
    return Replication(index, (), pathways, metrics, method="kernel")
