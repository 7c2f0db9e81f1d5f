"""The Leitbild's question as a scenario (issue 17, item 8): 1:12 against 1:60 on the same referrals."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from langzeit.cli import main
from langzeit.exceptions import ValidationError
from langzeit.simulation import (
    Costs,
    SimulationResult,
    compare,
    cost_metrics,
    load_scenario,
    relief_balance,
    scenario_from_dict,
    scenario_to_dict,
    scenario_variant,
    simulate,
)

R = 4


@pytest.fixture(scope="module")
def arms() -> tuple[SimulationResult, SimulationResult]:
    """Both arms, same seed, four replications (events of the first kept)."""
    low = simulate(load_scenario("leitbild-1-60"), seed=2024, replications=R, keep_events={0})
    high = simulate(load_scenario("leitbild-1-12"), seed=2024, replications=R, keep_events={0})
    return low, high


def test_the_arms_differ_only_in_staffing_and_the_integration_hazard() -> None:
    """Same programme, referrals, stays, follow-ups, costs; 4 coaches at 1:60, 20 at 1:12, 240 places each."""
    low = scenario_to_dict(load_scenario("leitbild-1-60"))
    high = scenario_to_dict(load_scenario("leitbild-1-12"))
    differ = {k for k in low.keys() | high.keys() if low.get(k) != high.get(k)}
    assert differ == {"id", "name", "description", "staffing", "hazards", "calibration"}
    assert load_scenario("leitbild-1-60").places == load_scenario("leitbild-1-12").places == 240
    hazard = "integration"
    assert low["hazards"]["fallmanagement"][hazard] * 2 == high["hazards"]["fallmanagement"][hazard]


Arms = tuple[SimulationResult, SimulationResult]


def test_paired_arms_see_the_same_referrals_and_admissions(arms: Arms) -> None:
    """Common random numbers: replication i of both arms has the same referrals, with no difference."""
    c = compare(*arms, paired=True)
    for metric in ("referred", "admitted", "entered:fallmanagement"):
        row = next(r for r in c.rows() if r["metric"] == metric)
        assert (row["difference"], row["low"], row["high"]) == (0.0, 0.0, 0.0)


def test_more_intensity_brings_more_integrations_and_relief_at_a_higher_cost(
        arms: tuple[SimulationResult, SimulationResult]) -> None:
    """Paired differences have the expected signs: more Integrationen, relief, cost; intervals clear of 0."""
    c = compare(*arms, paired=True)
    rows = {r["metric"]: r for r in c.rows()}
    for metric in ("integrations", "relieved_months", "benefit_relief", "staff_cost"):
        assert rows[metric]["difference"] > 0
        assert rows[metric]["low"] > 0
    b = relief_balance(c)
    assert b.extra_relief == rows["benefit_relief"]["difference"]
    assert 0 < b.relief_per_euro < 1  # under these assumptions the relief pays back less than the staff
    assert b.net == pytest.approx(b.extra_relief - b.extra_cost)


def test_staff_cost_is_hand_checkable(arms: tuple[SimulationResult, SimulationResult]) -> None:
    """4 FTE × 85,760 € × 3 years = 1,029,120 €; 20 FTE: 5,145,600 €; the extra 16 FTE: 4,116,480 €."""
    low, high = arms
    assert set(low.values("staff_cost")) == {1_029_120.0}
    assert set(high.values("staff_cost")) == {5_145_600.0}
    assert relief_balance(compare(low, high, paired=True)).extra_cost == 4_116_480.0


def test_relief_is_months_out_of_benefit_times_the_monthly_benefit(
        arms: tuple[SimulationResult, SimulationResult]) -> None:
    """By hand from the log: months after each Integration exit to the window's end or to benefit again."""
    for result in arms:
        s = result.scenario
        rep = result.replications[0]
        first, last = s.observed_from, s.end - timedelta(days=1)

        def month(d: date) -> int:
            return d.year * 12 + d.month

        exits = {e.participant_id: e for e in rep.events if e.type == "exited"}
        months = 0
        for pid, e in exits.items():
            if not e.outcome.is_integration:
                continue
            back = [f.date for f in rep.events if f.type == "follow_up" and f.participant_id == pid
                    and f.receives_benefit]
            begin = max(month(e.date) + 1, month(first))
            stop = min(month(min(back)) if back else month(last) + 1, month(last) + 1)
            months += max(stop - begin, 0)
        # people who left without an Integration but were in insured work at a follow-up relieve too
        later = {f.participant_id for f in rep.events if f.type == "follow_up" and f.receives_benefit is False
                 and not exits[f.participant_id].outcome.is_integration}
        if not later:
            assert rep.metrics["relieved_months"] == months
        assert rep.metrics["relieved_months"] >= months
        assert rep.metrics["benefit_relief"] == rep.metrics["relieved_months"] * 1000.0


