"""Cross-cutting: the one rule for ids (bounded, printable), shared by domain, network, events and engine.

Imports nothing of langzeit. The events layer re-exports :data:`MAX_ID_LENGTH`;
domain and network records validate their ids with :func:`id_validator`, commands
and events with :func:`id_problem` (so an id a record accepts is an id the engine,
the codec and the stores accept).
"""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from langzeit.exceptions import ValidationError

__all__ = [
    "MAX_ID_LENGTH", "compare_by_id", "id_problem", "id_validator", "ids_validator", "optional_id_validator",
]

#: The longest id (event, participant, phase, coach, organisation, tie… ids) langzeit accepts.
MAX_ID_LENGTH = 200


def id_problem(value: object, *, empty: bool = False) -> str | None:
    r"""Why ``value`` is not a valid id, or None (the one rule of records, commands, events and the codec).

    Examples:
        >>> id_problem("p-001") is None, id_problem("")
        (True, "expected a non-empty id, got ''")
        >>> print(id_problem("a" + chr(9) + "b"))
        id 'a\tb' holds control or invisible characters
    """
    if value.__class__ is not str:
        return f"expected an id (text), got {value!r}"
    text: str = value
    if not text:
        return None if empty else "expected a non-empty id, got ''"
    if len(text) > MAX_ID_LENGTH:
        return f"id of {len(text)} characters (at most {MAX_ID_LENGTH})"
    if not text.isprintable():
        return f"id {text!r} holds control or invisible characters"
    return None


def id_validator(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a non-blank id within :func:`id_problem`'s rule (raises ValidationError).

    Examples:
        >>> @attrs.frozen
        ... class R:
        ...     id: str = attrs.field(validator=id_validator)
        >>> R("x" * 201)
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: id: id of 201 characters (at most 200)
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{attribute.name} must be a non-empty string, got {value!r}")
    reason = id_problem(value)
    if reason is not None:
        raise ValidationError(f"{attribute.name}: {reason}")


def optional_id_validator(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Like :func:`id_validator`, but the empty text (the field's "none") is allowed.

    Examples:
        >>> @attrs.frozen
        ... class R:
        ...     organisation_id: str = attrs.field(default="", validator=optional_id_validator)
        >>> R().organisation_id
        ''
    """
    if value != "":
        id_validator(inst, attribute, value)


def ids_validator(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """:func:`id_validator` for every item of a tuple of ids.

    Examples:
        >>> @attrs.frozen
        ... class R:
        ...     ids: tuple[str, ...] = attrs.field(validator=ids_validator)
        >>> R(("a", "b")).ids
        ('a', 'b')
    """
    for item in value:  # type: ignore[attr-defined]  # attrs fields typed as tuples
        id_validator(inst, attribute, item)


_Entity = TypeVar("_Entity", bound=type)


def compare_by_id(cls: _Entity) -> _Entity:
    """Class decorator: instances of ``cls`` are equal when their ``id`` is, and hash by it.

    Entities compare by id (STYLE.md § 3): a participant is the same participant when
    a field of the record changes. Put it above ``@attrs.frozen(eq=False)``.

    Examples:
        >>> @compare_by_id
        ... @attrs.frozen(eq=False)
        ... class Thing:
        ...     id: str
        ...     colour: str
        >>> Thing("t1", "red") == Thing("t1", "blue"), Thing("t1", "red") == Thing("t2", "red")
        (True, False)
        >>> hash(Thing("t1", "red")) == hash(("Thing", "t1"))
        True
    """
    name = cls.__name__

    def equal(self: Any, other: object) -> bool:
        return isinstance(other, cls) and other.id == self.id  # type: ignore[attr-defined]

    def hashed(self: Any) -> int:
        return hash((name, self.id))

    equal.__name__, hashed.__name__ = "__eq__", "__hash__"
    cls.__eq__ = equal  # type: ignore[method-assign,assignment]
    cls.__hash__ = hashed  # type: ignore[method-assign,assignment]
    return cls
