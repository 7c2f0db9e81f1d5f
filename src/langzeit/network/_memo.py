"""Network layer: indexes derived from a social space, built once per state of the space."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from langzeit.network._space import SocialSpace

__all__ = ["derived"]

_T = TypeVar("_T")

#: space -> (its version when the entries were built, index name -> index). Weak keys: an
#: entry goes with its space, and a new space can never meet an old space's entry.
_STORE: weakref.WeakKeyDictionary[SocialSpace, tuple[int, dict[str, Any]]] = weakref.WeakKeyDictionary()


def derived(space: SocialSpace, key: str, build: Callable[[], _T]) -> _T:
    """The index ``key`` of ``space``: ``build()`` once per state of the space (:attr:`SocialSpace.version`).

    Uses only the space's public API; every index of a space is dropped when the
    space changes.

    Examples:
        >>> from langzeit.domain import Organisation
        >>> space = SocialSpace()
        >>> calls = []
        >>> def names() -> list[str]:
        ...     calls.append(1)
        ...     return sorted(space.organisations)
        >>> derived(space, "names", names), derived(space, "names", names), len(calls)
        ([], [], 1)
        >>> space.add(Organisation("o", "O"))
        >>> derived(space, "names", names), len(calls)
        (['o'], 2)
    """
    entry = _STORE.get(space)
    if entry is None or entry[0] != space.version:
        entry = _STORE[space] = (space.version, {})
    cache = entry[1]
    if key not in cache:
        cache[key] = build()
    value: _T = cache[key]
    return value
