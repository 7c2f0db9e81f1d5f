"""Spell layer: the instrument catalogue (DOMAIN.md § 3a) and the spell rules it implies.

The catalogue is one data file shipped with the library (``spells/data/instruments.toml``):
every instrument code with its legal reference, German name and the periods in which it
may be used, each with the spell kinds it may appear on and its category under § 2 Abs. 2
of the Verordnung zur Festlegung der Kennzahlen nach § 48a SGB II (version of 15.03.2019).
A user extends it with a file of the same shape (:func:`load_catalogue`,
:meth:`InstrumentCatalogue.extend`).

:func:`spell_rule_problems` finds, in the columns of a freshly read table, an instrument
code the catalogue does not know, a code used outside its validity dates or on a kind it
may not appear on (``public_employment`` with ``16e`` from 2019 on, or with ``16b``), and an
``llu``/``luh`` row without ``jobcenter`` (convention 8): input errors, which the table's
one validation path reports with their lines. It works on the columns, not on the table,
so this module knows no table (no import circle).

Examples:
    >>> cat = default_catalogue()
    >>> cat.get("81sgb3").name
    'Förderung der beruflichen Weiterbildung'
    >>> cat.category("16e", dt.date(2018, 5, 1)), cat.category("16e", dt.date(2019, 5, 1))
    ('public_employment', 'employment_accompanying')
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._toml import read_toml
from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.spells._codes import NO_CODE, SpellKind, date_to_day

__all__ = [
    "ACTIVATION_CATEGORIES",
    "CATEGORIES",
    "Instrument",
    "InstrumentCatalogue",
    "InstrumentPeriod",
    "default_catalogue",
    "load_catalogue",
    "spell_rule_problems",
]

CATEGORIES = ("activation", "public_employment", "employment_accompanying", "none")
"""The categories of § 2 Abs. 2 VO: Nr. 1, Nr. 3 (which the VO also counts as Nr. 1), Nr. 2, not named."""

ACTIVATION_CATEGORIES = frozenset({"activation", "public_employment"})
"""Categories that count as activation for K3E2 (convention 7)."""

FORMAT = "langzeit-instruments"
_KIND_LABELS = {k.label for k in SpellKind}
_NO_INSTRUMENT_KINDS = frozenset({SpellKind.ELB, SpellKind.LLU, SpellKind.LUH, SpellKind.MINIJOB})


def _date(value: Any, where: str, problems: list[Problem]) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(where, f"not a date: {value!r}"))
        return None


@attrs.frozen
class InstrumentPeriod:
    """One period of an instrument: its category and allowed spell kinds between two dates.

    Args:
        category: one of :data:`CATEGORIES`.
        kinds: the spell kinds (labels) the code may appear on in this period.
        valid_from: first start date the period covers (None: open).
        valid_until: last start date the period covers, inclusive (None: open).

    Examples:
        >>> p = InstrumentPeriod("activation", ("measure",), None, dt.date(2018, 12, 31))
        >>> p.covers(dt.date(2018, 12, 31)), p.covers(dt.date(2019, 1, 1))
        (True, False)
    """

    category: str
    kinds: tuple[str, ...]
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        """Whether a spell starting on ``day`` falls in this period."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def describe(self) -> str:
        """The period's dates as text, e.g. ``"2023-07-01 to 2024-03-31"``."""
        lo = self.valid_from.isoformat() if self.valid_from else "…"
        hi = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{lo} to {hi}"


@attrs.frozen
class Instrument:
    """One instrument code of the catalogue.

    Args:
        code: the code as written in the spell file (lower case), e.g. ``"16d"``.
        law: the legal reference, e.g. ``"§ 16d SGB II"``.
        name: the German name.
        periods: the periods (at least one; they do not overlap).
        on_request: counts as activation only when asked for (``16k``).

    Examples:
        >>> i = default_catalogue().get("16k")
        >>> i.law, i.on_request, i.periods[0].valid_from
        ('§ 16k SGB II', True, datetime.date(2023, 7, 1))
    """

    code: str
    law: str
    name: str
    periods: tuple[InstrumentPeriod, ...]
    on_request: bool = False

    def period_at(self, day: dt.date) -> InstrumentPeriod | None:
        """The period that covers a spell starting on ``day``, or None."""
        for p in self.periods:
            if p.covers(day):
                return p
        return None


