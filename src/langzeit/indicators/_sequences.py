"""Indicator layer: monthly state sequences and their measures, as in TraMineR.

Definitions follow TraMineR (Gabadinho, Ritschard, Müller & Studer 2011, "Analyzing
and Visualizing State Sequences in R with TraMineR", *J. Stat. Softw.* 40(4)):

* transition rates (``seqtrate``): ``p(j | i) = Σ_t n(i at t, j at t+1) / Σ_t n(i at t)``
  over positions ``t`` whose successor is observed;
* mean time in state (``seqmeant``): mean number of months per sequence in each state;
* number of transitions (``seqtransn``): state changes, i.e. spells − 1;
* longitudinal entropy (``seqient``, normalised): ``−Σ π_i log π_i / log |alphabet|``
  with ``π_i`` the share of the sequence's months in state ``i``;
* turbulence (``seqST``, Elzinga & Liefbroer 2007):
  ``log2(φ · (s²_max + 1) / (s² + 1))`` with ``φ`` the number of distinct
  subsequences of the distinct-state sequence (the empty one included), ``s²`` the
  population variance of the spell durations and ``s²_max = (n − 1)(1 − t̄)²``
  for ``n`` spells of mean duration ``t̄``;
* complexity index (``seqici``, Gabadinho et al. 2010):
  ``sqrt(q / (ℓ − 1) · h)`` with ``q`` transitions, ``ℓ`` the length and ``h`` the
  normalised entropy (0 for ℓ = 1);
* Hamming distance (``seqdist(method="HAM")``): summed substitution costs position by
  position (equal lengths);
* optimal matching (``seqdist(method="OM")``): the cheapest edit of one sequence into
  the other with indel cost and a substitution-cost matrix (``seqsubm``: ``"CONSTANT"``
  = 2, ``"TRATE"`` = ``2 − p(i|j) − p(j|i)``).

Missing months (``-1``, e.g. after the data's end) may only trail a sequence; they are
left out of every measure, as TraMineR does for right-missing states.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.tabular import Table

__all__ = [
    "DistanceMatrix",
    "SequenceMeasures",
    "StateSequences",
    "StateTimes",
    "TransitionRates",
    "hamming_distances",
    "mean_time_in_state",
    "optimal_matching_distances",
    "sequence_measures",
    "substitution_costs",
    "transition_rates",
]

StateMatrix = npt.NDArray[np.int16]


def _str_tuple(values: Any) -> tuple[str, ...]:
    if isinstance(values, tuple) and set(map(type, values)) <= {str}:
        return values  # already a tuple of text (fast path for a million ids)
    return tuple(str(v) for v in values)


def _state_matrix(values: Any) -> StateMatrix:
    return np.asarray(values, dtype=np.int16)


@attrs.frozen(eq=False)
class StateSequences(Table):
    """Monthly state sequences: one row per sequence, states as codes into ``alphabet``.

    As a table (``rows()``, ``to_frame()``, the Jupyter view) each sequence is one row:
    its ``id``, then one column per month (``m0``, ``m1``, …) with the state's name,
    empty (None) where the month is not observed — the wide "STS" form of TraMineR.

    Args:
        ids: one id per sequence (e.g. the participant's).
        alphabet: the state names; code ``k`` is ``alphabet[k]``.
        states: integer matrix (sequences × months); ``-1`` marks an unobserved month,
            allowed only at the end of a row.

    Raises:
        ValidationError: shapes disagree, codes outside the alphabet, or a gap inside a row.

    Examples:
        >>> s = StateSequences.from_lists([["a", "a", "b"], ["b", "b"]])
        >>> s.alphabet, s.lengths.tolist()
        (('a', 'b'), [3, 2])
        >>> s.rows()[1]
        {'id': '1', 'm0': 'b', 'm1': 'b', 'm2': None}
    """

    _title = "monthly state sequences"

    ids: tuple[str, ...] = attrs.field(converter=_str_tuple)
    alphabet: tuple[str, ...] = attrs.field(converter=_str_tuple)
    states: StateMatrix = attrs.field(converter=_state_matrix)

    def __attrs_post_init__(self) -> None:
        problems = []
        if self.states.ndim != 2:
            problems.append(Problem("states", "must be a 2-d matrix"))
        elif len(self.ids) != self.states.shape[0]:
            problems.append(Problem("ids", f"{len(self.ids)} ids for {self.states.shape[0]} sequences"))
        else:
            if self.states.size and (self.states.min() < -1 or self.states.max() >= len(self.alphabet)):
                problems.append(Problem("states", "codes outside the alphabet"))
            valid = self.states >= 0
            if self.states.shape[1] > 1 and np.any(~valid[:, :-1] & valid[:, 1:]):
                problems.append(Problem("states", "a missing month inside a sequence (only trailing ones)"))
        if problems:
            raise ValidationError("state sequences invalid", problems)

    @classmethod
    def from_lists(cls, sequences: Sequence[Sequence[str]], *, ids: Sequence[str] | None = None,
                   alphabet: Sequence[str] | None = None) -> StateSequences:
        """Sequences from lists of state names (rows may differ in length).

        Args:
            sequences: one list of state names per sequence.
            ids: sequence ids (default ``"0"``, ``"1"``, …).
            alphabet: the states in order (default: sorted states that occur).

        Returns:
            The sequences.

        Raises:
            ValidationError: a state not in ``alphabet``.

        Examples:
            >>> StateSequences.from_lists([["x", "y"]], alphabet=["y", "x"]).states.tolist()
            [[1, 0]]
        """
        alpha = tuple(alphabet) if alphabet is not None else tuple(sorted({s for q in sequences for s in q}))
        index = {s: i for i, s in enumerate(alpha)}
        width = max((len(q) for q in sequences), default=0)
        states: StateMatrix = np.full((len(sequences), width), -1, dtype=np.int16)
        problems = []
        for r, q in enumerate(sequences):
            for c, s in enumerate(q):
                if s not in index:
                    problems.append(Problem(f"sequence {r} month {c}", f"state {s!r} not in the alphabet"))
                else:
                    states[r, c] = index[s]
        if problems:
            raise ValidationError("state sequences invalid", problems)
        names = tuple(ids) if ids is not None else tuple(str(i) for i in range(len(sequences)))
        return cls(names, alpha, states)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lengths(self) -> IntArray:
        """Observed months per sequence."""
        out: IntArray = (self.states >= 0).sum(axis=1).astype(np.int64)
        return out

    def observed_for(self, months: int) -> StateSequences:
        """The sequences observed for at least ``months`` months, cut to that length.

        Examples:
            >>> StateSequences.from_lists([["a", "b", "b"], ["a"]]).observed_for(2).states.tolist()
            [[0, 1]]
        """
        keep = self.lengths >= months
        return StateSequences(tuple(np.asarray(self.ids, dtype=object)[keep]), self.alphabet,
                              self.states[keep, :months])

    def columns(self) -> tuple[str, ...]:
        """``id``, then ``m0``, ``m1``, … (months since the origin).

        Examples:
            >>> StateSequences.from_lists([["a", "b"]]).columns()
            ('id', 'm0', 'm1')
        """
        return ("id", *(f"m{k}" for k in range(self.states.shape[1] if self.states.ndim == 2 else 0)))

    def rows(self) -> list[dict[str, Any]]:
        """One row per sequence: its id and each month's state name (None: not observed).

        Examples:
            >>> StateSequences.from_lists([["a", "b"], ["b"]], ids=["p1", "p2"]).rows()[1]
            {'id': 'p2', 'm0': 'b', 'm1': None}
        """
        names = (*self.alphabet, None)  # code -1 picks the last entry: not observed
        months = self.columns()[1:]
        return [{"id": pid, **{m: names[c] for m, c in zip(months, row, strict=True)}}
                for pid, row in zip(self.ids, self.states.tolist(), strict=True)]

    def to_lists(self) -> list[list[str]]:
        """The sequences as lists of state names (unobserved months left out).

        Examples:
            >>> StateSequences.from_lists([["a", "b"]]).to_lists()
            [['a', 'b']]
        """
        return [[self.alphabet[c] for c in row if c >= 0] for row in self.states.tolist()]


# -- transition rates and time in state ------------------------------------------------------


@attrs.frozen(eq=False)
class TransitionRates(Table):
    """Transition rate matrix ``rates[i, j] = p(state j next month | state i)``.

    Examples:
        >>> tr = transition_rates(StateSequences.from_lists([["a", "a", "b"]]))
        >>> tr.rates.tolist(), tr.counts.tolist()
        ([[0.5, 0.5], [0.0, 0.0]], [[1, 1], [0, 0]])
    """

    alphabet: tuple[str, ...]
    counts: IntArray
    rates: FloatArray

    _title = "Transition rates"

    def columns(self) -> tuple[str, ...]:
        """The column names (long format)."""
        return ("from_state", "to_state", "transitions", "rate")

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair of states."""
        return [{"from_state": a, "to_state": b, "transitions": int(self.counts[i, j]),
                 "rate": float(self.rates[i, j])}
                for i, a in enumerate(self.alphabet) for j, b in enumerate(self.alphabet)]


def transition_rates(sequences: StateSequences) -> TransitionRates:
    """Transition rates between states from month to month (TraMineR ``seqtrate``).

    Args:
        sequences: the state sequences.

    Returns:
        Counts and rates; a row of a state never followed by an observed month is 0.

    Examples:
        >>> s = StateSequences.from_lists([["a", "b", "b"], ["a", "a", "b"]])
        >>> transition_rates(s).rates.tolist()
        [[0.3333333333333333, 0.6666666666666666], [0.0, 1.0]]
    """
    k = len(sequences.alphabet)
    a, b = sequences.states[:, :-1].astype(np.int64), sequences.states[:, 1:].astype(np.int64)
    ok = (a >= 0) & (b >= 0)
    counts = np.bincount(a[ok] * k + b[ok], minlength=k * k).reshape(k, k)
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rates = np.where(totals > 0, counts / totals, 0.0)
    return TransitionRates(sequences.alphabet, counts, rates)


@attrs.frozen(eq=False)
class StateTimes(Table):
    """Mean months per sequence in each state (TraMineR ``seqmeant``).

    Examples:
        >>> mean_time_in_state(StateSequences.from_lists([["a", "b"], ["a", "a"]])).mean.tolist()
        [1.5, 0.5]
    """

    alphabet: tuple[str, ...]
    mean: FloatArray
    n: int

    _title = "Mean time in state"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("state", "mean_months")

    def rows(self) -> list[dict[str, Any]]:
        """One row per state."""
        return [{"state": s, "mean_months": float(m)} for s, m in zip(self.alphabet, self.mean, strict=True)]


def _state_counts(sequences: StateSequences) -> IntArray:
    k = len(sequences.alphabet)
    rows = np.repeat(np.arange(len(sequences)), sequences.states.shape[1]).reshape(sequences.states.shape)
    ok = sequences.states >= 0
    flat = rows[ok].astype(np.int64) * k + sequences.states[ok]
    return np.bincount(flat, minlength=len(sequences) * k).reshape(len(sequences), k)


def mean_time_in_state(sequences: StateSequences) -> StateTimes:
    """Mean number of months per sequence spent in each state.

    Args:
        sequences: the state sequences.

    Returns:
        The means over all sequences (0 for an empty set).

    Examples:
        >>> mean_time_in_state(StateSequences.from_lists([["a", "a", "b"]])).rows()
        [{'state': 'a', 'mean_months': 2.0}, {'state': 'b', 'mean_months': 1.0}]
    """
    counts = _state_counts(sequences)
    mean = counts.mean(axis=0) if len(sequences) else np.zeros(len(sequences.alphabet))
    return StateTimes(sequences.alphabet, mean.astype(np.float64), len(sequences))


# -- per-sequence measures -----------------------------------------------------------------


@attrs.frozen(eq=False)
class SequenceMeasures(Table):
    """Per-sequence measures: length, transitions, entropy, turbulence, complexity.

    Examples:
        >>> m = sequence_measures(StateSequences.from_lists([["a", "a", "b", "b"]]))
        >>> int(m.transitions[0]), float(m.entropy[0]), float(m.complexity[0])
        (1, 1.0, 0.5773502691896257)
    """

    ids: tuple[str, ...]
    length: IntArray
    transitions: IntArray
    entropy: FloatArray
    turbulence: FloatArray
    complexity: FloatArray

    _title = "Sequence measures"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("id", "length", "transitions", "entropy", "turbulence", "complexity")

    def rows(self) -> list[dict[str, Any]]:
        """One row per sequence."""
        return [{"id": i, "length": int(n), "transitions": int(q), "entropy": float(h),
                 "turbulence": float(t), "complexity": float(c)}
                for i, n, q, h, t, c in zip(self.ids, self.length, self.transitions, self.entropy,
                                            self.turbulence, self.complexity, strict=True)]

    def summary(self) -> dict[str, float]:
        """Means of each measure over the sequences (NaN-free; 0 for none).

        Examples:
            >>> sequence_measures(StateSequences.from_lists([["a"], ["a", "b"]])).summary()["transitions"]
            0.5
        """
        if not len(self.ids):
            return {"length": 0.0, "transitions": 0.0, "entropy": 0.0, "turbulence": 0.0, "complexity": 0.0}
        return {"length": float(self.length.mean()), "transitions": float(self.transitions.mean()),
                "entropy": float(self.entropy.mean()), "turbulence": float(self.turbulence.mean()),
                "complexity": float(self.complexity.mean())}


def _spells(states: StateMatrix) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Spells of all rows: row, rank within the row, state and duration of each spell."""
    n, width = states.shape
    valid = states >= 0
    start = valid.copy()
    if width > 1:
        start[:, 1:] &= states[:, 1:] != states[:, :-1]
    rows, cols = np.nonzero(start)
    spell_state = states[rows, cols].astype(np.int64)
    lengths = valid.sum(axis=1)
    # a spell ends where the next spell of the row starts, or at the row's length
    nxt = np.empty(len(cols), dtype=np.int64)
    if len(cols):
        nxt[:-1] = np.where(rows[1:] == rows[:-1], cols[1:], lengths[rows[:-1]])
        nxt[-1] = lengths[rows[-1]]
    duration = nxt - cols
    first = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))[:-1])) if n else np.zeros(0, int)
    rank = np.arange(len(rows)) - first[rows]
    return rows.astype(np.int64), rank.astype(np.int64), spell_state, duration


def _distinct_subsequences(
    rows: IntArray, rank: IntArray, spell_state: IntArray, n: int, k: int
) -> FloatArray:
    """φ per row: distinct subsequences (the empty one included) of each row's spell states."""
    width = int(rank.max()) + 1 if len(rank) else 0
    dss = np.full((n, width), -1, dtype=np.int64)
    dss[rows, rank] = spell_state
    count = np.ones(n)  # N(0) = 1: the empty subsequence
    before_last = np.zeros((n, k))  # N(position before the last occurrence of each state)
    seen = np.zeros((n, k), dtype=bool)
    idx = np.arange(n)
    for c in range(width):
        s = dss[:, c]
        live = s >= 0
        sc = np.where(live, s, 0)
        repeat = np.where(seen[idx, sc], before_last[idx, sc], 0.0)
        new = 2 * count - repeat
        before_last[idx[live], sc[live]] = count[live]
        seen[idx[live], sc[live]] = True
        count = np.where(live, new, count)
    return count


def sequence_measures(sequences: StateSequences) -> SequenceMeasures:
    """Transitions, normalised longitudinal entropy, turbulence and complexity per sequence.

    Args:
        sequences: the state sequences.

    Returns:
        One value of each measure per sequence (definitions in the module docstring).

    Examples:
        >>> m = sequence_measures(StateSequences.from_lists([["a", "b", "a"], ["a", "a", "a"]]))
        >>> m.transitions.tolist(), [round(t, 4) for t in m.turbulence.tolist()]
        ([2, 0], [2.8074, 1.0])
    """
    n, k = len(sequences), len(sequences.alphabet)
    length = sequences.lengths
    rows, rank, spell_state, duration = _spells(sequences.states)
    n_spells = np.bincount(rows, minlength=n)
    transitions = np.maximum(n_spells - 1, 0)
    counts = _state_counts(sequences).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / length[:, None]
        h = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=1)
        entropy = h / np.log(k) if k > 1 else np.zeros(n)
    entropy = np.where(length > 0, entropy, 0.0)
    phi = _distinct_subsequences(rows, rank, spell_state, n, k)
    sums = np.bincount(rows, weights=duration, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_dur = np.where(n_spells > 0, sums / n_spells, 0.0)
        sq = np.bincount(rows, weights=(duration - mean_dur[rows]) ** 2, minlength=n)
        var = np.where(n_spells > 0, sq / n_spells, 0.0)
        s2max = (n_spells - 1) * (1 - mean_dur) ** 2
        turbulence = np.where(n_spells > 0, np.log2(phi * (s2max + 1) / (var + 1)), 0.0)
        complexity = np.where(length > 1, np.sqrt(transitions / (length - 1) * entropy), 0.0)
    return SequenceMeasures(sequences.ids, length, transitions.astype(np.int64), entropy.astype(np.float64),
                            turbulence.astype(np.float64), complexity.astype(np.float64))


# -- distances -------------------------------------------------------------------------------


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


def _indel_counts(states: StateMatrix, lengths: IntArray, k: int, chunk: int) -> npt.NDArray[np.int32]:
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
    out = np.zeros((n, n), dtype=np.int32)
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
    # integer costs (e.g. constant 1 and indel 1) run in small integers: exact and
    # several times less memory traffic than float64
    dtype: Any = np.float64
    if np.all(sm == np.round(sm)) and float(indel).is_integer() and sm.min() >= 0:
        bound = 2 * (width + 1) * max(float(sm.max()), float(indel))
        dtype = np.int16 if bound < np.iinfo(np.int16).max else np.int32 if bound < 2**31 - 1 else np.float64
    cost = sm.astype(dtype)
    step = np.asarray(indel).astype(dtype)
    ramp = (np.arange(width + 1) * indel).astype(dtype)[:, None, None]
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
    return values


def optimal_matching_distances(sequences: StateSequences, *, indel: float = 1.0,
                               substitution: str | Any = "constant", constant: float = 2.0,
                               chunk: int = 16384) -> DistanceMatrix:
    """Optimal-matching distances (TraMineR ``seqdist(method="OM")``).

    Each distinct sequence is compared once (TraMineR and sequenzo do the same). When
    no substitution is cheaper than two indels — the defaults, constant 2 and indel 1 —
    the cheapest edit never substitutes, so the distance is
    ``indel · (ℓa + ℓb − 2·LCS)`` with the longest common subsequence computed
    bit-parallel for a block of pairs at once (as sequenzo does). Otherwise the
    textbook dynamic programme runs vectorised over a block of pairs, in small integers
    when the costs are integers. Distances are exact for integer costs and equal the
    textbook recursion's float sums otherwise (up to rounding on the LCS path with a
    non-integer indel). The cost matrix is taken as symmetric: the distance of a pair
    is computed once, with the earlier sequence first.

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
        values = (counts[np.ix_(index, index)] if len(first) < len(index) else counts).astype(np.float64)
        if indel != 1:
            values *= indel
    else:
        values = _om_dynamic_programme(states, lengths, sm, indel, chunk)
        if len(first) < len(index):
            values = values[np.ix_(index, index)]
    return DistanceMatrix(sequences.ids, values, "om")
