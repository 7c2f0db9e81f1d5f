"""Simulation layer: the deprecated format methods of :class:`Scenario`, kept working until 0.2.

The TOML format moved beside the model (:mod:`._scenario_toml`, :mod:`._scenario_write`);
the model no longer imports it, so these methods are attached here, by the package,
instead of being defined in the class (which would make the model and its reader import
each other). Each call warns with :class:`DeprecationWarning` and names the replacement.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langzeit._deprecation import deprecated
from langzeit.simulation._scenario import Scenario
from langzeit.simulation._scenario_toml import read_scenario, scenario_from_dict
from langzeit.simulation._scenario_write import scenario_to_dict, scenario_to_toml, scenario_variant

__all__: list[str] = []


_NEW = "langzeit.simulation."


@deprecated(Scenario, "from_dict", _NEW + "scenario_from_dict(data, location=...)", constructor=True)
def _from_dict(cls: type[Scenario], data: Mapping[str, Any], *, location: str = "scenario") -> Scenario:
    return scenario_from_dict(data, location=location)


@deprecated(Scenario, "from_toml", _NEW + "read_scenario(path)", constructor=True)
def _from_toml(cls: type[Scenario], path: str | Path) -> Scenario:
    return read_scenario(path)


@deprecated(Scenario, "to_dict", _NEW + "scenario_to_dict(scenario)")
def _to_dict(self: Scenario) -> dict[str, Any]:
    return scenario_to_dict(self)


@deprecated(Scenario, "to_toml", _NEW + "scenario_to_toml(scenario)")
def _to_toml(self: Scenario) -> str:
    return scenario_to_toml(self)


@deprecated(Scenario, "variant", _NEW + "scenario_variant(scenario, changes, id=...)")
def _variant(self: Scenario, changes: Mapping[str, Any], *, id: str | None = None) -> Scenario:
    return scenario_variant(self, changes, id=id)
