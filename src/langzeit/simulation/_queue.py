"""Simulation layer: the queue kernel — pathways of queue-shaped scenarios without an event loop.

Many what-if questions about places and waiting lists ("what would 12 more places or
a waiting list with reneging do?") are asked of scenarios that are a plain queue:
referrals arrive, some take part, a place is taken at once or after waiting in
FIFO order (or the participant gives up or is turned away), one phase of a drawn
length follows, and the place frees at exit. For such a scenario every decision
the pathway engine makes — admit now, put on the list, admit the head of the list
when a place frees, turn away when the list is closed — is a function of the
arrival times and stays alone, and the classical multi-server recursion computes
it in one pass over the participants: participant *i* (in FIFO order) takes the
place that frees first, ``start = max(arrival, earliest free place)``.

The kernel returns the same :class:`~langzeit.simulation.Pathways` as the event
loop through the engine, draw for draw (each random quantity has its own stream,
see ``_streams``); ``tests/simulation/test_queue.py`` checks that on random
queue-shaped scenarios. It writes no events: :func:`~langzeit.simulation.simulate`
uses it only when the events are not kept (``keep_events=False``), and the engine
stays the one place where the rules live and events are written.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from langzeit.domain import ExitReason
from langzeit.exceptions import ValidationError
from langzeit.simulation._clock import add_months, to_time
from langzeit.simulation._distributions import DAYS_PER_MONTH
from langzeit.simulation._referrals import CohortReferrals
from langzeit.simulation._results import EXIT_REASONS, OUTCOMES, Pathways, Replication, replication_metrics
from langzeit.simulation._scenario import Scenario
from langzeit.simulation._streams import Streams

__all__ = ["queue_obstacles", "run_queue"]

_COMPLETED = EXIT_REASONS.index(ExitReason.COMPLETED)


def queue_obstacles(scenario: Scenario) -> tuple[str, ...]:
    """Why ``scenario`` is not a plain queue that the queue kernel can compute (empty: it is).

    A queue-shaped scenario has one phase before exit, places for the whole
    programme only, referrals that are not cohorts, FIFO or no waiting list (reneging
    and a maximum list length are fine), and no staffing, hazards, routing, maximum
    stay, aftercare, follow-ups, plans, scales, reductions, consent, assessment or guards.

    Args:
        scenario: the scenario.

    Returns:
        One readable reason per feature that needs the event loop through the engine.

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> queue_obstacles(load_scenario("mm-c-queue"))
        ()
        >>> queue_obstacles(load_scenario("geh-vor"))[:2]
        ('2 phases before exit (the kernel handles 1)', 'staffing (caseloads of coaches or tandems)')
    """
    s, prog = scenario, scenario.programme
    out: list[str] = []
    phases = [p for p in prog.phases if not p.terminal]
    if len(phases) != 1:
        out.append(f"{len(phases)} phases before exit (the kernel handles 1)")
    if s.staffing is not None:
        out.append("staffing (caseloads of coaches or tandems)")
    if isinstance(s.referrals, CohortReferrals):
        out.append("cohort referrals (admission on cycle days)")
    if any(p.places is not None for p in prog.phases):
        out.append("places per phase")
    if prog.max_duration is not None:
        out.append("a maximum stay (deadlines and extensions)")
    if any(p.requires_assessment or p.data_exchange_with for p in prog.phases):
        out.append("assessment or consent for data exchange required by a phase")
    if any(t.guards for t in prog.transitions):
        out.append("guards on transitions")
    if s.waiting_list.discipline == "priority" and s.waiting_list.priority_share > 0:
        out.append("a priority waiting list")
    features = (("competing hazards", bool(s.hazards)), ("routing", bool(s.routing)),
                ("aftercare", s.aftercare is not None), ("follow-ups", s.follow_ups is not None),
                ("cooperation plans", s.plans is not None), ("scales", bool(s.scales)),
                ("Leistungsminderungen", s.reductions is not None),
                ("costs (benefit relief is read from the events)", s.costs is not None))
    for feature, present in features:
        if present:
            out.append(feature)
    return tuple(out)


def run_queue(scenario: Scenario, rng: np.random.Generator, *, index: int = 0) -> Replication:
    """The pathways and metrics of a queue-shaped scenario, computed without events.

    Args:
        scenario: a scenario without :func:`queue_obstacles`.
        rng: the replication's generator (as for the event loop).
        index: the replication's number.

    Returns:
        The replication with no events, and the pathways the event loop would give.

    Raises:
        ValueError: the scenario is not queue-shaped (the reasons are listed).

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> rep = run_queue(load_scenario("mm-c-queue"), np.random.default_rng(1))
        >>> rep.events, rep.metrics["referred"] > 0
        ((), True)
    """
    obstacles = queue_obstacles(scenario)
    if obstacles:
        raise ValidationError(f"scenario {scenario.id!r} is not a plain queue: " + "; ".join(obstacles))
    s, prog = scenario, scenario.programme
    streams = Streams(rng, prog)
    phase = next(p for p in prog.phases if not p.terminal)
    start, end = to_time(s.start), to_time(s.end)
    arrivals = s.referrals.arrivals(streams.arrivals, start, end)
    n = len(arrivals)
    nan = math.nan
    took = (np.ones(n, dtype=bool) if s.agreement_probability >= 1.0
            else streams.agreement.random(n) < s.agreement_probability)
    joined = np.flatnonzero(took)
    m = len(joined)
    # values each stream would hand out one by one, in the order the event loop asks for them
    stays = s.duration(phase.id).sample(streams.duration[phase.id], m).tolist()
    wl = s.waiting_list
    patience = wl.patience.sample(streams.patience, m).tolist() if wl.patience is not None else None
    places = s.places
    waitlist_open = wl.discipline != "none"
    max_length = wl.max_length
    waitlisted = [nan] * n
    left = [nan] * n
    admitted = [nan] * n
    ends = [nan] * n  # end of the stay (exit) of everyone admitted, also beyond the horizon
    entries: list[float] = []
    entrants: list[int] = []
    free = [-math.inf] * places if places is not None else None  # when each place frees (a heap)
    leaving: list[float] = []  # when each one on the waiting list leaves it (a heap)
    replace, push, pop = heapq.heapreplace, heapq.heappush, heapq.heappop
    dpm = DAYS_PER_MONTH
    arrival_list = arrivals.tolist()
    taken = 0  # stays handed out
    waited = 0  # patience values handed out
    for i in joined.tolist():
        a = arrival_list[i]
        if free is None:
            begin = a
        else:
            first = free[0]
            if first <= a:
                begin = a
            else:
                if max_length is not None:
                    while leaving and leaving[0] <= a:
                        pop(leaving)
                if not waitlist_open or (max_length is not None and len(leaving) >= max_length):
                    left[i] = a  # the list is closed: turned away ("no place free")
                    continue
                waitlisted[i] = a
                if patience is not None:
                    give_up = add_months(a, patience[waited])
                    waited += 1
                    if give_up < first:  # gives up before a place frees (a tie goes to the place)
                        if give_up < end:
                            left[i] = give_up
                        if max_length is not None:
                            push(leaving, give_up)
                        continue
                begin = first
                if max_length is not None:
                    push(leaving, begin)
        stay = stays[taken]
        taken += 1
        done = begin + stay * dpm if stay < 1.0 else add_months(begin, stay)
        if free is not None:
            replace(free, done)
        if begin < end:
            admitted[i] = begin
            entries.append(begin)
            entrants.append(i)
            if done < end:
                ends[i] = done
    exited, outcome = _completions(s, streams, ends)
    reason = [_COMPLETED if e == e else -1 for e in exited]
    pathways = Pathways.from_lists(
        referred=arrival_list, agreed=took.tolist(), waitlisted=waitlisted, left_list=left, admitted=admitted,
        exited=exited, exit_reason=reason, outcome=outcome, phase_entries={phase.id: entries},
        phase_entrants={phase.id: entrants},
    )
    metrics = replication_metrics(pathways, observed_from=to_time(s.observed_from), end=end)
    return Replication(index, (), pathways, metrics, method="queue")


def _completions(s: Scenario, streams: Streams, ends: list[float]) -> tuple[list[float], list[int]]:
    """Exit times and outcome codes: completers' outcomes drawn in the order of their exits."""
    exits = np.asarray(ends, dtype=np.float64)
    done = np.flatnonzero(~np.isnan(exits))
    order = done[np.argsort(exits[done], kind="stable")]  # ties: in order of admission
    kinds = [OUTCOMES.index(kind) for kind, _ in s.completion]
    cumulative = np.cumsum([p for _, p in s.completion])
    u = streams.completion.random(len(order))
    pick = np.minimum(np.searchsorted(cumulative, u, side="right"), len(kinds) - 1)
    outcome = np.full(len(ends), -1, dtype=np.int64)
    outcome[order] = np.asarray(kinds, dtype=np.int64)[pick]
    return ends, outcome.tolist()
