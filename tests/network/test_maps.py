"""Network maps: the ego network by radius, institutional vs personal."""

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.network import NodeKind, TieKind, example_space, network_map, synthetic_space


def test_radius_two_reaches_the_coaches_contacts() -> None:
    """Anna's map at radius 2 holds her coaches' contacts but no other participant."""
    m = network_map(example_space(), "p-anna", radius=2)
    ids = {n.id for n in m.nodes}
    assert {"tk-preetz", "sb-ploen", "kita-luetjenburg", "drv-nord"} <= ids
    assert not any(n.kind is NodeKind.PARTICIPANT for n in m.nodes[1:])
    assert m.count(kind="organisation") == 5  # sv-ploen, tk-preetz, sb-ploen, kita, drv-nord
    assert m.nodes[0].sphere == "ego"
    assert m.size == len(m.nodes) - 1


def test_spheres_say_over_which_ties_a_node_is_reached() -> None:
    """Personal-only, institutional-only and mixed paths are told apart."""
    m = network_map(example_space(), "p-anna", radius=2)
    sphere = {n.id: n.sphere for n in m.nodes}
    assert sphere["n-schwester"] == "personal"
    assert sphere["c-lena"] == "institutional"
    assert sphere["tk-preetz"] == "mixed"  # institutional tie to c-lena, then her personal contact
    assert sphere["drv-nord"] == "institutional"


def test_other_participants_can_be_included() -> None:
    """With include_other_participants the map passes through them (Lena's other cases)."""
    m = network_map(example_space(), "p-anna", radius=2, include_other_participants=True)
    assert {"p-carla", "p-emil"} <= {n.id for n in m.nodes}


def test_only_personal_ties() -> None:
    """Following personal ties only gives the personal social space."""
    m = network_map(example_space(), "p-anna", radius=3, kinds=["personal"])
    assert [n.id for n in m.nodes] == ["p-anna", "n-schwester", "sv-ploen"]
    assert all(t.kind is TieKind.PERSONAL for t in m.ties)


def test_ties_among_map_nodes_are_kept() -> None:
    """The map's ties are exactly those among its nodes."""
    m = network_map(example_space(), "p-anna", radius=2)
    ids = {t.id for t in m.ties}
    assert "t-lena-tk" in ids
    assert "t-jc-drv" not in ids  # jc-ploen is three ties away
    g = m.to_graph()
    assert (g.number_of_nodes(), g.number_of_edges()) == (len(m.nodes), len(m.ties))


def test_bad_arguments_are_reported_together() -> None:
    """Radius below 1 and no tie kind are both reported."""
    with pytest.raises(ValidationError) as info:
        network_map(example_space(), "p-anna", radius=0, kinds=[])
    assert len(info.value.problems) == 2
    with pytest.raises(LookupError):
        network_map(example_space(), "c-lena")


def test_areas_show_how_far_the_space_reaches() -> None:
    """A rural participant's map reaches more areas at radius 2 than at radius 1."""
    space = example_space()
    assert network_map(space, "p-anna", radius=1).areas == ("Plön",)
    assert network_map(space, "p-anna", radius=2).areas == ("Lütjenburg", "Plön", "Preetz")


_SPACE = synthetic_space("city", actors=120, participants=60, seed=7)
_PROFESSIONAL = nx.Graph(_SPACE.graph)
_PROFESSIONAL.remove_nodes_from(list(_SPACE.participants))


@given(st.integers(0, 59), st.integers(1, 3))
def test_distances_equal_shortest_paths_without_other_participants(pick: int, radius: int) -> None:
    """Oracle: networkx shortest path lengths on the graph without the other participants."""
    pid = sorted(_SPACE.participants)[pick]
    m = network_map(_SPACE, pid, radius=radius)
    g = _PROFESSIONAL.copy()
    g.add_edges_from((pid, v) for v in _SPACE.graph[pid] if v not in _SPACE.participants)
    expected = nx.single_source_shortest_path_length(g, pid, cutoff=radius)
    assert {n.id: n.distance for n in m.nodes} == expected
