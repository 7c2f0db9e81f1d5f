"""The Rechtsstand: rule sets in force on a date, and the § 16e/§ 16i/§ 16k target groups."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import (
    LAW_RULES,
    EligibilityFacts,
    Participant,
    eligibility,
    instrument_in_force,
    rechtsstand,
)
from langzeit.spells import default_catalogue

DOCS = Path(__file__).resolve().parents[2] / "docs" / "background" / "law.md"


def test_plan_is_an_eingliederungsvereinbarung_until_june_2023() -> None:
    """§ 15 SGB II: the Kooperationsplan replaces the Eingliederungsvereinbarung on 01.07.2023."""
    assert rechtsstand(date(2023, 6, 30)).plan_label == "Eingliederungsvereinbarung"
    assert rechtsstand(date(2023, 7, 1)).plan_label == "Kooperationsplan"


def test_schlichtung_exists_from_july_2023_and_not_in_the_2026_draft() -> None:
    """§ 15a SGB II from 01.07.2023; the draft reform abolishes it, only when drafts are asked for."""
    assert not rechtsstand(date(2023, 6, 30)).schlichtung
    assert rechtsstand(date(2023, 7, 1)).schlichtung
    assert rechtsstand(date(2026, 7, 1)).schlichtung
    assert not rechtsstand(date(2026, 7, 1), drafts=True).schlichtung


def test_buergergeld_reductions_are_staged_10_20_30() -> None:
    """§ 31a Abs. 1, § 31b SGB II (from 01.01.2023): 10/20/30 % for 1/2/3 months; § 32: 10 % for a month."""
    r = rechtsstand(date(2023, 1, 1)).reductions
    assert r is not None
    assert [r.duty(n) for n in (1, 2, 3, 4)] == [(10, 1), (20, 2), (30, 3), (30, 3)]
    assert r.appointment(1) == r.appointment(2) == (10, 1)
    assert r.cap_percent == 30


def test_work_refusal_withdrawal_from_28_march_2024_for_two_years() -> None:
    """§ 31a Abs. 7 SGB II: in force 28.03.2024 to 27.03.2026, at most two months."""
    def months(day: date) -> int | None:
        law = rechtsstand(day)
        assert law.reductions is not None
        return law.reductions.work_refusal_months
    assert months(date(2024, 3, 27)) is None
    assert months(date(2024, 3, 28)) == 2
    assert months(date(2026, 3, 27)) == 2
    assert months(date(2026, 3, 28)) is None


def test_moratorium_and_bverfg_regimes() -> None:
    """§ 84 SGB II (07–12/2022): no Pflichtverletzung reduction; BVerfG 1 BvL 7/16: 30 % for 3 months."""
    mor = rechtsstand(date(2022, 7, 1)).reductions
    old = rechtsstand(date(2021, 1, 1)).reductions
    assert mor is not None
    assert old is not None
    assert [mor.duty(1), mor.appointment(1), mor.appointment(2)] == [(0, 0), (0, 0), (10, 1)]
    assert [old.duty(1), old.duty(3), old.appointment(1)] == [(30, 3), (30, 3), (10, 3)]
    assert rechtsstand(date(2019, 11, 4)).reductions is None


def test_draft_2026_reductions_only_on_request() -> None:
    """The 2026 draft: 30 % for 3 months from the first Pflichtverletzung; marked as draft."""
    law = rechtsstand(date(2026, 7, 1), drafts=True)
    assert law.reductions is not None
    assert [law.reductions.duty(1), law.reductions.appointment(1), law.reductions.appointment(2)] == [
        (30, 3), (0, 0), (30, 1)]
    assert all(law.rule(i).draft for i in ("ng_2026_reductions", "ng_2026_plan"))
    assert rechtsstand(date(2026, 7, 1)).reductions.duty(1) == (10, 1)  # type: ignore[union-attr]


def test_coaching_protection_follows_16k() -> None:
    """§ 16k Abs. 4: breaking off coaching is not sanctionable, from 01.07.2023 when § 16k exists."""
    assert not rechtsstand(date(2023, 6, 30)).coaching_protected
    assert rechtsstand(date(2023, 7, 1)).coaching_protected


@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2028, 12, 31)),
       st.sampled_from(["16e", "16i", "16j", "16k", "16d", "45sgb3"]))
def test_instrument_dates_are_the_catalogues(day: date, code: str) -> None:
    """The Rechtsstand reads instrument dates from the catalogue: they agree on every day."""
    assert instrument_in_force(code, day) == (default_catalogue().get(code).period_at(day) is not None)


def test_every_rule_is_documented_with_source_and_dates() -> None:
    """docs/background/law.md lists every rule id with its paragraph and its dates."""
    text = DOCS.read_text(encoding="utf-8")
    for rule in LAW_RULES:
        row = next((line for line in text.splitlines() if f"`{rule.id}`" in line), None)
        assert row is not None, rule.id
        for d in (rule.valid_from, rule.valid_until):
            if d is not None:
                assert d.strftime("%d.%m.%Y") in row, (rule.id, d)
        assert re.search(r"§|BVerfG", row), rule.id


def test_16i_needs_25_years_and_six_of_seven_years() -> None:
    """§ 16i Abs. 3: hand case — born 03/1999 is 24 on 01.02.2024; 2190 days < 2191 needed."""
    young = Participant("p1", birth_month="1999-03")
    r = eligibility("16i", young, date(2024, 2, 1), EligibilityFacts(benefit_days=2190, employment_days=0))
    # six years before 01.02.2024 is 01.02.2018: 2191 days (2020 is a leap year)
    assert [f.guard for f in r.failures] == ["16i_age", "16i_benefit"]
    ok = eligibility("16i", Participant("p2", birth_month="1980-01"), date(2024, 2, 1),
                     EligibilityFacts(benefit_days=2191, employment_days=183))
    assert ok.eligible
    assert not ok.assumed


def test_16i_five_years_with_a_minor_child() -> None:
    """§ 16i Abs. 3 Satz 3: five years (1826 days before 01.02.2024) with a minor child."""
    p = Participant("p1", birth_month="1980-01")
    facts = EligibilityFacts(benefit_days=1826, employment_days=0, minor_child=True)
    assert eligibility("16i", p, date(2024, 2, 1), facts).eligible
    short = EligibilityFacts(benefit_days=1825, employment_days=0, minor_child=True)
    assert not eligibility("16i", p, date(2024, 2, 1), short).eligible


def test_16i_more_than_brief_employment_refuses() -> None:
    """§ 16i Abs. 3 Nr. 3: 184 days of work in seven years is more than kurzzeitig (183)."""
    r = eligibility("16i", Participant("p", birth_month="1980-01"), date(2024, 2, 1),
                    EligibilityFacts(benefit_days=2555, employment_days=184))
    assert [f.guard for f in r.failures] == ["16i_employment"]


def test_unknown_facts_are_assumed_not_guessed() -> None:
    """Without facts the rules are listed as assumed, and nothing fails that cannot be checked."""
    r = eligibility("16i", Participant("p"), date(2024, 2, 1))
    assert r.eligible
    assert len(r.assumed) == 3


def test_16e_needs_two_years_of_unemployment() -> None:
    """§ 16e Abs. 3 (since 2019): unemployed since 01.02.2022 is enough on 01.02.2024, 02.02.2022 not."""
    p = Participant("p")
    ok = eligibility("16e", p, date(2024, 2, 1), EligibilityFacts(unemployed_since=date(2022, 2, 1)))
    assert ok.eligible
    late = eligibility("16e", p, date(2024, 2, 1), EligibilityFacts(unemployed_since=date(2022, 2, 2)))
    assert [f.guard for f in late.failures] == ["16e_lza"]
    assert eligibility("16e", p, date(2018, 6, 1)).failures[0].guard == "16e_in_force"


def test_16k_only_from_july_2023() -> None:
    """§ 16k exists from 01.07.2023 (instrument catalogue)."""
    assert not eligibility("16k", Participant("p"), date(2023, 6, 30)).eligible
    assert eligibility("16k", Participant("p"), date(2023, 7, 1)).eligible


def test_unknown_instrument_is_a_validation_error() -> None:
    """Only 16e, 16i and 16k have target-group rules here."""
    from langzeit.exceptions import ValidationError
    with pytest.raises(ValidationError, match="16d"):
        eligibility("16d", Participant("p"), date(2024, 1, 1))
