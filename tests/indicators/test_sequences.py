"""Sequence measures and distances as defined by TraMineR, hand-computed."""

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.indicators._distances import (
    _popcount,
    hamming_distances,
    optimal_matching_distances,
    substitution_costs,
)
from langzeit.indicators._sequences import (
    StateSequences,
    mean_time_in_state,
    sequence_measures,
    transition_rates,
)


def _om_exact(x: list[int], y: list[int], sm: np.ndarray, indel: float) -> float:
    """The textbook recursion in exact rationals, rounded once at the end."""
    cost = [[Fraction(float(c)) for c in row] for row in sm]
    step = Fraction(float(indel))
    prev = [step * j for j in range(len(y) + 1)]
    for i in range(1, len(x) + 1):
        cur = [step * i]
        for j in range(1, len(y) + 1):
            cur.append(min(prev[j] + step, cur[j - 1] + step, prev[j - 1] + cost[x[i - 1]][y[j - 1]]))
        prev = cur
    return float(prev[-1])


def _om_expected(x: list[int], y: list[int], sm: np.ndarray, indel: float) -> float:
    """What the fast paths promise, to the last bit.

    No substitution below two indels: the exact distance rounded once (``indel × count``, as
    sequenzo); otherwise the textbook recursion's float sums.
    """
    off = sm[~np.eye(len(sm), dtype=bool)]
    if np.all(off >= 2 * indel):
        return _om_exact(x, y, sm, indel)
    return _om_reference(x, y, sm, indel)


def _om_reference(x: list[int], y: list[int], sm: np.ndarray, indel: float) -> float:
    d = np.zeros((len(x) + 1, len(y) + 1))
    d[:, 0] = np.arange(len(x) + 1) * indel
    d[0, :] = np.arange(len(y) + 1) * indel
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            d[i, j] = min(d[i - 1, j] + indel, d[i, j - 1] + indel, d[i - 1, j - 1] + sm[x[i - 1], y[j - 1]])
    return float(d[-1, -1])


def test_transition_rates_hand_case() -> None:
    """p(b|a) counts a→b over all a followed by an observed month."""
    s = StateSequences.from_lists([["a", "a", "b", "b"], ["a", "b"], ["b", "a"]])
    tr = transition_rates(s)
    # from a: a→a 1, a→b 2 ; from b: b→b 1, b→a 1
    assert tr.counts.tolist() == [[1, 2], [1, 1]]
    assert np.allclose(tr.rates, [[1 / 3, 2 / 3], [0.5, 0.5]])


def test_mean_time_in_state_counts_observed_months_only() -> None:
    """Trailing unobserved months count for no state."""
    s = StateSequences.from_lists([["a", "a", "b"], ["b"]])
    assert mean_time_in_state(s).mean.tolist() == [1.0, 1.0]


def test_entropy_is_normalised_by_alphabet_size() -> None:
    """Two of three states equally often: entropy log 2 / log 3."""
    s = StateSequences.from_lists([["a", "a", "b", "b"]], alphabet=["a", "b", "c"])
    assert sequence_measures(s).entropy[0] == pytest.approx(math.log(2) / math.log(3))


def test_turbulence_hand_case() -> None:
    """Sequence a a b: DSS a b with φ = 4, durations 2 and 1 (variance 0.25, mean 1.5)."""
    s = StateSequences.from_lists([["a", "a", "b"]])
    s2max = (2 - 1) * (1 - 1.5) ** 2
    expected = math.log2(4 * (s2max + 1) / (0.25 + 1))
    assert sequence_measures(s).turbulence[0] == pytest.approx(expected)


def test_turbulence_counts_repeated_states_once_in_subsequences() -> None:
    """Sequence a b a b: 12 distinct subsequences (empty included); durations all 1, so T = log2 12."""
    s = StateSequences.from_lists([["a", "b", "a", "b"]])
    # "", a, b, aa, ab, ba, bb, aab, aba, abb, bab, abab
    assert sequence_measures(s).turbulence[0] == pytest.approx(math.log2(12))


