"""Service layer: the ASGI application (Starlette) — endpoints, roles, purposes and the access log.

Starlette rather than FastAPI: the requests are already validated by the engine's own
boundary (:func:`~langzeit.engine.command_from_dict`, the same rules as the JSON
Schemas of ``langzeit schema``), and the OpenAPI document is built from those schemas
(:mod:`._openapi`); FastAPI would add pydantic and a second model of every command for
nothing. Starlette needs only anyio; uvicorn serves it.

Each endpoint names the roles allowed; a caseworker's token is further limited to its
programmes. Reads of personal data need a purpose (header ``Langzeit-Purpose`` or
query parameter ``purpose``) and are written to the access log before the answer is
sent. Engine calls run in Starlette's thread pool (the engine serialises its calls), except
commands and the access log's writes: a request hands them to a committer thread
(:class:`._group.GroupCommit`) and awaits its answer in the event loop, holding no thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import logging
import os
import re
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import attrs
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from langzeit.engine import command_from_dict
from langzeit.events import event_to_record, replay
from langzeit.exceptions import ValidationError
from langzeit.indicators import EventColumns, kennzahlen, suppress
from langzeit.report import build_programme_report
from langzeit.service._config import Role, ServiceConfig, TokenEntry
from langzeit.service._openapi import openapi_document
from langzeit.service._problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES, ServiceProblem, problem_of
from langzeit.service._service import Service

__all__ = ["CONFIG_VARIABLE", "PURPOSE_HEADER", "app_from_environment", "create_app"]

_log = logging.getLogger("langzeit.service")

#: The header (or query parameter ``purpose``) stating why personal data are read.
PURPOSE_HEADER = "Langzeit-Purpose"
_PURPOSE = re.compile(r"^[^\x00-\x1f\x7f]{3,200}$")
#: The most events one feed request returns.
FEED_LIMIT = 1000

_ALL = frozenset(Role)
_CASEWORK = frozenset({Role.CASEWORKER, Role.ADMINISTRATOR})
_AGGREGATES = frozenset({Role.ANALYST, Role.ADMINISTRATOR})
_ADMIN = frozenset({Role.ADMINISTRATOR})


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value)
    if hasattr(value, "value"):  # enumerations
        return value.value
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default, allow_nan=False).encode("utf-8")


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return _dumps(content)


def _problem_response(problem: ServiceProblem, request: Request) -> Response:
    body = problem.body(str(request.base_url), request.url.path)
    return Response(_dumps(body), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE,
                    headers=problem.headers)


@attrs.frozen
class _Call:
    """What a handler gets: the service, the request, its token, its parsed body and purpose."""

    service: Service
    request: Request
    who: TokenEntry
    body: Any
    purpose: str | None

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def participant(self) -> tuple[str, str]:
        """The path's programme and participant, checked: the token may use it, the store has them in it.

        The store's record of the participant's programme (their first referral's, the rule
        the engines keep too), not the engine: a read then waits for no command's commit.
        """
        programme, pid = self.param("programme"), self.param("participant")
        self.service.engine(self.who, programme, refresh=False)
        if self.service.backend.programme_of(pid) != programme:
            raise ServiceProblem("not-found", f"no participant {pid!r} in programme {programme!r}")
        return programme, pid

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def date(self, name: str) -> dt.date | None:
        text = self.query(name)
        if text is None or text == "":
            return None
        try:
            return dt.date.fromisoformat(text) if len(text) == 10 else _bad_date(name, text)
        except ValueError:
            return _bad_date(name, text)

    def integer(self, name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
        text = self.query(name)
        if text is None or text == "":
            return default
        if not text.isdigit() or int(text) < minimum or (maximum is not None and int(text) > maximum):
            bound = f"{minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
            raise ServiceProblem("bad-request",
                                 f"query parameter {name}: a whole number {bound}, got {text!r}",
                                 extra={"errors": [{"location": name, "message": f"a whole number {bound}"}]})
        return int(text)

    def log(self, participants: Iterable[str | None], *, programme_id: str | None) -> None:
        """Write the access-log records of this read (before the answer is sent)."""
        assert self.purpose is not None
        self.service.log_access(self.who, self._action(), self.purpose, programme_id=programme_id,
                                participants=list(participants))

    async def log_async(self, participants: Iterable[str | None], *, programme_id: str | None) -> None:
        """:meth:`log` from a coroutine: awaits the records' commit without holding a thread."""
        assert self.purpose is not None
        await self.service.log_access_async(self.who, self._action(), self.purpose,
                                            programme_id=programme_id, participants=list(participants))

    def _action(self) -> str:
        route = self.request.scope.get("route")
        return f"{self.request.method} {getattr(route, 'path', self.request.url.path)}"


