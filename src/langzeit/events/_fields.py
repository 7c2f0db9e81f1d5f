"""Event layer: the field rules of events and commands — checks, their compiled fast form, slot constructors.

One rule per field type (ids bounded and printable, storable text, dates, integers,
enumeration members, item tuples): :func:`field_problems` lists the readable problems
and :func:`compile_checks` turns the same rules into one generated test per field, so a
valid object pays well under a microsecond. :func:`slot_constructor` builds trusted
values without the checks for the bulk readers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

import attrs

from langzeit._calendar import FIRST_YEAR, LAST_YEAR
from langzeit._ids import MAX_ID_LENGTH, id_problem
from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "ID_FIELDS",
    "compile_checks",
    "date_problem",
    "field_problems",
    "refuse",
    "slot_constructor",
    "text_problem",
]


_T = TypeVar("_T")

#: Fields holding ids: bounded, printable (no control or invisible characters); empty
#: only where the field's default is the empty text (``programme_id`` of a referral).
ID_FIELDS = frozenset({
    "event_id", "participant_id", "programme_id", "consent_id", "phase_id", "coach_id",
    "tandem_id", "step_id", "actor_id", "service_id",
})


def text_problem(value: object) -> str | None:
    """Why ``value`` is not free text that can be stored (UTF-8), or None.

    Examples:
        >>> text_problem("Krankheit") is None, text_problem(3)
        (True, 'expected text, got 3')
    """
    if value.__class__ is not str:
        return f"expected text, got {value!r}"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"text {value!r} holds a lone surrogate (not storable as UTF-8)"
    return None


def date_problem(value: object) -> str | None:
    """Why ``value`` is not a day (a ``datetime.date``, not a ``datetime``), or None.

    Examples:
        >>> from datetime import datetime
        >>> date_problem(date(2024, 1, 8)) is None, date_problem("2024-01-08")
        (True, "expected a datetime.date, got '2024-01-08'")
        >>> date_problem(datetime(2024, 1, 8, 9, 30))
        'expected a datetime.date, got a datetime (2024-01-08 09:30:00): pass .date()'
        >>> date_problem(date(9999, 12, 31))
        'date 9999-12-31 is outside the years 1900–2199 (a placeholder, not a day)'
    """
    if value.__class__ is date:
        if FIRST_YEAR <= value.year <= LAST_YEAR:
            return None
        return f"date {value} is outside the years {FIRST_YEAR}–{LAST_YEAR} (a placeholder, not a day)"
    if isinstance(value, date):
        return f"expected a datetime.date, got a {type(value).__name__} ({value}): pass .date()"
    return f"expected a datetime.date, got {value!r}"


def _int_problem(value: object) -> str | None:
    return None if value.__class__ is int else f"expected a whole number, got {value!r}"


def _bool_problem(value: object) -> str | None:
    return None if value.__class__ is bool else f"expected true or false, got {value!r}"


def _optional(check: Callable[[object], str | None]) -> Callable[[object], str | None]:
    def check_opt(value: object) -> str | None:
        return None if value is None else check(value)

    return check_opt


def _items_problem(value: object) -> str | None:
    if value.__class__ is not tuple:
        return f"expected a list of whole numbers or nulls, got {value!r}"
    bad = [v for v in value if v is not None and v.__class__ is not int]
    return f"expected whole numbers or nulls in items, got {bad[0]!r}" if bad else None


def _member_problem(cls: type[Any]) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if value.__class__ is cls:
            return None
        return f"expected one of {', '.join(m.value for m in cls)}, got {value!r}"

    return check


_CHECKS: dict[str, Callable[[object], str | None]] = {
    "date": date_problem,
    "date | None": _optional(date_problem),
    "int": _int_problem,
    "bool": _bool_problem,
    "bool | None": _optional(_bool_problem),
    "tuple[int | None, ...]": _items_problem,
    "ConsentPurpose": _member_problem(ConsentPurpose),
    "ExitReason": _member_problem(ExitReason),
    "OutcomeKind": _member_problem(OutcomeKind),
}


def _field_checks(cls: type[Any]) -> tuple[tuple[str, Callable[[object], str | None]], ...]:
    """``(field, check)`` for every field of an attrs class, from the field's annotation and name."""
    out = []
    for f in attrs.fields(cls):
        annotation = str(f.type)
        check: Callable[[object], str | None]
        if annotation in ("str", "str | None"):
            check = text_problem
            if f.name in ID_FIELDS:
                check = functools.partial(id_problem, empty=f.default == "")
            if annotation == "str | None":
                check = _optional(check)
        else:
            check = _CHECKS[annotation]
        out.append((f.name, check))
    return tuple(out)


_CHECKS_OF: dict[type[Any], tuple[tuple[str, Callable[[object], str | None]], ...]] = {}


