"""Guards: each refusal names every failed guard with a readable reason; nothing is written."""

from datetime import date

import pytest

from engine._support import D0, admitted, consented, guards_of, new_engine, small_programme
from langzeit.domain import ExitReason, OutcomeKind
from langzeit.engine import (
    Admit,
    AssignCoach,
    CapacityExceeded,
    EnterPhase,
    Exit,
    GuardFailure,
    PathwayEngine,
    RecordFollowUp,
    Refer,
    TransitionRefused,
)
from langzeit.events import ParticipantState
from langzeit.exceptions import ValidationError


def test_admission_before_referral_is_refused(engine: PathwayEngine) -> None:
    """A participant must be referred before anything else happens."""
    assert engine.check(Admit("p1", D0)) == (
        GuardFailure("known", "participant 'p1' has not been referred to Testprogramm"),)


def test_second_referral_is_refused(engine: PathwayEngine) -> None:
    """Referring a known participant again is refused (one pathway per participant)."""
    engine.refer("p1", D0)
    assert guards_of(engine, Refer("p1", D0)) == ["known"]


def test_voluntary_programme_needs_agreement(engine: PathwayEngine) -> None:
    """Admission to a voluntary programme needs the participant's agreement."""
    engine.refer("p1", D0)
    with pytest.raises(TransitionRefused) as info:
        engine.admit("p1", D0)
    assert info.value.reasons == (
        "Testprogramm is voluntary: participant 'p1' has not agreed to take part",)
    assert len(engine.store.events()) == 1


def test_phase_with_partner_needs_consent_and_assessment(engine: PathwayEngine) -> None:
    """Entering the clinic phase lists both the missing consent and the missing assessment."""
    admitted(engine, "p1")
    with pytest.raises(TransitionRefused) as info:
        engine.enter_phase("p1", date(2024, 2, 8), "clinic")
    assert info.value.reasons == (
        "no consent for data exchange with Tagesklinik Nord",
        "phase 'clinic' requires an assessment (Potenzialanalyse); none recorded",
    )
    assert not isinstance(info.value, CapacityExceeded)


def test_consent_and_assessment_open_the_phase(engine: PathwayEngine) -> None:
    """With consent and assessment recorded, the phase is entered."""
    admitted(engine, "p1")
    engine.record_consent("p1", D0, "tk-nord")
    engine.assess("p1", D0)
    events = engine.enter_phase("p1", date(2024, 2, 8), "clinic")
    assert [e.type for e in events] == ["phase_entered"]
    assert engine.state("p1").phase_id == "clinic"


def test_withdrawn_consent_closes_the_phase(engine: PathwayEngine) -> None:
    """After a withdrawal, the consent guard refuses again."""
    admitted(engine, "p1")
    engine.record_consent("p1", D0, "tk-nord")
    engine.assess("p1", D0)
    engine.withdraw_consent("p1", date(2024, 1, 20), "tk-nord")
    assert guards_of(engine, EnterPhase("p1", date(2024, 2, 8), "clinic")) == ["consent"]


def test_missing_edge_is_refused(engine: PathwayEngine) -> None:
    """There is no edge work -> clinic; unknown and exit phases are refused too."""
    admitted(engine, "p1")
    engine.enter_phase("p1", date(2024, 2, 8), "work")
    assert engine.check(EnterPhase("p1", date(2024, 3, 1), "clinic"))[0] == GuardFailure(
        "edge", "no transition from phase 'work' to 'clinic' in Testprogramm")
    assert guards_of(engine, EnterPhase("p1", date(2024, 3, 1), "nowhere")) == ["edge"]
    assert guards_of(engine, EnterPhase("p1", date(2024, 3, 1), "exit")) == ["edge"]


def test_named_agreement_guard_on_a_transition() -> None:
    """A transition naming 'agreement' needs it even in a non-voluntary programme."""
    prog = small_programme(voluntary=False)
    engine = PathwayEngine(prog, organisations=[])
    engine.refer("p1", D0)
    engine.admit("p1", D0)
    engine.record_consent("p1", D0, "tk-nord")
    engine.assess("p1", D0)
    assert engine.check(EnterPhase("p1", D0, "clinic")) == (
        GuardFailure("agreement", "participant 'p1' has not agreed to take part"),)


def test_not_admitted_participant_cannot_move(engine: PathwayEngine) -> None:
    """Phase moves and exits need an admitted participant."""
    engine.refer("p1", D0)
    assert guards_of(engine, EnterPhase("p1", D0, "work")) == ["admitted"]
    assert guards_of(engine, Exit("p1", D0, "dropout")) == ["admitted"]  # type: ignore[arg-type]


