"""Network layer: the deprecated format methods of :class:`SocialSpace`, kept working until 0.2.

The file formats moved beside the model (:mod:`langzeit.network._formats`); the model
no longer imports them, so these methods are attached here, by the package, instead of
being defined in the class (which would make ``_space`` and ``_formats`` import each
other). Each call warns with :class:`DeprecationWarning` and names the replacement.
"""

from __future__ import annotations

import os
from typing import Any

from langzeit._deprecation import deprecated
from langzeit.network._formats import read_space, space_from_dict, space_to_dict, write_graphml, write_space
from langzeit.network._space import SocialSpace

__all__: list[str] = []


_NEW = "langzeit.network."


@deprecated(SocialSpace, "from_dict", _NEW + "space_from_dict(data, source=...)", constructor=True)
def _from_dict(cls: type[SocialSpace], data: Any, *, source: str = "<memory>") -> SocialSpace:
    return space_from_dict(data, source=source)


@deprecated(SocialSpace, "from_json", _NEW + "read_space(path)", constructor=True)
def _from_json(cls: type[SocialSpace], path: str | os.PathLike[str]) -> SocialSpace:
    return read_space(path)


@deprecated(SocialSpace, "to_dict", _NEW + "space_to_dict(space)")
def _to_dict(self: SocialSpace) -> dict[str, Any]:
    return space_to_dict(self)


@deprecated(SocialSpace, "to_json", _NEW + "write_space(space, path)")
def _to_json(self: SocialSpace, path: str | os.PathLike[str]) -> None:
    write_space(self, path)


@deprecated(SocialSpace, "to_graphml", _NEW + "write_graphml(space, path)")
def _to_graphml(self: SocialSpace, path: str | os.PathLike[str]) -> None:
    write_graphml(self, path)
