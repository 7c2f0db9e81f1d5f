"""Network layer: brokers (betweenness) and ties that bridge Rechtskreise in the professional network."""

from __future__ import annotations

from typing import Any

import attrs
import networkx as nx
import numpy as np
import numpy.typing as npt

from langzeit.domain import LegalDomain
from langzeit.exceptions import Problem, ValidationError
from langzeit.network._memo import derived
from langzeit.network._records import NodeKind
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = ["Bridge", "Bridges", "Broker", "Brokers", "brokers", "professional_graph", "rechtskreis_bridges"]


def professional_graph(space: SocialSpace) -> nx.Graph:
    """The network of organisations and coaches as a simple undirected graph.

    Nodes: organisations and coaches. Edges: ties between them (parallel ties
    merged; ``weight`` the strongest strength), plus each coach's employment at their
    organisation. Participants and their private contacts are left out: they are
    not part of the professional network and their data are protected.

    Args:
        space: the social space.

    Returns:
        A new graph.

    Examples:
        >>> from langzeit.network import example_space
        >>> g = professional_graph(example_space())
        >>> g.has_edge("c-lena", "bruecke"), "p-anna" in g
        (True, False)
    """
    return _professional(space).copy()


def _professional(space: SocialSpace) -> nx.Graph:
    def build() -> nx.Graph:
        g = nx.Graph()
        kinds = space.kinds
        g.add_nodes_from((o, {"kind": NodeKind.ORGANISATION}) for o in space.organisations)
        g.add_nodes_from((c, {"kind": NodeKind.COACH}) for c in space.coaches)
        g.add_edges_from(
            (cid, c.organisation_id, {"weight": 3, "employment": True}) for cid, c in space.coaches.items()
        )
        professional = (NodeKind.ORGANISATION, NodeKind.COACH)
        for t in space.ties.values():
            if kinds[t.source] in professional and kinds[t.target] in professional:
                data = g.get_edge_data(t.source, t.target)
                if data is None:
                    g.add_edge(t.source, t.target, weight=t.strength, employment=False)
                else:
                    data["weight"] = max(data["weight"], t.strength)
        return g

    return derived(space, "professional_graph", build)


def _csr(g: nx.Graph) -> tuple[list[str], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Nodes (sorted) and the CSR adjacency (both directions) of a simple undirected graph."""
    nodes = sorted(g)
    index = {n: i for i, n in enumerate(nodes)}
    adj = g.adj
    degree = np.fromiter((len(adj[n]) for n in nodes), dtype=np.int64, count=len(nodes))
    indptr = np.zeros(len(nodes) + 1, dtype=np.int64)
    np.cumsum(degree, out=indptr[1:])
    indices = np.fromiter((index[v] for n in nodes for v in adj[n]), dtype=np.int64, count=int(indptr[-1]))
    return nodes, indptr, indices


def _betweenness(
    indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64], sources: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Brandes' accumulation from ``sources`` on an unweighted undirected graph, level by level in numpy.

    Returns the raw dependency sums (each unordered pair counted from both ends
    when every node is a source), as networkx accumulates before rescaling.
    """
    n = len(indptr) - 1
    starts_all, degree = indptr[:-1], np.diff(indptr)
    bc = np.zeros(n)
    for s in sources:
        dist = np.full(n, -1, dtype=np.int64)
        sigma = np.zeros(n)
        dist[s], sigma[s] = 0, 1.0
        frontier = np.array([s], dtype=np.int64)
        levels: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = []
        d = 0
        while len(frontier):
            lens = degree[frontier]
            total = int(lens.sum())
            if total == 0:
                break
            offsets = np.repeat(starts_all[frontier] - np.cumsum(lens) + lens, lens) + np.arange(total)
            u = np.repeat(frontier, lens)
            v = indices[offsets]
            fresh = dist[v] == -1
            dist[v[fresh]] = d + 1
            down = dist[v] == d + 1
            u, v = u[down], v[down]
            sigma += np.bincount(v, weights=sigma[u], minlength=n)
            levels.append((u, v))
            frontier = np.unique(v)
            d += 1
        delta = np.zeros(n)
        for u, v in reversed(levels):
            delta += np.bincount(u, weights=sigma[u] / sigma[v] * (1.0 + delta[v]), minlength=n)
        delta[s] = 0.0
        bc += delta
    return bc


def _bridges(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int64]) -> set[tuple[int, int]]:
    """Bridges of a simple undirected graph (Tarjan's low-link, iterative), as sorted index pairs."""
    n = len(indptr) - 1
    ptr, nbr = indptr.tolist(), indices.tolist()
    disc = [-1] * n
    low = [0] * n
    found: set[tuple[int, int]] = set()
    clock = 0
    for root in range(n):
        if disc[root] != -1:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack = [(root, -1, ptr[root])]
        while stack:
            node, parent, i = stack[-1]
            if i < ptr[node + 1]:
                stack[-1] = (node, parent, i + 1)
                child = nbr[i]
                if disc[child] == -1:
                    disc[child] = low[child] = clock
                    clock += 1
                    stack.append((child, node, ptr[child]))
                elif child != parent and disc[child] < low[node]:
                    low[node] = disc[child]
            else:
                stack.pop()
                if parent >= 0:
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > disc[parent]:
                        found.add((min(node, parent), max(node, parent)))
    return found


