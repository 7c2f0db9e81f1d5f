"""Network layer: a social space's file formats, beside the model: JSON (HSDS-compatible subset), GraphML.

:class:`~langzeit.network.SocialSpace` knows no file format (STYLE.md § 14); these
functions read and write it, as :func:`langzeit.store.read_events` does for event logs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import networkx as nx

from langzeit._calendar import iso_date
from langzeit.domain import Coach, Consent, Organisation, Participant
from langzeit.exceptions import Problem, ValidationError, WrongTypeError
from langzeit.network import _records as rec
from langzeit.network._space import Record, SocialSpace
from langzeit.privacy import StatedPurpose

__all__ = [
    "FORMAT",
    "SPECIAL_PARTICIPANT_FIELDS",
    "VERSION",
    "flat_graph",
    "is_space_file",
    "read_space",
    "space_from_dict",
    "space_to_dict",
    "write_graphml",
    "write_space",
]

FORMAT = "langzeit-social-space"
"""The ``format`` field of the social-space JSON document."""
VERSION = 1
"""The ``version`` this library writes (and the newest it reads)."""

#: Participant fields that are special categories (Art. 9 GDPR): needs (health, addiction,
#: rehabilitation… a participant's Problemlagen), a known health limitation, and the need
#: of language support (it may reveal ethnic origin). Left out of exports by default.
SPECIAL_PARTICIPANT_FIELDS = ("needs", "health_limitation", "language_support")

_SECTIONS = (
    "organizations", "locations", "services", "service_at_locations", "travel",
    "participants", "coaches", "persons", "ties", "consents",
)


class _Missing(KeyError):
    def __str__(self) -> str:
        return f"missing field {self.args[0]!r}"


def _req(row: dict[str, Any], key: str) -> Any:
    if key not in row or row[key] is None:
        raise _Missing(key)
    return row[key]


def _date(value: Any, field: str) -> date | None:
    if value is None or value == "":
        return None
    day = iso_date(value)
    if day is None:
        raise ValidationError(f"{field} must be an ISO date 'YYYY-MM-DD', got {value!r}")
    return day


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _organisation(row: dict[str, Any]) -> Organisation:
    return Organisation(
        _req(row, "id"), _req(row, "name"),
        kind=row.get("kind", "other"), legal_domain=row.get("legal_domain", "none"),
    )


def _location(row: dict[str, Any]) -> rec.Location:
    return rec.Location(
        _req(row, "id"), _req(row, "name"), area=_req(row, "area"),
        organisation_id=row.get("organization_id") or "",
        transit_minutes=row.get("transit_minutes", 0), fare=row.get("fare", 0.0),
    )


def _schedule(row: dict[str, Any]) -> rec.Schedule:
    return rec.Schedule(_req(row, "opens_at"), _req(row, "closes_at"), byday=row.get("byday") or ())


def _service(row: dict[str, Any], location_ids: tuple[str, ...]) -> rec.Service:
    capacities = row.get("service_capacities") or [{}]
    if not isinstance(capacities, list) or len(capacities) != 1 or not isinstance(capacities[0], dict):
        raise ValidationError("service_capacities must be a list with one {maximum, available} entry")
    needs = _req(row, "needs")
    if not isinstance(needs, list):
        raise ValidationError(f"needs must be a list, got {needs!r}")
    return rec.Service(
        _req(row, "id"), _req(row, "organization_id"), _req(row, "name"),
        needs=needs, location_ids=location_ids, status=row.get("status", "active"),
        minimum_age=row.get("minimum_age"), maximum_age=row.get("maximum_age"),
        eligibility_description=row.get("eligibility_description") or "",
        schedules=[_schedule(s) for s in row.get("schedules") or []],
        capacity=capacities[0].get("maximum"), available=capacities[0].get("available"),
    )


def _travel(row: dict[str, Any]) -> rec.Travel:
    return rec.Travel(
        _req(row, "origin"), _req(row, "destination"), minutes=_req(row, "minutes"),
        fare=row.get("fare", 0.0),
    )


def _participant(row: dict[str, Any]) -> rec.ParticipantProfile:
    person = Participant(
        _req(row, "id"), birth_month=row.get("birth_month"), sex=row.get("sex") or "",
        single_parent=row.get("single_parent", False), children=row.get("children", 0),
        health_limitation=row.get("health_limitation", False),
        language_support=row.get("language_support", False),
    )
    return rec.ParticipantProfile(
        person, home_area=_req(row, "home_area"), needs=row.get("needs") or (),
        max_minutes=row.get("max_minutes", 45), max_fare=row.get("max_fare"),
        earliest=row.get("earliest"), programme_id=row.get("programme_id") or "",
        wants_peers=row.get("wants_peers", True),
    )


def _coach(row: dict[str, Any]) -> Coach:
    return Coach(
        _req(row, "id"), role=_req(row, "role"), organisation_id=_req(row, "organization_id"),
        fte=row.get("fte", 1.0), caseload_limit=row.get("caseload_limit", 12),
    )


def _person(row: dict[str, Any]) -> rec.Person:
    return rec.Person(_req(row, "id"), role=row.get("role", "contact"), home_area=row.get("home_area") or "")


def _tie(row: dict[str, Any]) -> rec.Tie:
    source = _req(row, "source")
    return rec.Tie(
        _req(row, "id"), source, _req(row, "target"), kind=row.get("kind", "institutional"),
        held_by=row.get("held_by") or source, strength=row.get("strength", 1),
        since=_date(row.get("since"), "since"), last_contact=_date(row.get("last_contact"), "last_contact"),
        consent=row.get("consent", False),
    )


def _consent(row: dict[str, Any]) -> Consent:
    given = _date(_req(row, "given"), "given")
    if given is None:
        raise ValidationError("given must be an ISO date 'YYYY-MM-DD', got ''")
    return Consent(
        _req(row, "id"), _req(row, "participant_id"), _req(row, "purpose"), _req(row, "recipient"),
        given=given, withdrawn=_date(row.get("withdrawn"), "withdrawn"),
    )


_READERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "organizations": _organisation,
    "locations": _location,
    "travel": _travel,
    "participants": _participant,
    "coaches": _coach,
    "persons": _person,
    "ties": _tie,
    "consents": _consent,
}


def _message(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, TypeError) and "argument" in text:
        return f"wrong or missing field: {text}"
    return text


def space_from_dict(data: Any, *, source: str = "<memory>") -> SocialSpace:
    """Build a space from its JSON document (see :func:`space_to_dict`); nothing half-imported.

    Fields this library does not use (other HSDS fields) are ignored.

    Args:
        data: the parsed JSON document.
        source: the file name used in problem locations.

    Returns:
        The space.

    Raises:
        ValidationError: every problem of the document, each with its location
            (``"file.json: services[3].needs"``); no space is returned.

    Examples:
        >>> space_from_dict({"organizations": [{"id": "x", "name": "X"}]}).organisations["x"].name
        'X'
    """
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise ValidationError(f"{source}: not a social space", [Problem(source, "expected a JSON object")])
    fmt, version = data.get("format", FORMAT), data.get("version", VERSION)
    if fmt != FORMAT:
        problems.append(Problem(f"{source}: format", f"expected {FORMAT!r}, got {fmt!r}"))
    if not isinstance(version, int) or version > VERSION:
        problems.append(Problem(f"{source}: version", f"version {version!r} is newer than {VERSION}"))
    sections: dict[str, list[Any]] = {}
    for key in _SECTIONS:
        value = data.get(key, [])
        if not isinstance(value, list):
            problems.append(Problem(f"{source}: {key}", "must be a list"))
            value = []
        sections[key] = value
    at_locations: dict[str, list[str]] = {}
    known_services = {r.get("id") for r in sections["services"] if isinstance(r, dict)}
    for i, row in enumerate(sections["service_at_locations"]):
        loc = f"{source}: service_at_locations[{i}]"
        if not isinstance(row, dict) or not row.get("service_id") or not row.get("location_id"):
            problems.append(Problem(loc, "needs service_id and location_id"))
            continue
        if row["service_id"] not in known_services:
            problems.append(Problem(loc, f"unknown service {row['service_id']!r}"))
            continue
        at_locations.setdefault(row["service_id"], []).append(row["location_id"])
    records: list[Record] = []
    where: list[str] = []
    unparsed: set[str] = set()
    consents_known = isinstance(data.get("consents", []), list)
    for key in ("organizations", "locations", "services", "travel", "participants", "coaches",
                "persons", "ties", "consents"):
        for i, row in enumerate(sections[key]):
            loc = f"{source}: {key}[{i}]"
            if not isinstance(row, dict):
                problems.append(Problem(loc, "expected a JSON object"))
                consents_known = consents_known and key != "consents"
                continue
            if "id" in row:
                loc += f" {row['id']!r}"
            try:
                if key == "services":
                    record: Any = _service(row, tuple(at_locations.get(row.get("id", ""), ())))
                else:
                    record = _READERS[key](row)
            except (ValueError, TypeError, KeyError) as exc:
                problems.append(Problem(loc, _message(exc)))
                consents_known = consents_known and key != "consents"
                if isinstance(row.get("id"), str):
                    unparsed.add(row["id"])
                continue
            records.append(record)
            where.append(loc)
    space = SocialSpace(str(data.get("name") or ""))
    try:
        space._extend(records, where, frozenset(unparsed), consents_known=consents_known)
    except ValidationError as exc:
        problems += [p for p in exc.problems if isinstance(p, Problem)] or [Problem(source, str(exc))]
    if problems:
        raise ValidationError(f"{source}: social space not imported", problems)
    return space


@attrs.frozen
class _Release:
    """What an export may contain: one decision for the JSON document and GraphML.

    The usable ties and the consents, participants' rows with or without special categories.
    """

    purpose: StatedPurpose | None
    ties: list[rec.Tie]
    consents: list[Consent]
    left_out: dict[str, int]

    @classmethod
    def of(cls, space: SocialSpace, purpose: StatedPurpose | None) -> _Release:
        if purpose is not None and not isinstance(purpose, StatedPurpose):
            raise WrongTypeError("include_special_categories takes a langzeit.privacy.StatedPurpose "
                            f"(why the data are needed), got {purpose!r}")
        checks = space.tie_consents()
        orgs = space.organisations

        def health(recipient: str) -> bool:
            org = orgs.get(recipient)
            return org is not None and org.kind.is_health_care

        usable = [space.ties[tid] for tid, c in checks.items() if c.allowed]
        ties = [t for t in usable if purpose is not None or not health(checks[t.id].recipient)]
        consents = [c for _, c in sorted(space.consents.items())
                    if purpose is not None or not health(c.recipient)]
        return cls(purpose, ties, consents, {
            "withdrawn_ties": len(checks) - len(usable),
            "special_category_ties": len(usable) - len(ties),
            "special_category_consents": len(space.consents) - len(consents),
        })

    def participant(self, p: rec.ParticipantProfile) -> dict[str, Any]:
        row = _participant_row(p)
        if self.purpose is None:
            for name in SPECIAL_PARTICIPANT_FIELDS:
                del row[name]
        return row

    def header(self) -> dict[str, Any]:
        return {"special_categories": {"included": self.purpose is not None,
                                       "purpose": None if self.purpose is None else self.purpose.text},
                "left_out": self.left_out}


def space_to_dict(space: SocialSpace, *, include_special_categories: StatedPurpose | None = None
                  ) -> dict[str, Any]:
    """The JSON document of a space: HSDS names for organisations, services and locations.

    Safe by default (DOMAIN.md § 6): the document leaves out the special categories
    of Art. 9 GDPR — participants' needs, health limitation and language support
    (:data:`SPECIAL_PARTICIPANT_FIELDS`), ties and consents that link a participant
    to a health-care organisation (``OrganisationKind.is_health_care``: their existence
    is health data) — unless the caller states why they need them
    (``include_special_categories=StatedPurpose(...)``; the purpose is written into the
    document). Ties whose consent was withdrawn are always left out: an export is a
    flow of data, and withdrawal stops it; the withdrawn consent records stay, so that
    the withdrawal travels with the data. ``left_out`` counts what was left out; read
    back, the document gives a space without it.

    Args:
        space: the space.
        include_special_categories: the stated purpose for which special categories are included.

    Returns:
        A JSON-ready dict with the keys ``format``, ``version``, ``name``,
        ``special_categories`` (``included``, ``purpose``), ``left_out``,
        ``organizations``, ``locations``, ``services``, ``service_at_locations``,
        ``travel``, ``participants``, ``coaches``, ``persons``, ``ties``, ``consents``
        (each list in id order).

    Raises:
        TypeError: ``include_special_categories`` is not a :class:`~langzeit.privacy.StatedPurpose`.

    Examples:
        >>> doc = space_to_dict(SocialSpace("leer"))
        >>> doc["format"], doc["version"], doc["organizations"]
        ('langzeit-social-space', 1, [])
        >>> from langzeit.network import example_space
        >>> space = example_space()
        >>> "needs" in space_to_dict(space)["participants"][0]
        False
        >>> doc = space_to_dict(space, include_special_categories=StatedPurpose("Fallkonferenz PaN"))
        >>> doc["participants"][0]["needs"], doc["special_categories"]["purpose"]
        (['debt', 'mental_health', 'social_contact'], 'Fallkonferenz PaN')
    """
    release = _Release.of(space, include_special_categories)
    services = []
    at_locations = []
    for s in sorted(space.services.values(), key=lambda s: s.id):
        services.append({
            "id": s.id, "organization_id": s.organisation_id, "name": s.name, "status": s.status.value,
            "needs": sorted(n.value for n in s.needs),
            "minimum_age": s.minimum_age, "maximum_age": s.maximum_age,
            "eligibility_description": s.eligibility_description,
            "schedules": [
                {"byday": ",".join(sc.byday), "opens_at": f"{sc.opens_at:%H:%M}",
                 "closes_at": f"{sc.closes_at:%H:%M}"}
                for sc in s.schedules
            ],
            "service_capacities": [{"maximum": s.capacity, "available": s.available}],
        })
        at_locations += [
            {"id": f"{s.id}@{lid}", "service_id": s.id, "location_id": lid} for lid in s.location_ids
        ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": space.name,
        **release.header(),
        "organizations": [
            {"id": o.id, "name": o.name, "kind": o.kind.value, "legal_domain": o.legal_domain.value}
            for o in sorted(space.organisations.values(), key=lambda o: o.id)
        ],
        "locations": [
            {"id": loc.id, "name": loc.name, "organization_id": loc.organisation_id or None,
             "area": loc.area, "transit_minutes": loc.transit_minutes, "fare": loc.fare}
            for loc in sorted(space.locations.values(), key=lambda loc: loc.id)
        ],
        "services": services,
        "service_at_locations": at_locations,
        "travel": [
            {"origin": t.origin, "destination": t.destination, "minutes": t.minutes, "fare": t.fare}
            for _, t in sorted(space.travel.items())
        ],
        "participants": [
            release.participant(p) for p in sorted(space.participants.values(), key=lambda p: p.id)
        ],
        "coaches": [
            {"id": c.id, "role": c.role.value, "organization_id": c.organisation_id, "fte": c.fte,
             "caseload_limit": c.caseload_limit}
            for c in sorted(space.coaches.values(), key=lambda c: c.id)
        ],
        "persons": [
            {"id": p.id, "role": p.role.value, "home_area": p.home_area}
            for p in sorted(space.persons.values(), key=lambda p: p.id)
        ],
        "ties": [
            {"id": t.id, "source": t.source, "target": t.target, "kind": t.kind.value,
             "held_by": t.held_by, "strength": t.strength, "since": _iso(t.since),
             "last_contact": _iso(t.last_contact), "consent": t.consent}
            for t in release.ties
        ],
        "consents": [
            {"id": c.id, "participant_id": c.participant_id, "purpose": c.purpose.value,
             "recipient": c.recipient, "given": _iso(c.given), "withdrawn": _iso(c.withdrawn)}
            for c in release.consents
        ],
    }


def _participant_row(p: rec.ParticipantProfile) -> dict[str, Any]:
    q = p.participant
    return {
        "id": q.id,
        "birth_month": None if q.birth_month is None else f"{q.birth_month:%Y-%m}",
        "sex": q.sex.value, "single_parent": q.single_parent, "children": q.children,
        "health_limitation": q.health_limitation, "language_support": q.language_support,
        "home_area": p.home_area, "needs": sorted(n.value for n in p.needs),
        "max_minutes": p.max_minutes, "max_fare": p.max_fare,
        "earliest": None if p.earliest is None else f"{p.earliest:%H:%M}",
        "programme_id": p.programme_id, "wants_peers": p.wants_peers,
    }


def flat_graph(space: SocialSpace, *, include_special_categories: StatedPurpose | None = None
               ) -> nx.MultiGraph:
    """A copy of the graph with only scalar attributes (what GraphML can hold), safe by default.

    Leaves out what :func:`space_to_dict` leaves out: participants' needs unless
    ``include_special_categories`` states a purpose (then in the graph attribute
    ``special_categories_purpose``), ties to health-care organisations likewise, and
    ties whose consent was withdrawn always.

    Examples:
        >>> flat_graph(SocialSpace()).number_of_nodes()
        0
        >>> from langzeit.network import example_space
        >>> "needs" in flat_graph(example_space()).nodes["p-anna"]
        False
    """
    release = _Release.of(space, include_special_categories)
    g = nx.MultiGraph(name=space.name)
    if release.purpose is not None:
        g.graph["special_categories_purpose"] = release.purpose.text
    offered: dict[str, list[str]] = {}
    for s in space.services.values():
        offered.setdefault(s.organisation_id, []).append(s.id)
    for o in space.organisations.values():
        g.add_node(o.id, kind="organisation", name=o.name, legal_domain=o.legal_domain.value,
                   org_kind=o.kind.value, services=",".join(sorted(offered.get(o.id, []))))
    for p in space.participants.values():
        g.add_node(p.id, kind="participant", area=p.home_area, programme_id=p.programme_id)
        if release.purpose is not None:
            g.nodes[p.id]["needs"] = ",".join(sorted(n.value for n in p.needs))
    for c in space.coaches.values():
        g.add_node(c.id, kind="coach", role=c.role.value, organisation_id=c.organisation_id)
    for n in space.persons.values():
        g.add_node(n.id, kind="person", role=n.role.value, area=n.home_area)
    for t in release.ties:
        g.add_edge(t.source, t.target, key=t.id, kind=t.kind.value, held_by=t.held_by,
                   strength=t.strength, since=_iso(t.since) or "",
                   last_contact=_iso(t.last_contact) or "", consent=t.consent)
    return g


#: The file suffix of the social-space JSON document.
SUFFIX = ".json"


def is_space_file(path: str | os.PathLike[str]) -> bool:
    """Whether a file name is that of a social-space document (what :func:`read_space` reads).

    Examples:
        >>> is_space_file("ploen.json"), is_space_file("ploen.JSON"), is_space_file("log.jsonl")
        (True, True, False)
    """
    return Path(path).suffix.lower() == SUFFIX


def read_space(path: str | os.PathLike[str]) -> SocialSpace:
    """Read a space from its JSON file (see :func:`space_from_dict`).

    Args:
        path: the file (UTF-8 JSON).

    Returns:
        The space.

    Raises:
        ValidationError: the file is not UTF-8, not valid JSON (or nested too deeply to
            read) or has problems (all listed).
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.network import example_space
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ploen.json"
        >>> write_space(example_space("ploen"), path)  # safe by default: no needs
        >>> read_space(path).participants["p-anna"].needs
        frozenset()
        >>> backup = StatedPurpose("Sicherung des Sozialraums")
        >>> write_space(example_space("ploen"), path, include_special_categories=backup)
        >>> sorted(read_space(path).participants["p-anna"].needs)
        [<Need.DEBT: 'debt'>, <Need.MENTAL_HEALTH: 'mental_health'>, <Need.SOCIAL_CONTACT: 'social_contact'>]
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path}: not valid JSON", [Problem(f"{path}:{exc.lineno}:{exc.colno}", exc.msg)]
        ) from None
    except UnicodeDecodeError as exc:
        raise ValidationError(
            f"{path}: not UTF-8 text",
            [Problem(str(path), f"not UTF-8 text ({exc.reason}); save it as UTF-8")],
        ) from None
    except ValueError as exc:  # after its subclass above; e.g. an integer over the digit limit
        raise ValidationError(f"{path}: not readable JSON", [Problem(str(path), str(exc))]) from None
    except RecursionError:
        raise ValidationError(
            f"{path}: nested too deeply", [Problem(str(path), "JSON nested too deeply to read")]
        ) from None
    return space_from_dict(data, source=str(path))


