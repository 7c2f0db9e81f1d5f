"""The bad-input harness: generated bad input for every CLI command, and what must hold.

Used by ``tests/cli/test_bad_input.py`` (a short run in the normal suite) and by
``benchmarks/bad_input.py`` (a long run before a release, JSON output). Each case is a
command line plus the files it reads; :func:`run` runs it in this process and
:func:`check` asserts the rules of ``docs/guides/bad-input.md``:

* the exit code is documented for the command (0 when the input turned out fine;
  2 bad input; ``validate`` also 1; never 70, an internal error);
* a failure prints exactly one line on stderr, ``langzeit…: error: …``, that names the
  file (or line), the option or the key — and no traceback;
* no output file is left behind (nor a temporary one), and an existing one is untouched;
* the case ends within a time bound.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import resource
import sqlite3
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
from hypothesis import strategies as st

from langzeit._toml_write import dumps_toml
from langzeit.cli import main
from langzeit.simulation import load_scenario
from langzeit.store import write_events

ROOT = Path(__file__).resolve().parents[2]
SPELLS = ROOT / "examples" / "spells-small.csv"
SCENARIO_DIR = ROOT / "src" / "langzeit" / "simulation" / "scenarios"
PROGRAMME_DIR = ROOT / "src" / "langzeit" / "programmes" / "data"

#: The most seconds one case may take (a small simulation included, on a loaded machine).
TIME_BOUND = 30.0
#: The most the process's peak memory may grow in one case (MB).
MEMORY_BOUND_MB = 500
#: The bound on a run's events in the harness: a mutated scenario that is valid but large
#: is refused by the size check instead of running for minutes.
HARNESS_MAX_EVENTS = "20000"

#: Exit codes each command may end with on bad input.
ALLOWED = {"validate": {0, 1, 2}, "report": {0, 2}, "simulate": {0, 2}, "kennzahlen": {0, 2},
           "evaluate": {0, 2}, "schema": {0, 2},
           "scenarios": {0, 2}, "programmes": {0, 2}}


#: How many cases ran in this process (the benchmark reports it).
RUNS = 0


@attrs.frozen
class Outcome:
    """What one case did."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float
    leftovers: tuple[str, ...]
    grew_mb: float = 0.0


def seed_files(folder: Path) -> dict[str, Path]:
    """Valid input files of every kind, written once into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    from langzeit.simulation import simulate

    result = simulate(load_scenario("pan-ploen"), seed=1, replications=1)
    files = {}
    for suffix in ("jsonl", "csv", "sqlite"):
        path = folder / f"good.{suffix}"
        if not path.exists():
            write_events(result.log(0), path)
        files[suffix] = path
    people = folder / "people.csv"
    ids = sorted({e.participant_id for e in result.log(0)})
    people.write_text("participant_id,sex\n" + "".join(f"{p},{'FM'[i % 2]}\n" for i, p in enumerate(ids)),
                      encoding="utf-8")
    files["participants"] = people
    files["scenario"] = SCENARIO_DIR / "geh-vor.toml"
    files["programme"] = PROGRAMME_DIR / "geh-vor.toml"
    files["spells"] = SPELLS
    return files


def _listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def run(argv: Sequence[str], *, folder: Path) -> Outcome:
    """Run ``langzeit argv`` in this process; note the files it left in ``folder``."""
    global RUNS
    RUNS += 1
    before = _listing(folder)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as done:  # argparse's usage errors
            code = done.code if isinstance(done.code, int) else 2
    seconds = time.perf_counter() - start
    # SQLite keeps -wal/-shm beside a WAL database that was opened read-only (an input,
    # not an output of the command): they are the input's, not left-over output.
    inputs = {Path(a).name for a in argv}
    leftovers = tuple(sorted(f for f in _listing(folder) - before
                             if not (f.endswith(("-wal", "-shm")) and f[:-4] in inputs)))
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak) / 1024  # kB on Linux
    return Outcome(tuple(argv), code, out.getvalue(), err.getvalue(), seconds, leftovers, grew)


def check(outcome: Outcome, *, names: Sequence[str] = (), expect: set[int] | None = None) -> None:
    """Assert the harness rules for one outcome; ``names``: what the line may name instead of a file."""
    command = outcome.argv[0]
    allowed = expect if expect is not None else ALLOWED[command]
    where = f"langzeit {' '.join(outcome.argv)!s}"[:300]
    assert "Traceback" not in outcome.stderr, f"{where}: a traceback\n{outcome.stderr[-2000:]}"
    assert outcome.code in allowed, (
        f"{where}: exit {outcome.code}, expected {sorted(allowed)}\n{outcome.stderr}")
    if outcome.code == 2 or (outcome.code != 0 and command != "validate"):
        lines = outcome.stderr.splitlines()
        assert len(lines) == 1, f"{where}: {len(lines)} lines on stderr\n{outcome.stderr[:2000]}"
        line = lines[0]
        assert line.startswith("langzeit"), f"{where}: {line!r}"
        assert ": error: " in line, f"{where}: {line!r}"
        wanted = [Path(a).name for a in outcome.argv if "/" in a or "." in a] + list(names)
        assert any(w and w in line for w in wanted), f"{where}: the line names none of {wanted}: {line!r}"
    if outcome.code != 0:
        assert not outcome.leftovers, f"{where}: left {outcome.leftovers}"
    else:
        assert not [f for f in outcome.leftovers if ".tmp" in f], f"{where}: left {outcome.leftovers}"
    assert outcome.seconds < TIME_BOUND, f"{where}: took {outcome.seconds:.1f} s"
    assert outcome.grew_mb < MEMORY_BOUND_MB, f"{where}: the peak memory grew by {outcome.grew_mb:.0f} MB"


# -- generated bad input -----------------------------------------------------------------

SUFFIXES = (".jsonl", ".csv", ".sqlite", ".db", ".toml", ".json")

random_bytes = st.binary(min_size=0, max_size=2000)

#: Texts that break readers: deep nesting, BOMs, NUL, huge numbers, odd encodings.
nasty_texts = st.sampled_from([
    "[" * 100_000,
    "{\"a\":" * 50_000,
    "a = " + "[" * 100_000,
    "a = " + "{b = " * 20_000,
    "\ufeff",
    "\x00" * 100,
    "9" * 5000,
    "#langzeit-events v1\n" + "x," * 10_000,
    "#langzeit-events v999\n",
    "{\"format\": \"langzeit-events\", \"version\": 1}\n" + "[" * 100_000,
    "=cmd|' /C calc'!A0",
    'id = "x"\nstart = 2024-01-01\nhorizon = 12\nprogramme = "pan"\n[referrals]\nkind = "poisson"\n'
    'rate = inf\n',
    'id = "x"\nstart = 2024-01-01\nhorizon = 12\nprogramme = "pan"\n[referrals]\nkind = "poisson"\n'
    'rate = nan\n',
    'id = "x"\nstart = 2024-01-01\nhorizon = 12\nprogramme = "pan"\n[referrals]\nkind = "cohorts"\n'
    'size = 10\nevery = {days = 1}\n',
])


def mutate(data: bytes, draw: Any) -> bytes:
    """A truncated, byte-flipped, spliced or line-shuffled copy of a valid file."""
    how = draw(st.sampled_from(["truncate", "flip", "insert", "lines", "encode"]))
    if not data:
        return data
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    if how == "flip":
        out = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(out) - 1))
            out[i] = draw(st.integers(0, 255))
        return bytes(out)
    if how == "insert":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.binary(min_size=1, max_size=200)) + data[i:]
    if how == "encode":
        codec = draw(st.sampled_from(["utf-16", "latin-1", "cp1252", "utf-8-sig"]))
        return data.decode("utf-8").encode(codec, errors="replace")
    lines = data.split(b"\n")
    i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    if draw(st.booleans()):
        lines.insert(i, lines[j])
    return b"\n".join(lines)


#: Extreme values for keys of a TOML table.
extreme_values = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 1, 10**9, 2**63, -(2**63)]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e5, 1e7, 1e9, 1e-300, 1e300]),
    st.sampled_from(["", "three", "100000000 months", "-3 months", "P9999Y", "9999-12-31", "0001-01-01"]),
    st.sampled_from([dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1899, 12, 31)]),
    st.booleans(),
    st.lists(st.integers(-5, 20), max_size=4),
    st.just([6, 6]),
    st.dictionaries(st.sampled_from(["kind", "mean", "rate", "x"]), st.integers(-3, 3), max_size=2),
)


def key_paths(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a nested table (tables only; arrays of tables by index are left out)."""
    out = []
    for key, value in table.items():
        out.append((*prefix, key))
        if isinstance(value, dict):
            out.extend(key_paths(value, (*prefix, key)))
    return out