def test_paused_participant_must_resume_first(engine: PathwayEngine) -> None:
    """A paused participant keeps the place but cannot change phase."""
    admitted(engine, "p1")
    engine.pause("p1", date(2024, 2, 1), reason="Krankheit")
    assert guards_of(engine, EnterPhase("p1", date(2024, 2, 8), "work")) == ["status"]
    assert engine.occupancy().occupied == 1
    engine.resume("p1", date(2024, 3, 1))
    engine.enter_phase("p1", date(2024, 3, 1), "work")


def test_maximum_stay_blocks_moves_until_extended(engine: PathwayEngine) -> None:
    """After 12 months the next phase needs an extension; the extension adds 6 months."""
    admitted(engine, "p1")
    late = date(2025, 1, 9)
    assert engine.check(EnterPhase("p1", late, "work")) == (
        GuardFailure("max_duration", "the maximum stay ended on 2025-01-08; extend the stay first"),)
    (extended,) = engine.extend("p1", late, reason="Stabilisierung")
    assert extended.until == date(2025, 7, 8)  # type: ignore[attr-defined]
    engine.enter_phase("p1", late, "work")
    assert guards_of(engine, Exit("p1", late, "completed")) == []  # type: ignore[arg-type]


def test_extensions_are_limited(engine: PathwayEngine) -> None:
    """The rule allows one extension."""
    admitted(engine, "p1")
    engine.extend("p1", date(2024, 12, 1))
    with pytest.raises(TransitionRefused, match="all 1 extensions allowed are used"):
        engine.extend("p1", date(2024, 12, 2))


def test_full_programme_waitlists_or_raises_capacity_exceeded() -> None:
    """With every place taken, admit() waitlists; with waitlist=False it raises CapacityExceeded."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    engine.refer("p2", D0)
    engine.agree("p2", D0)
    with pytest.raises(CapacityExceeded) as info:
        engine.execute(Admit("p2", D0, waitlist=False))
    assert info.value.reasons == ("all 1 places of Testprogramm are taken",)
    assert [e.type for e in engine.admit("p2", D0)] == ["waitlisted"]


def test_capacity_failure_with_other_failures_is_a_plain_refusal() -> None:
    """When other guards fail too, the refusal is not CapacityExceeded and nothing is waitlisted."""
    engine = new_engine(places=1)
    admitted(engine, "p1")
    engine.refer("p2", D0)
    with pytest.raises(TransitionRefused) as info:
        engine.admit("p2", D0)
    assert not isinstance(info.value, CapacityExceeded)
    assert [f.guard for f in info.value.failures] == ["agreement", "capacity"]
    assert engine.state("p2").status.value == "referred"


def test_phase_places_are_a_capacity_guard() -> None:
    """The clinic phase has 2 places; the third participant is refused with CapacityExceeded."""
    engine = new_engine(places=None)
    for pid in ("p1", "p2", "p3"):
        admitted(engine, pid)
        engine.record_consent(pid, D0, "tk-nord")
        engine.assess(pid, D0)
    engine.enter_phase("p1", D0, "clinic")
    engine.enter_phase("p2", D0, "clinic")
    with pytest.raises(CapacityExceeded, match="all 2 places in phase 'clinic' are taken"):
        engine.enter_phase("p3", D0, "clinic")


def test_coach_caseload_is_scaled_by_fte(engine: PathwayEngine) -> None:
    """Coach a (limit 4 at 0.5 FTE) holds 2 cases; the third is refused."""
    for pid in ("p1", "p2", "p3"):
        admitted(engine, pid)
    engine.assign_coach("p1", D0, "a")
    engine.assign_coach("p2", D0, "a")
    assert engine.check(AssignCoach("p3", D0, "a")) == (GuardFailure(
        "caseload", "coach 'a' already holds 2 of 2 cases (Betreuungsschlüssel 1:4 at 0.5 FTE)"),)


def test_tandem_cases_count_for_each_member(engine: PathwayEngine) -> None:
    """A tandem case occupies a place with coach a too."""
    for pid in ("p1", "p2", "p3"):
        admitted(engine, pid)
        consented(engine, pid)
    engine.assign_tandem("p1", D0, "t1")
    engine.assign_coach("p2", D0, "a")
    assert engine.caseload().of("a").cases == 2
    with pytest.raises(CapacityExceeded) as info:
        engine.assign_tandem("p3", D0, "t1")
    assert info.value.reasons == (
        "coach 'a' of tandem 't1' already holds 2 of 2 cases (Betreuungsschlüssel 1:4 at 0.5 FTE)",)


def test_reassignment_does_not_count_the_own_case(engine: PathwayEngine) -> None:
    """Moving a case from coach a to tandem t1 (which includes a) is not a second case for a."""
    for pid in ("p1", "p2"):
        admitted(engine, pid)
    consented(engine, "p1")
    engine.assign_coach("p1", D0, "a")
    engine.assign_coach("p2", D0, "a")
    engine.assign_tandem("p1", D0, "t1")
    assert engine.caseload().of("a").cases == 2
    assert engine.caseload().of("t1").cases == 1


def test_unknown_coach_is_refused(engine: PathwayEngine) -> None:
    """Only registered coaches take cases."""
    admitted(engine, "p1")
    assert guards_of(engine, AssignCoach("p1", D0, "zz")) == ["known"]


def test_command_dated_before_the_participants_last_event_is_refused(engine: PathwayEngine) -> None:
    """Events of a participant are recorded in date order (replay gives the same state)."""
    admitted(engine, "p1", date(2024, 2, 1))
    assert engine.check(EnterPhase("p1", date(2024, 1, 31), "work")) == (GuardFailure(
        "chronology", "dated 2024-01-31, before the participant's last event on 2024-02-01"),)


def test_admission_is_not_backdated_before_the_last_change_of_places(engine: PathwayEngine) -> None:
    """Admissions before the engine's last change of occupancy are refused."""
    admitted(engine, "p1", date(2024, 3, 1))
    engine.refer("p2", D0)
    engine.agree("p2", D0)
    assert guards_of(engine, Admit("p2", date(2024, 2, 1))) == ["chronology"]
    assert engine.clock == date(2024, 3, 1)


