"""Acceptance: any event log written as JSON Lines, CSV and SQLite reads back equal."""

from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import EVENT_TYPES, EventLog
from langzeit.store import read_events, write_events
from strategies import event_logs, events_of_type

FILES = ("log.jsonl", "log.csv", "log.sqlite")


@settings(max_examples=40)
@given(log=event_logs(max_size=25))
def test_any_log_reads_back_equal_from_every_format(log: EventLog) -> None:
    """JSONL, CSV and SQLite round trips give the same log, in the same append order."""
    with TemporaryDirectory() as tmp:
        for name in FILES:
            path = Path(tmp) / name
            assert write_events(log, path) == len(log)
            back = read_events(path)
            assert back == log, name
            assert {p: back.version(p) for p in log.participants} == {
                p: log.version(p) for p in log.participants
            }


@settings(max_examples=10)
@given(data=st.data())
def test_every_event_type_round_trips(data: st.DataObject) -> None:
    """One event of each type survives all three formats field for field."""
    log = EventLog([data.draw(events_of_type(name, ids=st.just(f"e-{name}")))
                    for name in sorted(EVENT_TYPES)])
    assert len(log) == len(EVENT_TYPES)
    with TemporaryDirectory() as tmp:
        for name in FILES:
            write_events(log, Path(tmp) / name)
            assert list(read_events(Path(tmp) / name)) == list(log), name
