"""The long pre-release run of the bad-input harness (issue 12): many more examples, a JSON summary.

Uses the harness of the test suite (``tests/cli/_bad_input.py``, the commands and
option tables of ``tests/cli/test_bad_input.py``) and the same rules
(``docs/guides/bad-input.md``), but draws ``--examples`` inputs per class instead of 25
and records every outcome instead of stopping at the first failure. Prints JSON:
inputs tried per class, outcomes per class (exit codes, rule failures with their
command lines), the seconds taken and the peak memory. Exits 1 when any case broke a
rule, so a release script can run it::

    python benchmarks/bad_input.py --examples 500
    python benchmarks/bad_input.py --examples 50 --classes options,nasty --seed 7
"""

from __future__ import annotations

import argparse
import collections
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402 - after the path set-up
from hypothesis import strategies as st  # noqa: E402

from cli import _bad_input as harness  # noqa: E402
from cli.test_bad_input import ISSUE_FILES, OPTIONS, _commands  # noqa: E402


class Tally:
    """Outcomes of one class: exit codes, and the cases that broke a rule."""

    def __init__(self) -> None:
        self.inputs = 0
        self.cases = 0
        self.codes: collections.Counter[int] = collections.Counter()
        self.failures: list[dict[str, str]] = []
        self.seconds = 0.0
        self.slowest = 0.0

    def record(self, outcome: harness.Outcome, names: tuple[str, ...] = ()) -> None:
        """Count one case's outcome; keep the first 20 that broke a rule."""
        self.cases += 1
        self.codes[outcome.code] += 1
        self.slowest = max(self.slowest, outcome.seconds)
        try:
            harness.check(outcome, names=names)
        except AssertionError as broken:
            if len(self.failures) < 20:
                self.failures.append({"argv": " ".join(outcome.argv)[:300], "rule": str(broken)[:500]})
            else:
                self.failures.append({})

    def summary(self) -> dict[str, Any]:
        """The class's JSON summary."""
        return {
            "inputs": self.inputs, "cases": self.cases,
            "exit_codes": {str(k): v for k, v in sorted(self.codes.items())},
            "failures": len(self.failures), "failed_cases": [f for f in self.failures if f][:20],
            "seconds": round(self.seconds, 2), "slowest_case_s": round(self.slowest, 3),
        }


def _run_all(paths_argv: Iterator[list[str]], folder: Path, tally: Tally,
             names: tuple[str, ...] = ()) -> None:
    for argv in paths_argv:
        tally.record(harness.run(argv, folder=folder), names)


