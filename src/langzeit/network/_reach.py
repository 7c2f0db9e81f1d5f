"""Network layer: indexes of reachability — travel between areas and offers by need and area."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import attrs

from langzeit.network._memo import derived
from langzeit.network._records import Location, Need, ParticipantProfile, Service
from langzeit.network._space import SocialSpace

__all__ = ["Connection", "OfferIndex", "Trip", "connections", "offer_index", "reachable_areas", "trip"]


@attrs.frozen
class Connection:
    """Travel from a home area to another area (or the same, with 0 minutes and 0 fare)."""

    area: str
    minutes: int
    fare: float


@attrs.frozen
class Trip:
    """A trip from a home area to a location: total minutes and fare.

    Examples:
        >>> Trip(30, 3.9).minutes
        30
    """

    minutes: int
    fare: float


def connections(space: SocialSpace) -> dict[str, list[Connection]]:
    """Areas reachable from each area, sorted by minutes then area (the home area first).

    Cached on the space until it changes.
    """

    def build() -> dict[str, list[Connection]]:
        out: dict[str, list[Connection]] = defaultdict(list)
        for area in space.areas:
            out[area].append(Connection(area, 0, 0.0))
        for (a, b), t in space.travel.items():
            out[a].append(Connection(b, t.minutes, t.fare))
            out[b].append(Connection(a, t.minutes, t.fare))
        for rows in out.values():
            rows.sort(key=lambda c: (c.minutes, c.area))
        return dict(out)

    return derived(space, "connections", build)


def trip(space: SocialSpace, home_area: str, location: Location) -> Trip | None:
    """The trip from ``home_area`` to ``location``, or None when there is no connection.

    Minutes: travel between the areas plus the location's ``transit_minutes``;
    fare: the travel fare plus the location's ``fare``. Within the home area only the
    location's own minutes and fare count.

    Args:
        space: the social space (its travel table).
        home_area: where the trip starts.
        location: where it ends.

    Returns:
        The trip, or None when the areas are not connected.

    Examples:
        >>> from langzeit.network import example_space
        >>> s = example_space()
        >>> trip(s, "Plön", s.locations["tk-preetz-1"])
        Trip(minutes=35, fare=3.9)
        >>> trip(s, "Selent", s.locations["tk-preetz-1"]) is None
        True
    """
    if location.area == home_area:
        return Trip(location.transit_minutes, location.fare)
    a, b = sorted((home_area, location.area))
    t = space.travel.get((a, b))
    if t is None:
        return None
    return Trip(t.minutes + location.transit_minutes, t.fare + location.fare)


def reachable_areas(space: SocialSpace, profile: ParticipantProfile) -> frozenset[str]:
    """Areas whose stop a participant reaches within their time and fare limits."""
    key = ("areas", profile.home_area, profile.max_minutes, profile.max_fare)
    cache: dict[tuple[object, ...], frozenset[str]] = derived(space, "reachable_areas", dict)
    found = cache.get(key)
    if found is None:
        rows = connections(space).get(profile.home_area, [Connection(profile.home_area, 0, 0.0)])
        found = frozenset(
            c.area for c in rows
            if c.minutes <= profile.max_minutes and (profile.max_fare is None or c.fare <= profile.max_fare)
        )
        cache[key] = found
    return found


@attrs.frozen
class OfferIndex:
    """Offers (a service at a location, or an outreach service without one) by need: per area and all."""

    by_area: dict[Need, dict[str, list[tuple[Service, Location]]]]
    everywhere: dict[Need, list[tuple[Service, Location | None]]]

    def at(self, need: Need, area: str) -> Sequence[tuple[Service, Location]]:
        """Offers for ``need`` at locations in ``area``."""
        return self.by_area.get(need, {}).get(area, ())


def offer_index(space: SocialSpace) -> OfferIndex:
    """The offer index of a space, built once per state of the space."""

    def build() -> OfferIndex:
        by_area: dict[Need, dict[str, list[tuple[Service, Location]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        everywhere: dict[Need, list[tuple[Service, Location | None]]] = defaultdict(list)
        locations = space.locations
        for s in sorted(space.services.values(), key=lambda s: s.id):
            for need in s.needs:
                if not s.location_ids:
                    everywhere[need].append((s, None))
                for lid in s.location_ids:
                    loc = locations[lid]
                    by_area[need][loc.area].append((s, loc))
                    everywhere[need].append((s, loc))
        return OfferIndex({n: dict(a) for n, a in by_area.items()}, dict(everywhere))

    return derived(space, "offers", build)
