"""Cross-cutting: the exception tree of langzeit (STYLE.md § 5).

Every error the library raises on purpose derives from :class:`LangzeitError` and
mixes in the builtin that fits (``ValueError`` for bad values, ``TypeError`` for values
of the wrong type, ``KeyError`` — a ``LookupError`` — for unknown names and keys), so
callers may catch either. Every error a caller can cause is in this tree; a bare builtin
error from langzeit is a bug in langzeit (``tests/test_errors.py`` checks the source).
Errors about many records at once carry **all** problems, never only the first.

The tree::

    LangzeitError
    ├── ValidationError (ValueError)            every problem of an object or file
    │   ├── DataFormatError                     problems with file and line
    │   └── WrongTypeError (TypeError)          a value of the wrong type
    ├── TransitionRefused                       all failed guards with reasons
    │   ├── CapacityExceeded                    no place / caseload left
    │   └── ConsentRequired                     no consent covers the data flow
    ├── ConcurrencyConflict                     stale expected version on append
    ├── UnknownNameError (KeyError)             unknown programme, scenario, id, key
    ├── ParticipantErased (LookupError)         the participant's key was erased
    ├── NotAvailableError                       a figure whose data do not reach
    ├── LimitExceeded (ValueError)              a run or input beyond a documented bound
    └── WorkerLost (RuntimeError)               a worker died; no partial result

Examples:
    >>> from langzeit.exceptions import ValidationError, Problem
    >>> err = ValidationError("bad model", [Problem("phase 'b'", "unreachable")])
    >>> print(err)
    bad model (1 problem)
      - phase 'b': unreachable
    >>> isinstance(err, ValueError)
    True
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

__all__ = [
    "CapacityExceeded",
    "ConcurrencyConflict",
    "ConsentRequired",
    "DataFormatError",
    "GuardFailure",
    "LangzeitError",
    "LimitExceeded",
    "NotAvailableError",
    "ParticipantErased",
    "Problem",
    "RowProblem",
    "TransitionRefused",
    "UnknownNameError",
    "UnreadableFileError",
    "ValidationError",
    "WorkerLost",
    "WrongTypeError",
]


class LangzeitError(Exception):
    """Base of every error langzeit raises on purpose.

    Examples:
        >>> issubclass(ValidationError, LangzeitError)
        True
    """


@attrs.frozen
class Problem:
    """One problem found while validating: where it is and what is wrong.

    Args:
        location: where the problem is, e.g. ``"phase 'intake'"`` or ``"referrals.rate"``.
        message: what is wrong, readable by a caseworker.

    Examples:
        >>> str(Problem("transition a -> b", "unknown phase 'b'"))
        "transition a -> b: unknown phase 'b'"
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@attrs.frozen
class RowProblem:
    """A bad line or row of an input file: file, line number (1-based) and reason.

    Args:
        file: the file's name or path (``"<memory>"`` for in-memory input).
        line: the 1-based line number in the file.
        reason: why the line was rejected.
        text: the raw line, kept so that nothing is lost.

    Examples:
        >>> str(RowProblem("events.jsonl", 3, "unknown event type 'x'"))
        "events.jsonl:3: unknown event type 'x'"
    """

    file: str
    line: int
    reason: str
    text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class ValidationError(LangzeitError, ValueError):
    """An object or file is invalid; ``problems`` lists every problem found.

    Args:
        message: a one-line summary.
        problems: every problem found (never only the first).

    Examples:
        >>> e = ValidationError("scenario invalid", [Problem("a", "x"), Problem("b", "y")])
        >>> len(e.problems)
        2
    """

    def __init__(self, message: str, problems: Iterable[Problem | RowProblem] = ()) -> None:
        self.message = message
        self.problems: tuple[Problem | RowProblem, ...] = tuple(problems)
        super().__init__(message)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [f"{self.message} ({_plural(len(self.problems), 'problem')})"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class WrongTypeError(ValidationError, TypeError):
    """A value given to langzeit has the wrong type; a ``ValidationError`` and a ``TypeError``.

    Examples:
        >>> e = WrongTypeError("members must be a sequence of coaches or tandem members")
        >>> isinstance(e, TypeError), isinstance(e, ValueError)
        (True, True)
    """


class DataFormatError(ValidationError):
    """An input file has bad rows; each problem names file, line and reason.

    ``rejected`` holds the :class:`RowProblem` records (the same as ``problems``),
    including the raw text of each line so that nothing is lost.

    Examples:
        >>> e = DataFormatError("spells.csv", [RowProblem("spells.csv", 2, "end before start")])
        >>> print(e)
        spells.csv (1 problem)
          - spells.csv:2: end before start
    """

    def __init__(self, message: str, problems: Iterable[RowProblem] = ()) -> None:
        rows = tuple(problems)
        super().__init__(message, rows)
        self.rejected: tuple[RowProblem, ...] = rows


class UnreadableFileError(DataFormatError):
    """An input file cannot be read at all: missing, a directory, binary, UTF-16, wrongly encoded.

    Its message is one sentence naming the file, what is wrong and what to do; the CLI
    prints it and exits with status 2.

    Args:
        file: the file.
        reason: what is wrong (e.g. ``"is UTF-16 text"``).
        hint: what to do (e.g. ``"save it as UTF-8"``).

    Examples:
        >>> e = UnreadableFileError("x.csv", "is UTF-16 text", "save it as UTF-8")
        >>> print(e)
        x.csv: is UTF-16 text; save it as UTF-8
        >>> isinstance(e, DataFormatError), e.file
        (True, 'x.csv')
    """

    def __init__(self, file: str, reason: str, hint: str = "") -> None:
        self.file, self.reason, self.hint = file, reason, hint
        super().__init__(f"{file}: {reason}" + (f"; {hint}" if hint else ""))


@attrs.frozen
class GuardFailure:
    """A guard that refused a transition, with its readable reason.

    Args:
        guard: the guard's name, e.g. ``"consent"`` or ``"capacity"``.
        reason: why it refused, e.g. ``"no consent for data exchange with Tagesklinik Nord"``.

    Examples:
        >>> str(GuardFailure("consent", "no consent for data exchange with Tagesklinik Nord"))
        'consent: no consent for data exchange with Tagesklinik Nord'
    """

    guard: str
    reason: str

    def __str__(self) -> str:
        return f"{self.guard}: {self.reason}"


class TransitionRefused(LangzeitError):
    """A command was refused; ``failures`` carries **every** failed guard.

    Args:
        command: a short description of the refused command.
        failures: each failed guard with its reason.

    Examples:
        >>> e = TransitionRefused("enter phase 'II'", [GuardFailure("edge", "no edge I -> II")])
        >>> print(e)
        enter phase 'II' refused:
          - edge: no edge I -> II
        >>> e.reasons
        ('no edge I -> II',)
    """

    def __init__(self, command: str, failures: Iterable[GuardFailure]) -> None:
        self.command = command
        self.failures: tuple[GuardFailure, ...] = tuple(failures)
        super().__init__(command)

    @property
    def reasons(self) -> tuple[str, ...]:
        """The readable reasons of all failed guards."""
        return tuple(f.reason for f in self.failures)

    def __str__(self) -> str:
        return "\n".join([f"{self.command} refused:"] + [f"  - {f}" for f in self.failures])


class CapacityExceeded(TransitionRefused):
    """A command was refused because no place or caseload is free.

    Examples:
        >>> e = CapacityExceeded("admit p1", [GuardFailure("capacity", "all 12 places taken")])
        >>> isinstance(e, TransitionRefused)
        True
    """


class ConsentRequired(TransitionRefused):
    """A command was refused only because no consent covers its flow of social data.

    Raised by the engine when every failed guard is ``consent`` (a referral to an
    actor, a phase that exchanges data with an organisation): the participant has
    not consented for that purpose and recipient on that date, or withdrew
    (DOMAIN.md § 6, § 67b SGB X). A service answers it with 403, not 409: recording
    the consent, not retrying, resolves it.

    Examples:
        >>> e = ConsentRequired("refer p1 to an actor", [GuardFailure("consent", "no consent for sb-1")])
        >>> isinstance(e, TransitionRefused), e.reasons
        (True, ('no consent for sb-1',))
    """


class ConcurrencyConflict(LangzeitError):
    """An append expected a stream at one version but found another; nothing was written.

    The stream is a participant's (``kind="participant"``) or a whole programme's
    (``kind="programme"``: another writer changed its places, caseloads or waiting list).

    Args:
        participant_id: whose stream was stale (the programme id for a programme).
        expected: the version the writer expected.
        actual: the version found in the store.
        kind: ``"participant"`` or ``"programme"``.

    Examples:
        >>> print(ConcurrencyConflict("p1", expected=3, actual=4))
        participant 'p1': expected version 3, store has 4; nothing was written
        >>> print(ConcurrencyConflict("geh-vor", 10, 12, kind="programme"))
        programme 'geh-vor': expected version 10, store has 12; nothing was written
    """

    def __init__(self, participant_id: str, expected: int, actual: int, *, kind: str = "participant") -> None:
        self.participant_id = participant_id
        self.expected = expected
        self.actual = actual
        self.kind = kind
        super().__init__(participant_id, expected, actual)

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.participant_id!r}: expected version {self.expected}, "
            f"store has {self.actual}; nothing was written"
        )


