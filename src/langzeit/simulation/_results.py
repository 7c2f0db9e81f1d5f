"""Simulation layer: results of replications — pathways, metrics and summaries (comparisons: _comparison)."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit._calendar import EPOCH_ORDINAL
from langzeit.domain import ExitReason, OutcomeKind
from langzeit.events import Event, EventLog
from langzeit.exceptions import UnknownNameError
from langzeit.indicators import PROGRAMME_RATES, ParticipantFlags, RateTable, programme_rate, stay_months
from langzeit.simulation._stats import mean_interval
from langzeit.tabular import Table

__all__ = [
    "Pathways",
    "Replication",
    "ReplicationMetrics",
    "SimulationResult",
    "Summary",
    "metric_unit",
    "replication_metrics",
]


#: Codes of exit reasons and outcomes in :class:`Pathways` (index in the enum, -1: none).
EXIT_REASONS: tuple[ExitReason, ...] = tuple(ExitReason)
OUTCOMES: tuple[OutcomeKind, ...] = tuple(OutcomeKind)
_DROPOUT = EXIT_REASONS.index(ExitReason.DROPOUT)


def _frozen_array(value: Any) -> Any:
    arr = np.array(value, copy=True)
    arr.setflags(write=False)
    return arr


@attrs.frozen(eq=False)
class Pathways(Table):
    """Columnar record of every simulated participant, on the continuous model clock.

    Times are model times (day ordinals with fractions, see ``langzeit.simulation``);
    NaN where a step did not happen. This is what replication metrics and the
    queueing checks read: exact in continuous time, while events carry dates.

    Args:
        referred: time of referral.
        agreed: took part (voluntary take-up).
        waitlisted: time put on the waiting list (NaN: admitted at once or never).
        left_list: time taken off the list without admission (reneged or turned away).
        admitted: time of admission.
        exited: time of exit.
        exit_reason: index into ``ExitReason`` (-1: not exited).
        outcome: index into ``OutcomeKind`` (-1: not exited).
        extensions: number of extensions granted.
        phase_entries: phase id → times of entries into that phase (non-terminal phases).
        extended_at: times of all extensions granted.
        phase_entrants: phase id → the index of the participant of each entry (same order
            as ``phase_entries``; empty when the model does not record it).

    As a table (``rows()``, ``to_frame()``) each participant is one row with dates
    (the day each step fell on), ``wait_days`` on the continuous clock, ``stay_months``
    as the indicators measure a stay (on the admission and exit days), exit reason and
    outcome.

    Examples:
        >>> p = Pathways.from_lists(referred=[1.0, 2.0], agreed=[True, False])
        >>> len(p), p.admitted.tolist()
        (2, [nan, nan])
        >>> p.rows()[0]["referred"], p.rows()[1]["agreed"]
        (datetime.date(1, 1, 1), False)
    """

    _title = "simulated pathways"

    referred: FloatArray = attrs.field(converter=_frozen_array)
    agreed: npt.NDArray[np.bool_] = attrs.field(converter=_frozen_array)
    waitlisted: FloatArray = attrs.field(converter=_frozen_array)
    left_list: FloatArray = attrs.field(converter=_frozen_array)
    admitted: FloatArray = attrs.field(converter=_frozen_array)
    exited: FloatArray = attrs.field(converter=_frozen_array)
    exit_reason: IntArray = attrs.field(converter=_frozen_array)
    outcome: IntArray = attrs.field(converter=_frozen_array)
    extensions: IntArray = attrs.field(converter=_frozen_array)
    phase_entries: Mapping[str, FloatArray] = attrs.field(factory=dict)
    extended_at: FloatArray = attrs.field(factory=lambda: np.empty(0), converter=_frozen_array)
    phase_entrants: Mapping[str, IntArray] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return len(self.referred)

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("participant", "referred", "agreed", "waitlisted", "left_list", "admitted", "exited",
                "exit_reason", "outcome", "extensions", "wait_days", "stay_months")

    def rows(self) -> list[dict[str, Any]]:
        """One row per participant (``p000001``… as in the event log)."""

        def day(t: float) -> date | None:
            return None if math.isnan(t) else date.fromordinal(int(t))

        done = ~np.isnan(self.exited)
        stays = np.full(len(self), np.nan)
        stays[done] = _stay_months(self.admitted[done], self.exited[done])
        out = []
        for i in range(len(self)):
            ref, adm, ex = float(self.referred[i]), float(self.admitted[i]), float(self.exited[i])
            reason, outcome = int(self.exit_reason[i]), int(self.outcome[i])
            out.append({
                "participant": f"p{i + 1:06d}", "referred": day(ref), "agreed": bool(self.agreed[i]),
                "waitlisted": day(float(self.waitlisted[i])), "left_list": day(float(self.left_list[i])),
                "admitted": day(adm), "exited": day(ex),
                "exit_reason": EXIT_REASONS[reason] if reason >= 0 else None,
                "outcome": OUTCOMES[outcome] if outcome >= 0 else None,
                "extensions": int(self.extensions[i]),
                "wait_days": None if math.isnan(adm) else adm - ref,
                "stay_months": None if math.isnan(ex) else float(stays[i]),
            })
        return out

    @classmethod
    def from_lists(cls, *, referred: Sequence[float], agreed: Sequence[bool],
                   waitlisted: Sequence[float] | None = None, left_list: Sequence[float] | None = None,
                   admitted: Sequence[float] | None = None, exited: Sequence[float] | None = None,
                   exit_reason: Sequence[int] | None = None, outcome: Sequence[int] | None = None,
                   extensions: Sequence[int] | None = None,
                   phase_entries: Mapping[str, Sequence[float]] | None = None,
                   extended_at: Sequence[float] = (),
                   phase_entrants: Mapping[str, Sequence[int]] | None = None) -> Pathways:
        """Build from per-participant lists; missing columns are NaN / -1 / 0.

        Examples:
            >>> Pathways.from_lists(referred=[0.0], agreed=[True], admitted=[0.5]).admitted.tolist()
            [0.5]
        """
        n = len(referred)

        def col(values: Sequence[Any] | None, fill: Any, dtype: Any) -> Any:
            return np.full(n, fill, dtype=dtype) if values is None else np.asarray(values, dtype=dtype)

        return cls(
            referred=np.asarray(referred, dtype=np.float64), agreed=np.asarray(agreed, dtype=bool),
            waitlisted=col(waitlisted, np.nan, np.float64), left_list=col(left_list, np.nan, np.float64),
            admitted=col(admitted, np.nan, np.float64), exited=col(exited, np.nan, np.float64),
            exit_reason=col(exit_reason, -1, np.int64), outcome=col(outcome, -1, np.int64),
            extensions=col(extensions, 0, np.int64),
            phase_entries={k: np.asarray(v, dtype=np.float64) for k, v in (phase_entries or {}).items()},
            extended_at=np.asarray(extended_at, dtype=np.float64),
            phase_entrants={k: np.asarray(v, dtype=np.int64) for k, v in (phase_entrants or {}).items()},
        )


def _overlap(start: FloatArray, stop: FloatArray, lo: float, hi: float) -> float:
    """Σ length of [start, stop) ∩ [lo, hi) over all rows with a start (stop NaN: open)."""
    s = start[~np.isnan(start)]
    e = stop[~np.isnan(start)]
    e = np.where(np.isnan(e), hi, e)
    return float(np.clip(np.minimum(e, hi) - np.maximum(s, lo), 0.0, None).sum())


#: The unit of each metric that is not a plain count (``entered:<phase>`` are counts).
_UNITS = {"take_up": "%", "dropout_rate": "%", "extension_rate": "%", "integration_share": "%",
          "p_wait": "probability", "mean_wait_days": "days", "mean_stay_months": "months",
          "mean_waiting": "people (time average)", "mean_occupied": "places (time average)",
          # with a scenario's [costs] (simulation._costs.COST_METRICS)
          "staff_fte": "FTE", "staff_cost": "EUR", "relieved_months": "person-months",
          "benefit_relief": "EUR", "net_relief": "EUR"}


def metric_unit(metric: str) -> str:
    """The unit of a metric of :func:`replication_metrics` (``""``: a count of people or events).

    Examples:
        >>> metric_unit("take_up"), metric_unit("mean_wait_days"), metric_unit("admitted")
        ('%', 'days', '')
    """
    return _UNITS.get(metric, "")


def _stay_months(admitted: FloatArray, exited: FloatArray) -> FloatArray:
    """Stays in months as the indicators measure them, on the days the events carry."""
    return stay_months(np.floor(admitted).astype(np.int64) - EPOCH_ORDINAL,
                       np.floor(exited).astype(np.int64) - EPOCH_ORDINAL)


def _value(table: RateTable) -> float:
    """The one value of a one-item rate table, in percent (NaN when its denominator is 0)."""
    return float(table.value[0, 0])


def replication_metrics(pathways: Pathways, *, observed_from: float, end: float) -> dict[str, float]:
    """The figures of one replication over the observation window ``[observed_from, end)``.

    One name, one meaning: a figure named like a programme indicator *is* that
    indicator, computed by the same function (:func:`langzeit.indicators.programme_rate`)
    over the simulated participants, in percent as in the programme report.

    Cohort figures refer to people **referred** in the window (with no warm-up: every
    participant of the log, as in the report): ``referred``, ``agreed`` (said yes to
    taking part), ``declined``, ``waited`` (put on the list), ``reneged``,
    ``turned_away`` (no place and no list), ``admitted``, ``p_wait`` (probability that
    an admitted participant waited at all, a fraction as in Erlang C),
    ``mean_wait_days``; the indicators ``take_up`` (admitted / referred, %),
    ``dropout_rate`` (admitted who left with reason dropout by the window's end /
    admitted, %), ``extended`` (admitted with at least one extension) and
    ``extension_rate`` (extended / admitted, %).
    Flow figures count what happened in the window: ``entered:<phase>``,
    ``exits:<phase>`` (exits of people who had entered ``<phase>``: that phase's outflow,
    the funnel's Ausström when ``<phase>`` is where participation begins), ``exits``,
    ``completed``, ``dropouts``, ``integrations`` and ``integration_share`` (exits into
    an Integration / exits, % — the funnel's ``integration`` stage, not the
    Integrationsquote K2), ``extensions`` (extensions granted), ``mean_stay_months``
    (of exits, as the indicators measure a stay: :func:`langzeit.indicators.stay_months`
    of the admission and exit days).
    Time averages over the window: ``mean_waiting`` (queue length), ``mean_occupied``
    (places taken); at its end: ``waiting_at_end``, ``occupied_at_end``.

    Args:
        pathways: the replication's pathways.
        observed_from: start of the window (model time).
        end: end of the window (model time).

    Returns:
        Metric name → value (NaN where the denominator is 0).

    Examples:
        >>> p = Pathways.from_lists(referred=[10.0, 11.0], agreed=[True, True],
        ...     waitlisted=[np.nan, 11.0], admitted=[10.0, 13.0], exited=[13.0, np.nan],
        ...     exit_reason=[2, -1], outcome=[11, -1])
        >>> m = replication_metrics(p, observed_from=10.0, end=20.0)
        >>> m["mean_wait_days"], m["p_wait"], m["mean_waiting"], m["dropouts"]
        (1.0, 0.5, 0.2, 1.0)
        >>> m["take_up"], m["dropout_rate"], m["extension_rate"]
        (100.0, 50.0, 0.0)
    """
    lo, hi = observed_from, end
    ref = pathways.referred
    cohort = (ref >= lo) & (ref < hi)
    n_ref = int(cohort.sum())
    agreed = int((cohort & pathways.agreed).sum())
    adm = pathways.admitted
    admitted = cohort & ~np.isnan(adm)
    ex = pathways.exited
    flags = ParticipantFlags(
        referred=cohort, admitted=admitted,
        dropout=admitted & (ex < hi) & (pathways.exit_reason == _DROPOUT),
        extended=admitted & (pathways.extensions > 0),
    )
    rates = {name: programme_rate(name, flags) for name in PROGRAMME_RATES}
    waits = adm[admitted] - ref[admitted]
    waited = cohort & ~np.isnan(pathways.waitlisted)
    reneged = cohort & ~np.isnan(pathways.left_list) & ~np.isnan(pathways.waitlisted)
    turned_away = cohort & ~np.isnan(pathways.left_list) & np.isnan(pathways.waitlisted)
    width = hi - lo

    def rate(num: float, den: float) -> float:
        return num / den if den else math.nan

    exits = ~np.isnan(ex) & (ex >= lo) & (ex < hi)
    n_exits = int(exits.sum())
    reasons = pathways.exit_reason[exits]
    outcomes = pathways.outcome[exits]
    integration_codes = [i for i, k in enumerate(OUTCOMES) if k.is_integration]
    dropouts = int((reasons == _DROPOUT).sum())
    completed = int((reasons == EXIT_REASONS.index(ExitReason.COMPLETED)).sum())
    integrations = int(np.isin(outcomes, integration_codes).sum())
    stays = _stay_months(adm[exits], ex[exits])
    at_end_wait = ~np.isnan(pathways.waitlisted) & (pathways.waitlisted < hi) & ~(
        (pathways.left_list < hi) | (adm < hi))
    occupied_end = ~np.isnan(adm) & (adm < hi) & ~(ex < hi)
    wait_stop = np.fmin(pathways.left_list, adm)
    metrics: dict[str, float] = {
        "referred": float(n_ref),
        "agreed": float(agreed),
        "declined": float(n_ref - agreed),
        "take_up": _value(rates["take_up"]),
        "waited": float(waited.sum()),
        "reneged": float(reneged.sum()),
        "turned_away": float(turned_away.sum()),
        "admitted": float(admitted.sum()),
        "p_wait": rate(float((waits > 0).sum()), float(len(waits))),
        "mean_wait_days": float(waits.mean()) if len(waits) else math.nan,
        "exits": float(n_exits),
        "completed": float(completed),
        "dropouts": float(dropouts),
        "dropout_rate": _value(rates["dropout_rate"]),
        "integrations": float(integrations),
        "integration_share": 100.0 * rate(integrations, n_exits),
        "extended": float(flags.extended.sum()),
        "extensions": float(((pathways.extended_at >= lo) & (pathways.extended_at < hi)).sum()),
        "extension_rate": _value(rates["extension_rate"]),
        "mean_stay_months": float(stays.mean()) if len(stays) else math.nan,
        "mean_waiting": _overlap(pathways.waitlisted, wait_stop, lo, hi) / width,
        "mean_occupied": _overlap(adm, ex, lo, hi) / width,
        "waiting_at_end": float(at_end_wait.sum()),
        "occupied_at_end": float(occupied_end.sum()),
    }
    for phase, times in pathways.phase_entries.items():
        metrics[f"entered:{phase}"] = float(((times >= lo) & (times < hi)).sum())
        people = pathways.phase_entrants.get(phase)
        if people is not None:
            entered = np.zeros(len(ex), dtype=np.bool_)
            entered[people] = True
            metrics[f"exits:{phase}"] = float((exits & entered).sum())
    return metrics


@attrs.frozen(eq=False)
class Replication:
    """One replication: its index, event log, pathways and metrics.

    Args:
        index: the replication's number (its stream is ``SeedSequence(seed).spawn(R)[index]``).
        events: the events in log order (empty when the run did not keep them).
        pathways: the columnar pathways on the continuous clock.
        metrics: :func:`replication_metrics` of the observation window.
        method: how it was computed: ``"engine"`` (the event loop through the pathway
            engine), ``"kernel"`` (the pathway kernel, no events) or ``"queue"`` (the
            queue kernel, whose events, when kept, are the engine's); see
            :func:`~langzeit.simulation.simulate`.

    Examples:
        >>> r = Replication(0, (), Pathways.from_lists(referred=[], agreed=[]), {"referred": 0.0})
        >>> len(r.log()), r.method
        (0, 'engine')
    """

    index: int
    events: tuple[Event, ...]
    pathways: Pathways
    metrics: Mapping[str, float]
    method: str = "engine"

    def log(self) -> EventLog:
        """The events as an :class:`~langzeit.events.EventLog`."""
        return EventLog(self.events)


def _rows(metrics: Sequence[Mapping[str, float]]) -> list[str]:
    names: dict[str, None] = {}
    for m in metrics:
        for k in m:
            names.setdefault(k, None)
    return list(names)


@attrs.frozen
class ReplicationMetrics(Table):
    """Every replication's metrics in long form: one row per replication and metric.

    Args:
        scenario: the scenario's id.
        items: ``(replication, metric, value)``.

    Examples:
        >>> t = ReplicationMetrics("x", ((0, "referred", 10.0), (1, "referred", 12.0)))
        >>> t.rows()[1]
        {'replication': 1, 'metric': 'referred', 'value': 12.0}
    """

    _title = "replication metrics"

    scenario: str
    items: tuple[tuple[int, str, float], ...]

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("replication", "metric", "value")

    def rows(self) -> list[dict[str, Any]]:
        """One row per replication and metric."""
        return [{"replication": r, "metric": m, "value": v} for r, m, v in self.items]


_Row = TypeVar("_Row", bound=tuple[Any, ...])

#: ``(name, value, low, high)``: a figure with its interval (low/high None: no interval).
Estimate = tuple[str, float, float | None, float | None]


def named_row(items: Sequence[_Row], name: str) -> _Row | None:
    """The first of ``items`` (rows that start with a name) named ``name``, or None.

    Examples:
        >>> named_row((("a", 1.0), ("b", 2.0)), "b"), named_row((("a", 1.0),), "c")
        (('b', 2.0), None)
    """
    return next((row for row in items if row[0] == name), None)


def metric_row(items: Sequence[_Row], metric: str) -> _Row:
    """The row of ``metric`` among ``items`` (rows that start with a metric's name).

    Raises:
        UnknownNameError: no row is named ``metric``.

    Examples:
        >>> metric_row((("referred", 10.0),), "referred")
        ('referred', 10.0)
    """
    row = named_row(items, metric)
    if row is None:
        raise UnknownNameError("metric", metric)
    return row


@attrs.frozen
class Summary(Table):
    """Each metric's mean over replications with a Student-t confidence interval.

    Args:
        scenario: the scenario's id.
        replications: the number of replications.
        level: the confidence level.
        items: ``(metric, mean, low, high)``; low/high None with one replication.

    Examples:
        >>> s = Summary("x", 2, 0.95, (("referred", 10.0, 8.0, 12.0),))
        >>> s["referred"], s.rows()[0]["low"]
        (10.0, 8.0)
    """

    _title = "simulation summary"

    scenario: str
    replications: int
    level: float
    items: tuple[Estimate, ...]

    def __getitem__(self, metric: str) -> float:
        return metric_row(self.items, metric)[1]

    def interval(self, metric: str) -> tuple[float | None, float | None]:
        """The confidence interval of a metric's mean."""
        _, _, low, high = metric_row(self.items, metric)
        return low, high

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        return ("metric", "mean", "low", "high")

    def rows(self) -> list[dict[str, Any]]:
        """One row per metric."""
        return [{"metric": n, "mean": m, "low": lo, "high": hi} for n, m, lo, hi in self.items]


@attrs.frozen(eq=False)
class SimulationResult:
    """All replications of a scenario run with one seed.

    Args:
        scenario: the scenario simulated.
        seed: the seed of the ``SeedSequence``.
        replications: the replications, by index.

    In Jupyter a result shows what was run and its :meth:`summary`.

    Examples:
        >>> from langzeit.simulation import simulate, load_scenario
        >>> r = simulate(load_scenario("pan-ploen"), seed=1, replications=2)
        >>> len(r.replications), r.summary().replications
        (2, 2)
        >>> r._repr_html_().startswith("<p><b>PaN (Kreis Plön)")
        True
    """

    scenario: Any
    seed: int
    replications: tuple[Replication, ...]

    def values(self, metric: str) -> list[float]:
        """The metric's value in every replication (NaN where missing)."""
        return [float(r.metrics.get(metric, math.nan)) for r in self.replications]

    def metrics(self) -> ReplicationMetrics:
        """Every replication's metrics as a long table (e.g. for plotting their spread)."""
        return ReplicationMetrics(self.scenario.id, tuple(
            (r.index, name, float(value)) for r in self.replications for name, value in r.metrics.items()))

    def summary(self, *, level: float = 0.95) -> Summary:
        """Means over replications with confidence intervals, one row per metric."""
        names = _rows([r.metrics for r in self.replications])
        items = tuple((n, *mean_interval(self.values(n), level=level)) for n in names)
        return Summary(self.scenario.id, len(self.replications), level, items)

    def log(self, index: int = 0) -> EventLog:
        """The event log of one replication."""
        return self.replications[index].log()

    def _repr_html_(self) -> str:
        """Jupyter view: what was run, then :meth:`summary` as a table."""
        s = self.scenario
        n = len(self.replications)
        events = sum(len(r.events) for r in self.replications)
        head = (f"<p><b>{html.escape(str(s.name))}</b> ({html.escape(str(s.id))}): seed {self.seed}, "
                f"{n} replication{'s' if n != 1 else ''}, {s.observed_from.isoformat()} to "
                f"{s.end.isoformat()}, {events:,} events kept</p>")
        return head + self.summary()._repr_html_()
