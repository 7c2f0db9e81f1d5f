"""Event layer: the immutable, dated event types of a support pathway (DESIGN.md)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, ClassVar, TypeVar

import attrs

from langzeit._ids import MAX_ID_LENGTH, id_problem
from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "EVENT_TYPES",
    "MAX_ID_LENGTH",
    "ActorReferred",
    "Admitted",
    "AftercareEnded",
    "AftercareStarted",
    "Assessed",
    "CoachAssigned",
    "ConsentGiven",
    "ConsentWithdrawn",
    "Declined",
    "Event",
    "Exited",
    "Extended",
    "FollowUp",
    "ParticipationAgreed",
    "Paused",
    "PhaseEntered",
    "PlanAgreed",
    "PlanStepAchieved",
    "PlanStepAgreed",
    "Referred",
    "Reneged",
    "Resumed",
    "ScaleScored",
    "TandemAssigned",
    "Waitlisted",
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
    """
    if value.__class__ is date:
        return None
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
        >>> from datetime import datetime
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


def _refuse(obj: Any) -> None:
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
        test = "v.__class__ is _date"
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
        "_refuse": _refuse, "_utf8": _utf8, "_items_ok": _items_ok, "_MAX": MAX_ID_LENGTH, "_date": date,
        "_ConsentPurpose": ConsentPurpose, "_ExitReason": ExitReason, "_OutcomeKind": OutcomeKind,
    }
    exec("\n".join(lines), namespace)  # the source is built above from field names and fixed tests
    cls.__attrs_post_init__ = namespace["__attrs_post_init__"]


def _slot_constructor(cls: type[_T], params: Sequence[str]) -> Callable[..., _T]:
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


# Converters that return members unchanged: calling an Enum on its own member costs
# about a microsecond, on the simulator's hot path. Strings still go through the Enum.
def _to_purpose(value: ConsentPurpose | str) -> ConsentPurpose:
    return value if value.__class__ is ConsentPurpose else ConsentPurpose(value)


def _to_reason(value: ExitReason | str) -> ExitReason:
    return value if value.__class__ is ExitReason else ExitReason(value)


def _to_outcome(value: OutcomeKind | str) -> OutcomeKind:
    return value if value.__class__ is OutcomeKind else OutcomeKind(value)


@attrs.frozen
class Event:
    """Base of all events: who, when, and a unique id.

    Every event type has a ``type`` name used in the event log formats
    (JSON Lines, CSV, SQLite). Events are values: two events with the same fields
    are equal.

    Args:
        event_id: unique id of the event (idempotency key of the log).
        participant_id: the participant's pseudonymous id.
        date: the day the event happened on the model clock.

    Examples:
        >>> e = Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor")
        >>> e.type, e.date
        ('referred', datetime.date(2024, 1, 8))
    """

    type: ClassVar[str] = "event"

    event_id: str
    participant_id: str
    date: date

    def __attrs_post_init__(self) -> None:
        """Check every field's type (ids, dates, text, numbers): ValidationError otherwise.

        Replaced for each event type by the generated check of :func:`compile_checks`.
        """
        if field_problems(self):
            _refuse(self)


@attrs.frozen(kw_only=True)
class Referred(Event):
    """Referred to / addressed for a programme (Zusteuerung, Zugang).

    Examples:
        >>> Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor").referrer
        'jobcenter'
    """

    type: ClassVar[str] = "referred"
    programme_id: str = ""
    referrer: str = "jobcenter"


@attrs.frozen(kw_only=True)
class Assessed(Event):
    """An assessment was completed (Potenzialanalyse, profiling, case analysis, screening).

    ``result`` is free text such as ``"suitable"`` or ``"recommendation_only"``.

    Examples:
        >>> Assessed("e2", "p1", date(2024, 1, 20), kind="darius").kind
        'darius'
    """

    type: ClassVar[str] = "assessed"
    kind: str = "potenzialanalyse"
    result: str = ""


@attrs.frozen(kw_only=True)
class ConsentGiven(Event):
    """Consent to data exchange for a purpose with a recipient organisation.

    Examples:
        >>> ConsentGiven("e3", "p1", date(2024, 1, 20), consent_id="k1",
        ...              purpose="data_exchange", recipient="tk-nord").purpose
        <ConsentPurpose.DATA_EXCHANGE: 'data_exchange'>
    """

    type: ClassVar[str] = "consent_given"
    consent_id: str
    purpose: ConsentPurpose = attrs.field(converter=_to_purpose)
    recipient: str


