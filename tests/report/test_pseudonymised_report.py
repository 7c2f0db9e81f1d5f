"""A pseudonymised event log gives the same programme indicators as the original (DOMAIN.md § 6)."""

from collections import Counter
from datetime import date

from langzeit.events import EventLog, pseudonymise_events
from langzeit.privacy import Pseudonymiser
from langzeit.report import build_programme_report
from langzeit.simulation import load_scenario, simulate

P = Pseudonymiser(bytes(range(32)))


def test_pseudonymised_log_gives_the_same_programme_indicators() -> None:
    """At day precision the programme report of the export equals the original's."""
    result = simulate(load_scenario("geh-vor"), seed=7, replications=1, keep_events={0})
    log = result.log(0)
    again = EventLog(pseudonymise_events(log, P))
    end = date(2026, 12, 31)
    assert build_programme_report(again, data_end=end).to_dict() == (
        build_programme_report(log, data_end=end).to_dict())
    assert len(again) == len(log)


def test_coarsened_log_keeps_every_count_of_events() -> None:
    """At quarter precision the events and participants are the same in number, by type."""
    result = simulate(load_scenario("geh-vor"), seed=7, replications=1, keep_events={0})
    log = result.log(0)
    coarse = list(pseudonymise_events(log, Pseudonymiser(bytes(range(32)), dates="quarter")))
    assert Counter(e.type for e in coarse) == Counter(e.type for e in log)
    assert len({e.participant_id for e in coarse}) == len({e.participant_id for e in log})
