"""Optimistic concurrency: stale writers get ConcurrencyConflict and their state is reloaded."""

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

import pytest

from engine._support import D0, admitted, consented, new_engine
from langzeit.engine import Admit, Decline, PathwayEngine, Refer
from langzeit.events import Event, EventLog, replay
from langzeit.exceptions import ConcurrencyConflict, TransitionRefused


def test_events_carry_deterministic_ids(engine: PathwayEngine) -> None:
    """Event ids are '<participant>-<version>' by default."""
    admitted(engine, "p1")
    assert [e.event_id for e in engine.store.events()] == ["p1-1", "p1-2", "p1-3", "p1-4"]


def test_id_factory_is_used() -> None:
    """A configurable id factory names the events."""
    engine = new_engine(id_factory=lambda pid, v: f"jc1:{pid}:{v}")
    engine.refer("p1", D0)
    assert engine.store.events()[0].event_id == "jc1:p1:1"


def test_stale_writer_gets_a_conflict_and_reloads() -> None:
    """Two engines on one store: the stale one is refused by the store, then sees the new state."""
    log = EventLog()
    a = new_engine(store=log)
    a.refer("p1", D0)
    a.agree("p1", D0)
    b = new_engine(store=log)
    a.admit("p1", date(2024, 2, 1))
    with pytest.raises(ConcurrencyConflict) as info:
        b.decline("p1", date(2024, 2, 2))
    assert (info.value.expected, info.value.actual) == (2, 4)
    assert b.state("p1") == a.state("p1")
    assert b.occupancy().occupied == 1
    with pytest.raises(TransitionRefused, match="status 'active'"):
        b.decline("p1", date(2024, 2, 2))
    assert len(log) == 4


def one_place_one_waiting(store: EventLog) -> PathwayEngine:
    """An engine with one place on ``store``: p1 admitted, p2 agreed and on the waiting list."""
    engine = new_engine(places=1, store=store)
    admitted(engine, "p1")
    engine.refer("p2", D0)
    engine.agree("p2", D0)
    engine.admit("p2", D0)
    return engine


def test_conflict_in_an_auto_admission_batch_rolls_back_every_participant() -> None:
    """A conflict on the waiting participant undoes the exit too; a refresh() then retries cleanly."""
    log = EventLog()
    a = one_place_one_waiting(log)
    b = new_engine(places=1, store=log)
    a.record_consent("p2", date(2024, 1, 20), "tk-nord")
    with pytest.raises(ConcurrencyConflict):
        b.exit("p1", date(2024, 3, 1), "completed")
    assert len(log) == 8  # p1: 4 events, p2: 4 events; nothing of b's batch
    assert b.state("p1").status.value == "active"
    assert b.state("p2") == a.state("p2")
    assert b.waiting_list().participant_ids == ("p2",)
    b.refresh()
    events = b.exit("p1", date(2024, 3, 1), "completed")
    assert [e.participant_id for e in events] == ["p1", "p1", "p2", "p2"]
    assert b.states() == replay(log.events())


class FailingStore(EventLog):
    """A store whose next append fails (a lost connection)."""

    fail_next: bool = False

    def extend(self, events: Iterable[Event], *, expected_versions: Mapping[str, int] | None = None,
               expected_programme_versions: Mapping[str, int] | None = None) -> int:
        """Fail once when asked to, else append."""
        if self.fail_next:
            self.fail_next = False
            raise OSError("connection lost")
        return super().extend(events, expected_versions=expected_versions,
                              expected_programme_versions=expected_programme_versions)


def test_failed_append_leaves_the_engine_equal_to_the_store() -> None:
    """Any error while appending reloads the touched participants: state equals the store's."""
    store = FailingStore()
    engine = one_place_one_waiting(store)
    store.fail_next = True
    with pytest.raises(OSError, match="connection lost"):
        engine.exit("p1", date(2024, 3, 1), "completed")
    assert engine.states() == replay(store.events())
    assert engine.occupancy().occupied == 1
    assert engine.waiting_list().participant_ids == ("p2",)
    engine.exit("p1", date(2024, 3, 1), "completed")
    assert engine.state("p2").status.value == "active"


def test_two_engines_on_one_sqlite_file(tmp_path: Path) -> None:
    """Two processes' engines (two connections to one SQLite file): the stale one conflicts, then retries."""
    from langzeit.store import SqliteEventStore

    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as first_store, SqliteEventStore(path) as second_store:
        first = new_engine(store=first_store)
        admitted(first, "p1")
        consented(first, "p1")
        second = new_engine(store=second_store)
        first.pause("p1", date(2024, 2, 1))
        with pytest.raises(ConcurrencyConflict):
            second.assign_coach("p1", date(2024, 2, 2), "b")
        assert second.state("p1").status.value == "paused"
        second.assign_coach("p1", date(2024, 2, 2), "b")
        first.refresh()
        assert first.states() == second.states() == replay(first_store.events())
        assert first.caseload().of("b").cases == 1


def test_execute_all_commits_a_group_and_refuses_alone(tmp_path: Path) -> None:
    """execute_all on SQLite: a refused command in the middle; the others' events are all stored, in order."""
    from langzeit.store import SqliteEventStore

    with SqliteEventStore(tmp_path / "events.sqlite") as store:
        engine = new_engine(store=store)
        results = engine.execute_all([Refer("p1", D0), Admit("p9", D0), Refer("p2", D0)])
        first, refused, third = results
        assert isinstance(refused, TransitionRefused)
        assert isinstance(first, tuple)
        assert isinstance(third, tuple)
        assert [[e.event_id for e in r] for r in (first, third)] == [["p1-1"], ["p2-1"]]
        assert [e.event_id for e in store.events()] == ["p1-1", "p2-1"]
        assert engine.states() == replay(store.events())


def test_execute_all_catches_up_with_another_writer_first(tmp_path: Path) -> None:
    """A second engine's append before the group: the group's engine folds it first, so no conflict."""
    from langzeit.store import SqliteEventStore

    path = tmp_path / "events.sqlite"
    with SqliteEventStore(path) as first_store, SqliteEventStore(path) as second_store:
        first, second = new_engine(store=first_store), new_engine(store=second_store)
        second.refer("p1", D0)
        [result] = first.execute_all([Decline("p1", D0)])
        assert not isinstance(result, Exception)
        assert [e.type for e in first_store.events()] == ["referred", "declined"]


def test_a_failed_group_commit_leaves_the_engine_equal_to_the_store(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The group's commit fails: every command gets the error, nothing is stored, the engine agrees."""
    import contextlib

    from langzeit.store import SqliteEventStore

    with SqliteEventStore(tmp_path / "events.sqlite") as store:
        engine = new_engine(store=store)
        engine.refer("p0", D0)
        real = store.transaction

        @contextlib.contextmanager
        def failing() -> Iterator[None]:
            with real():
                yield
                raise OSError("disk I/O error")

        monkeypatch.setattr(store, "transaction", failing)
        results = engine.execute_all([Refer("p1", D0), Refer("p2", D0)])
        assert [str(r) for r in results] == ["disk I/O error", "disk I/O error"]
        assert [e.event_id for e in store.events()] == ["p0-1"]
        assert "p1" not in engine
        assert engine.states() == replay(store.events())