class UnknownNameError(LangzeitError, KeyError):
    """A name or id is not known (programme, scenario, phase, participant, row key…).

    A ``KeyError`` (and so a ``LookupError``): lookups by key raise it where a mapping
    would raise ``KeyError``.

    Args:
        kind: what kind of thing was looked up, e.g. ``"programme"``.
        name: the name that was not found.
        known: the names that do exist, listed in the message.

    Examples:
        >>> print(UnknownNameError("programme", "foo", ["geh-vor", "pan"]))
        unknown programme 'foo'; known: geh-vor, pan
    """

    def __init__(self, kind: str, name: str, known: Iterable[Any] = ()) -> None:
        self.kind = kind
        self.name = name
        self.known = tuple(str(k) for k in known)
        super().__init__(kind, name)

    def __str__(self) -> str:
        text = f"unknown {self.kind} {self.name!r}"
        return f"{text}; known: {', '.join(self.known)}" if self.known else text


class ParticipantErased(LangzeitError, LookupError):
    """The participant was erased (crypto-shredding): nothing new is stored about them.

    Args:
        participant_id: the erased participant.

    Examples:
        >>> print(ParticipantErased("p1"))
        participant 'p1' was erased (crypto-shredding); nothing new is stored about them
    """

    def __init__(self, participant_id: str) -> None:
        self.participant_id = participant_id
        super().__init__(participant_id)

    def __str__(self) -> str:
        return (f"participant {self.participant_id!r} was erased (crypto-shredding); "
                "nothing new is stored about them")


