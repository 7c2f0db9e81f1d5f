"""Simulation layer: the deprecated format methods of :class:`Scenario`, kept working until 0.2.

The TOML format moved beside the model (:mod:`._scenario_toml`, :mod:`._scenario_write`);
the model no longer imports it, so these methods are attached here, by the package,
instead of being defined in the class (which would make the model and its reader import
each other). Each call warns with :class:`DeprecationWarning` and names the replacement.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langzeit.simulation._scenario import Scenario
from langzeit.simulation._scenario_toml import read_scenario, scenario_from_dict
from langzeit.simulation._scenario_write import scenario_to_dict, scenario_to_toml, scenario_variant

__all__: list[str] = []


def _warn(old: str, new: str) -> None:
    warnings.warn(f"Scenario.{old} is deprecated; use langzeit.simulation.{new}", DeprecationWarning,
                  stacklevel=3)


def _from_dict(cls: type[Scenario], data: Mapping[str, Any], *, location: str = "scenario") -> Scenario:
    _warn("from_dict", "scenario_from_dict(data, location=...)")
    return scenario_from_dict(data, location=location)


def _from_toml(cls: type[Scenario], path: str | Path) -> Scenario:
    _warn("from_toml", "read_scenario(path)")
    return read_scenario(path)


def _to_dict(self: Scenario) -> dict[str, Any]:
    _warn("to_dict", "scenario_to_dict(scenario)")
    return scenario_to_dict(self)


def _to_toml(self: Scenario) -> str:
    _warn("to_toml", "scenario_to_toml(scenario)")
    return scenario_to_toml(self)


def _variant(self: Scenario, changes: Mapping[str, Any], *, id: str | None = None) -> Scenario:
    _warn("variant", "scenario_variant(scenario, changes, id=...)")
    return scenario_variant(self, changes, id=id)


for _name, _method in (
    ("from_dict", classmethod(_from_dict)),
    ("from_toml", classmethod(_from_toml)),
    ("to_dict", _to_dict),
    ("to_toml", _to_toml),
    ("variant", _variant),
):
    setattr(Scenario, _name, _method)
