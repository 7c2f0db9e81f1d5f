"""CLI layer: the input files a command reads and the output files it writes.

The rule for every output file (``simulate --out``; SQLite, JSON Lines and CSV
alike):

* an existing file is never replaced unless ``--force`` is given; with ``--force`` it is
  replaced as a whole (a SQLite file too: no appending to an old store);
* the output is written to a temporary file in the same folder and renamed to its name
  only when everything was written, so a failed or interrupted run leaves no partial
  file and the old file, if any, untouched;
* a path that is a folder, or whose folder does not exist, is refused before the run
  starts (the run is not wasted).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from langzeit.cli._errors import BadInput

__all__ = ["atomic_output", "check_input", "check_output"]

#: Files SQLite may keep next to a database while it is open.
_SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def check_input(path: str, what: str = "file") -> Path:
    """The path of an input file that exists and is a file, else :class:`BadInput`.

    Args:
        path: the path as given on the command line.
        what: what the file is, for the message (e.g. ``"event log"``).

    Returns:
        The path.

    Raises:
        BadInput: the file does not exist or is a folder.

    Examples:
        >>> check_input("no/such.jsonl", "event log")
        Traceback (most recent call last):
        ...
        langzeit.cli._errors.BadInput: no/such.jsonl: event log not found
    """
    p = Path(path)
    if p.is_dir():
        raise BadInput(f"{path}: is a folder, not a {'' if what == 'file' else what + ' '}file")
    if not p.exists():
        raise BadInput(f"{path}: {what} not found")
    return p


def check_output(path: str, *, force: bool, option: str = "--out") -> Path:
    """The path of an output file that may be written, checked before any work is done.

    Args:
        path: the path as given on the command line.
        force: an existing file may be replaced (``--force``).
        option: the option's name, for the message.

    Returns:
        The path.

    Raises:
        BadInput: the path is a folder, its folder is missing or not writable, or the file
            exists and ``force`` is false.

    Examples:
        >>> import tempfile, pathlib
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> (folder / "victim.csv").write_text("precious")
        8
        >>> check_output(str(folder / "victim.csv"), force=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.cli._errors.BadInput: --out .../victim.csv: the file exists; use --force to replace it
        >>> check_output(str(folder / "victim.csv"), force=True).name
        'victim.csv'
    """
    p = Path(path)
    if p.is_dir():
        raise BadInput(f"{option} {path}: is a folder; give a file name, e.g. {p / 'events.sqlite'}")
    parent = p.parent
    if not parent.is_dir():
        raise BadInput(f"{option} {path}: the folder {parent} does not exist; create it first")
    if p.exists() and not force:
        raise BadInput(f"{option} {path}: the file exists; use --force to replace it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"{option} {path}: the folder {parent} is not writable")
    return p


def _remove(path: Path) -> None:
    for name in (path, *(path.with_name(path.name + side) for side in _SQLITE_SIDE_FILES)):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` on success.

    The temporary file keeps the suffix (so that the format is chosen by it) and is
    removed, with any SQLite side files, when the block fails or is interrupted.

    Args:
        path: the final file.

    Yields:
        The temporary path to write.

    Examples:
        >>> import tempfile, pathlib
        >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.jsonl"
        >>> try:
        ...     with atomic_output(target) as tmp:
        ...         _ = tmp.write_text("half")
        ...         raise OSError("disk full")
        ... except OSError:
        ...     pass
        >>> list(target.parent.iterdir())
        []
        >>> with atomic_output(target) as tmp:
        ...     _ = tmp.write_text("whole")
        >>> target.read_text()
        'whole'
    """
    tmp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        _remove(tmp)
