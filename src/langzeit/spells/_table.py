"""Spell layer: the columnar spell table (numpy) of DOMAIN.md § 2."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._calendar import day_number, from_day_number
from langzeit.exceptions import RowProblem
from langzeit.tabular import Table, rows_to_html

__all__ = [
    "INTEGRATION_KINDS",
    "NO_CODE",
    "OPEN_END",
    "SEX_CODES",
    "SexCode",
    "SpellKind",
    "SpellTable",
    "date_to_day",
    "day_to_date",
    "label_sort_key",
]

OPEN_END = int(np.iinfo(np.int32).max)
"""The ``end`` day number of an open (ongoing) spell: it runs to the data's end."""

_HTML_ROWS = 20

NO_CODE = -1
"""The jobcenter or instrument code of a row that has none."""


class SpellKind(enum.IntEnum):
    """The kinds of spells (DOMAIN.md § 2) and their ``uint8`` codes in a :class:`SpellTable`.

    ``label`` is the spelling in the CSV file.

    Examples:
        >>> SpellKind.from_label("public_employment")
        <SpellKind.PUBLIC_EMPLOYMENT: 5>
        >>> SpellKind.SVP.label
        'svp'
    """

    ELB = 0
    SVP = 1
    APPRENTICESHIP = 2
    SELF_EMPLOYMENT = 3
    MINIJOB = 4
    PUBLIC_EMPLOYMENT = 5
    MEASURE = 6
    LLU = 7
    LUH = 8

    @property
    def label(self) -> str:
        """The kind as written in the CSV file."""
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> SpellKind:
        """The kind of a CSV label (exact spelling, e.g. ``"elb"``).

        Raises:
            ValueError: an unknown label.
        """
        for kind in cls:
            if kind.label == label:
                return kind
        raise ValueError(f"unknown kind {label!r}")


INTEGRATION_KINDS = (SpellKind.SVP, SpellKind.APPRENTICESHIP, SpellKind.SELF_EMPLOYMENT)
"""Kinds whose start is an Integration (§ 5 Abs. 1 VO), in the tie-break order of convention 5."""


class SexCode(enum.IntEnum):
    """Codes of the ``sex`` column (``uint8``): unknown (empty), F, M, D.

    Examples:
        >>> SexCode.F.value, int(SEX_CODES["M"])
        (1, 2)
    """

    UNKNOWN = 0
    F = 1
    M = 2
    D = 3


SEX_CODES = {"": SexCode.UNKNOWN, "F": SexCode.F, "M": SexCode.M, "D": SexCode.D}
"""CSV spelling of the sex column -> code."""


def date_to_day(value: dt.date) -> int:
    """The day number (days since 1970-01-01) of a date, as stored in a :class:`SpellTable`.

    Args:
        value: the date.

    Returns:
        Days since 1970-01-01.

    Examples:
        >>> date_to_day(dt.date(1970, 1, 2))
        1
    """
    return day_number(value)


def day_to_date(day: int) -> dt.date:
    """The date of a day number (inverse of :func:`date_to_day`).

    Args:
        day: days since 1970-01-01.

    Returns:
        The date.

    Examples:
        >>> day_to_date(19723)
        datetime.date(2024, 1, 1)
    """
    return from_day_number(day)


def label_sort_key(label: str) -> tuple[int, int, str]:
    """Sort key of jobcenter ids: numeric ids numerically first, then the others as text.

    The order of ``SpellTable.jobcenter_labels`` and the meaning of "the smaller jobcenter
    id" in DOMAIN.md convention 1.

    Args:
        label: a jobcenter id.

    Returns:
        A key for :func:`sorted`.

    Examples:
        >>> sorted(["10", "9", "JC-A"], key=label_sort_key)
        ['9', '10', 'JC-A']
    """
    return (0, int(label), label) if label.isdigit() else (1, 0, label)


def _int32(value: Any) -> npt.NDArray[np.int32]:
    return np.ascontiguousarray(value, dtype=np.int32)


def _uint8(value: Any) -> npt.NDArray[np.uint8]:
    return np.ascontiguousarray(value, dtype=np.uint8)


def _int16(value: Any) -> npt.NDArray[np.int16]:
    return np.ascontiguousarray(value, dtype=np.int16)


def _bool(value: Any) -> npt.NDArray[np.bool_]:
    return np.ascontiguousarray(value, dtype=np.bool_)


