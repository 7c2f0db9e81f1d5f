"""Outcomes, consent validity and the cooperation plan's review rule (§ 15 Abs. 3 SGB II)."""

from datetime import date

import pytest

from langzeit.domain import PLAN_REVIEW_INTERVAL, Consent, CooperationPlan, Outcome, OutcomeKind, PlanStep


def test_consent_is_valid_from_given_until_the_day_before_withdrawal() -> None:
    """Given 2024-01-10, withdrawn 2024-06-01: valid on 01-10 and 05-31, not on 01-09 or 06-01."""
    c = Consent("k1", "p1", "data_exchange", "tk-nord", given=date(2024, 1, 10), withdrawn=date(2024, 6, 1))
    assert [c.is_valid_on(d) for d in (date(2024, 1, 9), date(2024, 1, 10), date(2024, 5, 31),
                                       date(2024, 6, 1))] == [False, True, True, False]


def test_consent_covers_only_its_purpose_and_recipient() -> None:
    """Exchange with another recipient or for another purpose is not covered."""
    c = Consent("k1", "p1", "data_exchange", "tk-nord", given=date(2024, 1, 10))
    day = date(2030, 1, 1)
    assert c.covers("data_exchange", "tk-nord", day)
    assert not c.covers("data_exchange", "drv", day)
    assert not c.covers("research", "tk-nord", day)


def test_consent_cannot_be_withdrawn_before_it_was_given() -> None:
    """Withdrawn < given is refused; the same day is allowed (valid on no day)."""
    with pytest.raises(ValueError, match="before it was given"):
        Consent("k1", "p1", "referral", "x", given=date(2024, 2, 1), withdrawn=date(2024, 1, 31))
    same = Consent("k1", "p1", "referral", "x", given=date(2024, 2, 1), withdrawn=date(2024, 2, 1))
    assert not same.is_valid_on(date(2024, 2, 1))


def test_consent_purpose_is_a_closed_vocabulary() -> None:
    """An unknown purpose is refused."""
    with pytest.raises(ValueError, match="marketing"):
        Consent("k1", "p1", "marketing", "x", given=date(2024, 1, 1))


def test_plan_review_defaults_to_six_months_after_agreement() -> None:
    """Agreed 2024-08-31: review by default on 2025-02-28 (relativedelta clips the day)."""
    assert PLAN_REVIEW_INTERVAL.months == 6
    assert CooperationPlan("p1", date(2024, 8, 31), "Praktikum").review == date(2025, 2, 28)
    assert CooperationPlan("p1", date(2024, 1, 15), "x").review == date(2024, 7, 15)


def test_plan_review_may_be_earlier_but_not_later_than_six_months() -> None:
    """A review on the agreement day or within six months is fine; one day later is refused."""
    assert CooperationPlan("p1", date(2024, 1, 15), "x", review=date(2024, 1, 15)).review == date(2024, 1, 15)
    with pytest.raises(ValueError, match="more than six months"):
        CooperationPlan("p1", date(2024, 1, 15), "x", review=date(2024, 7, 16))
    with pytest.raises(ValueError, match="before the plan was agreed"):
        CooperationPlan("p1", date(2024, 1, 15), "x", review=date(2024, 1, 14))


def test_plan_steps_need_distinct_ids_and_open_steps_are_not_yet_due() -> None:
    """A step id twice is refused; open_steps lists steps due after the day."""
    s1 = PlanStep("s1", "Schuldnerberatung", "participant", date(2024, 3, 1))
    s2 = PlanStep("s2", "Bewerbung", "jobcenter", date(2024, 5, 1))
    with pytest.raises(ValueError, match="appears twice"):
        CooperationPlan("p1", date(2024, 1, 15), "x", [s1, s1])
    plan = CooperationPlan("p1", date(2024, 1, 15), "x", [s1, s2])
    assert plan.open_steps(date(2024, 3, 1)) == (s2,)
    assert plan.open_steps(date(2024, 2, 29)) == (s1, s2)


@pytest.mark.parametrize(("kind", "integration", "work"), [
    ("svp", True, True), ("apprenticeship", True, True), ("self_employment", True, True),
    ("minijob", False, True), ("public_employment", False, True), ("internship", False, True),
    ("rehabilitation", False, False), ("stabilisation", False, False), ("none", False, False),
])
def test_only_insured_work_training_and_self_employment_are_integrations(
    kind: str, integration: bool, work: bool
) -> None:
    """§ 48a SGB II: svp, apprenticeship, self-employment count; Minijob and AGH do not."""
    assert Outcome(kind).is_integration is integration
    assert OutcomeKind(kind).is_work is work
    assert OutcomeKind(kind).label
