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
- :class:`CountTable` — a 2-D count table with row and column keys (for programme
  indicators: funnel by phase × exit reason, outcomes by kind × sex, ...).
- :func:`suppress` — applies the rule to a :class:`CountTable` (returns a
  :class:`ConfidentialTable` with margins and a flag per cell) or to any result that
  implements :class:`SupportsSuppression` (the § 48a ``KennzahlenResult``), returning
  the same kind of result with flags.
- :func:`rate_suppressed` — the rule for rates from their numerator's and denominator's flags.

Examples:
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

from collections.abc import Hashable, Sequence
from typing import Any, Protocol, TypeVar, overload, runtime_checkable

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.tabular import Table

__all__ = [
    "PRIMARY",
    "SECONDARY",
    "SHOWN",
    "ConfidentialTable",
    "ConfidentialityRule",
    "CountTable",
    "SupportsSuppression",
    "rate_suppressed",
    "round_to_multiple",
    "suppress",
    "suppression_flags",
]

SHOWN = 0
"""Flag: the cell is published."""
PRIMARY = 1
"""Flag: the cell has fewer than ``min_n`` (but more than 0) cases."""
SECONDARY = 2
"""Flag: the cell is suppressed so that a primary cell cannot be recovered by subtraction."""

_FLAG_NAMES = {SHOWN: "", PRIMARY: "primary", SECONDARY: "secondary"}

IntArray = npt.NDArray[np.int64]
FlagArray = npt.NDArray[np.int8]


