"""CLI layer: ``langzeit programmes`` — list the shipped programme models or print one as TOML."""

from __future__ import annotations

import argparse
from typing import Any

from langzeit.cli._output import add_format_option, print_json, print_table
from langzeit.domain import format_duration
from langzeit.programmes import list_programmes, load_programme, programme_source

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``programmes`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "programmes",
        help="list the shipped programme models of the seeds, or print one as TOML to start your own",
    )
    p.add_argument("name", nargs="?", help="print this programme's TOML (a start for your own model)")
    add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """List the shipped programmes (or print one's TOML source).

    Examples:
        >>> run(argparse.Namespace(name=None, format="text"))  # doctest: +ELLIPSIS
        id               name ...
        ...
        geh-vor          Geh vor! (Halle) ...
        ...
        0
        >>> run(argparse.Namespace(name="geh-vor", format="text"))  # doctest: +ELLIPSIS
        # Geh vor! ...
        0
    """
    if args.name:
        source = programme_source(args.name)
        if args.format == "json":
            print_json(load_programme(args.name).to_dict())
        else:
            print(source, end="" if source.endswith("\n") else "\n")
        return 0
    programmes = [load_programme(name) for name in list_programmes()]
    if args.format == "json":
        print_json([p.to_dict() for p in programmes])
        return 0
    print_table(
        ["id", "name", "phases", "places", "planned", "voluntary"],
        [[p.id, p.name, len(p.phases), "unlimited" if p.capacity.total is None else p.capacity.total,
          "" if p.planned_duration is None else format_duration(p.planned_duration),
          "yes" if p.voluntary else "no"] for p in programmes],
    )
    return 0
