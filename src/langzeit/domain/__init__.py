"""Domain layer: the frozen records of langzeit (DESIGN.md, package ``domain``).

Participants, organisations, coaches and tandems, programmes with their phase
models, outcomes, consent and cooperation plans. Every record is validated when it
is built: a domain object that exists is valid (STYLE.md § 4).

Examples:
    >>> from langzeit.domain import Coach, Tandem
    >>> t = Tandem("t1", [Coach("a", role="pap", organisation_id="jc", caseload_limit=60),
    ...                   Coach("b", role="provider_coach", organisation_id="awo")])
    >>> t.max_cases
    12
"""

from langzeit.domain._actors import Coach, Organisation, Participant, Tandem, TandemMember
from langzeit.domain._duration import format_duration, is_negative, months_between, parse_duration
from langzeit.domain._eligibility import (
    ELIGIBILITY_INSTRUMENTS,
    Eligibility,
    EligibilityFacts,
    eligibility,
)
from langzeit.domain._enums import (
    CoachRole,
    ConsentPurpose,
    ExitReason,
    LegalDomain,
    OrganisationKind,
    OutcomeKind,
    Sex,
)
from langzeit.domain._programme import (
    BUILTIN_GUARDS,
    Capacity,
    ExtensionRule,
    Phase,
    Programme,
    Transition,
)
from langzeit.domain._rechtsstand import (
    LAW_RULES,
    LawInForce,
    LawRule,
    PastReduction,
    ReductionDecision,
    ReductionGround,
    ReductionRules,
    decide_reduction,
    instrument_in_force,
    rechtsstand,
)
from langzeit.domain._records import (
    PLAN_REVIEW_INTERVAL,
    Consent,
    CooperationPlan,
    Outcome,
    PlanStep,
    consent_basis,
    consent_refusal,
    consent_withdrawal,
)

__all__ = [
    "BUILTIN_GUARDS",
    "ELIGIBILITY_INSTRUMENTS",
    "LAW_RULES",
    "PLAN_REVIEW_INTERVAL",
    "Capacity",
    "Coach",
    "CoachRole",
    "Consent",
    "ConsentPurpose",
    "CooperationPlan",
    "Eligibility",
    "EligibilityFacts",
    "ExitReason",
    "ExtensionRule",
    "LawInForce",
    "LawRule",
    "LegalDomain",
    "Organisation",
    "OrganisationKind",
    "Outcome",
    "OutcomeKind",
    "Participant",
    "PastReduction",
    "Phase",
    "PlanStep",
    "Programme",
    "ReductionDecision",
    "ReductionGround",
    "ReductionRules",
    "Sex",
    "Tandem",
    "TandemMember",
    "Transition",
    "consent_basis",
    "consent_refusal",
    "consent_withdrawal",
    "decide_reduction",
    "eligibility",
    "format_duration",
    "instrument_in_force",
    "is_negative",
    "months_between",
    "parse_duration",
    "rechtsstand",
]
