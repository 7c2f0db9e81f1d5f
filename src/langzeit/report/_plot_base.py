"""Report layer: what every plot shares — lazy matplotlib import, new-or-given axes, state colours."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["as_mapping", "axes", "date_axis", "pyplot", "state_colours"]

T = TypeVar("T")

# Exit causes of the programme indicators keep their meaning across plots.
_FIXED = {
    "integration": "#2ca02c",
    "other_work": "#98df8a",
    "dropout": "#d62728",
    "rehabilitation": "#9467bd",
    "other": "#7f7f7f",
    "waiting": "#c7c7c7",
    "not_admitted": "#e377c2",
    "paused": "#ffbb78",
}


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported on first use.

    Raises:
        ImportError: matplotlib is missing; the message names the ``plot`` extra.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("langzeit plots need matplotlib: pip install 'langzeit[plot]'") from exc
    return plt


def axes(ax: Axes | None, *, figsize: tuple[float, float] = (7.0, 4.0)) -> tuple[Figure, Axes]:
    """The figure and axes to draw into: ``ax`` and its figure, or a new figure."""
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]  # a SubFigure is drawn like a Figure
    fig, new = pyplot().subplots(figsize=figsize, layout="constrained")
    return fig, new


def date_axis(ax: Axes) -> None:
    """Month ticks that do not overlap: at most 8, labelled concisely (year once)."""
    from matplotlib import dates

    mdates: Any = dates  # matplotlib.dates has no type hints
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def state_colours(states: Sequence[str]) -> dict[str, Any]:
    """A colour per state: fixed ones for exit causes and waiting, ``tab10`` for the others (phases)."""
    cmap = pyplot().get_cmap("tab10")
    free = [c for i in range(10) if (c := cmap(i)) is not None]
    taken = set(_FIXED.values())
    palette = [c for c in free if _hex(c) not in taken]
    out: dict[str, Any] = {}
    k = 0
    for s in states:
        if s in _FIXED:
            out[s] = _FIXED[s]
        else:
            out[s] = palette[k % len(palette)]
            k += 1
    return out


def _hex(rgba: tuple[float, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(255 * x) for x in rgba[:3]))


def as_mapping(value: T | Mapping[str, T], kind: type[T]) -> dict[str, T]:
    """One result or several named ones (e.g. scenarios) as ``{label: result}`` (label ``""`` for one)."""
    if isinstance(value, kind):
        return {"": value}
    return dict(value)  # type: ignore[arg-type]
