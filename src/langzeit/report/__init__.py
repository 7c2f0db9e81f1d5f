"""Report layer: tables, pandas frames and matplotlib plots of indicator results.

The programme report assembles every programme indicator of an event log
(:func:`build_programme_report`) and renders it as text or JSON.

The plots (optional extra ``plot``; matplotlib is imported on first use) each draw one
result — or several named ones, e.g. scenarios — and return ``(figure, axes)``:
:func:`plot_funnel`, :func:`plot_waiting_list`, :func:`plot_cumulative_incidence`,
:func:`plot_sequence_index`, :func:`plot_state_distribution`, :func:`plot_phase_flows`,
:func:`plot_kennzahlen`, :func:`plot_comparison`, :func:`plot_network_map`. Every plot of the
library lives here, whichever layer computed the result it draws (one rule, DESIGN.md).

Examples:
    >>> from datetime import date
    >>> from langzeit.events import Referred
    >>> build_programme_report([Referred("e1", "p1", date(2024, 1, 8))]).participants
    1
"""

from langzeit.report import _programme_report
from langzeit.report._plot_evaluation import plot_event_time
from langzeit.report._plot_network import plot_network_map
from langzeit.report._plot_sequences import plot_phase_flows, plot_sequence_index, plot_state_distribution
from langzeit.report._plots import (
    plot_comparison,
    plot_cumulative_incidence,
    plot_funnel,
    plot_kennzahlen,
    plot_waiting_list,
)
from langzeit.report._programme_report import *  # noqa: F403 -- re-exports _programme_report.__all__
from langzeit.report._text import format_table

__all__ = [
    "format_table",
    "plot_comparison",
    "plot_cumulative_incidence",
    "plot_event_time",
    "plot_funnel",
    "plot_kennzahlen",
    "plot_network_map",
    "plot_phase_flows",
    "plot_sequence_index",
    "plot_state_distribution",
    "plot_waiting_list",
    *_programme_report.__all__,
]
