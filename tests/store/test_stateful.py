"""Model-based test: any sequence of appends does the same to SqliteEventStore as to EventLog.

The store contract's state machine (``test_contract.StoreMatchesModel``: results, errors,
order, versions, programme versions, the feed) on SQLite, with more examples than the
contract runs for every store.
"""

import itertools
import tempfile
from pathlib import Path

from hypothesis import settings

from store.test_contract import StoreMatchesModel

_FOLDER = tempfile.TemporaryDirectory()
_NUMBERS = itertools.count()


def _new_file() -> str:
    return str(Path(_FOLDER.name) / f"s{next(_NUMBERS)}.sqlite")


class StoreMatchesLog(StoreMatchesModel):
    """Drive SQLite and the in-memory model with the same batches; compare everything after each."""

    kind = "sqlite"
    place_of = staticmethod(_new_file)


TestStoreMatchesLog = StoreMatchesLog.TestCase
TestStoreMatchesLog.settings = settings(max_examples=25, stateful_step_count=12)