def test_complexity_index_hand_case() -> None:
    """Sequence a a b c: q = 2 of 3 possible, entropy of (2, 1, 1)/4 over log 3."""
    s = StateSequences.from_lists([["a", "a", "b", "c"]])
    h = -(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)) / math.log(3)
    m = sequence_measures(s)
    assert m.transitions[0] == 2
    assert m.complexity[0] == pytest.approx(math.sqrt(2 / 3 * h))


def test_single_month_sequence_has_zero_complexity() -> None:
    """A one-month sequence has no transitions and complexity 0; turbulence 1."""
    m = sequence_measures(StateSequences.from_lists([["a"], ["a", "b"]]))
    assert m.complexity[0] == 0.0
    assert m.turbulence[0] == pytest.approx(1.0)


def test_hamming_requires_equal_lengths() -> None:
    """Sequences of different observed lengths are refused by Hamming."""
    with pytest.raises(ValidationError):
        hamming_distances(StateSequences.from_lists([["a", "b"], ["a"]]))


def test_hamming_with_custom_costs() -> None:
    """A substitution matrix weights each differing position."""
    s = StateSequences.from_lists([["a", "b", "c"], ["c", "b", "a"]])
    sm = np.array([[0, 1, 5], [1, 0, 1], [5, 1, 0]])
    assert hamming_distances(s, substitution=sm).values[0, 1] == 10.0


def test_om_hand_case_prefers_indels_over_expensive_substitution() -> None:
    """OM of abc vs bca: delete a, insert a at the end (2) beats three substitutions (6)."""
    s = StateSequences.from_lists([["a", "b", "c"], ["b", "c", "a"]])
    assert optimal_matching_distances(s).values[0, 1] == 2.0


def test_om_with_cheap_substitution_equals_hamming() -> None:
    """When substituting costs less than two indels, OM of equal lengths can equal Hamming."""
    s = StateSequences.from_lists([["a", "b", "c"], ["b", "b", "a"]])
    assert optimal_matching_distances(s, constant=1.0).values[0, 1] == 2.0


def test_trate_substitution_costs() -> None:
    """TRATE costs are 2 − p(i|j) − p(j|i)."""
    s = StateSequences.from_lists([["a", "b", "a", "a"]])
    # p(b|a) = 1/2, p(a|b) = 1
    assert substitution_costs(s, method="trate").tolist() == [[0.0, 0.5], [0.5, 0.0]]


def test_gap_inside_a_sequence_is_refused() -> None:
    """Only trailing months may be unobserved."""
    with pytest.raises(ValidationError):
        StateSequences(("x",), ("a",), np.array([[0, -1, 0]]))


def test_observed_for_cuts_and_filters() -> None:
    """observed_for keeps sequences long enough and cuts them."""
    s = StateSequences.from_lists([["a", "b", "a"], ["b"]], ids=["p1", "p2"]).observed_for(2)
    assert s.ids == ("p1",)
    assert s.to_lists() == [["a", "b"]]


@given(st.lists(st.lists(st.integers(0, 2), min_size=0, max_size=6), min_size=2, max_size=6),
       st.floats(0.5, 2.0))
def test_om_matches_the_textbook_dynamic_programme(seqs: list[list[int]], indel: float) -> None:
    """Float costs, lengths differing: the DP's float sums, or the exact distance rounded once."""
    names = ["a", "b", "c"]
    s = StateSequences.from_lists([[names[c] for c in q] for q in seqs], alphabet=names)
    sm = substitution_costs(s, method="constant", constant=1.5)
    got = optimal_matching_distances(s, indel=indel, substitution=sm, chunk=3).values
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            assert got[i, j] == _om_expected(seqs[i], seqs[j], sm, indel)


@given(st.lists(st.lists(st.integers(0, 3), min_size=1, max_size=8), min_size=1, max_size=8))
def test_measures_stay_in_range(seqs: list[list[int]]) -> None:
    """Entropy and complexity lie in [0, 1]; turbulence is at least 1; transitions < length."""
    names = ["a", "b", "c", "d"]
    m = sequence_measures(StateSequences.from_lists([[names[c] for c in q] for q in seqs], alphabet=names))
    assert np.all((m.entropy >= -1e-12) & (m.entropy <= 1 + 1e-12))
    assert np.all((m.complexity >= 0) & (m.complexity <= 1 + 1e-12))
    assert np.all(m.turbulence >= 1 - 1e-12)
    assert np.all(m.transitions < m.length)