class NotAvailableError(LangzeitError):
    """A figure was asked for whose data do not reach far enough (never a guess).

    Examples:
        >>> raise NotAvailableError("K2E3 for 2024-06 needs data up to 2024-12-31")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.NotAvailableError: K2E3 for 2024-06 needs data up to 2024-12-31
    """


class LimitExceeded(LangzeitError, ValueError):
    """A run or an input is beyond a documented bound; the message says how to raise it.

    The bound protects against typos that would take hours and gigabytes (e.g. a
    referral rate of 100,000 a month); a deliberate large run raises the bound
    explicitly (``simulate(..., max_events=N)``, ``langzeit simulate --max-events N``).

    Examples:
        >>> e = LimitExceeded("about 2,400,000 referrals per replication, more than the bound")
        >>> isinstance(e, ValueError), str(e)
        (True, 'about 2,400,000 referrals per replication, more than the bound')
    """


class WorkerLost(LangzeitError, RuntimeError):
    """A worker process or cluster worker died before finishing a task; the run returned nothing.

    Raised by runs on an executor (``simulate(..., executor=...)``,
    :func:`~langzeit.indicators.kennzahlen_partitioned`): results are combined only when
    every task finished, so a lost worker never yields a silently partial result.

    Examples:
        >>> isinstance(WorkerLost("replication 3: a worker stopped"), RuntimeError)
        True
    """
