"""Programme indicators on a hand-made log: every figure computed by hand (see _programme_log.py)."""

import math
from datetime import date

import numpy as np
import pytest
from _programme_log import ATTRIBUTES, END, hand_log

from langzeit.exceptions import ValidationError
from langzeit.indicators import (
    EventColumns,
    actor_referral_rate,
    caseloads,
    competing_exits,
    dropout_rate,
    exits_by_phase,
    extension_rate,
    funnel,
    group_participants,
    outcomes_by_kind,
    participant_summary,
    plan_step_achievement,
    scale_change,
    state_sequences,
    stay_lengths,
    suppress,
    sustainability,
    take_up,
    waiting_list,
)


@pytest.fixture(scope="module")
def cols() -> EventColumns:
    """The hand-made log as columns."""
    return EventColumns.from_events(hand_log())


def test_take_up_is_admitted_among_referred(cols: EventColumns) -> None:
    """p1, p2, p5 of the five referred were admitted (p6 was admitted without referral)."""
    r = take_up(cols).get("took_part")
    assert (r.numerator, r.denominator, r.value) == (3, 5, 60.0)


def test_dropout_rate_over_admitted(cols: EventColumns) -> None:
    """One dropout (p2) among four admitted."""
    r = dropout_rate(cols).get("dropout")
    assert (r.numerator, r.denominator) == (1, 4)
    assert r.lower is not None
    assert r.upper is not None
    assert r.lower < 25.0 < r.upper


def test_extension_rate(cols: EventColumns) -> None:
    """One of four admitted was extended."""
    assert extension_rate(cols).get("extended").value == 25.0


def test_grouped_rates_add_up_to_all(cols: EventColumns) -> None:
    """By sex: F = p1, p5 (no dropout), M = p2 (dropout), unknown = p6."""
    g = group_participants(cols.participants, ATTRIBUTES, "sex")
    t = dropout_rate(cols, by=g)
    assert t.groups == ("all", "F", "M", "unknown")
    assert t.numerator[:, 0].tolist() == [1, 0, 1, 0]
    assert t.denominator[:, 0].tolist() == [4, 2, 1, 1]


def test_outcomes_by_kind_flags_integrationen(cols: EventColumns) -> None:
    """Three exits: svp (Integration), minijob (work), none."""
    t = outcomes_by_kind(cols)
    assert t.get("svp").numerator == 1
    assert t.get("minijob").numerator == 1
    assert t.get("none").numerator == 1
    assert t.get("svp").denominator == 3
    assert t.notes[t.items.index("svp")] == "Integration"
    assert t.notes[t.items.index("minijob")] == "work"


def test_sustainability_due_and_followed_up(cols: EventColumns) -> None:
    """6 months: p2 and p5 are due by the data end, only p5 was followed up (svp, no benefit)."""
    t = sustainability(cols, data_end=END)
    assert (t.get("response_6m").numerator, t.get("response_6m").denominator) == (1, 2)
    assert t.get("work_6m").value == 100.0
    assert t.get("integration_6m").value == 100.0
    assert t.get("off_benefit_6m").value == 100.0
    assert t.get("response_12m").denominator == 0
    assert t.get("response_12m").value is None


def test_funnel_stages_and_conversions(cols: EventColumns) -> None:
    """Funnel from referral to Integration: each stage of the one before, exits of the admitted."""
    t = funnel(cols)
    assert t.items == ("referred", "assessed", "participation_agreed", "admitted", "phase:intake",
                       "phase:coaching", "exited", "integration")
    # exited: p1, p2, p5 of the 4 admitted (p2 left from intake, so not "of phase:coaching");
    # integration: p1 (svp) of those 3 exits
    assert t.numerator[0].tolist() == [5, 1, 1, 1, 4, 2, 3, 1]
    assert t.denominator[0].tolist() == [5, 5, 1, 1, 4, 4, 4, 3]
    assert (t.notes[0], t.notes[4], t.notes[5], t.notes[6], t.notes[7]) == (
        "Einström", "Durchström, of admitted", "Durchström, of phase:intake", "Ausström, of admitted",
        "Ausström, of exited")


def test_exits_by_phase(cols: EventColumns) -> None:
    """p1 and p5 left from coaching (work), p2 from intake (dropout); rows add up to entries."""
    t = exits_by_phase(cols)
    assert t.get("work", "coaching").numerator == 2
    assert t.get("dropout", "intake").numerator == 1
    assert t.get("not_exited_here", "intake").numerator == 3  # p1, p5 moved on; p6 still there
    assert t.get("dropout", "intake").denominator == 4
    assert np.all(t.numerator.sum(axis=1) == t.denominator[:, 0])


