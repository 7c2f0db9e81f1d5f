"""Spell layer: the pseudonymised research export of a spell table (DOMAIN.md § 6)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._calendar import civil, days_from_civil
from langzeit.privacy import Pseudonymiser
from langzeit.spells._codes import OPEN_END
from langzeit.spells._table import SpellTable

__all__ = ["pseudonymise_spells"]


def _coarse(days: npt.NDArray[np.int32], precision: str, *, last: bool) -> npt.NDArray[np.int32]:
    open_end = days == OPEN_END
    y, m, _ = civil(np.where(open_end, 0, days))
    if precision == "quarter":
        m = 3 * ((m - 1) // 3) + 1
    first = days_from_civil(y, m, np.ones_like(m))
    if last:  # the last day of the period: the first day of the next one, less one
        span = 3 if precision == "quarter" else 1
        nm = m + span
        first = days_from_civil(y + (nm > 12), np.where(nm > 12, nm - 12, nm), np.ones_like(m)) - 1
    return np.where(open_end, OPEN_END, first).astype(np.int32)


def pseudonymise_spells(table: SpellTable, pseudonymiser: Pseudonymiser) -> SpellTable:
    """A spell table for a research export: person ids hashed, dates coarsened if asked.

    Every person id becomes its keyed hash (the same as in an event log
    pseudonymised with the same key, so that the two link). At ``"month"`` or
    ``"quarter"`` precision a spell's start becomes the first day of its period and
    its end the last day (open ends stay open): a spell still covers every period it
    touched, but lengths in days and the state on a Stichtag within a period change
    — the § 48a Kennzahlen of a coarsened table differ from the original's. At day
    precision they are equal. The other columns are kept (sex, single parent,
    jobcenter, instrument and amounts are the indicators' inputs).

    Args:
        table: the spells.
        pseudonymiser: the key and date precision.

    Returns:
        The pseudonymised table (the source lines are dropped).

    Examples:
        >>> import datetime as dt
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "elb", "start": "2024-02-10",
        ...                               "end": "2024-05-03", "jobcenter": "J1"}])
        >>> p = Pseudonymiser(bytes(range(16)), dates="quarter")
        >>> row = pseudonymise_spells(t, p).rows()[0]
        >>> row["person_id"] == p.id("p1"), row["start"], row["end"]
        (True, datetime.date(2024, 1, 1), datetime.date(2024, 6, 30))
    """
    ids = np.array([pseudonymiser.id(str(v)) for v in table.person_ids.tolist()], dtype=np.str_)
    changes: dict[str, Any] = {"person_ids": ids, "line": None}
    if pseudonymiser.dates != "day":
        changes["start"] = _coarse(table.start, pseudonymiser.dates, last=False)
        changes["end"] = _coarse(table.end, pseudonymiser.dates, last=True)
    return attrs.evolve(table, **changes)
