"""Network layer: needs coverage — which needs have an offer that is really reachable, and what blocks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, time
from typing import Any

import attrs

from langzeit.network._reach import Trip, connections, offer_index, reachable_areas, trip
from langzeit.network._records import (
    Hindrance,
    Location,
    Need,
    NodeKind,
    ParticipantProfile,
    Service,
    minutes_of,
)
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = ["NeedCoverage", "NeedsCoverage", "known_organisations", "needs_coverage", "offer_hindrances"]


@attrs.frozen
class NeedCoverage:
    """How one need of a participant is covered.

    Args:
        need: the need.
        covered: an offer meets it without any hindrance.
        service_id: the chosen offer's service ("" if none).
        organisation_id: its organisation.
        location_id: its location ("" for outreach services or none).
        minutes: travel minutes to it (None if none).
        fare: fare to it (None if none).
        known_face: the participant or one of their coaches has a tie to the organisation.
        offers: offers for the need in the whole space.
        blocked: for an uncovered need, how many offers each hindrance blocks
            (an offer may be blocked by several), most frequent first.
        nearest: for an uncovered need, the offer with the fewest hindrances, in words.

    Examples:
        >>> NeedCoverage(Need.DEBT, False, offers=0, blocked=((Hindrance.NO_OFFER, 0),)).hindrances
        (<Hindrance.NO_OFFER: 'no_offer'>,)
    """

    need: Need
    covered: bool
    service_id: str = ""
    organisation_id: str = ""
    location_id: str = ""
    minutes: int | None = None
    fare: float | None = None
    known_face: bool = False
    offers: int = 0
    blocked: tuple[tuple[Hindrance, int], ...] = ()
    nearest: str = ""

    @property
    def hindrances(self) -> tuple[Hindrance, ...]:
        """The hindrances that block offers for this need (most frequent first)."""
        return tuple(h for h, _ in self.blocked)


@attrs.frozen
class NeedsCoverage(Table):
    """A participant's needs and whether a reachable actor meets each.

    Rows: one per need with ``need``, ``covered``, ``service_id``,
    ``organisation_id``, ``location_id``, ``minutes``, ``fare``, ``known_face``,
    ``offers``, ``hindrances`` (comma-separated) and ``nearest``.

    Examples:
        >>> c = NeedsCoverage("p1", (NeedCoverage(Need.DEBT, True, "sb", "awo", offers=1),))
        >>> c.numerator, c.denominator, c.value
        (1, 1, 1.0)
    """

    participant_id: str
    needs: tuple[NeedCoverage, ...]
    _title = "Bedarfsdeckung"

    @property
    def numerator(self) -> int:
        """Needs covered."""
        return sum(1 for n in self.needs if n.covered)

    @property
    def denominator(self) -> int:
        """Needs examined."""
        return len(self.needs)

    @property
    def value(self) -> float | None:
        """Share of needs covered (None without needs)."""
        return self.numerator / self.denominator if self.denominator else None

    def get(self, need: Need | str) -> NeedCoverage:
        """The coverage of one need.

        Raises:
            KeyError: the need was not examined.
        """
        wanted = Need(need)
        for n in self.needs:
            if n.need is wanted:
                return n
        raise KeyError(wanted.value)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("need", "covered", "service_id", "organisation_id", "location_id", "minutes", "fare",
                "known_face", "offers", "hindrances", "nearest")

    def rows(self) -> list[dict[str, Any]]:
        """One row per need."""
        return [
            {"need": n.need, "covered": n.covered, "service_id": n.service_id,
             "organisation_id": n.organisation_id, "location_id": n.location_id, "minutes": n.minutes,
             "fare": n.fare, "known_face": n.known_face, "offers": n.offers,
             "hindrances": ",".join(h.value for h in n.hindrances), "nearest": n.nearest}
            for n in self.needs
        ]


def known_organisations(space: SocialSpace, participant_id: str) -> frozenset[str]:
    """Organisations where the participant meets a known face ("ein bekanntes Gesicht").

    These are the organisations the participant has a tie to, their coaches'
    employers, and the organisations their coaches have ties to.

    Args:
        space: the social space.
        participant_id: the participant.

    Returns:
        Organisation ids.

    Examples:
        >>> from langzeit.network import example_space
        >>> sorted(known_organisations(example_space(), "p-bernd"))
        ['bruecke', 'sucht-preetz', 'tk-luetjenburg']
    """
    adj = space._graph._adj
    kinds = space._kinds
    found = set()
    for v in adj[participant_id]:
        kind = kinds[v]
        if kind is NodeKind.ORGANISATION:
            found.add(v)
        elif kind is NodeKind.COACH:
            found.add(space.coaches[v].organisation_id)
            found.update(w for w in adj[v] if kinds[w] is NodeKind.ORGANISATION)
    return frozenset(found)


def _add_minutes(t: time, minutes: int) -> time | None:
    total = minutes_of(t) + minutes
    return None if total >= 24 * 60 else time(total // 60, total % 60)


def offer_hindrances(
    profile: ParticipantProfile, service: Service, location: Location | None, route: Trip | None,
    *, age: int | None,
) -> list[Hindrance]:
    """Every hindrance that keeps a participant from an offer (empty: really reachable).

    Checks, in this order: the service is active; there is a connection; the trip
    fits ``max_minutes`` and ``max_fare``; arriving after ``earliest`` plus the trip
    still finds a schedule open; age limits; free places (``available`` 0 blocks).

    Args:
        profile: the participant.
        service: the service.
        location: where it is offered (None: outreach, no trip needed).
        route: the trip to the location (None: no connection).
        age: the participant's age on the day asked about (None: unknown).

    Returns:
        The hindrances, in the order above.

    Examples:
        >>> from langzeit.domain import Participant
        >>> from langzeit.network import ParticipantProfile, Schedule, Service
        >>> p = ParticipantProfile(Participant("p1"), "A", max_minutes=30, max_fare=2.0, earliest="10:00")
        >>> s = Service("s", "o", "Praktikum", needs=["work"], schedules=[Schedule("07:00", "10:30")])
        >>> [h.value for h in offer_hindrances(p, s, None, Trip(40, 3.0), age=None)]
        ['travel_time', 'fare', 'early_hours']
    """
    found: list[Hindrance] = []
    if not service.is_offered:
        found.append(Hindrance.INACTIVE)
    minutes = 0
    if location is not None or route is not None:
        if route is None:
            found.append(Hindrance.NO_CONNECTION)
        else:
            minutes = route.minutes
            if route.minutes > profile.max_minutes:
                found.append(Hindrance.TRAVEL_TIME)
            if profile.max_fare is not None and route.fare > profile.max_fare + 1e-9:
                found.append(Hindrance.FARE)
    if profile.earliest is not None and service.schedules and (route is not None or location is None):
        arrival = _add_minutes(profile.earliest, minutes)
        if arrival is None or not any(s.reachable_after(arrival) for s in service.schedules):
            found.append(Hindrance.EARLY_HOURS)
    if not service.admits_age(age):
        found.append(Hindrance.NOT_ELIGIBLE)
    if service.available == 0:
        found.append(Hindrance.NO_CAPACITY)
    return found


def _describe(service: Service, location: Location | None, route: Trip | None,
              hindrances: list[Hindrance], profile: ParticipantProfile) -> str:
    place = f" ({location.name}, {location.area})" if location is not None else ""
    parts = []
    for h in hindrances:
        if h is Hindrance.TRAVEL_TIME and route is not None:
            parts.append(f"{route.minutes} min > {profile.max_minutes} min")
        elif h is Hindrance.FARE and route is not None and profile.max_fare is not None:
            parts.append(f"{route.fare:.2f} € > {profile.max_fare:.2f} €")
        elif h is Hindrance.EARLY_HOURS and profile.earliest is not None:
            closes = max(s.closes_at for s in service.schedules)
            parts.append(f"closes {closes:%H:%M}, earliest start {profile.earliest:%H:%M}")
        else:
            parts.append(h.label)
    return f"{service.name}{place}: " + "; ".join(parts)


def needs_coverage(
    space: SocialSpace,
    participant_id: str,
    *,
    on: date | None = None,
    needs: Iterable[Need | str] | None = None,
) -> NeedsCoverage:
    """Which of a participant's needs have a really reachable actor, and which are blocked by what.

    Workshop question (Thementisch 3): *Which offers are really reachable?* — the
    obstacle is rarely knowledge but getting from knowing to doing: bus rides,
    distance, fares, early hours. An offer (a service at a location) covers a need
    when it meets the need and no hindrance of :func:`offer_hindrances` applies.
    Among the offers that cover a need the one with a known face (a tie of the
    participant or of one of their coaches to the organisation) is preferred, then
    the shortest trip, then the lower fare, then the service id.

    For an uncovered need every offer in the space is examined and the hindrances
    are counted (``no_offer`` when there is none at all). The search for covered
    needs uses the index of offers by need and area and stops at the first area
    farther than the best offer found, so it does not scan the whole space.

    Args:
        space: the social space.
        participant_id: the participant.
        on: the day asked about, for age limits (None: ages not checked).
        needs: the needs to examine (default the participant's own).

    Returns:
        One :class:`NeedCoverage` per need, in the order of :class:`Need`.

    Raises:
        UnknownNameError: no such participant.

    Examples:
        >>> from langzeit.network import example_space
        >>> cov = needs_coverage(example_space(), "p-bernd")
        >>> [(n.need.value, n.covered, n.service_id) for n in cov.needs]
        [('addiction', False, ''), ('work', False, '')]
        >>> cov.get("addiction").nearest
        'Suchtberatung (Suchtberatung Preetz, Preetz): keine ÖPNV-Verbindung'
    """
    profile = space.participant(participant_id)
    wanted = sorted({Need(n) for n in (profile.needs if needs is None else needs)}, key=list(Need).index)
    index = offer_index(space)
    known = known_organisations(space, participant_id)
    age = profile.age_on(on)
    areas = reachable_areas(space, profile)
    conn = connections(space).get(profile.home_area, [])
    out = []
    for need in wanted:
        best: tuple[Any, ...] | None = None
        candidates: list[tuple[Service, Location | None]] = []
        for s, loc in ((s, None) for s in index.outreach.get(need, ())):
            candidates.append((s, loc))
        for org in known:
            for s in index.by_organisation.get(org, ()):
                if need in s.needs:
                    candidates += [(s, space.locations[lid]) for lid in s.location_ids]
        for s, loc in candidates:
            route = trip(space, profile.home_area, loc) if loc is not None else Trip(0, 0.0)
            if route is not None and not offer_hindrances(profile, s, loc, route, age=age):
                key = (s.organisation_id not in known, route.minutes, route.fare, s.id)
                if best is None or key < best[0]:
                    best = (key, s, loc, route)
        if best is None or best[0][0]:
            for c in conn:
                if c.area not in areas:
                    continue
                if best is not None and c.minutes > best[0][1]:
                    break
                for s, loc in index.at(need, c.area):
                    route = trip(space, profile.home_area, loc)
                    if route is None or offer_hindrances(profile, s, loc, route, age=age):
                        continue
                    key = (s.organisation_id not in known, route.minutes, route.fare, s.id)
                    if best is None or key < best[0]:
                        best = (key, s, loc, route)
        if best is not None:
            _, s, loc, route = best
            out.append(NeedCoverage(
                need, True, s.id, s.organisation_id, "" if loc is None else loc.id, route.minutes,
                route.fare, s.organisation_id in known, index.count(need),
            ))
            continue
        out.append(_blocked(space, profile, need, age))
    return NeedsCoverage(participant_id, tuple(out))


def _blocked(space: SocialSpace, profile: ParticipantProfile, need: Need, age: int | None) -> NeedCoverage:
    index = offer_index(space)
    offers = index.everywhere.get(need, [])
    if not offers:
        return NeedCoverage(need, False, offers=0, blocked=((Hindrance.NO_OFFER, 0),),
                            nearest=Hindrance.NO_OFFER.label)
    counts: Counter[Hindrance] = Counter()
    nearest: tuple[Any, ...] | None = None
    for s, loc in offers:
        route = Trip(0, 0.0) if loc is None else trip(space, profile.home_area, loc)
        found = offer_hindrances(profile, s, loc, route, age=age)
        counts.update(found)
        key = (len(found), 10**9 if route is None else route.minutes, s.id)
        if nearest is None or key < nearest[0]:
            nearest = (key, _describe(s, loc, route, found, profile))
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], list(Hindrance).index(kv[0])))
    return NeedCoverage(need, False, offers=len(offers), blocked=tuple(ordered),
                        nearest="" if nearest is None else nearest[1])
