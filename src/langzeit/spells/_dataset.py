"""Spell layer: partitioned Parquet datasets of spells, read lazily partition by partition.

A national spell table (ten years of every ELB: hundreds of millions of rows) need not
fit one machine's memory: it is stored as a directory of Parquet files, and each
*partition* is read and counted on its own (by a process, or a Dask worker) before the
partial counts are merged (DESIGN.md "Scale"). The partitioning contract is the one of
:mod:`langzeit.indicators` (``kennzahlen``): **a partition holds every spell of each
person it holds** — by person (every person's spells in exactly one partition), or by
jobcenter set (the partition of set *J* holds all spells of every person who was ever
at a jobcenter of *J*, and is counted with ``jobcenters=J``).

Layout read by :func:`open_spell_dataset`:

- a single Parquet file: one partition;
- a directory: every ``*.parquet`` file directly in it is one partition; below it,
  every directory that holds Parquet files (e.g. Hive-style ``bucket=3/``) is one
  partition made of all its files. Hidden files (``.``, ``_``) are skipped.

:func:`write_spell_dataset` writes such a directory partitioned by person: partition
``crc32(utf-8 person_id) mod n`` (the CRC-32 of ``zlib``, reproducible in any language),
plus ``_langzeit.json`` with the format version, the partitioning and the data's end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from langzeit.exceptions import UnreadableFileError, ValidationError
from langzeit.spells._catalogue import InstrumentCatalogue
from langzeit.spells._files import read_spells
from langzeit.spells._table import SpellTable

__all__ = ["DATASET_FORMAT_VERSION", "SpellDataset", "SpellPartition", "open_spell_dataset",
           "person_partition", "write_spell_dataset"]

#: The version of the dataset metadata file ``_langzeit.json``.
DATASET_FORMAT_VERSION = 1
_METADATA = "_langzeit.json"


def _hidden(part: str) -> bool:
    return part.startswith((".", "_"))


def _paths(value: Sequence[str | os.PathLike[str]]) -> tuple[str, ...]:
    return tuple(str(f) for f in value)


def _jobcenter_set(value: Sequence[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(str(j) for j in value)


@attrs.frozen
class SpellPartition:
    """One partition of a spell dataset: its Parquet files, read only when asked.

    A partition is a small value (paths, not data), so it can be sent to a worker process
    or a Dask worker, which reads it there.

    Args:
        files: the partition's Parquet files (read and validated together).
        jobcenters: for a jobcenter-set partition, the set *J* it is counted for
            (``kennzahlen(..., jobcenters=J)``); None for a person partition.

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.spells import SpellTable, write_spells
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> write_spells(SpellTable.from_records([{"person_id": "a", "kind": "elb",
        ...     "start": "2024-01-01", "jobcenter": "7"}]), folder / "one.parquet")
        >>> part = SpellPartition((str(folder / "one.parquet"),))
        >>> len(part.read())
        1
    """

    files: tuple[str, ...] = attrs.field(converter=_paths)
    jobcenters: tuple[str, ...] | None = attrs.field(default=None, converter=_jobcenter_set)

    @files.validator
    def _check_files(self, _attribute: Any, value: tuple[str, ...]) -> None:
        if not value:
            raise ValidationError("a partition needs at least one file")

    @property
    def name(self) -> str:
        """A short name for messages: the file, or the directory of several files."""
        return self.files[0] if len(self.files) == 1 else str(Path(self.files[0]).parent)

    def read(self, *, data_end: dt.date | None = None, strict: bool = True,
             catalogue: InstrumentCatalogue | None = None) -> SpellTable:
        """Read and validate the partition (every bad row reported with its file and row).

        Args:
            data_end: the data's end; give the dataset's (:attr:`SpellDataset.data_end`),
                so that every partition is counted up to the same day.
            strict: raise on bad rows (default) or keep them in ``rejected``.
            catalogue: the instrument catalogue (default: the shipped one).

        Returns:
            The partition's spells.

        Raises:
            UnreadableFileError: a file is missing or not Parquet.
            DataFormatError: bad rows in strict mode, missing columns.

        Examples:
            >>> import tempfile, pathlib
            >>> from langzeit.spells import SpellTable, write_spells
            >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.parquet"
            >>> write_spells(SpellTable.from_records([{"person_id": "a", "kind": "svp",
            ...     "start": "2024-01-01"}]), f)
            >>> SpellPartition([f]).read(data_end=dt.date(2024, 12, 31)).data_end_date
            datetime.date(2024, 12, 31)
        """
        tables = [read_spells(f, format="parquet", data_end=data_end, strict=strict, catalogue=catalogue)
                  for f in self.files]
        if len(tables) == 1:
            return tables[0]
        rejected = tuple(p for t in tables for p in t.rejected)
        end = data_end if data_end is not None else max(t.data_end_date for t in tables)
        arrows = [t.to_arrow() for t in tables]
        combined = pa.concat_tables([a.cast(arrows[0].schema) for a in arrows])
        merged = SpellTable.from_arrow(combined, data_end=end, strict=True, file=self.name,
                                       catalogue=catalogue)
        return attrs.evolve(merged, rejected=rejected)


@attrs.frozen
class SpellDataset:
    """A partitioned spell dataset: its partitions and the data's end.

    Open it with :func:`open_spell_dataset`; count it with
    :func:`~langzeit.indicators.kennzahlen_partitioned`.

    Args:
        path: the dataset's file or directory.
        partitions: the partitions, in a fixed order (sorted by path).
        data_end: the data's end: from ``_langzeit.json``, else the latest ``start`` or
            ``end`` in the Parquet column statistics; None if the statistics do not tell
            (then the partitions are read once to find it).

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.spells import generate_spells
        >>> d = write_spell_dataset(generate_spells(50, seed=1), pathlib.Path(tempfile.mkdtemp()) / "d",
        ...                         partitions=4)
        >>> len(d.partitions), d.data_end is not None
        (4, True)
    """

    path: str
    partitions: tuple[SpellPartition, ...]
    data_end: dt.date | None = None

    def __iter__(self) -> Iterator[SpellPartition]:
        return iter(self.partitions)

    def __len__(self) -> int:
        return len(self.partitions)


def _date_max(statistics: Any) -> dt.date | None:
    if statistics is None or not statistics.has_min_max:
        return None
    value = statistics.max
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _statistics_end(files: Sequence[str]) -> dt.date | None:
    """The latest start/end date from the Parquet statistics; None if a file's columns are not dates."""
    latest: dt.date | None = None
    for f in files:
        meta = pq.ParquetFile(f).metadata
        names = meta.schema.names
        for column in ("start", "end"):
            if column not in names:
                if column == "start":
                    return None
                continue
            i = names.index(column)
            for g in range(meta.num_row_groups):
                chunk = meta.row_group(g).column(i)
                if chunk.statistics is not None and chunk.statistics.null_count == chunk.num_values:
                    continue  # an all-open end column says nothing
                best = _date_max(chunk.statistics)
                if best is None:
                    return None
                latest = best if latest is None or best > latest else latest
    return latest


