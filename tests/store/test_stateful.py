"""Model-based test: any sequence of appends does the same to SqliteEventStore as to EventLog."""

import tempfile
from datetime import date, timedelta
from pathlib import Path

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from langzeit.events import Event, EventLog
from langzeit.exceptions import ConcurrencyConflict, ValidationError
from langzeit.store import SqliteEventStore
from strategies import events

PIDS = st.sampled_from(["p1", "p2", "p3"])
IDS = st.sampled_from([f"e{i}" for i in range(12)])  # few ids: repeats and clashes happen often


def _outcome(call: object) -> object:
    """The return value, or the kind of error (and its conflict details)."""
    try:
        return call()  # type: ignore[operator]
    except ConcurrencyConflict as exc:
        return ("conflict", exc.participant_id, exc.expected, exc.actual)
    except ValidationError as exc:
        return ("refused", sorted({str(p) for p in exc.problems}))  # each clashing id, once or per item


class StoreMatchesLog(RuleBasedStateMachine):
    """Drive both with the same batches; compare results, order, versions and replay."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory()
        self.store = SqliteEventStore(Path(self.tmp.name) / "s.sqlite", synchronous="NORMAL")
        self.log = EventLog()

    @rule(batch=st.lists(events(ids=IDS, participants=PIDS), max_size=5),
          stale=st.dictionaries(PIDS, st.integers(-1, 1), max_size=2))
    def extend(self, batch: list[Event], stale: dict[str, int]) -> None:
        """A batch, with expected versions off by -1, 0 or +1 for some participants."""
        expected = {pid: self.log.version(pid) + delta for pid, delta in stale.items()} or None
        mine = _outcome(lambda: self.store.extend(batch, expected_versions=expected))
        theirs = _outcome(lambda: self.log.extend(batch, expected_versions=expected))
        assert mine == theirs

    @rule(data=st.data())
    def repeat_or_alter(self, data: st.DataObject) -> None:
        """Send a stored event again, as it is or with another date."""
        if not len(self.log):
            return
        event = data.draw(st.sampled_from(list(self.log)))
        if data.draw(st.booleans()):
            # another day inside the years events accept (1900–2199)
            step = timedelta(days=1 if event.date < date(2199, 12, 31) else -1)
            other = event.date + step
            event = attrs.evolve(event, date=other)
        assert _outcome(lambda: self.store.append(event)) == _outcome(lambda: self.log.append(event))

    @invariant()
    def same_content(self) -> None:
        """Order, versions and participants agree after every step."""
        assert self.store.events() == self.log.events()
        assert len(self.store) == len(self.log)
        assert self.store.participants == self.log.participants
        assert all(self.store.version(p) == self.log.version(p) for p in ("p1", "p2", "p3"))

    def teardown(self) -> None:
        """Close the store and remove its folder."""
        self.store.close()
        self.tmp.cleanup()


TestStoreMatchesLog = StoreMatchesLog.TestCase
TestStoreMatchesLog.settings = settings(max_examples=25, stateful_step_count=12)