def _bad_date(name: str, text: str) -> dt.date:
    raise ServiceProblem("bad-request", f"query parameter {name}: a date YYYY-MM-DD, got {text!r}",
                         extra={"errors": [{"location": name, "message": "a date YYYY-MM-DD"}]})


Handler = Callable[[_Call], Any]  # a function (run in the thread pool) or a coroutine function


def _endpoint(roles: frozenset[Role], *, personal: bool = False, status: int = 200,
              ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Wrap a handler: authenticate, check the role, require a purpose, run it.

    A plain function runs in the thread pool; a coroutine function (one that only awaits
    the committer threads, :class:`._group.GroupCommit`, or the pool for its blocking
    parts) runs in the event loop itself.
    """
    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            service: Service = request.app.state.service
            try:
                who = service.authenticate(request.headers.get("authorization"))
                if who.role not in roles:
                    allowed = ", ".join(sorted(r.value for r in roles))
                    raise ServiceProblem("forbidden", f"role {who.role.value} may not use this endpoint "
                                                      f"(allowed: {allowed})")
                purpose = None
                if personal:
                    header = request.headers.get(PURPOSE_HEADER)
                    # a header is ASCII: other characters come percent-encoded UTF-8 (Pr%C3%BCfung)
                    purpose = (urllib.parse.unquote(header, errors="strict") if header is not None
                               else request.query_params.get("purpose") or "").strip()
                    if not _PURPOSE.match(purpose):
                        raise ServiceProblem("purpose-required", "this endpoint discloses personal data: "
                                             f"state why in the header {PURPOSE_HEADER} (3 to 200 "
                                             "characters)")
                body = None
                raw = await request.body() if request.method == "POST" else b""
                if raw.strip():
                    try:
                        body = json.loads(raw)
                    except (ValueError, RecursionError) as exc:
                        raise ServiceProblem("bad-request", f"the body is not JSON: {exc}") from None
                call = _Call(service, request, who, body, purpose)
                result = (await handler(call) if inspect.iscoroutinefunction(handler)
                          else await run_in_threadpool(handler, call))
            except UnicodeDecodeError:
                return _problem_response(ServiceProblem(
                    "purpose-required", f"{PURPOSE_HEADER}: percent-encode UTF-8 text (e.g. Pr%C3%BCfung)"),
                    request)
            except Exception as exc:
                problem = problem_of(exc)
                if problem.kind.name == "internal":
                    _log.exception("langzeit service: %s %s failed", request.method, request.url.path)
                return _problem_response(problem, request)
            return result if isinstance(result, Response) else _Json(result, status_code=status)
        endpoint.__doc__ = handler.__doc__
        return endpoint
    return wrap


# -- casework ---------------------------------------------------------------------------------

@_endpoint(_CASEWORK, status=201)
async def _command(call: _Call) -> Any:
    """Execute a command record; 201 with the events written."""
    # no refresh here (no I/O in the loop): the group that executes the command catches the engine up
    engine = call.service.engine(call.who, call.param("programme"), refresh=False)
    command = command_from_dict(call.body)
    events = await call.service.execute(engine, command)
    return {"command": command.to_dict(), "events": [event_to_record(e) for e in events]}


def _read_state(call: _Call) -> tuple[str, str, Any]:
    """The path's programme, participant and their state (blocking reads of the store)."""
    programme, pid = call.participant()
    # replayed from the store, never the engine's memory: an erasure in any worker shows at once
    state = replay(call.service.store.events(participant_id=pid), as_of=call.date("as_of")).get(pid)
    if state is None:
        raise ServiceProblem("not-found", f"participant {pid!r} has no events up to {call.query('as_of')}")
    return programme, pid, state


@_endpoint(_CASEWORK, personal=True)
async def _state(call: _Call) -> Any:
    """One participant's state, now or as of a date."""
    if call.service.reads_never_wait:  # a plain SQLite file: no hop to a thread for a few rows
        programme, pid, state = _read_state(call)
    else:
        programme, pid, state = await run_in_threadpool(_read_state, call)
    await call.log_async([pid], programme_id=programme)
    return attrs.asdict(state, recurse=True, value_serializer=lambda _i, _a, v: _plain(v))


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    return value


@_endpoint(_CASEWORK, personal=True)
def _due(call: _Call) -> Any:
    """The deadlines due as of a date (default: the engine's clock), within an optional period."""
    programme = call.param("programme")
    engine = call.service.engine(call.who, programme)
    as_of = call.date("as_of") or engine.clock
    if as_of is None:
        call.log([], programme_id=programme)
        return {"as_of": None, "items": []}
    within = call.query("within")
    due = engine.due(as_of, within=within or None)
    call.log([d.participant_id for d in due], programme_id=programme)
    return {"as_of": as_of, "items": due.rows()}


@_endpoint(_CASEWORK)
def _occupancy(call: _Call) -> Any:
    """Places taken, per programme and phase, now or as of a date (no personal data)."""
    occupancy = call.service.engine(call.who, call.param("programme")).occupancy(as_of=call.date("as_of"))
    return {"as_of": occupancy.as_of, "occupied": occupancy.occupied, "capacity": occupancy.capacity,
            "free": occupancy.free, "waiting": occupancy.waiting, "phases": occupancy.rows()}


@_endpoint(_CASEWORK, personal=True)
def _waiting_list(call: _Call) -> Any:
    """The waiting list in serving order, now or as of a date."""
    programme = call.param("programme")
    waiting = call.service.engine(call.who, programme).waiting_list(as_of=call.date("as_of"))
    call.log(waiting.participant_ids, programme_id=programme)
    return {"as_of": waiting.as_of, "entries": [attrs.asdict(e) for e in waiting.entries]}


@_endpoint(_CASEWORK, personal=True)
def _feed(call: _Call) -> Any:
    """The events after a feed position; a caseworker's only of one of its programmes."""
    since = call.integer("since", 0)
    limit = call.integer("limit", 100, minimum=1, maximum=FEED_LIMIT)
    programme = call.query("programme")
    if programme is None and call.who.role is Role.CASEWORKER:
        raise ServiceProblem("forbidden", "a caseworker reads the feed of one of its programmes: "
                                          "add ?programme=ID")
    engine = call.service.engine(call.who, programme) if programme is not None else None
    stored = call.service.store.events_since(since, limit)
    kept = stored if engine is None else [s for s in stored if s.event.participant_id in engine]
    call.log([s.event.participant_id for s in kept], programme_id=programme)
    return {"since": since, "next": stored[-1].position if stored else since,
            "events": [{"position": s.position, "version": s.version, "event": event_to_record(s.event)}
                       for s in kept]}


@_endpoint(_ADMIN, personal=True)
def _erase(call: _Call) -> Any:
    """Erase a participant (crypto-shredding): their personal fields become unreadable for ever."""
    programme, pid = call.participant()
    call.log([pid], programme_id=programme)  # who erased whom, and why
    return {"participant_id": pid, "erased": call.service.erase(pid)}


# -- aggregates ---------------------------------------------------------------------------------

@_endpoint(_AGGREGATES)
def _report(call: _Call) -> Any:
    """The programme report with confidentiality applied (at least the configured min_n)."""
    programme = call.param("programme")
    engine = call.service.engine(call.who, programme)
    config: ServiceConfig = call.service.config
    min_n = max(config.min_n, call.integer("min_n", config.min_n, minimum=1))
    # the backend directly: every field a report counts is clear, even in a sealed log
    events = (e for e in call.service.backend.iter_events() if e.participant_id in engine)
    data_end = call.date("data_end")
    report = build_programme_report(EventColumns.from_events(events), data_end=data_end, min_n=min_n,
                                    round_to=config.round_to)
    return {"programme_id": programme, **report.to_dict()}


_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")


@_endpoint(_AGGREGATES)
def _kennzahlen(call: _Call) -> Any:
    """§ 48a Kennzahlen of the configured spells for the months asked, suppressed."""
    months = call.request.query_params.getlist("month")
    bad = [m for m in months if not _MONTH.match(m)]
    if not months or bad:
        raise ServiceProblem("bad-request", "query parameter month: one or more months YYYY-MM"
                             + (f", got {bad[0]!r}" if bad else ""),
                             extra={"errors": [{"location": "month", "message": "YYYY-MM"}]})
    config: ServiceConfig = call.service.config
    min_n = max(config.min_n, call.integer("min_n", config.min_n, minimum=1))
    jobcenters = call.request.query_params.getlist("jobcenter") or None
    result = kennzahlen(call.service.spells(), [dt.date(int(m[:4]), int(m[5:]), 1) for m in months],
                        jobcenters=jobcenters)
    rows = suppress(result, min_n=min_n, round_to=config.round_to).rows()
    for row in rows:
        row["month"] = row["month"].strftime("%Y-%m")
    return {"min_n": min_n, "round_to": config.round_to, "rows": rows}


# -- administration -------------------------------------------------------------------------------

@_endpoint(_ALL)
def _programmes(call: _Call) -> Any:
    """The programmes served (a caseworker sees its own)."""
    return {"programmes": [{"id": pid, "name": engine.programme.name}
                           for pid, engine in sorted(call.service.engines.items()) if call.who.may_use(pid)]}


@_endpoint(_ADMIN, personal=True)
def _access_log(call: _Call) -> Any:
    """The access log after a record number (this read is logged too)."""
    since = call.integer("since", 0)
    limit = call.integer("limit", 100, minimum=1, maximum=FEED_LIMIT)
    records = call.service.access_log.records(since=since, limit=limit,
                                              participant_id=call.query("participant_id"))
    call.log([r.participant_id for r in records if r.participant_id], programme_id=None)
    return {"since": since, "records": [r.to_dict() for r in records]}


# -- open endpoints ---------------------------------------------------------------------------------

async def _health(request: Request) -> Response:
    """Liveness: the process answers."""
    return _Json({"status": "ok"})


async def _ready(request: Request) -> Response:
    """Readiness: the store and the access log answer."""
    service: Service = request.app.state.service
    if await run_in_threadpool(service.ready):
        return _Json({"status": "ready", "programmes": sorted(service.engines)})
    return _problem_response(ServiceProblem("not-ready", "the event store or the access log does not answer"),
                             request)


async def _openapi(request: Request) -> Response:
    """The OpenAPI 3.1 document of this service."""
    return _Json(openapi_document())


async def _problem_type(request: Request) -> Response:
    """The description of one problem type (what a problem's ``type`` URI points to)."""
    kind = PROBLEM_TYPES.get(request.path_params["name"])
    if kind is None:
        return _problem_response(ServiceProblem("not-found", "no such problem type"), request)
    return _Json(attrs.asdict(kind))


#: (path, handler, methods) of every route; the OpenAPI document describes the same paths.
ROUTES: tuple[tuple[str, Callable[[Request], Awaitable[Response]], tuple[str, ...]], ...] = (
    ("/health", _health, ("GET",)),
    ("/ready", _ready, ("GET",)),
    ("/openapi.json", _openapi, ("GET",)),
    ("/problems/{name}", _problem_type, ("GET",)),
    ("/programmes", _programmes, ("GET",)),
    ("/programmes/{programme}/commands", _command, ("POST",)),
    ("/programmes/{programme}/participants/{participant}", _state, ("GET",)),
    ("/programmes/{programme}/participants/{participant}/erasure", _erase, ("POST",)),
    ("/programmes/{programme}/due", _due, ("GET",)),
    ("/programmes/{programme}/occupancy", _occupancy, ("GET",)),
    ("/programmes/{programme}/waiting-list", _waiting_list, ("GET",)),
    ("/programmes/{programme}/report", _report, ("GET",)),
    ("/feed", _feed, ("GET",)),
    ("/kennzahlen", _kennzahlen, ("GET",)),
    ("/access-log", _access_log, ("GET",)),
)


def create_app(config: ServiceConfig, *, clock: Callable[[], dt.datetime] | None = None) -> Starlette:
    """The ASGI application of ``langzeit serve`` (serve it with uvicorn or any ASGI server).

    The store, engines and access log are opened when the server starts the app
    (its lifespan), once per worker process, and closed when it stops.

    Args:
        config: the service configuration.
        clock: the access log's wall clock (default: the system's UTC time).

    Returns:
        The Starlette application.

    Examples:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from langzeit.service import ServiceConfig
        >>> config = ServiceConfig.from_dict({"store": {"sqlite": "e.sqlite"},
        ...     "programmes": [{"id": "pan"}]}, base=Path(tempfile.mkdtemp()))
        >>> app = create_app(config)
        >>> sorted(r.path for r in app.routes)[:3]
        ['/access-log', '/feed', '/health']
    """
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service = await run_in_threadpool(Service.open, config, clock=clock)
        app.state.service = service
        try:
            yield
        finally:
            await run_in_threadpool(service.close)

    routes = [Route(path, handler, methods=list(methods)) for path, handler, methods in ROUTES]
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: _http_problem})


