"""Engine layer: the waiting list's mechanics — who waits, in which order, who is next.

The engine keeps one :class:`WaitQueue` in step with the participants' states: the
fold calls :meth:`WaitQueue.add` when a participant's status becomes
``waitlisted`` and :meth:`WaitQueue.discard` when it stops being so. The serving
order is a key per participant: ``(day, sequence)`` for FIFO, ``(-priority, day,
sequence)`` for priority (then FIFO). A participant listed anew on the day of an
earlier listing keeps that listing's key, so replaying a log gives the same order.

Admission pops the heap lazily: an entry whose participant left the list (admitted,
reneged, declined) or was listed anew since is stale and skipped, so leaving the list
costs a dict removal rather than a heap search.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from langzeit.events import ParticipantState, StateBuilder

__all__ = ["WaitQueue", "waiting_order"]

#: A heap entry: the participant's serving key, flattened, then the participant id
#: (flat tuples compare faster than ``(key, pid)``).
Entry = tuple[Any, ...]


class WaitQueue:
    """The serving order of the participants on the waiting list (mutable).

    Args:
        discipline: ``"fifo"`` or ``"priority"`` (then FIFO).

    Examples:
        >>> from datetime import date
        >>> queue = WaitQueue("priority")
        >>> queue.add("p1", date(2024, 1, 8), 0); queue.add("p2", date(2024, 1, 9), 2)
        >>> queue.in_order()
        ['p2', 'p1']
        >>> queue.discard("p2")
        >>> queue.pop()[-1], queue.pop()
        ('p1', None)
    """

    __slots__ = ("_heap", "_known", "_priority", "_seq", "keys")

    def __init__(self, discipline: str) -> None:
        self._priority = discipline == "priority"
        #: the serving key of every participant on the list now
        self.keys: dict[str, tuple[int, ...]] = {}
        self._known: dict[str, tuple[int, ...]] = {}  # last key given, kept after leaving the list
        self._heap: list[Entry] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, pid: str, day: date, priority: int) -> None:
        """Put ``pid`` on the list, listed on ``day`` with ``priority``."""
        ordinal = day.toordinal()
        key = self._known.get(pid)
        if key is None or key[-2] != ordinal:
            self._seq += 1
            key = (-priority, ordinal, self._seq) if self._priority else (ordinal, self._seq)
            self._known[pid] = key
        self.keys[pid] = key
        heapq.heappush(self._heap, (*key, pid))

    def discard(self, pid: str) -> None:
        """Take ``pid`` off the list (no error if not on it)."""
        self.keys.pop(pid, None)

    def in_order(self) -> list[str]:
        """The participants on the list, first served first."""
        return sorted(self.keys, key=self.keys.__getitem__)

    def pop(self) -> Entry | None:
        """Remove and return the heap entry of the next participant to serve (None: nobody).

        The participant stays on the list until its state changes; an entry that could
        not be admitted goes back with :meth:`push_back`.
        """
        heap, keys = self._heap, self.keys
        while heap:
            entry = heapq.heappop(heap)
            key = keys.get(entry[-1])
            if key is not None and key[-1] == entry[-2]:  # else stale: left or listed anew since
                return entry
        return None

    def push_back(self, entries: Iterable[Entry]) -> None:
        """Return entries taken with :meth:`pop` that were not admitted."""
        for entry in entries:
            heapq.heappush(self._heap, entry)


def waiting_order(
    waiting: Iterable[ParticipantState | StateBuilder], position: Mapping[str, int], discipline: str
) -> list[str]:
    """The serving order of replayed states, as :class:`WaitQueue` would give it.

    Args:
        waiting: the states of the participants on the list.
        position: each participant's position of its last ``waitlisted`` event in the log
            (the tie-break among equal days, as the queue's sequence number).
        discipline: ``"fifo"`` or ``"priority"``.

    Returns:
        The participant ids, first served first.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Waitlisted, replay
        >>> day = date(2024, 1, 9)
        >>> states = replay([Referred("e1", "a", day), Referred("e2", "b", day),
        ...                  Waitlisted("e3", "a", day), Waitlisted("e4", "b", day, priority=1)]).values()
        >>> position = {"a": 3, "b": 4}
        >>> waiting_order(states, position, "fifo"), waiting_order(states, position, "priority")
        (['a', 'b'], ['b', 'a'])
    """
    prio = discipline == "priority"
    ordered = sorted(waiting, key=lambda s: (-s.waitlist_priority if prio else 0, s.waitlisted,
                                             position[s.participant_id]))
    return [s.participant_id for s in ordered]
