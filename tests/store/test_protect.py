"""Erasure in the append-only log by crypto-shredding, on every store (memory, SQLite, PostgreSQL)."""

from __future__ import annotations

import base64
import functools
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.engine import PathwayEngine
from langzeit.events import ActorReferred, Declined, Event, PlanStepAgreed, Referred, replay
from langzeit.exceptions import ParticipantErased, ValidationError
from langzeit.report import build_programme_report
from langzeit.simulation import load_scenario, simulate
from langzeit.store import (
    SEAL_PREFIX,
    SEALED_FIELDS,
    ProtectedEventStore,
    SqliteKeyStore,
    seal_events,
    unseal_events,
)
from store_backends import close, open_store, race_programme
from strategies import events

END = date(2026, 12, 31)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def inner(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    """A new, empty store of each kind (PostgreSQL: a real server, its own schema)."""
    kind = request.param
    if kind == "memory":
        place = f"mem-protect-{request.node.name}-{id(tmp_path)}"
    elif kind == "sqlite":
        place = str(tmp_path / "events.sqlite")
    else:
        place = f"{request.getfixturevalue('postgres_dsn')}|{request.getfixturevalue('postgres_schema')}"
    store = open_store(kind, place)
    yield store
    if kind == "postgres":
        store.drop()
    close(store)


@functools.cache
def _simulated() -> tuple[Event, ...]:
    return tuple(simulate(load_scenario("geh-vor"), seed=7, replications=1, keep_events={0}).log(0))


def _log() -> list[Event]:
    """A simulated Geh vor! log (2,234 events; free text in plans, assessments, declines) and referrals."""
    events = list(_simulated())
    first = events[0]
    extra = ActorReferred("x-need", first.participant_id, first.date, actor_id="tk", need="mental_health")
    return [*events, extra]


def test_inner_store_holds_no_personal_text(inner: object, tmp_path: Path) -> None:
    """What the inner store holds is sealed: free text and needs are ciphertext; counts are clear."""
    keys = SqliteKeyStore(tmp_path / "keys.sqlite")
    store = ProtectedEventStore(inner, keys)  # type: ignore[arg-type]
    store.extend([Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
                  Declined("e2", "p1", date(2024, 1, 9), reason="Herr K. ist in Therapie"),
                  ActorReferred("e3", "p1", date(2024, 1, 9), actor_id="tk", need="mental_health")])
    raw = inner.events()  # type: ignore[attr-defined]
    assert raw[1].reason.startswith(SEAL_PREFIX)
    assert raw[2].need.startswith(SEAL_PREFIX)
    assert (raw[2].actor_id, raw[0].programme_id) == ("tk", "geh-vor")
    assert [e.reason for e in store.events() if isinstance(e, Declined)] == ["Herr K. ist in Therapie"]


def test_erase_then_replay(inner: object, tmp_path: Path) -> None:
    """After erasure a fresh handle replays the same states; the erased person's text is gone for good."""
    keys_path = tmp_path / "keys.sqlite"
    log = _log()
    store = ProtectedEventStore(inner, SqliteKeyStore(keys_path))  # type: ignore[arg-type]
    store.extend(log)
    victim = log[0].participant_id
    before = replay(log)
    assert store.erase(victim)
    again = ProtectedEventStore(inner, SqliteKeyStore(keys_path))  # type: ignore[arg-type]
    clear = again.events()
    assert len(clear) == len(log)
    assert replay(clear) == before
    mine = [e for e in clear if e.participant_id == victim and e.type in ("plan_agreed", "actor_referred")]
    assert mine
    assert all(getattr(e, "goal", "") == "" and getattr(e, "need", "") == "" for e in mine)
    other = next(e for e in log if e.participant_id != victim and isinstance(e, PlanStepAgreed))
    assert next(e for e in clear if e.event_id == other.event_id) == other


def test_indicators_equal_before_and_after_erasure(inner: object, tmp_path: Path) -> None:
    """The report of the sealed store, read without keys, equals the original, also after erasure."""
    log = _log()
    store = ProtectedEventStore(inner, SqliteKeyStore(tmp_path / "keys.sqlite"))  # type: ignore[arg-type]
    store.extend(log)
    original = build_programme_report(log, data_end=END).to_dict()
    for pid in sorted({e.participant_id for e in log})[:40]:
        store.erase(pid)
    sealed = inner.events()  # type: ignore[attr-defined]
    assert build_programme_report(sealed, data_end=END).to_dict() == original
    assert build_programme_report(store.events(), data_end=END).to_dict() == original


def test_an_erased_participant_gets_no_new_events(inner: object) -> None:
    """Appending for an erased participant raises ParticipantErased and writes nothing."""
    store = ProtectedEventStore(inner, SqliteKeyStore(":memory:"))  # type: ignore[arg-type]
    store.extend([Declined("e1", "p1", date(2024, 1, 9), reason="privat")])
    store.erase("p1")
    with pytest.raises(ParticipantErased):
        store.extend([Declined("e2", "p1", date(2024, 2, 9), reason="wieder da"),
                      Declined("e3", "p2", date(2024, 2, 9), reason="x")])
    assert [e.event_id for e in store.events()] == ["e1"]


def test_engine_writes_through_the_protected_store(inner: object) -> None:
    """The engine runs unchanged on the protected store (it is a SharedEventStore)."""
    store = ProtectedEventStore(inner, SqliteKeyStore(":memory:"))  # type: ignore[arg-type]
    engine = PathwayEngine(race_programme(), store=store)  # type: ignore[arg-type]
    engine.refer("p1", date(2024, 1, 8))
    engine.decline("p1", date(2024, 1, 9), reason="zieht nach Kiel")
    assert store.events_since(0)[-1].event.reason == "zieht nach Kiel"  # type: ignore[attr-defined]
    assert inner.events()[-1].reason.startswith(SEAL_PREFIX)  # type: ignore[attr-defined]
    assert PathwayEngine(race_programme(), store=store).state("p1").status.value == "declined"  # type: ignore[arg-type]


def test_a_changed_sealed_value_is_refused() -> None:
    """A sealed field moved to another event (or altered) fails authentication: ValidationError."""
    from langzeit.events import EventLog

    inner = EventLog()
    store = ProtectedEventStore(inner, SqliteKeyStore(":memory:"))
    store.extend([Declined("e1", "p1", date(2024, 1, 9), reason="eins"),
                  Declined("e2", "p1", date(2024, 1, 9), reason="zwei")])
    stolen = inner.events()[0].reason
    forged = EventLog([inner.events()[0], attrs.evolve(inner.events()[1], reason=stolen)])
    with pytest.raises(ValidationError, match="e2"):
        ProtectedEventStore(forged, store.keys).events()
    raw = bytearray(base64.urlsafe_b64decode(stolen[len(SEAL_PREFIX):]))
    raw[-1] ^= 1
    flipped = EventLog([attrs.evolve(inner.events()[0], reason=SEAL_PREFIX + base64.urlsafe_b64encode(
        bytes(raw)).decode())])
    with pytest.raises(ValidationError, match="changed"):
        ProtectedEventStore(flipped, store.keys).events()


def test_erased_key_is_overwritten_in_the_key_file(tmp_path: Path) -> None:
    """After erase the key's bytes are no longer anywhere in the key file (secure_delete)."""
    path = tmp_path / "keys.sqlite"
    keys = SqliteKeyStore(path)
    key = keys.create("p1")
    keys.create("p2")
    assert key in path.read_bytes()
    assert keys.erase("p1", on=date(2024, 5, 1))
    keys.close()
    assert key not in path.read_bytes()
    again = SqliteKeyStore(path)
    assert again.is_erased("p1")
    assert again.key("p2") is not None
    with pytest.raises(ParticipantErased):
        again.create("p1")


def test_sealing_is_deterministic_so_appends_stay_idempotent() -> None:
    """The same event sealed twice is the same event: re-appending it is a no-op, not a conflict."""
    from langzeit.events import EventLog

    keys = SqliteKeyStore(":memory:")
    event = Declined("e1", "p1", date(2024, 1, 9), reason="privat")
    assert seal_events([event], keys) == seal_events([event], keys)
    store = ProtectedEventStore(EventLog(), keys)
    assert store.extend([event]) == 1
    assert store.extend([event]) == 0
    other = attrs.evolve(event, event_id="e2")
    assert seal_events([other], keys)[0].reason != seal_events([event], keys)[0].reason


@given(st.lists(events(), max_size=20, unique_by=lambda e: e.event_id))
@settings(max_examples=40)
def test_unseal_after_seal_gives_the_events_back(evs: list[Event]) -> None:
    """For any events, unseal(seal(events)) is the events, and only SEALED_FIELDS differ when sealed."""
    keys = SqliteKeyStore(":memory:")
    sealed = seal_events(evs, keys)
    assert list(unseal_events(sealed, keys)) == evs
    for before, after in zip(evs, sealed, strict=True):
        changed = {f.name for f in attrs.fields(type(before))
                   if getattr(before, f.name) != getattr(after, f.name)}
        assert changed <= SEALED_FIELDS.get(before.type, frozenset())