def _float64(value: Any) -> npt.NDArray[np.float64]:
    return np.ascontiguousarray(value, dtype=np.float64)


def _any_array(value: Any) -> npt.NDArray[Any]:
    return np.asarray(value)


def _problems(value: Any) -> tuple[RowProblem, ...]:
    return tuple(value)


def _labels(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen(eq=False)
class SpellTable(Table):
    """Administrative spells as columns (numpy), one element per spell.

    Build it with :func:`~langzeit.spells.read_spells` (CSV), :meth:`from_records`
    (dicts, e.g. in tests) or :func:`~langzeit.spells.generate_spells` (synthetic);
    the constructor itself takes the coded columns and checks their shapes.

    Args:
        person: person index (``int32``) into ``person_ids``.
        kind: :class:`SpellKind` code (``uint8``).
        start: first day (``int32``, days since 1970-01-01, inclusive).
        end: last day (inclusive), :data:`OPEN_END` for an ongoing spell.
        jobcenter: jobcenter code (``int32``) into ``jobcenter_labels``, :data:`NO_CODE` if none.
        sex: :class:`SexCode` (``uint8``).
        single_parent: the household is a single parent's (``bool``).
        instrument: instrument code (``int16``) into ``instrument_labels``, :data:`NO_CODE` if none.
        amount: euros of entitlement for ``llu``/``luh`` rows, ``nan`` otherwise (``float64``).
        person_ids: the pseudonymous id of each person index (a numpy array).
        jobcenter_labels: the jobcenter ids, sorted (numeric ids numerically).
        instrument_labels: the instrument codes (lower case), sorted.
        data_end: the data's end as a day number; open spells run to it.
        line: the source line of each spell (0 when not read from a file).
        rejected: the rows a lenient read rejected (empty otherwise).

    Raises:
        ValueError: columns of different lengths or codes out of range.

    Examples:
        >>> t = SpellTable.from_records(
        ...     [{"person_id": "p1", "kind": "elb", "start": "2024-01-01", "end": "", "jobcenter": "JC1"}],
        ...     data_end=dt.date(2024, 6, 30),
        ... )
        >>> len(t), t.jobcenter_labels, t.data_end_date
        (1, ('JC1',), datetime.date(2024, 6, 30))
        >>> t.rows()[0]["end"] is None
        True
    """

    person: npt.NDArray[np.int32] = attrs.field(converter=_int32)
    kind: npt.NDArray[np.uint8] = attrs.field(converter=_uint8)
    start: npt.NDArray[np.int32] = attrs.field(converter=_int32)
    end: npt.NDArray[np.int32] = attrs.field(converter=_int32)
    jobcenter: npt.NDArray[np.int32] = attrs.field(converter=_int32)
    sex: npt.NDArray[np.uint8] = attrs.field(converter=_uint8)
    single_parent: npt.NDArray[np.bool_] = attrs.field(converter=_bool)
    instrument: npt.NDArray[np.int16] = attrs.field(converter=_int16)
    amount: npt.NDArray[np.float64] = attrs.field(converter=_float64)
    person_ids: npt.NDArray[Any] = attrs.field(converter=_any_array)
    jobcenter_labels: tuple[str, ...] = attrs.field(converter=_labels)
    instrument_labels: tuple[str, ...] = attrs.field(converter=_labels)
    data_end: int = attrs.field(converter=int)
    line: npt.NDArray[np.int64] | None = attrs.field(default=None)
    rejected: tuple[RowProblem, ...] = attrs.field(default=(), converter=_problems)

    def __attrs_post_init__(self) -> None:
        n = self.person.shape[0]
        columns: dict[str, npt.NDArray[Any]] = {
            "kind": self.kind, "start": self.start, "end": self.end, "jobcenter": self.jobcenter,
            "sex": self.sex, "single_parent": self.single_parent, "instrument": self.instrument,
            "amount": self.amount,
        }
        if self.line is not None:
            columns["line"] = self.line
        wrong = [name for name, col in columns.items() if col.shape != (n,)]
        if wrong or self.person.ndim != 1:
            raise ValueError(f"columns must be 1-D of length {n}: {', '.join(wrong) or 'person'}")
        if n:
            if self.person.min() < 0 or self.person.max() >= len(self.person_ids):
                raise ValueError("person index out of range of person_ids")
            if self.kind.max() > max(SpellKind):
                raise ValueError("unknown kind code")
            if self.jobcenter.min() < NO_CODE or self.jobcenter.max() >= len(self.jobcenter_labels):
                raise ValueError("jobcenter code out of range of jobcenter_labels")
            if self.instrument.min() < NO_CODE or self.instrument.max() >= len(self.instrument_labels):
                raise ValueError("instrument code out of range of instrument_labels")
            if self.sex.max() > max(SexCode):
                raise ValueError("unknown sex code")
            if (self.end < self.start).any():
                raise ValueError("a spell ends before it starts")

    def __len__(self) -> int:
        return int(self.person.shape[0])

    @property
    def n_persons(self) -> int:
        """The number of distinct persons (length of ``person_ids``)."""
        return len(self.person_ids)

    @property
    def data_end_date(self) -> dt.date:
        """The data's end as a date."""
        return day_to_date(self.data_end)

    @classmethod
    def from_records(
        cls, records: Sequence[dict[str, Any]], *, data_end: dt.date | None = None, strict: bool = True,
        catalogue: Any = None,
    ) -> SpellTable:
        """A table from dicts keyed like the CSV columns (values as text, dates or numbers).

        The same validation as :func:`~langzeit.spells.read_spells` applies; line numbers
        count the header as line 1, so record ``i`` is line ``i + 2``.

        Args:
            records: one dict per spell (``person_id``, ``kind``, ``start``, ``end``, ...).
            data_end: the data's end (default: the latest date in the records).
            strict: raise on bad records (default) or keep the valid ones.
            catalogue: the :class:`~langzeit.spells.InstrumentCatalogue` to check instrument
                codes against (default: the shipped one).

        Returns:
            The table.

        Raises:
            DataFormatError: bad records in strict mode (every one, with its reason).

        Examples:
            >>> rec = {"person_id": 1, "kind": "svp", "start": dt.date(2024, 3, 1)}
            >>> SpellTable.from_records([rec]).n_persons
            1
        """
        from langzeit.spells._csv import parse_records

        return parse_records(records, file="<records>", data_end=data_end, strict=strict, catalogue=catalogue)

    def select(self, mask: npt.ArrayLike) -> SpellTable:
        """The spells where ``mask`` is true (persons, labels and data end are kept).

        Args:
            mask: a boolean array of the table's length (or an index array).

        Returns:
            A new table.

        Examples:
            >>> t = SpellTable.from_records([
            ...     {"person_id": "a", "kind": "svp", "start": "2024-01-01"},
            ...     {"person_id": "b", "kind": "svp", "start": "2024-02-01"}])
            >>> len(t.select(t.person == 0))
            1
        """
        m = np.asarray(mask)
        return attrs.evolve(
            self,
            person=self.person[m], kind=self.kind[m], start=self.start[m], end=self.end[m],
            jobcenter=self.jobcenter[m], sex=self.sex[m], single_parent=self.single_parent[m],
            instrument=self.instrument[m], amount=self.amount[m],
            line=None if self.line is None else self.line[m], rejected=(),
        )

    def _repr_html_(self) -> str:
        # decode only the rows that are shown: a national table has tens of millions
        head = self.select(np.arange(min(len(self), _HTML_ROWS)))
        title = f"{len(self)} spells of {self.n_persons} persons, data end {self.data_end_date.isoformat()}"
        return rows_to_html(head.rows(), self.columns(), title=title)

    def columns(self) -> tuple[str, ...]:
        """The column names of :meth:`rows` (the CSV columns)."""
        from langzeit.spells._csv import COLUMNS

        return COLUMNS

    def rows(self) -> list[dict[str, Any]]:
        """One dict per spell with decoded values (dates, labels); ``end`` None when open."""
        sex_labels = {int(c): label for label, c in SEX_CODES.items()}
        out = []
        for i in range(len(self)):
            jc, ins, amount = int(self.jobcenter[i]), int(self.instrument[i]), float(self.amount[i])
            end = int(self.end[i])
            out.append({
                "person_id": self.person_ids[int(self.person[i])].item(),
                "kind": SpellKind(int(self.kind[i])).label,
                "start": day_to_date(int(self.start[i])),
                "end": None if end == OPEN_END else day_to_date(end),
                "jobcenter": None if jc == NO_CODE else self.jobcenter_labels[jc],
                "sex": sex_labels[int(self.sex[i])] or None,
                "single_parent": bool(self.single_parent[i]),
                "instrument": None if ins == NO_CODE else self.instrument_labels[ins],
                "amount": None if np.isnan(amount) else amount,
            })
        return out
