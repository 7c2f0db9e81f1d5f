"""Report layer: plots of monthly state sequences — index plot, state distribution, flows (alluvial).

The sequences are :class:`~langzeit.indicators.StateSequences`, e.g. from
:func:`~langzeit.indicators.state_sequences` of an event log (waiting, the phases,
pause, exit causes). The plots follow TraMineR's ``seqIplot`` and ``seqdplot``; the
flow plot draws the same months as an alluvial (Sankey-style) diagram. States keep one
colour across the three plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators import StateSequences
from langzeit.report._plot_base import axes, state_colours

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_phase_flows", "plot_sequence_index", "plot_state_distribution"]


def _legend(ax: Axes, states: Sequence[str], colours: dict[str, Any]) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=colours[s], label=s) for s in states], loc="center left",
              bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)


def _observed_months(sequences: StateSequences) -> int:
    """Months up to the last one any sequence is observed in."""
    return int(sequences.lengths.max()) if len(sequences) else 0


def _occurring(sequences: StateSequences) -> list[str]:
    codes = np.unique(sequences.states[sequences.states >= 0])
    return [sequences.alphabet[int(c)] for c in codes]


def plot_sequence_index(
    sequences: StateSequences, *, sort: bool = True, ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """Sequence index plot (TraMineR ``seqIplot``): one row per sequence, one coloured cell per month.

    Unobserved months (after the data's end) stay blank.

    Args:
        sequences: the sequences.
        sort: order the rows by their states from the first month on (similar
            pathways next to each other); otherwise keep the given order.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes (one image; its array holds the state codes, masked where unobserved).

    Raises:
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.indicators import StateSequences
        >>> s = StateSequences.from_lists([["b", "b", "a"], ["a", "b"]])
        >>> fig, ax = plot_sequence_index(s)
        >>> ax.images[0].get_array().tolist()
        [[0, 1, None], [1, 1, 0]]
    """
    fig, ax = axes(ax)  # first: a missing matplotlib is reported with the extra to install
    from matplotlib.colors import ListedColormap

    colours = state_colours(sequences.alphabet)
    states = sequences.states[:, : _observed_months(sequences)]
    if sort and len(states):
        states = states[np.lexsort(states.T[::-1])]
    cmap = ListedColormap([colours[s] for s in sequences.alphabet] or ["white"])
    masked = np.ma.masked_less(states, 0)
    if masked.size == 0:  # nothing observed: an empty plot, not a degenerate image
        ax.set_title("Sequence index plot")
        return fig, ax
    ax.imshow(masked, aspect="auto", interpolation="nearest", cmap=cmap, vmin=-0.5,
              vmax=max(len(sequences.alphabet), 1) - 0.5,
              extent=(-0.5, states.shape[1] - 0.5, len(states) - 0.5, -0.5))
    ax.set_xlabel("month")
    ax.set_ylabel(f"sequences (n = {len(states)})")
    ax.set_title("Sequence index plot")
    _legend(ax, _occurring(sequences), colours)
    return fig, ax


def _shares(sequences: StateSequences) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, Any]]:
    """Counts per state × month and the number observed per month."""
    k = len(sequences.alphabet)
    states = sequences.states.astype(np.int64)
    months = states.shape[1]
    flat = np.where(states >= 0, states * months + np.arange(months), -1).ravel()
    counts = np.bincount(flat[flat >= 0], minlength=k * months).reshape(k, months)
    return counts, counts.sum(axis=0)


def plot_state_distribution(
    sequences: StateSequences, *, ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """State distribution plot (TraMineR ``seqdplot``): each month's shares of the states, stacked.

    Shares are of the sequences observed in that month; the number observed is written
    in the axis label's range.

    Args:
        sequences: the sequences.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes (one bar container per state that occurs).

    Raises:
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.indicators import StateSequences
        >>> s = StateSequences.from_lists([["a", "a"], ["a", "b"]])
        >>> fig, ax = plot_state_distribution(s)
        >>> [c.get_label() for c in ax.containers]
        ['a', 'b']
        >>> [float(p.get_height()) for p in ax.containers[0]]
        [1.0, 0.5]
    """
    colours = state_colours(sequences.alphabet)
    counts, observed = _shares(sequences)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(observed > 0, counts / np.where(observed > 0, observed, 1), 0.0)
    fig, ax = axes(ax)
    months = np.arange(counts.shape[1])
    bottom = np.zeros(len(months))
    for k, state in enumerate(sequences.alphabet):
        if counts[k].sum() == 0:
            continue
        ax.bar(months, shares[k], bottom=bottom, width=1.0, color=colours[state], label=state, linewidth=0)
        bottom = bottom + shares[k]
    ax.set_ylim(0, 1)
    ax.set_xlabel("month")
    low, high = (int(observed.min()), int(observed.max())) if len(observed) else (0, 0)
    ax.set_ylabel("share" + (f" (n = {high})" if low == high else f" (n = {low}–{high})"))
    ax.set_title("State distribution")
    _legend(ax, _occurring(sequences), colours)
    return fig, ax


def _smooth(n: int = 32) -> np.ndarray[Any, np.dtype[np.float64]]:
    t = np.linspace(0.0, 1.0, n)
    out: np.ndarray[Any, np.dtype[np.float64]] = t * t * (3 - 2 * t)
    return out


def plot_phase_flows(
    sequences: StateSequences, *, months: Sequence[int] | None = None, gap: float = 0.02,
    ax: Axes | None = None,
) -> tuple[Figure, Axes]:
    """Flows between states (phases, waiting, exits) from month to month, as an alluvial diagram.

    At each chosen month a column of stacked blocks shows how many sequences are in
    each state; a ribbon between two columns is as wide as the number of sequences
    moving from one state to the other (staying included). Sequences not observed at
    the later month leave the flow.

    Args:
        sequences: the sequences (e.g. :func:`~langzeit.indicators.state_sequences`).
        months: the months to draw (default: every 6th month if more than 12 are
            observed, else every month; none if nothing is observed).
        gap: space between blocks, as a share of the number of sequences.
        ax: draw into these axes (default: a new figure).

    Returns:
        The figure and the axes: one rectangle patch per block (state with sequences at
        a month) and one filled area with the gid ``"flow"`` per non-empty flow.

    Raises:
        ValidationError: a month outside the sequences' length, or ``months`` empty.
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.indicators import StateSequences
        >>> s = StateSequences.from_lists([["w", "a", "x"], ["w", "a", "a"], ["w", "w", "a"]])
        >>> fig, ax = plot_phase_flows(s)
        >>> len(ax.patches), sum(c.get_gid() == "flow" for c in ax.collections)
        (5, 5)
    """
    width = sequences.states.shape[1]
    observed = _observed_months(sequences)
    chosen = list(months) if months is not None else list(range(0, observed, 6 if observed > 12 else 1))
    bad = [m for m in chosen if not 0 <= m < width]
    if bad or (months is not None and not chosen):
        raise ValidationError("months outside the sequences",
                              [Problem("months", f"{bad or 'none'}; the sequences have {width} months")])
    colours = state_colours(sequences.alphabet)
    k = len(sequences.alphabet)
    n = max(len(sequences), 1)
    space = gap * n
    states = sequences.states.astype(np.int64)
    fig, ax = axes(ax, figsize=(8.0, 4.5))
    block_w = 0.18
    # block bottoms per column: states stacked from the top in alphabet order
    tops: list[np.ndarray[Any, np.dtype[np.float64]]] = []
    for c, m in enumerate(chosen):
        counts = np.bincount(states[:, m][states[:, m] >= 0], minlength=k).astype(np.float64)
        gaps = np.cumsum(np.r_[0, counts[:-1] > 0]) * space
        top = -(np.cumsum(np.r_[0.0, counts[:-1]]) + gaps)
        tops.append(top)
        for s in np.flatnonzero(counts):
            ax.bar(c, counts[s], bottom=top[s] - counts[s], width=block_w,
                   color=colours[sequences.alphabet[s]], linewidth=0)
    xs = _smooth()
    for c in range(len(chosen) - 1):
        a, b = states[:, chosen[c]], states[:, chosen[c + 1]]
        both = (a >= 0) & (b >= 0)
        flow = np.bincount(a[both] * k + b[both], minlength=k * k).reshape(k, k).astype(np.float64)
        # out of block i ordered by target j; into block j ordered by source i
        out_start = tops[c][:, None] - np.cumsum(flow, axis=1) + flow
        in_start = tops[c + 1][None, :] - np.cumsum(flow, axis=0) + flow
        x = c + block_w / 2 + xs * (1 - block_w)
        for i, j in zip(*np.nonzero(flow), strict=True):
            y0, y1 = out_start[i, j], in_start[i, j]
            upper = y0 + (y1 - y0) * xs
            area = ax.fill_between(x, upper - flow[i, j], upper, color=colours[sequences.alphabet[i]],
                                   alpha=0.35, linewidth=0)
            area.set_gid("flow")
    ax.set_xticks(range(len(chosen)), [f"month {m}" for m in chosen])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Flows between states (n = {len(sequences)})")
    _legend(ax, _occurring(sequences), colours)
    return fig, ax