def test_waiting_list_lengths_and_times(cols: EventColumns) -> None:
    """Waiting at month ends Jan–Dec: 3, 2, 1, then 0; waits 49 and 26 days until admission."""
    w = waiting_list(cols, data_end=END)
    assert w.length.tolist() == [3, 2, 1] + [0] * 9
    assert w.month_ends[0] == date(2024, 1, 31)
    row = w.times.rows()[0]
    assert (row["n"], row["median"], row["min"], row["max"]) == (2, 37.5, 26.0, 49.0)
    half = 1.959963984540054 * math.sqrt(2 * 11.5**2) / math.sqrt(2)  # z · s / √n, s with n − 1
    assert (row["mean_lower"], row["mean_upper"]) == pytest.approx((37.5 - half, 37.5 + half))
    assert w.reneged.tolist() == [1]
    assert w.still_waiting.tolist() == [0]


def test_stay_lengths_against_planned(cols: EventColumns) -> None:
    """Stays: p1 7 m + 14 d, p2 3 m + 19 d, p5 4 m + 26 d; p6 ongoing; only p1 over 6 months."""
    s = stay_lengths(cols, planned_months=6)
    m = 365.2425 / 12
    stays = sorted([7 + 14 / m, 3 + 19 / m, 4 + 26 / m])
    row = s.actual.rows()[0]
    assert row["median"] == pytest.approx(stays[1])
    assert row["mean"] == pytest.approx(sum(stays) / 3)
    assert s.ongoing.tolist() == [1]
    assert s.over_planned is not None
    over = s.over_planned.get("over_planned")
    assert (over.numerator, over.denominator) == (1, 3)


