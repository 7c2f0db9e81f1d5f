"""CLI layer: ``langzeit scenarios`` — list the built-in scenarios and what they are calibrated on."""

from __future__ import annotations

import argparse
from typing import Any

from langzeit.cli._output import add_format_option, print_json, print_table
from langzeit.domain import format_duration
from langzeit.simulation import builtin_scenarios

__all__ = ["register", "run"]


def register(sub: Any) -> None:
    """Register the ``scenarios`` sub-command."""
    p: argparse.ArgumentParser = sub.add_parser(
        "scenarios", help="list the built-in simulation scenarios and the seed figures they reproduce"
    )
    add_format_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one line (or JSON record) per built-in scenario.

    Examples:
        >>> run(argparse.Namespace(format="text"))  # doctest: +ELLIPSIS
        id           programme        places  horizon  calibrated on
        ...
        geh-vor      geh-vor          32      P2Y      occupied_at_end, waiting_at_end, extensions
        ...
        0
    """
    scenarios = builtin_scenarios()
    if args.format == "json":
        print_json([
            {
                "id": s.id, "name": s.name, "programme": s.programme.id, "places": s.places,
                "start": s.start.isoformat(), "horizon": format_duration(s.horizon),
                "warm_up": format_duration(s.warm_up), "description": s.description,
                "calibration": [{"metric": c.metric, "target": c.target, "tolerance": c.tolerance,
                                 "source": c.source} for c in s.calibration],
            }
            for s in scenarios
        ])
        return 0
    print_table(
        ["id", "programme", "places", "horizon", "calibrated on"],
        [[s.id, s.programme.id, "unlimited" if s.places is None else s.places, format_duration(s.horizon),
          ", ".join(c.metric for c in s.calibration) or "queueing theory (Erlang C)"] for s in scenarios],
    )
    return 0