def open_spell_dataset(path: str | os.PathLike[str]) -> SpellDataset:
    """Open a partitioned Parquet spell dataset without reading its rows.

    Args:
        path: a Parquet file (one partition) or a directory (see the module docstring
            for the layout).

    Returns:
        The dataset: its partitions (sorted by path) and, where known, its data end.

    Raises:
        UnreadableFileError: the path does not exist, or a directory holds no Parquet file.

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.spells import generate_spells
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "spells"
        >>> written = write_spell_dataset(generate_spells(30, seed=2), folder, partitions=3)
        >>> opened = open_spell_dataset(folder)
        >>> opened == written
        True
    """
    root = Path(path)
    if not root.exists():
        raise UnreadableFileError(str(root), "not found", "give a Parquet file or a directory of them")
    if root.is_file():
        files: list[tuple[str, ...]] = [(str(root),)]
    else:
        groups: dict[Path, list[str]] = {}
        for f in sorted(root.rglob("*.parquet")):
            if any(_hidden(p) for p in f.relative_to(root).parts):
                continue
            key = f if f.parent == root else f.parent
            groups.setdefault(key, []).append(str(f))
        if not groups:
            raise UnreadableFileError(str(root), "is a directory with no Parquet file (*.parquet)",
                                      "give the dataset's directory, or write one with write_spell_dataset")
        files = [tuple(v) for _, v in sorted(groups.items())]
    partitions = tuple(SpellPartition(f) for f in files)
    end: dt.date | None = None
    meta = root / _METADATA
    if root.is_dir() and meta.is_file():
        try:
            end = dt.date.fromisoformat(json.loads(meta.read_text(encoding="utf-8"))["data_end"])
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            end = None
    if end is None:
        try:
            end = _statistics_end([f for p in partitions for f in p.files])
        except (pa.ArrowInvalid, OSError) as exc:
            raise UnreadableFileError(str(root), f"holds a file that is not Parquet ({exc})",
                                      "remove it or give the partitions' files") from None
    return SpellDataset(str(root), partitions, end)


