"""Indicator layer: distances between monthly state sequences, as in TraMineR's ``seqdist``.

Definitions follow TraMineR (Gabadinho, Ritschard, Müller & Studer 2011); the
sequences and their other measures are in :mod:`._sequences`:

* Hamming distance (``seqdist(method="HAM")``): summed substitution costs position by
  position (equal lengths);
* optimal matching (``seqdist(method="OM")``): the cheapest edit of one sequence into
  the other with indel cost and a substitution-cost matrix (``seqsubm``: ``"CONSTANT"``
  = 2, ``"TRATE"`` = ``2 − p(i|j) − p(j|i)``).

Missing months (``-1``) may only trail a sequence, as in :mod:`._sequences`.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._sequences import StateMatrix, StateSequences, transition_rates
from langzeit.tabular import Table

__all__ = [
    "DistanceMatrix",
    "hamming_distances",
    "optimal_matching_distances",
    "substitution_costs",
]


@attrs.frozen(eq=False)
class DistanceMatrix(Table):
    """A symmetric matrix of pairwise sequence distances, ready for clustering.

    ``condensed()`` gives the upper triangle in the order ``scipy.cluster.hierarchy.linkage``
    expects.

    Examples:
        >>> d = hamming_distances(StateSequences.from_lists([["a", "b"], ["a", "a"], ["b", "b"]]))
        >>> d.values.tolist()
        [[0.0, 1.0, 1.0], [1.0, 0.0, 2.0], [1.0, 2.0, 0.0]]
        >>> d.condensed().tolist()
        [1.0, 1.0, 2.0]
    """

    ids: tuple[str, ...]
    values: FloatArray
    method: str

    _title = "Sequence distances"

    def condensed(self) -> FloatArray:
        """The upper triangle (i < j), row by row."""
        i, j = np.triu_indices(len(self.ids), k=1)
        return self.values[i, j]

    def columns(self) -> tuple[str, ...]:
        """The column names (one row per pair)."""
        return ("id_a", "id_b", "distance")

    def rows(self) -> list[dict[str, Any]]:
        """One row per unordered pair."""
        i, j = np.triu_indices(len(self.ids), k=1)
        return [{"id_a": self.ids[a], "id_b": self.ids[b], "distance": float(self.values[a, b])}
                for a, b in zip(i.tolist(), j.tolist(), strict=True)]


def substitution_costs(sequences: StateSequences, *, method: str = "constant",
                       constant: float = 2.0) -> FloatArray:
    """Substitution-cost matrix as TraMineR's ``seqsubm``.

    Args:
        sequences: the sequences (``"trate"`` uses their transition rates).
        method: ``"constant"`` (every substitution costs ``constant``) or ``"trate"``
            (``constant − p(i|j) − p(j|i)``).
        constant: the constant (TraMineR's ``cval``), default 2.

    Returns:
        A square matrix over the alphabet with zero diagonal.

    Raises:
        ValidationError: an unknown method.

    Examples:
        >>> s = StateSequences.from_lists([["a", "b", "b"]])
        >>> substitution_costs(s, method="trate").tolist()
        [[0.0, 1.0], [1.0, 0.0]]
    """
    k = len(sequences.alphabet)
    if method == "constant":
        sm = np.full((k, k), float(constant))
    elif method == "trate":
        r = transition_rates(sequences).rates
        sm = constant - r - r.T
    else:
        raise ValidationError("unknown substitution method",
                              [Problem("method", f"{method!r} is not one of constant, trate")])
    np.fill_diagonal(sm, 0.0)
    return sm


def _cost_matrix(sequences: StateSequences, substitution: str | Any, constant: float) -> FloatArray:
    if isinstance(substitution, str):
        return substitution_costs(sequences, method=substitution, constant=constant)
    sm = np.asarray(substitution, dtype=np.float64)
    k = len(sequences.alphabet)
    if sm.shape != (k, k):
        raise ValidationError("substitution matrix has the wrong shape",
                              [Problem("substitution", f"expected ({k}, {k}), got {sm.shape}")])
    return sm


def hamming_distances(sequences: StateSequences, *, substitution: str | Any = "constant",
                      constant: float = 1.0) -> DistanceMatrix:
    """Hamming distances: summed substitution costs position by position.

    Args:
        sequences: sequences of equal observed length (use :meth:`StateSequences.observed_for`).
        substitution: ``"constant"``, ``"trate"`` or a cost matrix over the alphabet.
        constant: the constant substitution cost (1: the classic Hamming distance).

    Returns:
        The distance matrix.

    Raises:
        ValidationError: sequences of different lengths or a bad cost matrix.

    Examples:
        >>> s = StateSequences.from_lists([["a", "a", "b"], ["b", "a", "a"]])
        >>> hamming_distances(s).values[0, 1]
        np.float64(2.0)
    """
    lengths = sequences.lengths
    if len(lengths) and lengths.min() != lengths.max():
        raise ValidationError("Hamming distance needs sequences of equal length",
                              [Problem("sequences", f"lengths from {lengths.min()} to {lengths.max()}; "
                                                    "use observed_for(months)")])
    sm = _cost_matrix(sequences, substitution, constant)
    width = int(lengths.max()) if len(lengths) else 0
    s = sequences.states[:, :width].astype(np.int64)
    n = len(sequences)
    out = np.zeros((n, n))
    block = max(1, 2_000_000 // max(1, n * max(width, 1)))
    for lo in range(0, n, block):
        a = s[lo:lo + block]
        out[lo:lo + block] = sm[a[:, None, :], s[None, :, :]].sum(axis=2)
    return DistanceMatrix(sequences.ids, out, "hamming")


def _distinct_rows(states: StateMatrix) -> tuple[IntArray, IntArray]:
    """The first row of each distinct sequence (in order of appearance) and each row's distinct index.

    Examples:
        >>> first, index = _distinct_rows(np.array([[1, 0], [0, 0], [1, 0]], dtype=np.int16))
        >>> first.tolist(), index.tolist()
        ([0, 1], [0, 1, 0])
    """
    n = states.shape[0]
    if n == 0 or states.shape[1] == 0:
        return np.zeros(min(n, 1), dtype=np.int64), np.zeros(n, dtype=np.int64)
    _, first, inverse = np.unique(states, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    distinct: IntArray = first[order].astype(np.int64)
    index: IntArray = rank[inverse.reshape(-1)].astype(np.int64)
    return distinct, index


_BYTE_BITS = np.array([bin(b).count("1") for b in range(256)], dtype=np.int64)


def _popcount(words: npt.NDArray[np.uint64]) -> IntArray:
    """Set bits per 64-bit word (``np.bitwise_count`` from numpy 2.0 on, a byte table before)."""
    count = getattr(np, "bitwise_count", None)
    if count is not None:
        out: IntArray = count(words).astype(np.int64)
        return out
    table: IntArray = _BYTE_BITS[words.view(np.uint8)].reshape(*words.shape, 8).sum(axis=-1)
    return table


def _indel_counts(states: StateMatrix, lengths: IntArray, k: int,
                  chunk: int) -> npt.NDArray[np.signedinteger[Any]]:
    """``ℓa + ℓb − 2·LCS(a, b)`` for every pair: the indels of the cheapest edit without substitutions.

    The longest common subsequence runs bit-parallel (Allison & Dix 1986; Hyyrö 2004,
    "Bit-parallel LCS-length computation revisited"): the months of sequence ``a`` are
    the bits of ``V`` (64 per word), each month of ``b`` updates every pair of a block
    at once with ``U = V & M[b_t]``, ``V ← (V + U) | (V − U)`` (``M[c]``: the months of
    ``a`` in state ``c``; ``V − U = V ^ U`` because ``U ⊆ V``), and the zero bits of
    ``V`` within ``ℓa`` count the common subsequence.

    Examples:
        >>> s = np.array([[0, 1, 2], [1, 2, -1]], dtype=np.int16)
        >>> _indel_counts(s, np.array([3, 2]), 3, 16).tolist()
        [[0, 1], [1, 0]]
    """
    n, width = states.shape
    words = max(1, -(-width // 64))
    codes = np.where(states >= 0, states, k).astype(np.intp)  # code k: no month, matches nothing
    by_month = np.ascontiguousarray(codes.T)
    masks = np.zeros((words, n, k + 1), dtype=np.uint64)  # masks[w, s, c]: months of s in state c
    rows = np.arange(n)
    for t in range(width):
        masks[t // 64, rows, by_month[t]] |= np.uint64(1 << (t % 64))
    masks[:, :, k] = 0
    low = np.zeros((words, n), dtype=np.uint64)  # the bits of each sequence's own months
    for w in range(words):
        bits = np.clip(lengths - 64 * w, 0, 64)
        low[w] = np.where(bits == 64, ~np.uint64(0),
                          (np.uint64(1) << np.minimum(bits, 63).astype(np.uint64)) - np.uint64(1))
    out = np.zeros((n, n), dtype=np.int16 if 2 * width < np.iinfo(np.int16).max else np.int32)
    ones = ~np.uint64(0)
    lo = 0
    while lo < n:
        c = n - lo
        hi = min(n, lo + max(1, chunk // c))
        r = hi - lo
        v = np.full((words, r, c), ones, dtype=np.uint64)
        m, u, x, s = (np.empty((r, c), dtype=np.uint64) for _ in range(4))
        carry = np.empty((r, c), dtype=bool)
        spare = np.empty((r, c), dtype=bool)
        block = [np.ascontiguousarray(masks[w, lo:hi]) for w in range(words)]
        span = int(lengths[lo:].max())
        for t in range(span):
            ch = by_month[t, lo:]
            for w in range(words):
                vw = v[w]
                np.take(block[w], ch, axis=1, out=m, mode="clip")  # "raise" would buffer
                np.bitwise_and(vw, m, out=u)
                np.bitwise_xor(vw, u, out=x)
                np.add(vw, u, out=s)
                if w:
                    np.add(s, carry, out=s)
                if w < words - 1:  # carry out of this word: it wrapped
                    if w:
                        np.equal(s, vw, out=spare)
                        np.bitwise_and(spare, carry, out=spare)
                        np.less(s, vw, out=carry)
                        np.bitwise_or(carry, spare, out=carry)
                    else:
                        np.less(s, vw, out=carry)
                np.bitwise_or(s, x, out=vw)
        common = np.zeros((r, c), dtype=np.int64)
        for w in range(words):
            common += _popcount(~v[w] & low[w, lo:hi, None])
        edits = lengths[lo:hi, None] + lengths[None, lo:] - 2 * common
        out[lo:hi, lo:] = edits
        out[lo:, lo:hi] = edits.T
        lo = hi
    return out


def _integer_scale(sm: FloatArray, indel: float, width: int) -> int | None:
    """A power of two that turns every finite cost into an integer whose path sums stay exact.

    Every finite float is a dyadic fraction, so ``2**e`` times it is an integer for
    ``e`` large enough; if moreover the dearest edit path (``2·(width + 1)`` steps of
    the largest cost) times ``2**e`` stays below ``2**53``, every sum the recursion
    forms is exact in float64 and the order of additions cannot matter. ``None``
    when no such scale exists (e.g. indel 0.3, ``"trate"`` costs): then the dynamic
    programme adds floats in the textbook's order.

    Examples:
        >>> _integer_scale(np.array([[0.0, 2.0], [2.0, 0.0]]), 1.0, 72)
        1
        >>> _integer_scale(np.array([[0.0, 0.75], [0.75, 0.0]]), 0.5, 72)
        4
        >>> _integer_scale(np.array([[0.0, 0.6], [0.6, 0.0]]), 0.3, 72) is None
        True
    """
    if not math.isfinite(indel):
        return None
    costs = [float(indel), *(float(c) for c in sm.ravel() if math.isfinite(c))]
    exponent = max(c.as_integer_ratio()[1].bit_length() - 1 for c in costs)
    largest = max(abs(c) for c in costs)
    if exponent > 60 or largest * 2.0**exponent * 2 * (width + 1) >= 2.0**53:
        return None
    return 1 << exponent


def _om_dynamic_programme(states: StateMatrix, lengths: IntArray, sm: FloatArray, indel: float,
                          chunk: int) -> FloatArray:
    """The textbook OM recursion for every pair, vectorised over a block of pairs at once.

    A block is some sequences ``a`` against all later sequences ``b``; row ``i`` of the
    recursion (month ``i`` of ``a``) is a few array operations over months of ``b`` ×
    ``a`` × ``b`` (the substitution costs are slabs copied from a per-state table),
    then one per month of ``b`` for the insertions along the row. The additions happen
    in the textbook's order, so float costs give the textbook's (and TraMineR's) sums
    bit for bit.
    """
    n = len(states)
    width = int(lengths.max()) if n else 0
    codes = np.where(states[:, :width] >= 0, states[:, :width], 0).astype(np.intp)
    # costs that are integers after scaling by a power of two (e.g. constant 1 and
    # indel 1, or indel 0.5) run in small integers: exact, so the same sums as the
    # textbook's, and several times less memory traffic than float64
    dtype: Any = np.float64
    exact = _integer_scale(sm, indel, width) if np.all(np.isfinite(sm)) else None
    scale = 1
    if exact is not None:
        bound = 2 * (width + 1) * max(float(np.abs(sm).max()), float(indel)) * exact
        if bound < 2**31 - 1:
            dtype, scale = (np.int16 if bound < np.iinfo(np.int16).max else np.int32), exact
    cost = (sm * scale).astype(dtype)
    step = np.asarray(indel * scale).astype(dtype)
    ramp = (np.arange(width + 1) * (indel * scale)).astype(dtype)[:, None, None]
    values = np.zeros((n, n))
    lo = 0
    while lo < n:
        c = n - lo
        hi = min(n, lo + max(1, chunk // c))
        r = hi - lo
        # table[j, x, b]: cost of substituting state x for month j of sequence b
        table = np.ascontiguousarray(cost[:, codes[lo:].T].transpose(1, 0, 2))
        la, lb, cols = lengths[lo:hi], lengths[lo:], np.arange(c)
        out = np.zeros((r, c), dtype=dtype)
        prev = np.repeat(np.repeat(ramp, r, axis=1), c, axis=2)  # D[0, j] = j·indel
        cur = np.empty_like(prev)
        sub = np.empty((width, r, c), dtype=dtype)
        spare = np.empty((r, c), dtype=dtype)
        for row in np.nonzero(la == 0)[0]:
            out[row] = prev[lb, row, cols]
        for i in range(1, int(la.max()) + 1):
            # substitution (the diagonal) for all months j at once ...
            np.take(table, codes[lo:hi, i - 1], axis=1, out=sub, mode="clip")
            np.add(sub, prev[:-1], out=sub)
            cur[0] = ramp[i]
            # ... then deletion or insertion, month by month: min(D[i−1, j], D[i, j−1]) + indel
            # rounds as the smaller of the two sums, so floats give the textbook's sums exactly
            for j in range(1, width + 1):
                np.minimum(prev[j], cur[j - 1], out=spare)
                np.add(spare, step, out=spare)
                np.minimum(spare, sub[j - 1], out=cur[j])
            for row in np.nonzero(la == i)[0]:
                out[row] = cur[lb, row, cols]
            prev, cur = cur, prev
        values[lo:hi, lo:] = out
        values[lo:, lo:hi] = out.T
        lo = hi
    if scale != 1:
        values /= scale  # a power of two: exact
    return values


def optimal_matching_distances(sequences: StateSequences, *, indel: float = 1.0,
                               substitution: str | Any = "constant", constant: float = 2.0,
                               chunk: int = 16384) -> DistanceMatrix:
    """Optimal-matching distances (TraMineR ``seqdist(method="OM")``).

    Each distinct sequence is compared once (TraMineR and sequenzo do the same). When
    no substitution is cheaper than two indels — the defaults, constant 2 and indel 1 —
    the cheapest edit never substitutes, so the distance is
    ``indel · (ℓa + ℓb − 2·LCS)`` with the longest common subsequence computed
    bit-parallel for a block of pairs at once (as sequenzo does); ``indel × count`` is
    the exact distance rounded once, as sequenzo's. Otherwise the textbook dynamic
    programme runs vectorised over a block of pairs, in small integers when the costs
    are integers after scaling by a power of two (e.g. indel 0.5), else in float64 with
    the textbook recursion's float sums, bit for bit. With such exact costs (integers,
    halves, quarters …) the two agree with each other and with TraMineR and sequenzo
    exactly. The cost matrix is taken as symmetric: the distance of a pair is computed
    once, with the earlier sequence first.

    Args:
        sequences: the sequences (lengths may differ).
        indel: cost of inserting or deleting one month.
        substitution: ``"constant"``, ``"trate"`` or a cost matrix over the alphabet.
        constant: the constant of ``"constant"`` / ``"trate"`` costs (TraMineR's default 2).
        chunk: pairs per vectorised block (memory of the dynamic programme
            ≈ 16 × months × chunk bytes).

    Returns:
        The distance matrix.

    Raises:
        ValidationError: a bad cost matrix or a non-positive indel cost.

    Examples:
        >>> s = StateSequences.from_lists([["a", "b", "c"], ["b", "c"], ["a", "c", "b"]])
        >>> optimal_matching_distances(s).values.tolist()
        [[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]
        >>> optimal_matching_distances(s, constant=1).values.tolist()
        [[0.0, 1.0, 2.0], [1.0, 0.0, 2.0], [2.0, 2.0, 0.0]]
    """
    if indel <= 0:
        raise ValidationError("indel cost must be positive", [Problem("indel", str(indel))])
    if chunk < 1:
        raise ValidationError("chunk must be positive", [Problem("chunk", str(chunk))])
    sm = _cost_matrix(sequences, substitution, constant)
    first, index = _distinct_rows(sequences.states)
    states = sequences.states[first]
    lengths = sequences.lengths[first]
    off_diagonal = sm[~np.eye(len(sm), dtype=bool)]
    if np.all(np.diag(sm) == 0) and np.all(off_diagonal >= 2 * indel):
        counts = _indel_counts(states, lengths, len(sequences.alphabet), chunk)
        values = _expanded(counts, index, float(indel))
    else:
        values = _expanded(_om_dynamic_programme(states, lengths, sm, indel, chunk), index, 1.0)
    return DistanceMatrix(sequences.ids, values, "om")


def _expanded(distinct: npt.NDArray[Any], index: IntArray, factor: float) -> FloatArray:
    """``factor`` × the distances of the distinct sequences, spread to every sequence, in float64.

    Row blocks of ~16 MB, so the only large arrays are the distinct matrix and the result.

    Examples:
        >>> _expanded(np.array([[0, 3], [3, 0]], dtype=np.int16), np.array([0, 1, 0]), 0.5).tolist()
        [[0.0, 1.5, 0.0], [1.5, 0.0, 1.5], [0.0, 1.5, 0.0]]
    """
    n = len(index)
    if len(distinct) == n and np.array_equal(index, np.arange(n)):
        out: FloatArray = distinct.astype(np.float64, copy=distinct.dtype != np.float64)
        if factor != 1:
            out *= factor
        return out
    out = np.empty((n, n))
    step = max(1, 2_000_000 // max(1, n))
    for lo in range(0, n, step):
        np.multiply(distinct[np.ix_(index[lo:lo + step], index)], factor, out=out[lo:lo + step])
    return out
