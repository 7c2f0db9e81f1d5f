"""Kooperationsplan lifecycle (§§ 15, 15a SGB II) and Leistungsminderungen (§§ 31-32) in the engine."""

from datetime import date

import pytest

from engine._support import admitted, guards_of, new_engine
from langzeit.engine import (
    AgreePlan,
    EndSchlichtung,
    ReduceBenefit,
    StartSchlichtung,
    TransitionRefused,
    UpdatePlan,
)
from langzeit.events import BenefitReduced


def test_fortschreibung_needs_a_plan_and_sets_the_next_review() -> None:
    """UpdatePlan is refused without a plan; with one, the review moves to six months on."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    assert guards_of(e, UpdatePlan("p1", date(2024, 2, 1))) == ["plan"]
    e.execute(AgreePlan("p1", date(2024, 2, 1), "Praktikum"))
    e.execute(UpdatePlan("p1", date(2024, 6, 3), goal="Teilzeit"))
    s = e.state("p1")
    assert (s.plan_review, s.plan_goal, s.plan_updates) == (date(2024, 12, 3), "Teilzeit", 1)


def test_fortschreibung_review_later_than_six_months_is_refused() -> None:
    """§ 15 Abs. 3: a review on 04.12.2024 is more than six months after 03.06.2024."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.execute(AgreePlan("p1", date(2024, 2, 1), "Praktikum"))
    assert guards_of(e, UpdatePlan("p1", date(2024, 6, 3), review=date(2024, 12, 4))) == ["plan"]


def test_plan_before_july_2023_is_an_eingliederungsvereinbarung() -> None:
    """The refusal names the instrument of the Rechtsstand of the command's date."""
    e = new_engine()
    admitted(e, "p1", date(2023, 5, 2))
    with pytest.raises(TransitionRefused, match="Eingliederungsvereinbarung"):
        e.execute(UpdatePlan("p1", date(2023, 5, 3)))


def test_schlichtung_only_from_july_2023_and_once_at_a_time() -> None:
    """§ 15a exists from 01.07.2023; a second one while one is open is refused; due after 4 weeks."""
    e = new_engine()
    admitted(e, "p1", date(2023, 6, 1))
    assert guards_of(e, StartSchlichtung("p1", date(2023, 6, 30))) == ["schlichtung"]
    e.execute(StartSchlichtung("p1", date(2023, 7, 3)))
    assert guards_of(e, StartSchlichtung("p1", date(2023, 7, 4))) == ["schlichtung"]
    due = [(d.kind, d.date) for d in e.due(date(2023, 7, 31)).items if d.kind == "schlichtung_end"]
    assert due == [("schlichtung_end", date(2023, 7, 31))]
    e.execute(EndSchlichtung("p1", date(2023, 7, 20), agreed=True))
    assert e.state("p1").schlichtung_since is None
    assert guards_of(e, EndSchlichtung("p1", date(2023, 7, 21))) == ["schlichtung"]


def test_staged_reductions_hand_case() -> None:
    """Bürgergeld: 13.05.2024 → 10 % in June; 02.09.2024 → 20 % Oct–Nov; 05.12.2024 → 30 % Jan–Mar."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    (a,) = e.execute(ReduceBenefit("p1", date(2024, 5, 13), "duty_breach"))
    (b,) = e.execute(ReduceBenefit("p1", date(2024, 9, 2), "duty_breach"))
    (c,) = e.execute(ReduceBenefit("p1", date(2024, 12, 5), "duty_breach"))
    assert isinstance(a, BenefitReduced)
    assert isinstance(b, BenefitReduced)
    assert isinstance(c, BenefitReduced)
    assert (a.percent, a.start, a.months, a.count) == (10, date(2024, 6, 1), 1, 1)
    assert (b.percent, b.start, b.months, b.count) == (20, date(2024, 10, 1), 2, 2)
    # 01.01.2025: the 20 % reduction ended on 30.11.2024, so the third gets its full 30 %
    assert (c.percent, c.start, c.months, c.count) == (30, date(2025, 1, 1), 3, 3)


def test_a_repetition_after_more_than_a_year_starts_again() -> None:
    """§ 31a Abs. 1 Satz 5: the previous began 01.06.2024; one beginning 01.07.2025 is a first."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.execute(ReduceBenefit("p1", date(2024, 5, 13), "duty_breach"))
    (again,) = e.execute(ReduceBenefit("p1", date(2025, 6, 2), "duty_breach"))
    assert isinstance(again, BenefitReduced)
    assert (again.percent, again.count) == (10, 1)


def test_cap_of_30_percent_lowers_a_concurrent_reduction() -> None:
    """§ 31a Abs. 4: 20 % running in October, a Meldeversäumnis adds 10 %, another is refused."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    e.execute(ReduceBenefit("p1", date(2024, 5, 13), "duty_breach"))
    e.execute(ReduceBenefit("p1", date(2024, 9, 2), "duty_breach"))          # 20 %, Oct–Nov
    (m,) = e.execute(ReduceBenefit("p1", date(2024, 9, 20), "missed_appointment"))  # 10 %, October
    assert isinstance(m, BenefitReduced)
    assert m.percent == 10
    assert guards_of(e, ReduceBenefit("p1", date(2024, 9, 25), "missed_appointment")) == ["reduction_cap"]


def test_hardship_and_16k_breakoff_are_refused_with_reasons() -> None:
    """§ 31a Abs. 3 and § 16k Abs. 4: no reduction; the refusal says why."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    with pytest.raises(TransitionRefused) as info:
        e.execute(ReduceBenefit("p1", date(2024, 5, 13), "duty_breach", hardship=True,
                                coaching_breakoff=True))
    reasons = [str(f) for f in info.value.failures]
    assert any("§ 31a Abs. 3" in r for r in reasons)
    assert any("§ 16k Abs. 4" in r for r in reasons)
    assert e.state("p1").reductions == ()


def test_work_refusal_withdraws_the_regelbedarf_for_two_months() -> None:
    """§ 31a Abs. 7 (from 28.03.2024): after a Pflichtverletzung within a year, 100 % for 2 months."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    assert guards_of(e, ReduceBenefit("p1", date(2024, 4, 2), "work_refusal")) == ["31a_7"]
    e.execute(ReduceBenefit("p1", date(2024, 4, 2), "duty_breach"))
    (w,) = e.execute(ReduceBenefit("p1", date(2024, 4, 15), "work_refusal"))
    assert isinstance(w, BenefitReduced)
    assert (w.percent, w.start, w.months) == (100, date(2024, 5, 1), 2)
    assert guards_of(e, ReduceBenefit("p1", date(2024, 4, 16), "work_refusal", months=3)) == ["31a_7"]


def test_moratorium_refuses_duty_breach_reductions() -> None:
    """§ 84 SGB II (07–12/2022): no reduction for a Pflichtverletzung."""
    e = new_engine()
    admitted(e, "p1", date(2022, 7, 4))
    assert guards_of(e, ReduceBenefit("p1", date(2022, 8, 1), "duty_breach")) == ["rechtsstand"]


def test_unknown_ground_is_refused() -> None:
    """A ground outside duty_breach, missed_appointment, work_refusal is refused with the list."""
    e = new_engine()
    admitted(e, "p1", date(2024, 1, 8))
    assert guards_of(e, ReduceBenefit("p1", date(2024, 5, 13), "late")) == ["reduction"]
