"""Benchmark: reading real spell files — CSV and Parquet — and the ``langzeit kennzahlen`` CLI on them.

For N synthetic persons (``generate_spells``, 2019–2025, monthly amounts throughout:
about 49 rows per person) the spells are written once as CSV and Parquet into a cache
directory (reused by later runs). Then each step runs in its own process, so that wall
time and peak resident memory (``ru_maxrss`` of that process, from ``os.wait4``; the
data are generated in a child too) are per step:

- ``pyarrow_read_csv``: ``pyarrow.csv.read_csv`` of the same CSV file with its defaults
  (type inference, both cores) — the yardstick;
- ``read_spells_csv``: ``langzeit.spells.read_spells`` of the CSV file, every row checked
  (``ratio_to_pyarrow`` = its wall time / pyarrow's);
- ``read_spells_parquet``: the same from the Parquet file;
- ``cli_kennzahlen_csv`` / ``cli_kennzahlen_parquet``: ``langzeit kennzahlen FILE
  --month ... --format json`` for 12 reference months (output to ``/dev/null``).

``--hostile`` adds files of hostile shape (each with wall time, peak RSS and outcome):
``wide_header`` (10⁶ extra columns, 3 rows: read), ``long_line`` (a 50 MB line: a clear
error), ``one_person`` (10⁷ rows of one person: read, and ``langzeit kennzahlen``).

One JSON object is printed; the machine may be shared, so the 1-minute load average
before and after is printed too.

    python benchmarks/ingest.py --persons 100000
    python benchmarks/ingest.py --persons 1000000 --steps read_spells_csv,cli_kennzahlen_csv
    python benchmarks/ingest.py --persons 1000 --steps read_spells_csv --hostile
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = (
    "pyarrow_read_csv", "read_spells_csv", "read_spells_parquet", "cli_kennzahlen_csv",
    "cli_kennzahlen_parquet",
)
HOSTILE = ("wide_header", "long_line", "one_person")
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]

_CHILD = {  # each prints "rows seconds": the read alone, without interpreter start and imports
    "pyarrow_read_csv": "import sys, time, pyarrow.csv as c; t0 = time.perf_counter(); "
    "t = c.read_csv(sys.argv[1]); print(t.num_rows, time.perf_counter() - t0)",
    "read_spells": "import sys, time; from langzeit.spells import read_spells; t0 = time.perf_counter(); "
    "n = len(read_spells(sys.argv[1])); print(n, time.perf_counter() - t0)",
}


def _prepare(persons: int, seed: int, directory: Path) -> dict[str, object]:
    import numpy as np  # noqa: F401 - the generator's dependency, imported here to keep the parent light

    from langzeit.spells import generate_spells, write_spells

    csv_path = directory / f"spells-{persons}-{seed}.csv"
    parquet_path = csv_path.with_suffix(".parquet")
    info: dict[str, object] = {}
    if not (csv_path.exists() and parquet_path.exists()):
        t0 = time.perf_counter()
        spells = generate_spells(
            persons, seed=seed, start=dt.date(2019, 1, 1), end=dt.date(2025, 12, 31),
        )
        t1 = time.perf_counter()
        write_spells(spells, parquet_path)
        tmp = csv_path.with_suffix(".tmp")
        write_spells(spells, tmp, format="csv")
        tmp.replace(csv_path)
        info["generate_s"] = round(t1 - t0, 1)
        info["write_s"] = round(time.perf_counter() - t1, 1)
    info["csv_mb"] = round(csv_path.stat().st_size / 1e6, 1)
    info["parquet_mb"] = round(parquet_path.stat().st_size / 1e6, 1)
    info["csv"], info["parquet"] = str(csv_path), str(parquet_path)
    return info


_HEADER = b"person_id,kind,start,end,jobcenter,sex,single_parent,instrument,amount"
_OUTCOME = (  # prints "rows" or the one-line error of an unreadable file
    "import sys\nfrom langzeit.exceptions import DataFormatError\nfrom langzeit.spells import read_spells\n"
    "try:\n    print(len(read_spells(sys.argv[1])))\nexcept DataFormatError as e:\n    print(str(e))\n"
)


def _hostile(directory: Path, cli: list[str]) -> dict[str, object]:
    """Files of hostile shape: each read in its own process (wall time, peak RSS, outcome)."""
    out: dict[str, object] = {}
    wide = directory / "wide-header.csv"
    if not wide.exists():
        extra = b"".join(b",x%d" % i for i in range(1_000_000))
        row = b"p,elb,2024-01-01,,J,F,0,,," + b"," * (1_000_000 - 1)
        wide.write_bytes(_HEADER + extra + b"\n" + (row + b"\n") * 3)
    long_line = directory / "long-line.csv"
    if not long_line.exists():
        long_field = b"x" * 50_000_000
        rows = b"\np,elb,2024-01-01,,J,F,0,,\np," + long_field + b",2024-01-01,,,,,,\n"
        long_line.write_bytes(_HEADER + rows)
    one = directory / "one-person.csv"
    if not one.exists():
        with one.open("wb") as handle:
            handle.write(_HEADER + b"\n")
            block = b"p,elb,2024-01-01,2024-01-31,J,F,0,,\n" * 1_000_000
            for _ in range(10):
                handle.write(block)
    python = [sys.executable, "-c", _OUTCOME]
    for name, path in (("wide_header", wide), ("long_line", long_line), ("one_person", one)):
        result = _run([*python, str(path)])
        result["mb"] = round(path.stat().st_size / 1e6, 1)
        out[name] = result
    result = _run([*cli, "kennzahlen", str(one), "--month", "2024-06", "--format", "json"])
    result.pop("output")
    out["one_person_cli_kennzahlen"] = result
    return out


def _run(argv: list[str]) -> dict[str, object]:
    """Wall, CPU and system seconds, peak RSS, minor faults and last output line of a child.

    System time and minor faults are listed because on a virtual machine whose host takes
    freed pages back they, not the computation, explain most of the spread between runs.
    """
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        out.seek(0)
        lines = out.read().decode().strip().splitlines()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err[-2000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "system_s": round(usage.ru_stime, 2),
            "minor_faults": usage.ru_minflt, "output": lines[-1] if lines else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "langzeit-ingest")
    parser.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, of {', '.join(STEPS)}")
    parser.add_argument("--hostile", action="store_true", help="also the files of hostile shape")
    parser.add_argument("--prepare-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    if args.prepare_only:  # in a child: the generator's memory must not count in the steps' peak RSS
        print(json.dumps(_prepare(args.persons, args.seed, args.dir)))
        return
    steps = args.steps.split(",")
    figures: dict[str, object] = {
        "persons": args.persons, "cpus": os.cpu_count(),
        "load_average_1min_before": round(os.getloadavg()[0], 1),
    }
    prepare = [sys.executable, __file__, "--prepare-only", "--persons", str(args.persons),
               "--seed", str(args.seed), "--dir", str(args.dir)]
    files = json.loads(subprocess.run(prepare, check=True, capture_output=True, text=True).stdout)
    figures.update(files)
    csv_path, parquet_path = str(files["csv"]), str(files["parquet"])
    python = sys.executable
    cli = [str(Path(python).parent / "langzeit")]
    months = [a for m in MONTHS for a in ("--month", m)]
    commands = {
        "pyarrow_read_csv": [python, "-c", _CHILD["pyarrow_read_csv"], csv_path],
        "read_spells_csv": [python, "-c", _CHILD["read_spells"], csv_path],
        "read_spells_parquet": [python, "-c", _CHILD["read_spells"], parquet_path],
        "cli_kennzahlen_csv": [*cli, "kennzahlen", csv_path, *months, "--format", "json"],
        "cli_kennzahlen_parquet": [*cli, "kennzahlen", parquet_path, *months, "--format", "json"],
    }
    for step in steps:
        result = _run(commands[step])
        if step.startswith("read_spells") or step == "pyarrow_read_csv":
            rows_text, seconds = str(result.pop("output")).split()
            rows = int(rows_text)
            figures["rows"] = rows
            result["read_s"] = round(float(seconds), 2)
            result["rows_per_s"] = round(rows / float(seconds))
        else:
            result.pop("output")
        figures[step] = result
    if "pyarrow_read_csv" in figures and "read_spells_csv" in figures:
        pa_read = figures["pyarrow_read_csv"]
        ls_read = figures["read_spells_csv"]
        assert isinstance(pa_read, dict)
        assert isinstance(ls_read, dict)
        figures["ratio_to_pyarrow"] = round(ls_read["read_s"] / pa_read["read_s"], 2)
        figures["ratio_to_pyarrow_wall"] = round(ls_read["wall_s"] / pa_read["wall_s"], 2)
    if args.hostile:
        figures["hostile"] = _hostile(args.dir, cli)
    figures["load_average_1min_after"] = round(os.getloadavg()[0], 1)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
