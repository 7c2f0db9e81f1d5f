"""Report layer: plots of programme and § 48a indicators (matplotlib, the optional ``plot`` extra).

Each function draws one result — or several named results, e.g. scenarios, passed as a
``{label: result}`` mapping — into a new figure or into ``ax``, and returns
``(figure, axes)`` so that callers can restyle or save it. matplotlib is imported on the
first call only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.indicators import (
    CODES,
    GROUPS,
    NAMES,
    YEAR_ON_YEAR,
    CumulativeIncidence,
    KennzahlenResult,
    RateTable,
    WaitingListStatistics,
)
from langzeit.report._plot_base import as_mapping, axes, date_axis, state_colours
from langzeit.simulation import Comparison

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_comparison", "plot_cumulative_incidence", "plot_funnel", "plot_kennzahlen", "plot_waiting_list",
]

_LINESTYLES = ("-", "--", ":", "-.")


_Waiting = WaitingListStatistics


def plot_funnel(
    funnel: RateTable | Mapping[str, RateTable], *, group: str = "all", annotate: bool = True,
    ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """The funnel as horizontal bars: participants per stage, with the rate of the stage's denominator.

    One bar per stage of :func:`~langzeit.indicators.funnel` (top to bottom: Einström,
    Durchström, Ausström); the bar's length is the stage's numerator: who reached the
    stage among its denominator, which is the stage before for the Einström and
    Durchström stages, the admitted for ``exited`` and the exited for ``integration``
    (the table's notes name it, e.g. ``Ausström, of admitted``). The label gives the
    count and the rate of the denominator. Several funnels (a
    mapping, e.g. scenarios) are drawn as grouped bars. A suppressed cell (after
    :meth:`~langzeit.indicators.RateTable.with_confidentiality`) has no bar and the
    label ``suppressed``.

    Args:
        funnel: a funnel table, or ``{label: funnel table}``.
        group: the group to draw (default ``"all"``).
        annotate: write the count and the rate (of the denominator) next to each bar.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes.

    Raises:
        ValidationError: ``group`` is not a group of a table.
        ImportError: matplotlib is not installed.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, PhaseEntered
        >>> from langzeit.indicators import funnel
        >>> log = [Referred("e1", "p1", date(2024, 1, 8)), Referred("e2", "p2", date(2024, 1, 8)),
        ...        Admitted("e3", "p1", date(2024, 2, 1)),
        ...        PhaseEntered("e4", "p1", date(2024, 2, 1), phase_id="coaching")]
        >>> fig, ax = plot_funnel(funnel(log))
        >>> [int(p.get_width()) for p in ax.patches]
        [2, 1, 1]
        >>> [t.get_text() for t in ax.get_yticklabels()]
        ['referred', 'admitted', 'phase:coaching']
    """
    tables = as_mapping(funnel, RateTable)
    stages = list(dict.fromkeys(s for t in tables.values() for s in t.items))
    for label, t in tables.items():
        if group not in t.groups:
            problem = Problem(label or t.indicator, f"{group!r} not in {t.groups}")
            raise ValidationError("unknown group", [problem])
    fig, ax = axes(ax, figsize=(7.0, 1.5 + len(stages) * (0.4 + 0.2 * (len(tables) - 1))))
    height = 0.8 / len(tables)
    y = np.arange(len(stages), dtype=float)
    for k, (label, t) in enumerate(tables.items()):
        offset = -0.4 + height * (k + 0.5)
        colour = f"C{k}"
        for stage in t.items:
            cell = t.get(stage, group)
            pos = y[stages.index(stage)] + offset
            if cell.numerator is None:
                if annotate:
                    ax.text(0, pos, " suppressed", va="center", ha="left", fontsize=8, style="italic")
                continue
            ax.barh(pos, cell.numerator, height=height * 0.95, color=colour,
                    label=label if label and stage == t.items[0] else None)
            if annotate:
                rate = "" if cell.value is None or stage == t.items[0] else f" ({cell.value:.0f} %)"
                ax.text(cell.numerator, pos, f" {cell.numerator}{rate}", va="center", ha="left", fontsize=8)
    ax.set_yticks(y, stages)
    ax.invert_yaxis()
    ax.set_xlabel("participants")
    ax.margins(x=0.15)
    ax.set_title("Funnel" if group == "all" else f"Funnel ({group})")
    if len(tables) > 1:
        ax.legend(loc="lower right")
    return fig, ax


def _days(dates: Sequence[date]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    """Dates as a ``datetime64[D]`` array (what matplotlib's date axis reads)."""
    return np.array(dates, dtype="datetime64[D]")


def _monthly(
    tables: Sequence[WaitingListStatistics],
) -> tuple[list[date], np.ndarray[Any, np.dtype[np.float64]]]:
    """Month ends of all tables and each table's length on them (0 outside its months)."""
    ends = sorted({d for t in tables for d in t.month_ends})
    index = {d: i for i, d in enumerate(ends)}
    out = np.zeros((len(tables), len(ends)))
    for r, t in enumerate(tables):
        out[r, [index[d] for d in t.month_ends]] = t.length
    return ends, out


def plot_waiting_list(
    waiting: _Waiting | Sequence[_Waiting] | Mapping[str, _Waiting | Sequence[_Waiting]], *,
    band: bool = True, ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """Waiting-list length at each month's end, as steps — for one log, replications or scenarios.

    A sequence of tables (e.g. :func:`~langzeit.indicators.waiting_list` of each
    replication of a simulation) is drawn as the mean over them with a band from the
    smallest to the largest; a mapping draws one such line per label (scenarios).

    Args:
        waiting: a table, a sequence of tables, or ``{label: table or tables}``.
        band: draw the min–max band of a sequence of tables.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes.

    Raises:
        ImportError: matplotlib is not installed.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Waitlisted, Admitted
        >>> from langzeit.indicators import waiting_list
        >>> log = [Waitlisted("e1", "p1", date(2024, 1, 10)), Waitlisted("e2", "p2", date(2024, 1, 20)),
        ...        Admitted("e3", "p1", date(2024, 3, 10))]
        >>> fig, ax = plot_waiting_list(waiting_list(log))
        >>> ax.lines[0].get_ydata().tolist()
        [2.0, 2.0, 1.0]
    """
    if isinstance(waiting, WaitingListStatistics):
        named: dict[str, WaitingListStatistics | Sequence[WaitingListStatistics]] = {"": waiting}
    elif isinstance(waiting, Mapping):
        named = dict(waiting)
    else:
        named = {"": waiting}
    fig, ax = axes(ax)
    for k, (label, value) in enumerate(named.items()):
        tables = [value] if isinstance(value, WaitingListStatistics) else list(value)
        month_ends, lengths = _monthly(tables)
        if not month_ends:
            continue
        ends = _days(month_ends)
        colour = f"C{k}"
        ax.step(ends, lengths.mean(axis=0), where="post", color=colour,
                label=label or ("mean of replications" if len(tables) > 1 else "waiting"))
        if band and len(tables) > 1:
            ax.fill_between(ends, lengths.min(axis=0), lengths.max(axis=0), step="post", color=colour,
                            alpha=0.2, linewidth=0)
    ax.set_ylim(bottom=0)
    date_axis(ax)
    ax.set_xlabel("month end")
    ax.set_ylabel("people on the waiting list")
    ax.set_title("Waiting list")
    if len(named) > 1 or any(not isinstance(v, WaitingListStatistics) for v in named.values()):
        ax.legend()
    return fig, ax


def plot_cumulative_incidence(
    incidence: CumulativeIncidence | Mapping[str, CumulativeIncidence], *,
    causes: Sequence[str] | None = None, bands: bool = True, ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """Aalen–Johansen cumulative incidence curves (steps) with pointwise confidence bands.

    One colour per cause; several results (a mapping, e.g. the groups of
    :func:`~langzeit.indicators.competing_exits` or scenarios) differ by line style.

    Args:
        incidence: a result of :func:`~langzeit.indicators.aalen_johansen`, or ``{label: result}``.
        causes: the causes to draw (default: all of each result).
        bands: shade the pointwise interval of each curve.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes.

    Raises:
        ValidationError: a cause is not a cause of a result.
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.indicators import aalen_johansen
        >>> ci = aalen_johansen([1, 2, 2, 3, 4], [1, 2, 1, 0, 1], causes=("work", "dropout"))
        >>> fig, ax = plot_cumulative_incidence(ci)
        >>> [line.get_label() for line in ax.lines], len(ax.collections)
        (['work', 'dropout'], 2)
        >>> ax.lines[0].get_ydata().round(2).tolist()
        [0.0, 0.2, 0.4, 0.4, 0.8]
    """
    results = as_mapping(incidence, CumulativeIncidence)
    wanted = {label: tuple(causes) if causes is not None else r.causes for label, r in results.items()}
    problems = [Problem(label or "incidence", f"cause {c!r} not in {r.causes}")
                for label, r in results.items() for c in wanted[label] if c not in r.causes]
    if problems:
        raise ValidationError("unknown cause", problems)
    colours = state_colours(list(dict.fromkeys(c for cs in wanted.values() for c in cs)))
    fig, ax = axes(ax)
    for k, (label, r) in enumerate(results.items()):
        t = np.r_[0, r.times]
        for cause in wanted[label]:
            i = r.causes.index(cause)
            name = f"{label}: {cause}" if label else cause
            ax.step(t, np.r_[0.0, r.incidence[i]], where="post", color=colours[cause],
                    linestyle=_LINESTYLES[k % len(_LINESTYLES)], label=name)
            if bands:
                ax.fill_between(t, np.r_[0.0, r.lower[i]], np.r_[0.0, r.upper[i]], step="post",
                                color=colours[cause], alpha=0.15, linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_xlim(left=0)
    ax.set_xlabel("months")
    ax.set_ylabel("cumulative incidence")
    ax.set_title("Cumulative incidence of competing exits")
    ax.legend()
    return fig, ax


def plot_kennzahlen(
    result: KennzahlenResult, *, code: str = "K2", jobcenters: Sequence[str] | None = None,
    group: str = "all", bands: bool = True, change: bool = False, ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """One § 48a indicator over the reference months for several jobcenters, gaps marked.

    The title carries the code's official German name (:data:`~langzeit.indicators.NAMES`).
    A line per jobcenter (value in percent) with its confidence interval as a band; with
    ``change=True`` a year-on-year code (K1, K1E1, K1E2, K3) is drawn as the BMAS publishes
    it, ``change`` = value − 100 (−2.5: "gesunken um 2,5 %"), with a line at 0. A
    suppressed cell (statistical confidentiality) is a gap in the line marked ``x`` at
    the bottom of the plot; a cell not available (its Stichtag after the data's end, a
    zero denominator) is a gap marked with an open square. The markers are collections
    with the gid ``"suppressed"`` and ``"not available"``.

    Args:
        result: the result of :func:`~langzeit.indicators.kennzahlen` (suppressed or not).
        code: the indicator, e.g. ``"K2"`` or ``"K3E2"``.
        jobcenters: the jobcenters to draw (default: all of the result).
        group: ``"all"`` (default), ``"F"`` or ``"M"``.
        bands: shade the confidence intervals.
        change: draw the change against a year before instead of the value (year-on-year
            codes only).
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes.

    Raises:
        UnknownNameError: an unknown code, group or jobcenter.
        ValueError: ``change=True`` for a code that is not year-on-year.
        ImportError: matplotlib is not installed.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.spells import SpellTable
        >>> from langzeit.indicators import kennzahlen, suppress
        >>> spells = SpellTable.from_records(
        ...     [{"person_id": f"p{i}", "kind": "elb", "start": "2022-01-01", "jobcenter": "JC1"}
        ...      for i in range(5)] + [{"person_id": "q", "kind": "elb", "start": "2022-01-01",
        ...                             "jobcenter": "JC2"}], data_end=dt.date(2024, 12, 31))
        >>> months = [dt.date(2024, m, 1) for m in (1, 2, 3)]
        >>> fig, ax = plot_kennzahlen(suppress(kennzahlen(spells, months)), code="K1E2")
        >>> [line.get_label() for line in ax.lines]
        ['JC1', 'JC2']
        >>> [len(c.get_offsets()) for c in ax.collections if c.get_gid() == "suppressed"]
        [3]
        >>> ax.get_title()
        'K1E2 – Veränderung der Zahl der erwerbsfähigen Leistungsberechtigten'
        >>> fig, ax = plot_kennzahlen(kennzahlen(spells, months), code="K1E2", change=True)
        >>> ax.get_ylabel(), [float(v) for v in ax.lines[0].get_ydata()]  # 5 of 5 a year before: ±0
        ('K1E2: change against a year before (%)', [0.0, 0.0, 0.0])
    """
    for kind, name, known in (("code", code, CODES), ("group", group, GROUPS)):
        if name not in known:
            raise UnknownNameError(kind, name, list(known))
    if change and code not in YEAR_ON_YEAR:
        raise ValidationError(f"change=True: {code} is not a year-on-year code "
                         f"({', '.join(sorted(YEAR_ON_YEAR))})")
    shift = 100.0 if change else 0.0
    chosen = list(jobcenters) if jobcenters is not None else list(result.jobcenters)
    for j in chosen:
        if j not in result.jobcenters:
            raise UnknownNameError("jobcenter", j, list(result.jobcenters))
    a = result.to_arrays()
    base = (a["code"] == CODES.index(code)) & (a["group"] == GROUPS.index(group))
    fig, ax = axes(ax)
    marks: dict[str, tuple[list[Any], list[Any]]] = {"suppressed": ([], []), "not available": ([], [])}
    for k, j in enumerate(chosen):
        rows = np.flatnonzero(base & (a["jobcenter"] == result.jobcenters.index(j)))
        rows = rows[np.argsort(a["month"][rows], kind="stable")]
        months = _days([result.months[int(m)] for m in a["month"][rows]])
        colour = f"C{k % 10}"
        ax.plot(months, a["value"][rows] - shift, marker="o", markersize=4, color=colour, label=j)
        if bands:
            ax.fill_between(months, a["ci_low"][rows] - shift, a["ci_high"][rows] - shift, color=colour,
                            alpha=0.15, linewidth=0)
        for gid, mask in (("suppressed", a["suppressed"][rows]), ("not available", ~a["available"][rows])):
            for m in np.flatnonzero(mask):
                marks[gid][0].append(months[m])
                marks[gid][1].append(colour)
    for gid, marker, face in (("suppressed", "x", None), ("not available", "s", "none")):
        xs, colours = marks[gid]
        if xs:
            coll = ax.scatter(np.array(xs), [0.03] * len(xs), marker=marker, s=30,
                              transform=ax.get_xaxis_transform(),
                              c=colours if face is None else None,
                              edgecolors=colours if face is not None else None,
                              facecolors=face, label=gid, clip_on=False, zorder=3)
            coll.set_gid(gid)
    # every reference month on the axis, also those without a value (markers only)
    span = _days(list(result.months))
    ax.set_xlim(span.min() - np.timedelta64(15, "D"), span.max() + np.timedelta64(15, "D"))
    date_axis(ax)
    ax.set_xlabel("reference month")
    if change:
        ax.axhline(0.0, color="0.5", linewidth=0.8)
    ax.set_ylabel(f"{code}: change against a year before (%)" if change else f"{code} (%)")
    ax.set_title(f"{code} – {NAMES[code]}" + ("" if group == "all" else f" ({group})"))
    ax.legend()
    return fig, ax


def plot_comparison(
    comparison: Comparison | Mapping[str, Comparison], *, metrics: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """Scenario comparison as a forest plot: each metric's change against the baseline, with interval.

    The metrics have different units (people, days, shares), so the change is shown
    relative to the baseline's mean: ``100 × difference / baseline`` percent, with the
    Welch interval of :func:`~langzeit.simulation.compare` scaled the same way. A metric
    whose baseline is 0 has no relative change and is left out. Several comparisons
    (a mapping, e.g. one per variant against the same baseline) are drawn side by side.

    Args:
        comparison: a result of :func:`~langzeit.simulation.compare`, or ``{label: comparison}``.
        metrics: the metrics to show, top to bottom (default: all of the first comparison).
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes (one error-bar container per comparison; a dashed line at 0).

    Raises:
        ValidationError: a metric is in no comparison.
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.simulation import Comparison
        >>> c = Comparison("base", "more", 0.95, (("admitted", 50.0, 60.0, 10.0, 5.0, 15.0),
        ...                                       ("mean_wait_days", 100.0, 80.0, -20.0, -30.0, -10.0)))
        >>> fig, ax = plot_comparison(c)
        >>> ax.containers[0].lines[0].get_xdata().tolist()
        [20.0, -20.0]
    """
    results = as_mapping(comparison, Comparison)
    first = next(iter(results.values()))
    names = list(metrics) if metrics is not None else [row[0] for row in first.items]
    known = {row[0] for c in results.values() for row in c.items}
    unknown = [m for m in names if m not in known]
    if unknown:
        raise ValidationError("unknown metric",
                              [Problem("metrics", f"{m!r} in no comparison") for m in unknown])
    fig, ax = axes(ax, figsize=(7.0, 1.2 + 0.35 * len(names) * max(1, len(results))))
    step = 0.8 / len(results)
    for k, (label, c) in enumerate(results.items()):
        rows = {row[0]: row for row in c.items}
        ys, xs, lows, highs = [], [], [], []
        for i, name in enumerate(names):
            row = rows.get(name)
            if row is None or not row[1]:
                continue
            _, base, _, diff, low, high = row
            scale = 100.0 / abs(base)
            ys.append(i - 0.4 + step * (k + 0.5))
            xs.append(diff * scale)
            lows.append(0.0 if low is None else (diff - low) * scale)  # no interval: a point
            highs.append(0.0 if high is None else (high - diff) * scale)
        ax.errorbar(xs, ys, xerr=[lows, highs], fmt="o", color=f"C{k}", capsize=3,
                    label=label or f"{c.alternative} vs {c.baseline}")
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("change against the baseline (% of its mean)")
    ax.set_title(f"Scenario comparison ({first.level:.0%} intervals)")
    ax.legend()
    return fig, ax