def write_space(space: SocialSpace, path: str | os.PathLike[str], *,
                include_special_categories: StatedPurpose | None = None) -> None:
    """Write a space as its JSON document (UTF-8, German characters kept, stable order).

    Safe by default: see :func:`space_to_dict` for what is left out and how to
    include special categories for a stated purpose.

    Args:
        space: the space.
        path: the file to write.
        include_special_categories: the stated purpose for which special categories are included.

    Examples:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "leer.json"
        >>> write_space(SocialSpace("leer"), path)
        >>> path.read_text(encoding="utf-8").splitlines()[1]
        ' "format": "langzeit-social-space",'
    """
    Path(path).write_text(
        json.dumps(space_to_dict(space, include_special_categories=include_special_categories),
                   ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


def write_graphml(space: SocialSpace, path: str | os.PathLike[str], *,
                  include_special_categories: StatedPurpose | None = None) -> None:
    """Write the graph of a space as GraphML (for Gephi, yEd, Cytoscape), safe by default.

    Nodes carry ``kind``, ``name``, ``legal_domain``, ``area``, ``role`` and the
    ids of the services an organisation offers; edges (keyed by tie id) carry
    ``kind``, ``held_by``, ``strength``, ``since``, ``last_contact`` and ``consent``.
    Participants' needs, ties to health-care organisations and withdrawn ties are
    left out as in :func:`flat_graph`.

    Args:
        space: the space.
        path: the file to write.
        include_special_categories: the stated purpose for which special categories are included.

    Examples:
        >>> import tempfile, pathlib, networkx as nx
        >>> from langzeit.network import example_space
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "ploen.graphml"
        >>> write_graphml(example_space("ploen"), path)
        >>> nx.read_graphml(path).nodes["c-lena"]["kind"]
        'coach'
    """
    nx.write_graphml(flat_graph(space, include_special_categories=include_special_categories), str(path))
