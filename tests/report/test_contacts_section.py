"""The programme report's contact section: present only with contacts, protected, merged exactly."""

from datetime import date

from langzeit.events import Admitted, CoachAssigned, Contacted, Event, Exited, Referred
from langzeit.report import build_programme_report, build_programme_report_partitioned

END = date(2024, 12, 2)


def _log(n: int = 4) -> list[Event]:
    """N participants of coach c1, each admitted on 1 Jan with two contacts; the first exits on 1 Jul."""
    log: list[Event] = []
    for i in range(n):
        log += [Referred(f"r{i}", f"p{i}", date(2024, 1, 1)), Admitted(f"a{i}", f"p{i}", date(2024, 1, 1)),
                CoachAssigned(f"c{i}", f"p{i}", date(2024, 1, 1), coach_id="c1"),
                Contacted(f"k{i}", f"p{i}", date(2024, 2, 1), channel="in_person", minutes=60, coach_id="c1"),
                Contacted(f"l{i}", f"p{i}", date(2024, 3, 1), channel="phone", minutes=20, coach_id="c1")]
    log.append(Exited("x0", "p0", date(2024, 7, 1), reason="completed"))
    return log


def test_a_log_without_contacts_has_no_contact_section() -> None:
    """Older logs: the report (sections, JSON, text) is what it was — no ``contacts`` key."""
    log = [e for e in _log() if not isinstance(e, Contacted)]
    rep = build_programme_report(log, data_end=END)
    assert rep.contacts is None
    assert "contacts" not in rep.to_dict()["sections"]
    assert "Contact density" not in rep.to_text()


def test_the_contact_section_has_the_hand_computed_density() -> None:
    """8 contacts in 6 + 3 × 11 months + 3 × 1 day (1 Jan – 2 Dec); coach c1 active 1 Jan – 2 Dec."""
    rep = build_programme_report(_log(), data_end=END, min_n=None)
    assert rep.contacts is not None
    total = rep.contacts.get()
    assert total.numerator == 8
    assert total.denominator is not None
    months = 6 + 3 * (11 + 1 / (365.2425 / 12))
    assert abs(total.denominator - months) < 1e-9
    rows = rep.to_dict()["sections"]["contacts"]
    assert rows[0]["scope"] == "participation"
    assert rows[0]["contacts"] == 8
    coach = next(r for r in rows if r["scope"] == "coach" and r["channel"] == "total")
    assert coach["unit"] == "c1"
    assert coach["persons"] == 4
    assert "Contact density" in rep.to_text()


def test_the_contact_section_is_protected_like_the_others() -> None:
    """With min_n = 3: two participants are too few, four are enough."""
    few = build_programme_report(_log(2), data_end=END)
    assert few.contacts is not None
    assert few.contacts.get().suppressed
    assert all(r["contacts"] is None for r in few.to_dict()["sections"]["contacts"])
    many = build_programme_report(_log(4), data_end=END)
    assert many.contacts is not None
    assert many.contacts.get().numerator == 8


def test_a_coach_shared_by_partitions_is_counted_once() -> None:
    """c1's participants in two partitions: the merged report equals the whole, days counted once."""
    log = _log()
    parts = [[e for e in log if e.participant_id in half] for half in (("p0", "p1"), ("p2", "p3"))]
    whole = build_programme_report(log, data_end=END, min_n=None)
    merged = build_programme_report_partitioned(parts, data_end=END, min_n=None)
    assert merged.to_dict() == whole.to_dict()
    assert merged.contacts is not None
    assert merged.contacts.get(coach="c1").denominator == whole.contacts.get(coach="c1").denominator  # type: ignore[union-attr]
    assert merged.contacts.get(coach="c1").denominator == 11 + 1 / (365.2425 / 12)


def test_the_contact_section_is_a_frame() -> None:
    """``to_frame()`` has the documented columns; hidden cells are missing values, not zeros."""
    rep = build_programme_report(_log(2), data_end=END)
    assert rep.contacts is not None
    frame = rep.contacts.to_frame()
    assert list(frame.columns) == list(rep.contacts.columns())
    assert frame["contacts"].isna().all()
