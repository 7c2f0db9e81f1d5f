r"""Docs tooling: MkDocs hooks — render the pages' bare ``>>>`` doctest blocks as Python console code.

The Markdown pages under ``docs/`` hold plain doctest blocks so that pytest runs them
(``--doctest-glob=*.md``). Left alone, Markdown would render them as running text (and
read ``[...]`` output as links). This hook wraps each block — from a line starting with
``>>>`` to the next blank line, the doctest rule — in a ``pycon`` fence before MkDocs
renders the page. Fenced and indented code is left as it is.

Examples:
    >>> fence_doctests("Text\n>>> 1 + 1\n2\n\nMore").splitlines()
    ['Text', '```pycon', '>>> 1 + 1', '2', '```', '', 'More']
"""

from __future__ import annotations

from typing import Any

__all__ = ["fence_doctests", "on_page_markdown"]


def fence_doctests(markdown: str) -> str:
    r"""Wrap every top-level doctest block of ``markdown`` in a ``pycon`` code fence.

    Args:
        markdown: the page's Markdown text.

    Returns:
        The text with each block fenced; everything else unchanged.

    Examples:
        >>> fence_doctests("```\n>>> x\n```")  # already fenced: unchanged
        '```\n>>> x\n```'
    """
    out: list[str] = []
    fence: str | None = None
    in_block = False
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if in_block:
            if line.strip():
                out.append(line)
                continue
            out.append("```")
            in_block = False
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
        elif stripped.startswith(("```", "~~~")) and len(line) - len(stripped) < 4:
            fence = stripped[:3]
        elif line.startswith(">>>"):
            out.append("```pycon")
            in_block = True
        out.append(line)
    if in_block:
        out.append("```")
    return "\n".join(out)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    r"""MkDocs hook: fence the page's doctest blocks (see :func:`fence_doctests`).

    Args:
        markdown: the page's Markdown text.
        **kwargs: the page, config and files MkDocs passes (unused).

    Returns:
        The rewritten Markdown.

    Examples:
        >>> on_page_markdown(">>> 1\n1").splitlines()[0]
        '```pycon'
    """
    return fence_doctests(markdown)
