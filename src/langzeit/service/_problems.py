"""Service layer: errors as RFC 9457 problem details (``application/problem+json``).

Every error response of the service is a problem-details object: ``type`` (a URI of
this service, ``/problems/<name>``, that describes the problem when fetched),
``title``, ``status``, ``detail`` and ``instance`` (the request's path), plus the
members a client acts on: ``reasons`` (the engine's failed guards, each
``{"guard", "reason"}``), ``errors`` (each bad field ``{"location", "message"}``).
:data:`PROBLEM_TYPES` lists every type with its status; the exceptions of the library
map onto them in :func:`problem_of` (docs/guides/service.md, "Problem details").
"""

from __future__ import annotations

from typing import Any

import attrs

from langzeit.exceptions import (
    CapacityExceeded,
    ConcurrencyConflict,
    ConsentRequired,
    LangzeitError,
    LimitExceeded,
    NotAvailableError,
    ParticipantErased,
    TransitionRefused,
    UnknownNameError,
    ValidationError,
)
from langzeit.service._group import GroupClosed

__all__ = ["PROBLEM_MEDIA_TYPE", "PROBLEM_TYPES", "ProblemType", "ServiceProblem", "problem_of"]

#: The media type of every error response (RFC 9457 § 3).
PROBLEM_MEDIA_TYPE = "application/problem+json"


@attrs.frozen
class ProblemType:
    """One kind of problem the service reports: its name (the end of ``type``), status, title, meaning.

    Examples:
        >>> PROBLEM_TYPES["transition-refused"].status
        409
    """

    name: str
    status: int
    title: str
    description: str


#: Every problem type by name (the ``type`` URI ends in ``/problems/<name>``).
PROBLEM_TYPES: dict[str, ProblemType] = {t.name: t for t in (
    ProblemType("unauthenticated", 401, "Authentication required",
                "No bearer token, or one that is not configured (the header WWW-Authenticate says so)."),
    ProblemType("forbidden", 403, "Not allowed for this token",
                "The token's role or programmes do not cover this endpoint or programme."),
    ProblemType("purpose-required", 400, "Purpose of the read required",
                "Reads of personal data need the header Langzeit-Purpose (or the query parameter "
                "purpose): why the data are read, as written to the access log."),
    ProblemType("bad-request", 400, "Malformed request",
                "The body is not JSON, or a query parameter is malformed; `errors` lists each."),
    ProblemType("invalid-command", 422, "Invalid command",
                "The command record does not follow the command schema; `errors` lists every field."),
    ProblemType("transition-refused", 409, "Command refused by the pathway engine",
                "One or more guards failed; `reasons` lists every failed guard. Nothing was written."),
    ProblemType("capacity-exceeded", 409, "No place or caseload free",
                "Only places or caseload are missing; `reasons` says which. Nothing was written."),
    ProblemType("consent-required", 403, "No consent covers this flow of data",
                "The participant has not consented (or withdrew) for the purpose and recipient on that "
                "date (DOMAIN.md § 6, § 67b SGB X); record the consent first. Nothing was written."),
    ProblemType("concurrency-conflict", 409, "Concurrent change",
                "Other writers changed the participant or the programme while the command ran, again "
                "and again; nothing was written. Retry the command."),
    ProblemType("participant-erased", 410, "Participant erased",
                "The participant was erased (crypto-shredding): nothing new is stored about them."),
    ProblemType("not-found", 404, "Not found",
                "No such programme, participant or resource."),
    ProblemType("method-not-allowed", 405, "Method not allowed",
                "The path exists but does not take this method (the header Allow lists those it takes)."),
    ProblemType("not-available", 404, "Not available",
                "The figure needs data this service was not configured with, or that do not reach."),
    ProblemType("limit-exceeded", 422, "Beyond a documented limit",
                "The request asks for more than the documented bound."),
    ProblemType("not-ready", 503, "Not ready",
                "The store or the access log cannot be reached; try again later."),
    ProblemType("internal", 500, "Internal error",
                "A bug: the service logged it. Nothing of a refused command was written."),
)}


class ServiceProblem(LangzeitError):
    """A problem the service answers with, before or beside the engine's own errors.

    Args:
        name: the key of :data:`PROBLEM_TYPES`.
        detail: what went wrong with this request, readable by its sender.
        extra: further members of the problem object (e.g. ``errors``).
        headers: response headers (e.g. ``WWW-Authenticate``).

    Examples:
        >>> p = ServiceProblem("not-found", "no participant 'p9' in programme 'pan'")
        >>> p.status, str(p)
        (404, "no participant 'p9' in programme 'pan'")
    """

    def __init__(self, name: str, detail: str, *, extra: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.kind = PROBLEM_TYPES[name]
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})
        super().__init__(detail)

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.kind.status

    def body(self, base: str, instance: str) -> dict[str, Any]:
        """The problem-details object; ``base`` is the service's root URL (ends in ``/``)."""
        return {"type": f"{base}problems/{self.kind.name}", "title": self.kind.title,
                "status": self.kind.status, "detail": self.detail, "instance": instance, **self.extra}


#: The engine's refusals (most specific first): their first line is the detail, every failed guard a reason.
_REFUSALS: tuple[tuple[type[TransitionRefused], str], ...] = (
    (ConsentRequired, "consent-required"),
    (CapacityExceeded, "capacity-exceeded"),
    (TransitionRefused, "transition-refused"),
)
#: Other errors a request can cause, answered with their message as the detail.
_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (ConcurrencyConflict, "concurrency-conflict"),
    (ParticipantErased, "participant-erased"),
    (UnknownNameError, "not-found"),
    (NotAvailableError, "not-available"),
    (LimitExceeded, "limit-exceeded"),
    (GroupClosed, "not-ready"),  # a command or an access record arriving while the service closes
)


def _failures(exc: TransitionRefused) -> list[dict[str, str]]:
    return [{"guard": f.guard, "reason": f.reason} for f in exc.failures]


def problem_of(exc: BaseException) -> ServiceProblem:
    """The problem that answers an exception raised while serving a request.

    Args:
        exc: the exception.

    Returns:
        The problem (``internal`` for anything that is not a langzeit error).

    Examples:
        >>> from langzeit.exceptions import GuardFailure
        >>> p = problem_of(ConsentRequired("refer_to_actor 'p1'", [GuardFailure("consent", "no consent")]))
        >>> p.status, p.extra["reasons"]
        (403, [{'guard': 'consent', 'reason': 'no consent'}])
    """
    if isinstance(exc, ServiceProblem):
        return exc
    if isinstance(exc, ValidationError):
        return ServiceProblem("invalid-command", exc.message,
                              extra={"errors": [{"location": getattr(p, "location", ""),
                                                 "message": getattr(p, "message", str(p))}
                                                for p in exc.problems]})
    for kind, name in _REFUSALS:
        if isinstance(exc, kind):
            return ServiceProblem(name, str(exc).splitlines()[0], extra={"reasons": _failures(exc)})
    for other, name in _ERRORS:
        if isinstance(exc, other):
            return ServiceProblem(name, str(exc))
    return ServiceProblem("internal", f"{type(exc).__name__}: the service logged it")
