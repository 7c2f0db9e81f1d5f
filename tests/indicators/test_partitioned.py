"""Tests of the § 48a Kennzahlen over partitioned datasets (indicators._partitioned)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langzeit.indicators import kennzahlen, kennzahlen_partitioned
from langzeit.spells import SpellPartition, generate_spells, write_spell_dataset, write_spells

MONTHS = [dt.date(2023, 12, 1), dt.date(2024, 6, 1)]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), partitions=st.integers(1, 6), persons=st.integers(1, 250))
def test_partitioned_equals_whole_cell_for_cell(tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                partitions: int, persons: int) -> None:
    """Counting partitions and merging gives every cell of the whole table (merge is exact)."""
    spells = generate_spells(persons, seed=seed, n_jobcenters=3)
    d = write_spell_dataset(spells, tmp_path_factory.mktemp("d") / "d", partitions=partitions)
    assert kennzahlen_partitioned(d, MONTHS).rows() == kennzahlen(spells, MONTHS).rows()


@pytest.mark.slow
def test_partitions_in_worker_processes_equal_serial(tmp_path: Path) -> None:
    """Partitions counted in two worker processes give the serial result."""
    spells = generate_spells(600, seed=8, n_jobcenters=2)
    d = write_spell_dataset(spells, tmp_path / "d", partitions=4)
    with ProcessPoolExecutor(2) as pool:
        parallel = kennzahlen_partitioned(d, MONTHS, executor=pool)
    assert parallel.rows() == kennzahlen_partitioned(d, MONTHS).rows() == kennzahlen(spells, MONTHS).rows()


def test_jobcenter_set_partitions_merge_exactly(tmp_path: Path) -> None:
    """Partitions by jobcenter set J (all spells of everyone ever at J), counted for J, merge exactly."""
    spells = generate_spells(500, seed=9, n_jobcenters=3)
    labels = spells.jobcenter_labels
    sets = [labels[:1], labels[1:]]
    parts = []
    for i, jobcenter_set in enumerate(sets):
        codes = [labels.index(j) for j in jobcenter_set]
        persons = np.unique(spells.person[np.isin(spells.jobcenter, codes)])
        write_spells(spells.select(np.isin(spells.person, persons)), tmp_path / f"j{i}.parquet")
        parts.append(SpellPartition([tmp_path / f"j{i}.parquet"], jobcenters=jobcenter_set))
    merged = kennzahlen_partitioned(parts, MONTHS, data_end=spells.data_end_date)
    assert merged.rows() == kennzahlen(spells, MONTHS).rows()


def test_an_unknown_data_end_is_found_in_one_pass_over_the_partitions(tmp_path: Path) -> None:
    """With text dates (no statistics), the latest date over all partitions is the data's end."""
    rows = {"person_id": ["a"], "kind": ["elb"], "end": [None], "jobcenter": ["1"]}
    pq.write_table(pa.table({**rows, "start": ["01.01.2023"]}), tmp_path / "p1.parquet")
    pq.write_table(pa.table({**rows, "person_id": ["b"], "start": ["15.03.2024"]}), tmp_path / "p2.parquet")
    from langzeit.spells import open_spell_dataset
    result = kennzahlen_partitioned(open_spell_dataset(tmp_path), dt.date(2024, 2, 1))
    assert result.data_end == dt.date(2024, 3, 15)
    cell = result.cell("1", dt.date(2024, 2, 1), "K1E2")  # a in the stock of Feb 2023 and Feb 2024
    assert (cell.numerator, cell.denominator) == (1, 1)


def test_progress_counts_partitions(tmp_path: Path) -> None:
    """The progress callback sees each counted partition."""
    d = write_spell_dataset(generate_spells(80, seed=1), tmp_path / "d", partitions=3)
    seen: list[tuple[int, int]] = []
    kennzahlen_partitioned(d, MONTHS[0], progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_no_partitions_is_an_error() -> None:
    """An empty list of partitions is refused with a clear message."""
    with pytest.raises(ValueError, match="no partitions"):
        kennzahlen_partitioned([], MONTHS)


def test_an_option_kennzahlen_does_not_take_is_a_type_error() -> None:
    """A misspelt option fails at the call, before any partition is read."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'regim'"):
        kennzahlen_partitioned([], MONTHS, regim="2011")  # type: ignore[call-arg]


def test_chosen_jobcenters_equal_the_whole_tables_cells(tmp_path: Path) -> None:
    """jobcenters= reports only those jobcenters, with the cells of the whole table."""
    spells = generate_spells(600, seed=2, n_jobcenters=3)
    d = write_spell_dataset(spells, tmp_path / "d", partitions=4)
    wanted = [spells.jobcenter_labels[1]]
    assert (kennzahlen_partitioned(d, MONTHS, jobcenters=wanted).rows()
            == kennzahlen(spells, MONTHS, jobcenters=wanted).rows())


def test_a_jobcenter_in_no_partition_is_an_unknown_name(tmp_path: Path) -> None:
    """Asking for a jobcenter that no partition reports raises UnknownNameError listing the known ones."""
    from langzeit.exceptions import UnknownNameError
    d = write_spell_dataset(generate_spells(60, seed=2), tmp_path / "d", partitions=2)
    with pytest.raises(UnknownNameError, match="nosuch"):
        kennzahlen_partitioned(d, MONTHS, jobcenters=["nosuch"])
