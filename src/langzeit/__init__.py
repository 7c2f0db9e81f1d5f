"""langzeit: support pathways of long-term benefit recipients in German jobcenters (SGB II).

The public API is what this module and each package's ``__init__`` export
(``__all__``); everything in a ``_module`` is private. Packages, from the bottom up:
``domain`` → ``events`` → ``engine`` / ``store`` → ``spells`` → ``indicators`` →
``network`` → ``simulation`` → ``report`` → ``cli`` (DESIGN.md).

Examples:
    >>> import langzeit
    >>> langzeit.__version__
    '0.1.0.dev0'
"""

from importlib.metadata import PackageNotFoundError, version

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

try:
    __version__ = version("langzeit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "CapacityExceeded",
    "ConcurrencyConflict",
    "DataFormatError",
    "LangzeitError",
    "NotAvailableError",
    "TransitionRefused",
    "UnknownNameError",
    "ValidationError",
    "__version__",
]
