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
* the distances (Hamming, optimal matching) are in :mod:`._distances`.

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
    "SequenceMeasures",
    "StateSequences",
    "StateTimes",
    "TransitionRates",
    "mean_time_in_state",
    "sequence_measures",
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