async def _http_problem(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 and 405 as problem details."""
    status = getattr(exc, "status_code", 500)
    headers = dict(getattr(exc, "headers", None) or {})
    if status == 405:
        problem = ServiceProblem("method-not-allowed",
                                 f"{request.method} is not allowed on {request.url.path}", headers=headers)
    elif status == 404:
        problem = ServiceProblem("not-found", f"no endpoint {request.url.path}; see /openapi.json")
    else:
        problem = ServiceProblem("bad-request", str(getattr(exc, "detail", "")) or "bad request")
    return _problem_response(problem, request)


#: The environment variable naming the configuration file of :func:`app_from_environment`.
CONFIG_VARIABLE = "LANGZEIT_SERVICE_CONFIG"


def app_from_environment() -> Starlette:
    """The app of the configuration file named by ``LANGZEIT_SERVICE_CONFIG`` (uvicorn's ``--factory``).

    ``langzeit serve --workers N`` has every worker process build its own app with it (and
    open its own store), through the command's ``langzeit.cli._cmd_serve:worker_app``.

    Raises:
        ValidationError: the variable is not set, or the file is invalid.

    Examples:
        >>> import os
        >>> os.environ.pop(CONFIG_VARIABLE, None) and None
        >>> app_from_environment()
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: LANGZEIT_SERVICE_CONFIG is not set: name the configuration file
    """
    path = os.environ.get(CONFIG_VARIABLE)
    if not path:
        raise ValidationError(f"{CONFIG_VARIABLE} is not set: name the configuration file")
    return create_app(ServiceConfig.from_toml(path))
