"""Books: moving a participant's share equals removing the old share and adding the new one."""

from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.engine._books import Books, Key
from langzeit.events import Status

_KEYS = st.tuples(st.sampled_from([Status.ACTIVE, Status.PAUSED]), st.sampled_from(["a", "b", None]),
                  st.sampled_from(["c1", "c2", None]), st.sampled_from(["t1", None]))
_MOVES = st.lists(st.tuples(st.none() | _KEYS, st.none() | _KEYS), max_size=30)


def test_move_counts_a_new_place_and_frees_it_again() -> None:
    """Moving in from nothing takes a place, moving out to nothing frees it (hand-counted)."""
    books = Books()
    books.move(None, (Status.ACTIVE, "a", "c1", None))
    books.move((Status.ACTIVE, "a", "c1", None), (Status.ACTIVE, "b", "c1", None))
    assert books.snapshot() == (1, {"b": 1}, {"c1": 1}, {})
    books.move((Status.ACTIVE, "b", "c1", None), None)
    assert books.snapshot() == (0, {}, {}, {})


@settings(max_examples=60)
@given(_MOVES)
def test_move_equals_count_out_and_count_in(moves: list[tuple[Key | None, Key | None]]) -> None:
    """Any sequence of moves gives the same counts as the pairs of count(old, -1) and count(new, 1)."""
    moved, counted = Books(), Books()
    for old, new in moves:
        moved.move(old, new)
        if old is not None:
            counted.count(old, -1)
        if new is not None:
            counted.count(new, 1)
    assert moved.snapshot() == counted.snapshot()
