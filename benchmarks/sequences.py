"""Benchmark of optimal-matching distances (issue #20) against sequenzo; prints JSON.

(a) ``mvad``: the classic TraMineR example (712 school-to-work sequences × 72 months,
    6 states; shipped by the ``sequenzo`` package), OM with constant substitution
    cost 2 and indel 1 (TraMineR's defaults), in langzeit and in sequenzo in the same
    run; ``identical`` says whether both distance matrices are equal exactly. Goal:
    langzeit within 5 × of sequenzo. The same for two costs under which substitutions
    pay (constant 1, and ``TRATE``): there the dynamic programme runs, in both.
(b) ``--sequences`` random sequences (default 10,000) of ``--months`` months (default
    36; 6 states, a change of state in 15 % of months), constant 2 and indel 1, in
    langzeit (and in sequenzo unless ``--no-peer-large``), once. Goal: at most 60 s.

Each figure is the median of ``--repeat`` runs (default 3) by CPU seconds
(``time.process_time``; sequenzo may use several threads, so its wall time is printed
too), with the load average before and after (a shared machine inflates both).

Install the peer into the environment first (it is heavy: scikit-learn, statsmodels,
a pinned SciPy; so it is in no extra of langzeit):
``.venv/bin/pip install sequenzo`` (measured with sequenzo 0.1.42). Without it, (a)
and the peer columns are left out and ``sequenzo`` says why.

``--golden PATH`` instead writes the test oracle ``tests/indicators/data/om_sequenzo.json``
(sequenzo's distances on small random sequences, generated once; see
``tests/indicators/test_sequences.py``).

Run: ``.venv/bin/python benchmarks/sequences.py`` (``--help`` for sizes).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from langzeit.indicators import StateSequences, optimal_matching_distances


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence sequenzo's progress lines (printed from Python and from C++) on fd 1."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            with contextlib.redirect_stdout(null):
                yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[Any, dict[str, Any]]:
    runs = []
    result = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        runs.append((time.process_time() - c0, time.perf_counter() - t0))
    runs.sort()
    cpu, wall = runs[len(runs) // 2]
    return result, {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
                    "runs_cpu_s": [round(c, 3) for c, _ in runs]}


def _random_sequences(n: int, months: int, seed: int) -> StateSequences:
    rng = np.random.default_rng(seed)
    states = (np.cumsum(rng.random((n, months)) < 0.15, axis=1) + rng.integers(0, 6, (n, 1))) % 6
    return StateSequences([str(i) for i in range(n)], list("abcdef"), states)


def _sequenzo_data(seqs: StateSequences) -> Any:
    """The sequences as sequenzo's ``SequenceData`` (built outside the timing, like ours)."""
    import pandas as pd
    from sequenzo import SequenceData

    months = [f"m{t}" for t in range(seqs.states.shape[1])]
    frame = pd.DataFrame([[seqs.alphabet[c] for c in row] for row in seqs.states.tolist()], columns=months)
    frame.insert(0, "id", list(seqs.ids))
    with _quiet():
        return SequenceData(frame, time=months, id_col="id", states=list(seqs.alphabet))


def _sequenzo_distances(data: Any, sm: Any) -> np.ndarray:
    from sequenzo import get_distance_matrix

    with _quiet():
        return np.asarray(get_distance_matrix(data, method="OM", sm=sm, indel=1), dtype=np.float64)


def _langzeit_distances(seqs: StateSequences, options: dict[str, Any]) -> np.ndarray:
    return optimal_matching_distances(seqs, **options).values


def _mvad() -> StateSequences:
    from sequenzo import load_dataset

    with _quiet():
        frame = load_dataset("mvad")
    months = list(frame.columns[-72:])
    return StateSequences.from_lists(frame[months].astype(str).values.tolist(),
                                     ids=frame["id"].astype(str).tolist())


