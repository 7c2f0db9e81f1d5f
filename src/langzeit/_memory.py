"""Cross-cutting: keeping freed memory in the process for its next use, only when the program opts in.

Bulk work in batches (a national spell table is checked a million rows at a time)
frees and allocates blocks of a few megabytes dozens of times. glibc's malloc gives
such blocks back to the system (``munmap``, or trimming the top of the heap), so the
next batch faults fresh pages in again; on a virtual machine whose host takes freed
pages back (a balloon with free page reporting), every such fault costs tens of
microseconds — seconds of system time for one national table. :func:`keep_freed_memory`
raises malloc's mmap and trim thresholds, so freed blocks stay in the process for the
next batch. That is **process-wide** (every allocation of the host, for its lifetime),
so the library never calls it; the ``langzeit`` command does, for its own process.
Elsewhere than on glibc it does nothing. Imports nothing of langzeit.
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["keep_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's largest mmap threshold on 64-bit (blocks above it are mapped on their own, as whole columns are)
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 2**31 - 1  # an int: freed memory stays (the command's process ends soon after)


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return False


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed blocks of up to 32 MiB in the process (the program's choice).

    Returns:
        Whether malloc took both settings (False elsewhere than on glibc).

    Examples:
        >>> import subprocess, sys
        >>> code = "from langzeit._memory import keep_freed_memory as k, _glibc as g; print(k() == g())"
        >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
        'True'
    """
    if not _glibc():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - glibc always has it
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD,
                                                                                _TRIM_THRESHOLD))
