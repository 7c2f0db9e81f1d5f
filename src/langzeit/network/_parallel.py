"""Network layer: parallel offers — services of one kind in one place that do not know each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import attrs

from langzeit.network._dependency import _org_links
from langzeit.network._reach import offer_index, reachable_areas
from langzeit.network._records import Need, ParticipantProfile, Service
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = [
    "ParallelArea", "ParallelOffer", "ParallelOffers", "ParallelSummary", "parallel_offers",
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


@attrs.frozen
class ParallelOffers(Table):
    """Pairs of parallel offers (rows as :class:`ParallelOffer`).

    Examples:
        >>> ParallelOffers(()).unlinked
        0
    """

    pairs: tuple[ParallelOffer, ...]
    _title = "Parallele Angebote"

    @property
    def unlinked(self) -> int:
        """Pairs whose organisations have no tie with each other (run without knowing of each other)."""
        return sum(1 for p in self.pairs if not p.linked)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("need", "area", "service_a", "organisation_a", "service_b", "organisation_b", "linked",
                "people_in_reach")

    def rows(self) -> list[dict[str, Any]]:
        """One row per pair."""
        return [attrs.asdict(p) for p in self.pairs]


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

    return space._cached("people_in_reach", build)


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
    links = _org_links(space)
    reach = people_in_reach(space)
    found = []
    only = None if areas is None else set(areas)
    for need in wanted:
        for area in sorted(index.by_area.get(need, {})):
            if only is not None and area not in only:
                continue
            services: dict[str, Service] = {s.id: s for s, _ in index.at(need, area)}
            ordered = sorted(services.values(), key=lambda s: s.id)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    if a.organisation_id == b.organisation_id:
                        continue
                    linked = b.organisation_id in links.get(a.organisation_id, set())
                    if linked and not include_linked:
                        continue
                    found.append(ParallelOffer(need, area, a.id, a.organisation_id, b.id, b.organisation_id,
                                               linked, reach.get((need, area), 0)))
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
