"""Cross-cutting: reading TOML files and walking TOML/dict tables, every problem located.

One reader for the tables of programme models and scenarios (and anything else read
from TOML or JSON): :func:`read_toml` turns a file into a table or one clear
:class:`~langzeit.exceptions.ValidationError` (missing, a folder, not UTF-8, nested
too deeply, not TOML — a UTF-8 byte-order mark is accepted), and
:class:`TableReader` reads the keys of a table, collecting **every** problem with
its location (``file.toml.staffing.coaches: must be a whole number, got 'three'``)
instead of stopping at the first.

Why not cattrs: cattrs structures dicts into attrs classes with grouped errors, but
the TOML formats are not the classes' fields one to one (durations as text,
distributions chosen by ``kind``, ``from``/``to`` on transitions, one FTE for all
coaches, units per value), so nearly every field would need a hand-written hook, and
its messages (``invalid value for type, expected int @ $.staffing.coaches``) are for
programmers, not caseworkers. This small reader gives the messages the docs promise
without a new dependency.

Writing tables as TOML is :func:`langzeit._toml_write.dumps_toml`, beside this module.
This module imports nothing of langzeit but the exception tree.

Examples:
    >>> problems = []
    >>> r = TableReader({"coaches": "three", "caseload": 12, "colour": "red"}, "s.toml.staffing",
    ...                 problems, allowed={"coaches", "caseload", "fte"})
    >>> r.integer("coaches", minimum=1), r.integer("caseload", minimum=1)
    (None, 12)
    >>> [str(p) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    ['s.toml.staffing.colour: unknown key; known: caseload, coaches, fte',
     "s.toml.staffing.coaches: must be a whole number, got 'three'"]
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from langzeit.exceptions import Problem, ValidationError

__all__ = ["MAX_TOML_BYTES", "TableReader", "loads_toml", "read_toml"]

T = TypeVar("T")

#: The largest TOML file read (a programme model or scenario is a few kilobytes).
MAX_TOML_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ValidationError(f"{name}: not UTF-8 text", [Problem(
            f"{name}:{line}", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
        )]) from None


def read_toml(path: str | os.PathLike[str], *, name: str | None = None) -> dict[str, Any]:
    r"""The table of a TOML file, or one clear error naming the file (and line).

    Args:
        path: the file.
        name: the file's name in messages (default: the path as given).

    Returns:
        The file's top-level table.

    Raises:
        FileNotFoundError: the file does not exist.
        IsADirectoryError: the path is a folder.
        ValidationError: not UTF-8, larger than :data:`MAX_TOML_BYTES`, nested too
            deeply, or not TOML; the one problem names the file and line.

    Examples:
        >>> import tempfile, pathlib
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
        >>> _ = f.write_bytes(b"\xef\xbb\xbfid = 'x'\n")  # a byte-order mark is fine
        >>> read_toml(f)
        {'id': 'x'}
        >>> _ = f.write_bytes(b"name = 'K\xf6ln'\n")  # latin-1
        >>> read_toml(f, name="p.toml")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: p.toml: not UTF-8 text (1 problem)
          - p.toml:1: not UTF-8 text (byte 0xf6); save the file as UTF-8
    """
    shown = os.fspath(path) if name is None else name
    p = Path(path)
    if p.is_dir():
        raise IsADirectoryError(21, "Is a directory", os.fspath(path))
    with p.open("rb") as fh:
        raw = fh.read(MAX_TOML_BYTES + 1)
    if len(raw) > MAX_TOML_BYTES:
        raise ValidationError(f"{shown}: too large", [Problem(
            shown, f"larger than {MAX_TOML_BYTES // (1024 * 1024)} MiB; a programme model or scenario "
            "is a few kilobytes")])
    return loads_toml(_decode(raw.removeprefix(_BOM), shown), shown)


def loads_toml(text: str, name: str) -> dict[str, Any]:
    """The table of a TOML text, or a :class:`ValidationError` naming ``name`` and the line.

    Examples:
        >>> loads_toml("a = " + "[" * 100_000, "deep.toml")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: deep.toml: not valid TOML (1 problem)
          - deep.toml: arrays or tables nested too deeply to read
        >>> loads_toml("a = ", "x.toml")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: x.toml: not valid TOML (1 problem)
          - x.toml:1: not valid TOML: Invalid value (at end of document)
    """
    text = text.removeprefix("\ufeff")
    try:
        return tomllib.loads(text)
    except RecursionError:
        problem = Problem(name, "arrays or tables nested too deeply to read")
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = _line_of(message, text)
        problem = Problem(f"{name}:{line}" if line else name, f"not valid TOML: {message}")
    raise ValidationError(f"{name}: not valid TOML", [problem])


def _line_of(message: str, text: str) -> int | None:
    marker = "(at line "
    if marker in message:
        digits = message.split(marker, 1)[1].split(",", 1)[0]
        return int(digits) if digits.isdigit() else None
    if "end of document" in message:
        return text.count("\n") + 1
    return None


_MISSING = object()


def _kind(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class TableReader:
    """Reads the keys of one TOML/dict table, appending each problem with its location.

    Every getter returns the value, or None when the key is absent (and not required)
    or its value is bad — then the problem is in :attr:`problems`. Child tables share
    the problem list, so one list holds every problem of a file.

    Args:
        data: the table.
        location: where it is, e.g. ``"scenario.toml"`` or ``"scenario.toml.staffing"``.
        problems: the list to append to (a new one when None).
        allowed: the keys the table may have (None: any); others are reported as unknown.
        required: keys that must be present.

    Examples:
        >>> r = TableReader({"rate": float("inf")}, "referrals", allowed={"rate"}, required=("rate", "kind"))
        >>> r.number("rate", minimum=0) is None, [str(p) for p in r.problems]
        (True, ['referrals.kind: required key missing', 'referrals.rate: must be a finite number, got inf'])
    """

    def __init__(
        self,
        data: Mapping[str, Any],
        location: str,
        problems: list[Problem] | None = None,
        *,
        allowed: set[str] | frozenset[str] | None = None,
        required: tuple[str, ...] = (),
    ) -> None:
        self.data = data
        self.location = location
        self.problems: list[Problem] = [] if problems is None else problems
        if allowed is not None:
            for key in sorted(set(data) - set(allowed), key=str):
                known = ", ".join(sorted(allowed))
                self.problems.append(Problem(self.where(key), f"unknown key; known: {known}"))
        for key in required:
            if key not in data:
                self.problems.append(Problem(self.where(key), "required key missing"))
        self._checked = len(self.problems)  # problems so far: the table's keys (see build_checked)

    # -- locations and problems ----------------------------------------------------------

    def where(self, key: str | int | None = None) -> str:
        """The location of a key (or of the table itself).

        Examples:
            >>> TableReader({}, "s.toml").where("staffing"), TableReader({}, "p").where(2)
            ('s.toml.staffing', 'p[2]')
        """
        if key is None:
            return self.location
        if isinstance(key, int):
            return f"{self.location}[{key}]"
        return f"{self.location}.{key}" if self.location else str(key)

    def problem(self, key: str | int | None, message: str) -> None:
        """Append a problem at ``key`` (None: the table itself).

        Examples:
            >>> r = TableReader({}, "x")
            >>> r.problem("a", "bad"); [str(p) for p in r.problems]
            ['x.a: bad']
        """
        self.problems.append(Problem(self.where(key), message))

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required:
                self.problem(key, "required key missing")
            return _MISSING
        return self.data[key]

    def _typed(self, key: str, required: bool, kind: type | tuple[type, ...], what: str) -> Any:
        """The value under ``key`` when it is a ``kind`` (a bool is no number), else None.

        None also when absent (a problem when ``required``); a value of another kind is
        the problem "must be ``what``".
        """
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.problem(key, f"must be {what}, got {_kind(value)}")
            return None
        return value

    # -- scalars -------------------------------------------------------------------------

    def text(self, key: str, *, required: bool = False, max_length: int = 10_000) -> str | None:
        """A text value.

        Examples:
            >>> r = TableReader({"id": 7}, "s")
            >>> r.text("id"), [str(p) for p in r.problems]
            (None, ['s.id: must be text, got 7'])
        """
        value: str | None = self._typed(key, required, str, "text")
        if value is not None and len(value) > max_length:
            self.problem(key, f"longer than {max_length} characters")
            return None
        return value

    def flag(self, key: str, *, required: bool = False) -> bool | None:
        """A boolean (``true``/``false``).

        Examples:
            >>> TableReader({"tandems": "yes"}, "s").flag("tandems") is None
            True
        """
        value: bool | None = self._typed(key, required, bool, "true or false")
        return value

    def integer(
        self, key: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """A whole number, optionally within ``[minimum, maximum]``.

        Examples:
            >>> r = TableReader({"coaches": 0}, "s")
            >>> r.integer("coaches", minimum=1), [str(p) for p in r.problems]
            (None, ['s.coaches: must be at least 1, got 0'])
        """
        value: int | None = self._typed(key, required, int, "a whole number")
        return None if value is None else self._bounded(key, value, minimum, maximum)

    def number(
        self, key: str, *, required: bool = False, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        """A finite number (integer or float), optionally within ``[minimum, maximum]``.

        Examples:
            >>> TableReader({"rate": 2}, "s").number("rate", minimum=0)
            2.0
        """
        value = self._get(key, required)
        if value is _MISSING:
            return None
        return self.check_number(key, value, minimum=minimum, maximum=maximum)

    def check_number(
        self, key: str | int | None, value: Any, *, minimum: float | None = None, maximum: float | None = None
    ) -> float | None:
        """``value`` as a finite float within the bounds, or None with the problem at ``key``.

        Examples:
            >>> r = TableReader({}, "s")
            >>> r.check_number("p", True), [str(p) for p in r.problems]
            (None, ['s.p: must be a number, got True'])
        """
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(key, f"must be a number, got {_kind(value)}")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.problem(key, f"must be a finite number, got {_kind(value)}")
            return None
        bounded = self._bounded(key, number, minimum, maximum)
        return None if bounded is None else float(bounded)

    def probability(self, key: str, *, required: bool = False) -> float | None:
        """A probability in [0, 1].

        Examples:
            >>> r = TableReader({"take_up": 2}, "s")
            >>> r.probability("take_up"), [str(p) for p in r.problems]
            (None, ['s.take_up: must be a probability in [0, 1], got 2'])
        """
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            self.problem(key, f"must be a probability in [0, 1], got {_kind(value)}")
            return None
        return float(value)

    def _bounded(self, key: str | int | None, value: T, minimum: Any, maximum: Any) -> T | None:
        if minimum is not None and value < minimum:
            self.problem(key, f"must be at least {minimum}, got {value}")
            return None
        if maximum is not None and value > maximum:
            self.problem(key, f"must be at most {maximum}, got {value}")
            return None
        return value

    def date(self, key: str, *, required: bool = False, first_year: int = 1900,
             last_year: int = 2199) -> _dt.date | None:
        """A date (a TOML date or ISO text) in the years ``first_year``–``last_year``.

        Examples:
            >>> r = TableReader({"start": "0001-01-01"}, "s")
            >>> r.date("start"), [str(p) for p in r.problems]
            (None, ['s.start: must lie in the years 1900–2199, got 0001-01-01'])
        """
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                self.problem(key, f"not an ISO date (YYYY-MM-DD): {_kind(value)}")
                return None
        if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
            self.problem(key, f"must be a date, got {_kind(value)}")
            return None
        if not first_year <= value.year <= last_year:
            self.problem(key, f"must lie in the years {first_year}–{last_year}, got {value.isoformat()}")
            return None
        return value

    def value(self, key: str, convert: Callable[[Any], T], *, required: bool = False) -> T | None:
        """``convert(value)``; a ``ValueError``/``TypeError`` of it becomes the problem.

        Examples:
            >>> r = TableReader({"n": "x"}, "s")
            >>> r.value("n", int), [str(p) for p in r.problems]
            (None, ["s.n: invalid literal for int() with base 10: 'x'"])
        """
        value = self._get(key, required)
        if value is _MISSING:
            return None
        return self.convert(key, value, convert)

    def convert(self, key: str | int | None, value: Any, convert: Callable[[Any], T]) -> T | None:
        """``convert(value)`` or None with the problem at ``key``.

        Examples:
            >>> TableReader({}, "s").convert("n", "12", int)
            12
        """
        try:
            return convert(value)
        except (TypeError, ValueError, OverflowError) as exc:
            self.problem(key, str(exc) or type(exc).__name__)
            return None

    def build(self, factory: Callable[..., T], /, **kwargs: Any) -> T | None:
        """``factory(**kwargs)``, or None with its ``ValueError``/``TypeError`` as the problem.

        A :class:`ValidationError` of the factory adds each of its problems under this
        table's location.

        Examples:
            >>> r = TableReader({}, "s.staffing")
            >>> r.build(divmod, a=1), [str(p) for p in r.problems]  # doctest: +ELLIPSIS
            (None, ['s.staffing: divmod() takes no keyword arguments'])
        """
        try:
            return factory(**kwargs)
        except ValidationError as exc:
            if not exc.problems:  # one field's check: its message says what
                self.problem(None, str(exc))
                return None
            base = self.where()
            self.problems.extend(Problem(f"{base}.{p.location}", p.message) if isinstance(p, Problem)
                                 else Problem(base, str(p)) for p in exc.problems)
        except (TypeError, ValueError, OverflowError) as exc:
            self.problem(None, str(exc) or type(exc).__name__)
        return None

    def build_checked(self, factory: Callable[..., T], /, **kwargs: Any) -> T | None:
        """:meth:`build`, unless reading this table's values found a problem (then None).

        Problems found when the reader was made (unknown or missing keys) do not count:
        the factory may still report its own.

        Examples:
            >>> r = TableReader({"n": 2}, "s")
            >>> r.build_checked(dict, n=r.integer("n"))
            {'n': 2}
            >>> r = TableReader({"n": "x"}, "s")
            >>> r.build_checked(dict, n=r.integer("n")), [str(p) for p in r.problems]
            (None, ["s.n: must be a whole number, got 'x'"])
        """
        if len(self.problems) > self._checked:
            return None
        return self.build(factory, **kwargs)

    # -- tables and arrays ---------------------------------------------------------------

    def table(
        self,
        key: str,
        *,
        allowed: set[str] | frozenset[str] | None = None,
        required: tuple[str, ...] = (),
        what: str = "a table",
        must: bool = False,
    ) -> TableReader | None:
        """The reader of the sub-table under ``key`` (None when absent or not a table).

        Examples:
            >>> r = TableReader({"staffing": 3}, "s")
            >>> r.table("staffing"), [str(p) for p in r.problems]
            (None, ['s.staffing: must be a table, got 3'])
        """
        value: Mapping[str, Any] | None = self._typed(key, must, Mapping, what)
        if value is None:
            return None
        return TableReader(value, self.where(key), self.problems, allowed=allowed, required=required)

    def array(self, key: str, *, required: bool = False, max_items: int = 100_000) -> list[Any] | None:
        """An array's items (None when absent or not an array).

        Examples:
            >>> TableReader({"months": [6, 12]}, "s").array("months")
            [6, 12]
        """
        value: list[Any] | tuple[Any, ...] | None = self._typed(key, required, (list, tuple), "an array")
        if value is None:
            return None
        if len(value) > max_items:
            self.problem(key, f"more than {max_items} items")
            return None
        return list(value)

    def tables(self, key: str, *, allowed: set[str] | frozenset[str] | None = None,
               required: tuple[str, ...] = ()) -> Iterator[TableReader]:
        """A reader for each table of an array of tables (``[[key]]``); other items are problems.

        Examples:
            >>> r = TableReader({"phases": [{"id": "a"}, 3]}, "p")
            >>> [t.data for t in r.tables("phases", required=("id",))], [str(p) for p in r.problems]
            ([{'id': 'a'}], ['p.phases[1]: must be a table, got 3'])
        """
        items = self.array(key)
        for i, item in enumerate(items or ()):
            at = f"{self.where(key)}[{i}]"
            if not isinstance(item, Mapping):
                self.problems.append(Problem(at, f"must be a table, got {_kind(item)}"))
                continue
            yield TableReader(item, at, self.problems, allowed=allowed, required=required)

    def items(self) -> Iterator[tuple[str, Any]]:
        """The table's ``(key, value)`` pairs, keys as text.

        Examples:
            >>> list(TableReader({6: 0.8}, "s").items())
            [('6', 0.8)]
        """
        for key, value in self.data.items():
            yield str(key), value

    def raise_if_problems(self, message: str) -> None:
        """Raise a :class:`ValidationError` with every problem collected, if any.

        Examples:
            >>> TableReader({"x": 1}, "s", allowed=set()).raise_if_problems("invalid s")
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ValidationError: invalid s (1 problem)
              - s.x: unknown key; known:
        """
        if self.problems:
            raise ValidationError(message, self.problems)
