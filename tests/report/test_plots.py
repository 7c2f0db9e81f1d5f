"""Plots of programme and § 48a indicators: each returns (figure, axes) with the expected artists."""

import datetime as dt
import sys
from collections.abc import Iterator
from datetime import date

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from langzeit.events import Admitted, PhaseEntered, Referred, Waitlisted
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.indicators import (
    ConfidentialityRule,
    aalen_johansen,
    funnel,
    kennzahlen,
    suppress,
    waiting_list,
)
from langzeit.report import (
    plot_comparison,
    plot_cumulative_incidence,
    plot_funnel,
    plot_kennzahlen,
    plot_network_map,
    plot_waiting_list,
)
from langzeit.report._plot_base import pyplot, state_colours
from langzeit.simulation import Comparison
from langzeit.spells import SpellTable


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _log(n_referred: int, n_admitted: int, n_coached: int) -> list:
    """Referred → admitted → phase ``coaching``: the first ones go further."""
    events: list = []
    for i in range(n_referred):
        events.append(Referred(f"r{i}", f"p{i}", date(2024, 1, 8)))
        if i < n_admitted:
            events.append(Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)))
        if i < n_coached:
            events.append(PhaseEntered(f"c{i}", f"p{i}", date(2024, 2, 1), phase_id="coaching"))
    return events


# -- funnel -------------------------------------------------------------------------------------


def test_funnel_has_one_bar_per_stage_as_long_as_its_count() -> None:
    """Bars: one per stage, top to bottom, length = participants who reached the stage."""
    fig, ax = plot_funnel(funnel(_log(10, 6, 4)))
    assert [int(p.get_width()) for p in ax.patches] == [10, 6, 4]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["referred", "admitted", "phase:coaching"]
    assert ax.yaxis_inverted()
    assert fig is ax.figure


def test_funnel_labels_give_count_and_conversion() -> None:
    """Each bar's label is its count and the conversion from the stage before (6/10 = 60 %)."""
    _, ax = plot_funnel(funnel(_log(10, 6, 4)))
    assert [t.get_text().strip() for t in ax.texts] == ["10", "6 (60 %)", "4 (67 %)"]


def test_funnel_of_scenarios_draws_grouped_bars_with_a_legend() -> None:
    """A mapping draws one bar per stage and scenario, labelled in the legend."""
    _, ax = plot_funnel({"base": funnel(_log(10, 6, 4)), "more": funnel(_log(12, 9, 9))}, annotate=False)
    assert [int(p.get_width()) for p in ax.patches] == [10, 6, 4, 12, 9, 9]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["base", "more"]


def test_funnel_marks_suppressed_cells_without_a_bar() -> None:
    """After confidentiality a suppressed stage (2 < 3 cases) has no bar but a 'suppressed' label."""
    table = funnel(_log(10, 6, 2)).with_confidentiality(ConfidentialityRule(min_n=3, secondary=False))
    _, ax = plot_funnel(table)
    assert [int(p.get_width()) for p in ax.patches] == [10, 6]
    assert "suppressed" in [t.get_text().strip() for t in ax.texts]


def test_funnel_refuses_an_unknown_group() -> None:
    """Asking for a group the table does not have is a ValidationError."""
    with pytest.raises(ValidationError):
        plot_funnel(funnel(_log(3, 2, 1)), group="F")


def test_plots_draw_into_given_axes() -> None:
    """With ``ax`` the plot draws there and returns that axes and its figure."""
    fig, given = plt.subplots()
    out_fig, out_ax = plot_funnel(funnel(_log(3, 2, 1)), ax=given)
    assert out_ax is given
    assert out_fig is fig


# -- waiting list -------------------------------------------------------------------------------


