"""A small hand-made programme log shared by the programme-indicator tests (expectations in the tests)."""

from datetime import date

from langzeit import events as ev
from langzeit.events import Event

D = date
END = D(2024, 12, 31)


def hand_log() -> list[Event]:
    """Six participants; see the test module for the hand computations."""
    return [
        # p1: referred, assessed, agreed, waitlisted, admitted, two phases, extension, Integration
        ev.Referred("a1", "p1", D(2024, 1, 5)),
        ev.Assessed("a2", "p1", D(2024, 1, 10)),
        ev.ParticipationAgreed("a3", "p1", D(2024, 1, 12)),
        ev.Waitlisted("a4", "p1", D(2024, 1, 12)),
        ev.Admitted("a5", "p1", D(2024, 3, 1)),
        ev.PhaseEntered("a6", "p1", D(2024, 3, 1), phase_id="intake"),
        ev.CoachAssigned("a7", "p1", D(2024, 3, 1), coach_id="c1"),
        ev.ScaleScored("a8", "p1", D(2024, 3, 1), scale="who5", items=[2, 2, 2, 2, 2]),
        ev.PlanStepAgreed("a9", "p1", D(2024, 3, 5), step_id="s1"),
        ev.PlanStepAgreed("a10", "p1", D(2024, 3, 5), step_id="s2"),
        ev.PhaseEntered("a11", "p1", D(2024, 4, 1), phase_id="coaching"),
        ev.PlanStepAchieved("a12", "p1", D(2024, 5, 1), step_id="s1"),
        ev.Extended("a13", "p1", D(2024, 9, 1), until=D(2025, 3, 1)),
        ev.ScaleScored("a14", "p1", D(2024, 10, 1), scale="who5", items=[3, 3, 3, 3, 3]),
        ev.Exited("a15", "p1", D(2024, 10, 15), reason="work", outcome="svp"),
        # p2: waitlisted, admitted, dropout
        ev.Referred("b1", "p2", D(2024, 1, 5)),
        ev.Waitlisted("b2", "p2", D(2024, 1, 6)),
        ev.Admitted("b3", "p2", D(2024, 2, 1)),
        ev.PhaseEntered("b4", "p2", D(2024, 2, 1), phase_id="intake"),
        ev.CoachAssigned("b5", "p2", D(2024, 2, 1), coach_id="c1"),
        ev.ScaleScored("b6", "p2", D(2024, 2, 1), scale="who5", items=[1, 1, 1, 1, 1]),
        ev.Exited("b7", "p2", D(2024, 5, 20), reason="dropout"),
        # p3: declined
        ev.Referred("c1", "p3", D(2024, 1, 5)),
        ev.Declined("c2", "p3", D(2024, 1, 8)),
        # p4: waitlisted, reneged
        ev.Referred("d1", "p4", D(2024, 1, 5)),
        ev.Waitlisted("d2", "p4", D(2024, 1, 6)),
        ev.Reneged("d3", "p4", D(2024, 4, 6)),
        # p5: tandem, Minijob, follow-up after 6 months in svp without benefit
        ev.Referred("e1", "p5", D(2024, 1, 5)),
        ev.Admitted("e2", "p5", D(2024, 1, 15)),
        ev.PhaseEntered("e3", "p5", D(2024, 1, 15), phase_id="intake"),
        ev.TandemAssigned("e4", "p5", D(2024, 1, 15), tandem_id="t1"),
        ev.ScaleScored("e5", "p5", D(2024, 1, 15), scale="swe", items=[3] * 10),
        ev.PlanStepAgreed("e6", "p5", D(2024, 1, 20), step_id="s1"),
        ev.PhaseEntered("e7", "p5", D(2024, 2, 15), phase_id="coaching"),
        ev.PlanStepAchieved("e8", "p5", D(2024, 3, 1), step_id="s1"),
        ev.ScaleScored("e9", "p5", D(2024, 6, 1), scale="swe", items=[3] * 7 + [None] * 3),
        ev.ScaleScored("e10", "p5", D(2024, 6, 2), scale="swe", items=[4] * 6 + [None] * 4),
        ev.Exited("e11", "p5", D(2024, 6, 10), reason="work", outcome="minijob"),
        ev.FollowUp("e12", "p5", D(2024, 12, 10), months_after_exit=6, status="svp", receives_benefit=False),
        # p6: admitted before the year without referral, still active
        ev.Admitted("f1", "p6", D(2023, 12, 1)),
        ev.PhaseEntered("f2", "p6", D(2023, 12, 1), phase_id="intake"),
        ev.CoachAssigned("f3", "p6", D(2023, 12, 1), coach_id="c1"),
    ]


ATTRIBUTES = {"p1": {"sex": "F"}, "p2": {"sex": "M"}, "p5": {"sex": "F"}}