def _parse_entries(data: Mapping[str, Any], source: str) -> tuple[Instrument, ...]:
    problems: list[Problem] = []
    if data.get("format", FORMAT) != FORMAT:
        problems.append(Problem(source, f"format must be {FORMAT!r}, got {data.get('format')!r}"))
    entries = data.get("instrument", [])
    if not isinstance(entries, list):
        raise ValidationError(f"{source}: [[instrument]] tables expected",
                              [Problem(source, "no instruments")])
    out: list[Instrument] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        where = f"{source}: instrument {n}"
        if not isinstance(entry, Mapping):
            problems.append(Problem(where, f"must be an [[instrument]] table, got {entry!r:.40}"))
            continue
        code = str(entry.get("code", "")).strip().lower()
        if not code:
            problems.append(Problem(where, "missing code"))
            continue
        where = f"{source}: instrument {code!r}"
        if code in seen:
            problems.append(Problem(where, "code listed twice"))
        seen.add(code)
        for key in ("law", "name"):
            if not str(entry.get(key, "")).strip():
                problems.append(Problem(where, f"missing {key}"))
        periods: list[InstrumentPeriod] = []
        raw_periods = entry.get("period", [])
        if not isinstance(raw_periods, list) or not all(isinstance(p, Mapping) for p in raw_periods):
            problems.append(Problem(where, "period must be [[instrument.period]] tables"))
            continue
        if not raw_periods:
            problems.append(Problem(where, "no [[instrument.period]]"))
        for p in raw_periods:
            category = p.get("category")
            if category not in CATEGORIES:
                problems.append(Problem(where, f"category must be one of {', '.join(CATEGORIES)}, "
                                               f"got {category!r}"))
            raw_kinds = p.get("kinds", [])
            kinds = tuple(str(k) for k in raw_kinds) if isinstance(raw_kinds, list) else (repr(raw_kinds),)
            bad = [k for k in kinds if k not in _KIND_LABELS]
            if not kinds or bad:
                problems.append(Problem(where, f"kinds must be spell kinds, got {list(kinds)!r}"))
            lo = _date(p.get("valid_from"), where, problems)
            hi = _date(p.get("valid_until"), where, problems)
            if lo and hi and hi < lo:
                problems.append(Problem(where, "valid_until before valid_from"))
            periods.append(InstrumentPeriod(str(category), kinds, lo, hi))
        for a, b in itertools.pairwise(periods):
            if a.valid_until is None or b.valid_from is None or b.valid_from <= a.valid_until:
                problems.append(Problem(where, "periods must be in date order and must not overlap"))
        out.append(Instrument(code, str(entry.get("law", "")), str(entry.get("name", "")), tuple(periods),
                              bool(entry.get("on_request", False))))
    if problems:
        raise ValidationError(f"instrument catalogue {source} is invalid", problems)
    return tuple(out)


def _instrument_tuple(values: Iterable[Instrument]) -> tuple[Instrument, ...]:
    return tuple(values)


