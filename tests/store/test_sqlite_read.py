"""SqliteEventStore reads through the codec's bulk decoder: repeated payloads, every bad row reported."""

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from langzeit.events import EventLog, Exited, PhaseEntered, Referred, Status, replay
from langzeit.exceptions import DataFormatError
from langzeit.store import SqliteEventStore

D = date(2024, 1, 8)


def _pathways(n: int) -> list[Exited | PhaseEntered | Referred]:
    """``n`` participants with the same three payloads and overlapping dates, appended out of date order."""
    out: list[Exited | PhaseEntered | Referred] = []
    for p in range(n):
        day = D + timedelta(days=p % 3)
        out += [Exited(f"x{p}", f"p{p}", day + timedelta(days=30), reason="work", outcome="svp"),
                Referred(f"r{p}", f"p{p}", day, programme_id="geh-vor"),
                PhaseEntered(f"f{p}", f"p{p}", day + timedelta(days=1), phase_id="intake")]
    return out


def test_many_rows_with_repeated_payloads_read_back_equal_in_log_order(tmp_path: Path) -> None:
    """Events read in bulk equal the written ones, ordered by date then append order, and replay alike."""
    written = _pathways(30)
    with SqliteEventStore(tmp_path / "s.sqlite") as s:
        s.extend(written)
        read = s.events()
        states = s.replay()
    assert read == EventLog(written).events()
    assert states == replay(EventLog(written).events())
    assert {st.status for st in states.values()} == {Status.EXITED}


def test_replay_as_of_reads_only_events_up_to_the_day(tmp_path: Path) -> None:
    """replay(as_of=...) of the store equals the fold of the log's events up to that day."""
    written = _pathways(6)
    with SqliteEventStore(tmp_path / "s.sqlite") as s:
        s.extend(written)
        states = s.replay(as_of=D + timedelta(days=1))
    assert states == EventLog(written).replay(as_of=D + timedelta(days=1))
    # referred on D + p % 3, phase a day later: p0 and p3 have both, p1 and p4 one, p2 and p5 none yet
    assert {pid: st.version for pid, st in states.items()} == {"p0": 2, "p1": 1, "p3": 2, "p4": 1}


def test_bad_rows_among_good_rows_with_the_same_payload_are_each_reported(tmp_path: Path) -> None:
    """Rows spoilt outside langzeit are reported with their sequence even after good rows like them."""
    path = tmp_path / "s.sqlite"
    with SqliteEventStore(path) as s:
        s.extend(_pathways(4))  # seq 1..12; exits are seq 1, 4, 7, 10
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_no_update")  # the store refuses edits: spoil it on purpose
        conn.execute("UPDATE events SET event_id = '' WHERE seq = 4")
        conn.execute("UPDATE events SET participant_id = X'7031' WHERE seq = 7")  # a blob, not text
        conn.execute("UPDATE events SET type = 'exploded' WHERE seq = 10")
    with SqliteEventStore(path) as s, pytest.raises(DataFormatError) as info:
        s.replay()
    assert [(p.line, p.reason, p.text) for p in info.value.rejected] == [
        (4, "event_id: bad id ''", '{"reason":"work","outcome":"svp"}'),
        (7, "participant_id: bad id b'p1'", '{"reason":"work","outcome":"svp"}'),
        (10, "unknown event type 'exploded'", '{"reason":"work","outcome":"svp"}'),
    ]
