"""Consent for assigning a case to a coach or tandem outside the jobcenter (DOMAIN.md § 6)."""

from __future__ import annotations

from datetime import date

import pytest

from engine._support import COACH_A, COACH_C, D0, TK_NORD, TRAEGER, admitted, consented, small_programme
from langzeit.domain import Coach, Organisation, Tandem
from langzeit.engine import AssignCoach, AssignTandem, PathwayEngine
from langzeit.exceptions import (
    ConsentRequired,
    GuardFailure,
    TransitionRefused,
    UnknownNameError,
    WrongTypeError,
)

NO_TRAEGER = "no consent for data exchange with Träger Nord gGmbH, which would receive the case with"


def test_a_provider_coach_without_consent_is_refused_with_the_reason(engine: PathwayEngine) -> None:
    """Coach b works for the Träger: without the participant's consent the case does not go there."""
    admitted(engine, "p1")
    before = len(engine.store.events())
    with pytest.raises(ConsentRequired) as info:
        engine.assign_coach("p1", D0, "b")
    assert info.value.reasons == (f"{NO_TRAEGER} coach 'b'",)
    assert len(engine.store.events()) == before
    assert engine.state("p1").coach_id is None


def test_a_provider_coach_with_consent_takes_the_case(engine: PathwayEngine) -> None:
    """With a data-exchange consent for the Träger the assignment passes."""
    admitted(engine, "p1")
    consented(engine, "p1")
    assert [e.type for e in engine.assign_coach("p1", D0, "b")] == ["coach_assigned"]
    assert engine.state("p1").coach_id == "b"


def test_a_consent_for_another_purpose_does_not_cover_the_assignment(engine: PathwayEngine) -> None:
    """A consent for a referral only is not a consent for data exchange with the coach's employer."""
    admitted(engine, "p1")
    engine.record_consent("p1", D0, "traeger", purpose="referral")
    assert [f.guard for f in engine.check(AssignCoach("p1", D0, "b"))] == ["consent"]


def test_a_tandem_of_pap_and_provider_needs_the_providers_consent_only(engine: PathwayEngine) -> None:
    """Tandem t1 (pap a of the jobcenter, coach c of the Träger): one failure, for the Träger."""
    admitted(engine, "p1")
    assert engine.check(AssignTandem("p1", D0, "t1")) == (
        GuardFailure("consent", f"{NO_TRAEGER} tandem 't1'"),)
    assert engine.assignment_recipients(tandem="t1") == ("traeger",)
    consented(engine, "p1")
    assert engine.assign_tandem("p1", D0, "t1")[0].type == "tandem_assigned"


def test_a_withdrawn_consent_refuses_later_assignments_and_leaves_the_held_case(
        engine: PathwayEngine) -> None:
    """After the withdrawal a new assignment to the Träger is refused; the case coach b holds stays."""
    admitted(engine, "p1")
    consented(engine, "p1")
    engine.assign_coach("p1", D0, "b")
    engine.withdraw_consent("p1", date(2024, 3, 1), "traeger")
    with pytest.raises(ConsentRequired) as info:
        engine.assign_coach("p1", date(2024, 3, 1), "c")
    assert info.value.reasons == (f"{NO_TRAEGER} coach 'c'",)
    assert engine.state("p1").coach_id == "b"  # nothing automatic: the host decides what to do with it
    assert engine.held_without_consent() == (("p1", "traeger"),)
    assert engine.assign_coach("p1", date(2024, 3, 1), "a")[0].type == "coach_assigned"  # back to the pap
    assert engine.held_without_consent() == ()


def test_held_without_consent_lists_tandem_cases_and_skips_those_that_left(engine: PathwayEngine) -> None:
    """A tandem case after withdrawal is listed; once the participant exited it is not."""
    for pid in ("p1", "p2"):
        admitted(engine, pid)
        consented(engine, pid)
        engine.assign_tandem(pid, D0, "t1")
        engine.withdraw_consent(pid, date(2024, 3, 1), "traeger")
    engine.exit("p2", date(2024, 3, 2), "dropout")
    assert engine.held_without_consent() == (("p1", "traeger"),)


def test_a_jobcenter_coach_needs_no_consent(engine: PathwayEngine) -> None:
    """Coach a is a pap: the case stays with the jobcenter."""
    admitted(engine, "p1")
    assert engine.assignment_recipients(coach="a") == ()
    assert engine.assign_coach("p1", D0, "a")[0].type == "coach_assigned"


def test_an_organisation_of_kind_jobcenter_needs_no_consent() -> None:
    """A job coach employed by an organisation registered as a jobcenter needs no consent."""
    jc_coach = Coach("j", role="job_coach", organisation_id="jc-kiel")
    engine = PathwayEngine(small_programme(), coaches=[jc_coach],
                           organisations=[Organisation("jc-kiel", "Jobcenter Kiel", kind="jobcenter")])
    admitted(engine, "p1")
    assert engine.assignment_recipients(coach="j") == ()
    assert engine.assign_coach("p1", D0, "j")[0].type == "coach_assigned"


def test_each_organisation_outside_the_jobcenter_is_one_failure() -> None:
    """A tandem of a Träger coach and a clinic's psychologist without consent: two consent failures."""
    psy = Coach("m", role="psychological", organisation_id="tk-nord")
    engine = PathwayEngine(small_programme(), tandems=[Tandem("t2", [COACH_C, psy])],
                           organisations=[TK_NORD, TRAEGER])
    admitted(engine, "p1")
    consented(engine, "p1", recipient="tk-nord")
    engine.withdraw_consent("p1", D0, "tk-nord")
    assert engine.check(AssignTandem("p1", D0, "t2")) == (
        GuardFailure("consent", f"{NO_TRAEGER} tandem 't2'"),
        GuardFailure("consent", "no consent for data exchange with Tagesklinik Nord, "
                                "which would receive the case with tandem 't2'"))


def test_a_missing_consent_beside_a_full_caseload_is_a_plain_refusal() -> None:
    """Consent and caseload both missing: TransitionRefused with both, not ConsentRequired."""
    one = Coach("b1", role="provider_coach", organisation_id="traeger", caseload_limit=1)
    engine = PathwayEngine(small_programme(), coaches=[one], organisations=[TRAEGER])
    for pid in ("p1", "p2"):
        admitted(engine, pid)
    consented(engine, "p1")
    engine.assign_coach("p1", D0, "b1")
    with pytest.raises(TransitionRefused) as info:
        engine.assign_coach("p2", D0, "b1")
    assert not isinstance(info.value, ConsentRequired)
    assert [f.guard for f in info.value.failures] == ["caseload", "consent"]


def test_assignment_recipients_needs_one_registered_coach_or_tandem(engine: PathwayEngine) -> None:
    """An unknown id is UnknownNameError; neither or both of coach= and tandem= is WrongTypeError."""
    assert engine.assignment_recipients(coach="b") == ("traeger",)
    with pytest.raises(UnknownNameError):
        engine.assignment_recipients(coach="zz")
    with pytest.raises(WrongTypeError):
        engine.assignment_recipients()
    with pytest.raises(WrongTypeError):
        engine.assignment_recipients(coach="a", tandem="t1")
    assert COACH_A.role.is_jobcenter_role
