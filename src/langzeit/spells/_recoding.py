"""Spell layer: the final coding of checked rows — labels sorted, codes recoded in place, batch by batch.

After the row checks, the batch codes of ``person_id``, ``jobcenter`` and ``instrument``
(into each batch's label set) become codes into the sorted labels of the rows kept: in
place, one pass per batch, when every row is kept; through the kept rows otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from langzeit.spells._arrow_columns import BoolArray, IntArray, _indices, _Labels, _numpy, _text_numpy
from langzeit.spells._codes import NO_CODE

_RECODE_ROWS = 1 << 20


def _recode(codes: npt.NDArray[Any], lut: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``codes[:] = lut[codes]`` in place, chunk by chunk (``-1`` picks ``lut[-1]``, the empty code).

    ``np.take(..., out=codes, mode="wrap")`` would buffer a whole-column temporary (fresh
    memory, hundreds of MB on a national table) and divide per row.
    """
    for lo in range(0, codes.size, _RECODE_ROWS):
        part = codes[lo : lo + _RECODE_ROWS]
        part[:] = lut[part]
    return codes


def _label_lut(
    values: pa.Array, used: BoolArray, normalise: Callable[[str], str], sort_key: Any
) -> tuple[npt.NDArray[np.int32], list[str]]:
    """Codes of ``values`` into the sorted, normalised labels of the used ones (``NO_CODE`` last)."""
    labels_in = [str(v) for v in values.to_pylist()]
    normal = [normalise(lab) for lab in labels_in]
    labels = sorted({normal[i] for i in np.flatnonzero(used[: len(labels_in)]).tolist()}, key=sort_key)
    position = {lab: i for i, lab in enumerate(labels)}
    lut = np.array([position.get(n, NO_CODE) for n in normal] + [NO_CODE], dtype=np.int32)
    return lut, labels


def _encode_labels(
    codes: npt.NDArray[Any], values: pa.Array, ok: IntArray | None, normalise: Callable[[str], str],
    sort_key: Any = None,
) -> tuple[npt.NDArray[Any], list[str]]:
    """Codes of the kept rows into their sorted, normalised distinct labels (``NO_CODE`` for empty)."""
    kept = codes if ok is None else codes[ok]
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    used[kept] = True
    lut, labels = _label_lut(values, used, normalise, sort_key)
    # in place when every row is kept (no second column; index -1 is the empty code)
    out: npt.NDArray[Any] = _recode(kept, lut) if ok is None else lut[kept]
    return out, labels


def _used_in_batches(
    codes: npt.NDArray[Any], text: _Labels, batches: Sequence[tuple[int, int, int]]
) -> tuple[pa.Array, list[npt.NDArray[np.int32]], BoolArray]:
    """The merged label sets, each set's codes into them, and which merged labels rows use.

    ``codes`` are still batch codes (into each batch's set). Which labels of a set its rows
    use was noted while checking (``_Labels.mark_used``, in the checking threads); a set
    without that note is looked up here, a scatter into the batch's small set per batch.
    """
    values, luts = text.merged()
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    for k in {k for _, _, k in batches}:
        local = text.used[k] if k < len(text.used) else None
        if local is None:
            local = np.zeros(luts[k].size, dtype=np.bool_)
            for offset, length, j in batches:
                if j == k:
                    local[codes[offset : offset + length]] = True
        used[luts[k][local]] = True
    return values, luts, used


def _encode_labels_in_place(
    codes: npt.NDArray[Any], text: _Labels, batches: Sequence[tuple[int, int, int]],
    normalise: Callable[[str], str], sort_key: Any = None,
) -> tuple[npt.NDArray[Any], list[str]]:
    """:func:`_encode_labels` of a table whose rows are all kept, ``codes`` still in batch codes.

    Each batch is recoded once, through its set's codes composed with the label codes.
    """
    values, luts, used = _used_in_batches(codes, text, batches)
    lut, labels = _label_lut(values, used, normalise, sort_key)
    composed = [lut[set_codes] for set_codes in luts]
    for offset, length, k in batches:
        _recode(codes[offset : offset + length], composed[k])
    return codes, labels


def _person_index(
    person: npt.NDArray[np.int32], values: pa.Array, ok: IntArray | None
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """Person codes into the sorted ids of the persons that keep at least one row."""
    codes = person if ok is None else person[ok]
    used = np.zeros(len(values) + 1, dtype=np.bool_)
    used[codes] = True
    rank, ids = _sorted_ids(values, used)
    out: npt.NDArray[np.int32] = _recode(codes, rank) if ok is None else rank[codes]
    return out, ids


def _sorted_ids(values: pa.Array, used: BoolArray) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """The rank of each used label among the used ones (sorted), and the used labels sorted."""
    n_labels = len(values)
    kept = np.flatnonzero(used[:n_labels])
    kept_ids = values.take(_indices(kept)) if kept.size < n_labels else values
    order = _numpy(pc.sort_indices(kept_ids), 0) if kept.size else np.zeros(0, np.int64)
    rank = np.full(n_labels + 1, -1, dtype=np.int32)
    rank[kept[order]] = np.arange(kept.size, dtype=np.int32)
    ids = _text_numpy(kept_ids.take(_indices(order)))
    return rank, ids


def _person_index_in_place(
    person: npt.NDArray[np.int32], text: _Labels, batches: Sequence[tuple[int, int, int]]
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.str_]]:
    """:func:`_person_index` of a table whose rows are all kept, ``person`` still in batch codes."""
    values, luts, used = _used_in_batches(person, text, batches)
    rank, ids = _sorted_ids(values, used)
    composed = [rank[set_codes] for set_codes in luts]
    for offset, length, k in batches:
        _recode(person[offset : offset + length], composed[k])
    return person, ids
