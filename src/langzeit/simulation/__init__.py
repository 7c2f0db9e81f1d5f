"""Simulation layer: scenarios and the Monte Carlo simulator that emits engine events.

A :class:`Scenario` (TOML) describes referrals, take-up, staffing, the waiting list,
stays, monthly competing hazards, extensions, aftercare and follow-ups of a
programme. :func:`simulate` runs it through the pathway engine — every admission,
waiting-list and extension decision is the engine's — on independent random streams
per replication, and returns the events (the same types as live case work), the
pathways on the continuous model clock and per-replication metrics. Plain queues
(see :func:`queue_obstacles`) run without events in the queue kernel, which gives
the same pathways and metrics draw for draw, 10–50 times faster; other programmes
(see :func:`kernel_obstacles`) in the pathway kernel, the event loop with the
engine's few decisions taken from counters, also draw for draw.

Examples:
    >>> from langzeit.simulation import load_scenario, simulate
    >>> result = simulate(load_scenario("pan-ploen"), seed=2024, replications=2)
    >>> result.summary()["referred"]
    60.0
"""

from langzeit.simulation import (
    _distributions,
    _legacy,  # noqa: F401  (attaches Scenario's deprecated format methods)
    _scenario,
)
from langzeit.simulation._comparison import Comparison, compare
from langzeit.simulation._costs import COST_METRICS, ReliefBalance, cost_metrics, relief_balance
from langzeit.simulation._distributions import *  # noqa: F403 -- re-exports _distributions.__all__
from langzeit.simulation._hazards import CAUSES, PhaseHazards, cause_exit
from langzeit.simulation._kernel import kernel_obstacles
from langzeit.simulation._queue import queue_obstacles
from langzeit.simulation._referrals import (
    CohortReferrals,
    OpenDayReferrals,
    PoissonReferrals,
    ReferralProcess,
)
from langzeit.simulation._results import (
    Pathways,
    Replication,
    ReplicationMetrics,
    SimulationResult,
    Summary,
    metric_unit,
    replication_metrics,
)
from langzeit.simulation._runner import DEFAULT_SEED, simulate
from langzeit.simulation._scenario import *  # noqa: F403 -- re-exports _scenario.__all__
from langzeit.simulation._scenario_toml import (
    builtin_scenarios,
    load_scenario,
    read_scenario,
    scenario_from_dict,
)
from langzeit.simulation._scenario_write import scenario_to_dict, scenario_to_toml, scenario_variant
from langzeit.simulation._size import MAX_EVENTS, RunSize, estimate_size
from langzeit.simulation._stats import ErlangC, erlang_c, mean_interval, student_t_quantile, welch_interval

__all__ = [
    "CAUSES",
    "COST_METRICS",
    "DEFAULT_SEED",
    "MAX_EVENTS",
    "CohortReferrals",
    "Comparison",
    "ErlangC",
    "OpenDayReferrals",
    "Pathways",
    "PhaseHazards",
    "PoissonReferrals",
    "ReferralProcess",
    "ReliefBalance",
    "Replication",
    "ReplicationMetrics",
    "RunSize",
    "SimulationResult",
    "Summary",
    "builtin_scenarios",
    "cause_exit",
    "compare",
    "cost_metrics",
    "erlang_c",
    "estimate_size",
    "kernel_obstacles",
    "load_scenario",
    "mean_interval",
    "metric_unit",
    "queue_obstacles",
    "read_scenario",
    "relief_balance",
    "replication_metrics",
    "scenario_from_dict",
    "scenario_to_dict",
    "scenario_to_toml",
    "scenario_variant",
    "simulate",
    "student_t_quantile",
    "welch_interval",
    *_scenario.__all__,
    *_distributions.__all__,
]
