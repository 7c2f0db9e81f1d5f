"""Staff cost against benefit relief and the break-even month, hand-computed."""

from datetime import date

import pytest

from langzeit.domain import Coach
from langzeit.events import Exited, FollowUp
from langzeit.exceptions import ValidationError
from langzeit.indicators import CostRelief, StaffCost, cost_relief

LOG = [
    Exited("e1", "p1", date(2024, 1, 15), reason="work", outcome="svp"),
    FollowUp("e2", "p1", date(2024, 4, 20), months_after_exit=3, status="none", receives_benefit=True),
    Exited("e3", "p2", date(2024, 1, 10), reason="work", outcome="minijob"),
    FollowUp("e4", "p2", date(2024, 3, 5), months_after_exit=2, status="minijob", receives_benefit=False),
    Exited("e5", "p3", date(2024, 2, 1), reason="dropout"),
]
STAFF = [StaffCost("c1", 0.5, 6000, start=date(2024, 3, 10), end=date(2024, 5, 2))]


def _run(**kw: object) -> CostRelief:
    args: dict[str, object] = {"staff": STAFF, "monthly_benefit": {"p1": 1000, "p2": 500},
                               "start": date(2024, 1, 1), "end": date(2024, 6, 30)}
    args.update(kw)
    return cost_relief(LOG, **args)  # type: ignore[arg-type]


def test_staff_cost_only_in_working_months() -> None:
    """0.5 FTE × 6000 € in March, April and May (partial months count whole)."""
    r = _run()
    assert r.cost.tolist() == [0, 0, 3000, 3000, 3000, 0]


def test_relief_starts_after_integration_and_stops_at_benefit_again() -> None:
    """p1: Feb–Mar (benefit again from April); p2: from the March no-benefit follow-up on."""
    r = _run()
    assert r.relief.tolist() == [0, 1000, 1500, 500, 500, 500]
    assert r.relieved.tolist() == [0, 1, 2, 1, 1, 1]


def test_no_break_even_when_relief_stays_below_cost() -> None:
    """Cumulative relief 4000 € never reaches the cumulative cost 9000 €."""
    r = _run()
    assert r.cumulative_cost.tolist()[-1] == 9000
    assert r.cumulative_relief.tolist()[-1] == 4000
    assert r.break_even is None


def test_break_even_month() -> None:
    """With 100 € per month of staff cost the relief of February (1000 €) already breaks even."""
    r = _run(staff=[StaffCost("c1", 1, 100)])
    assert r.break_even == date(2024, 2, 29)


def test_relieving_outcomes_is_a_parameter() -> None:
    """Counting a Minijob as relieving starts p2's relief the month after the exit."""
    r = _run(relieving_outcomes={"svp", "minijob"})
    assert r.relief.tolist() == [0, 1500, 1500, 500, 500, 500]


def test_single_amount_for_everyone() -> None:
    """A single amount applies to every relieved participant."""
    r = _run(monthly_benefit=800)
    assert r.relief.tolist() == [0, 800, 1600, 800, 800, 800]


def test_from_coach_uses_fte() -> None:
    """A coach record's FTE scales the cost rate."""
    c = Coach("c9", role="pap", organisation_id="jc", fte=0.25)
    assert StaffCost.from_coach(c, 8000).monthly_cost == 2000


def test_bad_inputs_are_refused() -> None:
    """A negative amount or an end before the start is refused."""
    with pytest.raises(ValidationError):
        _run(monthly_benefit=-1)
    with pytest.raises(ValidationError):
        _run(end=date(2023, 1, 1))
    with pytest.raises(ValidationError):
        StaffCost("c1", -1, 100)


def test_rows_have_net_balance() -> None:
    """Each row carries the cumulative net balance."""
    rows = _run().rows()
    assert rows[2]["net"] == 2500 - 3000
