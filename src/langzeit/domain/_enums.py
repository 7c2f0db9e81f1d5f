"""Domain layer: the closed vocabularies of the domain (DOMAIN.md §§ 1, 4, 5)."""

from __future__ import annotations

import enum

from langzeit._checks import to_enum

__all__ = [
    "CoachRole",
    "ConsentPurpose",
    "ExitReason",
    "LegalDomain",
    "OrganisationKind",
    "OutcomeKind",
    "Sex",
]


class Sex(enum.StrEnum):
    """Sex as recorded in the BA statistics (``F``, ``M``, ``D``, or unknown).

    Examples:
        >>> Sex("F") is Sex.FEMALE
        True
    """

    FEMALE = "F"
    MALE = "M"
    DIVERSE = "D"
    UNKNOWN = ""


class LegalDomain(enum.StrEnum):
    """Rechtskreis: the branch of social law an actor works under.

    Examples:
        >>> LegalDomain("SGB IX").value
        'SGB IX'
    """

    SGB_II = "SGB II"
    SGB_III = "SGB III"
    SGB_V = "SGB V"
    SGB_VI = "SGB VI"
    SGB_VII = "SGB VII"
    SGB_VIII = "SGB VIII"
    SGB_IX = "SGB IX"
    SGB_XII = "SGB XII"
    NONE = "none"


class OrganisationKind(enum.StrEnum):
    """Kinds of organisations and social-space actors (DOMAIN.md § 5).

    Examples:
        >>> OrganisationKind("day_clinic").name
        'DAY_CLINIC'
        >>> OrganisationKind("day_clinic").is_health_care, OrganisationKind("sports_club").is_health_care
        (True, False)
    """

    JOBCENTER = "jobcenter"
    PROVIDER = "provider"
    HEALTH_INSURER = "health_insurer"
    PENSION_INSURER = "pension_insurer"
    DAY_CLINIC = "day_clinic"
    CLINIC = "clinic"
    MEDICAL_PRACTICE = "medical_practice"
    DEBT_COUNSELLING = "debt_counselling"
    ADDICTION_COUNSELLING = "addiction_counselling"
    PSYCHOSOCIAL_COUNSELLING = "psychosocial_counselling"
    YOUTH_WELFARE = "youth_welfare"
    SOCIAL_WELFARE = "social_welfare"
    INTEGRATION_SERVICE = "integration_service"
    EMPLOYER = "employer"
    SPORTS_CLUB = "sports_club"
    CLUB = "club"
    PEER_GROUP = "peer_group"
    CHILDCARE = "childcare"
    HOUSING = "housing"
    LANGUAGE_SCHOOL = "language_school"
    MUNICIPALITY = "municipality"
    OTHER = "other"

    @property
    def is_health_care(self) -> bool:
        """Whether the organisation treats or counsels on health: a participant's tie to it is health data.

        Clinics, day clinics, medical practices, addiction and psychosocial counselling
        (Art. 9 GDPR).
        """
        return self in _HEALTH_CARE


_HEALTH_CARE = frozenset({
    OrganisationKind.DAY_CLINIC, OrganisationKind.CLINIC, OrganisationKind.MEDICAL_PRACTICE,
    OrganisationKind.ADDICTION_COUNSELLING, OrganisationKind.PSYCHOSOCIAL_COUNSELLING,
})


class CoachRole(enum.StrEnum):
    """Caseworker roles in a coaching tandem (DOMAIN.md § 1).

    ``pap`` is the Integrationsfachkraft / persönliche Ansprechpartner*in of the
    jobcenter; ``fallmanager`` the Fallmanager*in; ``provider_coach`` the Träger-Coach.

    Examples:
        >>> CoachRole("fallmanager").is_jobcenter_role
        True
    """

    PAP = "pap"
    FALLMANAGER = "fallmanager"
    PROVIDER_COACH = "provider_coach"
    JOB_COACH = "job_coach"
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"

    @property
    def is_jobcenter_role(self) -> bool:
        """Whether the role belongs to the jobcenter's own staff (IFK/PAP, Fallmanagement)."""
        return self in (CoachRole.PAP, CoachRole.FALLMANAGER)


