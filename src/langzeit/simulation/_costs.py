"""Simulation layer: staff cost against benefit relief of a replication, and of a paired comparison.

The figures are those of :func:`langzeit.indicators.cost_relief` on the replication's
events (one definition: the calculator's), over the whole calendar months of the
observation window. :func:`relief_balance` reads a paired :class:`Comparison` of two
scenarios with costs — the Leitbild's question, Betreuungsintensität 1:12 against 1:60
on the same referrals — as the extra staff cost (investment) against the extra benefit
relief.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import attrs

from langzeit.events import Event
from langzeit.exceptions import ValidationError
from langzeit.indicators import StaffCost, cost_relief
from langzeit.simulation._comparison import Comparison
from langzeit.simulation._results import Estimate, named_row
from langzeit.simulation._scenario import Scenario
from langzeit.tabular import Table

__all__ = ["COST_METRICS", "ReliefBalance", "cost_metrics", "relief_balance"]

#: The metrics a scenario with ``[costs]`` adds to each replication, and their units.
COST_METRICS = {"staff_fte": "FTE", "staff_cost": "EUR", "relieved_months": "person-months",
                "benefit_relief": "EUR", "net_relief": "EUR"}


def cost_metrics(scenario: Scenario, events: Iterable[Event]) -> dict[str, float]:
    """The cost metrics of one replication's events (empty without ``scenario.costs``).

    Args:
        scenario: the scenario (its ``costs`` and ``staffing``).
        events: the replication's events.

    Returns:
        ``staff_fte``, ``staff_cost``, ``relieved_months``, ``benefit_relief``, ``net_relief``.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Exited
        >>> from langzeit.simulation import Costs, Staffing, load_scenario
        >>> s = load_scenario("geh-vor").evolve(
        ...     staffing=Staffing(coaches=1, caseload=12), costs=Costs(12_000, 1_000))
        >>> log = [Exited("e1", "p1", date(2020, 7, 20), reason="completed", outcome="svp")]
        >>> m = cost_metrics(s, log)   # 24 months of 1 FTE at 1,000 €; 23 months relieved
        >>> m["staff_cost"], m["relieved_months"], m["benefit_relief"], m["net_relief"]
        (24000.0, 23.0, 23000.0, -1000.0)
    """
    costs, staffing = scenario.costs, scenario.staffing
    if costs is None or staffing is None:
        return {}
    coaches, _ = staffing.team()
    staff = [StaffCost.from_coach(c, costs.monthly_cost_per_fte) for c in coaches]
    table = cost_relief(list(events), staff=staff, monthly_benefit=costs.monthly_benefit,
                        start=scenario.observed_from, end=scenario.end - timedelta(days=1))
    cost, relief = round(float(table.cost.sum()), 2), round(float(table.relief.sum()), 2)  # to the cent
    return {"staff_fte": float(sum(c.fte for c in coaches)), "staff_cost": cost,
            "relieved_months": float(table.relieved.sum()), "benefit_relief": relief,
            "net_relief": round(relief - cost, 2)}


@attrs.frozen
class ReliefBalance(Table):
    """Extra staff cost (investment) against extra benefit relief of one scenario over another.

    Each figure is the alternative's mean minus the baseline's over paired replications
    (common random numbers), with the paired interval of the comparison.

    Args:
        baseline: the baseline scenario's id (e.g. ``leitbild-1-60``).
        alternative: the alternative's id (e.g. ``leitbild-1-12``).
        level: the intervals' confidence level.
        items: ``(figure, difference, low, high)`` for ``staff_fte``, ``staff_cost``,
            ``relieved_months``, ``benefit_relief`` and ``net_relief``.

    Examples:
        >>> b = ReliefBalance("a", "b", 0.95, (("staff_cost", 100.0, 100.0, 100.0),
        ...                                    ("benefit_relief", 40.0, 30.0, 50.0)))
        >>> b.extra_cost, b.extra_relief, b.relief_per_euro
        (100.0, 40.0, 0.4)
    """

    _title = "relief against investment"

    baseline: str
    alternative: str
    level: float
    items: tuple[Estimate, ...]

    def _get(self, figure: str) -> float:
        row = named_row(self.items, figure)
        return math.nan if row is None else row[1]

    @property
    def extra_cost(self) -> float:
        """The extra staff cost of the alternative (the investment), in euros."""
        return self._get("staff_cost")

    @property
    def extra_relief(self) -> float:
        """The extra benefit relief of the alternative, in euros."""
        return self._get("benefit_relief")

    @property
    def net(self) -> float:
        """Extra relief minus extra cost (positive: the relief pays for the extra staff)."""
        return self._get("net_relief")

    @property
    def relief_per_euro(self) -> float:
        """Extra relief per euro of extra staff cost (NaN when there is no extra cost)."""
        cost = self.extra_cost
        return self.extra_relief / cost if cost else math.nan

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("figure", "unit", "difference", "low", "high")

    def rows(self) -> list[dict[str, Any]]:
        """One row per figure, then ``relief_per_euro`` (no interval)."""
        out: list[dict[str, Any]] = [{"figure": n, "unit": COST_METRICS[n], "difference": d, "low": lo,
                                      "high": hi} for n, d, lo, hi in self.items]
        out.append({"figure": "relief_per_euro", "unit": "EUR per EUR", "difference": self.relief_per_euro,
                    "low": None, "high": None})
        return out


def relief_balance(comparison: Comparison) -> ReliefBalance:
    """The relief-against-investment figures of a comparison of two scenarios with costs.

    Args:
        comparison: :func:`~langzeit.simulation.compare` of the baseline (e.g. 1:60) and the
            alternative (e.g. 1:12), best ``paired=True`` on the same seed.

    Returns:
        The balance (alternative − baseline).

    Raises:
        ValidationError: the comparison has no cost metrics (neither scenario has ``[costs]``).

    Examples:
        >>> from langzeit.simulation import compare, load_scenario, simulate
        >>> low = simulate(load_scenario("leitbild-1-60"), seed=1, replications=2)
        >>> high = simulate(load_scenario("leitbild-1-12"), seed=1, replications=2)
        >>> balance = relief_balance(compare(low, high, paired=True))
        >>> balance.extra_cost   # 16 more FTE × 85,760 € a year, for 3 years
        4116480.0
        >>> balance.extra_relief > 0
        True
    """
    rows = {r["metric"]: r for r in comparison.rows()}
    if "staff_cost" not in rows:
        raise ValidationError(f"no cost metrics in the comparison of {comparison.baseline!r} and "
                              f"{comparison.alternative!r}: give both scenarios a [costs] table")
    items = tuple((name, float(rows[name]["difference"]), rows[name]["low"], rows[name]["high"])
                  for name in COST_METRICS if name in rows)
    return ReliefBalance(comparison.baseline, comparison.alternative, comparison.level, items)
