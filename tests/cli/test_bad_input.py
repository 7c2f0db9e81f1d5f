"""Every bad input a clear error: generated bad input for every CLI command (issue 12).

The rules (``docs/guides/bad-input.md``) are checked by ``cli._bad_input.check``: a
documented exit code, exactly one line on stderr naming the file, line, option or key,
no traceback, no output file left, bounded time and memory. The regression table pins
the inputs of the issue; the Hypothesis tests generate more of each class. A longer run:
``python benchmarks/bad_input.py``.
"""

from __future__ import annotations

import errno
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli._bad_input import (
    HARNESS_MAX_EVENTS,
    SPELLS,
    SUFFIXES,
    bad_dates,
    bad_months,
    bad_numbers,
    check,
    mutate,
    nasty_texts,
    random_bytes,
    run,
    scenario_variants,
    seed_files,
    sqlite_with_bad_rows,
    write,
)
from langzeit.spells import read_spells, write_spells

#: Examples per generated class in the normal suite (the benchmark runs many more).
EXAMPLES = int(os.environ.get("LANGZEIT_BAD_INPUT_EXAMPLES", "25"))
few = settings(max_examples=EXAMPLES)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid files of every kind, to mutate."""
    return seed_files(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the cases of this module."""
    return tmp_path_factory.mktemp("cases")


def _case_folder(base: Path) -> Path:
    return Path(tempfile.mkdtemp(dir=base))


def _commands(path: Path, files: dict[str, Path]) -> Iterator[list[str]]:
    """Every command that reads a file like ``path``."""
    suffix = path.suffix
    yield ["validate", str(path)]
    if suffix in (".jsonl", ".csv", ".sqlite", ".db"):
        yield ["report", str(path)]
    if suffix == ".toml":
        yield ["simulate", str(path), "--replications", "1", "--max-events", HARNESS_MAX_EVENTS]
        yield ["kennzahlen", str(files["spells"]), "--month", "2024-06", "--instruments", str(path)]
    if suffix == ".csv":
        yield ["kennzahlen", str(path), "--month", "2024-06"]
        yield ["report", str(files["jsonl"]), "--participants", str(path), "--by", "sex"]
        yield ["evaluate", str(files["jsonl"]), str(files["spells"]), "--mapping", str(path)]
        yield ["kennzahlen", str(files["spells"]), "--month", "2024-06", "--groups", str(path)]


# -- the inputs named in the issue -----------------------------------------------------------

ISSUE_OPTIONS = [
    (["simulate", "pan-ploen", "--seed", "-1"], "--seed"),
    (["simulate", "pan-ploen", "--replications", "0"], "--replications"),
    (["simulate", "pan-ploen", "--replications", "10000000000"], "--replications"),
    (["kennzahlen", "SPELLS", "--month", "9999-12"], "--month"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--stichtag", "0"], "--stichtag"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--stichtag", "32"], "--stichtag"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--min-n", "-1"], "--min-n"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--round-to", "0"], "--round-to"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--round-to", "-5"], "--round-to"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--data-end", "1990-01-01"], "--data-end"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--data-end", "9999-12-31"], "--data-end"),
    (["kennzahlen", "SPELLS", "--month", "2024-06", "--min-n", "0", "--round-to", "10"], "--round-to"),
    (["report", "JSONL", "--min-n", "0", "--round-to", "10"], "--round-to"),
    (["schema", "commands", "--name", "nosuch"], "--name"),
    (["schema", "events", "--name", ""], "--name"),
    (["report", "JSONL", "--min-n", "-1"], "--min-n"),
    (["report", "JSONL", "--round-to", "0"], "--round-to"),
    (["report", "JSONL", "--round-to", "-5"], "--round-to"),
    (["report", "JSONL", "--data-end", "1990-01-01"], "--data-end"),
    (["report", "JSONL", "--data-end", "9999-12-31"], "--data-end"),
    (["report", "JSONL", "--planned-months", "-3"], "--planned-months"),
    (["report", "JSONL", "--by", "sex"], "--by"),
    (["report", "JSONL", "--participants", "PEOPLE", "--by", "nosuch"], "nosuch"),
]


