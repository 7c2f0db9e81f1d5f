"""Network layer: needs coverage — which needs have an offer that is really reachable, and what blocks."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.exceptions import UnknownNameError
from langzeit.network._memo import derived
from langzeit.network._reach import Trip, connections, offer_index, trip
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
            UnknownNameError: (a KeyError) the need was not examined.
        """
        wanted = Need(need)
        for n in self.needs:
            if n.need is wanted:
                return n
        raise UnknownNameError("need", wanted.value)

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
    adj = space.adjacency
    kinds = space.kinds
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
    Among the offers that cover a need the one with a known face
    (:func:`known_organisations`) is preferred, then the shortest trip, then the
    lower fare, then the service id.

    For an uncovered need every offer in the space is examined and the hindrances
    are counted (``no_offer`` when there is none at all). The offers of each need
    are held as columns (area, minutes and fare to the door, opening hours, age
    limits, free places) built once per state of the space, so the rules run as
    array arithmetic, never as a Python loop over offers or participants.

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
    known = known_organisations(space, participant_id)
    codes = _org_codes(space)
    known_codes = np.array(sorted(codes[o] for o in known), dtype=np.int64)
    age = profile.age_on(on)
    out = []
    for need in wanted:
        arr = _offer_arrays(space, need)
        if not arr.offers:
            out.append(NeedCoverage(need, False, offers=0, blocked=((Hindrance.NO_OFFER, 0),),
                                    nearest=Hindrance.NO_OFFER.label))
            continue
        cols = _columns(space, arr, profile, age)
        ok = np.flatnonzero(cols.n_flags == 0)
        if len(ok):
            unknown = ~np.isin(arr.org[ok], known_codes)
            j = int(ok[np.lexsort((ok, cols.fare[ok], cols.minutes[ok], unknown))[0]])
            s, loc = arr.offers[j]
            out.append(NeedCoverage(
                need, True, s.id, s.organisation_id, "" if loc is None else loc.id, int(cols.minutes[j]),
                float(cols.fare[j]), s.organisation_id in known, len(arr.offers),
            ))
        else:
            out.append(_blocked(space, arr, cols, profile, need, age))
    return NeedsCoverage(participant_id, tuple(out))


@attrs.frozen(eq=False)
class _OfferArrays:
    """The offers of one need as columns, for counting hindrances without a loop over offers."""

    offers: list[tuple[Service, Location | None]]
    org: npt.NDArray[np.int64]
    area: npt.NDArray[np.int64]  # -1: outreach (no trip)
    transit: npt.NDArray[np.int64]
    fare: npt.NDArray[np.float64]
    inactive: npt.NDArray[np.bool_]
    full: npt.NDArray[np.bool_]
    min_age: npt.NDArray[np.int64]
    max_age: npt.NDArray[np.int64]
    scheduled: npt.NDArray[np.bool_]
    closes: npt.NDArray[np.int64]  # latest closing time, minutes after midnight


_NO_AGE_LIMIT = 10**6


def _offer_arrays(space: SocialSpace, need: Need) -> _OfferArrays:
    cache: dict[Need, _OfferArrays] = derived(space, "offer_arrays", dict)
    found = cache.get(need)
    if found is None:
        offers = offer_index(space).everywhere.get(need, [])
        areas = _area_codes(space)
        services = [s for s, _ in offers]
        codes = _org_codes(space)
        found = _OfferArrays(
            offers,
            np.array([codes[s.organisation_id] for s in services], dtype=np.int64),
            np.array([-1 if loc is None else areas[loc.area] for _, loc in offers], dtype=np.int64),
            np.array([0 if loc is None else loc.transit_minutes for _, loc in offers], dtype=np.int64),
            np.array([0.0 if loc is None else loc.fare for _, loc in offers], dtype=np.float64),
            np.array([not s.is_offered for s in services], dtype=bool),
            np.array([s.available == 0 for s in services], dtype=bool),
            np.array([-1 if s.minimum_age is None else s.minimum_age for s in services], dtype=np.int64),
            np.array([_NO_AGE_LIMIT if s.maximum_age is None else s.maximum_age for s in services],
                     dtype=np.int64),
            np.array([bool(s.schedules) for s in services], dtype=bool),
            np.array([max((minutes_of(x.closes_at) for x in s.schedules), default=0) for s in services],
                     dtype=np.int64),
        )
        cache[need] = found
    return found


