r"""Docs tooling: MkDocs hooks — doctest blocks as code, Sphinx roles in docstrings as links.

* The Markdown pages under ``docs/`` hold plain doctest blocks so that pytest runs them
  (``--doctest-glob=*.md``). Left alone, Markdown would render them as running text (and
  read ``[...]`` output as links). :func:`on_page_markdown` wraps each block — from a
  line starting with ``>>>`` to the next blank line, the doctest rule — in a ``pycon``
  fence. Fenced and indented code is left as it is.
* The docstrings use Sphinx roles (``:func:`~langzeit.indicators.funnel```), which
  mkdocstrings renders literally. :func:`on_page_content` turns each into a
  cross-reference that mkdocs-autorefs resolves (a link to the API page), or into plain
  code where it cannot.

Examples:
    >>> fence_doctests("Text\n>>> 1 + 1\n2\n\nMore").splitlines()
    ['Text', '```pycon', '>>> 1 + 1', '2', '```', '', 'More']
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["fence_doctests", "link_roles", "on_page_content", "on_page_markdown"]

_ROLE = re.compile(
    r":(?:py:)?(?:func|class|meth|attr|data|mod|exc|obj|const):<code>(~?)\.?([\w.]+?)(\(\))?</code>"
)
_API_PAGE = re.compile(r"reference/api/(\w+)\.md$")


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


def link_roles(html: str, package: str | None = None) -> str:
    """Replace rendered Sphinx roles by optional autorefs cross-references (or plain code).

    A name starting with ``langzeit.`` links to that object; another name links to the
    object of that name in ``package`` (the package of the API page) if there is one;
    ``~`` shows only the last part. Unresolved references stay plain code, silently.

    Args:
        html: the page's HTML.
        package: the package of the page (``"indicators"`` for ``reference/api/indicators.md``).

    Returns:
        The HTML with the roles replaced.

    Examples:
        >>> link_roles(":func:<code>~langzeit.indicators.funnel</code>")
        '<autoref identifier="langzeit.indicators.funnel" optional><code>funnel</code></autoref>'
        >>> link_roles(":class:<code>Table</code>", "tabular")
        '<autoref identifier="langzeit.tabular.Table" optional><code>Table</code></autoref>'
        >>> link_roles(":meth:<code>rows</code>")
        '<code>rows</code>'
    """

    def replace(match: re.Match[str]) -> str:
        short, name, call = match[1] == "~", match[2], match[3] or ""
        title = (name.rsplit(".", 1)[-1] if short else name) + call
        if name.startswith("langzeit."):
            identifier = name
        elif package is not None:
            identifier = f"langzeit.{package}.{name}"
        else:
            return f"<code>{title}</code>"
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    return _ROLE.sub(replace, html)


def on_page_content(html: str, page: Any, **kwargs: Any) -> str:
    """MkDocs hook: Sphinx roles in rendered docstrings as links (see :func:`link_roles`).

    Args:
        html: the page's HTML.
        page: the MkDocs page (its source path names the package of an API page).
        **kwargs: the config and files MkDocs passes (unused).

    Returns:
        The rewritten HTML.

    Examples:
        >>> class Page:
        ...     class file:
        ...         src_path = "reference/api/report.md"
        >>> on_page_content(":func:<code>plot_funnel</code>", Page())
        '<autoref identifier="langzeit.report.plot_funnel" optional><code>plot_funnel</code></autoref>'
    """
    match = _API_PAGE.search(str(page.file.src_path).replace("\\", "/"))
    return link_roles(html, match[1] if match else None)
