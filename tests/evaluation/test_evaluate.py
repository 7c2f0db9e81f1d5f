"""The whole evaluation in one call: the seeds' criteria beside the outcomes, confidentiality (evaluate)."""

import datetime as dt

from langzeit.evaluation import evaluate
from langzeit.events import ActorReferred, Admitted, Exited, PlanStepAchieved, PlanStepAgreed, ScaleScored
from langzeit.indicators import outcomes_by_kind
from langzeit.spells import SpellTable


def _log() -> list:
    d = dt.date(2024, 2, 1)
    log = []
    for i in range(6):
        p = f"p{i}"
        log += [Admitted(f"a{i}", p, d),
                ScaleScored(f"s{i}", p, d, scale="who5", items=(2, 2, 2, 2, 2)),
                ScaleScored(f"t{i}", p, dt.date(2024, 8, 1), scale="who5", items=(3, 3, 3, 3, 3)),
                PlanStepAgreed(f"g{i}", p, d, step_id="s1"),
                Exited(f"x{i}", p, dt.date(2024, 9, 1), reason="completed",
                       outcome="stabilisation" if i < 4 else "svp")]
        if i < 3:
            log += [PlanStepAchieved(f"h{i}", p, dt.date(2024, 5, 1), step_id="s1"),
                    ActorReferred(f"r{i}", p, dt.date(2024, 3, 1), actor_id="club")]
    return log


def _spells() -> SpellTable:
    return SpellTable.from_records(
        [{"person_id": f"p{i}", "kind": "elb", "start": "2021-01-01", "end": "", "jobcenter": "J"}
         for i in range(6)],
        data_end=dt.date(2025, 12, 31))


def test_the_seeds_criteria_are_the_indicators_own() -> None:
    """Stabilisation, WHO-5 change, plan steps and actor referrals come from the indicator functions."""
    e = evaluate(_log(), _spells(), min_n=None)
    assert e.criteria["outcomes_by_kind"].get("stabilisation").value == outcomes_by_kind(_log()).get(
        "stabilisation").value
    assert round(e.criteria["outcomes_by_kind"].get("stabilisation").value, 1) == 66.7
    who5 = e.criteria["who5_change"].rows()[0]
    assert who5["mean_change"] == 20.0  # raw 10 -> 15, percentage x 4
    assert e.criteria["plan_step_achievement"].get("steps").value == 50.0
    assert e.criteria["actor_referral_rate"].get("referred_to_actor").value == 50.0


def test_confidentiality_applies_to_every_published_share() -> None:
    """min_n = 7 suppresses the six participants' cells; the balance table and the DiD are withheld."""
    data = evaluate(_log(), _spells(), min_n=7).to_dict()
    assert all(r["value"] is None for r in data["outcomes"]["after_entry"] if r["denominator"] is None)
    assert all(r["suppressed"] for r in data["outcomes"]["after_entry"] if r["numerator"])
    assert data["status"]["admission"]["means"] is None
    assert data["comparison"]["difference_in_differences"] is None
    stab = next(r for r in data["criteria"]["outcomes_by_kind"] if r["item"] == "stabilisation")
    assert stab["value"] is None
    assert data["time_in_state_24m"]["mean_months"] is None
