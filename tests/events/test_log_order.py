"""EventLog keeps its deterministic order however events arrive."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from langzeit.events import Admitted, EventLog

batches = st.lists(
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from(["p1", "p2", "p3"])), max_size=6),
    max_size=8,
)


@given(batches)
def test_order_is_by_date_then_append_order_for_any_batches(raw: list[list[tuple[int, str]]]) -> None:
    """events() equals a stable sort by date of the append order, also when read between appends."""
    log = EventLog()
    appended = []
    n = 0
    for batch in raw:
        events = []
        for offset, pid in batch:
            n += 1
            events.append(Admitted(f"e{n}", pid, date(2024, 1, 1) + timedelta(days=offset)))
        log.extend(events)
        appended += events
        assert log.events() == sorted(appended, key=lambda e: e.date)
    assert list(log) == appended