@given(st.lists(st.lists(st.integers(0, 2), min_size=0, max_size=6), min_size=2, max_size=6),
       st.integers(1, 3), st.integers(0, 5))
def test_om_integer_costs_match_the_textbook_dynamic_programme(seqs: list[list[int]], indel: int,
                                                                constant: int) -> None:
    """The small-integer path (integer costs) gives the same distances as the textbook DP."""
    names = ["a", "b", "c"]
    s = StateSequences.from_lists([[names[c] for c in q] for q in seqs], alphabet=names)
    sm = substitution_costs(s, method="constant", constant=constant)
    got = optimal_matching_distances(s, indel=indel, substitution=sm, chunk=4).values
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            assert got[i, j] == _om_reference(seqs[i], seqs[j], sm, indel)


# -- optimal matching: the fast paths against the textbook DP and against sequenzo ---------------

_GOLDEN = Path(__file__).parent / "data" / "om_sequenzo.json"


def _spells(draw_spells: list[tuple[int, int]]) -> list[int]:
    return [state for state, months in draw_spells for _ in range(months)]


_spell_lists = st.lists(st.tuples(st.integers(0, 2), st.integers(1, 40)), max_size=5)
_long_sequences = st.lists(_spell_lists.map(_spells), min_size=2, max_size=5)


def _from_codes(seqs: list[list[int]]) -> StateSequences:
    names = ["a", "b", "c"]
    return StateSequences.from_lists([[names[c] for c in q] for q in seqs], alphabet=names)


@settings(max_examples=30)
@given(_long_sequences, st.integers(1, 3), st.integers(0, 7))
def test_om_long_sequences_match_the_textbook_dynamic_programme(seqs: list[list[int]], indel: int,
                                                                constant: int) -> None:
    """Up to 200 months (several 64-bit words, carries between them), duplicates, empty rows: exact."""
    seqs = seqs + seqs[:1]  # a duplicate
    s = _from_codes(seqs)
    sm = substitution_costs(s, method="constant", constant=constant)
    got = optimal_matching_distances(s, indel=indel, substitution=sm, chunk=2).values
    for i in range(len(seqs)):
        for j in range(i + 1, len(seqs)):
            assert got[i, j] == got[j, i] == _om_reference(seqs[i], seqs[j], sm, indel)


@given(st.lists(st.lists(st.integers(0, 2), max_size=7), min_size=2, max_size=7),
       st.lists(st.integers(0, 6), min_size=3, max_size=3), st.integers(1, 3), st.integers(1, 64))
def test_om_any_cost_matrix_matches_the_textbook_dynamic_programme(seqs: list[list[int]], costs: list[int],
                                                                   indel: int, chunk: int) -> None:
    """Symmetric integer costs, some cheaper and some dearer than two indels, any block size."""
    sm = np.zeros((3, 3))
    sm[0, 1], sm[0, 2], sm[1, 2] = costs
    sm = sm + sm.T
    got = optimal_matching_distances(_from_codes(seqs), indel=indel, substitution=sm, chunk=chunk).values
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            if i != j:
                assert got[i, j] == _om_reference(seqs[i], seqs[j], sm, indel)


_costs = st.floats(0.01, 4.0, allow_nan=False, allow_infinity=False)


@settings(max_examples=60)
@given(st.lists(st.lists(st.integers(0, 2), max_size=9), min_size=2, max_size=6),
       st.lists(_costs, min_size=3, max_size=3), _costs, st.booleans(), st.integers(1, 40))
def test_om_float_cost_matrices_match_the_textbook_dynamic_programme(
        seqs: list[list[int]], costs: list[float], indel: float, dear: bool, chunk: int) -> None:
    """Any symmetric float costs and float indel (0.3, TRATE-like, dyadic), to the last bit.

    ``dear`` lifts every substitution to at least two indels (the longest-common-subsequence
    path: the exact distance rounded once); otherwise the DP's float sums in the textbook's
    order. Duplicates and empty rows included.
    """
    sm = np.zeros((3, 3))
    sm[0, 1], sm[0, 2], sm[1, 2] = (c + 2 * indel if dear else c for c in costs)
    sm = sm + sm.T
    seqs = seqs + seqs[:1]
    got = optimal_matching_distances(_from_codes(seqs), indel=indel, substitution=sm, chunk=chunk).values
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            if i != j:
                assert got[i, j] == _om_expected(seqs[i], seqs[j], sm, indel)


