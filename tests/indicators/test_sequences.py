"""Sequence measures and distances as defined by TraMineR, hand-computed."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.indicators._sequences import (
    StateSequences,
    hamming_distances,
    mean_time_in_state,
    optimal_matching_distances,
    sequence_measures,
    substitution_costs,
    transition_rates,
)


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
    """The vectorised DP equals the textbook DP on every pair, lengths differing."""
    names = ["a", "b", "c"]
    s = StateSequences.from_lists([[names[c] for c in q] for q in seqs], alphabet=names)
    sm = substitution_costs(s, method="constant", constant=1.5)
    got = optimal_matching_distances(s, indel=indel, substitution=sm, chunk=3).values
    for i in range(len(seqs)):
        for j in range(len(seqs)):
            assert got[i, j] == pytest.approx(_om_reference(seqs[i], seqs[j], sm, indel))


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
