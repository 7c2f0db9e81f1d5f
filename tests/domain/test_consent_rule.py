"""The one consent rule (DOMAIN.md § 6): consent_basis, consent_withdrawal, consent_refusal."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.domain import Consent, consent_basis, consent_refusal, consent_withdrawal

K = Consent("k1", "p1", "data_exchange", "tk", given=date(2024, 1, 10), withdrawn=date(2024, 5, 1))
R = Consent("k2", "p1", "referral", "sb", given=date(2024, 2, 1))


def test_basis_covers_from_given_until_the_day_before_withdrawal() -> None:
    """A consent covers its first day and the day before withdrawal, not the withdrawal day."""
    assert consent_basis([K], "p1", "tk", date(2024, 1, 10)) is K
    assert consent_basis([K], "p1", "tk", date(2024, 4, 30)) is K
    assert consent_basis([K], "p1", "tk", date(2024, 5, 1)) is None
    assert consent_basis([K], "p1", "tk", date(2024, 1, 9)) is None


def test_a_standing_flow_needs_a_consent_never_withdrawn() -> None:
    """on=None (an undated tie, an export) is covered only by a consent without withdrawal."""
    assert consent_basis([K], "p1", "tk", None) is None
    assert consent_basis([R], "p1", "sb", None, purposes="referral") is R


def test_basis_matches_participant_recipient_and_any_of_the_purposes() -> None:
    """Another participant, recipient or purpose does not cover; any listed purpose does."""
    day = date(2024, 3, 1)
    assert consent_basis([R], "p2", "sb", day, purposes="referral") is None
    assert consent_basis([R], "p1", "tk", day, purposes="referral") is None
    assert consent_basis([R], "p1", "sb", day) is None  # default purpose data_exchange
    assert consent_basis([R], "p1", "sb", day, purposes=["data_exchange", "referral"]) is R


def test_basis_picks_the_smallest_id_of_several() -> None:
    """With several covering consents the one with the smallest id is the basis (stable reasons)."""
    a = Consent("k-b", "p1", "data_exchange", "tk", given=date(2024, 1, 1))
    b = Consent("k-a", "p1", "data_exchange", "tk", given=date(2024, 2, 1))
    assert consent_basis([a, b], "p1", "tk", date(2024, 3, 1)) is b


def test_withdrawal_applies_on_and_after_its_day() -> None:
    """consent_withdrawal finds the withdrawal from its day on, and for a standing flow."""
    assert consent_withdrawal([K], "p1", "tk", date(2024, 4, 30)) is None
    assert consent_withdrawal([K], "p1", "tk", date(2024, 5, 1)) is K
    assert consent_withdrawal([K], "p1", "tk", None) is K


def test_refusal_names_the_reason() -> None:
    """The reason names a withdrawal, a later start, another purpose, or no consent at all."""
    assert consent_refusal([K], "p1", "tk", date(2024, 6, 1)) == (
        "consent k1 for data_exchange with tk was withdrawn on 2024-05-01")
    assert consent_refusal([K], "p1", "tk", date(2024, 1, 1)) == (
        "consent k1 for data_exchange with tk is given only from 2024-01-10")
    assert consent_refusal([R], "p1", "sb", date(2024, 3, 1)) == (
        "consent of p1 with sb covers referral, not data_exchange")
    assert consent_refusal([], "p1", "sb", None, purposes=["referral", "data_exchange"]) == (
        "no consent of p1 for referral or data_exchange with sb")


def test_consent_ids_are_bounded_printable_ids() -> None:
    """Consent ids, participants and recipients follow the engine's id rule (≤ 200 printable characters)."""
    with pytest.raises(ValueError, match="at most 200"):
        Consent("k" * 201, "p1", "data_exchange", "tk", given=date(2024, 1, 1))
    with pytest.raises(ValueError, match="control or invisible"):
        Consent("k1", "p\n1", "data_exchange", "tk", given=date(2024, 1, 1))
    with pytest.raises(ValueError, match="non-empty"):
        Consent("k1", "p1", "data_exchange", " ", given=date(2024, 1, 1))


@given(st.dates(date(2023, 1, 1), date(2025, 12, 31)), st.integers(0, 400), st.integers(-30, 500))
def test_basis_and_withdrawal_exclude_each_other(given_on: date, length: int, offset: int) -> None:
    """On any day, a consent is the basis exactly when it was given and no withdrawal applies yet."""
    from datetime import timedelta

    c = Consent("k", "p", "data_exchange", "o", given=given_on, withdrawn=given_on + timedelta(length))
    day = given_on + timedelta(offset)
    basis = consent_basis([c], "p", "o", day) is c
    assert basis == (day >= given_on and consent_withdrawal([c], "p", "o", day) is None)