def test_user_guard_named_on_a_transition() -> None:
    """A user guard is called with the state and the command; its reason appears in the refusal."""
    from langzeit.domain import Phase, Programme, Transition

    prog = Programme("u", "U", phases=[Phase("a"), Phase("b"), Phase("z", terminal=True)],
                     transitions=[Transition("a", "b", guards=["adult"]), Transition("a", "z"),
                                  Transition("b", "z")], voluntary=False)
    calls: list[tuple[ParticipantState, object]] = []

    def adult(state: ParticipantState, command: object) -> str | None:
        calls.append((state, command))
        return "participant is under 25 (U25 team)"

    engine = PathwayEngine(prog, guards={"adult": adult})
    engine.refer("p1", D0)
    engine.admit("p1", D0)
    assert engine.check(EnterPhase("p1", D0, "b")) == (
        GuardFailure("adult", "participant is under 25 (U25 team)"),)
    assert calls[0][0].participant_id == "p1"


def test_unknown_guard_name_is_reported_at_construction() -> None:
    """A programme naming a guard the engine does not know cannot be run."""
    from langzeit.domain import Phase, Programme, Transition

    prog = Programme("u", "U", phases=[Phase("a"), Phase("z", terminal=True)],
                     transitions=[Transition("a", "z", guards=["mystery"])])
    with pytest.raises(ValidationError, match="mystery"):
        PathwayEngine(prog)


def test_refused_command_writes_nothing(engine: PathwayEngine) -> None:
    """A refusal leaves store and state unchanged, and check() gives the same failures."""
    admitted(engine, "p1")
    before = (len(engine.store.events()), engine.states())
    command = EnterPhase("p1", D0, "clinic")
    with pytest.raises(TransitionRefused) as info:
        engine.execute(command)
    assert info.value.failures == engine.check(command)
    assert (len(engine.store.events()), engine.states()) == before


def test_scale_items_are_checked(engine: PathwayEngine) -> None:
    """WHO-5 has 5 items 0-5; SWE 10 items 1-4."""
    engine.refer("p1", D0)
    with pytest.raises(TransitionRefused) as info:
        engine.score_scale("p1", D0, "who5", [3, 2, 6, None])
    assert info.value.reasons == ("who5 has 5 items, got 4", "who5 items range 0–5, got [6]")
    engine.score_scale("p1", D0, "swe", [1, 2, 3, 4, 1, 2, 3, 4, None, 1])
    assert engine.state("p1").scales_scored == 1


