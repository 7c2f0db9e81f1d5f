"""Coach dependency: sole contacts and referral paths that break when a coach leaves."""

import attrs
from hypothesis import given
from hypothesis import strategies as st

from langzeit.network import (
    NodeKind,
    SocialSpace,
    Tie,
    coach_dependency,
    example_space,
    sole_contacts,
    space_from_dict,
    space_to_dict,
    synthetic_space,
)
from langzeit.privacy import StatedPurpose


def test_example_figures_match_the_hand_computation() -> None:
    """Plön: 24 referral paths (6+4+5+4+5); Lena's departure breaks 8 (2+3+3), Jonas's 4, Mira's 0."""
    dep = coach_dependency(example_space(), programme_id="pan")
    assert dep.denominator == 24
    lena = dep.impact("c-lena")
    assert (lena.cases, lena.contacts, lena.paths, lena.broken) == (3, 3, 9, 8)
    assert lena.share == 8 / 24
    assert (dep.impact("c-jonas").broken, dep.impact("c-mira").broken) == (4, 0)
    assert [c.coach_id for c in dep.coaches] == ["c-lena", "c-jonas", "c-mira"]


def test_organisation_level_tie_protects_the_paths() -> None:
    """A cooperation agreement of the coach's employer with the clinic keeps those paths when Lena leaves."""
    space = example_space()
    space.add(Tie("t-bruecke-tk", "bruecke", "tk-preetz"))
    dep = coach_dependency(space, programme_id="pan")
    # tk-preetz is now backed for all five participants (coaches of bruecke): Anna, Carla, Emil lose 1 each
    assert dep.impact("c-lena").broken == 8 - 3
    # the agreement also adds tk-preetz as a path for Bernd and Dirk (Jonas's cases)
    assert dep.denominator == 24 + 2
    assert "tk-preetz" not in {c.organisation_id for c in sole_contacts(space).contacts}


def test_second_coach_holding_the_contact_protects_it() -> None:
    """A contact held by a tandem partner too does not break when one of them leaves."""
    space = example_space()
    space.add(Tie("t-mira-tk", "c-mira", "tk-preetz", kind="personal"))
    dep = coach_dependency(space, programme_id="pan")
    assert dep.impact("c-lena").broken == 7  # Anna keeps tk-preetz through Mira


def test_unknown_programme_has_no_paths() -> None:
    """A programme without participants has no rows and a zero denominator."""
    dep = coach_dependency(example_space(), programme_id="none")
    assert (dep.denominator, dep.coaches) == (0, ())


def test_sole_contacts_list_kind_and_tie() -> None:
    """Sole contacts name the coach, the tie and whether it is personal."""
    rows = {(c.organisation_id, c.coach_id): c for c in sole_contacts(example_space()).contacts}
    assert rows[("tk-preetz", "c-lena")].tie_id == "t-lena-tk"
    assert rows[("tk-preetz", "c-lena")].kind == "personal"
    assert ("drv-nord", "c-mira") not in rows  # the jobcenter has its own tie to the DRV


def _without_contacts_of(space: SocialSpace, coach: str) -> SocialSpace:
    doc = space_to_dict(space, include_special_categories=StatedPurpose("test oracle"))
    kinds = {n: space.kind_of(n) for n in space.graph.nodes}
    doc["ties"] = [
        t for t in doc["ties"]
        if not (coach in (t["source"], t["target"])
                and kinds[t["target"] if t["source"] == coach else t["source"]] is NodeKind.ORGANISATION)
    ]
    return space_from_dict(doc)


_SPACE = synthetic_space("rural", actors=80, participants=120, seed=11)


@given(st.integers(0, len(_SPACE.coaches) - 1))
def test_broken_paths_equal_paths_lost_when_the_coachs_contacts_go(pick: int) -> None:
    """Oracle: removing the coach's contact ties lowers the path total by exactly ``broken``."""
    coach = sorted(_SPACE.coaches)[pick]
    before = coach_dependency(_SPACE)
    after = coach_dependency(_without_contacts_of(_SPACE, coach))
    broken = {c.coach_id: c.broken for c in before.coaches}.get(coach, 0)
    assert before.denominator - after.denominator == broken


def test_rows_are_plain_records() -> None:
    """Rows are flat dicts with the documented columns."""
    dep = coach_dependency(example_space())
    assert set(dep.rows()[0]) == set(dep.columns())
    assert attrs.asdict(dep.coaches[0])["coach_id"] == "c-lena"