@attrs.frozen(kw_only=True)
class ConsentWithdrawn(Event):
    """A consent was withdrawn; exchange stops from this date on.

    Examples:
        >>> ConsentWithdrawn("e4", "p1", date(2024, 5, 2), consent_id="k1").consent_id
        'k1'
    """

    type: ClassVar[str] = "consent_withdrawn"
    consent_id: str


@attrs.frozen(kw_only=True)
class ParticipationAgreed(Event):
    """The participant agreed to take part in a voluntary programme.

    Examples:
        >>> ParticipationAgreed("e5", "p1", date(2024, 1, 22)).type
        'participation_agreed'
    """

    type: ClassVar[str] = "participation_agreed"


@attrs.frozen(kw_only=True)
class Declined(Event):
    """The participant declined to take part (voluntary take-up); the pathway ends.

    Examples:
        >>> Declined("e5", "p1", date(2024, 1, 22), reason="keine Zeit").reason
        'keine Zeit'
    """

    type: ClassVar[str] = "declined"
    reason: str = ""


@attrs.frozen(kw_only=True)
class Waitlisted(Event):
    """Put on the waiting list (Warteliste); higher ``priority`` is served first.

    Examples:
        >>> Waitlisted("e6", "p1", date(2024, 1, 22), priority=1).priority
        1
    """

    type: ClassVar[str] = "waitlisted"
    priority: int = 0


@attrs.frozen(kw_only=True)
class Reneged(Event):
    """Left the waiting list without being admitted (e.g. after the maximum wait).

    Examples:
        >>> Reneged("e7", "p1", date(2024, 4, 22)).reason
        'max_wait'
    """

    type: ClassVar[str] = "reneged"
    reason: str = "max_wait"


@attrs.frozen(kw_only=True)
class Admitted(Event):
    """Admitted to the programme (takes a place; the entry phase follows).

    Examples:
        >>> Admitted("e8", "p1", date(2024, 2, 1)).type
        'admitted'
    """

    type: ClassVar[str] = "admitted"


@attrs.frozen(kw_only=True)
class PhaseEntered(Event):
    """Entered a phase of the programme's phase model.

    Examples:
        >>> PhaseEntered("e9", "p1", date(2024, 2, 1), phase_id="profiling").phase_id
        'profiling'
    """

    type: ClassVar[str] = "phase_entered"
    phase_id: str


@attrs.frozen(kw_only=True)
class Extended(Event):
    """The stay was extended (Verlängerung) until a new maximum end date.

    Examples:
        >>> Extended("e10", "p1", date(2025, 1, 15), until=date(2025, 7, 31)).until
        datetime.date(2025, 7, 31)
    """

    type: ClassVar[str] = "extended"
    until: date
    reason: str = ""


@attrs.frozen(kw_only=True)
class Paused(Event):
    """Participation paused (illness, care duties…); the place is kept.

    Examples:
        >>> Paused("e11", "p1", date(2024, 6, 1), reason="Krankheit").reason
        'Krankheit'
    """

    type: ClassVar[str] = "paused"
    reason: str = ""


@attrs.frozen(kw_only=True)
class Resumed(Event):
    """Participation resumed after a pause.

    Examples:
        >>> Resumed("e12", "p1", date(2024, 7, 1)).type
        'resumed'
    """

    type: ClassVar[str] = "resumed"


@attrs.frozen(kw_only=True)
class CoachAssigned(Event):
    """A coach takes the case (replaces an earlier single coach or tandem).

    Examples:
        >>> CoachAssigned("e13", "p1", date(2024, 2, 1), coach_id="c1").coach_id
        'c1'
    """

    type: ClassVar[str] = "coach_assigned"
    coach_id: str


@attrs.frozen(kw_only=True)
class TandemAssigned(Event):
    """A coaching tandem takes the case (replaces an earlier coach or tandem).

    Examples:
        >>> TandemAssigned("e14", "p1", date(2024, 2, 1), tandem_id="t1").tandem_id
        't1'
    """

    type: ClassVar[str] = "tandem_assigned"
    tandem_id: str


@attrs.frozen(kw_only=True)
class PlanAgreed(Event):
    """A cooperation plan (§ 15 SGB II) was agreed or reviewed; ``review`` is the next review.

    Examples:
        >>> PlanAgreed("e15", "p1", date(2024, 2, 5), goal="Praktikum",
        ...            review=date(2024, 8, 5)).review
        datetime.date(2024, 8, 5)
    """

    type: ClassVar[str] = "plan_agreed"
    goal: str
    review: date


