"""CLI layer: ``langzeit serve CONFIG`` — the HTTP service for hosts in any language (extra ``server``).

Reads the service configuration (:class:`langzeit.service.ServiceConfig`, TOML), opens
the store and the access log once to check them, then serves the app with uvicorn on
``--host``/``--port`` (default 127.0.0.1:8000) with ``--workers`` processes.
``langzeit serve --new-token NAME`` prints a new bearer token (once: keep it) and the
``[[tokens]]`` table with its digest to paste into the configuration. Without the
``server`` extra the command says in one line how to install it (exit status 2).

Each worker serves :func:`worker_app`: the library's app, and — the command opting in for
its own processes, as a library call never does — once the service is open, the objects
alive then (modules, programmes, the engines' loaded states) are moved out of the garbage
collector's rounds (:func:`gc.freeze`). A full collection no longer walks them: on a 2-core
machine it took 25–45 ms for the ~75,000 objects of a fresh worker, a stall of every request
in that worker.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from langzeit.cli._errors import BadInput
from langzeit.cli._output import add_format_option, print_json

__all__ = ["register", "run", "worker_app"]

_INSTALL = "the server extra is not installed: pip install 'langzeit[server]' (Starlette and uvicorn)"


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"a port number 1 to 65535, got {text!r}")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= 64:
        raise argparse.ArgumentTypeError(f"a number of worker processes 1 to 64, got {text!r}")
    return int(text)


def register(sub: Any) -> None:
    """Register the ``serve`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "serve", help="serve the engine, the event feed and the reports over HTTP (extra 'server')",
        description="Serve commands, participant state, deadlines, occupancy, the event feed, programme "
        "reports and Kennzahlen over HTTP, with bearer tokens, roles and an access log "
        "(docs/guides/service.md).",
    )
    p.add_argument("config", nargs="?", help="the service configuration (TOML)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, help="port (default 8000)")
    p.add_argument("--workers", type=_workers, default=1, help="worker processes (default 1)")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info",
                   help="uvicorn's log level (default info)")
    p.add_argument("--new-token", metavar="NAME",
                   help="print a new bearer token for NAME and its [[tokens]] table, then exit")
    p.add_argument("--role", choices=("caseworker", "analyst", "administrator"), default="caseworker",
                   help="the role of --new-token (default caseworker)")
    p.add_argument("--programme", action="append", default=[],
                   help="a programme of a --new-token caseworker (repeat for several)")
    add_format_option(p)
    p.set_defaults(run=run)


def _new_token(args: argparse.Namespace) -> int:
    from langzeit.service._config import _NAME, hash_token, new_token

    if not _NAME.match(args.new_token):
        raise BadInput(f"--new-token {args.new_token!r}: a name of letters, digits and ._@- (at most 64)")
    if args.role == "caseworker" and not args.programme:
        raise BadInput("--new-token: a caseworker's token needs --programme ID (repeat for several)")
    token = new_token()
    digest = hash_token(token).removeprefix("sha256:")
    programmes = args.programme if args.role == "caseworker" else []
    if args.format == "json":
        print_json({"name": args.new_token, "role": args.role, "programmes": programmes, "token": token,
                    "sha256": digest})
        return 0
    print(f"token (give it to {args.new_token}; it is not stored anywhere): {token}")
    print("\n[[tokens]]")
    print(f"name = {json.dumps(args.new_token)}")
    print(f"role = {json.dumps(args.role)}")
    if programmes:
        print(f"programmes = {json.dumps(programmes)}")
    print(f"sha256 = {json.dumps(digest)}")
    return 0


_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_Asgi = Callable[[_Scope, _Receive, _Send], Awaitable[None]]


class _FreezeAfterStartup:
    """An ASGI app that calls :func:`gc.freeze` when the wrapped app's startup has completed."""

    def __init__(self, app: _Asgi) -> None:
        self.app = app

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] != "lifespan":
            return await self.app(scope, receive, send)

        async def sending(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "lifespan.startup.complete":
                gc.freeze()  # the open service and every module: out of the collector's rounds
            await send(message)

        return await self.app(scope, receive, sending)


def worker_app() -> _Asgi:
    """The app of one ``langzeit serve`` worker (uvicorn's factory): see the module's docstring.

    Raises:
        ValidationError: ``LANGZEIT_SERVICE_CONFIG`` is not set, or the file is invalid.
    """
    from langzeit.service import app_from_environment

    return _FreezeAfterStartup(app_from_environment())


def run(args: argparse.Namespace) -> int:
    """Print a new token, or check the configuration and serve until interrupted."""
    if args.new_token is not None:
        return _new_token(args)
    if args.config is None:
        raise BadInput("serve: name the configuration file (or --new-token NAME)")
    if importlib.util.find_spec("starlette") is None or importlib.util.find_spec("uvicorn") is None:
        raise BadInput(_INSTALL)
    import uvicorn

    from langzeit.service import CONFIG_VARIABLE, Service, ServiceConfig

    config = ServiceConfig.from_toml(args.config)
    Service.open(config).close()  # a bad store or programme: one line now, not in every worker
    os.environ[CONFIG_VARIABLE] = os.path.abspath(args.config)
    uvicorn.run("langzeit.cli._cmd_serve:worker_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=args.log_level, proxy_headers=False)
    return 0
