"""Report layer: drawing a network map with matplotlib (the optional ``plot`` extra, imported lazily)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from langzeit.network import NetworkMap, NodeKind, TieKind

__all__ = ["plot_network_map"]

_COLOURS = {
    NodeKind.PARTICIPANT: "#d62728",
    NodeKind.COACH: "#1f77b4",
    NodeKind.ORGANISATION: "#2ca02c",
    NodeKind.PERSON: "#ff7f0e",
}


def _layout(network: NetworkMap) -> dict[str, tuple[float, float]]:
    """Rings by distance around the participant; evenly spaced, in id order (deterministic)."""
    rings: dict[int, list[str]] = {}
    for n in network.nodes:
        rings.setdefault(n.distance, []).append(n.id)
    pos: dict[str, tuple[float, float]] = {}
    for d, ids in rings.items():
        for i, node in enumerate(ids):
            angle = 2 * math.pi * i / len(ids) + 0.3 * d
            pos[node] = (d * math.cos(angle), d * math.sin(angle))
    return pos


def plot_network_map(network: NetworkMap, path: str | Path | None = None, *, ax: Any = None,
                     labels: bool = True) -> Any:
    """Draw a network map: the participant in the centre, rings by distance, personal ties dashed.

    Node colours: participant red, coaches blue, organisations green, people orange.
    Needs matplotlib (``pip install 'langzeit[plot]'``); imported only when called.

    Args:
        network: the map from :func:`~langzeit.network.network_map`.
        path: write a PNG here (optional).
        ax: draw into this matplotlib axes (default: a new figure).
        labels: write node ids next to the nodes.

    Returns:
        The matplotlib figure.

    Raises:
        ImportError: matplotlib is not installed.

    Examples:
        >>> from langzeit.network import example_space, network_map
        >>> fig = plot_network_map(network_map(example_space(), "p-anna"))
        >>> fig.axes[0].get_title()
        'Netzwerkkarte p-anna (Radius 2)'
        >>> import matplotlib.pyplot as plt
        >>> plt.close(fig)
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plot_network_map() needs matplotlib: pip install 'langzeit[plot]'") from exc
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 7))
    else:
        fig = ax.figure
    pos = _layout(network)
    for t in network.ties:
        (x1, y1), (x2, y2) = pos[t.source], pos[t.target]
        ax.plot([x1, x2], [y1, y2], color="#555555", linewidth=0.6 + 0.6 * t.strength,
                linestyle="--" if t.kind is TieKind.PERSONAL else "-", zorder=1)
    for kind, colour in _COLOURS.items():
        members = [n for n in network.nodes if n.kind is kind]
        if members:
            ax.scatter([pos[n.id][0] for n in members], [pos[n.id][1] for n in members], s=220,
                       color=colour, label=kind.value, zorder=2, edgecolors="white")
    if labels:
        for n in network.nodes:
            x, y = pos[n.id]
            ax.annotate(n.id, (x, y), xytext=(6, 6), textcoords="offset points", fontsize=8)
    ax.set_title(f"Netzwerkkarte {network.participant_id} (Radius {network.radius})")
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    if path is not None:
        fig.savefig(str(path), dpi=120, bbox_inches="tight")
    return fig
