"""One contract for every event store: memory (EventLog), SQLite and PostgreSQL behave alike.

* a Hypothesis state machine: any sequence of batches does to the store what it does to
  an in-memory model (results, errors, order, versions, programme versions, the feed);
* a writer killed with SIGKILL during its batches loses no committed batch and leaves
  no partial one (SQLite, PostgreSQL: memory does not outlive its process);
* two writers: the stale one gets ConcurrencyConflict and nothing of its batch is written;
* a race of N processes (threads for the in-memory log) for the last K places: occupancy
  never above capacity, nothing lost, every loser told why.

The PostgreSQL cases need a server (``postgres_dsn``; skipped without binaries).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from langzeit.engine import PathwayEngine
from langzeit.events import Admitted, Event, EventLog, Referred, SharedEventStore, replay
from langzeit.exceptions import ConcurrencyConflict, ValidationError
from langzeit.store import ProtectedEventStore, SqliteKeyStore
from store_backends import RACE_PLACES, close, contend, open_store, race_programme
from strategies import events

TESTS = Path(__file__).resolve().parents[1]
PIDS = st.sampled_from(["p1", "p2", "p3"])
IDS = st.sampled_from([f"e{i}" for i in range(12)])  # few ids: repeats and clashes happen often
PROGRAMMES = st.sampled_from(["pan", "geh-vor", ""])


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """``(kind, place)`` of a new, empty store of each kind."""
    kind = request.param
    where = _where(kind, request, tmp_path)
    yield kind, where
    if kind == "postgres":
        store = open_store(kind, where)
        store.drop()
        store.close()


def _where(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a new store of ``kind`` lives: in memory, a file in ``tmp_path``, or the test server's schema."""
    if kind == "memory":
        return f"mem-{request.node.name}-{id(tmp_path)}"
    if kind == "sqlite":
        return str(tmp_path / "events.sqlite")
    return f"{request.getfixturevalue('postgres_dsn')}|{request.getfixturevalue('postgres_schema')}"


def _outcome(call: Any) -> object:
    """The return value, or the kind of error (and its conflict details)."""
    try:
        return call()
    except ConcurrencyConflict as exc:
        return ("conflict", exc.kind, exc.participant_id, exc.expected, exc.actual)
    except ValidationError as exc:
        return ("refused", sorted({str(p) for p in exc.problems}))


def _referral() -> st.SearchStrategy[Event]:
    return st.builds(Referred, IDS, PIDS, st.just(date(2024, 1, 8)), programme_id=PROGRAMMES)


class StoreMatchesModel(RuleBasedStateMachine):
    """Drive a store and an in-memory model with the same batches; compare everything after each."""

    kind = "memory"
    place_of: Any = None  # () -> a new place for each example

    def __init__(self) -> None:
        super().__init__()
        self.place = type(self).place_of()
        self.store = open_store(self.kind, self.place)
        self.model = EventLog()

    @rule(batch=st.lists(st.one_of(events(ids=IDS, participants=PIDS), _referral()), max_size=5),
          stale=st.dictionaries(PIDS, st.integers(-1, 1), max_size=2),
          programme=st.none() | st.tuples(PROGRAMMES, st.integers(-1, 1)))
    def extend(self, batch: list[Event], stale: dict[str, int], programme: tuple[str, int] | None) -> None:
        """A batch, with expected participant and programme versions off by -1, 0 or +1."""
        expected = {pid: self.model.version(pid) + delta for pid, delta in stale.items()} or None
        progs = (None if programme is None
                 else {programme[0]: self.model.programme_version(programme[0]) + programme[1]})
        mine = _outcome(lambda: self.store.extend(batch, expected_versions=expected,
                                                  expected_programme_versions=progs))
        theirs = _outcome(lambda: self.model.extend(batch, expected_versions=expected,
                                                    expected_programme_versions=progs))
        assert mine == theirs

    @rule(data=st.data())
    def repeat_or_alter(self, data: st.DataObject) -> None:
        """Send a stored event again, as it is or with another date."""
        if not len(self.model):
            return
        event = data.draw(st.sampled_from(list(self.model)))
        if data.draw(st.booleans()):
            # another day inside the years events accept (1900–2199)
            step = timedelta(days=1 if event.date < date(2199, 12, 31) else -1)
            event = attrs.evolve(event, date=event.date + step)
        assert _outcome(lambda: self.store.append(event)) == _outcome(lambda: self.model.append(event))

    @rule(position=st.integers(0, 12), limit=st.none() | st.integers(0, 4))
    def feed(self, position: int, limit: int | None) -> None:
        """The feed after a position: the same events, stream versions, in append order."""
        mine = self.store.events_since(position, limit)
        assert [s.position for s in mine] == sorted(s.position for s in mine)
        model = self.model.events_since(0)
        # positions may skip numbers in a server store: compare by what the feed holds
        all_mine = self.store.events_since(0)
        assert [(s.version, s.event) for s in all_mine] == [(s.version, s.event) for s in model]
        after = [s for s in all_mine if s.position > position]
        assert mine == after[:limit] if limit is not None else mine == after

    @invariant()
    def same_content(self) -> None:
        """Order, versions, programmes and participants agree after every step."""
        if self.kind == "memory":
            return  # the store is the model's twin; compared through the rules above
        assert self.store.events() == self.model.events()
        assert len(self.store) == len(self.model)
        assert self.store.participants == self.model.participants
        assert all(self.store.version(p) == self.model.version(p) for p in ("p1", "p2", "p3"))
        assert all(self.store.programme_version(p) == self.model.programme_version(p)
                   for p in ("pan", "geh-vor", ""))
        assert all(self.store.programme_of(p) == self.model.programme_of(p) for p in ("p1", "p2", "p3"))

    def teardown(self) -> None:
        """Close the store (and drop a server's schema)."""
        if self.kind == "postgres":
            self.store.drop()
        close(self.store)


