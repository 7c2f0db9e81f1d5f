"""Indicator layer: confidentiality of count tables (CountTable, ConfidentialTable, suppress).

The rule and its numpy core are in :mod:`._confidentiality` (DOMAIN.md § 3); this
module applies them to a 2-D table with row and column keys, and :func:`suppress` to
any result implementing :class:`SupportsSuppression` (the § 48a ``KennzahlenResult``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any, Protocol, TypedDict, TypeVar, Unpack, overload, runtime_checkable

import attrs
import numpy as np

from langzeit._arrays import IntArray
from langzeit.exceptions import UnknownNameError, ValidationError, WrongTypeError
from langzeit.indicators._confidentiality import (
    FLAG_NAMES,
    SHOWN,
    ConfidentialityRule,
    round_to_multiple,
    suppression_flags,
)
from langzeit.tabular import Table

__all__ = ["ConfidentialTable", "CountTable", "SupportsSuppression", "suppress"]


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
            raise ValidationError(
                f"counts must have shape ({len(self.row_keys)}, {len(self.column_keys)}) like the keys"
            )
        if any(v < 0 for r in value for v in r):
            raise ValidationError("counts must not be negative")

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
            UnknownNameError: (a KeyError) an unknown row or column key.

        Examples:
            >>> suppress(CountTable(("a",), ("x",), ((1,),))).suppressed("a", "x")
            True
        """
        try:
            i, j = self.row_keys.index(row), self.column_keys.index(column)
        except ValueError as exc:
            raise UnknownNameError("cell", repr((row, column))) from exc
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
                "flag": FLAG_NAMES[self.flags[i][j]],
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


class _SuppressOptions(TypedDict, total=False):
    """The keyword options of :func:`suppress` (for its overloads; the defaults are its own)."""

    min_n: int
    secondary: bool
    round_to: int | None
    row_totals: bool
    column_totals: bool
    total_label: str


@overload
def suppress(table: CountTable, **options: Unpack[_SuppressOptions]) -> ConfidentialTable: ...
@overload
def suppress(table: _R, **options: Unpack[_SuppressOptions]) -> _R: ...
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
    raise WrongTypeError(f"cannot apply confidentiality to {type(table).__name__}")
