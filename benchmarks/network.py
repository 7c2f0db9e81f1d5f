"""Benchmark of langzeit.network: each analysis on a large synthetic social space; prints JSON.

Goal (issue #7): each whole-space analysis on 50,000 actors and 200,000 participants
in ≤ 30 s; single analyses per participant in ≤ 50 ms. The first per-participant call
builds the indexes (offer columns of every need, reachable areas, peer index); that
cost is reported separately as ``index_build_s``; the other figures are the calls after it.

    .venv/bin/python benchmarks/network.py --actors 50000 --participants 200000 --setting city
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date, timedelta
from typing import Any

import numpy as np

from langzeit.events import ActorReferred
from langzeit.network import (
    Need,
    actor_usage,
    brokers,
    coach_dependency,
    consent_check,
    needs_coverage,
    network_map,
    parallel_offers,
    parallel_summary,
    peer_candidates,
    rechtskreis_bridges,
    sole_contacts,
    synthetic_space,
)


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _per_call(fn: Any, ids: list[str], warm: Any = None) -> dict[str, float]:
    first, _ = _timed(lambda: (warm or fn)(ids[0]))
    times = []
    for pid in ids[1:]:
        t, _ = _timed(lambda pid=pid: fn(pid))
        times.append(t * 1000)
    times.sort()
    return {
        "index_build_s": round(first, 3),
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "max_ms": round(times[-1], 2),
        "calls": len(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=50_000)
    parser.add_argument("--participants", type=int, default=200_000)
    parser.add_argument("--setting", choices=("rural", "city"), default="city")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=200, help="participants for per-participant timings")
    parser.add_argument("--k", type=int, default=256, help="sampled sources for betweenness")
    parser.add_argument("--all-pairs", action="store_true", help="also list every parallel pair of the space")
    args = parser.parse_args()

    result: dict[str, Any] = {"actors": args.actors, "participants": args.participants,
                              "setting": args.setting, "seed": args.seed}
    build, space = _timed(lambda: synthetic_space(args.setting, actors=args.actors,
                                                  participants=args.participants, seed=args.seed))
    result["build_s"] = round(build, 2)
    result["nodes"] = space.graph.number_of_nodes()
    result["ties"] = len(space.ties)
    result["services"] = len(space.services)
    rng = np.random.default_rng(args.seed)
    ids = sorted(space.participants)
    sample = [ids[i] for i in rng.choice(len(ids), size=min(args.samples, len(ids)), replace=False)]

    result["network_map_r2"] = _per_call(lambda p: network_map(space, p, radius=2), sample)
    result["needs_coverage"] = _per_call(
        lambda p: needs_coverage(space, p, on=date(2025, 1, 1)), sample,
        warm=lambda p: needs_coverage(space, p, needs=list(Need)))
    result["peer_candidates"] = _per_call(lambda p: peer_candidates(space, p), sample)

    def consent(p: str) -> Any:
        coach = next(t.other(p) for t in space.ties_of(p) if space.kind_of(t.other(p)).value == "coach")
        org = next((t.other(coach) for t in space.ties_of(coach)
                    if space.kind_of(t.other(coach)).value == "organisation"), None)
        return consent_check(space, [p, coach] + ([org] if org else []), on=date(2025, 1, 1))

    result["consent_check"] = _per_call(consent, sample)

    whole: dict[str, float] = {}
    programme = space.participants[ids[0]].programme_id
    whole["coach_dependency_programme"], dep = _timed(lambda: coach_dependency(space, programme_id=programme))
    whole["coach_dependency_all"], _ = _timed(lambda: coach_dependency(space))
    whole["sole_contacts"], sole = _timed(lambda: sole_contacts(space))
    whole[f"brokers_k{args.k}"], _ = _timed(lambda: brokers(space, k=args.k, seed=args.seed))
    whole["rechtskreis_bridges"], bridges = _timed(lambda: rechtskreis_bridges(space))
    whole["parallel_summary"], summary = _timed(lambda: parallel_summary(space))
    busiest = max(summary.areas, key=lambda a: a.pairs).area
    whole["parallel_offers_busiest_area"], _ = _timed(lambda: parallel_offers(space, areas=[busiest]))
    if args.all_pairs:
        whole["parallel_offers_all_areas"], par = _timed(lambda: parallel_offers(space))
        result["parallel_pairs_listed"] = len(par)
    events = [
        ActorReferred(f"e{i}", ids[i % len(ids)], date(2024, 1, 1) + timedelta(days=i % 366),
                      actor_id=f"o{i % args.actors}", need="debt")
        for i in range(500_000)
    ]
    whole["actor_usage_500k_events"], usage = _timed(
        lambda: actor_usage(events, start=date(2024, 1, 1), end=date(2024, 6, 30)))
    result["whole_space_s"] = {k: round(v, 2) for k, v in whole.items()}
    result["sizes"] = {"referral_paths_programme": dep.denominator, "sole_contacts": len(sole.contacts),
                       "bridging_ties": len(bridges.bridges),
                       "parallel_unlinked_pairs": summary.unlinked,
                       "usage_rows": len(usage.usage)}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