def _domain(space: SocialSpace, node: str) -> LegalDomain:
    org = space.organisation_of(node)
    return space.organisations[org].legal_domain if org else LegalDomain.NONE


@attrs.frozen
class Broker:
    """An organisation or coach with its betweenness centrality.

    Examples:
        >>> Broker("jc", "organisation", "SGB II", 0.5).betweenness
        0.5
    """

    node_id: str
    kind: str
    legal_domain: str
    betweenness: float


@attrs.frozen
class Brokers(Table):
    """Brokers of the professional network, the highest betweenness first.

    ``k`` is the number of sampled source nodes (None: exact), ``seed`` the seed
    used, ``nodes`` the size of the network.

    Examples:
        >>> Brokers((Broker("jc", "organisation", "SGB II", 0.5),), None, None, 3).exact
        True
    """

    brokers: tuple[Broker, ...]
    k: int | None
    seed: int | None
    nodes: int
    _title = "Broker"

    @property
    def exact(self) -> bool:
        """Whether betweenness was computed exactly (no sampling)."""
        return self.k is None or self.k >= self.nodes

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("node_id", "kind", "legal_domain", "betweenness")

    def rows(self) -> list[dict[str, Any]]:
        """One row per broker."""
        return [attrs.asdict(b) for b in self.brokers]


def brokers(space: SocialSpace, *, top: int = 10, k: int | None = None, seed: int | None = None) -> Brokers:
    """Who connects otherwise unconnected parts of the professional network (betweenness).

    Workshop question (fallübergreifende Netzwerkarbeit): *Who links offers across
    the social space, and on whom does the linking depend?* Betweenness centrality
    on :func:`professional_graph`, normalised by ``(n − 1)(n − 2)`` for undirected
    graphs as in :func:`networkx.betweenness_centrality` (whose values it equals).
    Brandes' algorithm runs level by level on numpy arrays. Exact betweenness costs
    one breadth-first search per node; on large spaces pass ``k`` to estimate it from
    ``k`` source nodes drawn without replacement from
    ``numpy.random.default_rng(seed)`` and scaled by ``n / k`` (Brandes & Pich) —
    with ``seed`` the sample, and so the result, is reproducible.

    Args:
        space: the social space.
        top: how many brokers to return.
        k: sample size for the estimate (None: exact; values above the node count
            are capped to it).
        seed: seed of the sample (used only with ``k``).

    Returns:
        The ``top`` nodes by betweenness (ties by id).

    Raises:
        ValidationError: ``top`` or ``k`` below 1.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(b.node_id, round(b.betweenness, 3)) for b in brokers(example_space(), top=3).brokers]
        [('bruecke', 0.455), ('c-lena', 0.276), ('jc-ploen', 0.263)]
    """
    problems = []
    if top < 1:
        problems.append(Problem("top", f"must be at least 1, got {top}"))
    if k is not None and k < 1:
        problems.append(Problem("k", f"must be at least 1, got {k}"))
    if problems:
        raise ValidationError("brokers not computable", problems)
    g = _professional(space)
    nodes, indptr, indices = derived(space, "professional_csr", lambda: _csr(g))
    n = len(nodes)
    sample = None if k is None or k >= n else k
    if sample is None:
        sources = np.arange(n, dtype=np.int64)
    else:
        sources = np.sort(np.random.default_rng(seed).choice(n, size=sample, replace=False))
    raw = _betweenness(indptr, indices, sources)
    scale = 1.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0
    if sample is not None:
        scale *= n / sample
    scores = raw * scale
    order = np.lexsort((np.arange(n), -scores))[:top]
    ranked = [(nodes[i], float(scores[i])) for i in order]
    out = tuple(
        Broker(node, space.kind_of(node).value, _domain(space, node).value, float(score))
        for node, score in ranked
    )
    return Brokers(out, k, seed, n)