def _waiting(n_second: int) -> list:
    """Two people wait from January; p1 is admitted in March; ``n_second`` more wait from February."""
    events: list = [Waitlisted("w1", "p1", date(2024, 1, 10)), Waitlisted("w2", "p2", date(2024, 1, 20)),
                    Admitted("a1", "p1", date(2024, 3, 10))]
    events += [Waitlisted(f"x{i}", f"q{i}", date(2024, 2, 5)) for i in range(n_second)]
    return events


def test_waiting_list_steps_through_the_monthly_lengths() -> None:
    """The line's values are the lengths at the month ends (2, 2, 1) on the month-end dates."""
    w = waiting_list(_waiting(0))
    _, ax = plot_waiting_list(w)
    line = ax.lines[0]
    assert line.get_ydata().tolist() == [2.0, 2.0, 1.0]
    assert [matplotlib.dates.num2date(x).date() for x in line.get_xdata(orig=False)] == list(w.month_ends)


def test_waiting_list_of_replications_draws_mean_and_band() -> None:
    """Replications: the mean per month end and a min–max band (Jan 2, 2 → 2; Feb 2, 4 → 3; Mar 1, 3 → 2)."""
    _, ax = plot_waiting_list([waiting_list(_waiting(0)), waiting_list(_waiting(2))])
    assert ax.lines[0].get_ydata().tolist() == [2.0, 3.0, 2.0]
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 1


def test_waiting_list_of_scenarios_draws_a_line_each() -> None:
    """A mapping draws one line per scenario, named in the legend."""
    _, ax = plot_waiting_list({"a": waiting_list(_waiting(0)), "b": waiting_list(_waiting(1))})
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.lines[1].get_ydata().tolist() == [2.0, 3.0, 2.0]


# -- cumulative incidence -----------------------------------------------------------------------


@pytest.fixture
def incidence():  # type: ignore[no-untyped-def]
    """The Aalen–Johansen example: work at months 1, 2, 4; dropout at 2; one censored at 3."""
    return aalen_johansen([1, 2, 2, 3, 4], [1, 2, 1, 0, 1], causes=("work", "dropout"))


def test_cumulative_incidence_curve_per_cause_starting_at_zero(incidence) -> None:  # type: ignore[no-untyped-def]
    """One step curve per cause from (0, 0); work reaches 0.2, 0.4, 0.4, 0.8 (hand-computed)."""
    _, ax = plot_cumulative_incidence(incidence)
    work, dropout = ax.lines
    assert work.get_xdata().tolist() == [0, 1, 2, 3, 4]
    assert np.allclose(work.get_ydata(), [0.0, 0.2, 0.4, 0.4, 0.8])
    assert np.allclose(dropout.get_ydata(), [0.0, 0.0, 0.2, 0.2, 0.2])
    assert ax.get_ylim() == (0.0, 1.0)


def test_cumulative_incidence_bands_follow_the_interval(incidence) -> None:  # type: ignore[no-untyped-def]
    """A band per cause spans the pointwise interval; ``bands=False`` draws none."""
    _, ax = plot_cumulative_incidence(incidence)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    ys = bands[0].get_paths()[0].vertices[:, 1]
    assert ys.max() == pytest.approx(incidence.upper[0].max())
    _, ax2 = plot_cumulative_incidence(incidence, bands=False)
    assert not ax2.collections


def test_cumulative_incidence_of_groups_differs_by_line_style(incidence) -> None:  # type: ignore[no-untyped-def]
    """Several results keep a colour per cause and a line style per result."""
    _, ax = plot_cumulative_incidence({"a": incidence, "b": incidence}, causes=["work"])
    a, b = ax.lines
    assert a.get_color() == b.get_color()
    assert a.get_linestyle() != b.get_linestyle()
    assert [a.get_label(), b.get_label()] == ["a: work", "b: work"]


def test_cumulative_incidence_refuses_an_unknown_cause(incidence) -> None:  # type: ignore[no-untyped-def]
    """A cause the result does not have is a ValidationError."""
    with pytest.raises(ValidationError):
        plot_cumulative_incidence(incidence, causes=["health"])


