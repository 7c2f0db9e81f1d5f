"""Benchmark: ``langzeit kennzahlen`` at national scale, 12 months from CSV and Parquet (wall time, peak RSS).

The three goals of issue 13 ("Speed and memory"), measured on this machine:

- the CLI on 1 M persons (~49 M rows, ~2 GB CSV), 12 reference months: ≤ 30 s, ≤ 6 GiB;
- the same from Parquet: ≤ 10 s;
- all ELB of Germany (5.5 M persons, synthetic), 12 months, Parquet: ≤ 60 s, ≤ 16 GiB.

The synthetic spells (``generate_spells``, 2019–2025, monthly amounts throughout) are
generated in blocks of 250,000 persons (each block its own random stream of
``SeedSequence(seed).spawn``, person ids numbered on) and written once, block by block,
as Parquet (``write_spells``' layout) and CSV (the columns of ``write_spells``, written
by ``pyarrow.csv``) into ``--dir`` (default ``/work/bigdata``, reused by later runs).
Jobcenters: one per 2,500 persons, at most 404 (Germany's number). Every step runs in
its own process; wall time, CPU and system time, minor page faults and peak resident memory
(``ru_maxrss`` from ``os.wait4``) are of that process:

- ``pyarrow_read_csv`` / ``pyarrow_read_parquet``: ``pyarrow.csv.read_csv`` /
  ``pyarrow.parquet.read_table`` of the same file (the yardstick, in the same run);
- ``cli_kennzahlen_csv`` / ``cli_kennzahlen_parquet``: ``langzeit kennzahlen FILE
  --month 2024-01 … --month 2024-12 --format json`` (output to a file; its size is shown).

One JSON object is printed, with ``goals`` (limit, measured, met). The machine may be
shared: the 1-minute load average before and after is printed too.

    python benchmarks/national.py --persons 1000000
    python benchmarks/national.py --persons 5500000 --formats parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest import MONTHS, _run

BLOCK = 250_000
MAX_JOBCENTERS = 404
GIB = 1024.0
GOALS = {  # persons -> step -> (seconds, GiB or None)
    1_000_000: {"cli_kennzahlen_csv": (30.0, 6.0), "cli_kennzahlen_parquet": (10.0, None)},
    5_500_000: {"cli_kennzahlen_parquet": (60.0, 16.0)},
}
_READ = {
    "csv": "import sys, time, pyarrow.csv as c; t0 = time.perf_counter(); "
    "t = c.read_csv(sys.argv[1]); print(t.num_rows, time.perf_counter() - t0)",
    "parquet": "import sys, time, pyarrow.parquet as pq; t0 = time.perf_counter(); "
    "t = pq.read_table(sys.argv[1]); print(t.num_rows, time.perf_counter() - t0)",
}


def _prepare(persons: int, seed: int, directory: Path, formats: list[str]) -> dict[str, object]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from langzeit.spells import COLUMNS, generate_spells
    from langzeit.spells._files import _plain_person_ids

    base = directory / f"national-{persons}-{seed}"
    paths = {"csv": base.with_suffix(".csv"), "parquet": base.with_suffix(".parquet")}
    info: dict[str, object] = {}
    missing = [f for f in formats if not paths[f].exists()]
    if missing:
        n_jc = max(1, min(MAX_JOBCENTERS, persons // 2500))
        streams = np.random.SeedSequence(seed).spawn((persons + BLOCK - 1) // BLOCK)
        tmp = {f: paths[f].with_suffix(".tmp-" + f) for f in missing}
        writer = None
        handle = tmp["csv"].open("wb") if "csv" in tmp else None
        rows = 0
        for i, stream in enumerate(streams):
            n = min(BLOCK, persons - i * BLOCK)
            block = generate_spells(n, seed=np.random.default_rng(stream), start=dt.date(2019, 1, 1),
                                    end=dt.date(2025, 12, 31), n_jobcenters=n_jc)
            block = block.__class__(**{**_fields(block), "person_ids": np.arange(i * BLOCK, i * BLOCK + n)})
            arrow = _plain_person_ids(block.to_arrow())
            rows += arrow.num_rows
            if "parquet" in tmp:
                if writer is None:
                    writer = pq.ParquetWriter(tmp["parquet"], arrow.schema)
                writer.write_table(arrow)
            if handle is not None:
                if i == 0:
                    handle.write((",".join(COLUMNS) + "\n").encode())
                text = pa.table({
                    name: (arrow.column(name).cast(pa.int8()) if name == "single_parent"
                           else arrow.column(name).cast(arrow.schema.field(name).type.value_type)
                           if pa.types.is_dictionary(arrow.schema.field(name).type) else arrow.column(name))
                    for name in COLUMNS
                })
                pacsv.write_csv(text, handle, pacsv.WriteOptions(include_header=False, quoting_style="none"))
        if writer is not None:
            writer.close()
        if handle is not None:
            handle.close()
        for f, path in tmp.items():
            path.replace(paths[f])
        info["generated_rows"] = rows
    for f in formats:
        info[f"{f}_mb"] = round(paths[f].stat().st_size / 1e6, 1)
        info[f] = str(paths[f])
    return info


def _fields(table: object) -> dict[str, object]:
    import attrs

    return {a.name: getattr(table, a.name) for a in attrs.fields(type(table))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path("/work/bigdata"))
    parser.add_argument("--formats", default="csv,parquet", help="comma-separated: csv, parquet")
    parser.add_argument("--no-yardstick", action="store_true", help="skip the pyarrow reads")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = args.formats.split(",")
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.prepare_only:  # in a child: the generator's memory must not count in the steps' peak RSS
        print(json.dumps(_prepare(args.persons, args.seed, args.dir, formats)))
        return
    figures: dict[str, object] = {
        "persons": args.persons, "cpus": os.cpu_count(),
        "load_average_1min_before": round(os.getloadavg()[0], 1),
    }
    prepare = [sys.executable, __file__, "--prepare-only", "--persons", str(args.persons),
               "--seed", str(args.seed), "--dir", str(args.dir), "--formats", args.formats]
    figures.update(json.loads(subprocess.run(prepare, check=True, capture_output=True, text=True).stdout))
    cli = [str(Path(sys.executable).parent / "langzeit"), "kennzahlen"]
    months = [a for m in MONTHS for a in ("--month", m)]
    goals = GOALS.get(args.persons, {})
    results = []
    for fmt in formats:
        path = str(figures[fmt])
        if not args.no_yardstick:
            result = _run([sys.executable, "-c", _READ[fmt], path])
            rows, seconds = str(result.pop("output")).split()
            figures["rows"] = int(rows)
            result["read_s"] = round(float(seconds), 2)
            figures[f"pyarrow_read_{fmt}"] = result
        with tempfile.NamedTemporaryFile(suffix=".json", dir=args.dir) as out:
            # the shell execs the CLI with its output in the file: wait4 measures the CLI itself
            result = _run(["sh", "-c", 'exec "$@" > "$0"', out.name, *cli, path, *months, "--format", "json"])
            result.pop("output")
            cells = json.loads(Path(out.name).read_text())
            result["cells"] = len(cells)
            result["jobcenters"] = len({c["jobcenter"] for c in cells})
            result["json_mb"] = round(Path(out.name).stat().st_size / 1e6, 1)
            del cells
        step = f"cli_kennzahlen_{fmt}"
        figures[step] = result
        if step in goals:
            limit_s, limit_gib = goals[step]
            rss_gib = float(result["peak_rss_mib"]) / GIB
            met = float(result["wall_s"]) <= limit_s and (limit_gib is None or rss_gib <= limit_gib)
            results.append({"step": step, "limit_s": limit_s, "limit_gib": limit_gib,
                            "wall_s": result["wall_s"], "peak_rss_gib": round(rss_gib, 2), "met": met})
    figures["goals"] = results
    figures["load_average_1min_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
