"""EventLog: append-only, idempotent by id, ordered by date then append, versioned, atomic batches."""

from datetime import date

import pytest
from hypothesis import given

from langzeit.events import Admitted, EventLog, EventStore, Referred, Status
from langzeit.exceptions import ConcurrencyConflict, UnknownNameError, ValidationError
from strategies import event_logs

D = date(2024, 1, 8)


def test_same_event_twice_is_a_no_op() -> None:
    """Append returns False and nothing changes when the same event comes again."""
    log = EventLog([Referred("e1", "p1", D)])
    assert log.append(Referred("e1", "p1", D)) is False
    assert len(log) == 1
    assert log.version("p1") == 1


def test_different_event_under_a_known_id_is_refused() -> None:
    """Reusing an id for other content raises ValidationError."""
    log = EventLog([Referred("e1", "p1", D)])
    with pytest.raises(ValidationError, match="'e1': id already in the log with different content"):
        log.append(Admitted("e1", "p1", D))


def test_batch_with_a_clash_writes_nothing() -> None:
    """Extend is atomic: one bad event keeps the good ones out too; all clashes are listed."""
    log = EventLog([Referred("e1", "p1", D)])
    with pytest.raises(ValidationError) as info:
        log.extend([Admitted("e2", "p1", D), Admitted("e1", "p1", D), "junk",  # type: ignore[list-item]
                    Admitted("e2", "p2", D)])
    assert [str(p) for p in info.value.problems] == [
        "event 'e1': id already in the log with different content",
        "item 2: not an event: 'junk'",
        "event 'e2': id already in the log with different content",
    ]
    assert len(log) == 1
    assert "e2" not in log


def test_events_are_ordered_by_date_ties_in_append_order() -> None:
    """A later-appended earlier event comes first; same-day events keep append order."""
    log = EventLog([Referred("b", "p1", date(2024, 2, 1)), Referred("c", "p2", date(2024, 2, 1)),
                    Referred("a", "p3", date(2024, 1, 1))])
    assert [e.event_id for e in log.events()] == ["a", "b", "c"]
    assert [e.event_id for e in log] == ["b", "c", "a"]  # iteration is append order
    assert [e.event_id for e in log.events(until=date(2024, 1, 31))] == ["a"]
    assert [e.event_id for e in log.events(participant_id="p2")] == ["c"]


def test_versions_count_each_participants_events() -> None:
    """Each stream's version is its number of events; unknown participants are at 0."""
    log = EventLog([Referred("e1", "p1", D), Referred("e2", "p2", D), Admitted("e3", "p1", D)])
    assert (log.version("p1"), log.version("p2"), log.version("p3")) == (2, 1, 0)
    assert log.participants == ("p1", "p2")


def test_stale_expected_version_raises_and_writes_nothing() -> None:
    """Optimistic concurrency: expected 0 when the stream is at 1 is refused."""
    log = EventLog([Referred("e1", "p1", D)])
    with pytest.raises(ConcurrencyConflict) as info:
        log.extend([Admitted("e2", "p2", D), Admitted("e3", "p1", D)], expected_versions={"p1": 0})
    assert (info.value.expected, info.value.actual) == (0, 1)
    assert len(log) == 1
    assert log.append(Admitted("e3", "p1", D), expected_version=1) is True


def test_get_contains_and_last_date() -> None:
    """Lookups by id; last_date is the latest date or None."""
    log = EventLog()
    assert log.last_date is None
    log.extend([Referred("e1", "p1", date(2024, 3, 1)), Referred("e2", "p2", D)])
    assert log.get("e2") == Referred("e2", "p2", D)
    assert "e1" in log
    assert 5 not in log
    assert log.last_date == date(2024, 3, 1)
    with pytest.raises(UnknownNameError, match="unknown event 'x'"):
        log.get("x")


def test_state_at_a_date_and_unknown_participant() -> None:
    """state() replays up to as_of; a participant without events then is unknown."""
    log = EventLog([Referred("e1", "p1", D), Admitted("e2", "p1", date(2024, 2, 1))])
    assert log.state("p1").status is Status.ACTIVE
    assert log.state("p1", as_of=date(2024, 1, 31)).status is Status.REFERRED
    with pytest.raises(UnknownNameError):
        log.state("p1", as_of=date(2024, 1, 7))
    with pytest.raises(UnknownNameError):
        log.state("p9")


def test_logs_compare_by_events_in_append_order() -> None:
    """Equal logs hold equal events in the same append order."""
    a, b = Referred("a", "p1", D), Referred("b", "p1", D)
    assert EventLog([a, b]) == EventLog([a, b])
    assert EventLog([a, b]) != EventLog([b, a])
    assert EventLog() != []
    assert repr(EventLog([a])) == "<EventLog: 1 events, 1 participants>"


def test_log_is_an_event_store() -> None:
    """The in-memory log satisfies the EventStore protocol."""
    assert isinstance(EventLog(), EventStore)


@given(log=event_logs(max_size=40))
def test_order_is_a_stable_sort_by_date(log: EventLog) -> None:
    """events() equals the append order stably sorted by date; versions sum to the length."""
    assert log.events() == sorted(log, key=lambda e: e.date)
    assert sum(log.version(p) for p in log.participants) == len(log)


@given(log=event_logs(max_size=30))
def test_rebuilding_a_log_from_itself_is_a_no_op(log: EventLog) -> None:
    """Appending every event again adds nothing (idempotency)."""
    assert log.extend(list(log)) == 0
    assert EventLog(log) == log
