"""Cross-cutting: attrs field checks and the enumeration conversion, raising langzeit's errors.

attrs' own validators (``attrs.validators.ge``, ``instance_of``, …) and calling an
``Enum`` on a bad value raise bare ``ValueError``/``TypeError``; records use these
instead, so that a bad value is a :class:`~langzeit.exceptions.ValidationError` (still a
``ValueError``) or a :class:`~langzeit.exceptions.WrongTypeError` (still a
``TypeError``) with the same message. Imports nothing of langzeit but its exceptions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Container, Mapping
from typing import Any, TypeVar

import attrs

from langzeit.exceptions import ValidationError, WrongTypeError

__all__ = ["ge", "gt", "in_", "instance_of", "keyword_options", "le", "to_enum"]

_E = TypeVar("_E", bound=enum.Enum)
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _ours(check: Validator) -> Validator:
    """``check`` with its ``ValueError``/``TypeError`` raised as langzeit's (same message)."""

    def run(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        try:
            check(instance, attribute, value)
        except TypeError as exc:
            raise WrongTypeError(str(exc.args[0]) if exc.args else str(exc)) from None
        except ValueError as exc:
            raise ValidationError(str(exc.args[0]) if exc.args else str(exc)) from None

    return run


def ge(bound: Any) -> Validator:
    """``attrs.validators.ge``, raising ValidationError.

    Examples:
        >>> @attrs.frozen
        ... class A:
        ...     n: int = attrs.field(validator=ge(0))
        >>> A(-1)
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: 'n' must be >= 0: -1
    """
    return _ours(attrs.validators.ge(bound))


def gt(bound: Any) -> Validator:
    """``attrs.validators.gt``, raising ValidationError."""
    return _ours(attrs.validators.gt(bound))


def le(bound: Any) -> Validator:
    """``attrs.validators.le``, raising ValidationError."""
    return _ours(attrs.validators.le(bound))


def in_(options: Container[Any]) -> Validator:
    """``attrs.validators.in_``, raising ValidationError."""
    return _ours(attrs.validators.in_(options))


def instance_of(kind: type[Any]) -> Validator:
    """``attrs.validators.instance_of``, raising WrongTypeError (a TypeError).

    Examples:
        >>> @attrs.frozen
        ... class B:
        ...     flag: bool = attrs.field(validator=instance_of(bool))
        >>> isinstance(_catch(lambda: B("yes")), TypeError)
        True
    """
    return _ours(attrs.validators.instance_of(kind))


def to_enum(kind: type[_E], value: _E | str) -> _E:
    """``value`` as a member of the enumeration ``kind`` (records call it from a named converter).

    Raises:
        ValidationError: ``value`` is no value of ``kind``; the message names the allowed ones.

    Examples:
        >>> class Colour(enum.Enum):
        ...     RED = "red"
        >>> to_enum(Colour, "red"), to_enum(Colour, Colour.RED)
        (<Colour.RED: 'red'>, <Colour.RED: 'red'>)
        >>> to_enum(Colour, "blue")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: 'blue' is not a valid Colour; use one of: red
    """
    if value.__class__ is kind:
        return value  # a member of kind
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise ValidationError(f"{value!r} is not a valid {kind.__name__}; use one of: {allowed}") from None


def keyword_options(function: str, options: Mapping[str, object], declared: Any) -> None:
    """Refuse, as Python refuses a keyword it does not know, a key of ``options`` not in ``declared``.

    For a function that forwards ``**options: Unpack[Declared]`` (a ``TypedDict``) to the
    function whose options they are: a misspelt option fails at the call, not in a worker.

    Raises:
        WrongTypeError: a key that the ``TypedDict`` ``declared`` does not declare (a ``TypeError``).

    Examples:
        >>> from typing import TypedDict
        >>> class Options(TypedDict, total=False):
        ...     level: float
        >>> keyword_options("f", {"level": 0.9}, Options)
        >>> keyword_options("f", {"levle": 0.9}, Options)
        Traceback (most recent call last):
        ...
        langzeit.exceptions.WrongTypeError: f() got an unexpected keyword argument 'levle'
    """
    known = declared.__required_keys__ | declared.__optional_keys__
    for name in options:
        if name not in known:
            raise WrongTypeError(f"{function}() got an unexpected keyword argument {name!r}")


def _catch(call: Callable[[], object]) -> BaseException | None:
    """The error ``call`` raises (for the examples)."""
    try:
        call()
    except Exception as exc:
        return exc
    return None