def test_om_inexact_indel_is_the_exact_distance_rounded_once() -> None:
    """Indel 0.3, substitution 2: six indels are 6 × 0.3 = 1.7999999999999998 (as sequenzo).

    Not the textbook's float sum 1.8; with substitution 0.5 (cheaper than two indels) the DP
    runs: a, c→b and four indels, 1.7.
    """
    s = StateSequences.from_lists([list("ac"), list("abbbab")])
    assert _om_reference([0, 2], [0, 1, 1, 1, 0, 1], substitution_costs(s), 0.3) == 1.8
    assert optimal_matching_distances(s, indel=0.3).values[0, 1] == 6 * 0.3 == 1.7999999999999998
    sm = substitution_costs(s, constant=0.5)
    assert optimal_matching_distances(s, indel=0.3, substitution=sm).values[0, 1] == 1.7


def test_om_dyadic_costs_hand_case() -> None:
    """Indel 0.5, constant 0.75 (integers scaled by 4): ab–ba two indels 1.0, ab–bb one substitution."""
    s = StateSequences.from_lists([list("ab"), list("ba"), list("bb")])
    d = optimal_matching_distances(s, indel=0.5, constant=0.75).values
    assert d[0, 1] == 1.0
    assert d[0, 2] == 0.75
    assert d[1, 2] == 0.75


def test_om_without_substitutions_counts_the_longest_common_subsequence() -> None:
    """Constant 2, indel 1: 130 a's vs 100 a's is 30 deletions; abab vs baba ties (LCS 3) at 2."""
    s = StateSequences.from_lists([["a"] * 130, ["a"] * 100, list("abab"), list("baba"), []])
    d = optimal_matching_distances(s).values
    assert d[0, 1] == 30.0
    assert d[2, 3] == 2.0
    assert d[0, 4] == 130.0
    assert d[3, 4] == 4.0


def test_om_identical_sequences_have_identical_rows() -> None:
    """Each distinct sequence is compared once; duplicates get the same row and distance 0."""
    s = StateSequences.from_lists([list("abc"), list("cab"), list("abc"), list("cab"), list("b")])
    d = optimal_matching_distances(s, constant=1.0).values
    assert d[0, 2] == d[1, 3] == 0.0
    assert d[0].tolist() == d[2].tolist()
    assert d[1].tolist() == d[3].tolist()
    assert d.tolist() == d.T.tolist()


def test_om_refuses_a_non_positive_chunk() -> None:
    """The block size must be positive."""
    with pytest.raises(ValidationError):
        optimal_matching_distances(StateSequences.from_lists([["a"], ["b"]]), chunk=0)


@pytest.mark.parametrize("case", ["CONSTANT", "TRATE", "ONES"])
def test_om_equals_sequenzo_exactly(case: str) -> None:
    """36 random sequences × 70 months (6 duplicates): sequenzo 0.1.42's distances, exactly.

    Generated once by ``benchmarks/sequences.py --golden`` (constant 2, TRATE, constant 1;
    indel 1); sequenzo is too heavy a dependency for the test environment.
    """
    golden = json.loads(_GOLDEN.read_text(encoding="utf-8"))
    s = StateSequences([str(i) for i in range(len(golden["states"]))], golden["alphabet"], golden["states"])
    sm = golden["cases"][case]["sm"]
    substitution = sm.lower() if isinstance(sm, str) else np.asarray(sm)
    got = optimal_matching_distances(s, indel=1, substitution=substitution).values
    assert got.tolist() == golden["cases"][case]["distances"]


def test_popcount_without_numpy_bitwise_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The byte-table popcount (numpy < 2.0) counts the same bits as ``bin``."""
    words = np.array([0, 1, 2**63, 2**64 - 1, 0x0F0F_0000_0000_0001], dtype=np.uint64)
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert _popcount(words).tolist() == [bin(int(w)).count("1") for w in words]
