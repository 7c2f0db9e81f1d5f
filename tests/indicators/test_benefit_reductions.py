"""benefit_reduction_rate: Leistungsminderungen per participant (hand-counted)."""

from datetime import date

from langzeit.events import Admitted, BenefitReduced, Referred
from langzeit.indicators import benefit_reduction_rate

_CUT = {"ground": "duty_breach", "percent": 10, "start": date(2024, 6, 1), "months": 1}


def test_shares_of_admitted_participants_with_reductions() -> None:
    """4 admitted: p1 two reductions, p2 one, p3 none, p4 none → 2/4 reduced, 1/4 repeatedly."""
    log = [Admitted(f"a{i}", f"p{i}", date(2024, 1, 8)) for i in range(1, 5)]
    log += [BenefitReduced("r1", "p1", date(2024, 5, 13), **_CUT),
            BenefitReduced("r2", "p1", date(2024, 9, 2), **_CUT),
            BenefitReduced("r3", "p2", date(2024, 5, 13), **_CUT)]
    t = benefit_reduction_rate(log)
    reduced, repeated = t.get("participants_reduced"), t.get("participants_reduced_repeatedly")
    assert (reduced.numerator, reduced.denominator, reduced.value) == (2, 4, 50.0)
    assert (repeated.numerator, repeated.denominator, repeated.value) == (1, 4, 25.0)


def test_reductions_of_participants_never_admitted_do_not_count() -> None:
    """A referred, not admitted participant's reduction is outside numerator and denominator."""
    log = [Admitted("a1", "p1", date(2024, 1, 8)), Referred("f2", "p2", date(2024, 1, 8)),
           BenefitReduced("r1", "p2", date(2024, 5, 13), **_CUT)]
    reduced = benefit_reduction_rate(log).get("participants_reduced")
    assert (reduced.numerator, reduced.denominator) == (0, 1)
