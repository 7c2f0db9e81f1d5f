"""The public readers on bad input: only langzeit's documented errors, never another exception (issue 12).

Each public reader of a file — event logs, spell files, social spaces, scenarios,
programmes, instrument catalogues — gets random bytes, truncated and mutated copies of
valid files, and the harness's nasty texts. What it may do: return a result, or raise a
:class:`~langzeit.exceptions.LangzeitError` (``ValidationError``, ``DataFormatError``,
``UnreadableFileError``…). Any other exception (``TypeError``, ``KeyError``,
``RecursionError``, a bare ``UnicodeDecodeError``…) is a bug: a host program could not
tell bad input from a broken library.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cli._bad_input import PROGRAMME_DIR, SCENARIO_DIR, SPELLS, mutate, nasty_texts, seed_files
from langzeit.exceptions import LangzeitError
from langzeit.network import example_space, read_space, write_space
from langzeit.programmes import load_programme
from langzeit.simulation import load_scenario
from langzeit.spells import load_catalogue, read_spells, write_spells
from langzeit.store import read_events

EXAMPLES = int(os.environ.get("LANGZEIT_BAD_INPUT_EXAMPLES", "25"))

#: reader name → (reader, suffix of the files it reads)
READERS: dict[str, tuple[Callable[[Path], Any], str]] = {
    "read_events jsonl": (read_events, ".jsonl"),
    "read_events csv": (read_events, ".csv"),
    "read_events sqlite": (read_events, ".sqlite"),
    "read_events lenient": (lambda p: read_events(p, strict=False), ".jsonl"),
    "read_spells csv": (read_spells, ".csv"),
    "read_spells lenient": (lambda p: read_spells(p, strict=False), ".csv"),
    "read_spells parquet": (read_spells, ".parquet"),
    "read_spells arrow": (read_spells, ".arrow"),
    "read_space": (read_space, ".json"),
    "load_scenario": (load_scenario, ".toml"),
    "load_programme": (load_programme, ".toml"),
    "load_catalogue": (lambda p: load_catalogue(p, extend=False), ".toml"),
}


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A valid file for each reader, to mutate."""
    folder = tmp_path_factory.mktemp("valid")
    files = seed_files(folder)
    spells = read_spells(SPELLS)
    for suffix in (".parquet", ".arrow"):
        write_spells(spells, folder / f"s{suffix}")
    write_space(example_space(), folder / "space.json")
    catalogue = Path(load_catalogue.__code__.co_filename).parent / "data" / "instruments.toml"
    return {
        "read_events jsonl": files["jsonl"].read_bytes(), "read_events csv": files["csv"].read_bytes(),
        "read_events sqlite": files["sqlite"].read_bytes(),
        "read_events lenient": files["jsonl"].read_bytes(),
        "read_spells csv": SPELLS.read_bytes(), "read_spells lenient": SPELLS.read_bytes(),
        "read_spells parquet": (folder / "s.parquet").read_bytes(),
        "read_spells arrow": (folder / "s.arrow").read_bytes(),
        "read_space": (folder / "space.json").read_bytes(),
        "load_scenario": (SCENARIO_DIR / "geh-vor.toml").read_bytes(),
        "load_programme": (PROGRAMME_DIR / "geh-vor.toml").read_bytes(),
        "load_catalogue": catalogue.read_bytes(),
    }


def _read(reader: str, data: bytes) -> None:
    function, suffix = READERS[reader]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            function(path)
        except LangzeitError:
            pass  # the documented outcome of bad input
        except Exception as other:  # the point of the test: nothing else escapes
            raise AssertionError(f"{reader} raised {type(other).__name__}: {other}"[:500]) from other


def test_every_reader_reads_its_valid_file(valid: dict[str, bytes]) -> None:
    """The seed files are valid for their readers (so the mutations start from good input)."""
    for reader, data in valid.items():
        function, suffix = READERS[reader]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"input{suffix}"
            path.write_bytes(data)
            function(path)


@settings(max_examples=EXAMPLES)
@given(reader=st.sampled_from(sorted(READERS)), data=st.binary(max_size=2000))
def test_random_bytes_give_only_documented_errors(reader: str, data: bytes) -> None:
    """Random bytes: a result or a LangzeitError, nothing else."""
    _read(reader, data)


@settings(max_examples=EXAMPLES * 2)
@given(reader=st.sampled_from(sorted(READERS)), draw=st.data())
def test_mutated_valid_files_give_only_documented_errors(
    reader: str, draw: st.DataObject, valid: dict[str, bytes]
) -> None:
    """Truncated, byte-flipped, spliced, re-encoded or shuffled copies of valid files."""
    data = valid[reader]
    try:
        mutated = mutate(data, draw.draw)
    except UnicodeDecodeError:  # "encode" of a binary file (Parquet, SQLite): flip instead
        mutated = data[: len(data) // 2]
    _read(reader, mutated)


@settings(max_examples=EXAMPLES)
@given(reader=st.sampled_from(sorted(READERS)), text=nasty_texts)
def test_nasty_texts_give_only_documented_errors(reader: str, text: str) -> None:
    """Deep nesting, NUL, huge numbers, BOM alone, formula cells under every reader."""
    _read(reader, text.encode("utf-8"))


def test_mutations_found_once_give_only_documented_errors(valid: dict[str, bytes]) -> None:
    """Regressions: damaged files that once escaped the spell validation as a bare IndexError."""
    arrow, parquet = valid["read_spells arrow"], bytearray(valid["read_spells parquet"])
    # seed 839434324, @reproduce_failure('6.170.17', b'AEEIQQJCCVFhAA==') of the mutation property:
    # a zero byte inserted at 2385 makes a dictionary index point past its dictionary
    _read("read_spells arrow", arrow[:2385] + b"\x00" + arrow[2385:])
    parquet[618] = 255  # the same in a Parquet data page (found by a fuzz run)
    _read("read_spells parquet", bytes(parquet))