class OutcomeKind(enum.StrEnum):
    """What a participant achieved: "work can be many things" (DOMAIN.md § 4).

    Only ``svp``, ``apprenticeship`` and ``self_employment`` are Integrationen
    in the sense of § 48a SGB II / § 5 Abs. 1 of the Kennzahlen-Verordnung.

    Examples:
        >>> OutcomeKind.SVP.is_integration, OutcomeKind.MINIJOB.is_integration
        (True, False)
        >>> OutcomeKind.MINIJOB.is_work
        True
    """

    SVP = "svp"
    APPRENTICESHIP = "apprenticeship"
    SELF_EMPLOYMENT = "self_employment"
    MINIJOB = "minijob"
    PUBLIC_EMPLOYMENT = "public_employment"
    SUPPORTED_SIDE_JOB = "supported_side_job"
    VOLUNTEERING = "volunteering"
    INTERNSHIP = "internship"
    REHABILITATION = "rehabilitation"
    STABILISATION = "stabilisation"
    OTHER = "other"
    NONE = "none"

    @property
    def is_integration(self) -> bool:
        """Whether the outcome is an Integration under § 48a SGB II (DOMAIN.md § 3)."""
        return self in _INTEGRATION

    @property
    def is_work(self) -> bool:
        """Whether the outcome is some kind of work, paid or unpaid, including Integrationen."""
        return self in _WORK

    @property
    def label(self) -> str:
        """The German label used in reports."""
        return _LABELS[self]


_INTEGRATION = frozenset({OutcomeKind.SVP, OutcomeKind.APPRENTICESHIP, OutcomeKind.SELF_EMPLOYMENT})
_WORK = _INTEGRATION | {
    OutcomeKind.MINIJOB,
    OutcomeKind.PUBLIC_EMPLOYMENT,
    OutcomeKind.SUPPORTED_SIDE_JOB,
    OutcomeKind.VOLUNTEERING,
    OutcomeKind.INTERNSHIP,
}
_LABELS = {
    OutcomeKind.SVP: "sozialversicherungspflichtige Beschäftigung",
    OutcomeKind.APPRENTICESHIP: "voll qualifizierende Berufsausbildung",
    OutcomeKind.SELF_EMPLOYMENT: "Selbständigkeit",
    OutcomeKind.MINIJOB: "Minijob",
    OutcomeKind.PUBLIC_EMPLOYMENT: "öffentlich geförderte Beschäftigung (AGH, § 16i)",
    OutcomeKind.SUPPORTED_SIDE_JOB: "Zuverdienst",
    OutcomeKind.VOLUNTEERING: "Ehrenamt",
    OutcomeKind.INTERNSHIP: "Praktikum",
    OutcomeKind.REHABILITATION: "Übergang in berufliche Rehabilitation",
    OutcomeKind.STABILISATION: "Stabilisierung ohne Arbeit",
    OutcomeKind.OTHER: "sonstiges",
    OutcomeKind.NONE: "kein Ergebnis",
}


class ExitReason(enum.StrEnum):
    """Why a participant left a programme (Austritt, Abbruch, Übergang).

    Examples:
        >>> ExitReason.DROPOUT.is_dropout
        True
    """

    COMPLETED = "completed"
    WORK = "work"
    DROPOUT = "dropout"
    TRANSFER = "transfer"
    HEALTH = "health"
    MOVED = "moved"
    BENEFIT_ENDED = "benefit_ended"
    MAX_DURATION = "max_duration"
    DEATH = "death"
    OTHER = "other"

    @property
    def is_dropout(self) -> bool:
        """Whether the exit counts as a dropout (Abbruch) in programme indicators."""
        return self is ExitReason.DROPOUT


class ConsentPurpose(enum.StrEnum):
    """Purposes for which a participant consents to data exchange (§§ 67 ff. SGB X).

    Examples:
        >>> ConsentPurpose("data_exchange")
        <ConsentPurpose.DATA_EXCHANGE: 'data_exchange'>
    """

    DATA_EXCHANGE = "data_exchange"
    REFERRAL = "referral"
    HEALTH_INFORMATION = "health_information"
    RESEARCH = "research"


# -- converters for record fields -------------------------------------------------------------
# One named function per enumeration (mypy's attrs plugin takes no converter built by a call),
# shared by the domain records and the events. A member is returned as it is: calling an Enum
# on its own member costs about a microsecond, on the simulator's hot path. A string goes
# through the Enum; a bad value raises ValidationError naming the allowed ones.


def to_sex(value: Sex | str) -> Sex:
    return value if value.__class__ is Sex else to_enum(Sex, value)


def to_legal_domain(value: LegalDomain | str) -> LegalDomain:
    return value if value.__class__ is LegalDomain else to_enum(LegalDomain, value)


def to_organisation_kind(value: OrganisationKind | str) -> OrganisationKind:
    return value if value.__class__ is OrganisationKind else to_enum(OrganisationKind, value)


def to_coach_role(value: CoachRole | str) -> CoachRole:
    return value if value.__class__ is CoachRole else to_enum(CoachRole, value)


def to_outcome_kind(value: OutcomeKind | str) -> OutcomeKind:
    return value if value.__class__ is OutcomeKind else to_enum(OutcomeKind, value)


def to_exit_reason(value: ExitReason | str) -> ExitReason:
    return value if value.__class__ is ExitReason else to_enum(ExitReason, value)


def to_consent_purpose(value: ConsentPurpose | str) -> ConsentPurpose:
    return value if value.__class__ is ConsentPurpose else to_enum(ConsentPurpose, value)
