"""Cross-cutting: the tools of data protection shared by every layer (DOMAIN.md § 6).

* :class:`StatedPurpose` — the purpose a caller states to receive special
  categories of data (Art. 9 GDPR: a participant's needs and health facts) from an
  export that leaves them out by default.
* :class:`Pseudonymiser` — the keyed hash (HMAC-SHA256) of identifiers for a research
  export, with a secret the user supplies and langzeit never stores, and optional
  coarsening of dates to month or quarter. The same key maps the same id to the same
  pseudonym in every export (event logs and spell tables stay linkable); without the
  key nobody can recompute or reverse the mapping.

Pseudonymised data are still personal data (GDPR recital 26): the export reduces the
risk, it does not anonymise. This module imports nothing of langzeit but its exceptions.

Examples:
    >>> p = Pseudonymiser(bytes(range(16)), dates="month")
    >>> p.id("p-001") == p.id("p-001") != p.id("p-002")
    True
    >>> import datetime as dt
    >>> p.date(dt.date(2024, 5, 17))
    datetime.date(2024, 5, 1)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "DATE_PRECISIONS",
    "ID_COLUMNS",
    "MIN_KEY_BYTES",
    "DatePrecision",
    "Pseudonymiser",
    "StatedPurpose",
    "coarsen_date",
    "pseudonymise_rows",
]

DatePrecision = Literal["day", "month", "quarter"]
#: The precisions a pseudonymised export may keep dates at.
DATE_PRECISIONS: tuple[DatePrecision, ...] = ("day", "month", "quarter")
#: The shortest key accepted (128 bits); 32 random bytes are recommended.
MIN_KEY_BYTES = 16
_MAX_PURPOSE = 500
#: Columns of side tables (participant attributes, mappings, birth years) that hold person ids.
ID_COLUMNS = ("participant_id", "person_id")


def _purpose_text(_inst: object, _attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"a stated purpose must be a non-empty text, got {value!r}")
    if len(value) > _MAX_PURPOSE or not value.isprintable():
        raise ValidationError(f"a stated purpose is one printable line of at most {_MAX_PURPOSE} characters")


@attrs.frozen
class StatedPurpose:
    """Why a caller receives special categories of data (Art. 9 GDPR) from an export.

    Exports leave out health data and other special categories unless the caller
    states a purpose (purpose limitation, Art. 5 (1) b GDPR); the purpose is written
    into the exported document so that it travels with the data.

    Args:
        text: the purpose in one line, e.g. ``"Fallkonferenz mit der Tagesklinik,
            Einwilligung k-anna-tk"``.

    Raises:
        ValueError: an empty or multi-line text, or one longer than 500 characters.

    Examples:
        >>> StatedPurpose("Fallkonferenz Tagesklinik (Einwilligung k-anna-tk)").text
        'Fallkonferenz Tagesklinik (Einwilligung k-anna-tk)'
    """

    text: str = attrs.field(validator=_purpose_text)


def coarsen_date(day: _dt.date, precision: DatePrecision) -> _dt.date:
    """A date coarsened to the first day of its month or quarter (``"day"``: unchanged).

    The map never reverses an order (a later day never maps before an earlier one),
    so events keep their sequence.

    Args:
        day: the date.
        precision: ``"day"``, ``"month"`` or ``"quarter"``.

    Returns:
        The coarsened date.

    Raises:
        ValueError: an unknown precision.

    Examples:
        >>> coarsen_date(_dt.date(2024, 8, 30), "quarter")
        datetime.date(2024, 7, 1)
    """
    if precision == "day":
        return day
    if precision == "month":
        return day.replace(day=1)
    if precision == "quarter":
        return _dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValidationError(f"date precision must be one of {', '.join(DATE_PRECISIONS)}, got {precision!r}")


def _check_key(key: object, where: str) -> bytes:
    if not isinstance(key, bytes | bytearray):
        raise ValidationError("no usable key", [Problem(where, "the key must be bytes")])
    if len(key) < MIN_KEY_BYTES:
        raise ValidationError("no usable key", [Problem(
            where, f"the key has {len(key)} bytes, at least {MIN_KEY_BYTES} are needed "
                   f"(e.g. `openssl rand -hex 32 > key.txt`)")])
    return bytes(key)


@attrs.define(eq=False, repr=False, init=False)
class Pseudonymiser:
    """The keyed hash of identifiers and the coarsening of dates for a research export.

    A pseudonym is the lower-case hex HMAC-SHA256 of the id's UTF-8 text under the
    key (64 characters). The key is held in memory only; it is never written, logged
    or shown (``repr`` shows a key id: a hash that names the key without revealing it).

    Args:
        key: the secret, at least 16 bytes.
        dates: keep dates at ``"day"`` (default), or coarsen to ``"month"`` or ``"quarter"``.

    Raises:
        ValidationError: a key shorter than 16 bytes or not bytes; an unknown precision.

    Examples:
        >>> key = bytes.fromhex("0b" * 20)  # RFC 4231, test case 1
        >>> Pseudonymiser(key).id("Hi There")
        'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'
    """

    _key: bytes
    dates: DatePrecision
    _cache: dict[str, str]

    def __init__(self, key: bytes, *, dates: DatePrecision = "day") -> None:
        if dates not in DATE_PRECISIONS:
            raise ValidationError("pseudonymiser not built", [Problem(
                "dates", f"must be one of {', '.join(DATE_PRECISIONS)}, got {dates!r}")])
        self._key = _check_key(key, "key")
        self.dates = dates
        self._cache = {}

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str], *, dates: DatePrecision = "day") -> Pseudonymiser:
        r"""Read the key from a file: its bytes, without a trailing line break.

        A hex key written by ``openssl rand -hex 32`` is used as its text (64 bytes);
        what matters is that the file is secret and the same for every export that
        must link.

        Args:
            path: the key file.
            dates: as for the constructor.

        Returns:
            The pseudonymiser.

        Raises:
            ValidationError: the file cannot be read, or the key is too short.

        Examples:
            >>> import tempfile, pathlib
            >>> path = pathlib.Path(tempfile.mkdtemp()) / "key.txt"
            >>> _ = path.write_text("0123456789abcdef0123456789abcdef\n")
            >>> Pseudonymiser.from_key_file(path).id("p1") == Pseudonymiser(b"0123456789abcdef" * 2).id("p1")
            True
        """
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ValidationError("no usable key", [Problem(str(path), f"cannot read the key file: "
                                                                       f"{exc.strerror or exc}")]) from None
        return cls(_check_key(raw.rstrip(b"\r\n"), str(path)), dates=dates)

    @property
    def key_id(self) -> str:
        """A name of the key that reveals nothing of it (16 hex digits), to tell exports of one key apart.

        Examples:
            >>> len(Pseudonymiser(bytes(16)).key_id)
            16
        """
        return hmac.new(self._key, b"langzeit key id", hashlib.sha256).hexdigest()[:16]

    def id(self, value: str) -> str:
        """The pseudonym of an id (HMAC-SHA256, hex).

        Args:
            value: the id.

        Returns:
            64 lower-case hex digits.

        Examples:
            >>> len(Pseudonymiser(bytes(16)).id("p-001"))
            64
        """
        found = self._cache.get(value)
        if found is None:
            found = hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()
            self._cache[value] = found
        return found

    def date(self, day: _dt.date) -> _dt.date:
        """A date at the pseudonymiser's precision (see :func:`coarsen_date`).

        Examples:
            >>> Pseudonymiser(bytes(16), dates="quarter").date(_dt.date(2024, 12, 31))
            datetime.date(2024, 10, 1)
        """
        return coarsen_date(day, self.dates)

    def __repr__(self) -> str:
        return f"<Pseudonymiser key {self.key_id}, dates at {self.dates} precision>"


def pseudonymise_rows(
    rows: Iterable[Mapping[str, str]],
    pseudonymiser: Pseudonymiser,
    *,
    id_columns: Sequence[str] = ID_COLUMNS,
) -> Iterator[dict[str, str]]:
    """Rows of a side table (participant attributes, an id mapping) with their id columns hashed.

    The tables a report or an evaluation reads beside the log — ``--participants``
    (``participant_id`` and attributes), ``--mapping`` (``participant_id,person_id``),
    ``--birth-years`` — pseudonymised with the same key as the log and the spells,
    so that the report of the research export groups and links as the original's.
    Empty ids stay empty; other columns are kept as they are.

    Args:
        rows: the rows (e.g. from :class:`csv.DictReader`).
        pseudonymiser: the key.
        id_columns: the columns holding person ids (default :data:`ID_COLUMNS`).

    Yields:
        The rows, id columns replaced by their pseudonyms.

    Examples:
        >>> p = Pseudonymiser(bytes(range(16)))
        >>> [row] = pseudonymise_rows([{"participant_id": "p1", "sex": "F"}], p)
        >>> row["participant_id"] == p.id("p1"), row["sex"]
        (True, 'F')
    """
    for row in rows:
        out = dict(row)
        for name in id_columns:
            value = out.get(name)
            if value:
                out[name] = pseudonymiser.id(value)
        yield out
