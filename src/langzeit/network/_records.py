"""Network layer: the frozen records of a social space (DOMAIN.md § 5; Open Referral HSDS).

Services, locations and their reachability follow the shape of the Open Referral
Human Services Data Specification (HSDS 3.0): an organisation offers services, a
service is offered at locations (``service_at_location``), with eligibility,
schedules and capacity. Reachability is the travel time and fare by public
transport between *areas* (Gemeinden, Stadtteile) plus the way from the area's stop
to the location.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from datetime import date, time
from typing import Any

import attrs

from langzeit import _checks
from langzeit._ids import id_validator, ids_validator, optional_id_validator
from langzeit.domain import Participant
from langzeit.exceptions import ValidationError

__all__ = [
    "WEEKDAYS",
    "Hindrance",
    "Location",
    "Need",
    "NodeKind",
    "ParticipantProfile",
    "Person",
    "PersonRole",
    "Schedule",
    "Service",
    "ServiceStatus",
    "Tie",
    "TieKind",
    "Travel",
]


def _to_person_role(value: PersonRole | str) -> PersonRole:
    return _checks.to_enum(PersonRole, value)


def _to_service_status(value: ServiceStatus | str) -> ServiceStatus:
    return _checks.to_enum(ServiceStatus, value)


def _to_tie_kind(value: TieKind | str) -> TieKind:
    return _checks.to_enum(TieKind, value)

#: Day codes of HSDS schedules (iCalendar ``BYDAY``).
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class Need(enum.StrEnum):
    """A need (Bedarf, Problemlage) that actors of the social space can meet.

    Examples:
        >>> Need("debt").label
        'Schulden'
    """

    HEALTH = "health"
    MENTAL_HEALTH = "mental_health"
    ADDICTION = "addiction"
    DEBT = "debt"
    HOUSING = "housing"
    CHILDCARE = "childcare"
    CARE = "care"
    MOBILITY = "mobility"
    LANGUAGE = "language"
    SOCIAL_CONTACT = "social_contact"
    WORK = "work"
    REHABILITATION = "rehabilitation"
    EDUCATION = "education"

    @property
    def label(self) -> str:
        """The German label used in reports."""
        return _NEED_LABELS[self]


_NEED_LABELS = {
    Need.HEALTH: "Gesundheit",
    Need.MENTAL_HEALTH: "psychische Gesundheit",
    Need.ADDICTION: "Sucht",
    Need.DEBT: "Schulden",
    Need.HOUSING: "Wohnen",
    Need.CHILDCARE: "Kinderbetreuung",
    Need.CARE: "Pflege von Angehörigen",
    Need.MOBILITY: "Mobilität",
    Need.LANGUAGE: "Sprache",
    Need.SOCIAL_CONTACT: "soziale Kontakte, Tagesstruktur",
    Need.WORK: "Arbeit, Praktikum",
    Need.REHABILITATION: "Rehabilitation",
    Need.EDUCATION: "Bildung",
}


class Hindrance(enum.StrEnum):
    """Why an offer is not really reachable for a participant (the workshop's "hemmende Faktoren").

    Examples:
        >>> Hindrance.FARE.label
        'Fahrtkosten über dem Limit'
    """

    NO_OFFER = "no_offer"
    INACTIVE = "inactive"
    NO_CONNECTION = "no_connection"
    TRAVEL_TIME = "travel_time"
    FARE = "fare"
    EARLY_HOURS = "early_hours"
    NOT_ELIGIBLE = "not_eligible"
    NO_CAPACITY = "no_capacity"

    @property
    def label(self) -> str:
        """The German label used in reports."""
        return _HINDRANCE_LABELS[self]


_HINDRANCE_LABELS = {
    Hindrance.NO_OFFER: "kein Angebot im Sozialraum",
    Hindrance.INACTIVE: "Angebot ruht",
    Hindrance.NO_CONNECTION: "keine ÖPNV-Verbindung",
    Hindrance.TRAVEL_TIME: "Fahrtzeit über dem Limit",
    Hindrance.FARE: "Fahrtkosten über dem Limit",
    Hindrance.EARLY_HOURS: "nur zu früher Stunde erreichbar",
    Hindrance.NOT_ELIGIBLE: "Zugangsvoraussetzungen nicht erfüllt",
    Hindrance.NO_CAPACITY: "keine freien Plätze",
}


class TieKind(enum.StrEnum):
    """Institutional ties (agreements, roles) versus personal ties (people who know each other).

    Examples:
        >>> TieKind("personal") is TieKind.PERSONAL
        True
    """

    INSTITUTIONAL = "institutional"
    PERSONAL = "personal"


class PersonRole(enum.StrEnum):
    """Roles of people in the social space who are neither participants nor coaches.

    ``contact`` is a participant's own contact (family, friends, neighbours),
    ``peer`` a peer supporter, ``volunteer`` a volunteer (Ehrenamt, Lots*in).

    Examples:
        >>> PersonRole("peer").value
        'peer'
    """

    CONTACT = "contact"
    PEER = "peer"
    VOLUNTEER = "volunteer"


class NodeKind(enum.StrEnum):
    """The kinds of nodes of the social-space graph.

    Examples:
        >>> sorted(k.value for k in NodeKind)
        ['coach', 'organisation', 'participant', 'person']
    """

    ORGANISATION = "organisation"
    PARTICIPANT = "participant"
    COACH = "coach"
    PERSON = "person"


class ServiceStatus(enum.StrEnum):
    """Status of a service (HSDS ``service.status``).

    Examples:
        >>> ServiceStatus("active").is_offered
        True
    """

    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"

    @property
    def is_offered(self) -> bool:
        """Whether the service currently takes people."""
        return self is ServiceStatus.ACTIVE


def _non_empty(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{attribute.name} must be a non-empty string, got {value!r}")


def _to_time(value: time | str) -> time:
    if isinstance(value, time):
        return value
    m = _TIME.match(value) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValidationError(f"a time must be 'HH:MM', got {value!r}")
    return time(int(m.group(1)), int(m.group(2)))


def _to_optional_time(value: time | str | None) -> time | None:
    return None if value is None else _to_time(value)


def _to_days(value: Iterable[str] | str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    days = [d.strip().upper() for d in items if d.strip()]
    bad = [d for d in days if d not in WEEKDAYS]
    if bad:
        raise ValidationError(f"unknown day code(s) {', '.join(bad)}; use {', '.join(WEEKDAYS)}")
    return tuple(sorted(set(days), key=WEEKDAYS.index))


def _to_needs(value: Iterable[Need | str]) -> frozenset[Need]:
    if isinstance(value, str):
        value = [value]
    return frozenset(Need(v) for v in value)


def _non_negative_number(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if math.isnan(value) or value < 0:
        raise ValidationError(f"{attribute.name} must be a number >= 0, got {value}")


def _to_str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _to_schedules(value: Iterable[Schedule]) -> tuple[Schedule, ...]:
    return tuple(value)


def minutes_of(t: time) -> int:
    """Minutes since midnight of a time of day (helper of the schedule checks)."""
    return t.hour * 60 + t.minute


@attrs.frozen
class Schedule:
    """When a service is open (HSDS ``schedule``: ``byday``, ``opens_at``, ``closes_at``).

    Args:
        opens_at: opening time, ``"HH:MM"`` or a :class:`datetime.time`.
        closes_at: closing time, after ``opens_at``.
        byday: day codes (``"MO,WE"`` or a sequence); empty means every working day.

    Raises:
        ValueError: a bad time or day code, or closing not after opening.

    Examples:
        >>> s = Schedule("09:00", "12:00", byday="MO,WE")
        >>> s.byday, s.closes_at
        (('MO', 'WE'), datetime.time(12, 0))
        >>> s.reachable_after(time(11, 30)), s.reachable_after(time(12, 0))
        (True, False)
    """

    opens_at: time = attrs.field(converter=_to_time)
    closes_at: time = attrs.field(converter=_to_time)
    byday: tuple[str, ...] = attrs.field(default=(), converter=_to_days)

    @closes_at.validator
    def _check_order(self, _attribute: attrs.Attribute[time], value: time) -> None:
        if value <= self.opens_at:
            raise ValidationError(f"closes_at {value:%H:%M} is not after opens_at {self.opens_at:%H:%M}")

    def reachable_after(self, arrival: time) -> bool:
        """Whether someone arriving at ``arrival`` still finds the service open."""
        return arrival < self.closes_at


@attrs.frozen
class Service:
    """A service an organisation offers (HSDS ``service`` with eligibility, schedule, capacity).

    Args:
        id: stable id.
        organisation_id: the organisation that runs it (HSDS ``organization_id``).
        name: display name, e.g. ``"Schuldnerberatung"``.
        needs: the needs it meets.
        location_ids: where it is offered (HSDS ``service_at_location``); empty for
            services without a place (phone, outreach).
        status: HSDS status; only ``active`` services are offered.
        minimum_age: eligibility: youngest age served (HSDS ``minimum_age``).
        maximum_age: eligibility: oldest age served (HSDS ``maximum_age``).
        eligibility_description: eligibility in words (HSDS ``eligibility_description``).
        schedules: opening hours; empty means "by arrangement" (never too early).
        capacity: places in total (HSDS ``service_capacity.maximum``), None if unlimited.
        available: free places now (HSDS ``service_capacity.available``), None if unknown.

    Raises:
        ValueError: no need, negative or inverted ages, more places free than exist.

    Examples:
        >>> s = Service("sb-1", "awo", "Schuldnerberatung", needs=["debt"], location_ids=["awo-ploen"],
        ...             schedules=[Schedule("10:00", "16:00")], capacity=20, available=3)
        >>> s.needs, s.is_offered
        (frozenset({<Need.DEBT: 'debt'>}), True)
    """

    id: str = attrs.field(validator=id_validator)
    organisation_id: str = attrs.field(validator=id_validator)
    name: str = attrs.field(validator=_non_empty)
    needs: frozenset[Need] = attrs.field(converter=_to_needs)
    location_ids: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple, validator=ids_validator)
    status: ServiceStatus = attrs.field(default=ServiceStatus.ACTIVE,
                                        converter=_to_service_status)
    minimum_age: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_checks.ge(0))
    )
    maximum_age: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_checks.ge(0))
    )
    eligibility_description: str = ""
    schedules: tuple[Schedule, ...] = attrs.field(default=(), converter=_to_schedules)
    capacity: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_checks.ge(0))
    )
    available: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_checks.ge(0))
    )

    def __attrs_post_init__(self) -> None:
        if not self.needs:
            raise ValidationError(f"service {self.id!r} meets no need")
        if (
            self.minimum_age is not None
            and self.maximum_age is not None
            and self.maximum_age < self.minimum_age
        ):
            raise ValidationError(f"maximum_age {self.maximum_age} is below minimum_age {self.minimum_age}")
        if self.capacity is not None and self.available is not None and self.available > self.capacity:
            raise ValidationError(f"available {self.available} exceeds capacity {self.capacity}")
        if len(set(self.location_ids)) != len(self.location_ids):
            raise ValidationError("a location appears twice in location_ids")

    @property
    def is_offered(self) -> bool:
        """Whether the service currently takes people (status ``active``)."""
        return self.status.is_offered

    def admits_age(self, age: int | None) -> bool:
        """Whether a person of ``age`` (None: unknown, admitted) meets the age limits."""
        if age is None:
            return True
        lo, hi = self.minimum_age, self.maximum_age
        return (lo is None or age >= lo) and (hi is None or age <= hi)


@attrs.frozen
class Location:
    """A place where services are offered, with its reachability.

    A trip from a home area to the location takes the :class:`Travel` time between
    the areas plus ``transit_minutes`` from the area's stop to the door, and costs the
    travel fare plus ``fare`` (e.g. a local bus); within the same area only the
    location's own minutes and fare count.

    Args:
        id: stable id.
        name: display name.
        area: the area (Gemeinde, Stadtteil) the location lies in.
        organisation_id: the organisation at the place ("" for shared places).
        transit_minutes: minutes from the area's stop to the location.
        fare: extra fare in euros to get from the area's stop to the location.

    Examples:
        >>> loc = Location("tk-preetz", "Tagesklinik Preetz", area="Preetz", transit_minutes=10)
        >>> loc.area, loc.fare
        ('Preetz', 0.0)
    """

    id: str = attrs.field(validator=id_validator)
    name: str = attrs.field(validator=_non_empty)
    area: str = attrs.field(validator=_non_empty)
    organisation_id: str = attrs.field(default="", validator=optional_id_validator)
    transit_minutes: int = attrs.field(default=0, validator=_checks.ge(0))
    fare: float = attrs.field(default=0.0, converter=float, validator=_non_negative_number)


@attrs.frozen
class Travel:
    """Public transport between two areas, valid in both directions.

    The travel table is an origin–destination matrix: a missing pair of different
    areas means there is no usable connection.

    Args:
        origin: one area.
        destination: the other area.
        minutes: door-to-stop journey time including waiting.
        fare: single fare in euros.

    Examples:
        >>> Travel("Plön", "Preetz", minutes=25, fare=3.9).key
        ('Plön', 'Preetz')
        >>> Travel("Preetz", "Plön", minutes=25, fare=3.9).key
        ('Plön', 'Preetz')
    """

    origin: str = attrs.field(validator=_non_empty)
    destination: str = attrs.field(validator=_non_empty)
    minutes: int = attrs.field(validator=_checks.ge(0))
    fare: float = attrs.field(default=0.0, converter=float, validator=_non_negative_number)

    @destination.validator
    def _check_distinct(self, _attribute: attrs.Attribute[str], value: str) -> None:
        if value == self.origin:
            raise ValidationError(f"travel from {value!r} to itself: within an area only locations count")

    @property
    def key(self) -> tuple[str, str]:
        """The unordered pair of areas, as a sorted tuple."""
        a, b = self.origin, self.destination
        return (a, b) if a <= b else (b, a)


def _optional_fare(_inst: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _non_negative_number(_inst, attribute, value)


@attrs.frozen
class ParticipantProfile:
    """A participant in the social space: where they live, what they need, how far they go.

    Args:
        participant: the domain participant (pseudonymous).
        home_area: the area they live in.
        needs: their needs (health, debt, addiction, housing, childcare, …).
        max_minutes: the longest trip they manage (one way, minutes).
        max_fare: the highest fare they can pay for a single trip; None: fares are
            no obstacle (e.g. a Deutschlandticket).
        earliest: the earliest time they can leave home ("früher aufstehen müssen");
            None: no limit.
        programme_id: the programme they take part in ("" if none).
        wants_peers: whether they want to meet peers (some do not).

    Raises:
        ValueError: a negative limit or a bad time.

    Examples:
        >>> p = ParticipantProfile(Participant("p1"), home_area="Lütjenburg", needs=["debt", "health"],
        ...                        max_minutes=40, earliest="09:00")
        >>> p.id, sorted(p.needs), p.earliest
        ('p1', [<Need.DEBT: 'debt'>, <Need.HEALTH: 'health'>], datetime.time(9, 0))
    """

    participant: Participant = attrs.field(validator=_checks.instance_of(Participant))
    home_area: str = attrs.field(validator=_non_empty)
    needs: frozenset[Need] = attrs.field(default=frozenset(), converter=_to_needs)
    max_minutes: int = attrs.field(default=45, validator=_checks.ge(0))
    max_fare: float | None = attrs.field(
        default=None, converter=attrs.converters.optional(float), validator=_optional_fare
    )
    earliest: time | None = attrs.field(default=None, converter=_to_optional_time)
    programme_id: str = attrs.field(default="", validator=optional_id_validator)
    wants_peers: bool = attrs.field(default=True, validator=_checks.instance_of(bool))

    @property
    def id(self) -> str:
        """The participant's id."""
        return self.participant.id

    def age_on(self, day: date | None) -> int | None:
        """The participant's age on ``day`` (None when the day or the birth month is unknown)."""
        return None if day is None else self.participant.age_on(day)


@attrs.frozen
class Person:
    """Someone in the social space who is neither participant nor coach: contact, peer, volunteer.

    Args:
        id: pseudonymous id.
        role: contact (family, friends), peer or volunteer.
        home_area: where they live ("" if unknown).

    Examples:
        >>> Person("n-1", role="peer", home_area="Grünau").role
        <PersonRole.PEER: 'peer'>
    """

    id: str = attrs.field(validator=id_validator)
    role: PersonRole = attrs.field(default=PersonRole.CONTACT, converter=_to_person_role)
    home_area: str = ""


def _to_strength(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"strength must be 1, 2 or 3, got {value!r}")
    return value


@attrs.frozen
class Tie:
    """A tie between two nodes: who knows whom, held by whom, how strong, with what consent.

    A tie is undirected for reachability; ``held_by`` says whose contact it is (a
    coach's own contact, the participant's, or an organisation's agreement), which
    is what the coach-dependency analysis asks.

    Args:
        id: stable id.
        source: one end (organisation, participant, coach or person id).
        target: the other end.
        kind: institutional (agreement, role) or personal (people who know each other).
        held_by: whose contact it is; default ``source``.
        strength: 1 weak, 2 medium, 3 strong.
        since: when the tie began.
        last_contact: the last contact over the tie.
        consent: the participant on this tie consented to data exchange with the
            other end (only meaningful on ties that touch a participant).

    Raises:
        ValueError: a tie from a node to itself, a bad strength, last contact before ``since``.

    Examples:
        >>> t = Tie("t1", "c-anna", "tk-preetz", kind="personal", strength=3)
        >>> t.held_by, t.other("tk-preetz")
        ('c-anna', 'c-anna')
    """

    id: str = attrs.field(validator=id_validator)
    source: str = attrs.field(validator=id_validator)
    target: str = attrs.field(validator=id_validator)
    kind: TieKind = attrs.field(default=TieKind.INSTITUTIONAL, converter=_to_tie_kind)
    held_by: str = attrs.field(default=attrs.Factory(lambda self: self.source, takes_self=True),
                               validator=id_validator)
    strength: int = attrs.field(
        default=1, converter=_to_strength, validator=[_checks.ge(1), _checks.le(3)]
    )
    since: date | None = None
    last_contact: date | None = None
    consent: bool = attrs.field(default=False, validator=_checks.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.source == self.target:
            raise ValidationError(f"tie {self.id!r} joins {self.source!r} to itself")
        if self.since is not None and self.last_contact is not None and self.last_contact < self.since:
            raise ValidationError(f"last_contact {self.last_contact} is before since {self.since}")

    def other(self, node_id: str) -> str:
        """The end of the tie opposite ``node_id``."""
        return self.target if node_id == self.source else self.source

    def touches(self, node_id: str) -> bool:
        """Whether ``node_id`` is one of the tie's ends."""
        return node_id in (self.source, self.target)
