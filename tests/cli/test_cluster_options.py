"""langzeit kennzahlen on a partitioned dataset, and --workers / --scheduler on Dask."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langzeit.cli import main
from langzeit.spells import generate_spells, write_spell_dataset, write_spells


@pytest.fixture
def spells_files(tmp_path: Path) -> tuple[Path, Path]:
    """The same spells as one Parquet file and as a dataset of four partitions."""
    spells = generate_spells(500, seed=6, n_jobcenters=2)
    write_spells(spells, tmp_path / "all.parquet")
    write_spell_dataset(spells, tmp_path / "dataset", partitions=4)
    return tmp_path / "all.parquet", tmp_path / "dataset"


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_a_dataset_directory_gives_the_cells_of_the_single_file(
        spells_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """Kennzahlen DIR (partition by partition) prints exactly what kennzahlen FILE prints."""
    single, dataset = spells_files
    argv = ["--month", "2024-06", "--month", "2023-12", "--format", "json"]
    whole = _json(["kennzahlen", str(single), *argv], capsys)
    assert _json(["kennzahlen", str(dataset), *argv], capsys) == whole


def test_lenient_is_refused_for_a_dataset(spells_files: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """--lenient on a dataset is one clear line, exit status 2."""
    assert main(["kennzahlen", str(spells_files[1]), "--month", "2024-06", "--lenient"]) == 2
    assert "--lenient is for single files" in capsys.readouterr().err


def test_scheduler_and_workers_exclude_each_other(spells_files: tuple[Path, Path]) -> None:
    """Giving both --scheduler and --workers is a usage error (exit status 2)."""
    with pytest.raises(SystemExit) as done:
        main(["kennzahlen", str(spells_files[1]), "--month", "2024-06", "--workers", "2",
              "--scheduler", "tcp://127.0.0.1:1"])
    assert done.value.code == 2


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line(spells_files: tuple[Path, Path],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A scheduler address nobody listens on gives one line naming it, exit status 2."""
    pytest.importorskip("distributed")
    assert main(["kennzahlen", str(spells_files[1]), "--month", "2024-06",
                 "--scheduler", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--scheduler tcp://127.0.0.1:9: cannot connect" in err


@pytest.mark.slow
def test_workers_on_a_local_cluster_give_the_serial_output(
        spells_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """--workers 2 (a local Dask cluster) prints the serial output, for kennzahlen and simulate."""
    pytest.importorskip("distributed")
    single, dataset = spells_files
    argv = ["--month", "2024-06", "--format", "json"]
    assert (_json(["kennzahlen", str(dataset), *argv, "--workers", "2"], capsys)
            == _json(["kennzahlen", str(single), *argv], capsys))
    sim = ["simulate", "sanus-le", "--replications", "3", "--format", "json"]
    assert _json([*sim, "--workers", "2"], capsys) == _json(sim, capsys)
