"""Spell layer: Arrow columns as numpy — buffers read directly, text coded once per distinct value.

:func:`_numpy` reads a fixed-width or boolean column's buffers (no pandas import);
:class:`_Labels` turns one text column, batch by batch, into ``int32`` codes into sets
of distinct stripped labels, each distinct dictionary stripped and encoded once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from langzeit._ids import MAX_ID_LENGTH

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


_NUMPY_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8,
    "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64, "float": np.float32, "double": np.float64,
}


def _bits(buffer: pa.Buffer, offset: int, n: int) -> BoolArray:
    """``n`` bits of ``buffer`` from bit ``offset`` on as booleans (only the bytes holding them unpacked)."""
    first = offset // 8
    packed = np.frombuffer(buffer, dtype=np.uint8, count=(offset + n + 7) // 8 - first, offset=first)
    skip = offset - 8 * first
    out: BoolArray = np.unpackbits(packed, bitorder="little")[skip : skip + n].view(np.bool_)
    return out


def _data_and_valid(array: pa.Array) -> tuple[npt.NDArray[Any], BoolArray | None]:
    """A fixed-width Arrow array's values as numpy (read-only, undefined under nulls) and its validity.

    The validity is None when the array has no nulls. No value is replaced: callers that
    must not read a null slot's value (a dictionary index there may be anything) mask it.
    """
    t = array.type
    if pa.types.is_date32(t):
        array, t = array.view(pa.int32()), pa.int32()
    n, offset = len(array), array.offset
    buffers = array.buffers()
    dtype = np.dtype(_NUMPY_TYPES[str(t)])
    data = np.frombuffer(buffers[1], dtype=dtype, count=n, offset=offset * dtype.itemsize) if n else (
        np.zeros(0, dtype))
    valid = _bits(buffers[0], offset, n) if array.null_count else None
    return data, valid


def _take(lut: npt.NDArray[Any], index: npt.NDArray[Any], valid: BoolArray | None,
          out: npt.NDArray[Any] | None = None) -> npt.NDArray[Any]:
    """``lut[index]`` where ``valid`` (all rows when None), ``lut[-1]`` elsewhere; into ``out`` when given.

    ``index`` holds dictionary indices (never negative, within ``lut``: Arrow checks them,
    and the Parquet reader validates every batch). ``np.take`` with ``mode="clip"`` writes
    straight into ``out`` (``"raise"`` buffers a whole copy) and is twice as fast as
    indexing with ``int32`` positions. Under a null the index is never read: the positions
    are shifted by one and zeroed there, so they pick ``lut[-1]`` from a shifted table,
    whatever value the null slot holds.
    """
    if valid is None:
        return np.take(lut, index, out=out, mode="clip")
    shifted = np.concatenate([lut[-1:], lut[:-1]])
    position = index.astype(np.int64) if index.dtype.itemsize > 4 or index.dtype.kind == "u" else (
        index.astype(np.int32))
    position += 1
    position *= valid
    return np.take(shifted, position, out=out, mode="clip")


def _numpy(values: pa.Array | pa.ChunkedArray, fill: Any) -> npt.NDArray[Any]:
    """A fixed-width (or boolean) Arrow column as numpy, nulls replaced by ``fill``.

    Reads the buffers directly: ``to_numpy`` would import pandas (most of a second).
    """
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    t = values.type
    if pa.types.is_date32(t):
        t = pa.int32()
        chunks = [c.view(pa.int32()) for c in chunks]
    parts = []
    for chunk in chunks:
        n, offset = len(chunk), chunk.offset
        buffers = chunk.buffers()
        if pa.types.is_boolean(t):
            data: npt.NDArray[Any] = _bits(buffers[1], offset, n) if n else np.zeros(0, np.bool_)
        else:
            dtype = np.dtype(_NUMPY_TYPES[str(t)])
            data = np.frombuffer(buffers[1], dtype=dtype, count=n, offset=offset * dtype.itemsize) if n else (
                np.zeros(0, dtype))
        if chunk.null_count:
            data = np.where(_bits(buffers[0], offset, n), data, fill)
        parts.append(data)
    if not parts:
        return np.zeros(0, dtype=np.bool_ if pa.types.is_boolean(t) else _NUMPY_TYPES[str(t)])
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _same_buffers(a: pa.Array, b: pa.Array) -> bool:
    """One array seen through two Python objects (chunks of one encoding share their dictionary)."""
    if len(a) != len(b) or a.offset != b.offset or a.type != b.type:
        return False
    return all((x is None and y is None) or (x is not None and y is not None and x.address == y.address)
               for x, y in zip(a.buffers(), b.buffers(), strict=True))


_PLAIN_ENDS = r"^[0-9A-Za-z](.*[0-9A-Za-z])?$"


# The reading path builds Arrow values from buffers, not with ``pa.array``/``pa.scalar``:
# pyarrow's conversion of Python and numpy objects imports pandas when it is installed
# (about 0.8 s of every ``langzeit kennzahlen`` run that never needs pandas).

def _strings(values: list[str]) -> pa.Array:
    """Python strings as an Arrow ``string`` array, built from buffers."""
    data = [v.encode("utf-8") for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int64)
    np.cumsum(np.fromiter((len(b) for b in data), dtype=np.int64, count=len(data)), out=offsets[1:])
    wide = pa.Array.from_buffers(pa.large_string(), len(data),
                                 [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    return pc.cast(wide, pa.string()) if offsets[-1] < 2**31 else wide


def _indices(positions: npt.NDArray[np.integer[Any]]) -> pa.Array:
    """Row positions (numpy integers) as an Arrow ``int64`` array for ``take``, built from buffers."""
    ints = np.ascontiguousarray(positions, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(ints), [None, pa.py_buffer(ints)])


def _text_numpy(values: pa.Array) -> npt.NDArray[np.str_]:
    """An Arrow ``string``/``large_string`` array without nulls as a numpy ``str_`` array.

    ASCII text (ids usually are) is laid out from the buffers with numpy; other text goes
    through Python strings. ``Array.to_numpy`` would convert through pyarrow's pandas code.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, np.str_)
    wide = pa.types.is_large_string(values.type)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)[
        values.offset : values.offset + n + 1].astype(np.int64)
    data = np.frombuffer(values.buffers()[2] or b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width == 0 or (data >= 128).any():
        return (np.array([str(v) for v in values.to_pylist()], dtype=np.str_) if width
                else np.full(n, "", np.str_))
    # every value padded with NULs to one width by Arrow: the data buffer is then a numpy
    # bytes array as it is (numpy drops trailing NULs; ids hold no control characters)
    padded = pc.utf8_rpad(values, width=width, padding="\0")
    padded_offsets = np.frombuffer(padded.buffers()[1], dtype=np.int64 if wide else np.int32)[
        padded.offset : padded.offset + n + 1]
    start = int(padded_offsets[0])
    if int(padded_offsets[-1]) - start != n * width:  # pragma: no cover - ASCII pads to whole bytes
        return np.array([str(v) for v in values.to_pylist()], dtype=np.str_)
    fixed = np.frombuffer(padded.buffers()[2], dtype=f"S{width}", count=n, offset=start)
    return fixed.astype(np.str_)


def _empty_text(kind: pa.DataType) -> pa.Scalar:
    """The empty string as an Arrow scalar of ``kind`` (``string`` or ``large_string``)."""
    return pc.cast(_strings([""]), kind)[0]


def _stripped(values: pa.Array) -> pa.Array:
    """Text values stripped of surrounding blanks as ``str.strip`` does (nulls become "")."""
    values = pc.fill_null(values, _empty_text(values.type))
    plain = pc.match_substring_regex(values, _PLAIN_ENDS)  # no nulls left to match
    if pc.all(plain).as_py() is not False:
        return values
    # only values that begin or end with something else than a letter or digit go through Python
    odd = np.flatnonzero(~_numpy(plain, False))
    originals = values.take(_indices(odd)).to_pylist()
    fixed = [str(v).strip() for v in originals]
    if all(f == v for f, v in zip(fixed, originals, strict=True)):
        return values
    out = values.to_pylist()
    for i, f in zip(odd.tolist(), fixed, strict=True):
        out[i] = f
    return _strings(out)


class _Labels:
    """One text column, batch by batch: codes (``-1`` for null/empty) into sets of distinct stripped labels.

    Each distinct dictionary (consecutive batches usually share their file's) is stripped
    and encoded once with Arrow compute, whatever its size (a national table has millions
    of person ids); the rows only see numpy takes. A batch's codes point into the label
    set it was coded with; :meth:`finish` puts all sets together (first appearance order).
    """

    def __init__(self) -> None:
        self.sets: list[pa.Array] = []
        #: per set: whether its labels are distinct (a dictionary used as it is may repeat one)
        self.distinct: list[bool] = []
        #: per set, when tracked (:meth:`mark_used`): which of its labels rows use (``-1`` last)
        self.used: list[BoolArray | None] = []
        self._last: tuple[pa.Array, npt.NDArray[np.int32], int] | None = None
        self._mapped: dict[tuple[int, Any], npt.NDArray[Any]] = {}
        self._python: dict[int, list[str]] = {}

    @staticmethod
    def joined(parts: Sequence[_Labels]) -> tuple[_Labels, list[int]]:
        """The label sets of several (one per thread) as one, and where each part's sets begin in it.

        Examples:
            >>> a, b = _Labels(), _Labels()
            >>> _ = a.codes(_strings(["x"]), 1), b.codes(_strings(["y"]), 1), b.codes(_strings(["z"]), 1)
            >>> joined, bases = _Labels.joined([a, b])
            >>> [s.to_pylist() for s in joined.sets], bases
            ([['x'], ['y'], ['z']], [0, 1])
        """
        if len(parts) == 1:
            return parts[0], [0]
        out = _Labels()
        bases = []
        for part in parts:
            bases.append(len(out.sets))
            out.sets.extend(part.sets)
            out.distinct.extend(part.distinct)
            out.used.extend(part.used)
        return out, bases

    def _add_set(self, values: pa.Array, *, distinct: bool) -> int:
        self.sets.append(values)
        self.distinct.append(distinct)
        self.used.append(None)
        return len(self.sets) - 1

    def _lut(
        self, array: pa.Array | None, n: int
    ) -> tuple[npt.NDArray[np.int32], int, npt.NDArray[Any], BoolArray | None]:
        """A batch's dictionary coded (``-1`` last, for nulls), its label set, the indices, their validity.

        A dictionary of plain distinct-looking text (letters and digits only, no empty value:
        ids usually are) is its own label set, coded as it is; others are stripped and
        encoded once.
        """
        if array is None:
            return np.full(1, -1, np.int32), self._empty_set(), np.zeros(n, np.int32), None
        if not pa.types.is_dictionary(array.type):
            if not (pa.types.is_string(array.type) or pa.types.is_integer(array.type)):
                array = pc.cast(array, pa.string())  # integers are encoded first, then their text
            array = pc.dictionary_encode(array)
        d = array.dictionary
        last = self._last
        if last is not None and (d is last[0] or _same_buffers(d, last[0]) or (
                len(d) == len(last[0]) and d.equals(last[0]))):
            lut, k = last[1], last[2]
        else:
            text = d if pa.types.is_string(d.type) else pc.cast(d, pa.string())
            if len(text) and not text.null_count and pc.all(pc.ascii_is_alnum(text)).as_py():
                # nothing to strip and no empty value: the dictionary is the set (duplicates, if a
                # writer left any, are merged with the other sets at the end)
                lut = np.append(np.arange(len(text), dtype=np.int32), np.int32(-1))
                k = self._add_set(text, distinct=False)
            else:
                normal = pc.dictionary_encode(_stripped(text))
                lut = _numpy(normal.indices, -1).astype(np.int32)
                values: pa.Array = normal.dictionary
                empty = pc.index(values, _empty_text(values.type)).as_py() if len(values) else -1
                if empty >= 0:  # "" is no label: its rows are empty
                    lut = np.where(lut == empty, -1, lut - (lut > empty)).astype(np.int32)
                    values = pa.concat_arrays([values[:empty], values[empty + 1 :]])
                lut = np.append(lut, np.int32(-1))  # null index -> empty
                k = self._add_set(values, distinct=True)
            self._last = (d, lut, k)
        indices = array.indices
        if pa.types.is_unsigned_integer(indices.type):  # -1 (null) must not wrap round
            indices = pc.cast(indices, pa.int64())
        data, valid = _data_and_valid(indices)
        return lut, k, data, valid

    def codes(self, array: pa.Array | None, n: int, out: npt.NDArray[Any] | None = None,
              ) -> tuple[npt.NDArray[np.int32], int]:
        """The codes of one batch's values (into ``out`` when given) and the index of their label set."""
        lut, k, index, valid = self._lut(array, n)
        if array is None:
            if out is None:
                return np.full(n, -1, np.int32), k
            out[:] = -1
            return out, k
        return _take(lut, index, valid, out), k

    def mark_used(self, codes: npt.NDArray[Any], k: int) -> None:
        """Note which labels of set ``k`` the ``codes`` use (batch by batch, in the checking thread)."""
        used = self.used[k]
        if used is None:
            used = self.used[k] = np.zeros(len(self.sets[k]) + 1, dtype=np.bool_)
        used[codes] = True

    def lookup(
        self, array: pa.Array | None, n: int, mapping: Callable[[list[str]], Any], fill: Any, dtype: Any,
        out: npt.NDArray[Any] | None = None,
    ) -> tuple[npt.NDArray[Any], int, npt.NDArray[Any]]:
        """Per-row ``mapping(labels)`` values in one take from the dictionary (``fill`` where empty).

        Returns the values (``out`` when given), the label set and the values the rows can
        have (each dictionary entry's, and ``fill`` when a row is null or empty).
        """
        lut, k, index, valid = self._lut(array, n)
        composed = np.take(self._per_label(k, mapping, fill, dtype), lut)
        if array is None:
            values = np.full(n, fill, dtype=dtype) if out is None else out
            values[:] = fill
            return values, k, composed
        reachable = composed if valid is not None else composed[:-1]
        if valid is None and np.array_equal(composed[:-1], np.arange(composed.size - 1)):
            if out is None:  # the dictionary is in code order (kinds, sexes as written): a cast
                return index.astype(dtype), k, reachable
            out[:] = index
            return out, k, reachable
        return _take(composed, index, valid, out), k, reachable

    def _per_label(
        self, k: int, mapping: Callable[[list[str]], Any], fill: Any, dtype: Any
    ) -> npt.NDArray[Any]:
        """``mapping`` of set ``k``'s labels, one value per label, and ``fill`` last (kept per set)."""
        key = (k, mapping)
        if key not in self._mapped:
            self._mapped[key] = np.append(np.asarray(mapping(self.labels(k)), dtype=dtype), np.asarray(
                fill, dtype=dtype))
        return self._mapped[key]

    def _empty_set(self) -> int:
        if not self.sets or len(self.sets[-1]):
            self._add_set(_strings([]), distinct=True)
            self._last = None
        return len(self.sets) - 1

    def labels(self, k: int) -> list[str]:
        """The labels of set ``k`` as Python strings (for columns of few distinct values)."""
        if k not in self._python:
            self._python[k] = [str(v) for v in self.sets[k].to_pylist()]
        return self._python[k]

    def mapped(self, codes: npt.NDArray[np.int32], k: int, mapping: Callable[[list[str]], Any], fill: Any,
               dtype: Any, out: npt.NDArray[Any] | None = None) -> npt.NDArray[Any]:
        """Per-row values through ``mapping(labels of set k)`` (one per label); ``fill`` where empty.

        Written into ``out`` when given.
        """
        values: npt.NDArray[Any] = np.take(self._per_label(k, mapping, fill, dtype), codes, out=out)
        return values

    def bad_ids(self, codes: npt.NDArray[np.int32], k: int) -> BoolArray | None:
        """Rows whose value is longer than ``MAX_ID_LENGTH`` or not printable (checked per distinct value).

        None when no label of set ``k`` is (no row is looked at).
        """
        key = (k, "bad_ids")
        if key not in self._mapped:
            values = self.sets[k]
            flag = np.zeros(len(values), dtype=np.bool_)
            if len(values):
                # printable ASCII of at most MAX_ID_LENGTH bytes is fine (all but the odd value); the
                # Unicode checks (slow on millions of ids) run only on the rest
                wide = pa.types.is_large_string(values.type)
                offsets = np.frombuffer(values.buffers()[1], dtype=np.int64 if wide else np.int32)
                nbytes = np.diff(offsets[values.offset : values.offset + len(values) + 1])
                ascii_ok = _numpy(pc.ascii_is_printable(values), False).astype(np.bool_)
                doubtful = np.flatnonzero(~ascii_ok | (nbytes > MAX_ID_LENGTH))
                if doubtful.size:
                    rest = values.take(_indices(doubtful))
                    too_long = _numpy(pc.utf8_length(rest), 0) > MAX_ID_LENGTH
                    printable = _numpy(pc.utf8_is_printable(rest), False).astype(np.bool_)
                    flag[doubtful] = too_long | ~printable
            self._mapped[key] = np.append(flag, False)
        flags = self._mapped[key]
        if not flags.any():
            return None
        out: BoolArray = np.take(flags, codes)
        return out

    def merged(self) -> tuple[pa.Array, list[npt.NDArray[np.int32]]]:
        """All label sets as one (first appearance order), and per set the codes into it (``-1`` last)."""
        if not self.sets:
            return _strings([]), []
        if len(self.sets) == 1 and self.distinct[0]:
            return self.sets[0], [np.append(np.arange(len(self.sets[0]), dtype=np.int32), np.int32(-1))]
        normal = pc.dictionary_encode(pa.concat_arrays(self.sets))
        index = _numpy(normal.indices, -1).astype(np.int32)
        bounds = np.cumsum([0] + [len(s) for s in self.sets])
        luts = [np.append(index[bounds[k] : bounds[k + 1]], np.int32(-1)) for k in range(len(self.sets))]
        values: pa.Array = normal.dictionary
        return values, luts

    def finish(self, codes: npt.NDArray[Any], batches: Sequence[tuple[int, int, int]]) -> pa.Array:
        """All label sets as one (first appearance order); ``codes`` recoded in place.

        ``batches`` gives (offset, length, label set) of every batch.
        """
        if not self.sets:
            return _strings([])
        if len(self.sets) == 1 and self.distinct[0]:
            return self.sets[0]
        values, luts = self.merged()
        for offset, length, k in batches:
            part = codes[offset : offset + length]
            part[:] = luts[k][part]
        return values
