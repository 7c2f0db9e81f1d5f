"""The programme report of partitions of persons, merged, equals the report of the whole log exactly."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import Admitted, Event, EventLog, Exited, PhaseEntered, Referred
from langzeit.exceptions import ValidationError
from langzeit.indicators import EventColumns, ProgrammeCounts, ProgrammeEvidence
from langzeit.report import build_programme_report, build_programme_report_partitioned
from strategies import event_logs, pathway_logs


def _split(log: list[Event], assignment: dict[str, int], k: int) -> list[list[Event]]:
    """The log's events, person by person, in ``k`` partitions (events keep their order)."""
    parts: list[list[Event]] = [[] for _ in range(k)]
    for e in log:
        parts[assignment[e.participant_id]].append(e)
    return parts


@st.composite
def split_logs(draw: st.DrawFn, logs: st.SearchStrategy[EventLog] | None = None,
               ) -> tuple[list[Event], list[list[Event]], dict[str, dict[str, str]]]:
    """A random valid log, a random assignment of its persons to 1–4 partitions, random attributes."""
    log = list(draw(event_logs(max_size=40) if logs is None else logs).events())
    persons = sorted({e.participant_id for e in log})
    k = draw(st.integers(1, 4))
    assignment = {p: draw(st.integers(0, k - 1)) for p in persons}
    attributes = {p: {"sex": draw(st.sampled_from(["F", "M", "D"]))} for p in persons if draw(st.booleans())}
    return log, _split(log, assignment, k), attributes


@settings(max_examples=60, deadline=None)
@given(split_logs())
def test_merged_partitions_give_the_whole_report_exactly(case: tuple) -> None:  # type: ignore[type-arg]
    """For random logs split into random partitions of persons: merged == whole, every number."""
    log, parts, attributes = case
    grouped = {"min_n": 3, "participants": attributes, "by": "sex", "planned_months": 6}
    for options in ({"min_n": None}, grouped):
        whole = build_programme_report(log, **options)  # type: ignore[arg-type]
        merged = build_programme_report_partitioned(parts, **options)  # type: ignore[arg-type]
        assert merged.to_dict() == whole.to_dict()
        assert merged.to_text() == whole.to_text()


@settings(max_examples=60, deadline=None)
@given(split_logs(pathway_logs()))
def test_merged_partitions_with_contacts_give_the_whole_report(case: tuple) -> None:  # type: ignore[type-arg]
    """Pathways with contacts (in stays, in aftercare; coaches in several partitions): merged == whole."""
    log, parts, attributes = case
    for options in ({"min_n": None}, {"min_n": 3, "participants": attributes, "by": "sex"}):
        whole = build_programme_report(log, **options)  # type: ignore[arg-type]
        merged = build_programme_report_partitioned(parts, **options)  # type: ignore[arg-type]
        assert merged.to_dict() == whole.to_dict()
        assert merged.to_text() == whole.to_text()


@settings(max_examples=30, deadline=None)
@given(event_logs(max_size=40), st.integers(1, 5))
def test_split_columns_merge_to_the_whole_report(log: object, k: int) -> None:
    """EventColumns.split (by person hash) and the partitioned report give the whole report."""
    cols = EventColumns.from_events(log)  # type: ignore[arg-type]
    parts = cols.split(k)
    assert sum(len(p) for p in parts) == len(cols)
    assert sum(p.n_participants for p in parts) == cols.n_participants
    assert build_programme_report_partitioned(parts, min_n=None).to_dict() == \
        build_programme_report(cols, min_n=None).to_dict()


def test_a_hand_split_log_merges_funnel_stays_and_incidence() -> None:
    """Two partitions by hand: funnel counts, the median stay and the incidence of the whole."""
    d = date(2024, 1, 1)
    a = [Referred("a1", "p1", d), Admitted("a2", "p1", d), PhaseEntered("a3", "p1", d, phase_id="coaching"),
         Exited("a4", "p1", date(2024, 7, 1), reason="work", outcome="svp")]
    b = [Referred("b1", "p2", d), Admitted("b2", "p2", d), PhaseEntered("b3", "p2", d, phase_id="coaching"),
         Exited("b4", "p2", date(2025, 1, 1), reason="dropout"), Referred("b5", "p3", d)]
    r = build_programme_report_partitioned([a, b], min_n=None, data_end=date(2025, 6, 30))
    assert r.funnel.items == ("referred", "admitted", "phase:coaching", "exited", "integration")
    assert r.funnel.numerator[0].tolist() == [3, 2, 2, 2, 1]
    assert r.funnel.denominator[0].tolist() == [3, 3, 2, 2, 2]
    assert r.stays.actual.rows()[0]["median"] == 9.0  # stays of 6 and 12 months
    assert r.competing_exits.get("integration_6m").value == 50.0  # 1 of 2 admitted by month 6
    assert r.to_dict() == build_programme_report(a + b, min_n=None, data_end=date(2025, 6, 30)).to_dict()


def test_no_partitions_is_refused() -> None:
    """An empty list of partitions is a ValidationError, not an empty report."""
    with pytest.raises(ValidationError):
        build_programme_report_partitioned([])


def test_an_option_build_programme_report_does_not_take_is_a_type_error() -> None:
    """A misspelt option fails at the call, as for a keyword parameter; the cost options are not offered."""
    with pytest.raises(TypeError, match="unexpected keyword argument 'planed_months'"):
        build_programme_report_partitioned([[]], planed_months=12)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'staff'"):
        build_programme_report_partitioned([[]], staff=[])  # type: ignore[call-arg]


def test_counts_of_different_evidence_do_not_merge() -> None:
    """Counts built with different evidence refuse to merge (no silently wrong rows)."""
    a = [Referred("a1", "p1", date(2024, 1, 1))]
    b = [Referred("b1", "p2", date(2024, 5, 1))]
    ca = ProgrammeCounts.of(a, ProgrammeEvidence.of(a))
    cb = ProgrammeCounts.of(b, ProgrammeEvidence.of(b))
    with pytest.raises(ValidationError):
        ca.merge(cb)
