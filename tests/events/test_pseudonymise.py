"""The pseudonymised research export of events (DOMAIN.md § 6)."""

from datetime import date

from langzeit.events import (
    ActorReferred,
    Declined,
    PlanStepAgreed,
    Referred,
    ScaleScored,
    pseudonymise_events,
)
from langzeit.privacy import Pseudonymiser

P = Pseudonymiser(bytes(range(32)))


def test_person_ids_are_hashed_and_organisation_ids_kept() -> None:
    """Participant and event ids become pseudonyms; programme and actor ids stay."""
    [a, b] = pseudonymise_events([
        Referred("e1", "p1", date(2024, 1, 8), programme_id="geh-vor"),
        ActorReferred("e2", "p1", date(2024, 2, 1), actor_id="sb-1", need="debt"),
    ], P)
    assert (a.event_id, a.participant_id, a.programme_id) == (P.id("e1"), P.id("p1"), "geh-vor")
    assert (b.actor_id, b.need) == ("sb-1", "debt")


def test_free_text_is_left_out_and_scales_kept() -> None:
    """Reasons and step descriptions are emptied; scale items (research data) are kept."""
    out = list(pseudonymise_events([
        Declined("e1", "p1", date(2024, 1, 8), reason="Herr K. ist in Therapie"),
        PlanStepAgreed("e2", "p1", date(2024, 1, 9), step_id="s1", description="Termin bei Dr. X"),
        ScaleScored("e3", "p1", date(2024, 1, 10), scale="who5", items=(1, 2, 3, 4, 5)),
    ], P))
    assert [out[0].reason, out[1].description, out[1].step_id] == ["", "", P.id("s1")]
    assert out[2].items == (1, 2, 3, 4, 5)


def test_dates_are_coarsened_in_every_date_field() -> None:
    """At month precision the event date and other date fields fall on the 1st."""
    p = Pseudonymiser(bytes(range(32)), dates="month")
    [e] = pseudonymise_events([PlanStepAgreed("e1", "p1", date(2024, 1, 9), step_id="s1",
                                              due=date(2024, 3, 15))], p)
    assert (e.date, e.due) == (date(2024, 1, 1), date(2024, 3, 1))
