"""The scenario format beside the model: the functions, and the deprecated methods that call them."""

from pathlib import Path

import pytest

from langzeit.exceptions import ValidationError
from langzeit.simulation import (
    Scenario,
    load_scenario,
    read_scenario,
    scenario_from_dict,
    scenario_to_dict,
    scenario_to_toml,
    scenario_variant,
)


def test_every_builtin_scenario_reads_back_from_its_table() -> None:
    """``scenario_from_dict(scenario_to_dict(s))`` writes the same table again, for every shipped scenario."""
    for name in ("aktivoreha", "geh-vor", "lipsy", "mm-c-queue", "pan-ploen", "proges", "rpe-euregio",
                 "sanus-le", "segel-setzen"):
        table = scenario_to_dict(load_scenario(name))
        assert scenario_to_dict(scenario_from_dict(table, location=name)) == table


def test_a_written_toml_file_reads_back(tmp_path: Path) -> None:
    """The text of ``scenario_to_toml`` in a file is read by ``read_scenario`` to the same scenario."""
    s = load_scenario("sanus-le")
    path = tmp_path / "s.toml"
    path.write_text(scenario_to_toml(s), encoding="utf-8")
    assert scenario_to_dict(read_scenario(path)) == scenario_to_dict(s)


@pytest.mark.parametrize(("method", "args", "new"), [
    ("to_dict", (), "scenario_to_dict"),
    ("to_toml", (), "scenario_to_toml"),
    ("variant", ({"staffing": {"caseload": 15}},), "scenario_variant"),
])
def test_a_deprecated_method_warns_and_gives_what_the_function_gives(method: str, args: tuple[object, ...],
                                                                     new: str) -> None:
    """``Scenario.to_dict``/``to_toml``/``variant`` warn, name the function, and return its result."""
    s = load_scenario("geh-vor")
    with pytest.warns(DeprecationWarning, match=f"langzeit.simulation.{new}"):
        old = getattr(s, method)(*args)
    expected = {"scenario_to_dict": scenario_to_dict, "scenario_to_toml": scenario_to_toml,
                "scenario_variant": scenario_variant}[new](s, *args)
    if isinstance(old, Scenario):
        assert scenario_to_dict(old) == scenario_to_dict(expected)  # type: ignore[arg-type]
    else:
        assert old == expected


def test_the_deprecated_constructors_warn_and_read(tmp_path: Path) -> None:
    """``Scenario.from_dict`` and ``Scenario.from_toml`` warn and read the same scenario as the functions."""
    s = load_scenario("pan-ploen")
    path = tmp_path / "p.toml"
    path.write_text(scenario_to_toml(s), encoding="utf-8")
    with pytest.warns(DeprecationWarning, match="scenario_from_dict"):
        from_dict = Scenario.from_dict(scenario_to_dict(s), location="p")
    with pytest.warns(DeprecationWarning, match="read_scenario"):
        from_toml = Scenario.from_toml(path)
    assert scenario_to_dict(from_dict) == scenario_to_dict(from_toml) == scenario_to_dict(s)


def _with(**keys: object) -> dict[str, object]:
    table = scenario_to_dict(load_scenario("sanus-le"))
    del table["agreement_probability"]
    return {**table, **keys}


@pytest.mark.parametrize("old", [0.5, {"probability": 0.5}])
def test_the_old_key_take_up_still_reads_with_a_warning(old: object) -> None:
    """``take_up = 0.5`` (or ``[take_up] probability``) reads as the agreement probability and warns where."""
    with pytest.warns(FutureWarning, match=r"s\.toml\.take_up: .*agreement_probability"):
        s = scenario_from_dict(_with(take_up=old), location="s.toml")
    assert s.agreement_probability == 0.5


def test_the_old_and_the_new_key_together_are_a_problem() -> None:
    """Giving ``take_up`` and ``agreement_probability`` is one problem at ``take_up``."""
    with pytest.raises(ValidationError) as err:
        scenario_from_dict(_with(take_up=0.5, agreement_probability=0.5), location="s")
    assert [str(p) for p in err.value.problems] == [
        "s.take_up: give agreement_probability only (take_up is its deprecated name)"]


def test_the_old_field_name_warns_and_reads_the_agreement_probability() -> None:
    """``Scenario.take_up`` and ``evolve(take_up=...)`` still work, with a warning naming the new field."""
    s = load_scenario("geh-vor")
    with pytest.warns(DeprecationWarning, match="agreement_probability"):
        assert s.take_up == 0.85
    with pytest.warns(DeprecationWarning, match="agreement_probability"):
        assert s.evolve(take_up=0.5).agreement_probability == 0.5
