"""Sequence plots: index plot, state distribution and flows (alluvial) of monthly state sequences."""

from collections.abc import Iterator

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.patches import Rectangle

from langzeit.exceptions import ValidationError
from langzeit.indicators import StateSequences
from langzeit.report import plot_phase_flows, plot_sequence_index, plot_state_distribution


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture
def seqs() -> StateSequences:
    """Three pathways over three months; the last is observed for two months only."""
    return StateSequences.from_lists([["w", "a", "x"], ["w", "a", "a"], ["w", "w"]])


def test_index_plot_shows_sorted_states_and_blanks_unobserved(seqs: StateSequences) -> None:
    """One image row per sequence, sorted from the first month on; unobserved months masked."""
    _, ax = plot_sequence_index(seqs)
    image = ax.images[0].get_array()
    # alphabet (a, w, x): rows w a x → [1, 0, 2], w a a → [1, 0, 0], w w - → [1, 1, -]
    assert image.tolist() == [[1, 0, 0], [1, 0, 2], [1, 1, None]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "w", "x"]


def test_index_plot_keeps_order_without_sort(seqs: StateSequences) -> None:
    """``sort=False`` keeps the sequences' own order."""
    _, ax = plot_sequence_index(seqs, sort=False)
    assert ax.images[0].get_array().tolist() == [[1, 0, 2], [1, 0, 0], [1, 1, None]]


def test_index_plot_is_cut_to_observed_months() -> None:
    """Months after every sequence's end are not drawn."""
    s = StateSequences("ab", ("s",), np.array([[0, -1, -1], [0, 0, -1]]))
    _, ax = plot_sequence_index(s)
    assert ax.images[0].get_array().shape == (2, 2)


def test_state_distribution_bars_are_the_monthly_shares(seqs: StateSequences) -> None:
    """Stacked bars per state: month 1 has a 2/3 and w 1/3; month 2 has a and x 1/2 each (2 observed)."""
    _, ax = plot_state_distribution(seqs)
    heights = {c.get_label(): [float(p.get_height()) for p in c] for c in ax.containers}
    assert heights["a"] == pytest.approx([0.0, 2 / 3, 0.5])
    assert heights["w"] == pytest.approx([1.0, 1 / 3, 0.0])
    assert heights["x"] == pytest.approx([0.0, 0.0, 0.5])
    assert ax.get_ylabel() == "share (n = 2–3)"


@settings(max_examples=20)
@given(st.lists(st.lists(st.sampled_from("abc"), min_size=1, max_size=6), min_size=1, max_size=8))
def test_state_distribution_stacks_to_one(lists: list[list[str]]) -> None:
    """In every month with an observed sequence the stacked shares add up to 1."""
    _, ax = plot_state_distribution(StateSequences.from_lists(lists))
    tops = np.zeros(max(len(q) for q in lists))
    for c in ax.containers:
        for i, p in enumerate(c):
            tops[i] = max(tops[i], p.get_y() + p.get_height())
    assert np.allclose(tops, 1.0)
    plt.close("all")


def test_flows_have_a_block_per_state_and_month_and_a_ribbon_per_move(seqs: StateSequences) -> None:
    """Blocks: w (3) | a (2), w (1) | a, x (1 each) = 5; ribbons w→a, w→w | a→x, a→a = 4."""
    _, ax = plot_phase_flows(seqs)
    blocks = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert sorted(float(b.get_height()) for b in blocks) == [1.0, 1.0, 1.0, 2.0, 3.0]
    ribbons = [c for c in ax.collections if c.get_gid() == "flow"]
    assert len(ribbons) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["month 0", "month 1", "month 2"]


def test_flow_ribbons_are_as_wide_as_the_number_moving(seqs: StateSequences) -> None:
    """Each ribbon's thickness equals the number of sequences making that move (2, 1, 1, 1)."""
    _, ax = plot_phase_flows(seqs, gap=0.0)
    widths = []
    for c in ax.collections:
        if c.get_gid() == "flow":
            v = c.get_paths()[0].vertices
            at_start = v[np.isclose(v[:, 0], v[:, 0].min()), 1]
            widths.append(round(float(at_start.max() - at_start.min()), 6))
    assert sorted(widths) == [1.0, 1.0, 1.0, 2.0]


def test_flows_default_to_every_sixth_month_of_the_observed_ones() -> None:
    """Over 36 months, of which 20 are observed, the columns are months 0, 6, 12, 18."""
    states = np.zeros((2, 36), dtype=int)
    states[:, 20:] = -1
    _, ax = plot_phase_flows(StateSequences(("a", "b"), ("s",), states))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["month 0", "month 6", "month 12", "month 18"]


def test_flows_refuse_months_outside_the_sequences(seqs: StateSequences) -> None:
    """A month beyond the sequences' length is a ValidationError."""
    with pytest.raises(ValidationError):
        plot_phase_flows(seqs, months=[0, 5])


def test_empty_sequences_give_empty_plots() -> None:
    """Without any sequence the three plots draw nothing and raise nothing."""
    empty = StateSequences((), ("a",), np.zeros((0, 12), dtype=int))
    assert not plot_sequence_index(empty)[1].images
    assert not plot_state_distribution(empty)[1].containers
    _, ax = plot_phase_flows(empty)
    assert not ax.patches
    assert not ax.collections
