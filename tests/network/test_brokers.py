"""Brokers (betweenness) and ties that bridge Rechtskreise."""

import networkx as nx
import pytest

from langzeit.exceptions import ValidationError
from langzeit.network import (
    Tie,
    brokers,
    example_space,
    professional_graph,
    rechtskreis_bridges,
    synthetic_space,
)


def test_exact_betweenness_equals_networkx_on_the_professional_graph() -> None:
    """Oracle: the scores are networkx's normalised betweenness of the professional graph."""
    space = example_space("leipzig")
    expected = nx.betweenness_centrality(professional_graph(space), normalized=True)
    got = brokers(space, top=100)
    assert got.exact
    assert {b.node_id: b.betweenness for b in got.brokers} == pytest.approx(expected)
    assert [b.node_id for b in got.brokers[:2]] == ["sanus", "jc-leipzig"]


def test_professional_graph_leaves_out_participants_and_private_contacts() -> None:
    """Participants and persons are not in the professional graph; employment is."""
    g = professional_graph(example_space())
    assert not any(n.startswith(("p-", "n-")) for n in g)
    assert g.edges["c-mira", "jc-ploen"]["employment"]


def test_sampled_betweenness_is_reproducible_with_a_seed() -> None:
    """The same k and seed give the same estimate; the result records k and seed."""
    space = synthetic_space("city", actors=200, participants=100, seed=2)
    a = brokers(space, k=20, seed=5)
    b = brokers(space, k=20, seed=5)
    assert a == b
    assert not a.exact
    assert (a.k, a.seed) == (20, 5)


def test_k_above_the_node_count_is_exact() -> None:
    """Asking for more samples than nodes computes exactly."""
    space = example_space()
    assert brokers(space, k=10_000, seed=1).brokers == brokers(space).brokers


def test_bad_arguments_are_reported() -> None:
    """Top and k below 1 are refused together."""
    with pytest.raises(ValidationError) as info:
        brokers(example_space(), top=0, k=0)
    assert len(info.value.problems) == 2


def test_bridges_between_rechtskreise() -> None:
    """Ties between actors of different (known) Rechtskreise; a coach counts with their employer's."""
    rows = {b.tie_id: b for b in rechtskreis_bridges(example_space()).bridges}
    assert set(rows) == {"t-bruecke-dak", "t-jc-drv", "t-lena-kita", "t-lena-tk", "t-mira-drv", "t-jonas-tk"}
    assert (rows["t-lena-kita"].source_domain, rows["t-lena-kita"].target_domain) == ("SGB II", "SGB VIII")
    assert rows["t-lena-kita"].is_bridge  # the Kita hangs on Lena's contact alone
    assert not rows["t-jc-drv"].is_bridge  # DRV also reached via Mira


def test_a_doubled_tie_is_not_a_bridge() -> None:
    """Two ties between the same pair keep the network together when one goes."""
    space = example_space()
    space.add(Tie("t-lena-kita-2", "c-lena", "kita-luetjenburg"))
    rows = {b.tie_id: b for b in rechtskreis_bridges(space).bridges}
    assert not rows["t-lena-kita"].is_bridge
    assert not rows["t-lena-kita-2"].is_bridge


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_betweenness_and_bridges_equal_networkx_on_synthetic_spaces(seed: int) -> None:
    """Oracle: numpy Brandes equals networkx betweenness; Tarjan bridges equal networkx.bridges."""
    from langzeit.network._brokers import _bridges, _csr

    space = synthetic_space("rural", actors=150, participants=60, seed=seed)
    g = professional_graph(space)
    expected = nx.betweenness_centrality(g, normalized=True)
    got = {b.node_id: b.betweenness for b in brokers(space, top=10_000).brokers}
    assert got == pytest.approx(expected, abs=1e-12)
    nodes, indptr, indices = _csr(g)
    assert {(nodes[a], nodes[b]) for a, b in _bridges(indptr, indices)} == {
        tuple(sorted(e)) for e in nx.bridges(g)}
