"""Network layer: a seeded generator of synthetic social spaces (rural and city settings)."""

from __future__ import annotations

from datetime import time

import attrs
import numpy as np

from langzeit.domain import Coach, LegalDomain, Organisation, OrganisationKind, Participant
from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.network._records import (
    Location,
    Need,
    ParticipantProfile,
    Person,
    Schedule,
    Service,
    Tie,
    Travel,
)
from langzeit.network._space import Record, SocialSpace

__all__ = ["SETTINGS", "SpaceSettings", "synthetic_space"]

_K = OrganisationKind
_D = LegalDomain
_N = Need

#: Organisation kinds of generated actors: weight, Rechtskreis and the needs their service meets.
_KINDS: tuple[tuple[OrganisationKind, float, LegalDomain, tuple[Need, ...]], ...] = (
    (_K.PROVIDER, 4, _D.SGB_II, (_N.WORK, _N.SOCIAL_CONTACT)),
    (_K.HEALTH_INSURER, 1, _D.SGB_V, (_N.HEALTH,)),
    (_K.PENSION_INSURER, 0.5, _D.SGB_VI, (_N.REHABILITATION,)),
    (_K.DAY_CLINIC, 1, _D.SGB_V, (_N.MENTAL_HEALTH,)),
    (_K.MEDICAL_PRACTICE, 8, _D.SGB_V, (_N.HEALTH,)),
    (_K.DEBT_COUNSELLING, 2, _D.SGB_II, (_N.DEBT,)),
    (_K.ADDICTION_COUNSELLING, 1.5, _D.SGB_II, (_N.ADDICTION,)),
    (_K.PSYCHOSOCIAL_COUNSELLING, 2, _D.SGB_XII, (_N.MENTAL_HEALTH, _N.SOCIAL_CONTACT)),
    (_K.YOUTH_WELFARE, 1, _D.SGB_VIII, (_N.CHILDCARE,)),
    (_K.SOCIAL_WELFARE, 1, _D.SGB_XII, (_N.HOUSING, _N.CARE)),
    (_K.INTEGRATION_SERVICE, 0.5, _D.SGB_IX, (_N.REHABILITATION, _N.WORK)),
    (_K.EMPLOYER, 12, _D.NONE, (_N.WORK,)),
    (_K.SPORTS_CLUB, 6, _D.NONE, (_N.HEALTH, _N.SOCIAL_CONTACT)),
    (_K.CLUB, 4, _D.NONE, (_N.SOCIAL_CONTACT,)),
    (_K.PEER_GROUP, 1, _D.NONE, (_N.SOCIAL_CONTACT, _N.MENTAL_HEALTH)),
    (_K.CHILDCARE, 5, _D.SGB_VIII, (_N.CHILDCARE,)),
    (_K.HOUSING, 1, _D.SGB_XII, (_N.HOUSING,)),
    (_K.LANGUAGE_SCHOOL, 1.5, _D.SGB_III, (_N.LANGUAGE, _N.EDUCATION)),
    (_K.MUNICIPALITY, 0.5, _D.SGB_XII, (_N.MOBILITY, _N.HOUSING)),
)

#: How often participants have each need (relative weights).
_NEED_WEIGHTS: dict[Need, float] = {
    _N.HEALTH: 6, _N.MENTAL_HEALTH: 6, _N.ADDICTION: 2, _N.DEBT: 5, _N.HOUSING: 2, _N.CHILDCARE: 2,
    _N.CARE: 1, _N.MOBILITY: 2, _N.LANGUAGE: 2, _N.SOCIAL_CONTACT: 4, _N.WORK: 5, _N.REHABILITATION: 1,
    _N.EDUCATION: 1,
}


