"""The engine's target-group guard at admission for programmes with an instrument (§ 16e, § 16i, § 16k)."""

from datetime import date

import attrs
import pytest

from engine._support import small_programme
from langzeit.domain import EligibilityFacts
from langzeit.engine import Admit, PathwayEngine, TransitionRefused
from langzeit.evaluation import SpellIndex, eligibility_facts
from langzeit.exceptions import ValidationError, WrongTypeError
from langzeit.spells import SpellTable

DAY = date(2024, 3, 1)
OK = EligibilityFacts(birth_month="1970-01", benefit_days=2555, employment_days=0)


def _engine(instrument: str | None = "16i", **options: object) -> PathwayEngine:
    prog = attrs.evolve(small_programme(3, voluntary=False), instrument=instrument)
    return PathwayEngine(prog, **options)  # type: ignore[arg-type]


def test_spells_to_facts_to_a_refusal_with_reasons() -> None:
    """Four years of benefit and a year of svp in the spells: § 16i admission refused, both reasons."""
    spells = SpellTable.from_records([
        {"person_id": "p1", "kind": "elb", "start": "2020-03-01", "end": "", "jobcenter": "J"},
        {"person_id": "p1", "kind": "svp", "start": "2018-01-01", "end": "2018-12-31"},
    ], data_end=date(2024, 6, 30))
    index = SpellIndex(spells)
    engine = _engine(eligibility_facts=lambda pid, day: eligibility_facts(index, pid, day,
                                                                        birth_month="1975-05"))
    engine.refer("p1", date(2024, 2, 1))
    with pytest.raises(TransitionRefused) as refused:
        engine.admit("p1", DAY)
    failures = refused.value.failures
    assert [f.guard for f in failures] == ["16i_benefit", "16i_employment"]
    # 2020-03-01 .. 2024-02-29 = 1461 days; six years before 01.03.2024 are 2192 days
    assert failures[0].reason.startswith("1461 days of benefit receipt")
    assert "(2192 days)" in failures[0].reason
    assert "365 days of employment" in failures[1].reason
    assert engine.store.events()[-1].type == "referred"  # nothing written


def test_eligible_facts_admit() -> None:
    """Facts that pass every § 16i rule: admitted; nothing assumed."""
    engine = _engine(eligibility_facts={"p1": OK})
    engine.refer("p1", DAY)
    assert [e.type for e in engine.admit("p1", DAY)] == ["admitted", "phase_entered"]
    assert engine.eligibility("p1", DAY).assumed == ()  # type: ignore[union-attr]


def test_facts_not_given_are_assumed_and_visible() -> None:
    """No facts for the participant: admitted, and engine.eligibility() lists the three assumed rules."""
    engine = _engine(eligibility_facts={"other": OK})
    engine.refer("p1", DAY)
    engine.admit("p1", DAY)
    result = engine.eligibility("p1", DAY)
    assert result is not None
    assert result.eligible
    assert len(result.assumed) == 3


def test_a_programme_without_instrument_checks_nothing() -> None:
    """No instrument: no target-group guard, engine.eligibility() is None."""
    engine = _engine(None, eligibility_facts={"p1": attrs.evolve(OK, benefit_days=0)})
    engine.refer("p1", DAY)
    engine.admit("p1", DAY)
    assert engine.eligibility("p1", DAY) is None


def test_16k_programme_refuses_before_july_2023() -> None:
    """§ 16k is in force from 01.07.2023: an admission on 30.06.2023 is refused (16k_in_force)."""
    engine = _engine("16k")
    engine.refer("p1", date(2023, 6, 1))
    with pytest.raises(TransitionRefused) as refused:
        engine.admit("p1", date(2023, 6, 30))
    assert [f.guard for f in refused.value.failures] == ["16k_in_force"]
    assert engine.admit("p1", date(2023, 7, 1))[0].type == "admitted"


def test_16e_programme_refuses_one_day_short_of_two_years() -> None:
    """§ 16e: unemployed since 02.03.2022 is one day short on 01.03.2024."""
    engine = _engine("16e", eligibility_facts={"p1": EligibilityFacts(unemployed_since=date(2022, 3, 2)),
                                               "p2": EligibilityFacts(unemployed_since=date(2022, 3, 1))})
    for pid in ("p1", "p2"):
        engine.refer(pid, DAY)
    assert [f.guard for f in engine.check(Admit("p1", DAY))] == ["16e_lza"]
    assert engine.admit("p2", DAY)[0].type == "admitted"


def test_the_waiting_list_skips_who_is_not_eligible_on_the_day() -> None:
    """Admission from the waiting list checks its own day: an ineligible participant stays waiting."""
    young = attrs.evolve(OK, birth_month="1999-06")  # 25 on 01.06.2024
    engine = _engine(eligibility_facts={"a": OK, "b": OK, "c": OK, "y": young, "z": OK})
    for pid in ("a", "b", "c"):
        engine.refer(pid, DAY)
        engine.admit(pid, DAY)
    for pid in ("y", "z"):
        engine.refer(pid, DAY)
        engine.waitlist(pid, DAY)
    admitted = [e.participant_id for e in engine.exit("a", date(2024, 4, 1), "other") if e.type == "admitted"]
    assert admitted == ["z"]
    assert engine.waiting_list().participant_ids == ("y",)
    engine.exit("b", date(2024, 6, 1), "other")
    assert engine.state("y").status.value == "active"


def test_bad_facts_options_are_refused() -> None:
    """A mapping with a non-facts value, or a callable returning one, is a validation / type error."""
    with pytest.raises(ValidationError, match="invalid engine options"):
        _engine(eligibility_facts={"p1": 3})
    engine = _engine(eligibility_facts=lambda pid, day: "yes")
    engine.refer("p1", DAY)
    with pytest.raises(WrongTypeError):
        engine.admit("p1", DAY)
