"""Shared private helper (any layer): deprecated methods attached to a class from outside it.

A model whose file formats moved beside it (STYLE.md, formats beside models) keeps its
old format methods working for a while; the package attaches them with :func:`deprecated`,
so the model's module does not import its formats. Imports nothing of langzeit.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["deprecated"]

_F = TypeVar("_F", bound=Callable[..., Any])


def deprecated(cls: type, name: str, replacement: str, *, constructor: bool = False) -> Callable[[_F], _F]:
    """Attach the decorated function to ``cls`` as ``name``; each call warns and names ``replacement``.

    Args:
        cls: the class that keeps the old method.
        name: the method's name on ``cls``.
        replacement: the call that replaces it (e.g. ``"langzeit.network.read_space(path)"``).
        constructor: attach it as a classmethod (the function's first argument is the class).

    Returns:
        A decorator that attaches the warning method and returns the function unchanged.

    Examples:
        >>> class Box:
        ...     pass
        >>> @deprecated(Box, "to_text", "langzeit.demo.box_text(box)")
        ... def _to_text(self: Box) -> str:
        ...     return "box"
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     Box().to_text(), str(caught[0].message)
        ('box', 'Box.to_text is deprecated; use langzeit.demo.box_text(box)')
    """
    message = f"{cls.__name__}.{name} is deprecated; use {replacement}"

    def attach(function: _F) -> _F:
        @functools.wraps(function)
        def warned(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        setattr(cls, name, classmethod(warned) if constructor else warned)
        return function

    return attach