def field_problems(obj: Any) -> list[Problem]:
    """Every field of a command or event whose value is not of its declared type (DESIGN.md boundary).

    Examples:
        >>> from langzeit.events import Referred
        >>> field_problems(Referred.__new__(Referred))[:1]
        [Problem(location='Referred.event_id', message='missing')]
    """
    cls = obj.__class__
    checks = _CHECKS_OF.get(cls)
    if checks is None:
        checks = _CHECKS_OF[cls] = _field_checks(cls)
    problems = []
    for name, check in checks:
        try:
            value = getattr(obj, name)
        except AttributeError:
            problems.append(Problem(f"{cls.__name__}.{name}", "missing"))
            continue
        reason = check(value)
        if reason is not None:
            problems.append(Problem(f"{cls.__name__}.{name}", reason))
    return problems


def refuse(obj: Any) -> None:
    """Raise the ValidationError listing every bad field of ``obj``."""
    cls = obj.__class__
    raise ValidationError(f"invalid {getattr(cls, 'type', None) or cls.__name__}", field_problems(obj))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _items_ok(value: Any) -> bool:
    return value.__class__ is tuple and all(v is None or v.__class__ is int for v in value)


def _fast_test(name: str, annotation: str, default: object) -> str:
    """A Python expression, true when ``v`` is a valid value of the field (the rule of its check)."""
    optional = annotation.endswith(" | None")
    base = annotation.removesuffix(" | None")
    if base == "str" and name in ID_FIELDS:
        length = "len(v)" if default == "" else "0 < len(v)"
        test = f"v.__class__ is str and {length} <= _MAX and v.isprintable()"
    elif base == "str":
        test = "v.__class__ is str and (v.isascii() or _utf8(v))"
    elif base == "date":
        test = "v.__class__ is _date and _FIRST_YEAR <= v.year <= _LAST_YEAR"
    elif base in ("int", "bool"):
        test = f"v.__class__ is {base}"
    elif base == "tuple[int | None, ...]":
        test = "_items_ok(v)"
    else:  # an enumeration
        test = f"v.__class__ is _{base}"
    return f"(v is None or ({test}))" if optional else f"({test})"


def compile_checks(cls: type[Any]) -> None:
    """Give an attrs class an ``__attrs_post_init__`` checking every field's type at C speed.

    One generated boolean test per field (the rules of :func:`field_problems`); only a
    failing object pays for the readable problems. Construction then costs well under a
    microsecond more (measured in ``benchmarks/engine.py``).

    Raises:
        ValidationError: from the constructor: one problem per bad field.
    """
    lines = ["def __attrs_post_init__(self):"]
    for f in attrs.fields(cls):
        test = _fast_test(f.name, str(f.type), f.default)
        lines += [f"    v = self.{f.name}", f"    if not {test}:", "        _refuse(self)"]
    namespace: dict[str, Any] = {
        "_refuse": refuse, "_utf8": _utf8, "_items_ok": _items_ok, "_MAX": MAX_ID_LENGTH, "_date": date,
        "_FIRST_YEAR": FIRST_YEAR, "_LAST_YEAR": LAST_YEAR,
        "_ConsentPurpose": ConsentPurpose, "_ExitReason": ExitReason, "_OutcomeKind": OutcomeKind,
    }
    exec("\n".join(lines), namespace)  # the source is built above from field names and fixed tests
    cls.__attrs_post_init__ = namespace["__attrs_post_init__"]


def slot_constructor(cls: type[_T], params: Sequence[str]) -> Callable[..., _T]:
    """A fast positional constructor of a frozen, slotted attrs class for trusted bulk readers.

    The returned function takes every field, in the order of ``params``, and sets the
    slots directly: no converters run, so the values must already be what the
    converters return (enumeration members, tuples). Measured (``benchmarks/event_store.py``)
    about twice as fast as the attrs ``__init__``; the instance is equal to one built
    by ``cls(...)`` from the same values. The class's ``__attrs_post_init__`` check
    (:func:`check_fields`) is skipped too: only for values that passed the same checks
    (the codec's parsers).

    Raises:
        TypeError: ``params`` is not a permutation of the fields, a field is not a slot, or
            a field has an attrs validator, which this constructor would skip.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]  # cls is an attrs class
    names = [f.name for f in fields]
    if sorted(names) != sorted(params):
        raise TypeError(f"{cls.__name__}: params must name every field once, got {params}")
    if any(f.validator is not None for f in fields):
        raise TypeError(f"{cls.__name__} validates its values: build it with its own constructor")
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls}
    lines = [f"def make({', '.join(params)}):", "    self = _new(_cls)"]
    for i, name in enumerate(params):
        slot = getattr(cls, name)
        if type(slot).__name__ != "member_descriptor":
            raise TypeError(f"{cls.__name__}.{name} is not a slot")
        namespace[f"_set{i}"] = slot.__set__
        lines.append(f"    _set{i}(self, {name})")
    lines.append("    return self")
    exec("\n".join(lines), namespace)  # the source is built above from field names only
    make: Callable[..., _T] = namespace["make"]
    return make