def test_caseloads_per_coach_and_tandem(cols: EventColumns) -> None:
    """c1 holds p6 from Dec 2023, p2 Feb–May 20, p1 Mar–Oct 15; t1 holds p5 Jan 15–Jun 10."""
    c = caseloads(cols, data_end=END)
    assert c.month_ends[0] == date(2023, 12, 31)
    assert len(c.month_ends) == 13
    load = dict(zip(c.holders, c.load.tolist(), strict=True))
    assert load["c1"] == [1, 1, 2, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1]
    assert load["t1"] == [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert dict(zip(c.holders, c.kinds, strict=True)) == {"c1": "coach", "t1": "tandem"}
    assert c.summary()[3] == {"month_end": date(2024, 3, 31), "holders": 2, "cases": 4, "mean": 2.0,
                              "median": 2.0, "max": 3}


def test_caseload_confidentiality_hides_small_loads(cols: EventColumns) -> None:
    """With min_n 3, per-holder loads of 1 and 2 are not published."""
    c = suppress(caseloads(cols, data_end=END), min_n=3)
    shown = [r["cases"] for r in c.rows()]
    assert set(shown) == {None, 3}
    assert shown.count(3) == 2  # c1 in March and April
    assert c.summary()[3]["cases"] == 4  # summaries still count every case


def test_competing_exits_hand_case(cols: EventColumns) -> None:
    """Months since admission: dropout at 3, other work at 4, Integration at 7, p6 censored at 12."""
    ci = competing_exits(cols, data_end=END)["all"]
    assert ci.times.tolist() == [3, 4, 7, 12]
    assert ci.at("dropout", 3) == pytest.approx(0.25)
    assert ci.at("other_work", 4) == pytest.approx(0.25)
    assert ci.at("integration", 7) == pytest.approx(0.25)
    assert ci.survival.tolist() == pytest.approx([0.75, 0.5, 0.25, 0.25])


def test_competing_exits_from_referral_count_declines_as_other(cols: EventColumns) -> None:
    """From referral, p3's decline and p4's reneging are exits of cause ``other``."""
    ci = competing_exits(cols, origin="referral", data_end=END)["all"]
    assert ci.at("other", 0) == pytest.approx(1 / 5)  # p3 declined in month 0
    assert ci.at("other", 3) == pytest.approx(2 / 5)  # p4 reneged after 3 months


def test_competing_exits_unknown_origin(cols: EventColumns) -> None:
    """An unknown origin is refused."""
    with pytest.raises(ValidationError):
        competing_exits(cols, origin="birth")


def test_state_sequences_from_the_log(cols: EventColumns) -> None:
    """States sampled on the day origin + m months."""
    s = state_sequences(cols, months=11, data_end=END)
    seqs = dict(zip(s.ids, s.to_lists(), strict=True))
    assert "p6" not in seqs  # no referral
    assert seqs["p1"] == ["waiting", "waiting", "intake", "coaching", "coaching", "coaching", "coaching",
                          "coaching", "coaching", "coaching", "integration"]
    assert seqs["p3"][:2] == ["waiting", "not_admitted"]
    assert seqs["p2"][:5] == ["waiting", "intake", "intake", "intake", "intake"]
    assert seqs["p2"][5] == "dropout"


def test_state_sequences_end_at_data_end(cols: EventColumns) -> None:
    """Months after the data's end are unobserved."""
    s = state_sequences(cols, months=36, data_end=END)
    assert s.lengths.max() == 12  # 2024-01-05 + 11 months is the last day ≤ 2024-12-31


def test_plan_step_achievement(cols: EventColumns) -> None:
    """Steps: p1 1 of 2, p5 1 of 1; all achieved: p5 of p1, p5."""
    t = plan_step_achievement(cols)
    assert (t.get("steps").numerator, t.get("steps").denominator) == (2, 3)
    everyone = t.get("participants_all_achieved")
    assert (everyone.numerator, everyone.denominator) == (1, 2)


def test_who5_change_with_relevance_and_screening(cols: EventColumns) -> None:
    """p1: 40 % → 60 % (+20, relevant); screening at first (raw 10), not at last (raw 15); p2 once."""
    s = scale_change(cols, scale="who5")
    row = s.rows()[0]
    assert (row["n"], row["mean_first"], row["mean_last"], row["mean_change"]) == (1, 40.0, 60.0, 20.0)
    assert s.rates.get("improved").numerator == 1
    assert s.rates.get("screening_first").numerator == 1
    assert s.rates.get("screening_last").numerator == 0
    assert s.participant_ids == ("p1",)


def test_swe_change_skips_unscorable_sheets(cols: EventColumns) -> None:
    """p5: 30 → 30 (3 missing: mean × 10); the sheet with 4 missing answers is skipped."""
    s = scale_change(cols, scale="swe")
    assert s.first.tolist() == [30.0]
    assert s.last.tolist() == [30.0]
    assert s.rows()[0]["mean_change"] == 0.0


def test_participant_summary_individual_level(cols: EventColumns) -> None:
    """One row per participant with completed months of stay."""
    rows = {r["participant_id"]: r for r in participant_summary(cols).rows()}
    assert rows["p1"]["stay_months"] == 7
    assert rows["p1"]["integration"] is True
    assert rows["p6"]["exited"] is None
    assert rows["p3"]["admitted"] is None


def test_confidentiality_suppresses_small_groups(cols: EventColumns) -> None:
    """With min_n 3 the single dropout and the small sex groups are suppressed, flagged."""
    g = group_participants(cols.participants, ATTRIBUTES, "sex")
    t = suppress(dropout_rate(cols, by=g), min_n=3)
    rows = {r["group"]: r for r in t.rows()}
    assert rows["all"]["numerator"] is None
    assert rows["all"]["flag"] == "primary"
    assert rows["all"]["denominator"] is None  # a suppressed cell carries no number at all
    assert rows["M"]["value"] is None
    assert rows["M"]["suppressed"]


def test_events_and_columns_give_the_same_result() -> None:
    """Calculators accept plain events as well as columns."""
    from_events = take_up(hand_log()).numerator.tolist()
    assert from_events == take_up(EventColumns.from_events(hand_log())).numerator.tolist()


def test_malformed_scale_sheets_are_skipped() -> None:
    """A WHO-5 sheet with six items or an answer of 7 is not scored; the valid pair is compared."""
    from langzeit.events import ScaleScored

    log = [ScaleScored("s1", "p1", date(2024, 1, 1), scale="who5", items=[2, 2, 2, 2, 2]),
           ScaleScored("s2", "p1", date(2024, 3, 1), scale="who5", items=[5, 5, 5, 5, 5, 5]),
           ScaleScored("s3", "p1", date(2024, 4, 1), scale="who5", items=[7, 5, 5, 5, 5]),
           ScaleScored("s4", "p1", date(2024, 2, 1), scale="who5", items=[3, 3, 3, 3, 3])]
    s = scale_change(log, scale="who5")
    assert (s.first.tolist(), s.last.tolist()) == ([40.0], [60.0])


def test_waiting_list_respects_an_earlier_data_end(cols: EventColumns) -> None:
    """With the data ending in February, p1 (admitted 1 March) still waits; only p2's wait counts."""
    w = waiting_list(cols, data_end=date(2024, 2, 29))
    assert w.times.rows()[0]["n"] == 1
    assert w.still_waiting.tolist() == [2]  # p1 and p4


def test_grouping_reads_participant_records(cols: EventColumns) -> None:
    """Participant records group by a boolean attribute as '1' / '0'; absent ones are 'unknown'."""
    from langzeit.domain import Participant

    people = {"p1": Participant("p1", sex="F", single_parent=True, children=1), "p2": Participant("p2")}
    g = group_participants(cols.participants, people, "single_parent")
    assert g.labels == ("0", "1", "unknown")
    assert take_up(cols, by=g).denominator[:, 0].tolist() == [5, 1, 1, 3]


def test_grouping_must_fit_the_log(cols: EventColumns) -> None:
    """A grouping built for another log is refused."""
    g = group_participants(["x"], {}, "sex")
    with pytest.raises(ValidationError):
        take_up(cols, by=g)


def test_actor_referral_rate_counts_participants_once() -> None:
    """Two referrals of p1 count once; p2 admitted without referral; p3 referred but never admitted."""
    from langzeit.events import ActorReferred, Admitted

    log = [Admitted("a1", "p1", date(2024, 1, 8)), Admitted("a2", "p2", date(2024, 1, 8)),
           ActorReferred("r1", "p1", date(2024, 2, 1), actor_id="sb"),
           ActorReferred("r2", "p1", date(2024, 3, 1), actor_id="club"),
           ActorReferred("r3", "p3", date(2024, 3, 1), actor_id="club")]
    r = actor_referral_rate(log).get("referred_to_actor")
    assert (r.numerator, r.denominator) == (1, 2)
