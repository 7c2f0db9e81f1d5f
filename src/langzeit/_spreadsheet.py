r"""Cross-cutting: cells that are safe to open in a spreadsheet (no formula injection).

A spreadsheet program (Excel, LibreOffice Calc) runs a CSV cell that begins with
``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can
hide such a start ("CSV injection", OWASP). Every CSV file langzeit writes passes its
text cells through :func:`escape_cell`, the one implementation of the rule:

* a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a
  single quote ``'`` gets a single quote in front (``=1+2`` → ``'=1+2``); a spreadsheet
  shows the quote-prefixed cell as the text it was;
* a plain number (``-3``, ``-0.25``, ``+4``) stays as it is: it is a value, not a
  formula;
* every other cell stays as it is.

The rule is reversible: :func:`unescape_cell` drops the first character of a cell
that begins with ``'`` followed by one of the characters above (or a second ``'``), so
readers of langzeit's own formats (the event-log CSV) give back exactly what was
written. A file written before this rule existed reads the same unless one of its text
cells began with ``'=``, ``'+``, ``'-``, ``'@``, ``''`` or a quote before a tab or CR.

This module imports nothing of langzeit, so every layer may use it.

Examples:
    >>> escape_cell("=HYPERLINK(\"http://x\")")
    '\'=HYPERLINK("http://x")'
    >>> unescape_cell(escape_cell("@SUM(A1)")) == "@SUM(A1)"
    True
    >>> escape_cell("-3"), escape_cell("Halle (Saale)")
    ('-3', 'Halle (Saale)')
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["escape_cell", "escape_row", "unescape_cell"]

#: First characters a spreadsheet may treat as the start of a formula.
TRIGGERS = frozenset("=+-@\t\r")
_QUOTE = "'"
_ESCAPED = TRIGGERS | {_QUOTE}
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


def escape_cell(text: str) -> str:
    r"""The cell as it must be written to a CSV file that a spreadsheet may open.

    Args:
        text: the cell's text.

    Returns:
        ``text`` with a ``'`` in front when it begins with ``=``, ``+``, ``-``,
        ``@``, tab, CR or ``'`` and is not a plain number; else ``text`` unchanged.

    Examples:
        >>> [escape_cell(t) for t in ["+49 345 1234", "-1.5", "'quoted", "\tx", ""]]
        ["'+49 345 1234", '-1.5', "''quoted", "'\tx", '']
    """
    if not text or text[0] not in _ESCAPED:
        return text
    if text[0] in "+-" and _NUMBER.match(text):
        return text
    return _QUOTE + text


def unescape_cell(text: str) -> str:
    """The cell as it was before :func:`escape_cell` (the inverse of it).

    Args:
        text: a cell read from a CSV file written with :func:`escape_cell`.

    Returns:
        ``text`` without its first character when that is a ``'`` before a character
        that :func:`escape_cell` escapes; else ``text`` unchanged.

    Examples:
        >>> unescape_cell("'=1+2"), unescape_cell("''quoted"), unescape_cell("'plain")
        ('=1+2', "'quoted", "'plain")
    """
    if len(text) > 1 and text[0] == _QUOTE and text[1] in _ESCAPED:
        return text[1:]
    return text


def escape_row(cells: Iterable[object]) -> list[str]:
    """Every cell of a row as text, escaped with :func:`escape_cell` (None is empty).

    Args:
        cells: the row's values; numbers are written with ``str``.

    Returns:
        The cells, ready for :func:`csv.writer`.

    Examples:
        >>> escape_row(["=cmd|' /C calc'!A0", -2, None, 1.5])
        ["'=cmd|' /C calc'!A0", '-2', '', '1.5']
    """
    return [escape_cell("" if c is None else str(c)) for c in cells]
