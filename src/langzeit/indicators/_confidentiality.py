"""Indicator layer: statistical confidentiality of published counts (BA "Statistische Geheimhaltung").

DOMAIN.md § 3: a published cell needs at least ``min_n`` cases (default 3); zero may be
shown. A rate is suppressed when its numerator or denominator is suppressed. Secondary
suppression: in any row, column or total that contains exactly one suppressed cell, the
smallest remaining non-zero cell is suppressed too, repeated until nothing changes, so
that no suppressed value can be recovered by subtraction. Optional rounding to
multiples of 10. Suppressed cells carry a flag, never a fake value.

The API, from general to specific:

- :class:`ConfidentialityRule` — the options (``min_n``, ``secondary``, ``round_to``).
- :func:`suppression_flags` — the numpy core. Takes a 2-D integer array *with its
  margins already appended* (``row_totals=True``: the last column holds the row
  totals; ``column_totals=True``: the last row holds the column totals) and returns an
  ``int8`` array of the same shape: :data:`SHOWN` (0), :data:`PRIMARY` (1) or
  :data:`SECONDARY` (2). Each row of the array is a *line* (cells that add up to a
  published total) when ``row_totals`` is set, each column when ``column_totals`` is
  set; without totals there is nothing to subtract from, so only primary suppression
  applies. Vectorised over lines: cost is a few numpy passes per fixed-point round.
  Unpublished cells (e.g. persons of another sex when only ``F``, ``M`` and ``all`` are
  published) are passed as ordinary cells and dropped from the output by the caller:
  a small unpublished cell is then protected like any other.
- :func:`round_to_multiple` — rounding half up to multiples of ``base``.
- in :mod:`._count_tables`: :class:`CountTable` — a 2-D count table with row and column keys (for programme
  indicators: funnel by phase × exit reason, outcomes by kind × sex, ...).
- :func:`suppress` — applies the rule to a :class:`CountTable` (returns a
  :class:`ConfidentialTable` with margins and a flag per cell) or to any result that
  implements :class:`SupportsSuppression` (the § 48a ``KennzahlenResult``), returning
  the same kind of result with flags.
- :func:`rate_suppressed` — the rule for rates from their numerator's and denominator's flags.

Examples:
    >>> from langzeit.indicators import CountTable, suppress
    >>> t = CountTable(("JC1", "JC2"), ("F", "M"), ((2, 10), (7, 8)))
    >>> c = suppress(t)
    >>> for r in c.rows()[:4]:
    ...     print(r["row"], r["column"], r["count"], r["flag"])
    JC1 F None primary
    JC1 M None secondary
    JC1 total 12
    JC2 F None secondary
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, overload

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import IntArray
from langzeit.exceptions import ValidationError

__all__ = [
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "ConfidentialityRule",
    "protect",
    "rate_flags",
    "rate_suppressed",
    "round_to_multiple",
    "suppression_flags",
]

SHOWN = 0
"""Flag: the cell is published."""
PRIMARY = 1
"""Flag: the cell has fewer than ``min_n`` (but more than 0) cases."""
SECONDARY = 2
"""Flag: the cell is suppressed so that a primary cell cannot be recovered by subtraction."""

FLAG_NAMES = {SHOWN: "", PRIMARY: "primary", SECONDARY: "secondary"}

FlagArray = npt.NDArray[np.int8]


def _positive_int(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValidationError(f"{attribute.name} must be at least 1, got {value}")


def _optional_base(_: Any, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and value < 2:
        raise ValidationError(f"{attribute.name} must be None or at least 2, got {value}")


@attrs.frozen
class ConfidentialityRule:
    """The confidentiality options of DOMAIN.md § 3.

    Args:
        min_n: the least number of cases a published non-zero cell needs (default 3).
        secondary: apply secondary suppression (default True).
        round_to: round shown counts to multiples of this base (e.g. 10), or None.

    Examples:
        >>> ConfidentialityRule()
        ConfidentialityRule(min_n=3, secondary=True, round_to=None)
        >>> ConfidentialityRule(min_n=5, round_to=10).round_to
        10
    """

    min_n: int = attrs.field(default=3, validator=_positive_int)
    secondary: bool = True
    round_to: int | None = attrs.field(default=None, validator=_optional_base)


def protect(
    values: npt.ArrayLike,
    lines: Sequence[npt.ArrayLike] = (),
    *,
    cases: npt.ArrayLike | None = None,
    active: npt.ArrayLike | None = None,
    published: npt.ArrayLike | None = None,
    implies: npt.ArrayLike | None = None,
    same: npt.ArrayLike | None = None,
    min_n: int = 3,
    secondary: bool = True,
) -> FlagArray:
    """Suppression flags of a system of additive lines — the one confidentiality engine.

    Every table of langzeit (the § 48a Kennzahlen, the programme report, count tables)
    describes its numbers as *cells* of a batch and the additive *lines* that tie them
    (cells of a line add up to its last cell), and asks this function which to hide:

    1. *primary*: a cell with ``0 < cases < min_n``;
    2. *implication*: for each pair ``(den, num)`` of ``implies``, when ``den`` is
       hidden, ``num`` is hidden too, even when it is 0 (a zero on one or two persons
       discloses them);
    3. *same*: the two cells of each pair of ``same`` are one number shown twice: one
       hidden hides the other;
    4. *secondary*: a line with exactly one hidden cell (counting inactive cells as
       hidden), or whose hidden cells are parts adding up to 0 beside a shown total,
       gets another one, so nothing hidden can be recovered by subtraction: a
       remaining non-zero cell — the one whose hiding opens the fewest other lines (lines
       without a hidden cell yet), an unpublished one before a published one, then the
       smallest. Where only zeros remain, all of them are hidden (hidden cells that add up
       to 0 would each be known to be 0).

    Rules 2–4 repeat until nothing changes. Cells that are never published (other
    sexes inside ``all``, the complement ``denominator − numerator``) are ordinary
    cells: they are protected like published ones, and treated as known unless flagged.

    Args:
        values: the cells' values, shape ``(batch, cells)`` (or 1-D for one batch element);
            secondary suppression picks the smallest.
        lines: index arrays of shape ``(n_lines, width)``: each row lists cells whose
            last one is the sum of the others (several arrays for lines of several widths).
        cases: the counts the primary rule looks at (default: ``values``), e.g. persons
            behind sums of euros.
        active: which cells exist (default: all); an inactive cell is never flagged and
            counts as hidden in its lines (it is published nowhere).
        published: which cells are shown when not flagged (default: all); the others
            (e.g. other sexes inside ``all``, complements) are treated as known unless
            flagged, and preferred as secondary picks.
        implies: pairs ``(den, num)`` of cell indices, shape ``(n, 2)``.
        same: pairs of cell indices that hold one number, shape ``(n, 2)``.
        min_n: least number of cases of a published non-zero cell.
        secondary: apply rules 2–4 (False: primary suppression only).

    Returns:
        ``int8`` flags of ``values``' shape: :data:`SHOWN`, :data:`PRIMARY`, :data:`SECONDARY`.

    Raises:
        ValueError: negative values, or index arrays outside the cells.

    Examples:
        One line F + M + other = all; "other" (index 2) is not published. A single person
        of another sex is protected: one published cell is hidden with it.

        >>> protect([[5, 7, 1, 13]], [[[0, 1, 2, 3]]]).tolist()
        [[2, 0, 1, 0]]

        A numerator whose denominator is one person is protected even when it is 0. Cells
        0–3: numerators F, M, other, all; cells 4–7: the denominators. The other sexes'
        denominator 1 hides the smallest published one (M, 8) and, by implication, both
        numerators: the line of the numerators then has two hidden cells.

        >>> protect([[0, 4, 0, 4, 9, 8, 1, 18]], [[[0, 1, 2, 3], [4, 5, 6, 7]]],
        ...         implies=[[6, 2]]).tolist()
        [[0, 2, 2, 0, 0, 2, 1, 0]]
    """
    v = np.asarray(values, dtype=np.float64)
    one = v.ndim == 1
    v = np.atleast_2d(v)
    if (v < 0).any():
        raise ValidationError("values must not be negative")
    c = v if cases is None else np.atleast_2d(np.asarray(cases, dtype=np.float64))
    act = np.ones(v.shape, dtype=np.bool_) if active is None else np.broadcast_to(
        np.atleast_2d(np.asarray(active, dtype=np.bool_)), v.shape)
    pub = np.ones(v.shape, dtype=np.bool_) if published is None else np.broadcast_to(
        np.atleast_2d(np.asarray(published, dtype=np.bool_)), v.shape)
    n = v.shape[1]
    flags = np.where(act & (c > 0) & (c < min_n), PRIMARY, SHOWN).astype(np.int8)
    line_sets = [np.asarray(x, dtype=np.int64).reshape(-1, np.asarray(x).shape[-1]) for x in lines
                 if np.asarray(x).size]
    pairs = [np.asarray(x, dtype=np.int64).reshape(-1, 2) for x in (implies, same) if x is not None]
    for idx in [*line_sets, *pairs]:
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise ValidationError(f"cell index outside 0 … {n - 1}")
    imp = pairs[0] if implies is not None else np.zeros((0, 2), dtype=np.int64)
    eq = pairs[-1] if same is not None else np.zeros((0, 2), dtype=np.int64)
    if not secondary or v.size == 0:
        return flags[0] if one else flags
    # only batch elements with a flagged cell can need anything more
    full = flags
    todo = np.flatnonzero((flags != SHOWN).any(axis=1))
    v, act, pub, flags = v[todo], act[todo], pub[todo], flags[todo]
    big = np.inf

    def close() -> bool:
        """Apply the implications and the pairs of one number to a fixed point."""
        changed = False
        while True:
            hit_any = False
            for src, dst in ([(imp[:, 0], imp[:, 1])] if imp.size else []) + (
                [(eq[:, 0], eq[:, 1]), (eq[:, 1], eq[:, 0])] if eq.size else []
            ):
                hit = (flags[:, src] != SHOWN) & (flags[:, dst] == SHOWN) & act[:, dst]
                if hit.any():
                    r, k = np.nonzero(hit)
                    flags[r, dst[k]] = SECONDARY
                    hit_any = changed = True
            if not hit_any:
                return changed

    def open_lines(batch: IntArray) -> npt.NDArray[np.float64]:
        """For these batch elements and every cell, how many of its lines have no hidden cell yet."""
        k = batch.size
        cost = np.zeros(k * n, dtype=np.float64)
        offset = (np.arange(k, dtype=np.int64) * n)[:, None, None]
        for idx in line_sets:
            hidden = (flags[batch][:, idx] != SHOWN) | ~act[batch][:, idx]
            untouched = ~hidden.any(axis=2)  # (batch, lines)
            weights = np.broadcast_to(untouched[:, :, None], hidden.shape).ravel().astype(np.float64)
            cost += np.bincount((offset + idx[None]).ravel(), weights=weights, minlength=k * n)
        return cost.reshape(k, n)

    def secure(idx: IntArray, zeros: bool) -> bool:
        """Give every line with a flagged cell that subtraction would disclose another hidden cell.

        A line discloses when it has exactly one hidden cell, or when its hidden cells are
        parts that add up to 0 while the total is shown (each is then known to be 0).

        The pick is a non-zero cell that opens as few new lines as possible (a cell whose
        other lines already hold a hidden cell costs nothing more); then unpublished before
        published; then the smallest. With ``zeros``, lines with nothing but zeros left
        hide all of them.
        """
        flagged = flags[:, idx] != SHOWN  # (batch, lines, width)
        inactive = ~act[:, idx]
        hidden = flagged | inactive
        some = flagged.any(axis=2)
        # hidden parts that add up to 0 (total shown) would each be known to be 0
        zero_sum = (~inactive.any(axis=2) & ~hidden[:, :, -1]
                    & (np.where(flagged, v[:, idx], 0.0).sum(axis=2) == 0))
        need = some & ((hidden.sum(axis=2) == 1) | zero_sum)
        if not need.any():
            return False
        b, li = np.nonzero(need)
        cand_idx = idx[li]  # (k, width)
        rows = b[:, None]
        vals = v[rows, cand_idx]
        free = ~hidden[b, li]
        unpublished = ~pub[rows, cand_idx]
        allowed = free & (vals > 0)
        if zeros:
            # only zeros are left: one hidden zero beside another would add up to 0 and
            # give both away, so every remaining cell of the line is hidden
            rest = free & ~allowed.any(axis=1)[:, None]
            if not rest.any():
                return False
            r, w = np.nonzero(rest)
            flags[b[r], cand_idx[r, w]] = SECONDARY
            return True
        if not allowed.any():
            return False
        batch, local = np.unique(b, return_inverse=True)
        cost = open_lines(batch)[local[:, None], cand_idx] + np.where(unpublished, 0.0, 0.5)
        key = np.where(allowed, cost, big)
        best = key == key.min(axis=1, keepdims=True)
        score = np.where(allowed & best, vals, big)
        pick = score.argmin(axis=1)
        ok = allowed[np.arange(b.size), pick]
        if not ok.any():
            return False
        flags[b[ok], cand_idx[np.arange(b.size), pick][ok]] = SECONDARY
        return True

    # implications first, then lines one family at a time (each followed by the implications,
    # so that a line does not pick a cell when a cell it already holds is about to be hidden);
    # zero cells are picked only when nothing else changes any more
    close()
    while True:
        changed = False
        for idx in line_sets:
            if secure(idx, zeros=False):
                changed = True
                close()
        if changed:
            continue
        for idx in line_sets:
            if secure(idx, zeros=True):
                changed = True
                close()
                break
        if not changed:
            break
    full[todo] = flags
    flags = full
    return flags[0] if one else flags


def rate_flags(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    *,
    grouped: bool,
    partition: bool = False,
    min_n: int = 3,
    secondary: bool = True,
) -> tuple[FlagArray, FlagArray]:
    """Flags of a table of rates (groups × items, numerators within their denominators), by :func:`protect`.

    The cells are the numerators, the denominators and — unpublished — their complements
    denominator − numerator (a count of persons too: "referred 4, agreed 3" would disclose
    one who declined). Lines: with ``grouped``, each item's numerators, denominators and
    complements over the groups add up to row 0 (``"all"``); with ``partition``, each
    group's numerators add up to its denominator; every numerator plus its complement is
    its denominator. A hidden denominator hides its numerator; equal non-zero numbers of
    one group (the same count shown under two items) are hidden together.

    Args:
        numerator: counts, shape ``(groups, items)``; row 0 is ``"all"`` when ``grouped``.
        denominator: counts of the same shape, each at least its numerator.
        grouped: the rows other than row 0 add up to row 0.
        partition: each row's numerators add up to its denominator (of item 0).
        min_n: least number of cases of a published non-zero count.
        secondary: apply secondary suppression.

    Returns:
        ``(numerator flags, denominator flags)`` of the input's shape.

    Examples:
        Referred 4, of them 3 agreed: the complement 1 hides the numerator.

        >>> n, d = rate_flags([[4, 3]], [[4, 4]], grouped=False)
        >>> n.tolist(), d.tolist()
        ([[0, 2]], [[0, 0]])
    """
    num = np.atleast_2d(np.asarray(numerator, dtype=np.float64))
    den = np.broadcast_to(np.asarray(denominator, dtype=np.float64), num.shape)
    g, i = num.shape
    cells = np.arange(3 * g * i, dtype=np.int64).reshape(3, g, i)  # numerators, denominators, complements
    values = np.concatenate([num.ravel(), den.ravel(), np.maximum(den - num, 0.0).ravel()])
    lines: list[IntArray] = [np.stack([cells[0], cells[2], cells[1]], axis=-1).reshape(-1, 3)]
    if grouped and g > 1:
        order = np.r_[np.arange(1, g), 0]
        lines.append(np.transpose(cells[:, order, :], (0, 2, 1)).reshape(-1, g))
    if partition:
        lines.append(np.concatenate([cells[0], cells[1][:, :1]], axis=1))
    same = []
    for row in range(g):
        ids = np.concatenate([cells[0, row], cells[1, row]])
        vals = values[ids]
        order_v = np.argsort(vals, kind="stable")
        ids, vals = ids[order_v], vals[order_v]
        tie = (vals[1:] == vals[:-1]) & (vals[1:] > 0)
        same.append(np.stack([ids[:-1][tie], ids[1:][tie]], axis=1))
    published = np.ones(values.shape, dtype=np.bool_)
    published[cells[2].ravel()] = False
    implies = np.stack([cells[1].ravel(), cells[0].ravel()], axis=1)
    flags = protect(values, lines, published=published, implies=implies, same=np.concatenate(same),
                    min_n=min_n, secondary=secondary)
    return flags[cells[0]].astype(np.int8), flags[cells[1]].astype(np.int8)


def suppression_flags(
    counts: npt.ArrayLike,
    *,
    min_n: int = 3,
    row_totals: bool = True,
    column_totals: bool = True,
    secondary: bool = True,
) -> FlagArray:
    """Primary and secondary suppression flags of a 2-D count array with its margins.

    The lines of :func:`protect` are the rows (``row_totals``) and the columns
    (``column_totals``) of the array.

    Args:
        counts: non-negative counts, shape ``(rows, columns)`` (integers, or floats such
            as mean stocks: a mean of 0.5 is a non-zero cell below ``min_n``); when
            ``row_totals`` is set the last column holds each row's total, when
            ``column_totals`` is set the last row holds each column's total.
        min_n: least number of cases of a published non-zero cell.
        row_totals: each row is a line that adds up to its (published) last cell.
        column_totals: each column is a line that adds up to its (published) last cell.
        secondary: apply secondary suppression to a fixed point.

    Returns:
        An ``int8`` array of the same shape with :data:`SHOWN`, :data:`PRIMARY` or
        :data:`SECONDARY` per cell.

    Raises:
        ValueError: ``counts`` is not 2-D or has negative entries.

    Examples:
        >>> suppression_flags([[1, 5, 6], [4, 4, 8], [5, 9, 14]]).tolist()
        [[1, 2, 0], [2, 2, 0], [0, 0, 0]]
        >>> suppression_flags([[0, 7, 7]], column_totals=False).tolist()
        [[0, 0, 0]]
    """
    a = np.asarray(counts, dtype=np.float64)
    if a.ndim != 2:
        raise ValidationError(f"counts must be a 2-D array, got {a.ndim} dimensions")
    index = np.arange(a.size, dtype=np.int64).reshape(a.shape)
    lines = [index[:, :] if row_totals else np.zeros((0, 1), dtype=np.int64),
             index.T if column_totals else np.zeros((0, 1), dtype=np.int64)]
    flags = protect(a.reshape(1, -1), lines, min_n=min_n, secondary=secondary)
    return flags.reshape(a.shape)


@overload
def round_to_multiple(values: int, base: int = ...) -> int: ...
@overload
def round_to_multiple(values: npt.ArrayLike, base: int = ...) -> IntArray: ...
def round_to_multiple(values: Any, base: int = 10) -> Any:
    """Round counts half up to multiples of ``base`` (0 stays 0).

    Args:
        values: a non-negative integer or an array of them.
        base: the multiple (default 10).

    Returns:
        The rounded value(s): an int for an int, an int64 array otherwise.

    Examples:
        >>> round_to_multiple(14), round_to_multiple(15), round_to_multiple(0)
        (10, 20, 0)
        >>> round_to_multiple([4, 5, 123]).tolist()
        [0, 10, 120]
    """
    arr = np.asarray(values, dtype=np.int64)
    out = (arr + base // 2) // base * base
    if np.ndim(values) == 0:
        return int(out)
    return out


def rate_suppressed(numerator_flag: npt.ArrayLike, denominator_flag: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """A rate is suppressed when its numerator or its denominator is suppressed.

    Args:
        numerator_flag: flags (or booleans) of the numerators.
        denominator_flag: flags (or booleans) of the denominators.

    Returns:
        A boolean array: True where the rate must not be shown.

    Examples:
        >>> rate_suppressed([0, 1, 0], [0, 0, 2]).tolist()
        [False, True, True]
    """
    out: npt.NDArray[np.bool_] = (np.asarray(numerator_flag) != 0) | (np.asarray(denominator_flag) != 0)
    return out