@attrs.frozen
class SpaceSettings:
    """Parameters of a synthetic social space.

    Areas are placed at random on a rectangle; travel time between two areas is
    ``wait_minutes + minutes_per_km × distance``, the fare ``base_fare +
    fare_per_km × distance``; a connection is missing with probability
    ``missing_per_km × distance`` (capped at 0.9).

    Args:
        name: label of the setting.
        areas: number of areas (Gemeinden, Stadtteile).
        width_km: width of the region.
        height_km: height of the region.
        wait_minutes: fixed minutes of every trip between areas (waiting, walking).
        minutes_per_km: minutes per km of distance.
        base_fare: fare of the shortest trip.
        fare_per_km: fare per km of distance.
        missing_per_km: probability per km that two areas have no connection.
        area_skew: Zipf exponent of how actors and people cluster in the larger areas (rural 0.8:
            the largest of 60 areas holds about a seventh, as Preetz in Kreis Plön).
        max_minutes: choices of participants' longest trip.
        max_fares: choices of participants' fare limit (None: no limit).
        earliest: choices of participants' earliest start (None: no limit).
        caseload: participants per coach.
        coach_contacts: mean number of actors a coach has ties to.
        personal_share: share of the coaches' contacts that are personal.
        tandem_share: share of participants with two coaches (jobcenter and provider).
        own_ties: mean number of actors a participant has own ties to.
        contacts: mean number of personal contacts of a participant.
        org_links: mean number of organisation-level ties per organisation.
        programmes: programme ids assigned to participants.

    Examples:
        >>> SETTINGS["rural"].areas, SETTINGS["city"].areas
        (60, 90)
    """

    name: str
    areas: int
    width_km: float
    height_km: float
    wait_minutes: float
    minutes_per_km: float
    base_fare: float
    fare_per_km: float
    missing_per_km: float
    area_skew: float
    max_minutes: tuple[int, ...]
    max_fares: tuple[float | None, ...]
    earliest: tuple[str | None, ...]
    caseload: int = 40
    coach_contacts: float = 25.0
    personal_share: float = 0.4
    tandem_share: float = 0.3
    own_ties: float = 0.6
    contacts: float = 1.0
    org_links: float = 1.0
    programmes: tuple[str, ...] = ("programme",)


#: The two built-in settings: a Plön-like rural district and a Leipzig-like city.
SETTINGS: dict[str, SpaceSettings] = {
    "rural": SpaceSettings(
        "rural (Plön-like)", areas=60, width_km=45, height_km=35, wait_minutes=15, minutes_per_km=2.2,
        base_fare=2.4, fare_per_km=0.12, missing_per_km=0.012, area_skew=0.8,
        max_minutes=(30, 45, 60, 75), max_fares=(None, 3.0, 5.0, 8.0),
        earliest=(None, None, "08:30", "10:00"),
        programmes=("pan", "regel"),
    ),
    "city": SpaceSettings(
        "city (Leipzig-like)", areas=90, width_km=14, height_km=12, wait_minutes=8, minutes_per_km=2.6,
        base_fare=3.0, fare_per_km=0.0, missing_per_km=0.0, area_skew=0.4,
        max_minutes=(25, 35, 45, 60), max_fares=(None, None, 3.0, 0.0),
        earliest=(None, None, "09:00", "11:00"),
        programmes=("sanus-le", "lipsy", "regel"),
    ),
}


