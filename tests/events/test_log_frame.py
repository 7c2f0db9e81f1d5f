"""EventLog as a table: ``to_frame()`` (one row per event, documented dtypes) and Jupyter HTML."""

from datetime import date

import pandas as pd
import pytest

from langzeit.events import (
    BASE_FIELDS,
    EVENT_TYPES,
    Admitted,
    EventLog,
    Exited,
    Extended,
    FollowUp,
    PlanStepAgreed,
    Referred,
    ScaleScored,
    event_fields,
)


@pytest.fixture
def log() -> EventLog:
    """A small log appended out of date order."""
    return EventLog([
        Admitted("e2", "p1", date(2024, 2, 1)),
        Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
        Extended("e3", "p1", date(2024, 8, 1), until=date(2025, 2, 1), reason="stabilise"),
        Exited("e4", "p1", date(2025, 1, 15), reason="work", outcome="svp"),
        FollowUp("e5", "p1", date(2025, 7, 15), months_after_exit=6, status="svp", receives_benefit=False),
    ])


def test_one_row_per_event_in_log_order(log: EventLog) -> None:
    """Rows follow the log order (by date, ties in append order), not the append order."""
    df = log.to_frame()
    assert df["event_id"].tolist() == ["e1", "e2", "e3", "e4", "e5"]


def test_columns_are_base_fields_then_fields_of_present_types(log: EventLog) -> None:
    """The columns are the base fields and the fields of the types in the log, each once."""
    assert log.to_frame().columns.tolist() == [
        "event_id", "participant_id", "type", "date", "programme_id", "referrer", "until", "reason",
        "outcome", "months_after_exit", "status", "receives_benefit",
    ]


def test_documented_dtypes(log: EventLog) -> None:
    """Dates are datetime64, counts nullable Int64, the follow-up flag nullable boolean."""
    df = log.to_frame()
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert str(df["until"].dtype) == "datetime64[ns]"
    assert str(df["months_after_exit"].dtype) == "Int64"
    assert str(df["receives_benefit"].dtype) == "boolean"
    assert df["type"].dtype == object


def test_fields_of_other_types_are_missing(log: EventLog) -> None:
    """A field the event's type lacks is missing, values are the codec's (enums as text)."""
    df = log.to_frame().set_index("event_id")
    assert pd.isna(df.loc["e1", "until"])
    assert df.loc["e3", "until"] == pd.Timestamp(2025, 2, 1)
    assert df.loc["e4", "outcome"] == "svp"
    assert df.loc["e3", "reason"] == "stabilise"
    assert pd.isna(df.loc["e1", "months_after_exit"])
    assert df.loc["e5", "months_after_exit"] == 6


def test_all_types_gives_a_fixed_schema() -> None:
    """With ``all_types`` every type's fields are columns, also for an empty log."""
    expected = {f for t in EVENT_TYPES for f in event_fields(t)} | set(BASE_FIELDS)
    df = EventLog().to_frame(all_types=True)
    assert set(df.columns) == expected
    assert len(df) == 0


def test_empty_log_has_the_base_columns() -> None:
    """An empty log gives an empty frame with the four base columns."""
    assert EventLog().to_frame().columns.tolist() == ["event_id", "participant_id", "type", "date"]


def test_lists_and_optional_dates_survive() -> None:
    """Scale items stay a list per row; an absent optional date is NaT."""
    log = EventLog([
        ScaleScored("e1", "p1", date(2024, 1, 1), scale="who5", items=(3, None, 2, 2, 1)),
        PlanStepAgreed("e2", "p1", date(2024, 1, 2), step_id="s1"),
    ])
    df = log.to_frame().set_index("event_id")
    assert df.loc["e1", "items"] == [3, None, 2, 2, 1]
    assert pd.isna(df.loc["e2", "due"])


def test_html_repr_lists_the_events(log: EventLog) -> None:
    """In Jupyter the log renders as an HTML table with one row per event."""
    html = log._repr_html_()
    assert html.count("<tr>") == 1 + len(log)
    assert "<caption>event log: 5 events, 1 participants</caption>" in html
    assert "more events" not in html


def test_html_repr_of_a_long_log_shows_the_first_events() -> None:
    """A long log shows its first 60 events in log order and says how many more there are."""
    log = EventLog([Referred(f"e{i}", f"p{i}", date(2024, 1, 1 + i % 28)) for i in range(100)])
    html = log._repr_html_()
    assert html.count("<tr>") == 1 + 60
    assert "<p>40 more events; use to_frame()</p>" in html
    assert html.index(">e28<") < html.index(">e1<")  # e28 (1 January) before e1 (2 January)
