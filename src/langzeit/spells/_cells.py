"""Spell layer: the cells of spell rows — dates, amounts, flags, kinds, sexes — parsed once per label.

Each parser takes a column (typed, or text coded by :class:`~langzeit.spells._arrow_columns._Labels`)
and returns per-row values with masks of the empty and of the unparsable cells; the row
rules of :func:`~langzeit.spells._validate.validate` turn the masks into reasons. Dates are
ISO ``YYYY-MM-DD`` or German ``DD.MM.YYYY``; amounts accept a decimal comma.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit.spells._arrow_columns import BoolArray, _data_and_valid, _Labels, _numpy, _strings
from langzeit.spells._codes import SEX_CODES, SpellKind, date_to_day

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_NO_KIND = 255
DATE_FORMS = "YYYY-MM-DD or DD.MM.YYYY"


def _parse_date(text: str) -> int | None:
    """Day number of ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (exactly these forms), else None."""
    m = _ISO_DATE.fullmatch(text)
    try:
        if m:
            return date_to_day(dt.date(int(m[1]), int(m[2]), int(m[3])))
        m = _GERMAN_DATE.fullmatch(text)
        if m:
            return date_to_day(dt.date(int(m[3]), int(m[2]), int(m[1])))
    except ValueError:
        return None
    return None


_FIRST_DAY = date_to_day(dt.date(FIRST_YEAR, 1, 1))
_LAST_DAY = date_to_day(dt.date(LAST_YEAR, 12, 31))
_NULL_DAY = np.iinfo(np.int32).min  # no date's day number (years 1-9999 lie within ±3 million)
_BAD_DAY = _NULL_DAY + 1
Int32Array = npt.NDArray[np.int32]


def _outside_years(days: Int32Array) -> BoolArray:
    """Rows dated outside FIRST_YEAR–LAST_YEAR (empty and bad rows hold day 0, inside the range).

    Two reductions when no row is outside (the common case), no mask built.
    """
    if not days.size or (int(days.min()) >= _FIRST_DAY and int(days.max()) <= _LAST_DAY):
        return np.zeros(days.size, dtype=np.bool_)
    out: BoolArray = (days < _FIRST_DAY) | (days > _LAST_DAY)
    return out


def _parse_dates(labels: list[str]) -> list[int]:
    return [_BAD_DAY if (p := _parse_date(lab)) is None else p for lab in labels]


def _dates(
    array: pa.Array | None, n: int, text: _Labels, out: Int32Array | None = None,
) -> tuple[Int32Array, BoolArray | None, BoolArray | None]:
    """Day numbers (``int32``, 0 where empty or bad), a mask of empty values and a mask of unparsable ones.

    Written into ``out`` when given. A mask is None when no row can be so (typed dates
    without nulls, text whose every distinct value is a date): no pass over the rows.
    """
    if array is not None and (pa.types.is_date(array.type) or pa.types.is_timestamp(array.type)):
        typed = array if pa.types.is_date32(array.type) else pc.cast(array, pa.date32())
        data, valid = _data_and_valid(typed)
        days = np.empty(n, np.int32) if out is None else out
        if valid is None:
            np.copyto(days, data)
            return days, None, None
        np.multiply(data, valid, out=days)  # 0 under nulls
        return days, ~valid, None
    days, _, reachable = text.lookup(array, n, _parse_dates, _NULL_DAY, np.int32, out=out)
    masks = []
    for sentinel in (_NULL_DAY, _BAD_DAY):
        mask = days == sentinel if (reachable == sentinel).any() else None
        if mask is not None:
            days[mask] = 0
        masks.append(mask)
    return days, masks[0], masks[1]


def _parse_amounts(labels: list[str]) -> npt.NDArray[np.float64]:
    """Euros of text amounts (a decimal comma accepted), -1 for text that is no number."""
    text = _strings(labels)
    if len(text) and pc.all(pc.match_substring_regex(text, r"^[0-9]{1,15}([.,][0-9]{1,15})?$")).as_py():
        # plain decimals (the usual file): parsed by Arrow, correctly rounded as float() does
        point = pc.replace_substring(text, ",", ".")
        out: npt.NDArray[np.float64] = _numpy(pc.cast(point, pa.float64()), np.nan)
        return out
    parsed = []
    for label in labels:
        candidate = label.replace(",", ".") if "," in label and "." not in label else label
        try:
            parsed.append(float(candidate))
        except ValueError:
            parsed.append(-1.0)
    return np.array(parsed, dtype=np.float64)


def _amounts(
    array: pa.Array | None, n: int, text: _Labels, out: npt.NDArray[np.float64] | None = None,
) -> tuple[npt.NDArray[np.float64], BoolArray | None, BoolArray | None]:
    """Euros (``nan`` where empty), a mask of empty values and of unparsable or negative ones.

    Written into ``out`` when given; a mask is None when no row is so. Text is parsed once
    per distinct value; a decimal comma (``563,50``) is accepted.
    """
    values = np.empty(n, np.float64) if out is None else out
    if array is not None and (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
                              or pa.types.is_decimal(array.type)):
        wide = array if pa.types.is_float64(array.type) else pc.cast(array, pa.float64())
        data, valid = _data_and_valid(wide)
        np.copyto(values, data)
        if valid is not None:
            np.copyto(values, np.nan, where=~valid)
        if values.size and valid is None:
            low, high = values.min(), values.max()  # nan in either: some value is empty or odd
            if low >= 0 and high < np.inf:
                return values, None, None
        empty: BoolArray = np.isnan(values)
    else:
        codes, k = text.codes(array, n)
        text.mapped(codes, k, _parse_amounts, np.nan, np.float64, out=values)
        empty = codes < 0
    bad = ~empty & ~(np.isfinite(values) & (values >= 0))
    return values, empty, bad


_FLAG_MEANING = {"1": 1, "0": 0, "1.0": 1, "0.0": 0, "true": 1, "false": 0}


def _parse_flags(labels: list[str]) -> list[int]:
    return [_FLAG_MEANING.get(lab.lower(), 2) for lab in labels]


def _flags(array: pa.Array | None, n: int, text: _Labels) -> tuple[BoolArray, BoolArray | None]:
    """``single_parent`` as booleans and a mask of values but 1, 0, true, false or empty (None: none)."""
    if array is not None and pa.types.is_boolean(array.type):
        return _numpy(array, False), None
    value, _, reachable = text.lookup(array, n, _parse_flags, 0, np.uint8)
    return value == 1, value == 2 if (reachable == 2).any() else None


def _kind_codes(labels: list[str]) -> list[int]:
    return [_kind_code(lab) for lab in labels]


def _sex_codes(labels: list[str]) -> list[int]:
    return [int(SEX_CODES.get(lab.upper(), _NO_KIND)) for lab in labels]


def _kind_code(label: str) -> int:
    try:
        return int(SpellKind.from_label(label))
    except ValueError:
        return _NO_KIND
