"""CLI layer: ``langzeit schema commands|events`` — the JSON Schema hosts validate requests with.

Prints a JSON Schema (draft 2020-12) of every engine command record
(:meth:`langzeit.engine.Command.to_dict`, read by :func:`langzeit.engine.command_from_dict`)
or of every event record (:func:`langzeit.events.event_to_record`), so that systems
written in other languages can check what they send before they call. ``--name``
prints the schema of one command or event type only. The output is JSON whatever
``--format`` says (the option is accepted like on every command).

Examples:
    >>> import io, contextlib, json
    >>> out = io.StringIO()
    >>> with contextlib.redirect_stdout(out):
    ...     code = run(argparse.Namespace(what="commands", name="refer", format="text"))
    >>> code, json.loads(out.getvalue())["properties"]["command"]
    (0, {'const': 'refer'})
"""

from __future__ import annotations

import argparse
from typing import Any

from langzeit.cli._errors import BadInput
from langzeit.cli._output import add_format_option, print_json
from langzeit.engine import command_json_schema
from langzeit.events import event_json_schema

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``schema`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "schema",
        help="print the JSON Schema of the engine's commands or of the events (for hosts in "
        "other languages)",
    )
    p.add_argument("what", choices=("commands", "events"), help="which records")
    p.add_argument("--name", help="only this command (e.g. record_consent) or event type (e.g. exited)")
    add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema; an unknown ``--name`` is bad input (one line, exit status 2)."""
    schema = command_json_schema() if args.what == "commands" else event_json_schema()
    if args.name is None:
        print_json(schema)
        return 0
    key = "command" if args.what == "commands" else "type"
    found = [s for s in schema["oneOf"] if s["properties"][key]["const"] == args.name]
    if not found:
        known = ", ".join(s["properties"][key]["const"] for s in schema["oneOf"])
        raise BadInput(f"--name {args.name!r}: unknown {args.what[:-1]}; known: {known}")
    print_json({"$schema": schema["$schema"], **found[0]})
    return 0
