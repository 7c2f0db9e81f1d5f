"""Domain layer: participants, organisations, coaches and coaching tandems."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import attrs

from langzeit import _checks
from langzeit._ids import compare_by_id, id_validator
from langzeit.domain._enums import (
    CoachRole,
    LegalDomain,
    OrganisationKind,
    Sex,
    to_coach_role,
    to_legal_domain,
    to_organisation_kind,
    to_sex,
)
from langzeit.exceptions import Problem, ValidationError, WrongTypeError

__all__ = ["Coach", "Organisation", "Participant", "Tandem", "TandemMember"]


_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _non_empty(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{attribute.name} must be a non-empty string, got {value!r}")


def _to_birth_month(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value.replace(day=1) if isinstance(value, date) else None
    m = _YEAR_MONTH.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError(f"birth_month must be 'YYYY-MM', got {value!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


@compare_by_id
@attrs.frozen(eq=False)
class Participant:
    """A participant (Teilnehmende*r): pseudonymous, with the facts the pathways need.

    Entities compare by id. No names or addresses: identifiers are pseudonyms
    (DOMAIN.md § 6).

    Args:
        id: pseudonymous id.
        birth_month: year and month of birth (``"YYYY-MM"`` or a date; the day is dropped).
        sex: ``F``, ``M``, ``D`` or unknown.
        single_parent: the household is a single parent's with minor children.
        children: number of minor children in the household.
        health_limitation: a health limitation is known.
        language_support: needs language support.

    Examples:
        >>> p = Participant("p-001", birth_month="1979-04", sex="F", single_parent=True, children=2)
        >>> p.birth_month, p.sex
        (datetime.date(1979, 4, 1), <Sex.FEMALE: 'F'>)
        >>> p.age_on(date(2024, 4, 1)), p.age_on(date(2024, 3, 31))
        (45, 44)
        >>> p == Participant("p-001")
        True
    """

    id: str = attrs.field(validator=id_validator)
    birth_month: date | None = attrs.field(default=None, converter=_to_birth_month)
    sex: Sex = attrs.field(default=Sex.UNKNOWN, converter=to_sex)
    single_parent: bool = attrs.field(default=False, validator=_checks.instance_of(bool))
    children: int = attrs.field(default=0, validator=_checks.ge(0))
    health_limitation: bool = attrs.field(default=False, validator=_checks.instance_of(bool))
    language_support: bool = attrs.field(default=False, validator=_checks.instance_of(bool))

    @single_parent.validator
    def _check_single_parent(self, _attribute: attrs.Attribute[bool], value: bool) -> None:
        if value and self.children == 0:
            raise ValidationError("a single-parent household has at least one minor child")

    def age_on(self, day: date) -> int | None:
        """Age in completed years on ``day`` (born on the 1st of the birth month).

        Args:
            day: the date.

        Returns:
            The age, or None when the birth month is unknown.
        """
        if self.birth_month is None:
            return None
        b = self.birth_month
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))



@compare_by_id
@attrs.frozen(eq=False)
class Organisation:
    """An organisation: the jobcenter, a provider (Träger), a clinic, a club.

    Args:
        id: stable id.
        name: display name, e.g. ``"Tagesklinik Nord"``.
        kind: the kind of organisation.
        legal_domain: the Rechtskreis it works under.

    Examples:
        >>> o = Organisation("tk-nord", "Tagesklinik Nord", kind="day_clinic", legal_domain="SGB V")
        >>> o.kind, o.legal_domain
        (<OrganisationKind.DAY_CLINIC: 'day_clinic'>, <LegalDomain.SGB_V: 'SGB V'>)
    """

    id: str = attrs.field(validator=id_validator)
    name: str = attrs.field(validator=_non_empty)
    kind: OrganisationKind = attrs.field(default=OrganisationKind.OTHER,
                                         converter=to_organisation_kind)
    legal_domain: LegalDomain = attrs.field(default=LegalDomain.NONE, converter=to_legal_domain)



@compare_by_id
@attrs.frozen(eq=False)
class Coach:
    """A coach: jobcenter caseworker, provider coach, job coach or health professional.

    The caseload limit (Betreuungsschlüssel) is stated for a full-time position and
    scaled by FTE: a coach at 0.5 FTE with limit 12 may hold 6 cases.

    Args:
        id: stable id.
        role: the role in the tandem.
        organisation_id: the employing organisation.
        fte: full-time equivalent, in ``(0, 1]``.
        caseload_limit: cases at full time (e.g. 12 in projects, 60 in Fallmanagement).

    Examples:
        >>> c = Coach("c1", role="provider_coach", organisation_id="traeger", fte=0.5, caseload_limit=12)
        >>> c.max_cases
        6
    """

    id: str = attrs.field(validator=id_validator)
    role: CoachRole = attrs.field(converter=to_coach_role)
    organisation_id: str = attrs.field(validator=id_validator)
    fte: float = attrs.field(default=1.0, converter=float)
    caseload_limit: int = attrs.field(default=12, validator=_checks.gt(0))

    @fte.validator
    def _check_fte(self, _attribute: attrs.Attribute[float], value: float) -> None:
        if not (0.0 < value <= 1.0) or math.isnan(value):
            raise ValidationError(f"fte must be in (0, 1], got {value}")

    @property
    def max_cases(self) -> int:
        """Cases this coach may hold: ``floor(caseload_limit × fte)``, at least 1."""
        return max(1, math.floor(self.caseload_limit * self.fte + 1e-9))



@attrs.frozen
class TandemMember:
    """A coach's place in a tandem, with the role they take in it.

    Args:
        coach: the coach.
        role: the role in this tandem (defaults to the coach's own role).

    Examples:
        >>> c = Coach("c1", role="pap", organisation_id="jc")
        >>> TandemMember(c).role
        <CoachRole.PAP: 'pap'>
    """

    coach: Coach
    role: CoachRole = attrs.field(
        converter=to_coach_role,
        default=attrs.Factory(lambda self: self.coach.role, takes_self=True)
    )


def _to_members(value: object) -> tuple[TandemMember, ...]:
    if not isinstance(value, list | tuple):
        raise WrongTypeError("members must be a sequence of coaches or tandem members")
    return tuple(m if isinstance(m, TandemMember) else TandemMember(m) for m in value)


@compare_by_id
@attrs.frozen(eq=False)
class Tandem:
    """Two or more coaches of different organisations working the same cases.

    The tandem's caseload limit defaults to the smallest member's ``max_cases``:
    a case of the tandem occupies a place with every member.

    Args:
        id: stable id.
        members: the coaches (or :class:`TandemMember` records with roles).
        caseload_limit: cases the tandem may hold; default the smallest member's.

    Raises:
        ValidationError: fewer than two coaches, a coach twice, or all coaches of
            one organisation (every problem listed).

    Examples:
        >>> pap = Coach("c1", role="pap", organisation_id="jc", caseload_limit=60)
        >>> coach = Coach("c2", role="provider_coach", organisation_id="traeger", caseload_limit=12)
        >>> t = Tandem("t1", [pap, coach])
        >>> t.max_cases, t.coach_ids
        (12, ('c1', 'c2'))
    """

    id: str = attrs.field(validator=id_validator)
    members: tuple[TandemMember, ...] = attrs.field(converter=_to_members)
    caseload_limit: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(_checks.gt(0))
    )

    def __attrs_post_init__(self) -> None:
        problems = []
        ids = [m.coach.id for m in self.members]
        if len(self.members) < 2:
            problems.append(Problem(f"tandem {self.id!r}", "needs at least two coaches"))
        if len(set(ids)) != len(ids):
            problems.append(Problem(f"tandem {self.id!r}", "a coach appears twice"))
        if len({m.coach.organisation_id for m in self.members}) < 2 and len(self.members) >= 2:
            problems.append(
                Problem(f"tandem {self.id!r}", "coaches must come from different organisations")
            )
        if problems:
            raise ValidationError(f"invalid tandem {self.id!r}", problems)

    @property
    def coach_ids(self) -> tuple[str, ...]:
        """Ids of the member coaches, in the order given."""
        return tuple(m.coach.id for m in self.members)

    @property
    def max_cases(self) -> int:
        """Cases the tandem may hold."""
        if self.caseload_limit is not None:
            return self.caseload_limit
        return min(m.coach.max_cases for m in self.members)

