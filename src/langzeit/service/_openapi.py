"""Service layer: the OpenAPI 3.1 document of the service, built from the library's JSON Schemas.

The command request body is :func:`~langzeit.engine.command_json_schema` (JSON
Schema 2020-12, which OpenAPI 3.1 uses as is) and the events in responses are
:func:`~langzeit.events.event_json_schema`, so hosts in any language generate clients
and validate requests from one source; the service itself validates with
:func:`~langzeit.engine.command_from_dict`, the same rules.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from langzeit import __version__
from langzeit.engine import command_json_schema
from langzeit.events import event_json_schema
from langzeit.service._problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPES

__all__ = ["openapi_document"]

_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_PURPOSE = {"name": "Langzeit-Purpose", "in": "header", "required": True,
            "description": "Why personal data are read (3 to 200 characters), as written to the access log; "
                           "the query parameter `purpose` may be used instead.",
            "schema": {"type": "string", "minLength": 3, "maxLength": 200}}
_PROGRAMME = {"name": "programme", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "the programme id"}
_AS_OF = {"name": "as_of", "in": "query", "required": False,
          "schema": {"type": "string", "format": "date"}, "description": "the day asked for (default: now)"}


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "integer", "minimum": 0}}


def _problems(*names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("unauthenticated", "forbidden", *names):
        kind = PROBLEM_TYPES[name]
        key = str(kind.status)
        text = f"{kind.title} (`{kind.name}`)"
        if key in out:
            out[key]["description"] += f"; {text}"
        else:
            out[key] = {"description": text, "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM}}}
    return out


def _op(summary: str, roles: str, ok: dict[str, Any], *, params: list[dict[str, Any]] | None = None,
        problems: tuple[str, ...] = (), body: dict[str, Any] | None = None, status: str = "200",
        personal: bool = False) -> dict[str, Any]:
    parameters = list(params or [])
    if personal:
        parameters.append(_PURPOSE)
        problems = ("purpose-required", *problems)
    op: dict[str, Any] = {
        "summary": summary,
        "description": f"Roles: {roles}." + (" Every read is written to the access log." if personal else ""),
        "parameters": parameters,
        "responses": {status: {"description": "OK", "content": {"application/json": {"schema": ok}}},
                      **_problems(*problems)},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


_OBJECT = {"type": "object"}
_EVENT = {"$ref": "#/components/schemas/Event"}


@functools.cache
def _document() -> dict[str, Any]:
    commands = command_json_schema()
    events = event_json_schema()
    casework = "caseworker (own programmes), administrator"
    open_: dict[str, Any] = {"security": []}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "langzeit service", "version": __version__,
                 "description": "Commands to the pathway engine, participant state, deadlines, occupancy, "
                                "the event feed, programme reports and § 48a Kennzahlen "
                                "(docs/guides/service.md)."},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Command": {k: v for k, v in commands.items() if k != "$schema"},
                "Event": {k: v for k, v in events.items() if k != "$schema"},
                "Problem": {
                    "type": "object", "description": "RFC 9457 problem details",
                    "required": ["type", "title", "status"],
                    "properties": {
                        "type": {"type": "string", "format": "uri-reference"},
                        "title": {"type": "string"}, "status": {"type": "integer"},
                        "detail": {"type": "string"}, "instance": {"type": "string"},
                        "reasons": {"type": "array", "description": "the engine's failed guards",
                                    "items": {"type": "object", "properties": {
                                        "guard": {"type": "string"}, "reason": {"type": "string"}}}},
                        "errors": {"type": "array", "description": "every bad field",
                                   "items": {"type": "object", "properties": {
                                       "location": {"type": "string"}, "message": {"type": "string"}}}},
                    },
                },
            },
        },
        "security": [{"bearer": []}],
        "paths": {
            "/health": {"get": {**_op("Liveness", "none (no token)", _OBJECT), **open_}},
            "/ready": {"get": {**_op("Readiness: store and access log answer", "none (no token)", _OBJECT,
                                     problems=("not-ready",)), **open_}},
            "/openapi.json": {"get": {**_op("This document", "none (no token)", _OBJECT), **open_}},
            "/problems/{name}": {"get": {**_op("A problem type's description", "none (no token)", _OBJECT,
                                               params=[{"name": "name", "in": "path", "required": True,
                                                        "schema": {"type": "string",
                                                                   "enum": sorted(PROBLEM_TYPES)}}]),
                                         **open_}},
            "/programmes": {"get": _op("The programmes served", "every role", _OBJECT)},
            "/programmes/{programme}/commands": {"post": _op(
                "Execute a command", casework,
                {"type": "object", "properties": {"command": {"$ref": "#/components/schemas/Command"},
                                                  "events": {"type": "array", "items": _EVENT}}},
                params=[_PROGRAMME], body={"$ref": "#/components/schemas/Command"}, status="201",
                problems=("bad-request", "invalid-command", "transition-refused", "capacity-exceeded",
                          "consent-required", "concurrency-conflict", "participant-erased", "not-found"))},
            "/programmes/{programme}/participants/{participant}": {"get": _op(
                "A participant's state, now or as of a date", casework, _OBJECT, personal=True,
                params=[_PROGRAMME, {"name": "participant", "in": "path", "required": True,
                                     "schema": {"type": "string"}}, _AS_OF],
                problems=("bad-request", "not-found"))},
            "/programmes/{programme}/participants/{participant}/erasure": {"post": _op(
                "Erase a participant (crypto-shredding)", "administrator", _OBJECT, personal=True,
                params=[_PROGRAMME, {"name": "participant", "in": "path", "required": True,
                                     "schema": {"type": "string"}}],
                problems=("not-found", "not-available"))},
            "/programmes/{programme}/due": {"get": _op(
                "Deadlines due as of a date", casework, _OBJECT, personal=True,
                params=[_PROGRAMME, _AS_OF, _q("within", "a period ahead, e.g. '4w' or '30' (days)",
                                               {"type": "string"})],
                problems=("bad-request", "not-found", "invalid-command"))},
            "/programmes/{programme}/occupancy": {"get": _op(
                "Places taken per phase", casework, _OBJECT, params=[_PROGRAMME, _AS_OF],
                problems=("bad-request", "not-found"))},
            "/programmes/{programme}/waiting-list": {"get": _op(
                "The waiting list in serving order", casework, _OBJECT, personal=True,
                params=[_PROGRAMME, _AS_OF], problems=("bad-request", "not-found"))},
            "/programmes/{programme}/report": {"get": _op(
                "The programme report, suppressed", "analyst, administrator", _OBJECT,
                params=[_PROGRAMME, _q("data_end", "the data's end", {"type": "string", "format": "date"}),
                        _q("min_n", "least cases of a shown cell (never below the configured one)")],
                problems=("bad-request", "not-found"))},
            "/feed": {"get": _op(
                "Events after a feed position", casework,
                {"type": "object", "properties": {
                    "since": {"type": "integer"}, "next": {"type": "integer"},
                    "events": {"type": "array", "items": {"type": "object", "properties": {
                        "position": {"type": "integer"}, "version": {"type": "integer"}, "event": _EVENT}}}}},
                personal=True,
                params=[_q("since", "the last position seen (0: from the start)"),
                        _q("limit", "at most this many events (1 to 1000, default 100)"),
                        _q("programme", "only this programme's participants (required for a caseworker)",
                           {"type": "string"})],
                problems=("bad-request", "not-found"))},
            "/kennzahlen": {"get": _op(
                "§ 48a Kennzahlen of the configured spells, suppressed", "analyst, administrator", _OBJECT,
                params=[_q("month", "reference month YYYY-MM (repeat for several)",
                           {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}),
                        _q("jobcenter", "only this jobcenter (repeat for several)", {"type": "string"}),
                        _q("min_n", "least cases of a shown cell (never below the configured one)")],
                problems=("bad-request", "not-available"))},
            "/access-log": {"get": _op(
                "The access log after a record number", "administrator", _OBJECT, personal=True,
                params=[_q("since", "the last record number seen"),
                        _q("limit", "at most this many (1 to 1000)"),
                        _q("participant_id", "only reads of this participant", {"type": "string"})],
                problems=("bad-request",))},
        },
    }


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service (a fresh copy; ``GET /openapi.json`` serves it).

    Examples:
        >>> doc = openapi_document()
        >>> doc["openapi"], "/programmes/{programme}/commands" in doc["paths"]
        ('3.1.0', True)
        >>> doc["components"]["schemas"]["Command"]["oneOf"][0]["properties"]["command"]
        {'const': 'refer'}
    """
    return copy.deepcopy(_document())