def _compare(seqs: StateSequences, repeat: int, peer: bool, *, every_cost: bool) -> dict[str, Any]:
    k = len(seqs.alphabet)
    ones = np.ones((k, k)) - np.eye(k)
    out: dict[str, Any] = {"sequences": len(seqs), "months": int(seqs.states.shape[1]),
                           "distinct": len({row.tobytes() for row in seqs.states})}
    data = _sequenzo_data(seqs) if peer else None
    for name, ours, theirs in (("constant_2_indel_1", {}, "CONSTANT"),
                               ("constant_1_indel_1", {"substitution": ones}, ones),
                               ("trate_indel_1", {"substitution": "trate"}, "TRATE")):
        if name != "constant_2_indel_1" and not every_cost:
            continue
        mine, lz = _timed(functools.partial(_langzeit_distances, seqs, ours), repeat)
        row: dict[str, Any] = {"langzeit": lz}
        if peer:
            their, sq = _timed(functools.partial(_sequenzo_distances, data, theirs), repeat)
            row["sequenzo"] = sq
            row["identical"] = bool(np.array_equal(mine, their))
            row["langzeit_over_sequenzo_cpu"] = round(lz["cpu_s"] / sq["cpu_s"], 2)
            row["langzeit_over_sequenzo_wall"] = round(lz["wall_s"] / sq["wall_s"], 2)
        out[name] = row
    return out


def write_golden(path: str) -> None:
    """The OM distances of sequenzo on small random sequences with duplicates, as a JSON oracle."""
    rng = np.random.default_rng(20)
    base = _random_sequences(30, 70, seed=20)  # 70 months: two 64-bit words in the bit-parallel LCS
    rows = np.concatenate([base.states, base.states[rng.integers(0, 30, 6)]])  # six duplicates
    seqs = StateSequences([str(i) for i in range(len(rows))], base.alphabet, rows)
    k = len(seqs.alphabet)
    ones = (np.ones((k, k)) - np.eye(k)).tolist()
    golden: dict[str, Any] = {
        "generated_by": "benchmarks/sequences.py --golden: sequenzo 0.1.42, "
                        "get_distance_matrix(method='OM', indel=1)",
        "alphabet": list(seqs.alphabet), "states": rows.tolist(), "cases": {}}
    for name, sm in (("CONSTANT", "CONSTANT"), ("TRATE", "TRATE"), ("ONES", ones)):
        d = _sequenzo_distances(_sequenzo_data(seqs), np.asarray(sm) if name == "ONES" else sm)
        golden["cases"][name] = {"sm": sm, "distances": d.tolist()}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f)
        f.write("\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sequences", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--no-peer-large", action="store_true", help="skip sequenzo on (b)")
    parser.add_argument("--golden", metavar="PATH", help="write the sequenzo oracle for the tests and stop")
    args = parser.parse_args(argv)
    try:
        import sequenzo
        peer = True
        version = getattr(sequenzo, "__version__", "unknown")
    except ImportError:
        peer, version = False, None
    if args.golden:
        if not peer:
            parser.error("--golden needs sequenzo (pip install sequenzo)")
        write_golden(args.golden)
        return 0
    out: dict[str, Any] = {"load_before": list(os.getloadavg()),
                           "sequenzo": version if peer else "not installed: pip install sequenzo"}
    if peer:
        out["mvad"] = _compare(_mvad(), args.repeat, peer=True, every_cost=True)
    large = _random_sequences(args.sequences, args.months, seed=0)
    out["large"] = _compare(large, 1, peer=peer and not args.no_peer_large, every_cost=False)
    out["load_after"] = list(os.getloadavg())
    goals = {"large_at_most_60_s": out["large"]["constant_2_indel_1"]["langzeit"]["cpu_s"] <= 60}
    if peer:
        mvad = out["mvad"]["constant_2_indel_1"]
        goals["mvad_identical"] = mvad["identical"]
        goals["mvad_within_5x_of_sequenzo"] = mvad["langzeit_over_sequenzo_cpu"] <= 5
    out["goals_met"] = goals
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
