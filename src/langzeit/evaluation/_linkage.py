"""Evaluation layer: linkage of an event log's participants to the persons of a spell table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import IntArray
from langzeit.evaluation._index import _person_index
from langzeit.events import Event
from langzeit.indicators import EventColumns
from langzeit.spells import SpellTable
from langzeit.tabular import Table

__all__ = ["NOT_IN_MAPPING", "NOT_IN_SPELLS", "SHARED_PERSON", "Linkage", "link"]


NOT_IN_MAPPING = "no entry in the mapping table"
"""Reason: a mapping table was given and has no row for the participant."""
NOT_IN_SPELLS = "pseudonym not found in the spell data"
"""Reason: the (mapped) pseudonym has no spell in the spell table."""
SHARED_PERSON = "another participant links to the same person"
"""Reason: two or more participants map to one person; none of them is linked (ambiguous)."""


def _as_columns(events: EventColumns | Iterable[Event]) -> EventColumns:
    return events if isinstance(events, EventColumns) else EventColumns.from_events(events)


@attrs.frozen(eq=False)
class Linkage(Table):
    """Which spell-table person each participant of an event log is, and who could not be linked.

    Every participant of the log has a row: linked ones carry their person index into
    the spell table's ``person_ids``, the others ``-1`` and the reason. Nobody is dropped
    silently: :attr:`unlinked` lists them, the evaluation report counts them.

    Args:
        participant_ids: the event log's participants, in its order.
        person: person index per participant, ``-1`` when not linked.
        reasons: ``""`` when linked, otherwise :data:`NOT_IN_MAPPING`, :data:`NOT_IN_SPELLS`
            or :data:`SHARED_PERSON`.
        person_ids: the spell table's pseudonyms (for display).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted
        >>> spells = SpellTable.from_records([{"person_id": "x1", "kind": "svp", "start": "2024-01-01"}])
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8))]
        >>> lk = link(log, spells, mapping={"p1": "x1", "p2": "x9"})
        >>> lk.n_linked, lk.unlinked
        (1, (('p2', 'pseudonym not found in the spell data'),))
    """

    _title = "linkage of participants to spells"

    participant_ids: tuple[str, ...]
    person: IntArray
    reasons: tuple[str, ...]
    person_ids: npt.NDArray[Any]

    def __len__(self) -> int:
        return len(self.participant_ids)

    @property
    def linked(self) -> npt.NDArray[np.bool_]:
        """Whether each participant is linked."""
        out: npt.NDArray[np.bool_] = self.person >= 0
        return out

    @property
    def n_linked(self) -> int:
        """How many participants are linked."""
        return int(self.linked.sum())

    @property
    def unlinked(self) -> tuple[tuple[str, str], ...]:
        """``(participant_id, reason)`` of every participant that could not be linked."""
        return tuple((pid, r) for pid, r in zip(self.participant_ids, self.reasons, strict=True) if r)

    def reason_counts(self) -> dict[str, int]:
        """How many participants could not be linked, per reason.

        Examples:
            >>> lk = Linkage(("a", "b"), np.array([0, -1]), ("", NOT_IN_SPELLS), np.array(["x"]))
            >>> lk.reason_counts()
            {'pseudonym not found in the spell data': 1}
        """
        out: dict[str, int] = {}
        for r in self.reasons:
            if r:
                out[r] = out.get(r, 0) + 1
        return out

    def columns(self) -> tuple[str, ...]:
        """``participant_id``, ``person_id`` (None when unlinked), ``linked``, ``reason``."""
        return ("participant_id", "person_id", "linked", "reason")

    def rows(self) -> list[dict[str, Any]]:
        """One row per participant."""
        return [
            {"participant_id": pid, "person_id": None if p < 0 else self.person_ids[p].item(),
             "linked": p >= 0, "reason": r}
            for pid, p, r in zip(self.participant_ids, self.person.tolist(), self.reasons, strict=True)
        ]


def link(
    events: EventColumns | Iterable[Event],
    spells: SpellTable,
    *,
    mapping: Mapping[str, str] | None = None,
) -> Linkage:
    """Link each participant of an event log to a person of a spell table on a pseudonymous key.

    Without ``mapping`` the participant id *is* the spell table's ``person_id`` (both
    compared as text); with it, ``mapping[participant_id]`` is. Participants that cannot
    be linked — no mapping row, a pseudonym without spells, or a person claimed by more
    than one participant (ambiguous, so none of them is linked) — keep a row with the reason.

    Args:
        events: the event log (:class:`~langzeit.indicators.EventColumns` or events).
        spells: the spell table.
        mapping: optional participant id → spell ``person_id`` table.

    Returns:
        The linkage (vectorised: one sort of the spell pseudonyms, one binary search).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred
        >>> spells = SpellTable.from_records([{"person_id": 7, "kind": "svp", "start": "2024-01-01"}])
        >>> link([Referred("e1", "7", date(2024, 1, 8))], spells).person.tolist()
        [0]
    """
    cols = _as_columns(events)
    pids = cols.participants
    owners = cols.person_ids  # a person's participations link to the person's spells
    n = len(pids)
    reasons = [""] * n
    if mapping is None:
        keys = list(owners)
        has_key = np.ones(n, dtype=np.bool_)
    else:
        keys = [str(mapping.get(pid, "")) for pid in owners]
        has_key = np.array([pid in mapping for pid in owners], dtype=np.bool_)
    person = np.where(has_key, _person_index(spells, keys), -1).astype(np.int64)
    # a person with no spell row at all cannot occur in a SpellTable built from rows, but a
    # hand-built table may list ids without spells: they are not "in the spell data"
    if person.size and len(spells):
        with_spells = np.zeros(spells.n_persons, dtype=np.bool_)
        with_spells[spells.person] = True
        person = np.where((person >= 0) & with_spells[np.maximum(person, 0)], person, -1)
    # shared: one spell person linked from two persons of the log (participations of one person are not)
    sel = person >= 0
    pairs = np.unique(np.stack([person[sel], cols.person_index[sel].astype(np.int64)]), axis=1)
    uniq, counts = np.unique(pairs[0], return_counts=True)
    shared = np.isin(person, uniq[counts > 1])
    for i in np.flatnonzero(~has_key).tolist():
        reasons[i] = NOT_IN_MAPPING
    for i in np.flatnonzero(has_key & (person < 0)).tolist():
        reasons[i] = NOT_IN_SPELLS
    for i in np.flatnonzero(shared).tolist():
        reasons[i] = SHARED_PERSON
    person = np.where(shared, -1, person)
    return Linkage(pids, person, tuple(reasons), np.asarray(spells.person_ids))
