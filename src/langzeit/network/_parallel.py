"""Network layer: parallel offers — services of one kind in one place that do not know each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.network._dependency import _org_links
from langzeit.network._memo import derived
from langzeit.network._reach import offer_index, reachable_areas
from langzeit.network._records import Need, ParticipantProfile, Service
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = [
    "PairBlock", "ParallelArea", "ParallelOffer", "ParallelOffers", "ParallelSummary", "parallel_offers",
    "parallel_summary", "people_in_reach",
]


@attrs.frozen
class ParallelOffer:
    """Two services of different organisations meeting the same need in the same area.

    Args:
        need: the need both meet.
        area: the area both are offered in.
        service_a: the first service (smaller id).
        organisation_a: its organisation.
        service_b: the second service.
        organisation_b: its organisation.
        linked: the two organisations have a tie with each other.
        people_in_reach: participants with the need who reach the area within their limits.

    Examples:
        >>> ParallelOffer(Need.DEBT, "Mitte", "a", "x", "b", "y", False, 12).linked
        False
    """

    need: Need
    area: str
    service_a: str
    organisation_a: str
    service_b: str
    organisation_b: str
    linked: bool
    people_in_reach: int


@attrs.frozen(eq=False)
class PairBlock:
    """The parallel pairs of one need in one area, held as index arrays (one block per need and area).

    Args:
        need: the need.
        area: the area.
        people_in_reach: participants with the need who reach the area.
        services: service ids of the area's offers for the need, sorted.
        organisations: the organisation id of each service.
        a: index (into ``services``) of each pair's first service.
        b: index of each pair's second service.
        linked: whether each pair's organisations are tied.

    Examples:
        >>> import numpy as np
        >>> block = PairBlock(Need.DEBT, "Mitte", 3, ("s1", "s2"), ("o1", "o2"), np.array([0]),
        ...                   np.array([1]), np.array([False]))
        >>> len(block), block.records()[0].service_b
        (1, 's2')
    """

    need: Need
    area: str
    people_in_reach: int
    services: tuple[str, ...]
    organisations: tuple[str, ...]
    a: npt.NDArray[np.int64]
    b: npt.NDArray[np.int64]
    linked: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.a)

    def records(self) -> list[ParallelOffer]:
        """The block's pairs as records."""
        s, o = self.services, self.organisations
        return [
            ParallelOffer(self.need, self.area, s[i], o[i], s[j], o[j], bool(k), self.people_in_reach)
            for i, j, k in zip(self.a.tolist(), self.b.tolist(), self.linked.tolist(), strict=True)
        ]


