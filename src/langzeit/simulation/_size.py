"""Simulation layer: a run's size, estimated before it starts, and the bound on it.

A typo such as ``referrals.rate = 100000`` (for 10) would make a run allocate
gigabytes for hours. :func:`estimate_size` computes, from the scenario alone and in
no time, the expected number of referrals (participants) of one replication and an
upper estimate of its events; :func:`simulate` refuses a run whose replication would
exceed :data:`MAX_EVENTS` events (about 1.5 GB of memory and a minute or more per
replication) with :class:`~langzeit.exceptions.LimitExceeded`, naming the estimate. A
larger run is allowed explicitly: ``simulate(..., max_events=N)`` or
``langzeit simulate --max-events N`` (``None`` / ``0``: no bound).

The events per referral are bounded by what one pathway can hold: referral,
agreement, admission, one entry per non-terminal phase, exit, each follow-up, two
answers per scale, the cooperation plan with its steps (agreed and achieved) and
one review per review period of the longest planned stay (at least one).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import attrs

from langzeit.exceptions import LimitExceeded
from langzeit.simulation._distributions import DAYS_PER_MONTH
from langzeit.simulation._referrals import CohortReferrals, OpenDayReferrals, PoissonReferrals

if TYPE_CHECKING:  # pragma: no cover
    from langzeit.simulation._scenario import Scenario

__all__ = ["MAX_EVENTS", "RunSize", "check_size", "estimate_size"]

#: The default bound on the estimated events of one replication.
MAX_EVENTS = 2_000_000


@attrs.frozen
class RunSize:
    """The estimated size of a simulation run.

    Args:
        referrals: expected referrals (participants) of one replication.
        events_per_referral: the most events one pathway produces in this scenario.
        replications: how many replications the run has.

    Examples:
        >>> size = RunSize(referrals=240.0, events_per_referral=12, replications=10)
        >>> size.events, size.total_events
        (2880, 28800)
    """

    referrals: float
    events_per_referral: int
    replications: int = 1

    @property
    def events(self) -> int:
        """Upper estimate of one replication's events (``math.inf`` capped to a huge int)."""
        value = self.referrals * self.events_per_referral
        return int(value) if math.isfinite(value) and value < 1e18 else 10**18

    @property
    def total_events(self) -> int:
        """Upper estimate of the run's events over all replications."""
        return min(self.events * self.replications, 10**18)


def _window_months(s: Scenario) -> float:
    return (s.end - s.start).days / DAYS_PER_MONTH


def _referrals(s: Scenario) -> float:
    months = _window_months(s)
    p = s.referrals
    if isinstance(p, PoissonReferrals):
        return p.rate * months
    if isinstance(p, CohortReferrals | OpenDayReferrals):
        # Arithmetic, not the list of days: a tiny ``every`` must not loop for hours.
        fits = max(months - p.offset, 0.0) / p.every
        n = math.floor(fits) + 1 if fits < 1e18 else math.inf
        if isinstance(p, CohortReferrals):
            return float(p.size * (n if p.count is None else min(n, p.count)))
        return p.mean * n
    return p.expected(0.0, months * DAYS_PER_MONTH)  # another process: its own expectation


def _events_per_referral(s: Scenario) -> int:
    prog = s.programme
    n = 4 + sum(1 for phase in prog.phases if not phase.terminal)  # referred, agreed, admitted, exit
    if s.follow_ups is not None:
        n += len(s.follow_ups.months)
    n += 2 * len(s.scales)
    planned = prog.max_duration or prog.planned_duration
    stay = 12.0 if planned is None else (
        planned.years * 12 + planned.months + planned.days / DAYS_PER_MONTH)
    if s.plans is not None:
        n += 1 + 2 * s.plans.steps + max(1, math.ceil(stay / s.plans.review))
    if s.reductions is not None:  # breaches over the stay, and one for a dropout
        red = s.reductions
        n += 1 + math.ceil(stay * (red.rate("duty_breach") + red.rate("missed_appointment")))
    if prog.extension is not None:
        n += prog.extension.max_extensions
    if s.aftercare is not None:
        n += 1
    return n


def estimate_size(scenario: Scenario, replications: int = 1) -> RunSize:
    """The expected referrals and the upper estimate of events of a run, without running it.

    Args:
        scenario: the scenario.
        replications: the run's replications.

    Returns:
        The estimate.

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> size = estimate_size(load_scenario("geh-vor"), replications=10)
        >>> round(size.referrals), size.events_per_referral, size.events
        (240, 24, 5756)
    """
    return RunSize(_referrals(scenario), _events_per_referral(scenario), replications)


def check_size(scenario: Scenario, replications: int, max_events: int | None) -> RunSize:
    """The run's estimate; :class:`LimitExceeded` when a replication would exceed ``max_events``.

    Args:
        scenario: the scenario.
        replications: the run's replications.
        max_events: the bound on one replication's estimated events (None or 0: none).

    Returns:
        The estimate.

    Raises:
        LimitExceeded: the estimate is beyond the bound; the message names it and how to
            raise the bound.

    Examples:
        >>> from langzeit.simulation import PoissonReferrals, load_scenario
        >>> huge = load_scenario("geh-vor").evolve(referrals=PoissonReferrals(100_000))
        >>> check_size(huge, 10, MAX_EVENTS)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.LimitExceeded: scenario 'geh-vor': about 2,398,407 referrals and up to ...
        >>> check_size(huge, 10, None).events
        57561756
    """
    size = estimate_size(scenario, replications)
    if max_events and size.events > max_events:
        referrals = f"{size.referrals:,.0f}" if math.isfinite(size.referrals) else "infinitely many"
        raise LimitExceeded(
            f"scenario {scenario.id!r}: about {referrals} referrals and up to {size.events:,} events per "
            f"replication, more than the bound of {max_events:,} events; check referrals (a typo?) or "
            f"allow it with max_events={size.events} (langzeit simulate --max-events N)")
    return size
