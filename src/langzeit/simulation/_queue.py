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
see ``_streams``). Asked for the events, it writes the engine's log too: the
decisions are the recursion's, and :func:`_log` only puts them in the order the event
loop takes its happenings — pending exits and give-ups before an arrival at the same
instant, exits before give-ups, equal kinds in the order they were scheduled, an
admission from the waiting list right after the exit that freed its place — and
writes for each what the engine writes for the simulator's command (same types,
ids ``"<participant>-<version>"``, fields and days). ``tests/simulation/test_queue.py``
checks pathways, metrics and logs against the engine-driven loop on random
queue-shaped scenarios and on ties; :func:`~langzeit.simulation.simulate` uses the
kernel for plain queues with or without events.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from datetime import date

import numpy as np

from langzeit._gc import collector_paused
from langzeit.domain import ExitReason
from langzeit.events import (
    Admitted,
    Declined,
    Event,
    Exited,
    ParticipationAgreed,
    PhaseEntered,
    Referred,
    Reneged,
    Waitlisted,
)
from langzeit.events._fields import slot_constructor
from langzeit.exceptions import ValidationError
from langzeit.simulation._clock import add_months, to_time
from langzeit.simulation._distributions import DAYS_PER_MONTH
from langzeit.simulation._model import GAVE_UP, NO_PLACE_FREE, NO_TAKE_UP, REFERRER, participant_ids
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
        One readable reason per feature the queue kernel does not model; such a scenario
        runs in the pathway kernel, or through the engine when it has
        :func:`~langzeit.simulation.kernel_obstacles`.

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


def run_queue(scenario: Scenario, rng: np.random.Generator, *, index: int = 0,
              keep_events: bool = False) -> Replication:
    """The pathways and metrics of a queue-shaped scenario, and on request its event log.

    Args:
        scenario: a scenario without :func:`queue_obstacles`.
        rng: the replication's generator (as for the event loop).
        index: the replication's number.
        keep_events: also write the events, those of the event loop through the engine.

    Returns:
        The replication with the pathways (and events) the event loop would give.

    Raises:
        ValueError: the scenario is not queue-shaped (the reasons are listed).

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> rep = run_queue(load_scenario("mm-c-queue"), np.random.default_rng(1))
        >>> rep.events, rep.metrics["referred"] > 0
        ((), True)
        >>> logged = run_queue(load_scenario("mm-c-queue"), np.random.default_rng(1), keep_events=True)
        >>> [e.type for e in logged.events[:3]]
        ['referred', 'admitted', 'phase_entered']
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
    events: tuple[Event, ...] = ()
    if keep_events:
        with collector_paused():  # as the event loop: half a million small objects, no cycles
            events = _log(s, arrival_list, took.tolist(), waitlisted, left, admitted, ends, outcome)
    return Replication(index, events, pathways, metrics, method="queue")


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


_new_referred = slot_constructor(Referred, ("event_id", "participant_id", "date", "programme_id", "referrer"))
_new_declined = slot_constructor(Declined, ("event_id", "participant_id", "date", "reason"))
_new_agreed = slot_constructor(ParticipationAgreed, ("event_id", "participant_id", "date"))
_new_waitlisted = slot_constructor(Waitlisted, ("event_id", "participant_id", "date", "priority"))
_new_reneged = slot_constructor(Reneged, ("event_id", "participant_id", "date", "reason"))
_new_admitted = slot_constructor(Admitted, ("event_id", "participant_id", "date"))
_new_entered = slot_constructor(PhaseEntered, ("event_id", "participant_id", "date", "phase_id"))
_new_exited = slot_constructor(Exited, ("event_id", "participant_id", "date", "reason", "outcome"))


def _log(s: Scenario, arrivals: list[float], took: list[bool], waitlisted: list[float], left: list[float],
         admitted: list[float], ends: list[float], outcome: list[int]) -> tuple[Event, ...]:
    """The events of the event loop through the engine, in its order, from the recursion's pathways.

    The loop (``_model._Run.run``) takes a pending action before an arrival at the same
    instant, pending actions by (time, kind: exit before give-up, order of scheduling),
    and ends at the horizon; each exit admits the head of the waiting list. Here the
    pending actions are only those that happen before the horizon (the others change
    no order), each scheduled, as in the loop, when its participant is admitted or listed.
    """
    prog = s.programme
    phase = next(p for p in prog.phases if not p.terminal).id
    final = prog.successors(phase)[0]
    programme_id, voluntary = prog.id, prog.voluntary
    completed, outcomes = ExitReason.COMPLETED, OUTCOMES
    referred, declined, agreed = _new_referred, _new_declined, _new_agreed
    listing, reneged = _new_waitlisted, _new_reneged
    admit, enter, leave = _new_admitted, _new_entered, _new_exited
    n = len(arrivals)
    ids = participant_ids(n)
    version = [0] * n  # events written per participant
    days: dict[int, date] = {}
    out: list[Event] = []
    emit = out.append
    pending: list[tuple[float, int, int, int]] = []  # (time, 0 exit / 1 give-up, order scheduled, who)
    push, pop = heapq.heappush, heapq.heappop
    scheduled = itertools.count().__next__
    listed: deque[int] = deque()  # who will be admitted from the waiting list, first come first served
    for i, a in enumerate([*arrivals, math.inf]):  # after the last arrival: the horizon
        while pending and pending[0][0] <= a:
            t, kind, _, who = pop(pending)
            pid, v = ids[who], version[who]
            d = int(t)
            day = days.get(d) or days.setdefault(d, date.fromordinal(d))
            if kind:
                emit(reneged(f"{pid}-{v + 1}", pid, day, GAVE_UP))
                version[who] = v + 1
                continue
            emit(enter(f"{pid}-{v + 1}", pid, day, final))
            emit(leave(f"{pid}-{v + 2}", pid, day, completed, outcomes[outcome[who]]))
            version[who] = v + 2
            if listed and admitted[listed[0]] == t:  # the freed place goes to the head of the list
                who = listed.popleft()
                pid, v = ids[who], version[who]
                emit(admit(f"{pid}-{v + 1}", pid, day))
                emit(enter(f"{pid}-{v + 2}", pid, day, phase))
                version[who] = v + 2
                done = ends[who]
                if done == done:
                    push(pending, (done, 0, scheduled(), who))
        if i == n:
            break
        pid = ids[i]
        d = int(a)
        day = days.get(d) or days.setdefault(d, date.fromordinal(d))
        emit(referred(f"{pid}-1", pid, day, programme_id, REFERRER))
        if not took[i]:
            emit(declined(f"{pid}-2", pid, day, NO_TAKE_UP))
            version[i] = 2
            continue
        v = 1
        if voluntary:
            emit(agreed(f"{pid}-2", pid, day))
            v = 2
        if admitted[i] == a:
            emit(admit(f"{pid}-{v + 1}", pid, day))
            emit(enter(f"{pid}-{v + 2}", pid, day, phase))
            v += 2
            done = ends[i]
            if done == done:
                push(pending, (done, 0, scheduled(), i))
        elif waitlisted[i] == a:
            v += 1
            emit(listing(f"{pid}-{v}", pid, day, 0))
            gone = left[i]
            if gone == gone:  # gives up before the horizon
                push(pending, (gone, 1, scheduled(), i))
            elif admitted[i] == admitted[i]:
                listed.append(i)
        else:
            v += 1
            emit(declined(f"{pid}-{v}", pid, day, NO_PLACE_FREE))
        version[i] = v
    return tuple(out)
