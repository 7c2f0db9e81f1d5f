"""Programme and phase model: structure queries and validation that lists every problem."""

from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from langzeit.domain import Capacity, ExtensionRule, Phase, Programme, Transition
from langzeit.exceptions import Problem, UnknownNameError, ValidationError

EXAMPLES = Path(__file__).parents[2] / "examples"


def _linear(**kwargs: object) -> Programme:
    return Programme(
        "mini", "Mini",
        phases=[Phase("intake"), Phase("coaching", planned_duration=6), Phase("exit", terminal=True)],
        transitions=[Transition("intake", "coaching", guards=["assessed"]), Transition("coaching", "exit")],
        **kwargs,  # type: ignore[arg-type]
    )


def _problems(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_structure_queries_of_a_linear_model() -> None:
    """Entry defaults to the first phase; successors, terminal phases and guard names follow the edges."""
    prog = _linear()
    assert prog.entry == "intake"
    assert prog.successors("intake") == ("coaching",)
    assert prog.successors("exit") == ()
    assert prog.terminal_phases == ("exit",)
    assert prog.guard_names == frozenset({"assessed"})
    assert prog.transition("intake", "coaching") == Transition("intake", "coaching", guards=("assessed",))
    assert prog.transition("intake", "exit") is None
    assert prog.phase("coaching").planned_duration == relativedelta(months=6)
    assert set(prog.graph.edges) == {("intake", "coaching"), ("coaching", "exit")}


def test_unknown_phase_lookup_names_the_known_ones() -> None:
    """phase() raises UnknownNameError listing the phases."""
    with pytest.raises(UnknownNameError, match="unknown phase 'x'; known: intake, coaching, exit"):
        _linear().phase("x")


def test_programmes_compare_by_id() -> None:
    """Entities compare and hash by id."""
    assert _linear() == _linear(description="other")
    assert len({_linear(), _linear()}) == 1


def test_every_problem_of_a_bad_model_is_listed_at_once() -> None:
    """Duplicate, unknown, unreachable phases, terminal with exits, negative durations: one error."""
    with pytest.raises(ValidationError) as info:
        Programme(
            "bad", "Bad",
            phases=[Phase("a", planned_duration=-2), Phase("a"), Phase("b", terminal=True),
                    Phase("island", terminal=True), Phase("z", terminal=True)],
            transitions=[Transition("a", "b"), Transition("a", "ghost"), Transition("b", "z")],
            planned_duration="-1 month",
        )
    found = _problems(info)
    assert "phase 'a': defined more than once" in found
    assert "transition a -> ghost: unknown phase 'ghost'" in found
    assert "phase 'b': terminal but has outgoing transitions to ['z']" in found
    assert "phase 'island': unreachable from the entry phase 'a'" in found
    assert "phase 'a': negative planned_duration P-2M" in found
    assert "programme.planned_duration: negative duration P-1M" in found
    assert len(found) == 6
    assert str(info.value).startswith("invalid phase model of programme 'bad' (6 problems)")


def test_missing_entry_and_missing_terminal_phase_are_reported() -> None:
    """An entry that is not a phase and a model without exit phase are problems."""
    with pytest.raises(ValidationError) as info:
        Programme("p", "P", phases=[Phase("a"), Phase("b")],
                  transitions=[Transition("a", "b"), Transition("b", "a")], entry="start")
    found = _problems(info)
    assert "entry: entry phase 'start' is not a phase" in found
    assert "phases: no terminal (exit) phase" in found


def test_model_without_phases_is_refused() -> None:
    """At least one phase is needed."""
    with pytest.raises(ValidationError, match="a programme needs at least one phase"):
        Programme("p", "P", phases=[], transitions=[])


def test_cycle_without_way_out_is_reported() -> None:
    """Phases that loop forever with no path to an exit are named."""
    with pytest.raises(ValidationError) as info:
        Programme("p", "P", phases=[Phase("a"), Phase("b"), Phase("c"), Phase("z", terminal=True)],
                  transitions=[Transition("a", "b"), Transition("b", "c"), Transition("c", "b"),
                               Transition("a", "z")])
    assert _problems(info) == ["phase 'b': no path to a terminal phase",
                               "phase 'c': no path to a terminal phase"]


def test_duplicate_transition_and_dead_end_are_reported() -> None:
    """The same edge twice and a non-terminal phase without exits are problems."""
    with pytest.raises(ValidationError) as info:
        Programme("p", "P", phases=[Phase("a"), Phase("b"), Phase("z", terminal=True)],
                  transitions=[Transition("a", "z"), Transition("a", "z"), Transition("a", "b")])
    found = _problems(info)
    assert "transition a -> z: defined more than once" in found
    assert "phase 'b': not terminal but has no outgoing transition" in found


def test_maximum_shorter_than_planned_duration_is_reported() -> None:
    """max_duration below planned_duration makes no sense, for phases and the programme."""
    with pytest.raises(ValidationError) as info:
        Programme("p", "P",
                  phases=[Phase("a", planned_duration=6, max_duration=3), Phase("z", terminal=True)],
                  transitions=[Transition("a", "z")], planned_duration=12, max_duration="6 months")
    found = _problems(info)
    assert "phase 'a': max_duration P3M is shorter than planned_duration P6M" in found
    assert "programme: max_duration P6M is shorter than planned_duration P1Y" in found


@pytest.mark.parametrize(
    ("capacity", "message"),
    [
        (Capacity(places=0), "capacity.places: must be positive, got 0"),
        (Capacity(coaches=2), "capacity: coaches and caseload must be given together"),
        (Capacity(coaches=2, caseload=-12), "capacity.caseload: must be positive, got -12"),
    ],
)
def test_capacity_must_be_positive_and_complete(capacity: Capacity, message: str) -> None:
    """Places, coaches and caseload are positive; coaches come with a caseload."""
    with pytest.raises(ValidationError) as info:
        _linear(capacity=capacity)
    assert message in _problems(info)


def test_capacity_total_is_places_or_coaches_times_caseload() -> None:
    """3 coaches at 1:12 hold 36 cases; fixed places win; nothing given means unlimited."""
    assert Capacity(coaches=3, caseload=12).total == 36
    assert Capacity(places=32, coaches=3, caseload=12).total == 32
    assert Capacity().total is None


def test_extension_rule_reads_durations_and_refuses_negative_counts() -> None:
    """Length accepts duration text; max_extensions is at least 0."""
    assert ExtensionRule(2, "6 months").length == relativedelta(months=6)
    with pytest.raises(ValueError, match="max_extensions"):
        ExtensionRule(-1, 6)


def test_from_dict_lists_problems_of_the_table_with_locations() -> None:
    """Unknown keys, missing keys and bad phases are located by key path."""
    with pytest.raises(ValidationError) as info:
        Programme.from_dict({"id": "p", "colour": "red",
                             "phases": [{"id": "a", "planned_duration": "soon"}, {"name": "no id"}],
                             "transitions": [{"from": "a"}]}, location="p.toml")
    found = _problems(info)
    assert any(p.startswith("p.toml.colour: unknown key; known: aftercare, capacity") for p in found)
    assert "p.toml.name: required key missing" in found
    assert "p.toml.phases[1]: a phase is a table with at least an id" in found
    assert "p.toml.transitions[0]: a transition is a table with 'from' and 'to'" in found
    assert any(p.startswith("p.toml.phases[0].planned_duration: not a duration: 'soon'") for p in found)


def test_from_dict_reports_a_capacity_that_is_not_a_table() -> None:
    """Capacity = 5 is a problem of the file, not a crash."""
    with pytest.raises(ValidationError) as info:
        Programme.from_dict({"id": "p", "name": "P", "phases": [{"id": "a"}, {"id": "z", "terminal": True}],
                             "transitions": [{"from": "a", "to": "z"}], "capacity": 5, "extension": "x"})
    assert [p.location for p in info.value.problems if isinstance(p, Problem)] == [
        "programme.capacity", "programme.extension"]


def test_shipped_example_reads_and_round_trips() -> None:
    """examples/geh-vor.toml loads; to_dict -> from_dict gives the same table."""
    prog = Programme.from_toml(EXAMPLES / "geh-vor.toml")
    assert prog.id == "geh-vor"
    assert prog.capacity.total == 32
    assert Programme.from_dict(prog.to_dict()).to_dict() == prog.to_dict()


def test_toml_syntax_error_is_a_validation_error(tmp_path: Path) -> None:
    """A broken TOML file is reported, not raised as a parser exception."""
    path = tmp_path / "p.toml"
    path.write_text("[programme\nid = 1")
    with pytest.raises(ValidationError, match="not valid TOML"):
        Programme.from_toml(path)
