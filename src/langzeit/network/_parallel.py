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

__all__ = ["ParallelOffer", "ParallelOffers", "parallel_offers", "people_in_reach"]


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
    space: SocialSpace, *, needs: Iterable[Need | str] | None = None, include_linked: bool = False
) -> ParallelOffers:
    """Services of the same kind within reach of the same people, run without knowing of each other.

    Workshop question (fallübergreifende Netzwerkarbeit): *Which offers run in
    parallel without knowing of each other?* ("Verknüpfung von Angeboten anstelle
    des Parallelbetriebs ohne Kenntnis voneinander".) Two services are parallel
    when they meet the same need at locations in the same area (so the same people
    reach both), are run by different organisations, and — unless
    ``include_linked`` — those organisations have no tie with each other.
    ``people_in_reach`` counts the participants with the need who reach the area.

    Args:
        space: the social space.
        needs: the needs to look at (default all).
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
    for need in wanted:
        for area in sorted(index.by_area.get(need, {})):
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
