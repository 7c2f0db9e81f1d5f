"""Target-group rules of § 16i, § 16e and § 16k SGB II: hand cases per rule (domain/_eligibility.py)."""

from datetime import date
from pathlib import Path

import pytest

from langzeit.domain import EligibilityFacts, Participant, Programme, eligibility
from langzeit.exceptions import ValidationError

ON = date(2024, 2, 1)
NONE_WORKED = {"employment_days": 0}


def test_16i_age_24_on_the_day_refuses_and_25_passes() -> None:
    """§ 16i Abs. 3 Nr. 1: born 02/1999 is 25 on 01.02.2024; born 03/1999 is 24 (birthday: the 1st)."""
    facts = EligibilityFacts(benefit_days=2555, **NONE_WORKED)
    assert eligibility("16i", Participant("p", birth_month="1999-02"), ON, facts).eligible
    r = eligibility("16i", Participant("p", birth_month="1999-03"), ON, facts)
    assert [f.guard for f in r.failures] == ["16i_age"]
    assert "is 24 on 2024-02-01" in r.failures[0].reason


def test_16i_six_of_seven_years_boundary() -> None:
    """Six years before 01.02.2024 are 2191 days (two leap days): 2191 passes, 2190 refuses."""
    p = Participant("p", birth_month="1970-01")
    assert eligibility("16i", p, ON, EligibilityFacts(benefit_days=2191, **NONE_WORKED)).eligible
    r = eligibility("16i", p, ON, EligibilityFacts(benefit_days=2190, **NONE_WORKED))
    assert [f.guard for f in r.failures] == ["16i_benefit"]
    assert "(2191 days)" in r.failures[0].reason


def test_16i_five_years_with_a_schwerbehinderung() -> None:
    """§ 16i Abs. 3 Satz 3: severely disabled — five years (1826 days) suffice; 1825 do not."""
    p = Participant("p", birth_month="1970-01")
    sb = {"severely_disabled": True, **NONE_WORKED}
    assert eligibility("16i", p, ON, EligibilityFacts(benefit_days=1826, **sb)).eligible
    assert not eligibility("16i", p, ON, EligibilityFacts(benefit_days=1825, **sb)).eligible
    # without the reduction 1826 days are not enough, and the missing household fact is named
    r = eligibility("16i", p, ON, EligibilityFacts(benefit_days=1826, **NONE_WORKED))
    assert [f.guard for f in r.failures] == ["16i_benefit"]
    assert any("Satz 3" in a for a in r.assumed)


def test_16e_not_unemployed_refuses() -> None:
    """§ 16e Abs. 3: a person known not to be unemployed fails 16e_lza (unemployed=False)."""
    r = eligibility("16e", Participant("p"), ON, EligibilityFacts(unemployed=False))
    assert [f.guard for f in r.failures] == ["16e_lza"]
    assert "not unemployed" in r.failures[0].reason


def test_16e_two_years_boundary() -> None:
    """Unemployed since 01.02.2022 is two years on 01.02.2024; since 02.02.2022 one day short."""
    p = Participant("p")
    assert eligibility("16e", p, ON, EligibilityFacts(unemployed_since=date(2022, 2, 1))).eligible
    assert not eligibility("16e", p, ON, EligibilityFacts(unemployed_since=date(2022, 2, 2))).eligible


def test_16k_before_and_after_1_july_2023() -> None:
    """§ 16k is in force from 01.07.2023: refused on 30.06.2023 with 16k_in_force, eligible on 01.07.2023."""
    p = Participant("p")
    before = eligibility("16k", p, date(2023, 6, 30))
    assert [f.guard for f in before.failures] == ["16k_in_force"]
    assert eligibility("16k", p, date(2023, 7, 1)).eligible


def test_unknown_facts_are_assumed_not_refused() -> None:
    """No birth month, no facts: § 16i's three rules and § 16e's are listed in assumed, nothing fails."""
    r = eligibility("16i", Participant("p"), ON)
    assert r.eligible
    assert len(r.assumed) == 3
    e = eligibility("16e", Participant("p"), ON)
    assert e.eligible
    assert len(e.assumed) == 1


def test_the_birth_month_of_the_facts_gives_the_age() -> None:
    """A participant known by id only (the engine's case) takes the age from facts.birth_month."""
    facts = EligibilityFacts(benefit_days=2555, employment_days=0, birth_month="2000-01")
    r = eligibility("16i", Participant("p"), ON, facts)
    assert [f.guard for f in r.failures] == ["16i_age"]


def test_contradictory_unemployment_facts_are_invalid() -> None:
    """unemployed=False with an unemployed_since date is a ValidationError."""
    with pytest.raises(ValidationError, match="contradictory"):
        EligibilityFacts(unemployed=False, unemployed_since=date(2022, 1, 1))


_TOML = ('id = "tam"\nname = "TaM"\ninstrument = "{code}"\n{extra}[[phases]]\nid = "a"\n'
         '[[phases]]\nid = "z"\nterminal = true\n[[transitions]]\nfrom = "a"\nto = "z"\n')


def test_programme_toml_names_its_instrument(tmp_path: Path) -> None:
    """A programme file's instrument = "16I" reads as 16i and writes back."""
    f = tmp_path / "tam.toml"
    f.write_text(_TOML.format(code="16I", extra=""), encoding="utf-8")
    prog = Programme.from_toml(f)
    assert prog.instrument == "16i"
    assert Programme.from_dict(prog.to_dict()).instrument == "16i"


def test_an_unknown_instrument_code_is_located(tmp_path: Path) -> None:
    """An unknown code is a ValidationError at <file>.instrument, listed with the file's other problems."""
    f = tmp_path / "tam.toml"
    f.write_text(_TOML.format(code="16f", extra='voluntary = "ja"\n'), encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        Programme.from_toml(f)
    where = [str(p).split(":")[0] for p in err.value.problems]
    assert sorted(where) == ["tam.toml.instrument", "tam.toml.voluntary"]
    assert "unknown instrument code '16f'" in str(err.value)