@attrs.frozen(kw_only=True)
class PlanStepAgreed(Event):
    """A step of the cooperation plan was agreed.

    Examples:
        >>> PlanStepAgreed("e16", "p1", date(2024, 2, 5), step_id="s1",
        ...     description="Termin Schuldnerberatung", responsible="participant",
        ...     due=date(2024, 3, 1)).responsible
        'participant'
    """

    type: ClassVar[str] = "plan_step_agreed"
    step_id: str
    description: str = ""
    responsible: str = "participant"
    due: date | None = None


@attrs.frozen(kw_only=True)
class PlanStepAchieved(Event):
    """A step of the cooperation plan was achieved.

    Examples:
        >>> PlanStepAchieved("e17", "p1", date(2024, 2, 28), step_id="s1").step_id
        's1'
    """

    type: ClassVar[str] = "plan_step_achieved"
    step_id: str


def _to_items(value: object) -> tuple[int | None, ...]:
    if isinstance(value, str) or not isinstance(value, tuple | list):
        raise TypeError(f"items must be a list of integers or nulls, got {value!r}")
    return tuple(value)


@attrs.frozen(kw_only=True)
class ScaleScored(Event):
    """Item answers of an outcome scale (``"swe"`` self-efficacy, ``"who5"`` well-being).

    Missing answers are ``None``; scoring follows DOMAIN.md § 4 in
    ``langzeit.indicators``.

    Examples:
        >>> ScaleScored("e18", "p1", date(2024, 2, 5), scale="who5", items=[3, 2, 4, None, 3]).items
        (3, 2, 4, None, 3)
    """

    type: ClassVar[str] = "scale_scored"
    scale: str
    items: tuple[int | None, ...] = attrs.field(converter=_to_items)


@attrs.frozen(kw_only=True)
class ActorReferred(Event):
    """Referred to an actor of the social space (clinic, club, counselling…).

    Examples:
        >>> ActorReferred("e19", "p1", date(2024, 3, 1), actor_id="sb-1", need="debt").need
        'debt'
    """

    type: ClassVar[str] = "actor_referred"
    actor_id: str
    service_id: str = ""
    need: str = ""


@attrs.frozen(kw_only=True)
class Exited(Event):
    """Left the programme (Austritt, Abbruch, Übergang) with a reason and an outcome.

    Examples:
        >>> e = Exited("e20", "p1", date(2024, 12, 1), reason="work", outcome="svp")
        >>> e.outcome.is_integration
        True
    """

    type: ClassVar[str] = "exited"
    reason: ExitReason = attrs.field(converter=_to_reason)
    outcome: OutcomeKind = attrs.field(default=OutcomeKind.NONE, converter=_to_outcome)


@attrs.frozen(kw_only=True)
class AftercareStarted(Event):
    """Aftercare (Nachbetreuung) after taking up work began.

    Examples:
        >>> AftercareStarted("e21", "p1", date(2024, 12, 1)).type
        'aftercare_started'
    """

    type: ClassVar[str] = "aftercare_started"


@attrs.frozen(kw_only=True)
class AftercareEnded(Event):
    """Aftercare ended.

    Examples:
        >>> AftercareEnded("e22", "p1", date(2025, 6, 1)).type
        'aftercare_ended'
    """

    type: ClassVar[str] = "aftercare_ended"


@attrs.frozen(kw_only=True)
class FollowUp(Event):
    """The participant's status some months after exit (sustainability).

    Args:
        months_after_exit: usually 6 or 12.
        status: the kind of work or situation at follow-up (``none`` for none).
        receives_benefit: still receiving SGB II benefits, if known.

    Examples:
        >>> FollowUp("e23", "p1", date(2025, 6, 1), months_after_exit=6, status="svp").status
        <OutcomeKind.SVP: 'svp'>
    """

    type: ClassVar[str] = "follow_up"
    months_after_exit: int
    status: OutcomeKind = attrs.field(converter=_to_outcome)
    receives_benefit: bool | None = None


#: Every event type by its ``type`` name.
EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        Referred, Assessed, ConsentGiven, ConsentWithdrawn, ParticipationAgreed, Declined,
        Waitlisted, Reneged, Admitted, PhaseEntered, Extended, Paused, Resumed, CoachAssigned,
        TandemAssigned, PlanAgreed, PlanStepAgreed, PlanStepAchieved, ScaleScored,
        ActorReferred, Exited, AftercareStarted, AftercareEnded, FollowUp,
    )
}
_CHECKED: list[type[Any]] = [Event, *EVENT_TYPES.values()]
for _event_cls in _CHECKED:
    compile_checks(_event_cls)