def _org_codes(space: SocialSpace) -> dict[str, int]:
    return derived(space, "org_codes", lambda: {o: i for i, o in enumerate(sorted(space.organisations))})


def _area_codes(space: SocialSpace) -> dict[str, int]:
    return derived(space, "area_codes", lambda: {a: i for i, a in enumerate(space.areas)})


def _travel_from(space: SocialSpace, home: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Minutes and fare from ``home`` to every area's stop (infinite minutes: no connection)."""
    cache: dict[str, tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]] = derived(
        space, "travel_from", dict)
    found = cache.get(home)
    if found is None:
        areas = _area_codes(space)
        minutes = np.full(len(areas), np.inf)
        fares = np.zeros(len(areas))
        for c in connections(space).get(home, []):
            minutes[areas[c.area]], fares[areas[c.area]] = c.minutes, c.fare
        found = cache[home] = (minutes, fares)
    return found


@attrs.frozen(eq=False)
class _Columns:
    """Per offer of one need, for one participant: trip minutes and fare, and every hindrance flag."""

    connected: npt.NDArray[np.bool_]
    minutes: npt.NDArray[np.float64]
    fare: npt.NDArray[np.float64]
    flags: dict[Hindrance, npt.NDArray[np.bool_]]
    n_flags: npt.NDArray[np.int64]


def _columns(space: SocialSpace, arr: _OfferArrays, profile: ParticipantProfile, age: int | None) -> _Columns:
    """The rules of :func:`offer_hindrances` as column arithmetic over all offers of a need."""
    to_minutes, to_fare = _travel_from(space, profile.home_area)
    outreach = arr.area < 0
    area = np.where(outreach, 0, arr.area)
    connected = outreach | np.isfinite(to_minutes[area])
    minutes = np.where(outreach, 0.0, to_minutes[area] + arr.transit)
    fare = np.where(outreach, 0.0, to_fare[area] + arr.fare)
    flags: dict[Hindrance, npt.NDArray[np.bool_]] = {
        Hindrance.INACTIVE: arr.inactive,
        Hindrance.NO_CONNECTION: ~connected,
        Hindrance.TRAVEL_TIME: connected & (minutes > profile.max_minutes),
    }
    if profile.max_fare is not None:
        flags[Hindrance.FARE] = connected & (fare > profile.max_fare + 1e-9)
    if profile.earliest is not None:
        arrival = np.where(connected, minutes, 0.0) + minutes_of(profile.earliest)
        flags[Hindrance.EARLY_HOURS] = (
            connected & arr.scheduled & ((arrival >= 24 * 60) | (arrival >= arr.closes)))
    if age is not None:
        flags[Hindrance.NOT_ELIGIBLE] = (age < arr.min_age) | (age > arr.max_age)
    flags[Hindrance.NO_CAPACITY] = arr.full
    n_flags: npt.NDArray[np.int64] = np.asarray(np.sum(list(flags.values()), axis=0), dtype=np.int64)
    return _Columns(connected, minutes, fare, flags, n_flags)


def _blocked(space: SocialSpace, arr: _OfferArrays, cols: _Columns, profile: ParticipantProfile,
             need: Need, age: int | None) -> NeedCoverage:
    """The hindrances of an uncovered need, counted over all its offers, and the nearest blocked offer."""
    counts = [(h, int(f.sum())) for h, f in cols.flags.items() if f.any()]
    ordered = sorted(counts, key=lambda kv: (-kv[1], list(Hindrance).index(kv[0])))
    nearest_minutes = np.where(cols.connected, cols.minutes, 1e9)
    j = int(np.lexsort((np.arange(len(arr.offers)), nearest_minutes, cols.n_flags))[0])
    s, loc = arr.offers[j]
    route = Trip(0, 0.0) if loc is None else trip(space, profile.home_area, loc)
    text = _describe(s, loc, route, offer_hindrances(profile, s, loc, route, age=age), profile)
    return NeedCoverage(need, False, offers=len(arr.offers), blocked=tuple(ordered), nearest=text)
