"""Spell layer: the columnar spell table (numpy) of DOMAIN.md § 2 and its in-memory constructors.

Files are read and written by ``_files`` (``read_spells``, ``write_spells``); the table
knows no file format. Every constructor from rows goes through the one validation path
(``_validate``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from langzeit.exceptions import DataFormatError, RowProblem, ValidationError
from langzeit.spells._batches import BatchSource
from langzeit.spells._catalogue import InstrumentCatalogue, default_catalogue, spell_rule_problems
from langzeit.spells._codes import (
    COLUMNS,
    NO_CODE,
    OPEN_END,
    SEX_CODES,
    SexCode,
    SpellKind,
    date_to_day,
    day_to_date,
    label_sort_key,
)
from langzeit.spells._validate import cell_text, check_header, validate
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

_HTML_ROWS = 20

INTEGRATION_KINDS = (SpellKind.SVP, SpellKind.APPRENTICESHIP, SpellKind.SELF_EMPLOYMENT)
"""Kinds whose start is an Integration (§ 5 Abs. 1 VO), in the tie-break order of convention 5."""


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


def _ends_before_start(start: npt.NDArray[np.int32], end: npt.NDArray[np.int32]) -> bool:
    """Whether a row ends before it starts, chunk by chunk (no whole-column temporary)."""
    step = 1 << 20
    return any(bool((end[lo : lo + step] < start[lo : lo + step]).any()) for lo in range(0, start.size, step))


def _problems(value: Any) -> tuple[RowProblem, ...]:
    return tuple(value)


def _labels(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


@attrs.frozen(eq=False)
class SpellTable(Table):
    """Administrative spells as columns (numpy), one element per spell.

    Build it with :func:`~langzeit.spells.read_spells` (CSV, Parquet, Arrow files),
    :meth:`from_frame` (pandas, polars), :meth:`from_arrow` (pyarrow tables),
    :meth:`from_records` (dicts, e.g. in tests) or :func:`~langzeit.spells.generate_spells` (synthetic);
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
        line: the source line of each spell, or None when spell ``i`` is line ``i + 2`` (every
            spell of a file without blank lines, and of Parquet and Arrow files: a national
            table saves 8 bytes a row); :attr:`lines` gives them in both cases.
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
            raise ValidationError(f"columns must be 1-D of length {n}: {', '.join(wrong) or 'person'}")
        if n:
            if self.person.min() < 0 or self.person.max() >= len(self.person_ids):
                raise ValidationError("person index out of range of person_ids")
            if self.kind.max() > max(SpellKind):
                raise ValidationError("unknown kind code")
            if self.jobcenter.min() < NO_CODE or self.jobcenter.max() >= len(self.jobcenter_labels):
                raise ValidationError("jobcenter code out of range of jobcenter_labels")
            if self.instrument.min() < NO_CODE or self.instrument.max() >= len(self.instrument_labels):
                raise ValidationError("instrument code out of range of instrument_labels")
            if self.sex.max() > max(SexCode):
                raise ValidationError("unknown sex code")
            if _ends_before_start(self.start, self.end):
                raise ValidationError("a spell ends before it starts")

    def __len__(self) -> int:
        return int(self.person.shape[0])

    @property
    def n_persons(self) -> int:
        """The number of distinct persons (length of ``person_ids``)."""
        return len(self.person_ids)

    @property
    def lines(self) -> npt.NDArray[np.int64]:
        """The source line of each spell (:attr:`line`, or ``i + 2`` for spell ``i`` when that is None).

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
            >>> t.line is None, t.lines.tolist()
            (True, [2])
        """
        if self.line is not None:
            return self.line
        return np.arange(2, len(self) + 2, dtype=np.int64)

    @property
    def data_end_date(self) -> dt.date:
        """The data's end as a date."""
        return day_to_date(self.data_end)

    @classmethod
    def from_records(
        cls, records: Sequence[Mapping[str, Any]], *, data_end: dt.date | None = None, strict: bool = True,
        catalogue: InstrumentCatalogue | None = None,
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
        present = {k for r in records for k in r}
        header = [c for c in COLUMNS if c in present or c in ("person_id", "kind", "start", "end")]
        header += sorted(present - set(COLUMNS))
        columns = {c: pa.array([cell_text(r.get(c)) for r in records], pa.string()) for c in header}
        return cls._checked(pa.table(columns), file="<records>", data_end=data_end, strict=strict,
                            catalogue=catalogue)

    @classmethod
    def from_arrow(
        cls, table: Any, *, data_end: dt.date | None = None, strict: bool = True, file: str = "<arrow>",
        catalogue: InstrumentCatalogue | None = None,
    ) -> SpellTable:
        """A table from a ``pyarrow.Table`` (or anything with the Arrow C stream interface).

        Columns as in the CSV format, as text or typed: dates (``date32``, timestamps or
        ``YYYY-MM-DD``/``DD.MM.YYYY`` text), numbers, booleans, dictionary-encoded text.
        The same validation as :func:`~langzeit.spells.read_spells`; row ``i`` is reported
        as line ``i + 2`` (its line when written as CSV with a header).

        Args:
            table: the rows.
            data_end: the data's end (default: the latest date).
            strict: raise on bad rows (default) or keep the valid ones in the table and
                the bad ones in ``rejected``.
            file: the name used in problems.
            catalogue: the instrument catalogue (default: the shipped one).

        Returns:
            The table.

        Raises:
            DataFormatError: missing required columns, or bad rows in strict mode.

        Examples:
            >>> rows = pa.table({"person_id": ["a"], "kind": ["elb"], "start": [dt.date(2024, 1, 1)],
            ...                  "end": pa.array([None], pa.date32()), "jobcenter": [17]})
            >>> t = SpellTable.from_arrow(rows)
            >>> t.jobcenter_labels, t.end.tolist() == [OPEN_END]
            (('17',), True)
        """
        arrow = table if isinstance(table, pa.Table) else pa.table(table)
        return cls._checked(arrow, file=file, data_end=data_end, strict=strict, catalogue=catalogue)

    @classmethod
    def from_frame(
        cls, frame: Any, *, data_end: dt.date | None = None, strict: bool = True, file: str = "<frame>",
        catalogue: InstrumentCatalogue | None = None,
    ) -> SpellTable:
        """A table from a pandas or polars data frame (the columns of the CSV format).

        The frame is handed to :meth:`from_arrow` (pandas through
        ``pyarrow.Table.from_pandas``, polars through ``to_arrow``); the same validation.

        Args:
            frame: a ``pandas.DataFrame`` or ``polars.DataFrame``.
            data_end: as in :meth:`from_arrow`.
            strict: as in :meth:`from_arrow`.
            file: as in :meth:`from_arrow`.
            catalogue: as in :meth:`from_arrow`.

        Returns:
            The table, as :meth:`from_arrow` gives it.

        Raises:
            DataFormatError: as :meth:`from_arrow` raises it.

        Examples:
            >>> import pandas as pd
            >>> df = pd.DataFrame({"person_id": ["a", "b"], "kind": ["svp", "svp"],
            ...                    "start": ["2024-01-01", "31.12.2020"], "end": [None, None]})
            >>> SpellTable.from_frame(df).start.tolist() == [date_to_day(dt.date(2024, 1, 1)),
            ...                                              date_to_day(dt.date(2020, 12, 31))]
            True
        """
        if type(frame).__module__.split(".")[0] == "polars":
            arrow = frame.to_arrow()
        elif hasattr(frame, "to_numpy") and hasattr(frame, "columns") and hasattr(frame, "dtypes"):
            try:
                arrow = pa.Table.from_pandas(frame, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed-type object columns: as text
                arrow = pa.table({
                    str(c): pa.array([cell_text(v) for v in frame[c].tolist()], pa.string())
                    for c in frame.columns
                })
        else:
            arrow = pa.table(frame)
        return cls.from_arrow(arrow, data_end=data_end, strict=strict, file=file, catalogue=catalogue)

    @classmethod
    def _checked(
        cls,
        table: pa.Table | BatchSource,
        *,
        file: str,
        data_end: dt.date | None,
        strict: bool,
        lines: npt.NDArray[np.int64] | None = None,
        delimiter: str = ",",
        extra: Sequence[RowProblem] = (),
        catalogue: InstrumentCatalogue | None = None,
    ) -> SpellTable:
        """The one path from rows to a table: header check, row checks, coding, catalogue rules (§ 3a)."""
        names = [str(n) for n in table.column_names]
        index = check_header(names, file, text=",".join(names[:50]))
        if isinstance(table, pa.Table):
            columns = [table.column(i) for i in sorted(index.values())]
            table = pa.table(columns, names=[names[i] for i in sorted(index.values())])
        checked = validate(table, lines, file=file, data_end=data_end, strict=False, delimiter=delimiter,
                           extra=extra)
        return _check_rules(cls(**checked), file=file, strict=strict, catalogue=catalogue)

    def to_arrow(self) -> pa.Table:
        """The spells as a ``pyarrow.Table`` with the CSV columns (labels dictionary-encoded).

        Dates are ``date32`` (``end`` null when open); empty values are null. The inverse
        of :meth:`from_arrow` and what :func:`~langzeit.spells.write_spells` writes to
        Parquet and Arrow files.

        Returns:
            The table.

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "p", "kind": "elb", "start": "2024-01-01",
            ...                               "jobcenter": "J"}])
            >>> a = t.to_arrow()
            >>> a.column_names[:4], a.column("end").null_count
            (['person_id', 'kind', 'start', 'end'], 1)
            >>> SpellTable.from_arrow(a).rows() == t.rows()
            True
        """
        def labels(codes: npt.NDArray[Any], values: Sequence[str]) -> pa.DictionaryArray:
            indices = pa.array(codes.astype(np.int32), mask=codes < 0)
            return pa.DictionaryArray.from_arrays(indices, pa.array(list(values), pa.string()))

        open_end = self.end == OPEN_END
        sex_labels = ["", "F", "M", "D"]
        return pa.table({
            "person_id": pa.DictionaryArray.from_arrays(
                pa.array(self.person, pa.int32()), pa.array(self.person_ids).cast(pa.string()),
            ),
            "kind": pa.DictionaryArray.from_arrays(
                pa.array(self.kind.astype(np.int32)), pa.array([k.label for k in SpellKind], pa.string())
            ),
            "start": pa.array(self.start, pa.int32()).cast(pa.date32()),
            "end": pa.array(np.where(open_end, 0, self.end), pa.int32(), mask=open_end).cast(pa.date32()),
            "jobcenter": labels(self.jobcenter, self.jobcenter_labels),
            "sex": labels(np.where(self.sex == SexCode.UNKNOWN, -1, self.sex.astype(np.int32)), sex_labels),
            "single_parent": pa.array(self.single_parent, pa.bool_()),
            "instrument": labels(self.instrument, self.instrument_labels),
            "amount": pa.array(self.amount, pa.float64(), mask=np.isnan(self.amount)),
        })

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
            line=self._selected_lines(m), rejected=(),
        )

    def _selected_lines(self, m: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        if self.line is not None:
            selected: npt.NDArray[np.int64] = self.line[m]
            return selected
        if m.dtype == np.bool_:
            index = np.flatnonzero(m)
        else:
            index = m.astype(np.int64) % max(len(self), 1) if m.size else np.zeros(0, np.int64)
        return (index + 2).astype(np.int64)

    def _repr_html_(self) -> str:
        # decode only the rows that are shown: a national table has tens of millions
        head = self.select(np.arange(min(len(self), _HTML_ROWS)))
        title = f"{len(self)} spells of {self.n_persons} persons, data end {self.data_end_date.isoformat()}"
        return rows_to_html(head.rows(), self.columns(), title=title)

    def columns(self) -> tuple[str, ...]:
        """The column names of :meth:`rows` (the CSV columns)."""
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


def _check_rules(
    table: SpellTable, *, file: str, strict: bool, catalogue: InstrumentCatalogue | None = None,
) -> SpellTable:
    """Check a freshly read table against the catalogue and the row rules of § 2 (the readers' hook).

    Every constructor from rows calls this on the table it built (before raising in strict
    mode), so the rules hold whatever the file format. Rows breaking a rule are removed and
    reported with their lines: in strict mode as a :class:`~langzeit.exceptions.DataFormatError`
    listing every problem (also those the reader already found in ``table.rejected``), in
    lenient mode appended to ``rejected``.

    Args:
        table: the table (with ``line`` numbers, and the reader's own rejected rows).
        file: the file name used in problems.
        strict: raise on any problem.
        catalogue: the instrument catalogue (default: :func:`~langzeit.spells.default_catalogue`).

    Returns:
        The table without the rejected rows, ``rejected`` sorted by line.

    Raises:
        DataFormatError: in strict mode, when the table or the reader found any problem.

    Examples:
        >>> t = SpellTable.from_records([{"person_id": "a", "kind": "public_employment",
        ...                               "start": "2020-01-01", "instrument": "16b"}], strict=False)
        >>> len(t), t.rejected[0].line
        (0, 2)
        >>> t.rejected[0].reason.split(" spells, ")[1]
        'only on svp, self_employment (that job is insured work: kind svp)'
    """
    found = spell_rule_problems(
        catalogue if catalogue is not None else default_catalogue(), kind=table.kind,
        jobcenter=table.jobcenter, instrument=table.instrument, instrument_labels=table.instrument_labels,
        start=table.start,
    )
    rejected = list(table.rejected)
    if found:
        bad = np.zeros(len(table), dtype=np.bool_)
        for mask, _ in found:
            bad |= mask
        lines = table.line if table.line is not None else np.arange(2, 2 + len(table), dtype=np.int64)
        bad_rows = np.flatnonzero(bad)
        decoded = table.select(bad_rows).rows()
        for i, row in zip(bad_rows.tolist(), decoded, strict=True):
            line = int(lines[i])
            reasons = "; ".join(reason for mask, reason in found if mask[i])
            rejected.append(RowProblem(file, line, reasons, _row_text(row)))
        table = table.select(~bad)
    rejected.sort(key=lambda p: p.line)
    if rejected and strict:
        raise DataFormatError(file, rejected)
    if not found and tuple(rejected) == table.rejected:  # nothing removed: no second check of the columns
        return table
    return attrs.evolve(table, rejected=tuple(rejected))


def _row_text(row: Mapping[str, Any]) -> str:
    """A decoded row as comma-separated text (for a rejected row's ``text``)."""
    def text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "1" if v else "0"
        return v.isoformat() if isinstance(v, dt.date) else str(v)

    return ",".join(text(v) for v in row.values())
