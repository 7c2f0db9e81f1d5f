"""Simulation study: does the matched comparison recover a planted programme effect (prints JSON)?

Synthetic spells with a known truth (``langzeit.evaluation.planted_effect_data``),
replicated (default 100 times):

* Persons in 3 jobcenters, sex F/M, each with one ``elb`` spell that began ``L`` days
  before 2022-01-01 (``L`` uniform over 1–2,500 days: benefit histories from a month to
  beyond five years). Leaving benefit is an exponential time with a monthly hazard that
  depends on sex, jobcenter and benefit history; the exit starts an ``svp`` spell the
  next day (an Integration).
* **Selection on observables:** a person is a would-be participant with probability
  ``π(x)`` (higher for long histories — LZB —, for women and in jobcenter 2) and enters
  on a uniform day of 2022 if still in benefit then (``Referred`` two weeks earlier,
  ``Admitted`` on the day).
* **Planted effect:** among participants who would *not* have left benefit within
  365 days of entry, a share ``τ / S₀(365)`` leaves at a uniform day of that year, so the
  probability of being off benefit 12 months after entry rises by exactly ``τ``
  (default 10 percentage points) for every participant — the true effect on
  ``off_benefit_12m`` (and on ``integration_12m``) is ``τ``.

Per replication the whole evaluation runs (`match_comparison`, `effects`,
`naive_effects`). Reported: mean estimate, bias, empirical SD, the coverage of the 95 %
intervals, the mean naive difference and its bias, and the goals (coverage 0.93–0.97,
|bias| < τ / 10, naive bias beyond that). The comparison persons who enter later are
allowed until their entry (the "not now" comparison), which dilutes the effect by the
share of them treated within the year: a small, known downward pull.

    python benchmarks/evaluation_study.py [--replications 100] [--persons 20000] [--seed 1]

The machine is shared (2 cores, several helpers): the seconds figure is indicative.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from langzeit.evaluation import (
    SpellIndex,
    effects,
    link,
    match_comparison,
    naive_effects,
    participant_outcomes,
    planted_effect_data,
)


def replicate(n: int, seed: np.random.SeedSequence, tau: float) -> dict[str, float]:
    """One replication: the matched and the naive estimate of the effect on off_benefit_12m."""
    rng = np.random.default_rng(seed)
    data = planted_effect_data(n, effect=tau, seed=rng)
    index = SpellIndex(data.spells)
    linkage = link(data.events, data.spells)
    pairs = match_comparison(linkage, data.events, index, seed=rng)
    out = effects(pairs, index, horizons=[12]).get("off_benefit_12m")
    naive = naive_effects(pairs, index, participant_outcomes(linkage, data.events, index, horizons=[12]))
    nv = naive.get("off_benefit_12m")
    bal = pairs.balance
    return {"estimate": out["difference"] / 100, "lower": out["lower"] / 100, "upper": out["upper"] / 100,
            "naive": nv["difference"] / 100, "naive_lower": nv["lower"] / 100,
            "naive_upper": nv["upper"] / 100, "pairs": pairs.n_pairs, "participants": data.n_participants,
            "max_abs_smd_after": float(np.nanmax(np.abs(bal.smd_after))) if bal else 0.0,
            "max_abs_smd_before": float(np.nanmax(np.abs(bal.smd_before))) if bal else 0.0}


def main() -> None:
    """Run the study and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--tau", type=float, default=0.10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    t0 = time.perf_counter()
    seeds = np.random.SeedSequence(args.seed).spawn(args.replications)
    runs = [replicate(args.persons, s, args.tau) for s in seeds]
    tau = args.tau
    est = np.array([r["estimate"] for r in runs])
    naive = np.array([r["naive"] for r in runs])
    covered = np.array([r["lower"] <= tau <= r["upper"] for r in runs])
    naive_covered = np.array([r["naive_lower"] <= tau <= r["naive_upper"] for r in runs])
    bias = float(est.mean() - tau)
    coverage = float(covered.mean())
    naive_bias = float(naive.mean() - tau)
    report = {
        "benchmark": "evaluation_study",
        "outcome": "off_benefit_12m",
        "replications": args.replications,
        "persons": args.persons,
        "mean_participants": float(np.mean([r["participants"] for r in runs])),
        "mean_pairs": float(np.mean([r["pairs"] for r in runs])),
        "true_effect": tau,
        "matched": {"mean_estimate": float(est.mean()), "bias": bias, "empirical_sd": float(est.std(ddof=1)),
                    "mean_interval_width": float(np.mean([r["upper"] - r["lower"] for r in runs])),
                    "coverage_95": coverage},
        "naive": {"mean_difference": float(naive.mean()), "bias": naive_bias,
                  "coverage_95": float(naive_covered.mean())},
        "balance": {"mean_max_abs_smd_before": float(np.mean([r["max_abs_smd_before"] for r in runs])),
                    "mean_max_abs_smd_after": float(np.mean([r["max_abs_smd_after"] for r in runs]))},
        "goals": {"coverage_between_0.93_and_0.97": 0.93 <= coverage <= 0.97,
                  "abs_bias_below_a_tenth_of_the_effect": abs(bias) < tau / 10,
                  "naive_biased_beyond_a_tenth_of_the_effect": abs(naive_bias) >= tau / 10},
        "seconds": round(time.perf_counter() - t0, 1),
        "note": "shared machine (2 cores, several helpers running): seconds are indicative",
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
