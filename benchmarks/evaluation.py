"""Benchmark: the whole programme evaluation, 10,000 participants against 1 M persons' spells (JSON).

Synthetic spells (``generate_spells``, 2019–2025) for ``--persons`` persons; ``--participants``
of them, drawn among the persons in the ELB stock on their entry day (uniform over
2022–2023), get ``Referred`` / ``Admitted`` / ``Exited`` events (stays of 3–15 months).
Timed: building the spell index, and ``evaluate`` (linkage, status at referral and
admission, outcomes after entry and exit, sequences, matching with balance, effects,
naive contrast, DiD, event time, the seeds' criteria, confidentiality). Goal: ≤ 30 s.

    python benchmarks/evaluation.py [--persons 1000000] [--participants 10000] [--seed 7]

The machine is shared (2 cores, several helpers running at the same time): the
figures are indicative, measured under load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import numpy as np
from _common import parser

from langzeit.evaluation import SpellIndex, evaluate
from langzeit.events import EVENT_TYPES
from langzeit.indicators import EventColumns
from langzeit.spells import date_to_day, generate_spells

TYPE = {name: i for i, name in enumerate(EVENT_TYPES)}
REASON_COMPLETED = 0


def main() -> None:
    """Generate, evaluate, print the timings as JSON."""
    args = parser(__doc__, persons=1_000_000, participants=10_000, seed=7).parse_args()
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    spells = generate_spells(args.persons, seed=args.seed, start=dt.date(2019, 1, 1),
                             end=dt.date(2025, 12, 31), amounts_from=dt.date(2025, 12, 31))
    t_gen = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), time.process_time()
    index = SpellIndex(spells)
    t_index, c_index = time.perf_counter() - t0, time.process_time() - c0

    first, last = date_to_day(dt.date(2022, 1, 1)), date_to_day(dt.date(2023, 12, 31))
    cand = rng.choice(spells.n_persons, size=min(spells.n_persons, 6 * args.participants), replace=False)
    day = rng.integers(first, last + 1, cand.size)
    ok = index.in_benefit(cand, day)
    cand, day = cand[ok][: args.participants], day[ok][: args.participants]
    n = cand.size
    ids = tuple(str(spells.person_ids[p]) for p in cand)
    stay = rng.integers(90, 450, n)
    idx = np.arange(n)
    events = EventColumns.from_arrays(
        ids, np.concatenate([idx, idx, idx]),
        np.concatenate([np.full(n, TYPE[t]) for t in ("referred", "admitted", "exited")]),
        np.concatenate([day - rng.integers(7, 40, n), day, day + stay]),
        code=np.concatenate([np.full(2 * n, -1), np.full(n, REASON_COMPLETED)]),
        code2=np.concatenate([np.full(2 * n, -1), rng.integers(0, 12, n)]),
    )

    t0, c0 = time.perf_counter(), time.process_time()
    result = evaluate(events, spells, index=index)
    t_eval, c_eval = time.perf_counter() - t0, time.process_time() - c0
    total = t_index + t_eval
    print(json.dumps({
        "benchmark": "evaluation",
        "persons": spells.n_persons,
        "spells": len(spells),
        "participants": n,
        "pairs": result.pairs.n_pairs if result.pairs else 0,
        "seconds": {"generate_spells (not counted)": round(t_gen, 2), "spell_index": round(t_index, 2),
                    "evaluate": round(t_eval, 2), "whole_evaluation": round(total, 2)},
        "cpu_seconds": {"spell_index": round(c_index, 2), "evaluate": round(c_eval, 2),
                        "whole_evaluation": round(c_index + c_eval, 2)},
        "load_average_1min": round(os.getloadavg()[0], 1),
        "goal_whole_evaluation_at_most_30s": total <= 30.0,
        "note": "shared machine (2 cores, several helpers running): timings indicative",
    }, indent=2))


if __name__ == "__main__":
    main()
