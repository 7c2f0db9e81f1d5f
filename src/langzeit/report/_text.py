"""Report layer: plain-text tables with aligned columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["format_table"]


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: header, rule, rows; None shows as ``–`` (suppressed or not available).

    Args:
        headers: the column names.
        rows: the cells, row by row.

    Returns:
        The table as text (no trailing newline).

    Examples:
        >>> print(format_table(["item", "n"], [["a", 12], ["bb", None]]))
        item  n
        ----  --
        a     12
        bb    –
    """
    cells = [["–" if v is None else str(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
