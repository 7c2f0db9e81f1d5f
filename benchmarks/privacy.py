"""Throughput of the data-protection paths (issue 19): pseudonymisation, sealing, unsealing, exports.

Prints JSON: events per second for ``pseudonymise_events`` (day and month precision),
``seal_events`` and ``unseal_events`` (AES-256-GCM, keys in an in-memory
``SqliteKeyStore``), persons per second for ``pseudonymise_spells``, the programme
report on the sealed log against the clear one (they must be equal), and seconds for
a safe ``space_to_dict`` of a synthetic space. Never asserts a time::

    python benchmarks/privacy.py --participants 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from langzeit.events import pseudonymise_events  # noqa: E402
from langzeit.network import space_to_dict, synthetic_space  # noqa: E402
from langzeit.privacy import Pseudonymiser  # noqa: E402
from langzeit.report import build_programme_report  # noqa: E402
from langzeit.simulation import load_scenario, simulate  # noqa: E402
from langzeit.spells import generate_spells, pseudonymise_spells  # noqa: E402
from langzeit.store import SqliteKeyStore, seal_events, unseal_events  # noqa: E402


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds) if seconds > 0 else float("inf")


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="geh-vor")
    parser.add_argument("--replications", type=int, default=20, help="simulated logs concatenated")
    parser.add_argument("--persons", type=int, default=50_000, help="persons of the spell table")
    parser.add_argument("--participants", type=int, default=2_000, help="participants of the space")
    args = parser.parse_args()
    result = simulate(load_scenario(args.scenario), seed=1, replications=args.replications,
                      keep_events=set(range(args.replications)))
    events = [e for r in range(args.replications) for e in result.log(r)]
    out: dict[str, object] = {"events": len(events)}
    key = bytes(range(32))
    for precision in ("day", "month"):
        t = time.perf_counter()
        n = sum(1 for _ in pseudonymise_events(events, Pseudonymiser(key, dates=precision)))  # type: ignore[arg-type]
        out[f"pseudonymise_events_{precision}_per_s"] = _rate(n, time.perf_counter() - t)
    keys = SqliteKeyStore(":memory:")
    t = time.perf_counter()
    sealed = seal_events(events, keys)
    out["seal_events_per_s"] = _rate(len(sealed), time.perf_counter() - t)
    t = time.perf_counter()
    clear = list(unseal_events(sealed, keys))
    out["unseal_events_per_s"] = _rate(len(clear), time.perf_counter() - t)
    out["unsealed_equal_original"] = clear == events
    end = dt.date(2027, 12, 31)
    out["report_on_sealed_equal"] = (build_programme_report(sealed, data_end=end).to_dict()
                                     == build_programme_report(events, data_end=end).to_dict())
    spells = generate_spells(args.persons, seed=3)
    t = time.perf_counter()
    pseudonymise_spells(spells, Pseudonymiser(key, dates="month"))
    out["spells"] = len(spells)
    out["pseudonymise_spells_persons_per_s"] = _rate(spells.n_persons, time.perf_counter() - t)
    space = synthetic_space("rural", actors=400, participants=args.participants, seed=5)
    t = time.perf_counter()
    space_to_dict(space)
    out["space_to_dict_seconds"] = round(time.perf_counter() - t, 3)
    out["space_ties"] = len(space.ties)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
