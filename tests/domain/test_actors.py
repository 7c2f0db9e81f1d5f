"""Participants, organisations, coaches (FTE scaling) and tandems (rules listed together)."""

from datetime import date

import pytest

from langzeit.domain import (
    Coach,
    CoachRole,
    LegalDomain,
    Organisation,
    OrganisationKind,
    Participant,
    Sex,
    Tandem,
    TandemMember,
)
from langzeit.exceptions import ValidationError


def _coach(cid: str, org: str, **kwargs: object) -> Coach:
    return Coach(cid, role=kwargs.pop("role", "provider_coach"), organisation_id=org, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(("fte", "limit", "expected"), [
    (1.0, 12, 12), (0.5, 12, 6), (0.75, 12, 9), (0.3, 12, 3), (0.5, 60, 30), (0.05, 12, 1), (0.25, 12, 3),
])
def test_coach_caseload_scales_with_fte(fte: float, limit: int, expected: int) -> None:
    """max_cases = floor(limit x FTE), at least 1 (e.g. 0.3 x 12 = 3.6 -> 3; 0.05 x 12 = 0.6 -> 1)."""
    assert _coach("c", "o", fte=fte, caseload_limit=limit).max_cases == expected


@pytest.mark.parametrize("fte", [0.0, -0.5, 1.01, float("nan")])
def test_coach_fte_must_be_in_zero_one(fte: float) -> None:
    """FTE outside (0, 1] is refused."""
    with pytest.raises(ValueError, match="fte"):
        _coach("c", "o", fte=fte)


def test_coach_caseload_limit_and_ids_are_checked() -> None:
    """A zero caseload limit, an empty id and an unknown role are refused."""
    with pytest.raises(ValueError, match="caseload_limit"):
        _coach("c", "o", caseload_limit=0)
    with pytest.raises(ValueError, match="id must be a non-empty string"):
        _coach(" ", "o")
    with pytest.raises(ValueError, match="'boss' is not a valid CoachRole"):
        _coach("c", "o", role="boss")


def test_tandem_limit_defaults_to_smallest_member() -> None:
    """A PAP at 1:60 and a provider coach at half time 1:12 hold min(60, 6) = 6 cases together."""
    t = Tandem("t", [_coach("a", "jc", role="pap", caseload_limit=60), _coach("b", "awo", fte=0.5)])
    assert t.max_cases == 6
    assert t.coach_ids == ("a", "b")
    assert Tandem("t", t.members, caseload_limit=4).max_cases == 4


def test_tandem_member_role_may_differ_from_coach_role() -> None:
    """A member takes its coach's role unless another is given."""
    c = _coach("a", "jc", role="fallmanager")
    assert TandemMember(c).role is CoachRole.FALLMANAGER
    assert TandemMember(c, role="job_coach").role is CoachRole.JOB_COACH


def test_tandem_rules_are_all_reported() -> None:
    """One coach only; a coach twice and one organisation only: every broken rule is listed."""
    with pytest.raises(ValidationError, match="needs at least two coaches"):
        Tandem("t1", [_coach("a", "jc")])
    with pytest.raises(ValidationError) as info:
        Tandem("t2", [_coach("a", "jc"), _coach("a", "jc")])
    assert [p.message for p in info.value.problems] == [
        "a coach appears twice", "coaches must come from different organisations"]


def test_tandem_members_must_be_a_sequence() -> None:
    """A single coach instead of a list is a type error."""
    with pytest.raises(TypeError):
        Tandem("t", _coach("a", "jc"))  # type: ignore[arg-type]


def test_tandem_caseload_limit_must_be_positive() -> None:
    """An explicit limit of 0 is refused."""
    with pytest.raises(ValueError, match="caseload_limit"):
        Tandem("t", [_coach("a", "jc"), _coach("b", "awo")], caseload_limit=0)


def test_participant_age_and_birth_month() -> None:
    """Born 1979-04: 45 on 2024-04-01, still 44 on 2024-03-31; the day is dropped."""
    p = Participant("p", birth_month=date(1979, 4, 17), sex="F", single_parent=True, children=1)
    assert p.birth_month == date(1979, 4, 1)
    assert (p.age_on(date(2024, 4, 1)), p.age_on(date(2024, 3, 31))) == (45, 44)
    assert p.sex is Sex.FEMALE
    assert Participant("q").age_on(date(2024, 1, 1)) is None


@pytest.mark.parametrize("month", ["1979-13", "1979-4", "April 1979"])
def test_participant_birth_month_text_is_checked(month: str) -> None:
    """Only YYYY-MM with a month 01-12 is read."""
    with pytest.raises(ValueError, match="birth_month"):
        Participant("p", birth_month=month)


def test_single_parent_needs_a_child() -> None:
    """A single-parent household has at least one minor child."""
    with pytest.raises(ValueError, match="single-parent"):
        Participant("p", single_parent=True)


def test_participant_flags_and_children_are_checked() -> None:
    """Negative children and non-boolean flags are refused."""
    with pytest.raises(ValueError, match="children"):
        Participant("p", children=-1)
    with pytest.raises(TypeError):
        Participant("p", health_limitation="yes")  # type: ignore[arg-type]


def test_entities_compare_by_id() -> None:
    """Participants, organisations and coaches are equal when their ids are."""
    assert Participant("p", children=2) == Participant("p")
    assert Organisation("o", "A", kind="club") == Organisation("o", "B")
    assert _coach("c", "o", fte=0.5) == _coach("c", "x")
    assert len({Participant("p"), Participant("p")}) == 1


def test_organisation_vocabularies_are_checked() -> None:
    """Kind and Rechtskreis come from the closed vocabularies."""
    o = Organisation("drv", "DRV Mitteldeutschland", kind="pension_insurer", legal_domain="SGB VI")
    assert (o.kind, o.legal_domain) == (OrganisationKind.PENSION_INSURER, LegalDomain.SGB_VI)
    with pytest.raises(ValueError, match="SGB XIII"):
        Organisation("x", "X", legal_domain="SGB XIII")
