"""langzeit: support pathways of long-term benefit recipients in German jobcenters (SGB II).

The front door: ``import langzeit`` offers the entry points a newcomer needs, one
name each, and the exception tree. Everything else lives in its package
(``langzeit.engine``, ``langzeit.indicators``…), whose ``__init__`` lists its API in
``__all__``; everything in a ``_module`` is private. Packages, from the bottom up:
``domain`` → ``events`` → ``engine`` / ``store`` → ``spells`` → ``indicators`` →
``network`` → ``simulation`` → ``report`` → ``cli`` (DESIGN.md).

=============================  ==================================================
entry point                    what it is (from)
=============================  ==================================================
:func:`load_programme`         a shipped programme model by name, or a TOML file (``programmes``)
:class:`PathwayEngine`         commands in, validated events out (``engine``)
:class:`EventLog`              the append-only log of events (``events``)
:class:`SqliteEventStore`      the embedded event store (``store``)
:func:`read_events`            an event log from JSONL, CSV or SQLite (``store``)
:func:`write_events`           … and back (``store``)
:func:`read_spells`            an administrative spell file (``spells``)
:func:`kennzahlen`             the § 48a SGB II indicators of a spell table (``indicators``)
:func:`build_programme_report` every programme indicator of an event log (``report``)
:func:`load_scenario`          a built-in scenario by name, or a TOML file (``simulation``)
:func:`simulate`               Monte Carlo replications of a scenario (``simulation``)
:class:`SocialSpace`           the social space (Sozialraum) and its actors (``network``)
:func:`read_space`             a social space from its JSON file (``network``)
=============================  ==================================================

The entry points are imported on first use, so ``import langzeit`` stays cheap.

Examples:
    >>> import langzeit
    >>> langzeit.__version__
    '0.1.0.dev0'
    >>> langzeit.load_scenario("sanus-le").programme.id
    'sanus-le'
    >>> langzeit.simulate is langzeit.simulation.simulate
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langzeit.exceptions import (
    CapacityExceeded,
    ConcurrencyConflict,
    DataFormatError,
    LangzeitError,
    NotAvailableError,
    TransitionRefused,
    UnknownNameError,
    ValidationError,
)

if TYPE_CHECKING:
    from langzeit.engine import PathwayEngine
    from langzeit.events import EventLog
    from langzeit.indicators import kennzahlen
    from langzeit.network import SocialSpace, read_space
    from langzeit.programmes import load_programme
    from langzeit.report import build_programme_report
    from langzeit.simulation import load_scenario, simulate
    from langzeit.spells import read_spells
    from langzeit.store import SqliteEventStore, read_events, write_events

__version__: str  # read from the installed package's metadata on first access

#: entry point -> the package that defines it (imported on first access).
_ENTRY_POINTS = {
    "load_programme": "langzeit.programmes",
    "PathwayEngine": "langzeit.engine",
    "EventLog": "langzeit.events",
    "SqliteEventStore": "langzeit.store",
    "read_events": "langzeit.store",
    "write_events": "langzeit.store",
    "read_spells": "langzeit.spells",
    "kennzahlen": "langzeit.indicators",
    "build_programme_report": "langzeit.report",
    "load_scenario": "langzeit.simulation",
    "simulate": "langzeit.simulation",
    "SocialSpace": "langzeit.network",
    "read_space": "langzeit.network",
}

__all__ = [
    "CapacityExceeded",
    "ConcurrencyConflict",
    "DataFormatError",
    "EventLog",
    "LangzeitError",
    "NotAvailableError",
    "PathwayEngine",
    "SocialSpace",
    "SqliteEventStore",
    "TransitionRefused",
    "UnknownNameError",
    "ValidationError",
    "__version__",
    "build_programme_report",
    "kennzahlen",
    "load_programme",
    "load_scenario",
    "read_events",
    "read_space",
    "read_spells",
    "simulate",
    "write_events",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("langzeit")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0"


def __getattr__(name: str) -> Any:
    """Import an entry point (or read ``__version__``) on first access (PEP 562) and keep it."""
    if name == "__version__":
        value: Any = _version()
    elif name in _ENTRY_POINTS:
        value = getattr(importlib.import_module(_ENTRY_POINTS[name]), name)
    else:
        raise AttributeError(f"module 'langzeit' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_ENTRY_POINTS) | {"__version__"})
