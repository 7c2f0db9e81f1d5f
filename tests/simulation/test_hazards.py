import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import ExitReason, OutcomeKind
from langzeit.simulation import PhaseHazards, cause_exit


def test_constant_hazard_gives_a_geometric_month() -> None:
    """With a constant monthly hazard h the event month k has P = (1-h)^k h."""
    h = PhaseHazards({"dropout": 0.2})
    rng = np.random.default_rng(5)
    months = []
    for u in rng.uniform(size=(50_000, 3)):
        draw = h.draw(*u)
        assert draw is not None
        months.append(int(draw[0]))
    counts = np.bincount(months, minlength=4)[:4] / len(months)
    expected = [0.2, 0.8 * 0.2, 0.8**2 * 0.2, 0.8**3 * 0.2]
    assert counts == pytest.approx(expected, abs=0.006)


def test_causes_split_in_proportion_to_their_rates() -> None:
    """Within a month, cause j is chosen with probability h_j / h."""
    h = PhaseHazards({"dropout": 0.03, "integration": 0.01})
    rng = np.random.default_rng(9)
    causes = [h.draw(*u)[1] for u in rng.uniform(size=(20_000, 3))]  # type: ignore[index]
    assert causes.count("integration") / len(causes) == pytest.approx(0.25, abs=0.01)


def test_duration_dependent_hazards_use_the_month_since_entry() -> None:
    """A list of rates applies month by month, its last value repeating."""
    h = PhaseHazards({"integration": [0.0, 0.0, 0.5]})
    assert h.survival(2) == 1.0
    assert h.survival(4) == pytest.approx(0.25)
    assert h.draw(0.1, 0.0, 0.25) == (2.25, "integration")


def test_zero_hazard_never_fires() -> None:
    """All-zero hazards produce no event."""
    assert PhaseHazards({"dropout": 0.0}).draw(0.999, 0.5, 0.5) is None


def test_bad_hazards_are_refused_with_every_reason() -> None:
    """Unknown causes and probabilities outside [0, 1] are named together."""
    with pytest.raises(ValueError, match=r"unknown cause 'lottery'.*dropout: monthly probabilities"):
        PhaseHazards({"lottery": 0.1, "dropout": 1.5})


def test_monthly_totals_above_one_are_refused() -> None:
    """Competing hazards must not sum to more than 1 in a month."""
    with pytest.raises(ValueError, match=r"month 0: hazards sum to 1\.2"):
        PhaseHazards({"dropout": 0.6, "integration": 0.6})


def test_causes_map_to_exit_reasons_and_outcomes() -> None:
    """Integration exits into svp, rehabilitation is a transfer, minijob is work."""
    assert cause_exit("rehabilitation") == (ExitReason.TRANSFER, OutcomeKind.REHABILITATION)
    assert cause_exit("minijob") == (ExitReason.WORK, OutcomeKind.MINIJOB)
    assert cause_exit("health") == (ExitReason.HEALTH, OutcomeKind.NONE)


@given(st.lists(st.floats(0, 0.3), min_size=1, max_size=6), st.floats(0, 0.999), st.floats(0, 0.999))
def test_survival_is_the_product_of_monthly_complements(rates: list[float], u: float, v: float) -> None:
    """S(k) = Π_{i<k} (1 − h(i)) for any duration-dependent hazard."""
    h = PhaseHazards({"dropout": rates})
    expected = 1.0
    for k in range(8):
        assert h.survival(k) == pytest.approx(expected, abs=1e-12)
        expected *= 1 - rates[min(k, len(rates) - 1)]
    draw = h.draw(u, v, 0.5)
    if draw is not None:
        assert h.rate("dropout", int(draw[0])) > 0
