"""CLI layer: ``--scheduler ADDRESS`` / ``--workers N`` — run a command's tasks on Dask.

``--scheduler tcp://host:8786`` connects to a running Dask scheduler (a cluster on
Kubernetes or an HPC batch system, see the guide "Beyond one machine");
``--workers N`` starts a local cluster of ``N`` single-threaded worker processes on
127.0.0.1 for the command and stops it afterwards. Both need the optional extra
``dask`` (``pip install 'langzeit[dask]'``). The tasks — replications, partitions —
go to the cluster through ``client.get_executor()``; the results are those of the
serial run. A progress bar on stderr (when it is a terminal) counts finished tasks.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

from langzeit.cli import _options as options
from langzeit.cli._errors import BadInput

__all__ = ["MAX_WORKERS", "Progress", "add_cluster_options", "cluster_executor"]

#: The most local worker processes ``--workers`` starts.
MAX_WORKERS = 256

_BAR = 30


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Add the mutually exclusive ``--scheduler`` and ``--workers`` options.

    Args:
        parser: the command's parser.

    Examples:
        >>> p = argparse.ArgumentParser()
        >>> add_cluster_options(p)
        >>> p.parse_args(["--workers", "2"]).workers
        2
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--scheduler", metavar="ADDRESS",
                       help="run the tasks on the Dask scheduler at ADDRESS, e.g. tcp://10.0.0.5:8786 "
                            "(extra 'dask')")
    group.add_argument("--workers", type=options.count(1, MAX_WORKERS, "--workers"),
                       help="run the tasks on a local Dask cluster of N worker processes, "
                            f"1 to {MAX_WORKERS} (extra 'dask')")


class Progress:
    """A progress bar on stderr, shown only when stderr is a terminal.

    Args:
        label: what runs, e.g. ``"simulating geh-vor"``.
        unit: what is counted, e.g. ``"replications"``.

    Examples:
        >>> Progress("counting", "partitions")(1, 4)  # stderr is no terminal under doctest: nothing shown
    """

    def __init__(self, label: str, unit: str) -> None:
        self.label, self.unit = label, unit
        self.on = sys.stderr.isatty()

    def __call__(self, done: float, total: int) -> None:
        if not self.on:
            return
        filled = int(_BAR * done / total)
        bar = "#" * filled + " " * (_BAR - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {int(done)}/{total} {self.unit}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise BadInput("--scheduler and --workers need the optional extra 'dask': "
                       "pip install 'langzeit[dask]'") from None
    return distributed


@contextlib.contextmanager
def cluster_executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The executor the options ask for (None: run here), open for the ``with`` block.

    Args:
        args: parsed options with ``scheduler`` and ``workers``.

    Yields:
        A Dask client's executor, or None when neither option is given.

    Raises:
        BadInput: the extra ``dask`` is missing, or the scheduler cannot be reached.

    Examples:
        >>> with cluster_executor(argparse.Namespace(scheduler=None, workers=None)) as executor:
        ...     executor is None
        True
    """
    scheduler, workers = getattr(args, "scheduler", None), getattr(args, "workers", None)
    if scheduler is None and workers is None:
        yield None
        return
    distributed = _distributed()
    with contextlib.ExitStack() as stack:
        if workers is not None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None))
            address: Any = cluster
        else:
            address = scheduler
        try:
            client = stack.enter_context(distributed.Client(address, timeout="20s"))
        except (OSError, TimeoutError, ValueError) as exc:
            raise BadInput(f"--scheduler {scheduler}: cannot connect ({exc}); check the address and that "
                           "the scheduler runs") from None
        yield client.get_executor()

