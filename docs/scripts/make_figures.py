"""Docs tooling: draw the figures of ``docs/guides/plots.md`` into ``docs/img/`` (PNG).

Every figure is made from data this script builds deterministically: the built-in
scenario ``geh-vor`` and two what-if variants simulated with fixed seeds, synthetic
administrative spells of three jobcenters, and the example social space. Run it after
changing a plot and commit the PNGs::

    .venv/bin/python docs/scripts/make_figures.py            # writes docs/img/*.png
    .venv/bin/python docs/scripts/make_figures.py --out DIR  # somewhere else

It prints the written files as JSON. A test runs it into a temporary directory so
that it cannot rot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

FIGURES = (
    "funnel", "waiting-list", "cumulative-incidence", "sequence-index", "state-distribution",
    "phase-flows", "kennzahlen", "comparison", "network-map",
)
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "img"


def scenarios() -> dict[str, Any]:
    """Geh vor! as calibrated (1:12, people leave the list after ~9 months) and two what-ifs."""
    from langzeit.simulation import Staffing, load_scenario

    base = load_scenario("geh-vor")
    staff = base.staffing
    return {
        "1:12 (as is)": base,
        "1:10": attrs.evolve(base, id="geh-vor-1-10",
                             staffing=Staffing(coaches=staff.coaches, caseload=10, fte=staff.fte,
                                               tandems=staff.tandems)),
        "list capped at 20": attrs.evolve(base, id="geh-vor-cap-20",
                                          waiting_list=attrs.evolve(base.waiting_list, max_length=20)),
    }


def synthetic_spells() -> Any:
    """Synthetic spells of three jobcenters (``generate_spells``); data end 2024-12-31."""
    from langzeit.spells import generate_spells

    return generate_spells(3000, seed=7, end=dt.date(2024, 12, 31), n_jobcenters=3)


def figures() -> dict[str, Callable[[], Any]]:
    """Each figure's name and a function that draws it (returns the figure)."""
    from langzeit import report
    from langzeit.indicators import (
        competing_exits,
        funnel,
        kennzahlen,
        state_sequences,
        suppress,
        waiting_list,
    )
    from langzeit.network import example_space, network_map
    from langzeit.simulation import compare, simulate

    runs = {  # one seed per scenario: compare() treats them as independent samples
        label: simulate(s, seed=2024 + k, replications=5) for k, (label, s) in enumerate(scenarios().items())
    }
    base_log = runs["1:12 (as is)"].log(0)
    sequences = state_sequences(base_log, months=24)

    def kennzahlen_figure() -> Any:
        months = [dt.date(2024, m, 1) for m in range(1, 13)]
        result = suppress(kennzahlen(synthetic_spells(), months))
        return report.plot_kennzahlen(result, code="K3E1", group="F")[0]

    return {
        "funnel": lambda: report.plot_funnel({k: funnel(r.log(0)) for k, r in runs.items()})[0],
        "waiting-list": lambda: report.plot_waiting_list(
            {k: [waiting_list(rep.log()) for rep in r.replications] for k, r in runs.items()})[0],
        "cumulative-incidence": lambda: report.plot_cumulative_incidence(
            competing_exits(base_log)["all"], causes=["integration", "other_work", "dropout"])[0],
        "sequence-index": lambda: report.plot_sequence_index(sequences)[0],
        "state-distribution": lambda: report.plot_state_distribution(sequences)[0],
        "phase-flows": lambda: report.plot_phase_flows(sequences)[0],
        "kennzahlen": kennzahlen_figure,
        "comparison": lambda: report.plot_comparison(
            {k: compare(runs["1:12 (as is)"], r) for k, r in runs.items() if k != "1:12 (as is)"},
            metrics=["admitted", "reneged", "mean_wait_days", "waiting_at_end", "integrations"])[0],
        "network-map": lambda: report.plot_network_map(network_map(example_space(), "p-anna")),
    }


def main(argv: list[str] | None = None) -> int:
    """Write every figure as ``<name>.png`` into ``--out`` and print the paths as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory for the PNGs")
    parser.add_argument("--dpi", type=int, default=80)
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in figures().items():
        fig = draw()
        path = args.out / f"{name}.png"
        fig.savefig(path, dpi=args.dpi, metadata={"Software": None})
        plt.close(fig)
        written.append(str(path))
    print(json.dumps({"figures": written}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
