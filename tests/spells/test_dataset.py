"""Tests of partitioned Parquet spell datasets (spells._dataset)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from langzeit.exceptions import DataFormatError, UnreadableFileError
from langzeit.spells import (
    SpellPartition,
    SpellTable,
    generate_spells,
    open_spell_dataset,
    person_partition,
    write_spell_dataset,
    write_spells,
)


def _ids(table: SpellTable) -> set[str]:
    return {str(table.person_ids[p]) for p in np.unique(table.person)}


def test_person_partition_is_crc32_of_the_utf8_id() -> None:
    """The partition of an id is zlib.crc32 of its UTF-8 bytes modulo the partitions (hand-computed)."""
    # crc32(b"a") = 0xE8B7BE43 = 3904355907; 3904355907 % 7 = 2; crc32("ä".encode()) = 0x7A1F6A4B... computed:
    import zlib
    assert person_partition(["a"], 7).tolist() == [3904355907 % 7] == [zlib.crc32(b"a") % 7]
    assert person_partition(["ä"], 5).tolist() == [zlib.crc32("ä".encode()) % 5]


def test_every_person_is_in_exactly_one_partition(tmp_path: Path) -> None:
    """Writing by person puts all spells of a person into one file, and none is lost."""
    spells = generate_spells(400, seed=5)
    d = write_spell_dataset(spells, tmp_path / "d", partitions=5)
    parts = [p.read(data_end=d.data_end) for p in d]
    assert sum(len(t) for t in parts) == len(spells)
    ids = [_ids(t) for t in parts]
    assert sum(len(s) for s in ids) == spells.n_persons
    assert set.union(*ids) == {str(p) for p in spells.person_ids}


def test_metadata_records_version_partitioning_and_data_end(tmp_path: Path) -> None:
    """_langzeit.json carries the format version, the partitioning rule and the data's end."""
    spells = generate_spells(50, seed=1)
    write_spell_dataset(spells, tmp_path / "d", partitions=2)
    meta = json.loads((tmp_path / "d" / "_langzeit.json").read_text())
    assert meta["version"] == 1
    assert meta["partitions"] == 2
    assert meta["data_end"] == spells.data_end_date.isoformat()
    assert "crc32" in meta["partitioning"]


def test_an_existing_directory_is_kept_without_force(tmp_path: Path) -> None:
    """write_spell_dataset refuses to replace a directory unless force=True, then replaces it whole."""
    spells = generate_spells(30, seed=2)
    write_spell_dataset(spells, tmp_path / "d", partitions=3)
    with pytest.raises(FileExistsError):
        write_spell_dataset(spells, tmp_path / "d", partitions=2)
    assert len(open_spell_dataset(tmp_path / "d")) == 3
    assert len(write_spell_dataset(spells, tmp_path / "d", partitions=2, force=True)) == 2
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["_langzeit.json", "part-00000.parquet",
                                                                  "part-00001.parquet"]


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When writing a partition fails, neither the target nor a temporary directory remains."""
    calls = {"n": 0}
    real = pq.write_table

    def full_disk(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq, "write_table", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_spell_dataset(generate_spells(30, seed=2), tmp_path / "d", partitions=3)
    assert list(tmp_path.iterdir()) == []


def test_hive_directories_are_one_partition_each_and_hidden_files_are_skipped(tmp_path: Path) -> None:
    """Files in a sub-directory form one partition; top-level files one each; '_' and '.' are skipped."""
    spells = generate_spells(60, seed=3)
    half = spells.person < spells.n_persons // 2
    (tmp_path / "bucket=0").mkdir()
    write_spells(spells.select(half & (spells.kind == 0)), tmp_path / "bucket=0" / "a.parquet")
    write_spells(spells.select(half & (spells.kind != 0)), tmp_path / "bucket=0" / "b.parquet")
    write_spells(spells.select(~half), tmp_path / "top.parquet")
    write_spells(spells, tmp_path / "_ignored.parquet")
    (tmp_path / ".hidden").mkdir()
    write_spells(spells, tmp_path / ".hidden" / "x.parquet")
    d = open_spell_dataset(tmp_path)
    assert [len(p.files) for p in d] == [2, 1]
    assert sum(len(p.read(data_end=d.data_end)) for p in d) == len(spells)


def test_a_partition_of_several_files_reads_as_their_union(tmp_path: Path) -> None:
    """A two-file partition gives the same spells as one file with all rows."""
    spells = generate_spells(40, seed=4)
    first = spells.person % 2 == 0
    write_spells(spells.select(first), tmp_path / "a.parquet")
    write_spells(spells.select(~first), tmp_path / "b.parquet")
    write_spells(spells, tmp_path / "all.parquet")
    both = SpellPartition([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    union = both.read(data_end=spells.data_end_date)
    whole = SpellPartition([tmp_path / "all.parquet"]).read(data_end=spells.data_end_date)
    key = lambda r: (r["person_id"], r["kind"], r["start"], r["end"] or dt.date.max)  # noqa: E731
    assert sorted(union.rows(), key=key) == sorted(whole.rows(), key=key)


def test_data_end_comes_from_date_statistics_without_metadata(tmp_path: Path) -> None:
    """Without _langzeit.json the data's end is the latest date in the Parquet statistics."""
    spells = SpellTable.from_records([
        {"person_id": "a", "kind": "elb", "start": "2020-01-01", "end": "2023-05-31", "jobcenter": "1"},
        {"person_id": "b", "kind": "elb", "start": "2021-02-01", "jobcenter": "1"},
    ])
    write_spells(spells, tmp_path / "x.parquet")
    assert open_spell_dataset(tmp_path).data_end == dt.date(2023, 5, 31)


def test_data_end_is_unknown_for_text_dates(tmp_path: Path) -> None:
    """Dates stored as text give no usable statistics: the data end is left unknown (None)."""
    pq.write_table(pa.table({"person_id": ["a"], "kind": ["elb"], "start": ["01.01.2024"], "end": [None],
                             "jobcenter": ["1"]}), tmp_path / "t.parquet")
    d = open_spell_dataset(tmp_path)
    assert d.data_end is None
    assert d.partitions[0].read().data_end_date == dt.date(2024, 1, 1)


def test_missing_and_empty_paths_are_one_line_errors(tmp_path: Path) -> None:
    """A missing path or a directory without Parquet files raises UnreadableFileError naming it."""
    with pytest.raises(UnreadableFileError, match=r"nope.*not found"):
        open_spell_dataset(tmp_path / "nope")
    with pytest.raises(UnreadableFileError, match="is a directory with no Parquet file"):
        open_spell_dataset(tmp_path)


def test_a_bad_row_names_its_partition_file_and_row(tmp_path: Path) -> None:
    """Validation of a partition reports the file and the row (line) of a bad spell."""
    pq.write_table(pa.table({"person_id": ["a", "a"], "kind": ["elb", "nonsense"],
                             "start": ["2024-01-01", "2024-02-01"], "end": [None, None],
                             "jobcenter": ["1", "1"]}), tmp_path / "p.parquet")
    with pytest.raises(DataFormatError, match=r"p\.parquet:3: .*kind"):
        open_spell_dataset(tmp_path).partitions[0].read()
