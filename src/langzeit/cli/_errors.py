"""CLI layer: exit codes and the one line on stderr that every failure gets.

Exit codes of the ``langzeit`` command (documented in ``docs/guides/bad-input.md``):

====  =================================================================================
0     success (``validate``: the file is valid)
1     ``validate`` only: the file was read and has problems (listed on stdout)
2     bad input: an option's value, a missing or unreadable file, a file with problems,
      an output that exists (without ``--force``), a run beyond the size bound
3     the output could not be written (disk full, standard output closed)
69    a worker process or cluster worker died (``WorkerLost``); nothing was written
70    an internal error: a bug in langzeit (please report it with the command line)
130   interrupted (Ctrl-C); no partial output file is left
====  =================================================================================

A failure prints exactly one line on stderr: ``langzeit: error: WHERE: WHAT`` — the
file (with line) or key, what is wrong and, where it helps, what to do. No traceback
(set the environment variable ``LANGZEIT_TRACEBACK=1`` to see one for a bug report).
"""

from __future__ import annotations

import errno
import os

from langzeit.exceptions import LangzeitError, Problem, RowProblem, ValidationError, WorkerLost

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_OUTPUT",
    "EXIT_PROBLEMS",
    "EXIT_WORKER_LOST",
    "BadInput",
    "OutputError",
    "describe",
    "one_line",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_BAD_INPUT = 2
EXIT_OUTPUT = 3
EXIT_WORKER_LOST = 69  # sysexits' EX_UNAVAILABLE
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

#: Errors of writing output: the disk or the pipe, not the input.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EPIPE, errno.EBADF,
                            errno.EFBIG, errno.EROFS})


class BadInput(LangzeitError, ValueError):
    """A command's input is unusable; the message is the one line to print.

    Examples:
        >>> str(BadInput("--out x.csv: exists; use --force to replace it"))
        '--out x.csv: exists; use --force to replace it'
    """


class OutputError(LangzeitError, OSError):
    """The command's output could not be written (exit code 3).

    Examples:
        >>> str(OutputError("standard output: No space left on device"))
        'standard output: No space left on device'
    """


def one_line(text: str) -> str:
    r"""``text`` on one line: line breaks and runs of blanks become single spaces.

    Examples:
        >>> one_line("a\n  b\r\nc")
        'a b c'
    """
    return " ".join(text.split())


def _problem_text(problem: Problem | RowProblem) -> str:
    return str(problem)


def _validation(exc: ValidationError) -> str:
    if not exc.problems:
        return exc.message
    first = _problem_text(exc.problems[0])
    rest = len(exc.problems) - 1
    if rest:
        more = f"{rest} more problem{'s' if rest != 1 else ''}"
        first += f" (and {more}; `langzeit validate FILE` lists them all)"
    return first


_OS_REASONS = {
    errno.ENOENT: "file not found",
    errno.EISDIR: "is a directory, not a file",
    errno.ENOTDIR: "a part of the path is not a directory",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "file name too long",
    errno.ELOOP: "too many symbolic links",
}


def _os_error(exc: OSError) -> str:
    reason = _OS_REASONS.get(exc.errno or -1) or exc.strerror or str(exc)
    if exc.filename is not None:
        return f"{os.fsdecode(exc.filename)}: {reason}"
    return reason


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit code and the one line for an exception that ends a command.

    Args:
        exc: what ended the command.

    Returns:
        ``(exit code, line)``.

    Examples:
        >>> describe(FileNotFoundError(2, "No such file or directory", "events.jsonl"))
        (2, 'events.jsonl: file not found')
        >>> print(describe(ValidationError("bad", [Problem("s.toml.referrals.rate", "must be positive"),
        ...                                        Problem("s.toml.horizon", "x")]))[1])  # doctest: +ELLIPSIS
        s.toml.referrals.rate: must be positive (and 1 more problem; `langzeit validate FILE` lists ...)
        >>> describe(KeyError("x"))[0]
        70
        >>> describe(WorkerLost("replication 3: a worker stopped"))
        (69, 'replication 3: a worker stopped')
    """
    if isinstance(exc, OutputError):
        return EXIT_OUTPUT, one_line(str(exc))
    if isinstance(exc, WorkerLost):
        return EXIT_WORKER_LOST, one_line(str(exc))
    if isinstance(exc, ValidationError):
        return EXIT_BAD_INPUT, one_line(_validation(exc))
    if isinstance(exc, LangzeitError):
        return EXIT_BAD_INPUT, one_line(str(exc))
    if isinstance(exc, OSError):
        if exc.errno in _OUTPUT_ERRNOS and exc.filename is None:
            return EXIT_OUTPUT, one_line(f"cannot write the output: {exc.strerror or exc}")
        return EXIT_BAD_INPUT, one_line(_os_error(exc))
    if isinstance(exc, UnicodeError):
        return EXIT_BAD_INPUT, one_line(f"not UTF-8 text: {exc}")
    if isinstance(exc, RecursionError):
        return EXIT_BAD_INPUT, "the input is nested too deeply to be read"
    if isinstance(exc, MemoryError):
        return EXIT_BAD_INPUT, "the input needs more memory than this machine has"
    if isinstance(exc, ValueError | OverflowError):
        return EXIT_BAD_INPUT, one_line(str(exc) or type(exc).__name__)
    return EXIT_INTERNAL, one_line(
        f"internal error ({type(exc).__name__}: {exc}); this is a bug in langzeit, please report it "
        "with the command line (LANGZEIT_TRACEBACK=1 shows the traceback)"
    )
