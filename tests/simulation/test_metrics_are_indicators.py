"""One name, one meaning: the simulator's metrics named like indicators are those indicators."""

import pytest

from langzeit.indicators import dropout_rate, extension_rate, funnel, stay_lengths, take_up
from langzeit.simulation import load_scenario, simulate


@pytest.mark.parametrize("name", ["sanus-le", "geh-vor"])
def test_simulated_rates_equal_the_indicators_of_the_simulated_log(name: str) -> None:
    """Without a warm-up, take-up, dropout and extension rate equal the indicators over the log."""
    scenario = load_scenario(name)
    assert scenario.observed_from == scenario.start  # the cohort is every participant of the log
    rep = simulate(scenario, seed=11, replications=1).replications[0]
    m, log = rep.metrics, rep.events
    for metric, table, item in (("take_up", take_up(log), "took_part"),
                                ("dropout_rate", dropout_rate(log), "dropout"),
                                ("extension_rate", extension_rate(log), "extended")):
        cell = table.get(item)
        assert m[metric] == pytest.approx(cell.value), metric
    assert (m["admitted"], m["referred"]) == (take_up(log).get("took_part").numerator,
                                              take_up(log).get("took_part").denominator)
    assert m["extended"] == extension_rate(log).get("extended").numerator
    f = funnel(log)
    assert m["exits"] == f.get("exited").numerator
    assert m["integration_share"] == pytest.approx(f.get("integration").value)


def test_rates_are_percent_per_admitted_not_per_exit() -> None:
    """The dropout rate's denominator is the admitted cohort, not the exits."""
    rep = simulate(load_scenario("sanus-le"), seed=3, replications=1).replications[0]
    m = rep.metrics
    assert m["dropout_rate"] < 100.0 * m["dropouts"] / m["exits"]  # most admitted have not exited yet
    assert m["dropout_rate"] == pytest.approx(100.0 * m["dropouts"] / m["admitted"])


def test_mean_stay_is_the_report_stay_length_of_the_simulated_log() -> None:
    """The simulator measures a stay as the indicators do: calendar months on the event days."""
    rep = simulate(load_scenario("sanus-le"), seed=11, replications=1).replications[0]
    stays = stay_lengths(rep.events).actual
    assert rep.metrics["mean_stay_months"] == pytest.approx(stays.rows()[0]["mean"])
    rows = [r["stay_months"] for r in rep.pathways.rows() if r["stay_months"] is not None]
    assert sum(rows) / len(rows) == pytest.approx(rep.metrics["mean_stay_months"])
