"""SqliteKeyStore shared by several processes and threads: one key per participant, a private file."""

from __future__ import annotations

import multiprocessing
import stat
import threading
from pathlib import Path

import pytest

from langzeit.exceptions import ParticipantErased
from langzeit.store import SqliteKeyStore

PARTICIPANTS = [f"p{i}" for i in range(40)]


def _make_keys(path: str, start: multiprocessing.synchronize.Event, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Wait for the start signal, then make every participant's key; report them as hex."""
    keys = SqliteKeyStore(path)
    start.wait()
    try:
        out.put({pid: keys.create(pid).hex() for pid in PARTICIPANTS})
    except Exception as exc:  # reported to the test, which fails with it
        out.put(repr(exc))
    finally:
        keys.close()


@pytest.mark.slow
def test_processes_making_the_same_keys_at_once_all_get_one_key_per_participant(tmp_path: Path) -> None:
    """Four processes racing to make 40 keys: no error, and every process sees the same key."""
    path = str(tmp_path / "keys.sqlite")
    SqliteKeyStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=_make_keys, args=(path, start, out)) for _ in range(4)]
    for w in workers:
        w.start()
    start.set()
    results = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert all(isinstance(r, dict) for r in results), results
    assert all(r == results[0] for r in results)
    keys = SqliteKeyStore(path)
    assert {pid: keys.key(pid).hex() for pid in PARTICIPANTS} == results[0]  # type: ignore[union-attr]
    keys.close()


def test_threads_making_the_same_key_get_the_same_key(tmp_path: Path) -> None:
    """Eight threads on one store object make one participant's key: one key for all of them."""
    keys = SqliteKeyStore(tmp_path / "keys.sqlite")
    got: list[bytes] = []
    threads = [threading.Thread(target=lambda: got.append(keys.create("p1"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8
    assert len(set(got)) == 1
    keys.close()


def test_a_key_made_in_another_store_object_is_erased_for_both(tmp_path: Path) -> None:
    """Erasure in one connection is seen by the next create in another: no key is made again."""
    a, b = SqliteKeyStore(tmp_path / "keys.sqlite"), SqliteKeyStore(tmp_path / "keys.sqlite")
    key = a.create("p1")
    assert b.create("p1") == key
    assert b.erase("p1") is True
    with pytest.raises(ParticipantErased):
        a.create("p1")
    a.close()
    b.close()


def test_a_new_key_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The key file is created 0600, like the event stores' files."""
    path = tmp_path / "keys.sqlite"
    SqliteKeyStore(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
