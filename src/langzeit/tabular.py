"""Cross-cutting: tidy tables of records — ``to_frame()`` for pandas, HTML for Jupyter.

Result tables of every layer derive from :class:`Table`: they implement
:meth:`Table.rows` (a list of flat dicts with the documented column names) and
:meth:`Table.columns`, and get :meth:`Table.to_frame` (pandas, the optional extra
``pandas``), ``_repr_html_`` (rendered as a table in Jupyter, no pandas needed) and
:meth:`Table.to_records` (JSON-ready) for free. This module imports nothing of
langzeit, so every layer may use it.

Examples:
    >>> import attrs
    >>> @attrs.frozen
    ... class Counts(Table):
    ...     data: tuple[tuple[str, int], ...]
    ...     def columns(self) -> tuple[str, ...]:
    ...         return ("phase", "n")
    ...     def rows(self) -> list[dict[str, object]]:
    ...         return [{"phase": p, "n": n} for p, n in self.data]
    >>> t = Counts((("intake", 3), ("coaching", 2)))
    >>> t.to_frame()
          phase  n
    0    intake  3
    1  coaching  2
    >>> "<table" in t._repr_html_()
    True
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Table", "rows_to_frame", "rows_to_html"]

_HTML_MAX_ROWS = 60


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return value


def rows_to_frame(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    dtypes: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A pandas DataFrame with exactly ``columns`` (in that order) from ``rows``.

    Enumerations become their values; ``dtypes`` (e.g. ``{"n": "Int64"}``) are applied,
    nullable dtypes keep missing values as ``<NA>``. Columns without an explicit dtype
    get a stable one where pandas would fall back to ``object``: dates become
    ``datetime64``, whole numbers with gaps (suppressed cells) ``Int64``, flags with gaps
    ``boolean``.

    Args:
        rows: flat mappings from column name to value.
        columns: the column names, in order (also for an empty table).
        dtypes: optional pandas dtypes per column.

    Returns:
        The frame.

    Raises:
        ImportError: pandas is not installed (install the ``pandas`` extra).

    Examples:
        >>> rows_to_frame([{"a": 1, "b": None}], ["a", "b"], dtypes={"b": "Int64"}).dtypes.tolist()
        [dtype('int64'), Int64Dtype()]
        >>> import datetime
        >>> rows = [{"day": datetime.date(2024, 1, 31), "n": 4},
        ...         {"day": datetime.date(2024, 2, 29), "n": None}]
        >>> rows_to_frame(rows, ["day", "n"]).dtypes.astype(str).tolist()
        ['datetime64[ns]', 'Int64']
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_frame() needs pandas: pip install 'langzeit[pandas]'") from exc
    data = {c: [_plain(r.get(c)) for r in rows] for c in columns}
    frame = pd.DataFrame(data, columns=list(columns))
    explicit = dtypes or {}
    for column in columns:
        dtype = explicit.get(column) or _inferred_dtype(data[column])
        if dtype is None:
            continue
        if dtype == "date":
            frame[column] = pd.to_datetime(frame[column])
        else:
            frame[column] = frame[column].astype(dtype)  # type: ignore[call-overload]
    return frame


def _inferred_dtype(values: Sequence[Any]) -> str | None:
    """A stable pandas dtype for a column whose values pandas would leave as ``object``.

    Dates become ``datetime64``; whole numbers with gaps (e.g. suppressed cells) ``Int64``;
    flags with gaps ``boolean``; numbers mixing whole and decimal values ``float64``.
    Columns pandas types well by itself are left alone (None).
    """
    present = [v for v in values if v is not None]
    if not present:
        return None
    kinds = {type(v) for v in present}
    if kinds <= {_dt.date} and not any(isinstance(v, _dt.datetime) for v in present):
        return "date"
    if kinds == {bool}:
        return "boolean" if len(present) < len(values) else None
    if kinds <= {int} and len(present) < len(values):
        return "Int64"
    if kinds == {int, float}:
        return "float64"
    return None


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, _dt.date):
        return value.isoformat()
    return html.escape(str(value))


def rows_to_html(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], *, title: str = "") -> str:
    """An HTML table of ``rows`` (at most 60 shown, the count noted), without pandas.

    Args:
        rows: flat mappings from column name to value.
        columns: the column names, in order.
        title: an optional caption.

    Returns:
        HTML text.

    Examples:
        >>> rows_to_html([{"a": 1}], ["a"], title="T")
        '<table><caption>T</caption><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>"
        for r in rows[:_HTML_MAX_ROWS]
    )
    caption = f"<caption>{html.escape(title)}</caption>" if title else ""
    more = (
        f"<p>{len(rows) - _HTML_MAX_ROWS} more rows; use to_frame()</p>"
        if len(rows) > _HTML_MAX_ROWS
        else ""
    )
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


class Table:
    """Mixin for result tables: implement ``columns()`` and ``rows()``, get the rest.

    Subclasses may set ``_dtypes`` (a mapping of pandas dtypes per column) and
    ``_title`` (a caption). See the module example.

    Examples:
        >>> issubclass(Table, object)
        True
    """

    __slots__ = ()
    _dtypes: Mapping[str, str] = {}
    _title: str = ""

    def columns(self) -> tuple[str, ...]:
        """The column names, in order."""
        raise TypeError(f"{type(self).__name__} must implement columns()")

    def rows(self) -> list[dict[str, Any]]:
        """The rows as flat dicts keyed by :meth:`columns`."""
        raise TypeError(f"{type(self).__name__} must implement rows()")

    def to_records(self) -> list[dict[str, Any]]:
        """JSON-ready rows: enumerations as values, dates as ISO text."""
        out = []
        for r in self.rows():
            rec = {}
            for c in self.columns():
                v = _plain(r.get(c))
                rec[c] = v.isoformat() if isinstance(v, _dt.date) else v
            out.append(rec)
        return out

    def to_frame(self) -> pd.DataFrame:
        """The table as a tidy pandas DataFrame (needs the ``pandas`` extra)."""
        return rows_to_frame(self.rows(), self.columns(), dtypes=self._dtypes)

    def _repr_html_(self) -> str:
        return rows_to_html(self.rows(), self.columns(), title=self._title)