def synthetic_space(
    setting: str | SpaceSettings = "rural",
    *,
    actors: int = 500,
    participants: int = 2_000,
    seed: int = 0,
) -> SocialSpace:
    """A synthetic social space for benchmarks, tests and teaching; the same seed gives the same space.

    Actors get one location and one service each (kinds and needs as in the seeds'
    lists); the first ``max(1, actors // 500)`` actors are jobcenters and the next
    ones providers, which employ the coaches. Participants get needs, travel
    limits, a programme, one or two coaches, personal contacts and a few own ties.

    Args:
        setting: ``"rural"``, ``"city"`` or a :class:`SpaceSettings`.
        actors: number of organisations (≥ 2).
        participants: number of participants (≥ 1).
        seed: seed of the random stream.

    Returns:
        The space.

    Raises:
        UnknownNameError: an unknown setting name.
        ValidationError: too few actors or participants.

    Examples:
        >>> s = synthetic_space("city", actors=60, participants=100, seed=1)
        >>> len(s.organisations), len(s.participants), len(s.coaches)
        (60, 100, 2)
        >>> from langzeit.network import space_to_dict
        >>> space_to_dict(s) == space_to_dict(synthetic_space("city", actors=60, participants=100, seed=1))
        True
    """
    if isinstance(setting, str):
        if setting not in SETTINGS:
            raise UnknownNameError("setting", setting, SETTINGS)
        cfg = SETTINGS[setting]
    else:
        cfg = setting
    problems = []
    if actors < 2:
        problems.append(Problem("actors", f"needs at least 2, got {actors}"))
    if participants < 1:
        problems.append(Problem("participants", f"needs at least 1, got {participants}"))
    if problems:
        raise ValidationError("synthetic space", problems)
    rng = np.random.default_rng(seed)
    records: list[Record] = []

    # areas and travel
    names = [f"A{i:03d}" for i in range(cfg.areas)]
    xy = rng.uniform(0, 1, size=(cfg.areas, 2)) * np.array([cfg.width_km, cfg.height_km])
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    missing = rng.uniform(size=dist.shape) < np.minimum(0.9, cfg.missing_per_km * dist)
    for i in range(cfg.areas):
        for j in range(i + 1, cfg.areas):
            if not missing[i, j]:
                minutes = round(cfg.wait_minutes + cfg.minutes_per_km * dist[i, j])
                fare = round(cfg.base_fare + cfg.fare_per_km * dist[i, j], 1)
                records.append(Travel(names[i], names[j], minutes=int(minutes), fare=fare))
    weights = 1.0 / np.arange(1, cfg.areas + 1) ** cfg.area_skew
    weights /= weights.sum()

    # organisations, locations, services
    n_jc = max(1, actors // 500)
    n_prov = max(1, actors // 50)
    kind_w = np.array([k[1] for k in _KINDS])
    kinds = rng.choice(len(_KINDS), size=actors, p=kind_w / kind_w.sum())
    org_area = rng.choice(cfg.areas, size=actors, p=weights)
    transit = rng.integers(0, 16, size=actors)
    opens = rng.integers(7 * 4, 11 * 4, size=actors) * 15
    length = rng.integers(3 * 4, 9 * 4, size=actors) * 15
    full = rng.uniform(size=actors) < 0.1
    org_ids = [f"o{i}" for i in range(actors)]
    for i in range(actors):
        needs: tuple[Need, ...]
        if i < n_jc:
            kind, domain, needs = _K.JOBCENTER, _D.SGB_II, (_N.WORK,)
        elif i < n_jc + n_prov:
            kind, domain, needs = _KINDS[0][0], _KINDS[0][2], _KINDS[0][3]
        else:
            kind, _, domain, needs = _KINDS[kinds[i]]
        area = names[org_area[i]]
        records.append(Organisation(org_ids[i], f"{kind.value} {i}", kind=kind, legal_domain=domain))
        records.append(Location(f"l{i}", f"{kind.value} {i}", area=area, organisation_id=org_ids[i],
                                transit_minutes=int(transit[i])))
        start = int(opens[i])
        end = min(start + int(length[i]), 23 * 60 + 45)
        records.append(Service(
            f"s{i}", org_ids[i], f"{kind.value} service {i}", needs=needs, location_ids=(f"l{i}",),
            schedules=(Schedule(time(start // 60, start % 60), time(end // 60, end % 60)),),
            capacity=20 if full[i] else None, available=0 if full[i] else None,
        ))

    # coaches
    n_coaches = max(2, participants // cfg.caseload)
    jc_coach = rng.uniform(size=n_coaches) < 0.4
    coach_org = np.where(jc_coach, rng.integers(0, n_jc, size=n_coaches),
                         rng.integers(n_jc, n_jc + n_prov, size=n_coaches))
    coach_ids = [f"c{i}" for i in range(n_coaches)]
    for i in range(n_coaches):
        records.append(Coach(coach_ids[i], role="pap" if jc_coach[i] else "provider_coach",
                             organisation_id=org_ids[coach_org[i]], caseload_limit=60 if jc_coach[i] else 12))
    ties: list[Record] = []
    tid = 0
    for i in range(n_coaches):
        k = int(rng.poisson(cfg.coach_contacts))
        targets = np.unique(rng.integers(0, actors, size=k))
        personal = rng.uniform(size=len(targets)) < cfg.personal_share
        strength = rng.integers(1, 4, size=len(targets))
        for t, p, s in zip(targets, personal, strength, strict=True):
            if t == coach_org[i]:
                continue
            ties.append(Tie(f"t{tid}", coach_ids[i], org_ids[t], kind="personal" if p else "institutional",
                            strength=int(s)))
            tid += 1
    n_links = rng.poisson(cfg.org_links, size=actors)
    for i in range(actors):
        for t in np.unique(rng.integers(0, actors, size=int(n_links[i]))):
            if t != i:
                ties.append(Tie(f"t{tid}", org_ids[i], org_ids[t], strength=2))
                tid += 1

    # participants
    need_list = list(_NEED_WEIGHTS)
    need_w = np.array([_NEED_WEIGHTS[n] for n in need_list], dtype=float)
    need_w /= need_w.sum()
    home = rng.choice(cfg.areas, size=participants, p=weights)
    n_needs = rng.integers(1, 4, size=participants)
    max_min = rng.choice(cfg.max_minutes, size=participants)
    fare_pick = rng.integers(0, len(cfg.max_fares), size=participants)
    early_pick = rng.integers(0, len(cfg.earliest), size=participants)
    prog = rng.integers(0, len(cfg.programmes), size=participants)
    wants = rng.uniform(size=participants) < 0.8
    born = rng.integers(1960, 2003, size=participants)
    main_coach = rng.integers(0, n_coaches, size=participants)
    second = np.where(rng.uniform(size=participants) < cfg.tandem_share,
                      rng.integers(0, n_coaches, size=participants), -1)
    n_contacts = rng.poisson(cfg.contacts, size=participants)
    n_own = rng.poisson(cfg.own_ties, size=participants)
    orgs_by_area: dict[int, np.ndarray] = {
        a: np.flatnonzero(org_area == a) for a in range(cfg.areas)
    }
    person_no = 0
    for i in range(participants):
        pid = f"p{i}"
        picked = rng.choice(len(need_list), size=int(n_needs[i]), replace=False, p=need_w)
        records.append(ParticipantProfile(
            Participant(pid, birth_month=f"{born[i]}-{1 + i % 12:02d}"), home_area=names[home[i]],
            needs=[need_list[j] for j in picked], max_minutes=int(max_min[i]),
            max_fare=cfg.max_fares[fare_pick[i]], earliest=cfg.earliest[early_pick[i]],
            programme_id=cfg.programmes[prog[i]], wants_peers=bool(wants[i]),
        ))
        # a provider's coaching passes data to the provider: such ties carry the consent (DOMAIN.md § 6)
        ties.append(Tie(f"t{tid}", pid, coach_ids[main_coach[i]], held_by=coach_ids[main_coach[i]],
                        consent=bool(i % 3) or not jc_coach[main_coach[i]]))
        tid += 1
        if second[i] >= 0 and second[i] != main_coach[i]:
            ties.append(Tie(f"t{tid}", pid, coach_ids[second[i]], held_by=coach_ids[second[i]],
                            consent=not jc_coach[second[i]]))
            tid += 1
        for _ in range(int(n_contacts[i])):
            nid = f"n{person_no}"
            person_no += 1
            records.append(Person(nid, "contact", names[home[i]]))
            ties.append(Tie(f"t{tid}", pid, nid, kind="personal", held_by=pid, strength=3))
            tid += 1
        local = orgs_by_area[int(home[i])]
        if len(local) and n_own[i]:
            for t in np.unique(local[rng.integers(0, len(local), size=int(n_own[i]))]):
                ties.append(Tie(f"t{tid}", pid, org_ids[t], kind="personal", held_by=pid))
                tid += 1
    space = SocialSpace(f"synthetic {cfg.name}, seed {seed}")
    space.extend(records + ties)
    return space