def test_referral_with_data_needs_consent(engine: PathwayEngine) -> None:
    """Referring to a social-space actor with data needs a referral or data-exchange consent."""
    admitted(engine, "p1")
    engine.refer_to_actor("p1", D0, "sport-1", need="health", shares_data=False)
    with pytest.raises(TransitionRefused, match="no consent for a referral with data to sb-1"):
        engine.refer_to_actor("p1", D0, "sb-1", need="debt", shares_data=True)
    engine.record_consent("p1", D0, "sb-1", purpose="referral")  # type: ignore[arg-type]
    engine.refer_to_actor("p1", D0, "sb-1", need="debt", shares_data=True)
    assert engine.state("p1").actor_referrals == 2


def test_unknown_command_type_is_a_validation_error(engine: PathwayEngine) -> None:
    """Only engine commands are executed; anything else is a ValidationError (a LangzeitError)."""
    with pytest.raises(ValidationError, match="not an engine command"):
        engine.execute("refer p1")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="not an engine command"):
        engine.check("refer p1")  # type: ignore[arg-type]


def test_status_guards_of_the_smaller_commands(engine: PathwayEngine) -> None:
    """Each command refuses the statuses it does not apply to, with a reason naming the status."""
    from langzeit.engine import (
        AchievePlanStep,
        AgreeParticipation,
        AgreePlanStep,
        Decline,
        EndAftercare,
        Pause,
        RecordFollowUp,
        Renege,
        Resume,
        WithdrawConsent,
    )

    admitted(engine, "p1")
    d = date(2024, 2, 1)
    assert engine.check(Decline("p1", d)) == (
        GuardFailure("status", "cannot record the refusal of participant 'p1' with status 'active'"),)
    assert guards_of(engine, AgreeParticipation("p1", d)) == ["status"]
    assert guards_of(engine, Renege("p1", d)) == ["status"]
    assert guards_of(engine, Resume("p1", d)) == ["status"]
    assert guards_of(engine, RecordFollowUp("p1", d, 6, OutcomeKind.SVP)) == ["status"]
    assert guards_of(engine, EndAftercare("p1", d)) == ["aftercare"]
    assert guards_of(engine, AgreePlanStep("p1", d, "s1")) == ["plan"]
    assert guards_of(engine, AchievePlanStep("p1", d, "s1")) == ["plan"]
    assert engine.check(WithdrawConsent("p1", d, consent_id="k9")) == (
        GuardFailure("consent", "no consent 'k9' in force"),)
    engine.pause("p1", d)
    assert guards_of(engine, Pause("p1", d)) == ["status"]


def test_plan_steps_are_agreed_once_and_achieved_once(engine: PathwayEngine) -> None:
    """A step is agreed under a plan, then achieved; repeating either is refused."""
    from langzeit.engine import AchievePlanStep, AgreePlanStep

    admitted(engine, "p1")
    engine.agree_plan("p1", D0, "Stabilisierung")
    engine.agree_plan_step("p1", D0, "s1", description="Termin Schuldnerberatung", due=date(2024, 3, 1))
    assert guards_of(engine, AgreePlanStep("p1", D0, "s1")) == ["plan"]
    engine.achieve_plan_step("p1", date(2024, 2, 20), "s1")
    assert guards_of(engine, AchievePlanStep("p1", date(2024, 2, 20), "s1")) == ["plan"]
    assert engine.state("p1").achieved_steps == frozenset({"s1"})


def test_follow_up_is_recorded_once_per_interval(engine: PathwayEngine) -> None:
    """The 6-month follow-up is recorded once; the 12-month one is separate."""
    admitted(engine, "p1")
    engine.exit("p1", date(2024, 3, 1), "work", "svp")
    engine.record_follow_up("p1", date(2024, 9, 1), 6, "svp")
    assert guards_of(engine, RecordFollowUp("p1", date(2024, 9, 2), 6, OutcomeKind.SVP)) == ["follow_up"]
    engine.record_follow_up("p1", date(2025, 3, 1), 12, "minijob")
    assert engine.state("p1").follow_ups == ((6, OutcomeKind.SVP), (12, OutcomeKind.MINIJOB))


def test_programme_without_extension_or_aftercare_refuses_them() -> None:
    """Extensions and aftercare exist only where the programme offers them."""
    from langzeit.programmes import load_programme

    engine = PathwayEngine(load_programme("pan"))
    engine.refer("p1", D0)
    engine.agree("p1", D0)
    engine.record_consent("p1", D0, "tagesklinik")
    engine.admit("p1", D0)
    with pytest.raises(TransitionRefused, match="PaN \\(Kreis Plön\\) allows no extensions"):
        engine.extend("p1", date(2024, 12, 1))
    with pytest.raises(TransitionRefused, match="offers no aftercare"):
        engine.start_aftercare("p1", date(2024, 12, 1))


