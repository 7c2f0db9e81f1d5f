"""Engine layer: occupancy and caseload bookkeeping derived from participant states."""

from __future__ import annotations

from collections.abc import Iterable

from langzeit.events import ParticipantState, StateBuilder, Status

__all__ = ["OCCUPYING", "Books", "state_key"]

#: Statuses that hold a place (and count against coaches' and tandems' caseloads).
OCCUPYING = frozenset({Status.ACTIVE, Status.PAUSED})

#: What decides a participant's share of the books: status, phase, coach, tandem.
Key = tuple[Status, str | None, str | None, str | None]


def state_key(s: ParticipantState | StateBuilder) -> Key:
    """The fields of a state (frozen, or a builder: the same attributes) that the books depend on."""
    return (s.status, s.phase_id, s.coach_id, s.tandem_id)


class Books:
    """Places taken per programme and phase, cases per coach and tandem (mutable counts).

    The engine keeps one instance up to date event by event; queries at a past date
    build a fresh one from replayed states with :meth:`from_states`. Both go through
    :meth:`count`, so there is one definition of who occupies what.
    """

    __slots__ = ("coach", "occupied", "phase", "tandem")

    def __init__(self) -> None:
        self.occupied = 0
        self.phase: dict[str | None, int] = {}
        self.coach: dict[str, int] = {}
        self.tandem: dict[str, int] = {}

    @classmethod
    def from_states(cls, states: Iterable[ParticipantState | StateBuilder]) -> Books:
        """Books of a set of states."""
        books = cls()
        for s in states:
            if s.status in OCCUPYING:
                books.count(state_key(s), 1)
        return books

    def count(self, key: Key, n: int) -> None:
        """Add (``n=1``) or remove (``n=-1``) one occupying participant."""
        if n > 0:
            self.move(None, key)
        else:
            self.move(key, None)

    def move(self, old: Key | None, new: Key | None) -> None:
        """Move one participant's share from ``old`` to ``new`` (None: not occupying).

        The same counts as ``count(old, -1)`` and ``count(new, 1)``, in one call: the
        engine moves a participant on nearly every event.
        """
        phase, coach, tandem = self.phase, self.coach, self.tandem
        if old is not None:
            self.occupied -= 1
            _, p, c, t = old
            phase[p] = phase.get(p, 0) - 1
            if c is not None:
                coach[c] = coach.get(c, 0) - 1
            if t is not None:
                tandem[t] = tandem.get(t, 0) - 1
        if new is not None:
            self.occupied += 1
            _, p, c, t = new
            phase[p] = phase.get(p, 0) + 1
            if c is not None:
                coach[c] = coach.get(c, 0) + 1
            if t is not None:
                tandem[t] = tandem.get(t, 0) + 1

    def snapshot(self) -> tuple[int, dict[str | None, int], dict[str, int], dict[str, int]]:
        """The counts without zero entries, for comparisons."""
        return (
            self.occupied,
            {k: v for k, v in self.phase.items() if v},
            {k: v for k, v in self.coach.items() if v},
            {k: v for k, v in self.tandem.items() if v},
        )