def _positive_int(_: Any, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def _optional_base(_: Any, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None and value < 2:
        raise ValueError(f"{attribute.name} must be None or at least 2, got {value}")


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


def suppression_flags(
    counts: npt.ArrayLike,
    *,
    min_n: int = 3,
    row_totals: bool = True,
    column_totals: bool = True,
    secondary: bool = True,
) -> FlagArray:
    """Primary and secondary suppression flags of a 2-D count array with its margins.

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
        raise ValueError(f"counts must be a 2-D array, got {a.ndim} dimensions")
    if (a < 0).any():
        raise ValueError("counts must not be negative")
    flags = np.where((a > 0) & (a < min_n), PRIMARY, SHOWN).astype(np.int8)
    if not secondary or a.size == 0:
        return flags
    big = np.inf
    axes = [axis for axis, on in ((1, row_totals), (0, column_totals)) if on]
    while True:
        changed = False
        for axis in axes:
            suppressed = flags != SHOWN
            lines = np.flatnonzero(suppressed.sum(axis=axis) == 1)
            if lines.size == 0:
                continue
            view = a if axis == 1 else a.T
            sup_view = suppressed if axis == 1 else suppressed.T
            candidates = np.where(~sup_view[lines] & (view[lines] > 0), view[lines], big)
            pick = candidates.argmin(axis=1)
            ok = candidates[np.arange(lines.size), pick] != big
            if not ok.any():
                continue
            rows, cols = lines[ok], pick[ok]
            if axis == 0:
                rows, cols = cols, rows
            flags[rows, cols] = SECONDARY
            changed = True
        if not changed:
            return flags


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


def _key_tuple(values: Sequence[Hashable]) -> tuple[Hashable, ...]:
    return tuple(values)


def _counts_tuple(values: Any) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(int(v) for v in row) for row in values)


@attrs.frozen
class CountTable(Table):
    """A 2-D table of non-negative counts with row and column keys (margins not included).

    Args:
        row_keys: one key per row (e.g. phases).
        column_keys: one key per column (e.g. exit reasons).
        counts: ``counts[i][j]`` for row ``i`` and column ``j``.

    Raises:
        ValueError: the shape does not match the keys, or a count is negative.

    Examples:
        >>> t = CountTable(("a", "b"), ("x",), ((1,), (4,)))
        >>> t.rows()
        [{'row': 'a', 'column': 'x', 'count': 1}, {'row': 'b', 'column': 'x', 'count': 4}]
    """

    row_keys: tuple[Hashable, ...] = attrs.field(converter=_key_tuple)
    column_keys: tuple[Hashable, ...] = attrs.field(converter=_key_tuple)
    counts: tuple[tuple[int, ...], ...] = attrs.field(converter=_counts_tuple)

    @counts.validator
    def _check(self, _: Any, value: tuple[tuple[int, ...], ...]) -> None:
        if len(value) != len(self.row_keys) or any(len(r) != len(self.column_keys) for r in value):
            raise ValueError(
                f"counts must have shape ({len(self.row_keys)}, {len(self.column_keys)}) like the keys"
            )
        if any(v < 0 for r in value for v in r):
            raise ValueError("counts must not be negative")

    def array(self) -> IntArray:
        """The counts as an int64 array of shape ``(rows, columns)``.

        Examples:
            >>> CountTable(("a",), ("x", "y"), ((1, 2),)).array().tolist()
            [[1, 2]]
        """
        return np.array(self.counts, dtype=np.int64).reshape(len(self.row_keys), len(self.column_keys))

    def columns(self) -> tuple[str, ...]:
        """The column names: ``row``, ``column``, ``count``."""
        return ("row", "column", "count")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per cell, row by row."""
        return [
            {"row": r, "column": c, "count": self.counts[i][j]}
            for i, r in enumerate(self.row_keys)
            for j, c in enumerate(self.column_keys)
        ]


@attrs.frozen
class ConfidentialTable(Table):
    """A count table after confidentiality: shown counts (None when suppressed) with flags.

    Margins are included: the last column is the row total, the last row the column
    total (labelled ``total_label``), as far as they were published.

    Args:
        row_keys: row keys, with ``total_label`` appended when column totals are published.
        column_keys: column keys, with ``total_label`` appended when row totals are published.
        counts: the shown count per cell (rounded if the rule says so) or None.
        flags: :data:`SHOWN`, :data:`PRIMARY` or :data:`SECONDARY` per cell.
        rule: the rule that was applied.

    Examples:
        >>> c = suppress(CountTable(("a", "b"), ("x",), ((5,), (6,))))
        >>> c.counts
        ((5, 5), (6, 6), (11, 11))
        >>> c.suppressed("a", "x")
        False
    """

    row_keys: tuple[Hashable, ...]
    column_keys: tuple[Hashable, ...]
    counts: tuple[tuple[int | None, ...], ...]
    flags: tuple[tuple[int, ...], ...]
    rule: ConfidentialityRule

    def suppressed(self, row: Hashable, column: Hashable) -> bool:
        """Whether the cell ``(row, column)`` is suppressed.

        Raises:
            KeyError: an unknown row or column key.

        Examples:
            >>> suppress(CountTable(("a",), ("x",), ((1,),))).suppressed("a", "x")
            True
        """
        try:
            i, j = self.row_keys.index(row), self.column_keys.index(column)
        except ValueError as exc:
            raise KeyError((row, column)) from exc
        return self.flags[i][j] != SHOWN

    def columns(self) -> tuple[str, ...]:
        """The column names: ``row``, ``column``, ``count``, ``suppressed``, ``flag``."""
        return ("row", "column", "count", "suppressed", "flag")

    def rows(self) -> list[dict[str, Any]]:
        """One dict per cell (margins included), row by row."""
        return [
            {
                "row": r,
                "column": c,
                "count": self.counts[i][j],
                "suppressed": self.flags[i][j] != SHOWN,
                "flag": _FLAG_NAMES[self.flags[i][j]],
            }
            for i, r in enumerate(self.row_keys)
            for j, c in enumerate(self.column_keys)
        ]


def _suppress_count_table(
    table: CountTable, rule: ConfidentialityRule, *, row_totals: bool, column_totals: bool, total_label: str
) -> ConfidentialTable:
    a = table.array()
    rows, cols = list(table.row_keys), list(table.column_keys)
    if row_totals:
        a = np.concatenate([a, a.sum(axis=1, keepdims=True)], axis=1)
        cols.append(total_label)
    if column_totals:
        a = np.concatenate([a, a.sum(axis=0, keepdims=True)], axis=0)
        rows.append(total_label)
    flags = suppression_flags(
        a, min_n=rule.min_n, row_totals=row_totals, column_totals=column_totals, secondary=rule.secondary
    )
    shown = round_to_multiple(a, rule.round_to) if rule.round_to else a
    counts = tuple(
        tuple(None if f != SHOWN else int(v) for v, f in zip(vrow, frow, strict=True))
        for vrow, frow in zip(shown.tolist(), flags.tolist(), strict=True)
    )
    return ConfidentialTable(
        tuple(rows), tuple(cols), counts, tuple(tuple(int(f) for f in r) for r in flags.tolist()), rule
    )


@runtime_checkable
class SupportsSuppression(Protocol):
    """A result that knows how to apply a :class:`ConfidentialityRule` to its own cells.

    Examples:
        >>> isinstance(CountTable((), (), ()), SupportsSuppression)
        False
    """

    def with_confidentiality(self, rule: ConfidentialityRule) -> Any:
        """The same result with cells suppressed (and rounded) by ``rule``."""
        ...  # pragma: no cover - protocol


_R = TypeVar("_R", bound=SupportsSuppression)


@overload
def suppress(
    table: CountTable,
    *,
    min_n: int = ...,
    secondary: bool = ...,
    round_to: int | None = ...,
    row_totals: bool = ...,
    column_totals: bool = ...,
    total_label: str = ...,
) -> ConfidentialTable: ...
@overload
def suppress(
    table: _R,
    *,
    min_n: int = ...,
    secondary: bool = ...,
    round_to: int | None = ...,
    row_totals: bool = ...,
    column_totals: bool = ...,
    total_label: str = ...,
) -> _R: ...
def suppress(
    table: Any,
    *,
    min_n: int = 3,
    secondary: bool = True,
    round_to: int | None = None,
    row_totals: bool = True,
    column_totals: bool = True,
    total_label: str = "total",
) -> Any:
    """Apply statistical confidentiality (DOMAIN.md § 3) to a count table or a result.

    Args:
        table: a :class:`CountTable`, or a result implementing :class:`SupportsSuppression`
            (e.g. the § 48a ``KennzahlenResult``; it decides its own lines).
        min_n: least number of cases of a published non-zero cell (default 3).
        secondary: apply secondary suppression (default True).
        round_to: round shown counts to multiples of this base (e.g. 10), or None.
        row_totals: for a :class:`CountTable`: publish row totals (and protect them).
        column_totals: for a :class:`CountTable`: publish column totals (and protect them).
        total_label: for a :class:`CountTable`: the key of the margins.

    Returns:
        A :class:`ConfidentialTable` for a :class:`CountTable`; otherwise the result's own type.

    Raises:
        TypeError: ``table`` is neither.
        ValueError: invalid options.

    Examples:
        >>> c = suppress(CountTable(("a",), ("x", "y"), ((2, 0),)), column_totals=False)
        >>> c.counts, c.flags
        (((None, 0, None),), ((1, 0, 1),))
        >>> suppress(CountTable(("a",), ("x",), ((14,),)), round_to=10).counts
        ((10, 10), (10, 10))
    """
    rule = ConfidentialityRule(min_n=min_n, secondary=secondary, round_to=round_to)
    if isinstance(table, CountTable):
        return _suppress_count_table(
            table, rule, row_totals=row_totals, column_totals=column_totals, total_label=total_label
        )
    if isinstance(table, SupportsSuppression):
        return table.with_confidentiality(rule)
    raise TypeError(f"cannot apply confidentiality to {type(table).__name__}")