def test_exit_into_a_named_exit_phase(engine: PathwayEngine) -> None:
    """exit(phase_id=...) picks the exit phase; it must be an exit phase reachable from here."""
    admitted(engine, "p1")
    assert guards_of(engine, Exit("p1", D0, ExitReason.DROPOUT, phase_id="dropout")) == ["edge"]
    assert guards_of(engine, Exit("p1", D0, ExitReason.DROPOUT, phase_id="work")) == ["edge"]
    engine.record_consent("p1", D0, "tk-nord")
    engine.assess("p1", D0)
    engine.enter_phase("p1", D0, "clinic")
    events = engine.exit("p1", date(2024, 2, 1), "dropout", phase_id="dropout")
    assert events[0].phase_id == "dropout"  # type: ignore[attr-defined]
    assert engine.state("p1").exit_reason is ExitReason.DROPOUT


def test_exit_along_an_edge_with_guards_checks_them_all() -> None:
    """An exit edge with a user guard, an assessment and consent lists all three failures."""
    from langzeit.domain import Phase, Programme, Transition

    prog = Programme("x", "X", phases=[Phase("a"), Phase("z", terminal=True, data_exchange_with=["kh"])],
                     transitions=[Transition("a", "z", guards=["assessed", "closing"])], voluntary=False)
    engine = PathwayEngine(prog, guards={"closing": lambda state, command: "closing talk missing"})
    engine.refer("p1", D0)
    engine.admit("p1", D0)
    assert guards_of(engine, Exit("p1", D0, ExitReason.COMPLETED)) == ["consent", "assessed", "closing"]
    engine.record_consent("p1", D0, "kh")
    engine.assess("p1", D0)
    assert guards_of(engine, Exit("p1", D0, ExitReason.COMPLETED)) == ["closing"]


def test_admission_to_an_entry_phase_needing_assessment_and_consent() -> None:
    """Admission checks the entry phase's consent and assessment; with both it passes."""
    from langzeit.domain import Phase, Programme, Transition

    prog = Programme("x", "X", phases=[Phase("a", requires_assessment=True, data_exchange_with=["kh"]),
                                       Phase("z", terminal=True)],
                     transitions=[Transition("a", "z")], voluntary=False)
    engine = PathwayEngine(prog)
    engine.refer("p1", D0)
    assert guards_of(engine, Admit("p1", D0)) == ["consent", "assessed"]
    engine.record_consent("p1", D0, "kh")
    engine.assess("p1", D0)
    assert guards_of(engine, Admit("p1", D0)) == []


def test_referral_to_an_actor_without_consent_raises_consent_required(engine: PathwayEngine) -> None:
    """By default a referral passes data: without consent it raises ConsentRequired, nothing is written."""
    from langzeit.exceptions import ConsentRequired

    admitted(engine, "p1")
    before = engine.state("p1").version
    with pytest.raises(ConsentRequired) as info:
        engine.refer_to_actor("p1", D0, "tk-nord", need="mental_health")
    assert info.value.reasons == ("no consent for a referral with data to Tagesklinik Nord",)
    assert engine.state("p1").version == before


def test_withdrawal_stops_referrals_from_its_day(engine: PathwayEngine) -> None:
    """A consent withdrawn on day d refuses a referral dated d; the referral the day before stood."""
    from datetime import timedelta

    from langzeit.exceptions import ConsentRequired

    admitted(engine, "p1")
    engine.record_consent("p1", D0, "sb-1", purpose="referral")  # type: ignore[arg-type]
    engine.refer_to_actor("p1", D0, "sb-1", need="debt")
    day = D0 + timedelta(days=1)
    engine.withdraw_consent("p1", day, "sb-1", purpose="referral")  # type: ignore[arg-type]
    with pytest.raises(ConsentRequired):
        engine.refer_to_actor("p1", day, "sb-1", need="debt")
    assert engine.state("p1").actor_referrals == 1


def test_withdraw_of_a_missing_consent_is_not_consent_required(engine: PathwayEngine) -> None:
    """Withdrawing a consent that is not in force is a plain refusal, not a ConsentRequired."""
    from langzeit.exceptions import ConsentRequired

    engine.refer("p1", D0)
    with pytest.raises(TransitionRefused) as info:
        engine.withdraw_consent("p1", D0, "tk-nord")
    assert not isinstance(info.value, ConsentRequired)