@pytest.mark.parametrize(("argv", "named"), ISSUE_OPTIONS)
def test_absurd_option_values_are_one_clear_line(
    argv: list[str], named: str, files: dict[str, Path], base: Path
) -> None:
    """Each absurd option value of the issue: exit 2, one line naming the option."""
    names = {"SPELLS": files["spells"], "JSONL": files["jsonl"], "PEOPLE": files["participants"]}
    argv = [str(names.get(a, a)) for a in argv]
    outcome = run(argv, folder=_case_folder(base))
    check(outcome, names=[named], expect={2})
    assert named in outcome.stderr


def test_meaningful_edge_values_are_accepted(files: dict[str, Path], base: Path) -> None:
    """`--min-n 0` means no suppression and `--round-to 1` no rounding, as the help says."""
    folder = _case_folder(base)
    for argv in (["report", str(files["jsonl"]), "--min-n", "0"],
                 ["report", str(files["jsonl"]), "--round-to", "1"]):
        outcome = run(argv, folder=folder)
        check(outcome, expect={0})


def test_kennzahlen_min_n_zero_means_no_suppression(files: dict[str, Path], base: Path) -> None:
    """`kennzahlen --min-n 0` means no suppression, as its help says: no cell hidden, K1 = 1000 / 650."""
    argv = ["kennzahlen", str(files["spells"]), "--month", "2024-06", "--min-n", "0", "--format", "json"]
    outcome = run(argv, folder=_case_folder(base))
    check(outcome, expect={0})
    rows = json.loads(outcome.stdout)
    assert not any(r["suppressed"] for r in rows)
    k1 = next(r for r in rows if (r["jobcenter"], r["group"], r["code"]) == ("1", "all", "K1"))
    assert (k1["numerator"], k1["denominator"]) == (1000.0, 650.0)


def test_kennzahlen_round_to_one_means_no_rounding(files: dict[str, Path], base: Path) -> None:
    """`kennzahlen --round-to 1` is the same output as leaving it out."""
    folder = _case_folder(base)
    argv = ["kennzahlen", str(files["spells"]), "--month", "2024-06", "--format", "json"]
    plain, one = run(argv, folder=folder), run([*argv, "--round-to", "1"], folder=folder)
    check(one, expect={0})
    assert one.stdout == plain.stdout


def test_a_person_with_two_sexes_is_refused(files: dict[str, Path], base: Path) -> None:
    """A participants file that gives one person two sexes: exit 2 naming both lines."""
    folder = _case_folder(base)
    people = write(folder, "people.csv", "participant_id,sex\np000001,F\np000001,M\n")
    argv = ["report", str(files["jsonl"]), "--participants", str(people), "--by", "sex"]
    outcome = run(argv, folder=folder)
    check(outcome, expect={2})
    assert "people.csv:3: participant 'p000001' has sex 'M' here but 'F' on line 2" in outcome.stderr


@pytest.mark.parametrize(("option", "text", "said"), [
    ("--mapping", "participant_id,person_id\np1\n", "short.csv:2: expected 2 cells, got 1"),
    ("--mapping", b"\xff\xfe\x00b", "short.csv:1: a binary file"),
    ("--birth-years", "person_id;birth_year\nA;19x0\n", "short.csv:2: birth_year '19x0' is not a year"),
    ("--unemployment", "person_id,start\n", "short.csv:1: needs a header with the columns person_id"),
])
def test_evaluate_side_files_are_read_strictly(
    option: str, text: str | bytes, said: str, files: dict[str, Path], base: Path
) -> None:
    """`evaluate`'s side files: a short row, binary, a bad year, a missing column: one line with its line."""
    folder = _case_folder(base)
    path = write(folder, "short.csv", text)
    outcome = run(["evaluate", str(files["jsonl"]), str(files["spells"]), option, str(path)], folder=folder)
    check(outcome, expect={2})
    assert said in outcome.stderr


def test_placeholder_dates_and_absurd_ids_are_refused(files: dict[str, Path], base: Path) -> None:
    """Dates 0001-01-01 / 9999-12-31 and a 5000-character id: refused with their line, not read silently."""
    folder = _case_folder(base)
    lines = files["jsonl"].read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split('"date": "')[1][:10], "9999-12-31")
    log = write(folder, "dates.jsonl", "\n".join(lines) + "\n")
    outcome = run(["report", str(log)], folder=folder)
    check(outcome, expect={2})
    assert "dates.jsonl:3: date: date 9999-12-31 is outside the years 1900–2199" in outcome.stderr
    spells = write(folder, "absurd.csv", "person_id,kind,start,end,jobcenter\np,elb,0001-01-01,,1\n"
                                         f"q,elb,2024-01-01,,{'J' * 5000}\n")
    outcome = run(["kennzahlen", str(spells), "--month", "2024-06"], folder=folder)
    check(outcome, expect={2})
    assert "absurd.csv:2: start is outside the years 1900–2199 (and 1 more problem" in outcome.stderr
    people = write(folder, "people.csv", f"participant_id,sex\n{'p' * 5000},F\n")
    argv = ["report", str(files["jsonl"]), "--participants", str(people), "--by", "sex"]
    outcome = run(argv, folder=folder)
    check(outcome, expect={2})
    assert "people.csv:2: participant_id: id of 5000 characters (at most 200)" in outcome.stderr