@attrs.frozen
class Bridge:
    """A tie between actors of different Rechtskreise.

    Args:
        tie_id: the tie.
        source: one end.
        target: the other end.
        source_domain: the Rechtskreis of ``source`` (a coach's: their employer's).
        target_domain: the Rechtskreis of ``target``.
        kind: institutional or personal.
        held_by: whose contact it is.
        is_bridge: removing the tie would split the professional network (graph bridge).

    Examples:
        >>> Bridge("t1", "jc", "drv", "SGB II", "SGB VI", "institutional", "jc", False).target_domain
        'SGB VI'
    """

    tie_id: str
    source: str
    target: str
    source_domain: str
    target_domain: str
    kind: str
    held_by: str
    is_bridge: bool


@attrs.frozen
class Bridges(Table):
    """Ties that bridge Rechtskreise (rows as :class:`Bridge`), by tie id.

    Examples:
        >>> Bridges(()).columns()[0]
        'tie_id'
    """

    bridges: tuple[Bridge, ...]
    _title = "Rechtskreisübergreifende Verbindungen"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("tie_id", "source", "target", "source_domain", "target_domain", "kind", "held_by",
                "is_bridge")

    def rows(self) -> list[dict[str, Any]]:
        """One row per tie."""
        return [attrs.asdict(b) for b in self.bridges]


def rechtskreis_bridges(space: SocialSpace) -> Bridges:
    """Ties between actors of different Rechtskreise, and which of them the network hangs on.

    Workshop question: *Where does cross-Rechtskreis cooperation happen (Teilhabeplan,
    §§ 19–20 SGB IX), and how fragile is it?* A tie counts when both ends are
    organisations or coaches, both Rechtskreise are known (not ``none``) and they
    differ. ``is_bridge`` marks ties whose removal splits the professional network
    (graph bridges by Tarjan's low-link method, as :func:`networkx.bridges`; a tie
    doubled by another tie between the same two nodes is never a bridge).

    Args:
        space: the social space.

    Returns:
        The bridging ties, by tie id.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(b.tie_id, b.source_domain, b.target_domain, b.is_bridge)
        ...  for b in rechtskreis_bridges(example_space()).bridges][:2]
        [('t-bruecke-dak', 'SGB II', 'SGB V', True), ('t-jc-drv', 'SGB II', 'SGB VI', False)]
    """
    g = _professional(space)
    nodes, indptr, indices = derived(space, "professional_csr", lambda: _csr(g))
    graph_bridges = {(nodes[a], nodes[b]) for a, b in _bridges(indptr, indices)}
    kinds = space.kinds
    professional = (NodeKind.ORGANISATION, NodeKind.COACH)
    ties = [t for t in space.ties.values()
            if kinds[t.source] in professional and kinds[t.target] in professional]
    pair_counts: dict[tuple[str, str], int] = {}
    for t in ties:
        pair = (t.source, t.target) if t.source < t.target else (t.target, t.source)
        pair_counts[pair] = pair_counts.get(pair, 0) + 1
    found = []
    for t in sorted(ties, key=lambda t: t.id):
        a, b = _domain(space, t.source), _domain(space, t.target)
        if LegalDomain.NONE in (a, b) or a is b:
            continue
        pair = (t.source, t.target) if t.source < t.target else (t.target, t.source)
        is_bridge = pair in graph_bridges and pair_counts[pair] == 1
        found.append(Bridge(t.id, t.source, t.target, a.value, b.value, t.kind.value, t.held_by, is_bridge))
    return Bridges(tuple(found))
