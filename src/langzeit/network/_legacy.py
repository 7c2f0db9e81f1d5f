"""Network layer: the deprecated format methods of :class:`SocialSpace`, kept working until 0.2.

The file formats moved beside the model (:mod:`langzeit.network._formats`); the model
no longer imports them, so these methods are attached here, by the package, instead of
being defined in the class (which would make ``_space`` and ``_formats`` import each
other). Each call warns with :class:`DeprecationWarning` and names the replacement.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from langzeit.network._formats import read_space, space_from_dict, space_to_dict, write_graphml, write_space
from langzeit.network._space import SocialSpace

__all__: list[str] = []


def _warn(old: str, new: str) -> None:
    warnings.warn(f"SocialSpace.{old} is deprecated; use langzeit.network.{new}", DeprecationWarning,
                  stacklevel=3)


def _from_dict(cls: type[SocialSpace], data: Any, *, source: str = "<memory>") -> SocialSpace:
    _warn("from_dict", "space_from_dict(data, source=...)")
    return space_from_dict(data, source=source)


def _from_json(cls: type[SocialSpace], path: str | os.PathLike[str]) -> SocialSpace:
    _warn("from_json", "read_space(path)")
    return read_space(path)


def _to_dict(self: SocialSpace) -> dict[str, Any]:
    _warn("to_dict", "space_to_dict(space)")
    return space_to_dict(self)


def _to_json(self: SocialSpace, path: str | os.PathLike[str]) -> None:
    _warn("to_json", "write_space(space, path)")
    write_space(self, path)


def _to_graphml(self: SocialSpace, path: str | os.PathLike[str]) -> None:
    _warn("to_graphml", "write_graphml(space, path)")
    write_graphml(self, path)


for _name, _method in (
    ("from_dict", classmethod(_from_dict)),
    ("from_json", classmethod(_from_json)),
    ("to_dict", _to_dict),
    ("to_json", _to_json),
    ("to_graphml", _to_graphml),
):
    setattr(SocialSpace, _name, _method)