@pytest.mark.parametrize("flips", [0, 1, 2, 3, 4])
def test_a_byte_damaged_sqlite_store_is_one_clear_line(flips: int, files: dict[str, Path],
                                                       base: Path) -> None:
    """Bytes flipped inside a SQLite store (malformed pages, text that is not UTF-8): exit 2 naming it."""
    rng = random.Random(flips)
    data = bytearray(files["sqlite"].read_bytes())
    for _ in range(40):
        data[rng.randrange(100, len(data))] = rng.randrange(256)
    folder = _case_folder(base)
    path = write(folder, "damaged.sqlite", bytes(data))
    for argv in (["report", str(path)], ["validate", str(path)]):
        check(run(argv, folder=folder))


def test_a_damaged_parquet_spell_file_is_one_clear_line(base: Path) -> None:
    """A Parquet spell file cut short or with flipped bytes: exit 2, one line naming the file."""
    folder = _case_folder(base)
    good = folder / "good.parquet"
    write_spells(read_spells(SPELLS), good)
    data = good.read_bytes()
    rng = random.Random(7)
    flipped = bytearray(data)
    for _ in range(20):
        flipped[rng.randrange(4, len(data) - 8)] = rng.randrange(256)
    for name, damaged in (("cut.parquet", data[: len(data) // 2]), ("flipped.parquet", bytes(flipped))):
        path = write(folder, name, damaged)
        outcome = run(["kennzahlen", str(path), "--month", "2024-06"], folder=folder)
        check(outcome)
        assert outcome.code == 2 or outcome.stderr == ""


@pytest.mark.slow
def test_a_short_row_that_is_not_utf8_prints_only_one_line(tmp_path: Path) -> None:
    """A short row with bytes that are not UTF-8: one line naming the line, no 'Exception ignored' trace."""
    spells = tmp_path / "inv.csv"
    spells.write_bytes(b"person_id,kind,start,end,jobcenter\np1,elb,2024-01-01,,1\np2,\xb2x,2024\n")
    argv = [sys.executable, "-m", "langzeit.cli", "kennzahlen", str(spells), "--month", "2024-06"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"langzeit: error: {spells}: line 3 is not utf-8 text; give its encoding, e.g. --encoding cp1252 "
        "(API: encoding='cp1252')"]


ISSUE_FILES = {
    "deep.jsonl": "[" * 100_000,
    "deep.toml": "a = " + "[" * 100_000,
    "bom.toml": "\ufeffid = 'x'\n",
    "latin1.toml": "name = 'K\xf6ln'\n".encode("latin-1"),
    "binary.toml": bytes(range(256)) * 4,
    "utf16.csv": "person_id,kind\n1,elb\n".encode("utf-16"),
    "binary.sqlite": bytes(range(256)) * 16,
    "empty.jsonl": b"",
}


@pytest.mark.parametrize("name", sorted(ISSUE_FILES))
def test_unreadable_files_are_one_clear_line(name: str, files: dict[str, Path], base: Path) -> None:
    """Deep nesting, BOM, latin-1, UTF-16, binary, empty: every command that reads them is clear."""
    folder = _case_folder(base)
    path = write(folder, name, ISSUE_FILES[name])
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


@pytest.mark.parametrize("name", ["x.jsonl", "x.csv", "x.sqlite", "x.toml", "x.json"])
def test_a_folder_or_a_missing_file_is_one_clear_line(name: str, files: dict[str, Path], base: Path) -> None:
    """A folder named like an input file, and a missing file: exit 2, one line with the name."""
    folder = _case_folder(base)
    (folder / name).mkdir()
    for path in (folder / name, folder / ("missing-" + name)):
        for argv in _commands(path, files):
            outcome = run(argv, folder=folder)
            check(outcome, expect={2})


@pytest.mark.parametrize("rate", ["1e5", "1e7", "1e9"])
def test_runaway_runs_are_refused_with_their_estimate(rate: str, base: Path) -> None:
    """referrals.rate = 1e5, 1e7, 1e9: refused at once, the message gives the estimate and the way out."""
    folder = _case_folder(base)
    scenario = write(folder, "huge.toml", 'id = "huge"\nstart = 2024-01-01\nhorizon = "24 months"\n'
                     f'programme = "pan"\n[referrals]\nkind = "poisson"\nrate = {rate}\n')
    outcome = run(["simulate", str(scenario), "--replications", "1"], folder=folder)
    check(outcome, names=["huge"], expect={2})
    assert "referrals" in outcome.stderr
    assert "--max-events" in outcome.stderr
    assert outcome.seconds < 5


def test_scenario_mistakes_are_refused_at_validation_with_their_key(base: Path) -> None:
    """Months = [6, 6], coaches = "three", horizon = "100000000 months": validate names each key."""
    folder = _case_folder(base)
    scenario = write(folder, "s.toml", 'id = "s"\nstart = 2024-01-01\nhorizon = "100000000 months"\n'
                     'programme = "geh-vor"\n[referrals]\nkind = "poisson"\nrate = 3\n'
                     '[staffing]\ncoaches = "three"\ncaseload = 12\n[follow_up]\nmonths = [6, 6]\n')
    outcome = run(["validate", str(scenario)], folder=folder)
    check(outcome, expect={1})
    assert outcome.stdout.splitlines() == [
        "s.toml.horizon: a duration of at most 100 years, got P8333333Y4M",
        "s.toml.staffing.coaches: must be a whole number, got 'three'",
        "s.toml.follow_up.months: each month once: 6 given more than once",
    ]
    check(run(["simulate", str(scenario)], folder=folder), expect={2})


# -- output files ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".sqlite", ""])
def test_an_existing_output_is_never_replaced_without_force(suffix: str, base: Path) -> None:
    """`simulate --out victim` refuses an existing file (any format); with --force it replaces it whole."""
    folder = _case_folder(base)
    victim = write(folder, "victim" + suffix, "precious")
    argv = ["simulate", "pan-ploen", "--replications", "1", "--out", str(victim)]
    check(run(argv, folder=folder), names=["--out"], expect={2})
    assert victim.read_text(encoding="utf-8") == "precious"
    outcome = run([*argv, "--force"], folder=folder)
    check(outcome, expect={0})
    assert victim.read_bytes() != b"precious"
    assert sorted(os.listdir(folder)) == [victim.name]


@pytest.mark.parametrize("out", ["nodir/x.sqlite", "DIR", "x.parquet"])
def test_bad_output_paths_are_refused_before_the_run(out: str, base: Path) -> None:
    """--out in a missing folder, --out a folder, an unknown suffix: exit 2 before simulating."""
    folder = _case_folder(base)
    target = str(folder / out) if out != "DIR" else str(folder)
    outcome = run(["simulate", "pan-ploen", "--replications", "1", "--out", target], folder=folder)
    check(outcome, names=["--out"], expect={2})
    assert outcome.seconds < 5


def test_a_failed_write_leaves_no_file_and_the_old_one_intact(
    base: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk while writing --out: exit 3, one line, no partial or temporary file, old file kept."""
    from langzeit.cli import _cmd_simulate

    def full_disk(events: object, path: Path, **options: object) -> int:
        Path(path).write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_cmd_simulate, "write_events", full_disk)
    folder = _case_folder(base)
    old = write(folder, "log.jsonl", "old")
    argv = ["simulate", "pan-ploen", "--replications", "1", "--out", str(old), "--force"]
    outcome = run(argv, folder=folder)
    check(outcome, expect={3})
    assert os.listdir(folder) == ["log.jsonl"]
    assert old.read_text(encoding="utf-8") == "old"


@pytest.mark.slow
@pytest.mark.parametrize("shell", ["langzeit scenarios > /dev/full", "langzeit scenarios >&-",
                                   "langzeit programmes geh-vor | head -c 1 > /dev/null"])
def test_a_closed_or_full_stdout_is_a_clean_exit(shell: str) -> None:
    """/dev/full, a closed stdout, a reader that stops early: no traceback, a documented exit code."""
    command = shell.replace("langzeit", f"{sys.executable} -m langzeit.cli", 1)  # this venv's
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                          timeout=60, check=False)
    assert "Traceback" not in done.stderr
    assert "Exception ignored" not in done.stderr
    expected = 0 if "head" in shell else 3
    assert done.returncode == expected, done.stderr
    assert len(done.stderr.splitlines()) == (0 if expected == 0 else 1)


# -- generated bad input ---------------------------------------------------------------------


@few
@given(data=random_bytes, suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_are_one_clear_line(
    data: bytes, suffix: str, files: dict[str, Path], base: Path
) -> None:
    """Random bytes under every suffix, through every command that reads such a file."""
    folder = _case_folder(base)
    path = write(folder, "random" + suffix, data)
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


@few
@given(kind=st.sampled_from(["jsonl", "csv", "scenario", "programme", "spells", "participants"]),
       data=st.data())
def test_mutated_valid_files_are_read_or_refused_clearly(
    kind: str, data: st.DataObject, files: dict[str, Path], base: Path
) -> None:
    """Truncated, byte-flipped, spliced, re-encoded or line-shuffled copies of valid files."""
    folder = _case_folder(base)
    source = files[kind]
    suffix = ".toml" if kind in ("scenario", "programme") else source.suffix
    path = write(folder, f"mutated{suffix}", mutate(source.read_bytes(), data.draw))
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


@few
@given(data=st.data())
def test_a_damaged_sqlite_store_is_refused_clearly(
    data: st.DataObject, files: dict[str, Path], base: Path
) -> None:
    """A SQLite store with junk in some rows' columns: report and validate stay clear."""
    folder = _case_folder(base)
    path = sqlite_with_bad_rows(folder, files["sqlite"], data.draw)
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


@few
@given(text=nasty_texts, suffix=st.sampled_from(SUFFIXES))
def test_nasty_texts_are_one_clear_line(text: str, suffix: str, files: dict[str, Path], base: Path) -> None:
    """Deep nesting, NUL, huge numbers, BOM alone, formula cells, infinite rates under every suffix."""
    folder = _case_folder(base)
    path = write(folder, "nasty" + suffix, text)
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


@few
@given(data=st.data(), name=st.sampled_from(["geh-vor", "sanus-le", "pan-ploen", "aktivoreha"]))
def test_scenarios_with_extreme_values_are_refused_by_key(
    data: st.DataObject, name: str, files: dict[str, Path], base: Path
) -> None:
    """Built-in scenarios with one to three keys set to extreme values: validate and simulate stay clear."""
    folder = _case_folder(base)
    source = files["scenario"].with_name(f"{name}.toml")
    path = write(folder, f"{name}-x.toml", scenario_variants(data.draw, source))
    for argv in _commands(path, files):
        check(run(argv, folder=folder))


OPTIONS = {
    "simulate": (["simulate", "pan-ploen", "--replications", "1"],
                 {"--seed": bad_numbers, "--replications": bad_numbers, "--processes": bad_numbers,
                  "--max-events": bad_numbers}),
    "report": (["report", "JSONL"],
               {"--data-end": bad_dates, "--planned-months": bad_numbers, "--min-n": bad_numbers,
                "--round-to": bad_numbers}),
    "kennzahlen": (["kennzahlen", "SPELLS", "--month", "2024-06"],
                   {"--month": bad_months, "--data-end": bad_dates, "--stichtag": bad_numbers,
                    "--min-n": bad_numbers, "--round-to": bad_numbers}),
    "evaluate": (["evaluate", "JSONL", "SPELLS"],
                 {"--data-end": bad_dates, "--caliper": bad_numbers, "--seed": bad_numbers,
                  "--min-n": bad_numbers, "--round-to": bad_numbers}),
}


@few
@given(command=st.sampled_from(sorted(OPTIONS)), data=st.data())
def test_extreme_option_values_are_one_clear_line(
    command: str, data: st.DataObject, files: dict[str, Path], base: Path
) -> None:
    """Out-of-range numbers, dates and months for every numeric or date option."""
    argv, options = OPTIONS[command]
    option = data.draw(st.sampled_from(sorted(options)))
    value = data.draw(options[option])
    names = {"SPELLS": str(files["spells"]), "JSONL": str(files["jsonl"])}
    full = [names.get(a, a) for a in argv] + [f"{option}={value}"]
    outcome = run(full, folder=_case_folder(base))
    check(outcome, names=[option])

