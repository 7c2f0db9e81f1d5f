"""Report layer: tables, pandas frames and matplotlib plots of indicator results.

The programme report assembles every programme indicator of an event log
(:func:`build_programme_report`) and renders it as text or JSON.

Examples:
    >>> from datetime import date
    >>> from langzeit.events import Referred
    >>> build_programme_report([Referred("e1", "p1", date(2024, 1, 8))]).participants
    1
"""

from langzeit.report._programme_report import (
    REPORT_FORMAT,
    REPORT_VERSION,
    ProgrammeReport,
    SequenceSummary,
    build_programme_report,
    with_confidentiality,
)
from langzeit.report._text import format_table

__all__ = [
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "ProgrammeReport",
    "SequenceSummary",
    "build_programme_report",
    "format_table",
    "with_confidentiality",
]
