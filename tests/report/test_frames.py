"""Every result table of a real run is a tidy frame (its columns, one row per row) and HTML in Jupyter."""

import datetime as dt
import html
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from langzeit import indicators, network
from langzeit.events import EventLog
from langzeit.indicators import ConfidentialityRule, CountTable
from langzeit.simulation import compare, load_scenario, simulate
from langzeit.spells import generate_spells
from langzeit.tabular import Table


@pytest.fixture(scope="module")
def run() -> Any:
    """Two replications of Geh vor! (with cooperation plans, scales, follow-ups)."""
    return simulate(load_scenario("geh-vor"), seed=11, replications=2)


@pytest.fixture(scope="module")
def log(run: Any) -> EventLog:
    """The first replication's event log."""
    return run.log(0)


def _results(run: Any, log: EventLog) -> dict[str, Table]:
    cols = indicators.EventColumns.from_events(log.events())
    sequences = indicators.state_sequences(cols, months=12)
    space = network.example_space()
    months = [dt.date(2024, m, 1) for m in (6, 12)]
    spells = generate_spells(300, seed=3, end=dt.date(2024, 12, 31), n_jobcenters=2)
    counts = CountTable(("a", "b"), ("x", "y"), ((2, 9), (7, 8)))
    strict = ConfidentialityRule(min_n=50)
    makers: dict[str, Callable[[], Table]] = {
        "event log": lambda: log,
        "funnel": lambda: indicators.funnel(cols),
        "funnel (confidential)": lambda: indicators.funnel(cols).with_confidentiality(strict),
        "take_up": lambda: indicators.take_up(cols),
        "dropout_rate": lambda: indicators.dropout_rate(cols),
        "extension_rate": lambda: indicators.extension_rate(cols),
        "outcomes_by_kind": lambda: indicators.outcomes_by_kind(cols),
        "sustainability": lambda: indicators.sustainability(cols),
        "exits_by_phase": lambda: indicators.exits_by_phase(cols),
        "plan_step_achievement": lambda: indicators.plan_step_achievement(cols),
        "waiting_list": lambda: indicators.waiting_list(cols),
        "waiting times": lambda: indicators.waiting_list(cols).times,
        "stay_lengths": lambda: indicators.stay_lengths(cols, planned_months=12),
        "caseloads": lambda: indicators.caseloads(cols),
        "scale_change": lambda: indicators.scale_change(cols, scale="who5"),
        "competing_exits": lambda: indicators.competing_exits(cols)["all"],
        "participant_summary": lambda: indicators.participant_summary(cols),
        "transition_rates": lambda: indicators.transition_rates(sequences),
        "mean_time_in_state": lambda: indicators.mean_time_in_state(sequences),
        "sequence_measures": lambda: indicators.sequence_measures(sequences),
        "hamming_distances": lambda: indicators.hamming_distances(sequences.observed_for(12)),
        "kaplan_meier": lambda: indicators.kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1]),
        "confidential count table": lambda: indicators.suppress(counts),
        "kennzahlen": lambda: indicators.kennzahlen(spells, months),
        "kennzahlen (suppressed)": lambda: indicators.suppress(indicators.kennzahlen(spells, months)),
        "kennzahlen partial counts": lambda: indicators.kennzahlen(spells, months).monthly(),
        "spells": lambda: spells,
        "summary": lambda: run.summary(),
        "comparison": lambda: compare(run, simulate(load_scenario("geh-vor"), seed=12, replications=2)),
        "pathways": lambda: run.replications[0].pathways,
        "replication metrics": lambda: run.metrics(),
        "network_map": lambda: network.network_map(space, "p-anna"),
        "needs_coverage": lambda: network.needs_coverage(space, "p-anna"),
        "coach_dependency": lambda: network.coach_dependency(space),
        "brokers": lambda: network.brokers(space),
        "rechtskreis_bridges": lambda: network.rechtskreis_bridges(space),
        "parallel_offers": lambda: network.parallel_offers(space),
        "parallel_summary": lambda: network.parallel_summary(space),
        "peer_candidates": lambda: network.peer_candidates(space, "p-anna"),
        "sole_contacts": lambda: network.sole_contacts(space),
    }
    return {name: make() for name, make in makers.items()}


def test_every_result_is_a_table_with_a_tidy_frame(run: Any, log: EventLog) -> None:
    """Each result's frame has exactly its documented columns, in order, and one row per row."""
    wrong = {}
    for name, result in _results(run, log).items():
        assert isinstance(result, Table), name
        frame = result.to_frame()
        if not isinstance(frame, pd.DataFrame) or frame.columns.tolist() != list(result.columns()):
            wrong[name] = "columns"
        elif len(frame) != len(result.rows()):
            wrong[name] = "rows"
    assert not wrong


def test_every_result_renders_as_html_in_jupyter(run: Any, log: EventLog) -> None:
    """Each result's ``_repr_html_`` is an HTML table headed by its columns."""
    for name, result in _results(run, log).items():
        html = result._repr_html_()
        assert html.startswith("<table>"), name
        assert all(f"<th>{c}</th>" in html for c in result.columns()[:3]), name


def test_suppressed_cells_are_missing_in_the_frame() -> None:
    """A suppressed cell is missing in the frame, never a number standing in for it."""
    table = indicators.suppress(CountTable(("a", "b"), ("x", "y"), ((2, 9), (7, 8))))
    frame = table.to_frame()
    hidden = frame[frame["flag"] != ""]
    assert len(hidden) > 0
    assert hidden["count"].isna().all()


def test_kennzahlen_frame_has_the_official_name_and_change() -> None:
    """The Kennzahlen frame carries `name` (official German) and `change` (value − 100, year-on-year only)."""
    spells = generate_spells(200, seed=3, end=dt.date(2024, 12, 31), n_jobcenters=1)
    frame = indicators.kennzahlen(spells, dt.date(2024, 6, 1)).to_frame()
    k2 = frame[(frame["code"] == "K2") & (frame["group"] == "all")].iloc[0]
    assert k2["name"] == "Integrationsquote"
    assert pd.isna(k2["change"])
    k1e2 = frame[(frame["code"] == "K1E2") & (frame["group"] == "all")].iloc[0]
    assert k1e2["name"] == "Veränderung der Zahl der erwerbsfähigen Leistungsberechtigten"
    assert k1e2["change"] == pytest.approx(k1e2["value"] - 100)


def test_a_simulation_result_renders_with_its_summary(run: Any) -> None:
    """In Jupyter a SimulationResult shows what was run, then the summary table."""
    page = run._repr_html_()
    assert page.startswith("<p><b>")
    assert f"seed {run.seed}" in page
    assert "<table><caption>" in page
    assert "referred" in page


def test_a_programme_report_renders_every_section(log: EventLog) -> None:
    """In Jupyter a ProgrammeReport shows its head line and one titled table per section."""
    from langzeit.report import build_programme_report

    report = build_programme_report(log, min_n=None)
    page = report._repr_html_()
    assert f"{report.participants:,} participants" in page
    for _, title, _ in report.sections():
        assert html.escape(title) in page
    assert page.count("<table>") == len(report.sections())


def test_state_sequences_give_the_wide_frame_of_traminer() -> None:
    """One row per sequence, one column per month, missing where a month is not observed."""
    from langzeit.indicators import StateSequences

    frame = StateSequences.from_lists([["a", "b"], ["b"]], ids=["p1", "p2"]).to_frame()
    assert list(frame.columns) == ["id", "m0", "m1"]
    assert frame.loc[0, "m1"] == "b"
    assert pd.isna(frame.loc[1, "m1"])