def classes(files: dict[str, Path], base: Path) -> dict[str, Callable[[Tally], Callable[..., None]]]:
    """Each class: a function of the tally giving a Hypothesis test body over that class."""

    def case() -> Path:
        return Path(tempfile.mkdtemp(dir=base))

    def random_bytes(tally: Tally) -> Callable[..., None]:
        @given(data=harness.random_bytes, suffix=st.sampled_from(harness.SUFFIXES))
        def body(data: bytes, suffix: str) -> None:
            tally.inputs += 1
            folder = case()
            path = harness.write(folder, "random" + suffix, data)
            _run_all(_commands(path, files), folder, tally)
        return body

    def mutated(tally: Tally) -> Callable[..., None]:
        @given(kind=st.sampled_from(["jsonl", "csv", "scenario", "programme", "spells", "participants"]),
               data=st.data())
        def body(kind: str, data: st.DataObject) -> None:
            tally.inputs += 1
            folder = case()
            source = files[kind]
            suffix = ".toml" if kind in ("scenario", "programme") else source.suffix
            path = harness.write(folder, f"mutated{suffix}", harness.mutate(source.read_bytes(), data.draw))
            _run_all(_commands(path, files), folder, tally)
        return body

    def nasty(tally: Tally) -> Callable[..., None]:
        @given(text=harness.nasty_texts, suffix=st.sampled_from(harness.SUFFIXES))
        def body(text: str, suffix: str) -> None:
            tally.inputs += 1
            folder = case()
            _run_all(_commands(harness.write(folder, "nasty" + suffix, text), files), folder, tally)
        return body

    def sqlite(tally: Tally) -> Callable[..., None]:
        @given(data=st.data())
        def body(data: st.DataObject) -> None:
            tally.inputs += 1
            folder = case()
            path = harness.sqlite_with_bad_rows(folder, files["sqlite"], data.draw)
            _run_all(_commands(path, files), folder, tally)
        return body

    def scenarios(tally: Tally) -> Callable[..., None]:
        @given(data=st.data(), name=st.sampled_from(["geh-vor", "sanus-le", "pan-ploen", "aktivoreha",
                                                     "rpe-euregio"]))
        def body(data: st.DataObject, name: str) -> None:
            tally.inputs += 1
            folder = case()
            source = files["scenario"].with_name(f"{name}.toml")
            path = harness.write(folder, f"{name}-x.toml", harness.scenario_variants(data.draw, source))
            _run_all(_commands(path, files), folder, tally)
        return body

    def options(tally: Tally) -> Callable[..., None]:
        @given(command=st.sampled_from(sorted(OPTIONS)), data=st.data())
        def body(command: str, data: st.DataObject) -> None:
            tally.inputs += 1
            argv, table = OPTIONS[command]
            option = data.draw(st.sampled_from(sorted(table)))
            value = data.draw(table[option])
            names = {"SPELLS": str(files["spells"]), "JSONL": str(files["jsonl"])}
            full = [names.get(a, a) for a in argv] + [f"{option}={value}"]
            tally.record(harness.run(full, folder=case()), (option,))
        return body

    return {"random_bytes": random_bytes, "mutated": mutated, "nasty": nasty, "sqlite": sqlite,
            "scenarios": scenarios, "options": options}


def fixed_cases(files: dict[str, Path], base: Path, tally: Tally) -> None:
    """The fixed files of issue 12 (deep nesting, BOM, latin-1, UTF-16, binary, empty), once each."""
    for name, data in sorted(ISSUE_FILES.items()):
        tally.inputs += 1
        folder = Path(tempfile.mkdtemp(dir=base))
        _run_all(_commands(harness.write(folder, name, data), files), folder, tally)


def main(argv: list[str] | None = None) -> int:
    """Run the long harness and print the JSON summary; 1 when a rule was broken."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=300,
                        help="examples per generated class (default 300)")
    parser.add_argument("--classes", default="", help="comma-separated classes (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis seed (default 0)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = harness.seed_files(root / "seed")
        base = root / "cases"
        base.mkdir()
        makers = classes(files, base)
        chosen = [c for c in args.classes.split(",") if c] or list(makers)
        unknown = [c for c in chosen if c not in makers]
        if unknown:
            parser.error(f"unknown class {unknown[0]!r}; known: {', '.join(makers)}")
        tallies: dict[str, Tally] = {}
        fixed = Tally()
        t0 = time.perf_counter()
        fixed_cases(files, base, fixed)
        fixed.seconds = time.perf_counter() - t0
        tallies["fixed_issue_files"] = fixed
        for name in chosen:
            tally = Tally()
            body = makers[name](tally)
            runner = seed(args.seed)(settings(max_examples=args.examples, deadline=None, database=None,
                                              suppress_health_check=list(HealthCheck))(body))
            t0 = time.perf_counter()
            runner()
            tally.seconds = time.perf_counter() - t0
            tallies[name] = tally
    summary = {
        "benchmark": "bad_input",
        "examples_per_class": args.examples,
        "seed": args.seed,
        "classes": {name: t.summary() for name, t in tallies.items()},
        "inputs": sum(t.inputs for t in tallies.values()),
        "cases": sum(t.cases for t in tallies.values()),
        "failures": sum(len(t.failures) for t in tallies.values()),
        "seconds": round(time.perf_counter() - start, 1),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(summary, indent=2))
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