def with_value(table: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``table`` with ``value`` at ``path``."""
    out = dict(table)
    if len(path) == 1:
        out[path[0]] = value
    else:
        inner = out.get(path[0])
        out[path[0]] = with_value(inner if isinstance(inner, dict) else {}, path[1:], value)
    return out


def scenario_variants(draw: Any, source: Path) -> str:
    """The TOML of a scenario with one to three keys set to extreme values."""
    table = tomllib.loads(source.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(key_paths(table)))
        table = with_value(table, path, draw(extreme_values))
    return dumps_toml(table)


#: Option values to try, by option: out-of-range numbers and dates, text, empty.
bad_numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=-1).map(str),
    st.sampled_from(["0", "-0", "1e9", "nan", "inf", "", " ", "3.5", "0x10", "9" * 5000, "١٢"]),
)
bad_dates = st.one_of(
    st.dates(max_value=dt.date(1899, 12, 31)).map(dt.date.isoformat),
    st.dates(min_value=dt.date(2200, 1, 1)).map(dt.date.isoformat),
    st.sampled_from(["0001-01-01", "9999-12-31", "2024-02-30", "2024-13-01", "", "yesterday", "1990-01-01"]),
)
bad_months = st.one_of(
    st.sampled_from(["9999-12", "0001-01", "2024-13", "2024-00", "", "2024", "24-06", "1899-12"]),
    st.integers(min_value=2200, max_value=9999).map(lambda y: f"{y}-06"),
)


def write(folder: Path, name: str, data: bytes | str) -> Path:
    """Write a case file (bytes or UTF-8 text)."""
    path = folder / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def sqlite_with_bad_rows(folder: Path, good: Path, draw: Any) -> Path:
    """A copy of a valid SQLite store with some rows' columns replaced by junk."""
    path = folder / f"junk-{draw(st.integers(0, 10**6))}.sqlite"
    path.write_bytes(good.read_bytes())
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        table = draw(st.sampled_from(tables))
        columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        column = draw(st.sampled_from(columns))
        junk = draw(st.one_of(st.text(max_size=50), st.integers(-(2**63), 2**63 - 1), st.none(),
                              st.binary(max_size=50)))
        with contextlib.suppress(sqlite3.Error):
            db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid % 3 = 0", (junk,))
            db.commit()
    return path


def unlink(path: Path) -> None:
    """Remove a case file (and SQLite's side files)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            os.unlink(p)
