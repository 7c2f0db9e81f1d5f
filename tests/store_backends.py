"""The stores of the contract suite (memory, SQLite, PostgreSQL), opened by a name and a place.

A *place* is what another handle (thread or process) needs to open the same store:
the SQLite file's path, or PostgreSQL's ``dsn`` and schema joined by ``"|"``. The
in-memory log is one object, shared by threads only. Imports by its plain name from
``tests/`` (child processes put ``tests/`` on ``sys.path``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from langzeit.domain import Capacity, Phase, Programme, Transition
from langzeit.engine import PathwayEngine
from langzeit.events import EventLog
from langzeit.exceptions import CapacityExceeded, ConcurrencyConflict

__all__ = ["KINDS", "RACE_PLACES", "close", "contend", "open_store", "race_programme"]

RACE_PLACES = 6

KINDS = ("memory", "sqlite", "postgres")
_MEMORY: dict[str, EventLog] = {}


def open_store(kind: str, place: str) -> Any:
    """A new handle on the store of ``kind`` at ``place`` (memory: the one log of that name)."""
    if kind == "memory":
        return _MEMORY.setdefault(place, EventLog())
    if kind == "sqlite":
        from langzeit.store import SqliteEventStore

        return SqliteEventStore(place, synchronous="NORMAL")
    if kind == "postgres":
        from langzeit.store import PostgresEventStore

        dsn, schema = place.split("|")
        return PostgresEventStore(dsn, schema=schema, max_size=4)
    raise ValueError(f"unknown store kind {kind!r}")


def close(store: Any) -> None:
    """Close a handle (the in-memory log has nothing to close)."""
    if not isinstance(store, EventLog):
        store.close()


def race_programme() -> Programme:
    """A programme of :data:`RACE_PLACES` places, admission without agreement."""
    return Programme("race", "Race", phases=[Phase("coaching"), Phase("exit", terminal=True)],
                     transitions=[Transition("coaching", "exit")], capacity=Capacity(places=RACE_PLACES),
                     voluntary=False)


def contend(store: Any, pids: list[str]) -> list[dict[str, Any]]:
    """One writer: its own engine; each admission retried after a conflict until admitted or refused."""
    engine = PathwayEngine(race_programme(), store=store)
    out = []
    for pid in pids:
        conflicts = 0
        while True:
            try:
                engine.admit(pid, date(2024, 2, 1), waitlist=False)
                out.append({"pid": pid, "admitted": True, "conflicts": conflicts})
                break
            except ConcurrencyConflict:
                conflicts += 1
            except CapacityExceeded as refusal:
                out.append({"pid": pid, "admitted": False, "reasons": list(refusal.reasons),
                            "conflicts": conflicts})
                break
    return out