# -- § 48a --------------------------------------------------------------------------------------


@pytest.fixture
def spells() -> SpellTable:
    """JC1 has 5 benefit recipients, JC2 one (suppressed under min_n = 3); data end in December 2024."""
    records = [{"person_id": f"p{i}", "kind": "elb", "start": "2022-01-01", "jobcenter": "JC1"}
               for i in range(5)]
    records.append({"person_id": "q", "kind": "elb", "start": "2022-01-01", "jobcenter": "JC2"})
    return SpellTable.from_records(records, data_end=dt.date(2024, 12, 31))


def test_kennzahlen_line_per_jobcenter_with_the_cells_values(spells: SpellTable) -> None:
    """One line per jobcenter; its points are the cells' values (K1E2: stock vs a year ago = 100 %)."""
    months = [dt.date(2024, m, 1) for m in (1, 2, 3)]
    result = kennzahlen(spells, months)
    _, ax = plot_kennzahlen(result, code="K1E2")
    assert [line.get_label() for line in ax.lines] == ["JC1", "JC2"]
    expected = [result.cell("JC1", m, "K1E2").value for m in months]
    assert ax.lines[0].get_ydata().tolist() == expected == [100.0, 100.0, 100.0]


def test_kennzahlen_marks_suppressed_cells(spells: SpellTable) -> None:
    """Suppressed cells are gaps in the line and marked 'x' (JC2's three months)."""
    months = [dt.date(2024, m, 1) for m in (1, 2, 3)]
    _, ax = plot_kennzahlen(suppress(kennzahlen(spells, months)), code="K1E2")
    assert np.isnan(ax.lines[1].get_ydata()).all()
    marks = [c for c in ax.collections if c.get_gid() == "suppressed"]
    assert len(marks) == 1
    assert len(marks[0].get_offsets()) == 3
    assert "suppressed" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_kennzahlen_marks_cells_not_available(spells: SpellTable) -> None:
    """A month whose Stichtag lies after the data's end is marked as not available."""
    months = [dt.date(2024, 12, 1), dt.date(2025, 1, 1)]
    result = kennzahlen(spells, months, data_end=dt.date(2024, 12, 31))
    _, ax = plot_kennzahlen(result, code="K1E2", jobcenters=["JC1"])
    marks = [c for c in ax.collections if c.get_gid() == "not available"]
    assert len(marks) == 1
    assert len(marks[0].get_offsets()) == 1
    assert not [c for c in ax.collections if c.get_gid() == "suppressed"]
    low, high = ax.get_xlim()
    assert low < matplotlib.dates.date2num(months[0]) < matplotlib.dates.date2num(months[1]) < high


def test_kennzahlen_title_is_the_official_name(spells: SpellTable) -> None:
    """The title names the code and its official German name (§§ 4–6 VO), the group when not all."""
    result = kennzahlen(spells, dt.date(2024, 1, 1))
    assert plot_kennzahlen(result, code="K2")[1].get_title() == "K2 – Integrationsquote"
    _, ax = plot_kennzahlen(result, code="K3E2", group="F")
    assert ax.get_title() == "K3E2 – Aktivierungsquote der Langzeitleistungsbeziehenden (F)"


def test_kennzahlen_change_is_value_minus_100() -> None:
    """change=True: JC1's stock 5 → 6 a year later is drawn as +20, as the BMAS publishes K1E2."""
    records = [{"person_id": f"p{i}", "kind": "elb", "start": "2022-01-01", "jobcenter": "JC1"}
               for i in range(5)]
    records.append({"person_id": "n", "kind": "elb", "start": "2023-06-01", "jobcenter": "JC1"})
    result = kennzahlen(SpellTable.from_records(records, data_end=dt.date(2024, 12, 31)), dt.date(2024, 1, 1))
    _, ax = plot_kennzahlen(result, code="K1E2", change=True)
    assert ax.lines[0].get_ydata().tolist() == [20.0]
    assert result.cell("JC1", dt.date(2024, 1, 1), "K1E2").change == 20.0
    assert "change" in ax.get_ylabel()
    with pytest.raises(ValueError, match="K2 is not a year-on-year code"):
        plot_kennzahlen(result, code="K2", change=True)


