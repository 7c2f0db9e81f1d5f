"""Domain layer: outcomes, consent and cooperation plans (§ 15 SGB II)."""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.domain._enums import ConsentPurpose, OutcomeKind

__all__ = ["PLAN_REVIEW_INTERVAL", "Consent", "CooperationPlan", "Outcome", "PlanStep"]

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

    kind: OutcomeKind = attrs.field(converter=OutcomeKind)
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

    id: str
    participant_id: str
    purpose: ConsentPurpose = attrs.field(converter=ConsentPurpose)
    recipient: str
    given: date
    withdrawn: date | None = attrs.field(default=None)

    @withdrawn.validator
    def _check_withdrawn(self, _attribute: attrs.Attribute[date | None], value: date | None) -> None:
        if value is not None and value < self.given:
            raise ValueError(f"consent withdrawn ({value}) before it was given ({self.given})")

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
            raise ValueError(f"review {value} is before the plan was agreed ({self.agreed})")
        if value > self.agreed + PLAN_REVIEW_INTERVAL:
            raise ValueError(
                f"review {value} is more than six months after {self.agreed} (§ 15 Abs. 3 SGB II)"
            )

    @steps.validator
    def _check_steps(self, _attribute: attrs.Attribute[tuple[PlanStep, ...]],
                     value: tuple[PlanStep, ...]) -> None:
        ids = [s.id for s in value]
        if len(set(ids)) != len(ids):
            raise ValueError("a plan step id appears twice")

    def open_steps(self, as_of: date) -> tuple[PlanStep, ...]:
        """Steps not yet due on ``as_of`` (achievement is tracked by events)."""
        return tuple(s for s in self.steps if s.due > as_of)
