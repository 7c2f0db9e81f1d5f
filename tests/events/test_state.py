"""Replay: each event's meaning for the participant's state, at any date."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import (
    ActiveConsent,
    ActorReferred,
    Admitted,
    AftercareEnded,
    AftercareStarted,
    Assessed,
    CoachAssigned,
    ConsentGiven,
    ConsentWithdrawn,
    Declined,
    EventLog,
    Exited,
    Extended,
    FollowUp,
    ParticipantState,
    ParticipationAgreed,
    Paused,
    PhaseEntered,
    PlanAgreed,
    PlanStepAchieved,
    PlanStepAgreed,
    Referred,
    Reneged,
    Resumed,
    ScaleScored,
    Status,
    TandemAssigned,
    Waitlisted,
    replay,
)
from strategies import DATES, event_logs


def d(month: int, day: int = 1) -> date:
    """A day of 2024."""
    return date(2024, month, day)


PATHWAY = [
    Referred("e1", "p1", d(1, 8), programme_id="geh-vor"),
    ConsentGiven("e2", "p1", d(1, 15), consent_id="k1", purpose="data_exchange", recipient="awo"),
    ConsentGiven("e3", "p1", d(1, 15), consent_id="k0", purpose="referral", recipient="tk"),
    ParticipationAgreed("e4", "p1", d(1, 15)),
    Waitlisted("e5", "p1", d(1, 15), priority=2),
    Admitted("e6", "p1", d(2)),
    PhaseEntered("e7", "p1", d(2), phase_id="intake"),
    CoachAssigned("e8", "p1", d(2), coach_id="c1"),
    Assessed("e9", "p1", d(2, 20), result="suitable"),
    PlanAgreed("e10", "p1", d(2, 26), goal="Praktikum", review=d(8, 26)),
    PlanStepAgreed("e11", "p1", d(2, 26), step_id="s1"),
    PlanStepAgreed("e12", "p1", d(2, 26), step_id="s2"),
    PhaseEntered("e13", "p1", d(3), phase_id="coaching"),
    TandemAssigned("e14", "p1", d(3), tandem_id="t1"),
    PlanStepAchieved("e15", "p1", d(3, 20), step_id="s1"),
    ActorReferred("e16", "p1", d(3, 21), actor_id="sb"),
    ScaleScored("e17", "p1", d(3, 21), scale="who5", items=[1, 2, 3, 4, 5]),
    ConsentWithdrawn("e18", "p1", d(5, 2), consent_id="k0"),
    Paused("e19", "p1", d(6, 3), reason="Krankheit"),
    Extended("e20", "p1", d(6, 10), until=date(2025, 7, 31)),
]


def test_state_after_a_full_pathway_up_to_a_pause() -> None:
    """Every field of the state follows from the 20 events (hand-checked)."""
    s = replay(PATHWAY)["p1"]
    assert s == ParticipantState(
        participant_id="p1", status=Status.PAUSED, version=20, programme_id="geh-vor",
        referred=d(1, 8), assessed=d(2, 20), assessment_result="suitable", agreed=d(1, 15),
        waitlisted=d(1, 15), waitlist_priority=2, admitted=d(2), phase_id="coaching",
        phase_entered=d(3), phases=(("intake", d(2)), ("coaching", d(3))), extensions=1,
        extended_until=date(2025, 7, 31), paused_since=d(6, 3), coach_id=None, tandem_id="t1",
        consents=(ActiveConsent("k1", ConsentPurpose.DATA_EXCHANGE, "awo"),),
        plan_goal="Praktikum", plan_review=d(8, 26), open_steps=frozenset({"s2"}),
        achieved_steps=frozenset({"s1"}), actor_referrals=1, scales_scored=1, last_event=d(6, 10),
    )
    assert s.occupies_place
    assert s.has_consent("data_exchange", "awo")
    assert not s.has_consent("referral", "tk")


def test_state_as_of_a_date_ignores_later_events() -> None:
    """On 2024-02-01 the participant has just been admitted, in the intake phase with coach c1."""
    s = replay(PATHWAY, as_of=d(2))["p1"]
    assert (s.status, s.phase_id, s.coach_id, s.version) == (Status.ACTIVE, "intake", "c1", 8)
    assert s.assessed is None
    assert s.has_consent("referral", "tk")
    assert replay(PATHWAY, as_of=d(1, 7)) == {}


def test_resume_exit_aftercare_and_follow_up() -> None:
    """Resumed clears the pause; Exited ends with reason and outcome; aftercare and follow-ups are kept."""
    events = [*PATHWAY, Resumed("r1", "p1", d(7)), Exited("r2", "p1", d(11), reason="work", outcome="svp"),
              AftercareStarted("r3", "p1", d(11)),
              FollowUp("r4", "p1", d(12), months_after_exit=1, status="svp")]
    s = replay(events)["p1"]
    assert (s.status, s.ended) == (Status.EXITED, d(11))
    assert (s.exit_reason, s.outcome) == (ExitReason.WORK, OutcomeKind.SVP)
    assert s.paused_since is None
    assert s.in_aftercare
    assert s.follow_ups == ((1, OutcomeKind.SVP),)
    ended = replay([*events, AftercareEnded("r5", "p1", date(2025, 5, 1))])["p1"]
    assert not ended.in_aftercare
    assert ended.aftercare_ended == date(2025, 5, 1)


def test_exit_while_paused_clears_the_pause() -> None:
    """A paused participant who exits holds no place and is no longer paused."""
    s = replay([*PATHWAY, Exited("x", "p1", d(7), reason="health")])["p1"]
    assert s.paused_since is None
    assert not s.occupies_place
    assert s.outcome is OutcomeKind.NONE


def test_declined_and_reneged_are_final() -> None:
    """Declining and leaving the waiting list end the pathway with that date."""
    states = replay([Referred("a1", "a", d(1)), Declined("a2", "a", d(1, 20)),
                     Referred("b1", "b", d(1)), Waitlisted("b2", "b", d(1, 2)), Reneged("b3", "b", d(4, 2))])
    assert (states["a"].status, states["a"].ended) == (Status.DECLINED, d(1, 20))
    assert (states["b"].status, states["b"].ended) == (Status.RENEGED, d(4, 2))
    assert all(s.status.is_final for s in states.values())


def test_coach_replaces_tandem_and_back() -> None:
    """The last assignment wins; the other kind is cleared."""
    s = replay([Referred("1", "p", d(1)), TandemAssigned("2", "p", d(2), tandem_id="t"),
                CoachAssigned("3", "p", d(3), coach_id="c")])["p"]
    assert (s.coach_id, s.tandem_id) == ("c", None)


def test_withdrawing_an_unknown_consent_changes_nothing() -> None:
    """The fold is total: it records what happened and leaves judging to the engine."""
    s = replay([Referred("1", "p", d(1)), ConsentWithdrawn("2", "p", d(2), consent_id="nope")])["p"]
    assert s.consents == ()
    assert s.version == 2


def test_status_places_and_finality() -> None:
    """Active and paused hold a place; declined, reneged, exited are final."""
    assert {s for s in Status if s.occupies_place} == {Status.ACTIVE, Status.PAUSED}
    assert {s for s in Status if s.is_final} == {Status.DECLINED, Status.RENEGED, Status.EXITED}


@given(log=event_logs(max_size=40), as_of=DATES)
def test_replay_as_of_equals_replay_of_the_events_up_to_that_day(log: EventLog, as_of: date) -> None:
    """Filtering by as_of inside replay is the same as replaying only the earlier events."""
    events = log.events()
    assert replay(events, as_of=as_of) == replay([e for e in events if e.date <= as_of])


@given(log=event_logs(max_size=40))
def test_replay_is_deterministic_and_versions_count_events(log: EventLog) -> None:
    """Replaying twice gives equal states; each version is the participant's event count."""
    first, second = replay(log.events()), log.replay()
    assert first == second
    assert {p: s.version for p, s in first.items()} == {p: log.version(p) for p in log.participants}


@given(log=event_logs(max_size=30), data=st.data())
def test_each_participants_state_depends_only_on_their_events(log: EventLog, data: st.DataObject) -> None:
    """Replaying one participant's stream alone gives the same state as the whole log."""
    if not log.participants:
        return
    pid = data.draw(st.sampled_from(log.participants))
    assert replay(log.events(participant_id=pid))[pid] == log.replay()[pid]
