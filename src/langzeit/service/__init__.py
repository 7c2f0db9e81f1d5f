"""Service layer: the optional HTTP service ``langzeit serve`` (extra ``server``) for hosts in any language.

An ASGI application (Starlette, served by uvicorn) over the engine, the stores and the
indicators: commands in (validated by the engine's command records, the JSON Schemas of
``langzeit schema commands``), participant state ``as_of`` a date, deadlines, occupancy
and the waiting list, the event feed since a position, the programme report and the
§ 48a Kennzahlen with confidentiality applied, an OpenAPI 3.1 document, health and
readiness. Errors are RFC 9457 problem details carrying the engine's reasons.

Access: bearer tokens configured as SHA-256 digests (:func:`hash_token`), with the
roles of :class:`Role`; every read of personal data needs a stated purpose and is
written to an append-only access log (:class:`SqliteAccessLog`,
:class:`PostgresAccessLog`) before the answer is sent. The guide:
``docs/guides/service.md``.

Examples:
    >>> import tempfile
    >>> from pathlib import Path
    >>> config = ServiceConfig.from_dict({"store": {"sqlite": "events.sqlite"},
    ...                                   "programmes": [{"id": "geh-vor"}]}, base=Path(tempfile.mkdtemp()))
    >>> app = create_app(config)  # serve with: uvicorn, or `langzeit serve serve.toml`
    >>> type(app).__name__
    'Starlette'
"""

from langzeit.service._access_log import AccessLog, AccessRecord, PostgresAccessLog, SqliteAccessLog
from langzeit.service._app import CONFIG_VARIABLE, PURPOSE_HEADER, app_from_environment, create_app
from langzeit.service._config import (
    ProgrammeStaff,
    Role,
    ServiceConfig,
    StoreConfig,
    TokenEntry,
    hash_token,
    new_token,
)
from langzeit.service._openapi import openapi_document
from langzeit.service._problems import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_TYPES,
    ProblemType,
    ServiceProblem,
    problem_of,
)
from langzeit.service._service import Service

__all__ = [
    "CONFIG_VARIABLE",
    "PROBLEM_MEDIA_TYPE",
    "PROBLEM_TYPES",
    "PURPOSE_HEADER",
    "AccessLog",
    "AccessRecord",
    "PostgresAccessLog",
    "ProblemType",
    "ProgrammeStaff",
    "Role",
    "Service",
    "ServiceConfig",
    "ServiceProblem",
    "SqliteAccessLog",
    "StoreConfig",
    "TokenEntry",
    "app_from_environment",
    "create_app",
    "hash_token",
    "new_token",
    "openapi_document",
    "problem_of",
]
