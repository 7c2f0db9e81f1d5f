"""Simulation layer: two scenarios' replications compared metric by metric (Welch or paired-t intervals)."""

from __future__ import annotations

import math
from typing import Any

import attrs

from langzeit.exceptions import ValidationError
from langzeit.simulation._results import SimulationResult, _rows, metric_row
from langzeit.simulation._stats import mean_interval, welch_interval
from langzeit.tabular import Table

__all__ = ["Comparison", "compare"]


@attrs.frozen
class Comparison(Table):
    """Differences between two scenarios' metrics (alternative − baseline) with intervals.

    Args:
        baseline: the baseline scenario's id.
        alternative: the alternative scenario's id.
        level: the confidence level.
        items: ``(metric, baseline mean, alternative mean, difference, low, high)``.
        paired: whether the intervals are paired-t intervals of per-replication
            differences (common random numbers) rather than Welch intervals.

    Examples:
        >>> c = Comparison("a", "b", 0.95, (("referred", 10.0, 12.0, 2.0, 1.0, 3.0),))
        >>> c.difference("referred")
        2.0
    """

    _title = "scenario comparison"

    baseline: str
    alternative: str
    level: float
    items: tuple[tuple[str, float, float, float, float | None, float | None], ...]
    paired: bool = False

    def difference(self, metric: str) -> float:
        """The difference of the metric's means."""
        return metric_row(self.items, metric)[3]

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("metric", "baseline", "alternative", "difference", "low", "high")

    def rows(self) -> list[dict[str, Any]]:
        """One row per metric present in both results."""
        return [dict(zip(self.columns(), row, strict=True)) for row in self.items]


def compare(baseline: SimulationResult, alternative: SimulationResult, *, level: float = 0.95,
            paired: bool = False) -> Comparison:
    """Compare two scenarios' replications metric by metric.

    Each difference is ``mean(alternative) − mean(baseline)``. By default with a Welch
    interval (independent replications: different seeds). With ``paired=True`` the
    replications are paired by index and the interval is the Student-t interval of
    the per-replication differences: run both scenarios with the **same seed** and
    replication ``i`` of each draws the same arrivals, take-up decisions, stays and
    hazards wherever the scenarios agree (each random quantity has its own stream), so
    the differences show the change itself with far less noise — common random
    numbers. Pairs where either value is NaN (e.g. no one waited) are left out of all
    three means.

    Args:
        baseline: the result to compare against.
        alternative: the what-if result.
        level: confidence level.
        paired: pair replications by index (needs equally many in both).

    Returns:
        One row per metric both results have.

    Raises:
        ValueError: ``paired=True`` with different numbers of replications.

    Examples:
        >>> from langzeit.simulation import simulate, load_scenario
        >>> import attrs
        >>> base = load_scenario("pan-ploen")
        >>> more = attrs.evolve(base, id="pan-more", agreement_probability=1.0)
        >>> c = compare(simulate(base, seed=1, replications=3), simulate(more, seed=2, replications=3))
        >>> c.columns()
        ('metric', 'baseline', 'alternative', 'difference', 'low', 'high')

        With common random numbers, both runs see the same referrals:

        >>> crn = compare(simulate(base, seed=1, replications=3), simulate(more, seed=1, replications=3),
        ...               paired=True)
        >>> crn.difference("referred"), crn.rows()[0]["low"], crn.paired
        (0.0, 0.0, True)
    """
    if paired and len(baseline.replications) != len(alternative.replications):
        raise ValidationError(f"paired comparison needs equally many replications, got "
                         f"{len(baseline.replications)} and {len(alternative.replications)}")
    a_names = _rows([r.metrics for r in baseline.replications])
    b_names = set(_rows([r.metrics for r in alternative.replications]))
    items = []
    for name in a_names:
        if name not in b_names:
            continue
        a, b = baseline.values(name), alternative.values(name)
        if paired:
            pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (math.isnan(x) or math.isnan(y))]
            diff, low, high = mean_interval([y - x for x, y in pairs], level=level)
            a, b = [x for x, _ in pairs], [y for _, y in pairs]
        else:
            diff, low, high = welch_interval(a, b, level=level)
        items.append((name, mean_interval(a)[0], mean_interval(b)[0], diff, low, high))
    return Comparison(baseline.scenario.id, alternative.scenario.id, level, tuple(items), paired)