@attrs.frozen(eq=False)
class ParallelOffers(Table):
    """Pairs of parallel offers (rows as :class:`ParallelOffer`).

    The pairs are held per need and area as index arrays (:class:`PairBlock`);
    :attr:`pairs` builds the records when asked, ``len()`` and :attr:`unlinked`
    count without building them.

    Examples:
        >>> offers = ParallelOffers(())
        >>> offers.unlinked, len(offers), offers.pairs
        (0, 0, ())
    """

    blocks: tuple[PairBlock, ...]
    _title = "Parallele Angebote"

    def __len__(self) -> int:
        return sum(len(b) for b in self.blocks)

    @property
    def pairs(self) -> tuple[ParallelOffer, ...]:
        """Every pair as a record, by need, area and service ids."""
        return tuple(p for b in self.blocks for p in b.records())

    @property
    def unlinked(self) -> int:
        """Pairs whose organisations have no tie with each other (run without knowing of each other)."""
        return sum(int((~b.linked).sum()) for b in self.blocks)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("need", "area", "service_a", "organisation_a", "service_b", "organisation_b", "linked",
                "people_in_reach")

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair."""
        return [attrs.asdict(p) for p in self.pairs]


def _link_codes(space: SocialSpace) -> tuple[dict[str, int], npt.NDArray[np.int64]]:
    """Organisation codes and the sorted codes ``min × n + max`` of every tied pair of organisations."""

    def build() -> tuple[dict[str, int], npt.NDArray[np.int64]]:
        codes = {oid: i for i, oid in enumerate(sorted(space.organisations))}
        n = len(codes)
        pairs = [
            min(codes[a], codes[b]) * n + max(codes[a], codes[b])
            for a, linked in _org_links(space).items() for b in linked if a < b
        ]
        return codes, np.unique(np.asarray(pairs, dtype=np.int64))

    return derived(space, "org_link_codes", build)


def people_in_reach(space: SocialSpace) -> Counter[tuple[Need, str]]:
    """Participants with each need who reach each area's stop within their time and fare limits.

    Participants are grouped by home area, limits and need, so the reachable areas
    are computed once per group, not per person.

    Args:
        space: the social space.

    Returns:
        Counts by (need, area).

    Examples:
        >>> from langzeit.network import example_space
        >>> people_in_reach(example_space())[(Need.DEBT, "Plön")]
        2
    """

    def build() -> Counter[tuple[Need, str]]:
        groups: Counter[tuple[str, int, float | None, Need]] = Counter()
        profiles: dict[tuple[str, int, float | None, Need], ParticipantProfile] = {}
        for p in space.participants.values():
            for need in p.needs:
                key = (p.home_area, p.max_minutes, p.max_fare, need)
                groups[key] += 1
                profiles.setdefault(key, p)
        out: Counter[tuple[Need, str]] = Counter()
        for key, n in groups.items():
            for area in reachable_areas(space, profiles[key]):
                out[(key[3], area)] += n
        return out

    return derived(space, "people_in_reach", build)


def parallel_offers(
    space: SocialSpace,
    *,
    needs: Iterable[Need | str] | None = None,
    areas: Iterable[str] | None = None,
    include_linked: bool = False,
) -> ParallelOffers:
    """Services of the same kind within reach of the same people, run without knowing of each other.

    Workshop question (fallübergreifende Netzwerkarbeit): *Which offers run in
    parallel without knowing of each other?* ("Verknüpfung von Angeboten anstelle
    des Parallelbetriebs ohne Kenntnis voneinander".) Two services are parallel
    when they meet the same need at locations in the same area (so the same people
    reach both), are run by different organisations, and — unless
    ``include_linked`` — those organisations have no tie with each other.
    ``people_in_reach`` counts the participants with the need who reach the area.

    On a dense space the list of pairs grows with the square of the services per
    area; :func:`parallel_summary` gives the counts per need and area without
    listing them, and ``areas`` narrows the list to the places of interest.

    Args:
        space: the social space.
        needs: the needs to look at (default all).
        areas: the areas to look at (default all).
        include_linked: also list pairs whose organisations are tied.

    Returns:
        The pairs, by need, area and service ids.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(p.need.value, p.area, p.service_a, p.service_b) for p in parallel_offers(example_space()).pairs]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('health', 'Preetz', 'dak-seminar', 'tk-preetz-beh'),
         ('mental_health', 'Preetz', 'pan-gruppe', 'tk-preetz-beh')]
    """
    wanted = list(Need) if needs is None else sorted({Need(n) for n in needs}, key=list(Need).index)
    index = offer_index(space)
    codes, linked_codes = _link_codes(space)
    n_orgs = len(codes)
    reach = people_in_reach(space)
    found = []
    only = None if areas is None else set(areas)
    for need in wanted:
        for area in sorted(index.by_area.get(need, {})):
            if only is not None and area not in only:
                continue
            services: dict[str, Service] = {s.id: s for s, _ in index.at(need, area)}
            ordered = sorted(services.values(), key=lambda s: s.id)
            org = np.array([codes[s.organisation_id] for s in ordered], dtype=np.int64)
            a, b = np.triu_indices(len(ordered), 1)
            keep = org[a] != org[b]
            a, b = a[keep], b[keep]
            lo, hi = np.minimum(org[a], org[b]), np.maximum(org[a], org[b])
            pair = lo * n_orgs + hi
            at = np.minimum(np.searchsorted(linked_codes, pair), max(len(linked_codes) - 1, 0))
            linked = linked_codes[at] == pair if len(linked_codes) else np.zeros(len(pair), dtype=bool)
            if not include_linked:
                a, b, linked = a[~linked], b[~linked], linked[~linked]
            if len(a):
                found.append(PairBlock(need, area, reach.get((need, area), 0), tuple(s.id for s in ordered),
                                       tuple(s.organisation_id for s in ordered), a, b, linked))
    return ParallelOffers(tuple(found))


@attrs.frozen
class ParallelArea:
    """Counts of parallel offers for one need in one area.

    Args:
        need: the need.
        area: the area.
        services: services meeting the need at locations in the area.
        organisations: organisations running them.
        pairs: pairs of those services run by different organisations.
        unlinked: pairs whose organisations have no tie with each other.
        people_in_reach: participants with the need who reach the area.

    Examples:
        >>> ParallelArea(Need.DEBT, "Mitte", 3, 3, 3, 2, 40).linked
        1
    """

    need: Need
    area: str
    services: int
    organisations: int
    pairs: int
    unlinked: int
    people_in_reach: int

    @property
    def linked(self) -> int:
        """Pairs whose organisations are tied."""
        return self.pairs - self.unlinked


@attrs.frozen
class ParallelSummary(Table):
    """Parallel offers counted per need and area (rows as :class:`ParallelArea`).

    Examples:
        >>> ParallelSummary(()).unlinked
        0
    """

    areas: tuple[ParallelArea, ...]
    _title = "Parallele Angebote je Bedarf und Gebiet"

    @property
    def unlinked(self) -> int:
        """Unlinked pairs in all areas."""
        return sum(a.unlinked for a in self.areas)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("need", "area", "services", "organisations", "pairs", "unlinked", "people_in_reach")

    def rows(self) -> list[dict[str, Any]]:
        """One row per need and area with at least two services of different organisations."""
        return [attrs.asdict(a) for a in self.areas]


def parallel_summary(space: SocialSpace, *, needs: Iterable[Need | str] | None = None) -> ParallelSummary:
    """How many offers run in parallel per need and area, without listing every pair.

    Workshop question (fallübergreifende Netzwerkarbeit): *Where do offers run in
    parallel without knowing of each other, and how many people could use both?*
    The counts are those of :func:`parallel_offers` (with ``include_linked=True``
    for ``pairs``): with ``k`` services in an area, ``c_o`` of them run by
    organisation ``o``, there are ``k(k−1)/2 − Σ c_o(c_o−1)/2`` pairs of different
    organisations, and ``c_a × c_b`` of them between each tied pair of
    organisations ``a``, ``b``. Needs and areas without such a pair are left out.

    Args:
        space: the social space.
        needs: the needs to look at (default all).

    Returns:
        One row per need and area, by need and area.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(a.need.value, a.area, a.pairs, a.unlinked) for a in parallel_summary(example_space()).areas]
        [('health', 'Preetz', 1, 1), ('mental_health', 'Preetz', 1, 1)]
    """
    wanted = list(Need) if needs is None else sorted({Need(n) for n in needs}, key=list(Need).index)
    index = offer_index(space)
    links = _org_links(space)
    reach = people_in_reach(space)
    found = []
    for need in wanted:
        for area in sorted(index.by_area.get(need, {})):
            per_org = Counter({s.id: s.organisation_id for s, _ in index.at(need, area)}.values())
            k = sum(per_org.values())
            pairs = k * (k - 1) // 2 - sum(c * (c - 1) // 2 for c in per_org.values())
            if pairs == 0:
                continue
            linked = sum(
                c * per_org[other]
                for org, c in per_org.items()
                for other in links.get(org, ())
                if other > org and other in per_org
            )
            found.append(ParallelArea(need, area, k, len(per_org), pairs, pairs - linked,
                                      reach.get((need, area), 0)))
    return ParallelSummary(tuple(found))
