"""Report layer: the evaluation's event-time plot (benefit receipt around entry, both arms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from langzeit.evaluation import EventTime
from langzeit.report._plot_base import axes

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_event_time"]


def plot_event_time(
    result: EventTime, *, difference: bool = False, ax: Axes | None = None
) -> tuple[Figure, Axes]:
    """Monthly share in benefit around entry: participants against their matched comparison.

    Month 0 is the entry day (dashed line). With ``difference=True`` the plot shows the
    difference in percentage points with its interval band instead (a line at 0); months
    hidden by confidentiality or after the data's end are gaps.

    Args:
        result: :func:`~langzeit.evaluation.event_time` (or ``Evaluation.event_time``).
        difference: draw the difference and its interval instead of the two shares.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes (two lines, or one line and its band).

    Raises:
        ImportError: matplotlib is not installed.

    Examples:
        >>> et = EventTime(np.array([-1, 0, 1]), np.array([5, 5, 5]), np.array([100.0, 100.0, 60.0]),
        ...                np.array([100.0, 100.0, 80.0]), np.array([0.0, 0.0, -20.0]),
        ...                np.array([0.0, 0.0, -50.0]), np.array([0.0, 0.0, 10.0]))
        >>> fig, ax = plot_event_time(et)
        >>> [line.get_label() for line in ax.get_lines()[:2]]
        ['participants', 'matched comparison']
        >>> fig, ax = plot_event_time(et, difference=True)
        >>> ax.get_lines()[0].get_ydata().tolist()
        [0.0, 0.0, -20.0]
    """
    fig, ax = axes(ax)
    months = np.asarray(result.months)
    if difference:
        ax.plot(months, result.difference, color="#1f77b4", marker=".", label="participants − comparison")
        ax.fill_between(months, result.lower, result.upper, color="#1f77b4", alpha=0.2,
                        label="interval")
        ax.axhline(0.0, color="#7f7f7f", linewidth=0.8)
        ax.set_ylabel("difference in benefit receipt (percentage points)")
    else:
        ax.plot(months, result.participants, color="#1f77b4", marker=".", label="participants")
        ax.plot(months, result.comparison, color="#ff7f0e", marker=".", label="matched comparison")
        ax.set_ylim(0, 100)
        ax.set_ylabel("in the ELB stock (%)")
    ax.axvline(0, color="#7f7f7f", linestyle="--", linewidth=0.8)
    ax.set_xlabel("months since entry")
    ax.set_title("Benefit receipt around entry")
    ax.legend(loc="best")
    return fig, ax