@attrs.frozen(eq=False)
class InstrumentCatalogue:
    """The instrument codes and how § 48a classes them (DOMAIN.md § 3a).

    Get the shipped one with :func:`default_catalogue`, a user's with :func:`load_catalogue`.

    Args:
        instruments: the instruments (codes unique).

    Raises:
        ValidationError: a code appears twice.

    Examples:
        >>> cat = default_catalogue()
        >>> day = dt.date(2024, 6, 30)
        >>> cat.is_activation("81sgb3", day), cat.is_activation("44sgb3", day)
        (True, False)
        >>> cat.is_activation("16k", day), cat.is_activation("16k", day, count_16k=True)
        (False, True)
    """

    instruments: tuple[Instrument, ...] = attrs.field(converter=_instrument_tuple)
    _index: dict[str, Instrument] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, Instrument] = {}
        dupes = []
        for i in self.instruments:
            if i.code in index:
                dupes.append(Problem(i.code, "code listed twice"))
            index[i.code] = i
        if dupes:
            raise ValidationError("instrument codes must be unique", dupes)
        object.__setattr__(self, "_index", index)

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes, in catalogue order."""
        return tuple(i.code for i in self.instruments)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code.lower() in self._index

    def __len__(self) -> int:
        return len(self.instruments)

    def get(self, code: str) -> Instrument:
        """The instrument of ``code`` (case-insensitive).

        Raises:
            UnknownNameError: the catalogue does not know the code.

        Examples:
            >>> default_catalogue().get("16D").law
            '§ 16d SGB II'
        """
        try:
            return self._index[code.lower()]
        except KeyError:
            raise UnknownNameError("instrument", code, self.codes) from None

    def category(self, code: str, start: dt.date) -> str | None:
        """The category of a spell with ``code`` that starts on ``start`` (None: outside every period).

        Raises:
            UnknownNameError: an unknown code.
        """
        period = self.get(code).period_at(start)
        return None if period is None else period.category

    def is_activation(self, code: str, start: dt.date, *, count_16k: bool = False) -> bool:
        """Whether a spell with ``code`` starting on ``start`` is an activation spell (convention 7).

        Raises:
            UnknownNameError: an unknown code.
        """
        instrument = self.get(code)
        period = instrument.period_at(start)
        if period is None:
            return False
        return period.category in ACTIVATION_CATEGORIES or (instrument.on_request and count_16k)

    def extend(self, other: InstrumentCatalogue | str | os.PathLike[str]) -> InstrumentCatalogue:
        """This catalogue with the codes of another one (or of a TOML file) added.

        Args:
            other: a catalogue or the path of a catalogue file.

        Returns:
            A new catalogue.

        Raises:
            ValidationError: a code of ``other`` is already in this catalogue, or the file is invalid.

        Examples:
            >>> own = InstrumentCatalogue([Instrument("jc_coach", "kommunal", "Coaching des Jobcenters",
            ...                                       (InstrumentPeriod("activation", ("measure",)),))])
            >>> default_catalogue().extend(own).is_activation("jc_coach", dt.date(2024, 1, 1))
            True
        """
        where = ""
        if not isinstance(other, InstrumentCatalogue):
            where = f"{os.fspath(other)}: "
            other = InstrumentCatalogue(_read_file(Path(other)))
        clash = [Problem(f"{where}instrument {i.code!r}",
                         "already in the catalogue it extends; give your code another name")
                 for i in other.instruments if i.code in self._index]
        if clash:
            raise ValidationError("an extension must not redefine codes", clash)
        return InstrumentCatalogue(self.instruments + other.instruments)

    def activation(
        self, codes: npt.NDArray[np.int16], labels: Sequence[str], start: npt.NDArray[np.int32], *,
        count_16k: bool = False,
    ) -> npt.NDArray[np.bool_]:
        """Per spell, whether its instrument classes it as activation (vectorised over the spells).

        Args:
            codes: instrument codes into ``labels`` (:data:`NO_CODE` for none).
            labels: the instrument labels.
            start: the spells' start day numbers.
            count_16k: count codes marked ``on_request`` (``16k``).

        Returns:
            A boolean array of the spells' length.

        Raises:
            ValidationError: a label the catalogue does not know.
        """
        out = np.zeros(codes.shape, dtype=np.bool_)
        unknown = [label for label in labels if label not in self]
        if unknown:
            raise ValidationError("instrument codes not in the catalogue",
                                  [Problem("instrument", repr(u)) for u in unknown])
        for c, label in enumerate(labels):
            instrument = self.get(label)
            rows = codes == c
            if not rows.any():
                continue
            for p in instrument.periods:
                if p.category in ACTIVATION_CATEGORIES or (instrument.on_request and count_16k):
                    out |= rows & _in_period(start, p)
        return out

    def rows(self) -> list[dict[str, Any]]:
        """One dict per instrument period (code, law, name, category, kinds, valid_from, valid_until)."""
        return [
            {"code": i.code, "law": i.law, "name": i.name, "category": p.category, "kinds": ",".join(p.kinds),
             "valid_from": p.valid_from, "valid_until": p.valid_until, "on_request": i.on_request}
            for i in self.instruments for p in i.periods
        ]


def _in_period(start: npt.NDArray[np.int32], p: InstrumentPeriod) -> npt.NDArray[np.bool_]:
    ok = np.ones(start.shape, dtype=np.bool_)
    if p.valid_from is not None:
        ok &= start >= date_to_day(p.valid_from)
    if p.valid_until is not None:
        ok &= start <= date_to_day(p.valid_until)
    return ok


def _read_file(path: Path) -> tuple[Instrument, ...]:
    # the one TOML reader: not UTF-8, too large, too deep or not TOML is one ValidationError naming the file
    return _parse_entries(read_toml(path), str(path))


@functools.cache
def default_catalogue() -> InstrumentCatalogue:
    """The instrument catalogue shipped with langzeit (``spells/data/instruments.toml``).

    Examples:
        >>> "16i" in default_catalogue() and "vb" not in default_catalogue()
        True
    """
    text = (resources.files("langzeit.spells") / "data" / "instruments.toml").read_text(encoding="utf-8")
    return InstrumentCatalogue(_parse_entries(tomllib.loads(text), "instruments.toml"))


def load_catalogue(path: str | os.PathLike[str] | None = None, *, extend: bool = True) -> InstrumentCatalogue:
    """The shipped catalogue extended by a user's file, or the user's file alone.

    Args:
        path: a catalogue TOML file (the shape of the shipped one); None for the shipped one.
        extend: add the file's codes to the shipped ones (default); False: use the file alone.

    Returns:
        The catalogue.

    Raises:
        ValidationError: the file is invalid or redefines a shipped code.
        FileNotFoundError: the file does not exist.

    Examples:
        >>> len(load_catalogue()) == len(default_catalogue())
        True
    """
    base = default_catalogue()
    if path is None:
        return base
    return base.extend(path) if extend else InstrumentCatalogue(_read_file(Path(path)))


def spell_rule_problems(
    catalogue: InstrumentCatalogue,
    *,
    kind: npt.NDArray[np.uint8],
    jobcenter: npt.NDArray[np.int32],
    instrument: npt.NDArray[np.int16],
    instrument_labels: Sequence[str],
    start: npt.NDArray[np.int32],
) -> list[tuple[npt.NDArray[np.bool_], str]]:
    """(mask, reason) of every row that breaks a catalogue or § 2 rule; loops over codes, not rows.

    Args:
        catalogue: the instrument catalogue.
        kind: the spell kind codes.
        jobcenter: the jobcenter codes (``NO_CODE``: none).
        instrument: the instrument codes, indices into ``instrument_labels``.
        instrument_labels: the instrument labels.
        start: the start days.

    Returns:
        One boolean row mask and its reason per broken rule.

    Examples:
        >>> codes = np.array([SpellKind.from_label("public_employment").value], np.uint8)
        >>> found = spell_rule_problems(default_catalogue(), kind=codes, jobcenter=np.array([1], np.int32),
        ...                             instrument=np.array([0], np.int16), instrument_labels=("16b",),
        ...                             start=np.array([date_to_day(dt.date(2020, 1, 1))], np.int32))
        >>> [(mask.tolist(), reason.split(" spells, ")[1]) for mask, reason in found]
        [([True], 'only on svp, self_employment (that job is insured work: kind svp)')]
    """
    out: list[tuple[npt.NDArray[np.bool_], str]] = []
    n = kind.size

    def full(rows: npt.NDArray[np.intp], mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """A row mask of the whole table from a mask over ``rows`` (built only for a broken rule)."""
        out_mask = np.zeros(n, dtype=np.bool_)
        out_mask[rows[mask]] = True
        return out_mask

    # the rules look at few rows (those without jobcenter, those with an instrument): they are
    # picked once, so no pass over the whole table runs per rule, code or period
    no_jc = np.flatnonzero(jobcenter == NO_CODE)
    no_jc_kind = kind[no_jc]
    for k in (SpellKind.LLU, SpellKind.LUH):
        mask = no_jc_kind == k
        if mask.any():
            reason = f"{k.label} row without jobcenter (amounts count for the row's jobcenter)"
            out.append((full(no_jc, mask), reason))
    with_code = np.flatnonzero(instrument >= 0)
    codes, kinds, starts = instrument[with_code], kind[with_code], start[with_code]
    for c, label in enumerate(instrument_labels):
        rows = codes == c
        if not rows.any():
            continue
        if label not in catalogue:
            out.append((full(with_code, rows), f"instrument {label!r} is not in the instrument catalogue"))
            continue
        entry = catalogue.get(label)
        covered = np.zeros(rows.shape, dtype=np.bool_)
        for p in entry.periods:
            inside = rows & _in_period(starts, p)
            covered |= inside
            allowed = np.zeros(256, dtype=np.bool_)
            allowed[[SpellKind.from_label(k).value for k in p.kinds]] = True
            wrong = inside & ~allowed[kinds]
            if wrong.any():
                for code in np.unique(kinds[wrong]).tolist():
                    label_k = SpellKind(code).label
                    hint = "" if "svp" not in p.kinds else " (that job is insured work: kind svp)"
                    since = "" if p.valid_from is None and p.valid_until is None else f" from {p.describe()}"
                    out.append((full(with_code, wrong & (kinds == code)),
                                f"instrument {label!r} ({entry.law}){since} may not appear on "
                                f"{label_k} spells, only on {', '.join(p.kinds)}{hint}"))
        outside = rows & ~covered
        if outside.any():
            spans = "; ".join(p.describe() for p in entry.periods)
            out.append((full(with_code, outside), f"instrument {label!r} ({entry.law}) did not exist at "
                                                  f"the spell's start (valid {spans})"))
    return out
