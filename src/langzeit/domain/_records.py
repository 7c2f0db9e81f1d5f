"""Domain layer: outcomes, consent and cooperation plans (§ 15 SGB II)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from langzeit._ids import id_validator
from langzeit.domain._enums import ConsentPurpose, OutcomeKind, to_consent_purpose, to_outcome_kind
from langzeit.exceptions import ValidationError

__all__ = [
    "PLAN_REVIEW_INTERVAL",
    "Consent",
    "CooperationPlan",
    "Outcome",
    "PlanStep",
    "consent_basis",
    "consent_refusal",
    "consent_withdrawal",
]


#: § 15 Abs. 3 SGB II: the plan is reviewed regularly, at the latest after six months.
PLAN_REVIEW_INTERVAL = relativedelta(months=6)


@attrs.frozen
class Outcome:
    """What a participant achieved on leaving, and since when.

    Args:
        kind: the kind of outcome; knows whether it is an official Integration.
        start: when the job, training or transfer started (if known).
        instrument: instrument code for subsidised work, e.g. ``"16i"`` or ``"16d"``.

    Examples:
        >>> Outcome("svp", start=date(2024, 3, 1)).is_integration
        True
        >>> Outcome("public_employment", instrument="16i").is_integration
        False
    """

    kind: OutcomeKind = attrs.field(converter=to_outcome_kind)
    start: date | None = None
    instrument: str | None = None

    @property
    def is_integration(self) -> bool:
        """Whether this is an Integration under § 48a SGB II."""
        return self.kind.is_integration


@attrs.frozen
class Consent:
    """A participant's consent to exchange social data for a purpose with a recipient.

    Exchange needs consent for that purpose and recipient; a withdrawal stops
    future exchange from the withdrawal date on (DOMAIN.md § 6; § 67b SGB X).

    Args:
        id: id of the consent record.
        participant_id: whose consent.
        purpose: what the data may be used for.
        recipient: id of the organisation that may receive the data.
        given: the date the consent was given.
        withdrawn: the date it was withdrawn, if it was.

    Examples:
        >>> c = Consent("k1", "p1", "data_exchange", "tk-nord", given=date(2024, 1, 10),
        ...             withdrawn=date(2024, 6, 1))
        >>> c.covers("data_exchange", "tk-nord", date(2024, 5, 31))
        True
        >>> c.covers("data_exchange", "tk-nord", date(2024, 6, 1))
        False
    """

    id: str = attrs.field(validator=id_validator)
    participant_id: str = attrs.field(validator=id_validator)
    purpose: ConsentPurpose = attrs.field(converter=to_consent_purpose)
    recipient: str = attrs.field(validator=id_validator)
    given: date
    withdrawn: date | None = attrs.field(default=None)

    @withdrawn.validator
    def _check_withdrawn(self, _attribute: attrs.Attribute[date | None], value: date | None) -> None:
        if value is not None and value < self.given:
            raise ValidationError(f"consent withdrawn ({value}) before it was given ({self.given})")

    def is_valid_on(self, day: date) -> bool:
        """Whether the consent is in force on ``day``."""
        return self.given <= day and (self.withdrawn is None or day < self.withdrawn)

    def covers(self, purpose: ConsentPurpose | str, recipient: str, day: date) -> bool:
        """Whether this consent allows exchange for ``purpose`` with ``recipient`` on ``day``."""
        return (
            self.purpose == ConsentPurpose(purpose)
            and self.recipient == recipient
            and self.is_valid_on(day)
        )


Purposes = ConsentPurpose | str | Sequence[ConsentPurpose | str]


def _purposes(purposes: Purposes) -> tuple[ConsentPurpose, ...]:
    if isinstance(purposes, str):
        return (ConsentPurpose(purposes),)
    return tuple(ConsentPurpose(p) for p in purposes)


def _in_force(c: Consent, on: date | None) -> bool:
    return c.withdrawn is None if on is None else c.is_valid_on(on)


def _with(consents: Iterable[Consent], participant_id: str, recipient: str,
          wanted: tuple[ConsentPurpose, ...]) -> Iterator[Consent]:
    """The consents of ``participant_id`` with ``recipient`` for one of the ``wanted`` purposes."""
    return (c for c in consents
            if c.participant_id == participant_id and c.recipient == recipient and c.purpose in wanted)


def _by_id(c: Consent) -> str:
    return c.id


def consent_basis(
    consents: Iterable[Consent],
    participant_id: str,
    recipient: str,
    on: date | None,
    *,
    purposes: Purposes = ConsentPurpose.DATA_EXCHANGE,
) -> Consent | None:
    """The consent that allows a flow of a participant's social data to a recipient, or None.

    The one rule of consent enforcement (DOMAIN.md § 6, § 67b SGB X), used by the
    social space, the consent check, the engine's guards and the service: a flow
    needs a consent of that participant, for one of ``purposes``, with that
    recipient, in force on the day of the flow. A withdrawal stops the flow from
    the withdrawal day on. ``on=None`` asks about an undated, standing flow (a tie
    without a start date, an export): only a consent that was never withdrawn covers it.

    Args:
        consents: the consent records to look in (any participant's).
        participant_id: whose data.
        recipient: who receives them (an organisation id, or a person's).
        on: the day of the flow; None for a standing flow.
        purposes: the purpose, or the purposes any of which will do.

    Returns:
        The covering consent with the smallest id, or None.

    Examples:
        >>> k = Consent("k1", "p1", "data_exchange", "tk", given=date(2024, 1, 10),
        ...             withdrawn=date(2024, 5, 1))
        >>> consent_basis([k], "p1", "tk", date(2024, 4, 30)).id
        'k1'
        >>> consent_basis([k], "p1", "tk", date(2024, 5, 1)) is None
        True
        >>> consent_basis([k], "p1", "tk", None) is None  # withdrawn: no standing flow
        True
        >>> consent_basis([k], "p1", "tk", date(2024, 2, 1), purposes="referral") is None
        True
    """
    wanted = _purposes(purposes)
    covering = (c for c in _with(consents, participant_id, recipient, wanted) if _in_force(c, on))
    return min(covering, key=_by_id, default=None)


def consent_withdrawal(
    consents: Iterable[Consent],
    participant_id: str,
    recipient: str,
    on: date | None,
    *,
    purposes: Purposes = ConsentPurpose.DATA_EXCHANGE,
) -> Consent | None:
    """The withdrawn consent that stops a flow on ``on`` (None: no withdrawal applies).

    A consent for one of ``purposes`` with that recipient, withdrawn on or before
    ``on`` (for ``on=None``: withdrawn at all). A withdrawal outranks an undated
    consent noted on a tie (``Tie.consent``): the dated record speaks last.

    Args:
        consents: the consent records to look in.
        participant_id: whose data.
        recipient: who would receive them.
        on: the day of the flow; None for a standing flow.
        purposes: the purpose, or the purposes any of which would do.

    Returns:
        The withdrawn consent with the smallest id, or None.

    Examples:
        >>> k = Consent("k1", "p1", "data_exchange", "tk", given=date(2024, 1, 10),
        ...             withdrawn=date(2024, 5, 1))
        >>> consent_withdrawal([k], "p1", "tk", date(2024, 5, 1)).id
        'k1'
        >>> consent_withdrawal([k], "p1", "tk", date(2024, 4, 30)) is None
        True
    """
    withdrawn = (c for c in _with(consents, participant_id, recipient, _purposes(purposes))
                 if c.withdrawn is not None and (on is None or c.withdrawn <= on))
    return min(withdrawn, key=_by_id, default=None)


def consent_refusal(
    consents: Iterable[Consent],
    participant_id: str,
    recipient: str,
    on: date | None,
    *,
    purposes: Purposes = ConsentPurpose.DATA_EXCHANGE,
) -> str:
    """Why no consent covers the flow (the readable reason a refusal carries).

    Names a withdrawn consent, one given only later, or one for another purpose
    before falling back to "no consent". Call it when :func:`consent_basis` found
    none.

    Args:
        consents: the consent records to look in.
        participant_id: whose data.
        recipient: who would receive them.
        on: the day of the flow; None for a standing flow.
        purposes: the purpose, or the purposes any of which would do.

    Returns:
        The reason, one sentence without a final full stop.

    Examples:
        >>> k = Consent("k1", "p1", "data_exchange", "tk", given=date(2024, 1, 10),
        ...             withdrawn=date(2024, 5, 1))
        >>> consent_refusal([k], "p1", "tk", date(2024, 6, 3))
        'consent k1 for data_exchange with tk was withdrawn on 2024-05-01'
        >>> consent_refusal([k], "p1", "tk", date(2024, 2, 1), purposes="referral")
        'consent of p1 with tk covers data_exchange, not referral'
        >>> consent_refusal([], "p1", "sb", date(2024, 2, 1), purposes=["referral", "data_exchange"])
        'no consent of p1 for referral or data_exchange with sb on 2024-02-01'
    """
    wanted = _purposes(purposes)
    names = " or ".join(p.value for p in wanted)
    near = sorted((c for c in consents if c.participant_id == participant_id and c.recipient == recipient),
                  key=lambda c: c.id)
    gone = consent_withdrawal(near, participant_id, recipient, on, purposes=wanted)
    if gone is not None:
        return (f"consent {gone.id} for {gone.purpose.value} with {recipient} "
                f"was withdrawn on {gone.withdrawn}")
    for c in near:
        if c.purpose in wanted and on is not None and c.given > on:
            return f"consent {c.id} for {c.purpose.value} with {recipient} is given only from {c.given}"
    other = sorted({c.purpose.value for c in near if c.purpose not in wanted})
    if other:
        return f"consent of {participant_id} with {recipient} covers {', '.join(other)}, not {names}"
    when = "" if on is None else f" on {on}"
    return f"no consent of {participant_id} for {names} with {recipient}{when}"


def _to_steps(value: Any) -> tuple[PlanStep, ...]:
    return tuple(value)


@attrs.frozen
class PlanStep:
    """A step of a cooperation plan: what, who is responsible, by when.

    Args:
        id: id of the step within its plan.
        description: what is to be done.
        responsible: ``participant``, ``jobcenter``, ``provider`` or an organisation id.
        due: by when.

    Examples:
        >>> PlanStep("s1", "Termin Schuldnerberatung", "participant", date(2024, 2, 1)).responsible
        'participant'
    """

    id: str
    description: str
    responsible: str
    due: date


@attrs.frozen
class CooperationPlan:
    """A Kooperationsplan (§ 15 SGB II since 07/2023; before: Eingliederungsvereinbarung).

    The plan is reviewed regularly, at the latest six months after it was agreed
    or last reviewed (§ 15 Abs. 3 SGB II).

    Args:
        participant_id: whose plan.
        agreed: date agreed.
        goal: the agreed goal.
        steps: the steps, each with responsible party and due date.
        review: the date of the next review; default and maximum six months after ``agreed``.

    Raises:
        ValueError: review before agreement or later than six months after it; a step
            id twice.

    Examples:
        >>> plan = CooperationPlan("p1", date(2024, 1, 15), "Stabilisierung, dann Praktikum",
        ...     [PlanStep("s1", "Tagesklinik aufsuchen", "participant", date(2024, 3, 1))])
        >>> plan.review
        datetime.date(2024, 7, 15)
        >>> plan.open_steps(date(2024, 4, 1))
        ()
    """

    participant_id: str
    agreed: date
    goal: str
    steps: tuple[PlanStep, ...] = attrs.field(default=(), converter=_to_steps)
    review: date = attrs.field(
        default=attrs.Factory(lambda self: self.agreed + PLAN_REVIEW_INTERVAL, takes_self=True)
    )

    @review.validator
    def _check_review(self, _attribute: attrs.Attribute[date], value: date) -> None:
        if value < self.agreed:
            raise ValidationError(f"review {value} is before the plan was agreed ({self.agreed})")
        if value > self.agreed + PLAN_REVIEW_INTERVAL:
            raise ValidationError(
                f"review {value} is more than six months after {self.agreed} (§ 15 Abs. 3 SGB II)"
            )

    @steps.validator
    def _check_steps(self, _attribute: attrs.Attribute[tuple[PlanStep, ...]],
                     value: tuple[PlanStep, ...]) -> None:
        ids = [s.id for s in value]
        if len(set(ids)) != len(ids):
            raise ValidationError("a plan step id appears twice")

    def open_steps(self, as_of: date) -> tuple[PlanStep, ...]:
        """Steps not yet due on ``as_of`` (achievement is tracked by events)."""
        return tuple(s for s in self.steps if s.due > as_of)
