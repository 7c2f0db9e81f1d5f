"""Cross-cutting: writing TOML/dict tables as TOML text, the inverse of :func:`langzeit._toml.loads_toml`.

What langzeit's files hold — text, whole and finite numbers, booleans, dates, arrays
and tables — written so that :mod:`tomllib` reads the same table back (scenarios'
``to_toml``). This module imports nothing of langzeit but the exception tree.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from langzeit.exceptions import ValidationError

__all__ = ["dumps_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _string(key)


def _string(text: str) -> str:
    # A JSON string is a TOML basic string, but for DEL, which TOML wants escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"TOML has no {value!r} in langzeit's files")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_key(str(k))} = {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _emit(table: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    nested = []
    for key, value in table.items():
        if isinstance(value, Mapping) or _is_table_array(value):
            nested.append((key, value))
        else:
            lines.append(f"{_key(str(key))} = {_scalar(value)}")
    for key, value in nested:
        name = f"{prefix}{_key(str(key))}"
        if isinstance(value, Mapping):
            lines.extend(["", f"[{name}]"])
            _emit(value, f"{name}.", lines)
        else:
            for item in value:
                lines.extend(["", f"[[{name}]]"])
                _emit(item, f"{name}.", lines)


def dumps_toml(table: Mapping[str, Any]) -> str:
    """A table as TOML text (tables as ``[sections]``, arrays of tables as ``[[…]]``).

    Handles what langzeit's files hold: text, whole and finite numbers, booleans,
    dates, arrays and tables; :func:`loads_toml` reads the text back to the same table.

    Args:
        table: the table.

    Returns:
        The TOML text, ending with a newline.

    Examples:
        >>> text = dumps_toml({"id": "x", "start": _dt.date(2024, 1, 1), "staffing": {"fte": [1.0, 0.5]},
        ...                    "phases": [{"id": "a"}, {"id": "z", "terminal": True}]})
        >>> print(text, end="")
        id = "x"
        start = 2024-01-01
        <BLANKLINE>
        [staffing]
        fte = [1.0, 0.5]
        <BLANKLINE>
        [[phases]]
        id = "a"
        <BLANKLINE>
        [[phases]]
        id = "z"
        terminal = true
        >>> from langzeit._toml import loads_toml
        >>> loads_toml(text, "x.toml")["phases"][1]
        {'id': 'z', 'terminal': True}
    """
    lines: list[str] = []
    _emit(table, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"
