"""Network layer: a participant's network map (Netzwerkkarte) — the ego network by radius."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs
import networkx as nx

from langzeit import _checks
from langzeit.exceptions import Problem, ValidationError
from langzeit.network._memo import derived
from langzeit.network._records import NodeKind, Tie, TieKind
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = ["MapNode", "NetworkMap", "network_map"]


def _to_node_kind(value: NodeKind | str) -> NodeKind:
    return _checks.to_enum(NodeKind, value)


@attrs.frozen
class MapNode:
    """A node on a network map: how far from the participant, over which kinds of ties.

    Args:
        id: the node id.
        kind: organisation, coach, person (or the participant at the centre).
        distance: number of ties from the participant.
        personal: reachable within the radius over personal ties only.
        institutional: reachable within the radius over institutional ties only.
        label: the organisation's name, the coach's role or the person's role.
        legal_domain: the Rechtskreis (organisations and coaches; "" otherwise).
        area: the person's home area ("" when unknown).

    Examples:
        >>> MapNode("sv", "organisation", 1, personal=True, institutional=False).sphere
        'personal'
    """

    id: str
    kind: NodeKind = attrs.field(converter=_to_node_kind)
    distance: int
    personal: bool
    institutional: bool
    label: str = ""
    legal_domain: str = ""
    area: str = ""

    @property
    def sphere(self) -> str:
        """``ego``, ``personal``, ``institutional``, ``both`` or ``mixed`` (only over mixed paths)."""
        if self.distance == 0:
            return "ego"
        if self.personal and self.institutional:
            return "both"
        if self.personal:
            return "personal"
        if self.institutional:
            return "institutional"
        return "mixed"


@attrs.frozen
class NetworkMap(Table):
    """A participant's network map: the nodes within a radius and the ties among them.

    Rows: one per node with ``node_id``, ``kind``, ``distance``, ``sphere``,
    ``label``, ``legal_domain`` and ``area``.

    Examples:
        >>> m = NetworkMap("p1", 1, (MapNode("p1", "participant", 0, True, True),), ())
        >>> m.columns()[:3], m.size
        (('node_id', 'kind', 'distance'), 0)
    """

    participant_id: str
    radius: int
    nodes: tuple[MapNode, ...]
    ties: tuple[Tie, ...]
    _title = "Netzwerkkarte"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("node_id", "kind", "distance", "sphere", "label", "legal_domain", "area")

    def rows(self) -> list[dict[str, Any]]:
        """One row per node, the participant first, then by distance and id."""
        return [
            {"node_id": n.id, "kind": n.kind, "distance": n.distance, "sphere": n.sphere,
             "label": n.label, "legal_domain": n.legal_domain, "area": n.area}
            for n in self.nodes
        ]

    @property
    def size(self) -> int:
        """Nodes on the map besides the participant."""
        return len(self.nodes) - 1

    def count(self, *, sphere: str | None = None, kind: NodeKind | str | None = None) -> int:
        """Nodes besides the participant with the given sphere and/or kind."""
        return sum(
            1 for n in self.nodes[1:]
            if (sphere is None or n.sphere == sphere) and (kind is None or n.kind == NodeKind(kind))
        )

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas the map reaches (home areas of people, areas of the organisations' places)."""
        return tuple(sorted({n.area for n in self.nodes if n.area}))

    def to_graph(self) -> nx.MultiGraph:
        """The map as a networkx graph (node attributes as in :meth:`rows`; edges keyed by tie id)."""
        g = nx.MultiGraph(participant_id=self.participant_id)
        for row in self.rows():
            g.add_node(row["node_id"], **{k: v for k, v in row.items() if k != "node_id"})
        for t in self.ties:
            g.add_edge(t.source, t.target, key=t.id, kind=t.kind.value, strength=t.strength,
                       held_by=t.held_by)
        return g


def _bfs(
    space: SocialSpace, start: str, radius: int, kinds: frozenset[TieKind], private: bool
) -> dict[str, int]:
    adj = space.adjacency
    node_kinds = space.kinds
    dist = {start: 0}
    frontier = [start]
    for d in range(1, radius + 1):
        nxt = []
        for u in frontier:
            for v, keyed in adj[u].items():
                if v in dist:
                    continue
                if private and node_kinds[v] is NodeKind.PARTICIPANT:
                    continue
                if any(data["tie"].kind in kinds for data in keyed.values()):
                    dist[v] = d
                    nxt.append(v)
        frontier = nxt
    return dist