def test_kennzahlen_refuses_unknown_names(spells: SpellTable) -> None:
    """Unknown code, group or jobcenter: UnknownNameError."""
    result = kennzahlen(spells, dt.date(2024, 1, 1))
    for kwargs in ({"code": "K9"}, {"group": "X"}, {"jobcenters": ["JC9"]}):
        with pytest.raises(UnknownNameError):
            plot_kennzahlen(result, **kwargs)  # type: ignore[arg-type]


# -- scenario comparison ------------------------------------------------------------------------


@pytest.fixture
def comparison() -> Comparison:
    """Admissions 50 → 60 (interval 5…15), wait 100 → 80 days (−30…−10), a metric with baseline 0."""
    return Comparison("base", "more", 0.95, (
        ("admitted", 50.0, 60.0, 10.0, 5.0, 15.0),
        ("mean_wait_days", 100.0, 80.0, -20.0, -30.0, -10.0),
        ("turned_away", 0.0, 3.0, 3.0, 1.0, 5.0),
    ))


def test_comparison_shows_relative_changes_with_intervals(comparison: Comparison) -> None:
    """Points at 100 × difference / baseline (+20 %, −20 %); bars span the scaled intervals."""
    _, ax = plot_comparison(comparison, metrics=["admitted", "mean_wait_days"])
    bars = ax.containers[0]
    assert bars.lines[0].get_xdata().tolist() == [20.0, -20.0]
    segments = bars.lines[2][0].get_segments()
    assert [(float(s[0][0]), float(s[1][0])) for s in segments] == [(10.0, 30.0), (-30.0, -10.0)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["admitted", "mean_wait_days"]


def test_comparison_leaves_out_metrics_with_baseline_zero(comparison: Comparison) -> None:
    """No relative change exists for a baseline of 0: that metric has no point."""
    _, ax = plot_comparison(comparison)
    assert len(ax.containers[0].lines[0].get_xdata()) == 2


def test_comparison_of_variants_draws_one_series_each(comparison: Comparison) -> None:
    """A mapping of comparisons gives one error-bar series per variant, named in the legend."""
    _, ax = plot_comparison({"a": comparison, "b": comparison}, metrics=["admitted"])
    assert len(ax.containers) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_comparison_refuses_an_unknown_metric(comparison: Comparison) -> None:
    """A metric in no comparison is a ValidationError."""
    with pytest.raises(ValidationError):
        plot_comparison(comparison, metrics=["nope"])


# -- shared -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_importing_the_report_layer_does_not_import_matplotlib() -> None:
    """The optional ``plot`` extra (matplotlib) is imported on the first plot, not with the package."""
    import subprocess

    code = "import sys, langzeit.report; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_matplotlib_names_the_plot_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without matplotlib the ImportError says which extra to install."""
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"langzeit\[plot\]"):
        pyplot()


def test_exit_causes_keep_their_colour() -> None:
    """Exit causes have fixed colours whatever else is drawn; other states get distinct colours."""
    a = state_colours(["intake", "integration", "dropout"])
    b = state_colours(["dropout", "coaching", "integration", "x", "y"])
    assert a["integration"] == b["integration"]
    assert a["dropout"] == b["dropout"]
    assert len({str(c) for c in b.values()}) == 5


def test_old_network_name_of_the_map_plot_says_where_it_moved() -> None:
    """Every plot lives in ``langzeit.report``; the network map's old name points here."""
    from langzeit import network

    with pytest.raises(AttributeError, match=r"langzeit\.report\.plot_network_map"):
        network.plot_network_map  # noqa: B018
    assert plot_network_map.__module__ == "langzeit.report._plot_network"
