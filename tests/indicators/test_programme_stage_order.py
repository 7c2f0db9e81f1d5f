"""The funnel follows the order stages happen in; exits count for the phase left, not the exit phase."""

from datetime import date

from langzeit.events import Admitted, Assessed, Exited, ParticipationAgreed, PhaseEntered, Referred
from langzeit.indicators import exits_by_phase, funnel

D = date(2024, 1, 1)


def _assess_after_admission(pid: str, n: int) -> list:  # type: ignore[type-arg]
    """A pathway whose assessment happens during intake, after admission."""
    return [
        Referred(f"{pid}-1", pid, D),
        ParticipationAgreed(f"{pid}-2", pid, date(2024, 1, 5)),
        Admitted(f"{pid}-3", pid, date(2024, 2, 1)),
        PhaseEntered(f"{pid}-4", pid, date(2024, 2, 1), phase_id="intake"),
        Assessed(f"{pid}-5", pid, date(2024, 2, 10)),
        PhaseEntered(f"{pid}-6", pid, date(2024, 3, 1), phase_id="coaching"),
        PhaseEntered(f"{pid}-7", pid, date(2024, 9, 1), phase_id="exit"),
        Exited(f"{pid}-8", pid, date(2024, 9, 1), reason="completed"),
    ][:n]


def test_funnel_orders_entry_stages_as_they_happen() -> None:
    """When assessment follows admission, 'assessed' comes after 'admitted' and conversions are ≤ 100 %."""
    log = [*_assess_after_admission("p1", 8), *_assess_after_admission("p2", 3),
           *_assess_after_admission("p3", 2)]
    t = funnel(log)
    assert t.items[:4] == ("referred", "participation_agreed", "admitted", "assessed")
    # p1 all stages, p2 up to admission, p3 up to agreement:
    # referred 3; agreed 3 of 3; admitted 2 of 3; assessed 1 of 2
    assert t.numerator[0].tolist()[:4] == [3, 3, 2, 1]
    assert t.denominator[0].tolist()[:4] == [3, 3, 3, 2]


def test_funnel_keeps_the_default_order_when_stages_follow_it() -> None:
    """Assessment before agreement before admission keeps the documented order."""
    log = [Referred("a", "p1", D), Assessed("b", "p1", date(2024, 1, 3)),
           ParticipationAgreed("c", "p1", date(2024, 1, 4)), Admitted("d", "p1", date(2024, 1, 5))]
    assert funnel(log).items[:4] == ("referred", "assessed", "participation_agreed", "admitted")


def test_exits_count_for_the_phase_left_not_the_exit_phase() -> None:
    """An exit written after entering the terminal phase on the same day counts for the phase before."""
    log = [
        *_assess_after_admission("p1", 8),
        Referred("q1", "p2", D), Admitted("q2", "p2", D),
        PhaseEntered("q3", "p2", D, phase_id="intake"),
        PhaseEntered("q4", "p2", date(2024, 1, 20), phase_id="exit"),
        Exited("q5", "p2", date(2024, 1, 20), reason="dropout"),
    ]
    t = exits_by_phase(log)
    assert t.groups == ("all", "intake", "coaching")
    assert t.get("dropout", "intake").numerator == 1
    assert t.get("completed", "coaching").numerator == 1
    assert t.get("not_exited_here", "intake").numerator == 1  # p1 moved on to coaching


def test_funnel_shows_phases_in_model_order_without_the_exit_phase() -> None:
    """An early exit does not put the exit phase before later phases; exits count of the admitted."""
    early = [Referred("q1", "p2", D), Admitted("q2", "p2", D),
             PhaseEntered("q3", "p2", D, phase_id="intake"),
             PhaseEntered("q4", "p2", date(2024, 1, 20), phase_id="exit"),
             Exited("q5", "p2", date(2024, 1, 20), reason="dropout")]
    log = [*early, *_assess_after_admission("p1", 8), *_assess_after_admission("p3", 6)]
    for t in (funnel(log), funnel(log, phases=["intake", "coaching", "exit"])):
        assert [i for i in t.items if i.startswith("phase:")] == ["phase:intake", "phase:coaching"]
        exited = t.items.index("exited")
        # p1 and p2 exited, of the 3 admitted (p2 from intake, never in coaching)
        assert (t.numerator[0, exited], t.denominator[0, exited]) == (2, 3)
        assert t.notes[exited] == "Ausström, of admitted"


def test_funnel_orders_phases_by_the_pathways_not_by_first_appearance() -> None:
    """A phase seen first in the log still comes after the phase most pathways go through before it."""
    log = [Referred("a", "p0", D), Admitted("b", "p0", D), PhaseEntered("c", "p0", D, phase_id="coaching"),
           *_assess_after_admission("p1", 8), *_assess_after_admission("p2", 8)]
    assert [i for i in funnel(log).items if i.startswith("phase:")] == ["phase:intake", "phase:coaching"]