def person_partition(
    person_ids: Sequence[str] | np.ndarray[Any, Any], partitions: int
) -> np.ndarray[Any, Any]:
    """The partition of each person id: ``crc32(utf-8 id) mod partitions`` (``int64``).

    Args:
        person_ids: the ids.
        partitions: the number of partitions (at least 1).

    Returns:
        One partition number per id.

    Raises:
        ValueError: ``partitions`` below 1.

    Examples:
        >>> person_partition(["a", "b", "a"], 4).tolist()
        [3, 1, 3]
    """
    if partitions < 1:
        raise ValidationError(f"partitions must be at least 1, got {partitions}")
    return np.fromiter((zlib.crc32(str(p).encode("utf-8")) % partitions for p in person_ids),
                       dtype=np.int64, count=len(person_ids))


def write_spell_dataset(table: SpellTable, path: str | os.PathLike[str], *, partitions: int,
                        force: bool = False) -> SpellDataset:
    """Write spells as a person-partitioned Parquet dataset (one file per partition).

    The directory is written beside its final place and renamed into it at the end, so a
    failed write leaves nothing behind.

    Args:
        table: the spells.
        path: the directory to create.
        partitions: the number of partitions (files), at least 1; a person's spells all go
            to partition :func:`person_partition` of its id.
        force: replace an existing directory (as a whole, after the write succeeded).

    Returns:
        The written dataset.

    Raises:
        FileExistsError: ``path`` exists and ``force`` is not given.
        ValueError: ``partitions`` below 1.

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.spells import generate_spells
        >>> spells = generate_spells(40, seed=3)
        >>> d = write_spell_dataset(spells, pathlib.Path(tempfile.mkdtemp()) / "d", partitions=2)
        >>> sum(len(p.read(data_end=d.data_end)) for p in d) == len(spells)
        True
    """
    target = Path(path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists; pass force=True to replace it")
    bucket_of_person = person_partition(table.person_ids, partitions)
    bucket = bucket_of_person[table.person]
    arrow = table.to_arrow()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(partitions + 1))
        width = max(5, len(str(partitions - 1)))
        for b in range(partitions):
            rows = arrow.take(pa.array(order[bounds[b]:bounds[b + 1]]))
            pq.write_table(rows, tmp / f"part-{b:0{width}d}.parquet")
        (tmp / _METADATA).write_text(json.dumps({
            "format": "langzeit-spell-dataset", "version": DATASET_FORMAT_VERSION,
            "partitioning": "person: crc32(utf-8 person_id) mod partitions", "partitions": partitions,
            "data_end": table.data_end_date.isoformat(),
        }, indent=2) + "\n", encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return open_spell_dataset(target)
