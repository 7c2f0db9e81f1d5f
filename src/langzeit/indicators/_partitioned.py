"""Indicator layer: the § 48a Kennzahlen of a partitioned spell dataset, partition by partition.

Each partition is read and counted where it runs — in this process, in worker
processes, or on a Dask cluster (any ``concurrent.futures.Executor``; Dask's
``client.get_executor()`` is one) — and only the additive partial counts travel back,
to be merged exactly with :meth:`KennzahlenResult.merge
<langzeit.indicators.KennzahlenResult.merge>` in partition order. The result equals
:func:`~langzeit.indicators.kennzahlen` on the whole table cell for cell, provided the
dataset follows the partitioning contract (:mod:`langzeit.spells._dataset`: every spell
of a person in the person's partition). Memory per worker: one partition's spells plus
its counts (see the guide "Beyond one machine").
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Unpack

from langzeit._checks import keyword_options
from langzeit._executor import SerialExecutor, run_all
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.indicators._kennzahlen import KennzahlenOptions, KennzahlenResult, kennzahlen
from langzeit.indicators._kennzahlen_counts import reported_jobcenters
from langzeit.spells._catalogue import InstrumentCatalogue
from langzeit.spells._codes import label_sort_key
from langzeit.spells._dataset import SpellDataset, SpellPartition

__all__ = ["kennzahlen_partitioned"]


def _data_end(partition: SpellPartition, catalogue: InstrumentCatalogue | None) -> dt.date:
    return partition.read(catalogue=catalogue).data_end_date


def _count(partition: SpellPartition, months: Sequence[dt.date], data_end: dt.date,
           wanted: Sequence[str] | None, options: KennzahlenOptions) -> tuple[KennzahlenResult, set[str]]:
    """One partition's result, and the jobcenters it reports (to check ``wanted`` over all)."""
    spells = partition.read(data_end=data_end, catalogue=options.get("catalogue"))
    present = {spells.jobcenter_labels[int(c)] for c in reported_jobcenters(spells)}
    jobcenters: Sequence[str] | None = partition.jobcenters
    if wanted is not None:
        candidates = wanted if jobcenters is None else jobcenters
        jobcenters = [j for j in candidates if j in present and j in wanted]
    return kennzahlen(spells, months, data_end=data_end, jobcenters=jobcenters, **options), present


def kennzahlen_partitioned(
    dataset: SpellDataset | Sequence[SpellPartition],
    months: dt.date | Sequence[dt.date],
    *,
    executor: concurrent.futures.Executor | None = None,
    data_end: dt.date | None = None,
    jobcenters: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Unpack[KennzahlenOptions],
) -> KennzahlenResult:
    """The § 48a Kennzahlen of a partitioned dataset: counted per partition, merged exactly.

    Args:
        dataset: the dataset (:func:`~langzeit.spells.open_spell_dataset`) or its partitions;
            a partition with ``jobcenters`` (a jobcenter-set partition) is counted for those.
        months: one reference month or several.
        executor: where the partitions are read and counted (default: one after the other
            in this process); it is not shut down.
        data_end: the data's end (default: the dataset's; if unknown, one extra pass
            reads every partition to find the latest date).
        jobcenters: report these jobcenters only (default: all); persons are still followed
            through every jobcenter of their partition.
        progress: called with ``(done, total)`` partitions.
        **options: ``stichtag``, ``regime``, ``count_16k``, ``level``, ``stock_window`` and
            ``catalogue``, as in :func:`~langzeit.indicators.kennzahlen` (its defaults), passed
            on to it for every partition (:class:`~langzeit.indicators.KennzahlenOptions`).

    Returns:
        The merged result, equal to :func:`~langzeit.indicators.kennzahlen` on all spells.

    Raises:
        ValueError: no partitions.
        TypeError: an option :func:`~langzeit.indicators.kennzahlen` does not take.
        UnknownNameError: a jobcenter of ``jobcenters`` is in no partition.
        DataFormatError: bad rows in a partition (with its file and row).
        WorkerLost: a worker died and the executor did not finish its partition elsewhere.

    Examples:
        >>> import tempfile, pathlib
        >>> from langzeit.spells import generate_spells, write_spell_dataset
        >>> spells = generate_spells(300, seed=4, n_jobcenters=2)
        >>> d = write_spell_dataset(spells, pathlib.Path(tempfile.mkdtemp()) / "d", partitions=3)
        >>> month = dt.date(2024, 6, 1)
        >>> kennzahlen_partitioned(d, month).rows() == kennzahlen(spells, month).rows()
        True
    """
    keyword_options("kennzahlen_partitioned", options, KennzahlenOptions)
    partitions = list(dataset)
    if not partitions:
        raise ValidationError("the dataset has no partitions")
    month_list = [months] if isinstance(months, dt.date) else list(months)
    end = data_end if data_end is not None else getattr(dataset, "data_end", None)
    pool = executor if executor is not None else SerialExecutor()
    if end is None:
        catalogue = options.get("catalogue")
        end = max(run_all(pool, _data_end, [(p, catalogue) for p in partitions],
                          what=lambda i: f"partition {partitions[i].name}"))
    wanted = None if jobcenters is None else [str(j) for j in jobcenters]
    parts = run_all(pool, _count, [(p, month_list, end, wanted, options) for p in partitions],
                    what=lambda i: f"partition {partitions[i].name}", progress=progress)
    present = set().union(*(seen for _, seen in parts))
    missing = [j for j in wanted or () if j not in present]
    if missing:
        raise UnknownNameError("jobcenter", missing[0], sorted(present, key=label_sort_key))
    result = parts[0][0]
    for part, _ in parts[1:]:
        result = result.merge(part)
    return result

