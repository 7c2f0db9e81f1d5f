"""Indicator layer: each participant's pathway, read once from the event columns.

The first event of each type, the first exit with its reason and outcome, and the
helpers every programme calculator shares (groups, phases, the data's end). The
result is cached per :class:`~langzeit.indicators.EventColumns` object.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from datetime import date
from operator import itemgetter

import attrs
import numpy as np

from langzeit._arrays import BoolArray, IntArray
from langzeit._calendar import day_number
from langzeit.events import Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import TYPE_CODES, EventColumns
from langzeit.indicators._tables import Grouping, RateTable, group_participants

__all__: list[str] = []  # private helpers of the programme calculators

Data = EventColumns | Iterable[Event]

_NONE = np.iinfo(np.int64).max  # "no such event"
_FIRST_TYPES = ("referred", "assessed", "participation_agreed", "declined", "waitlisted", "reneged",
                "admitted", "extended")


@attrs.frozen(eq=False)
class _Pathways:
    """Per participant: first day of each event type and the first exit (computed once per log)."""

    first: dict[str, IntArray]
    exit_row: IntArray  # -1 when not exited
    exit_day: IntArray
    exit_reason: IntArray  # -1 when not exited
    exit_outcome: IntArray
    extensions: IntArray


_CACHE: weakref.WeakKeyDictionary[EventColumns, _Pathways] = weakref.WeakKeyDictionary()


def _first_rows(cols: EventColumns, mask: BoolArray) -> IntArray:
    """Per participant, the row of its earliest event in ``mask`` (ties: earlier row); -1 if none."""
    rows = np.flatnonzero(mask)
    key = np.full(cols.n_participants, _NONE, dtype=np.int64)
    np.minimum.at(key, cols.participant[rows], (cols.day[rows].astype(np.int64) << 32) | rows)
    out: IntArray = np.where(key == _NONE, -1, key & 0xFFFFFFFF)
    return out


def _pathways(cols: EventColumns) -> _Pathways:
    cached = _CACHE.get(cols)
    if cached is not None:
        return cached
    n = cols.n_participants
    first = {}
    for name in _FIRST_TYPES:
        rows = np.flatnonzero(cols.type == TYPE_CODES[name])
        day = np.full(n, _NONE, dtype=np.int64)
        np.minimum.at(day, cols.participant[rows], cols.day[rows].astype(np.int64))
        first[name] = day
    exit_row = _first_rows(cols, cols.type == TYPE_CODES["exited"])
    has = exit_row >= 0
    safe = np.where(has, exit_row, 0)
    exit_day = np.where(has, cols.day[safe].astype(np.int64), _NONE)
    reason = np.where(has, cols.code[safe].astype(np.int64), -1)
    outcome = np.where(has, cols.code2[safe].astype(np.int64), -1)
    ext = np.bincount(cols.participant[cols.type == TYPE_CODES["extended"]], minlength=n).astype(np.int64)
    out = _Pathways(first, exit_row, exit_day, reason, outcome, ext)
    _CACHE[cols] = out
    return out


def _data_end(cols: EventColumns, data_end: date | None) -> int:
    if data_end is not None:
        return day_number(data_end)
    return int(cols.day.max()) if len(cols) else 0


def _grouping(cols: EventColumns, by: Grouping | None) -> Grouping:
    if by is None:
        return group_participants(cols.participants, {}, None)
    if len(by.codes) != cols.n_participants:
        raise ValidationError("grouping does not fit the log",
                              [Problem("by", f"{len(by.codes)} participants, log has {cols.n_participants}")])
    return by


def _ids(cols: EventColumns, index: IntArray) -> tuple[str, ...]:
    """The participant ids at ``index`` (fast for many)."""
    if len(index) > 1:
        out: tuple[str, ...] = itemgetter(*index.tolist())(cols.participants)
        return out
    return tuple(cols.participants[i] for i in index.tolist())


def _has(day: IntArray) -> BoolArray:
    out: BoolArray = day != _NONE
    return out


def _single_rate(name: str, item: str, num: BoolArray, den: BoolArray, g: Grouping, level: float,
                 note: str = "") -> RateTable:
    return RateTable.of_counts(name, g.names, (item,), g.counts(num & den)[:, None], g.counts(den)[:, None],
                               notes=(note,), level=level)


def _used_phase_codes(cols: EventColumns) -> IntArray:
    """Key codes of the phases entered in the log, in order of first appearance.

    First appearance is the earliest day any participant entered the phase, ties by
    the phase's name: an order that does not depend on how the log's rows are split
    into partitions (the partitioned report merges it exactly).
    """
    pe = cols.type == TYPE_CODES["phase_entered"]
    keys = cols.key[pe]
    used = np.flatnonzero(np.bincount(keys, minlength=len(cols.keys)))
    first = np.full(len(cols.keys), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, keys, cols.day[pe].astype(np.int64))
    order = sorted(used.tolist(), key=lambda c: (int(first[c]), cols.keys[c]))
    out: IntArray = np.array(order, dtype=np.int64)
    return out


def _phase_codes(cols: EventColumns, phases: Sequence[str] | None) -> list[int]:
    used = _used_phase_codes(cols)
    if phases is None:
        return [int(k) for k in used]  # order of first appearance in the log
    return [cols.key_code(ph) for ph in phases]


def _phase_entries(cols: EventColumns, code: int) -> BoolArray:
    out = np.zeros(cols.n_participants, dtype=bool)
    if code >= 0:
        out[cols.participant[(cols.type == TYPE_CODES["phase_entered"]) & (cols.key == code)]] = True
    return out


def _origin(p: _Pathways, origin: str) -> IntArray:
    if origin not in ("admission", "referral"):
        raise ValidationError("unknown origin",
                              [Problem("origin", f"{origin!r} is not admission or referral")])
    return p.first["admitted"] if origin == "admission" else p.first["referred"]