def test_cost_metrics_hand_case() -> None:
    """One coach at 12,000 € a year for 24 months; one Integration in the first month: 23 months × 1,000 €."""
    from langzeit.events import Exited
    from langzeit.simulation import Staffing

    s = load_scenario("geh-vor").evolve(staffing=Staffing(coaches=1, caseload=12), costs=Costs(12_000, 1_000))
    log = [Exited("e1", "p1", date(2020, 7, 20), reason="completed", outcome="svp")]
    assert cost_metrics(s, log) == {"staff_fte": 1.0, "staff_cost": 24_000.0, "relieved_months": 23.0,
                                    "benefit_relief": 23_000.0, "net_relief": -1_000.0}


def test_same_seed_same_figures() -> None:
    """The comparison is reproducible by seed, and another seed gives other figures."""
    def run(seed: int) -> float:
        low = simulate(load_scenario("leitbild-1-60"), seed=seed, replications=2, keep_events=False)
        high = simulate(load_scenario("leitbild-1-12"), seed=seed, replications=2, keep_events=False)
        return relief_balance(compare(low, high, paired=True)).extra_relief

    assert run(11) == run(11)
    assert run(11) != run(12)


def test_costs_are_validated_and_round_trip() -> None:
    """[costs] needs staffing and amounts ≥ 0; it is written and read back."""
    table = scenario_to_dict(load_scenario("leitbild-1-12"))
    assert scenario_from_dict(table).costs == Costs(85_760, 1_000)
    bad = {**table, "costs": {"staff_cost_per_fte_year": -1, "monthly_benefit": "a lot", "rate": 3}}
    with pytest.raises(ValidationError) as err:
        scenario_from_dict(bad, location="c.toml")
    for key in ("staff_cost_per_fte_year", "monthly_benefit", "rate"):
        where = f"c.toml.costs.{key}"
        assert where in str(err.value)
    with pytest.raises(ValidationError, match="staffing"):
        scenario_variant(load_scenario("mm-c-queue"), {"costs": {}})


def test_follow_ups_record_benefit_only_with_costs() -> None:
    """Without [costs] a follow-up leaves receives_benefit unknown, as before; with costs it is set."""
    plain = simulate(load_scenario("geh-vor"), seed=1).replications[0].events
    assert {e.receives_benefit for e in plain if e.type == "follow_up"} == {None}
    with_costs = simulate(load_scenario("leitbild-1-60"), seed=1).replications[0].events
    assert {e.receives_benefit for e in with_costs if e.type == "follow_up"} == {True, False}


def test_cli_compare_prints_the_paired_relief_balance_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """`langzeit simulate leitbild-1-12 --compare leitbild-1-60 --format json`: comparison, stable keys."""
    assert main(["simulate", "leitbild-1-12", "--compare", "leitbild-1-60", "--replications", "2",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    c = out["comparison"]
    assert (c["baseline"], c["alternative"], c["paired"]) == ("leitbild-1-60", "leitbild-1-12", True)
    b = c["relief_vs_investment"]
    assert b["extra_cost"] == 4_116_480.0
    assert set(b) == {"rows", "extra_cost", "extra_relief", "net", "relief_per_euro"}
    assert [r["figure"] for r in b["rows"]] == [
        "staff_fte", "staff_cost", "relieved_months", "benefit_relief", "net_relief", "relief_per_euro"]


def test_cli_compare_without_costs_has_no_balance(capsys: pytest.CaptureFixture[str]) -> None:
    """Scenarios without [costs] compare metric by metric; relief_vs_investment is null."""
    assert main(["simulate", "pan-ploen", "--compare", "pan-ploen", "--replications", "2",
                 "--format", "json"]) == 0
    c = json.loads(capsys.readouterr().out)["comparison"]
    assert c["relief_vs_investment"] is None
    assert all(r["difference"] == 0.0 for r in c["rows"])
