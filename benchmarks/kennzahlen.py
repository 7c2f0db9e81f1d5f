"""Benchmark: every § 48a Kennzahl for 24 reference months on synthetic spells of N persons.

Prints one JSON object per size: rows and persons, seconds to generate the data, to
compute the partial counts (``kennzahlen``), to derive all cells with intervals and
confidentiality (``to_arrays`` of the suppressed result), the total wall time of the
computation (wall and CPU seconds: the machine may be shared, so the 1-minute load
average is printed too), peak resident memory of the process (MiB) and the CSV
reader's throughput on a sample. Each size runs in its own process so that peak memory is per size.

    python benchmarks/kennzahlen.py --persons 1000000
    python benchmarks/kennzahlen.py --sizes 100000,300000,1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from dateutil.relativedelta import relativedelta

from langzeit.indicators import kennzahlen, suppress
from langzeit.spells import generate_spells, read_spells, write_spells

FIRST = dt.date(2023, 1, 1)


def measure(persons: int, months: int, csv_rows: int, seed: int) -> dict[str, object]:
    refs = [FIRST + relativedelta(months=i) for i in range(months)]
    c0 = time.process_time()
    t0 = time.perf_counter()
    spells = generate_spells(
        persons, seed=seed, start=dt.date(2019, 1, 1), end=dt.date(2025, 12, 31),
        amounts_from=refs[0] - relativedelta(months=12),
    )
    t1, c1 = time.perf_counter(), time.process_time()
    result = kennzahlen(spells, refs)
    t2 = time.perf_counter()
    cells = suppress(result).to_arrays()
    t3, c3 = time.perf_counter(), time.process_time()
    figures: dict[str, object] = {
        "persons": persons,
        "spells": len(spells),
        "jobcenters": len(result.jobcenters),
        "reference_months": months,
        "cells": int(cells["value"].size),
        "generate_s": round(t1 - t0, 2),
        "kennzahlen_s": round(t2 - t1, 2),
        "cells_s": round(t3 - t2, 2),
        "compute_wall_s": round(t3 - t1, 2),
        "compute_cpu_s": round(c3 - c1, 2),
        "total_wall_s": round(t3 - t0, 2),
        "total_cpu_s": round(c3 - c0, 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if csv_rows:
        sample = spells.select(np.arange(min(csv_rows, len(spells))))
        buf = io.StringIO()
        write_spells(sample, buf)
        buf.seek(0)
        t4 = time.perf_counter()
        read_spells(buf)
        t5 = time.perf_counter()
        figures["csv_rows"] = len(sample)
        figures["csv_read_rows_per_s"] = round(len(sample) / (t5 - t4))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--sizes", help="comma-separated person counts, each in its own process")
    parser.add_argument("--months", type=int, default=24, help="reference months (default 24)")
    parser.add_argument(
        "--csv-rows", type=int, default=200_000, help="rows for the CSV reader sample (0: skip)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.sizes:
        for n in args.sizes.split(","):
            cmd = [sys.executable, __file__, "--persons", n, "--months", str(args.months),
                   "--csv-rows", str(args.csv_rows), "--seed", str(args.seed)]
            subprocess.run(cmd, check=True)
        return
    print(json.dumps(measure(args.persons, args.months, args.csv_rows, args.seed)), flush=True)


if __name__ == "__main__":
    main()