def test_state_machine(place: tuple[str, str], tmp_path: Path) -> None:
    """Any sequence of batches does the same to each store as to the in-memory model."""
    kind, where = place
    counter = iter(range(10**6))

    def new_place() -> str:
        n = next(counter)
        if kind == "memory":
            return f"{where}-{n}"
        if kind == "sqlite":
            return str(tmp_path / f"s{n}.sqlite")
        return f"{where}_{n}"

    machine = type("Machine", (StoreMatchesModel,), {"kind": kind, "place_of": staticmethod(new_place)})
    run_state_machine_as_test(machine, settings=settings(max_examples=12, stateful_step_count=10))


def test_every_store_is_shared(place: tuple[str, str]) -> None:
    """Each store implements the protocol several engines share a store by."""
    store = open_store(*place)
    try:
        assert isinstance(store, SharedEventStore)
        assert store.position == 0
        assert store.events_since(0) == []
        with pytest.raises(ValidationError, match="position"):
            store.events_since(-1)
    finally:
        close(store)


# -- a writer killed during its batches ---------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import date, timedelta
    sys.path.insert(0, sys.argv[3])
    from langzeit.events import Referred
    from store_backends import open_store

    store = open_store(sys.argv[1], sys.argv[2])
    day = date(2024, 1, 1)
    n = 0
    while True:
        events = [Referred(f"b{n}-{i}", f"p{i % 20}", day + timedelta(days=i % 300),
                           programme_id=f"batch {n}") for i in range(100)]
        store.extend(events)
        print(n, flush=True)  # printed only after the commit returned
        n += 1
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_killed_writer_loses_no_committed_batch(kind: str, request: pytest.FixtureRequest,
                                                tmp_path: Path) -> None:
    """SIGKILL mid-write: every batch the child reported is stored whole; no batch is partial."""
    where = _where(kind, request, tmp_path)
    close(open_store(kind, where))  # the schema exists before the child starts
    child = subprocess.Popen([sys.executable, "-c", WRITER, kind, where, str(TESTS)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported = [int(child.stdout.readline()) for _ in range(5)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    committed = reported + [int(n) for n in child.stdout.read().split()]
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    store = open_store(kind, where)
    try:
        per_batch: dict[str, int] = {}
        for event in store.events():  # every row decodes
            key = event.event_id.split("-")[0]
            per_batch[key] = per_batch.get(key, 0) + 1
        assert all(per_batch.get(f"b{n}") == 100 for n in committed)
        assert set(per_batch.values()) == {100}  # a batch is all or nothing
        assert sum(store.version(f"p{i}") for i in range(20)) == len(store)
        assert store.extend([Referred("after", "p0", date(2025, 1, 1))]) == 1
    finally:
        if kind == "postgres":
            store.drop()
        close(store)


# -- two writers ----------------------------------------------------------------------------------


def test_two_writers_the_stale_one_conflicts(place: tuple[str, str]) -> None:
    """Two handles read the same versions; the second to write gets ConcurrencyConflict, writes nothing."""
    a, b = open_store(*place), open_store(*place)
    try:
        a.extend([Referred("e1", "p1", date(2024, 1, 8), programme_id="pan")])
        seen, seen_programme = b.version("p1"), b.programme_version("pan")
        a.extend([Admitted("e2", "p1", date(2024, 2, 1))], expected_versions={"p1": seen})
        with pytest.raises(ConcurrencyConflict) as info:
            b.extend([Admitted("e3", "p1", date(2024, 2, 1))], expected_versions={"p1": seen})
        assert (info.value.expected, info.value.actual) == (1, 2)
        with pytest.raises(ConcurrencyConflict) as info:
            b.extend([Referred("e4", "p2", date(2024, 2, 1), programme_id="pan")],
                     expected_programme_versions={"pan": seen_programme})
        assert (info.value.kind, info.value.expected, info.value.actual) == ("programme", 1, 2)
        assert [e.event_id for e in b.events()] == ["e1", "e2"]
        assert a.programme_version("pan") == b.programme_version("pan") == 2
    finally:
        close(a)
        close(b)


# -- the race for the last places -----------------------------------------------------------------

PLACES, TAKEN, WORKERS, EACH = RACE_PLACES, 3, 4, 2  # 8 contenders for the last 3 places


RACER = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[3])
    from store_backends import open_store
    from store_backends import contend

    store = open_store(sys.argv[1], sys.argv[2])
    pids = sys.argv[4].split(",")
    print("ready", flush=True)
    sys.stdin.readline()  # go
    print(json.dumps(contend(store, pids)), flush=True)
    store.close()
    """
)


@pytest.mark.slow
def test_race_for_the_last_places(place: tuple[str, str]) -> None:
    """N engines (processes; threads in memory) admit at once: capacity holds, losers are told why."""
    kind, where = place
    setup = open_store(kind, where)
    engine = PathwayEngine(race_programme(), store=setup)
    contenders = [f"r{w}-{i}" for w in range(WORKERS) for i in range(EACH)]
    for pid in [f"x{i}" for i in range(TAKEN)] + contenders:
        engine.refer(pid, date(2024, 1, 8))
    for i in range(TAKEN):
        engine.admit(f"x{i}", date(2024, 1, 15))
    groups = [contenders[w * EACH:(w + 1) * EACH] for w in range(WORKERS)]
    results: list[dict[str, Any]] = []
    if kind == "memory":
        barrier = threading.Barrier(WORKERS)
        lock = threading.Lock()

        def work(pids: list[str]) -> None:
            barrier.wait()
            found = contend(setup, pids)
            with lock:
                results.extend(found)

        threads = [threading.Thread(target=work, args=(g,)) for g in groups]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    else:
        children = [subprocess.Popen([sys.executable, "-c", RACER, kind, where, str(TESTS), ",".join(g)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                    for g in groups]
        for c in children:
            assert c.stdout is not None
            assert c.stdout.readline().strip() == "ready"
        for c in children:
            assert c.stdin is not None
            c.stdin.write("go\n")
            c.stdin.flush()
        for c in children:
            out, _ = c.communicate(timeout=120)
            assert c.returncode == 0
            results += json.loads(out)
    try:
        assert sorted(r["pid"] for r in results) == sorted(contenders)  # every contender has an answer
        winners = [r["pid"] for r in results if r["admitted"]]
        losers = [r for r in results if not r["admitted"]]
        assert len(winners) == PLACES - TAKEN
        assert all(r["reasons"] == [f"all {PLACES} places of Race are taken"] for r in losers)
        fresh = PathwayEngine(race_programme(), store=setup)
        assert fresh.occupancy().occupied == PLACES  # never above capacity
        assert {pid for pid in contenders if fresh.state(pid).status.value == "active"} == set(winners)
        admissions = [e for e in setup.events() if isinstance(e, Admitted)]
        assert len(admissions) == PLACES  # nothing lost, nothing twice
        assert fresh.states() == replay(setup.events())
        engine.refresh()  # the setup engine catches up from the feed alone
        assert engine.states() == fresh.states()
        assert engine.occupancy() == fresh.occupancy()
    finally:
        close(setup)


# -- writers of one programme take turns after a conflict ------------------------------------------


@pytest.mark.parametrize("protected", [False, True], ids=["plain", "protected"])
@pytest.mark.parametrize("kind", ["postgres"])  # SQLite keeps plain appends: one write lock per file
def test_after_a_programme_conflict_writers_take_turns(kind: str, protected: bool,
                                                       request: pytest.FixtureRequest,
                                                       tmp_path: Path) -> None:
    """The loser of a race conflicts once; its next admissions run under the programme's lock, fresh.

    Also through a :class:`ProtectedEventStore` (crypto-shredding) around the PostgreSQL store.
    """
    where = _where(kind, request, tmp_path)
    store_a, store_b = open_store(kind, where), open_store(kind, where)
    if protected:
        keys = SqliteKeyStore(tmp_path / "keys.sqlite")
        store_a, store_b = ProtectedEventStore(store_a, keys), ProtectedEventStore(store_b, keys)
        assert store_b._exclusive is not None
    try:
        a = PathwayEngine(race_programme(), store=store_a)
        b = PathwayEngine(race_programme(), store=store_b)
        for pid in [f"a{i}" for i in range(4)]:
            a.refer(pid, date(2024, 1, 8))
        for pid in [f"b{i}" for i in range(4)]:
            b.refer(pid, date(2024, 1, 8))
        a.refresh()
        a.admit("a0", date(2024, 1, 15))
        with pytest.raises(ConcurrencyConflict) as info:
            b.admit("b0", date(2024, 1, 15))
        assert info.value.kind == "programme"
        for i in (1, 2, 3):  # a writes between b's commands: b catches up inside its transaction
            try:
                a.admit(f"a{i}", date(2024, 1, 15))
            except ConcurrencyConflict:  # a lost to b once: from now on a takes turns too
                a.admit(f"a{i}", date(2024, 1, 15))
            assert next(e.type for e in b.admit(f"b{i}", date(2024, 1, 15))) in ("admitted", "waitlisted")
        fresh = PathwayEngine(race_programme(), store=store_a)
        assert fresh.occupancy().occupied == RACE_PLACES  # 6 of 7 asked: one waitlisted
        assert fresh.waiting_list().participant_ids == ("b3",)
        assert fresh.states() == replay(store_a.events())
        b.refresh()
        assert b.states() == fresh.states()
        if kind == "postgres":
            (store_a.inner if protected else store_a).drop()
    finally:
        close(store_a)
        close(store_b)


def test_a_protected_store_without_programme_transactions_offers_none(tmp_path: Path) -> None:
    """Around a store without programme transactions (SQLite), the wrapper offers none either."""
    store = ProtectedEventStore(open_store("sqlite", str(tmp_path / "e.sqlite")), SqliteKeyStore(":memory:"))
    try:
        assert store._exclusive is None
    finally:
        close(store)


def test_a_programme_transaction_makes_other_writers_wait(postgres_dsn: str, postgres_schema: str) -> None:
    """While one writer holds the programme's lock, another's command waits, then sees its write."""
    where = f"{postgres_dsn}|{postgres_schema}"
    store_a, store_b = open_store("postgres", where), open_store("postgres", where)
    try:
        a = PathwayEngine(race_programme(), store=store_a)
        b = PathwayEngine(race_programme(), store=store_b)
        for i in range(RACE_PLACES):
            a.refer(f"a{i}", date(2024, 1, 8))
        for i in range(RACE_PLACES - 1):
            a.admit(f"a{i}", date(2024, 1, 15))
        b.refresh()
        b.refer("b0", date(2024, 1, 8))
        a.refresh()
        b._contended = 1  # as after a conflict
        done: list[str] = []
        with store_a._exclusive("race", a._position, 100):  # as a's command in a programme transaction
            worker = threading.Thread(target=lambda: done.extend(
                e.type for e in b.admit("b0", date(2024, 1, 15))))
            worker.start()
            worker.join(timeout=1)
            assert worker.is_alive()
            assert not done
            a.admit(f"a{RACE_PLACES - 1}", date(2024, 1, 15))  # the last place; commits the transaction
        worker.join(timeout=30)
        assert done == ["waitlisted"]  # checked against a's admission: no conflict, no retry
        store_a.drop()
    finally:
        close(store_a)
        close(store_b)