def network_map(
    space: SocialSpace,
    participant_id: str,
    *,
    radius: int = 2,
    kinds: Iterable[TieKind | str] = (TieKind.INSTITUTIONAL, TieKind.PERSONAL),
    include_other_participants: bool = False,
) -> NetworkMap:
    """A participant's network map: who is within ``radius`` ties, institutional vs personal.

    Workshop question (Thementisch 3, "Netzwerkkarte"): *Who has which contacts —
    the participants' own contacts too? How far does a person's social space reach,
    institutional and personal?* Each node records whether it is reached over
    personal ties only, institutional ties only, both, or only over mixed paths.

    Other participants are left out by default (their data are social data of
    someone else, DOMAIN.md § 6), and the map does not pass through them. The search
    visits only the neighbourhood within the radius, never the whole graph.

    Args:
        space: the social space.
        participant_id: the participant at the centre.
        radius: the largest number of ties from the participant (≥ 1).
        kinds: tie kinds to follow (default both).
        include_other_participants: also show (and pass through) other participants.

    Returns:
        The map: nodes by distance and id, with the ties among them.

    Raises:
        UnknownNameError: no such participant.
        ValidationError: radius below 1 or no tie kind.

    Examples:
        >>> from langzeit.network import example_space
        >>> m = network_map(example_space(), "p-anna", radius=1)
        >>> [(n.id, n.sphere) for n in m.nodes]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('p-anna', 'ego'), ('c-lena', 'institutional'), ('c-mira', 'institutional'),
         ('n-schwester', 'personal'), ('sv-ploen', 'personal')]
    """
    space.participant(participant_id)
    allowed = frozenset(TieKind(k) for k in kinds)
    problems = []
    if radius < 1:
        problems.append(Problem("radius", f"must be at least 1, got {radius}"))
    if not allowed:
        problems.append(Problem("kinds", "name at least one tie kind"))
    if problems:
        raise ValidationError("network map not possible", problems)
    private = not include_other_participants
    dist = _bfs(space, participant_id, radius, allowed, private)
    personal = (
        _bfs(space, participant_id, radius, frozenset({TieKind.PERSONAL}), private)
        if TieKind.PERSONAL in allowed else {}
    )
    institutional = (
        _bfs(space, participant_id, radius, frozenset({TieKind.INSTITUTIONAL}), private)
        if TieKind.INSTITUTIONAL in allowed else {}
    )
    nodes = [_map_node(space, n, d, n in personal, n in institutional) for n, d in dist.items()]
    nodes.sort(key=lambda n: (n.distance, n.id))
    ties: dict[str, Tie] = {}
    adj = space.adjacency
    for u in dist:
        for v, keyed in adj[u].items():
            if v in dist:
                for data in keyed.values():
                    t = data["tie"]
                    if t.kind in allowed:
                        ties[t.id] = t
    return NetworkMap(participant_id, radius, tuple(nodes), tuple(ties[k] for k in sorted(ties)))


def _map_node(space: SocialSpace, node: str, distance: int, personal: bool, institutional: bool) -> MapNode:
    kind = space.kinds[node]
    label = legal = area = ""
    if kind is NodeKind.ORGANISATION:
        org = space.organisations[node]
        label, legal = org.name, org.legal_domain.value
        areas = _org_areas(space).get(node, ())
        area = areas[0] if areas else ""
    elif kind is NodeKind.COACH:
        coach = space.coaches[node]
        label = coach.role.value
        legal = space.organisations[coach.organisation_id].legal_domain.value
    elif kind is NodeKind.PARTICIPANT:
        label, area = "participant", space.participants[node].home_area
    else:
        person = space.persons[node]
        label, area = person.role.value, person.home_area
    return MapNode(node, kind, distance, personal, institutional, label, legal, area)


def _org_areas(space: SocialSpace) -> dict[str, tuple[str, ...]]:
    def build() -> dict[str, tuple[str, ...]]:
        found: dict[str, set[str]] = {}
        for loc in space.locations.values():
            if loc.organisation_id:
                found.setdefault(loc.organisation_id, set()).add(loc.area)
        return {k: tuple(sorted(v)) for k, v in found.items()}

    return derived(space, "org_areas", build)
