"""Consent enforced in the social space (DOMAIN.md § 6): no tie to an organisation without consent."""

import json
from datetime import date
from pathlib import Path

import pytest

from langzeit.domain import Coach, Consent, Organisation, Participant
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.network import (
    Location,
    ParticipantProfile,
    Person,
    Service,
    SocialSpace,
    Tie,
    consent_check,
    example_space,
    read_space,
    space_to_dict,
)

D = date(2024, 3, 1)


def _space() -> SocialSpace:
    s = SocialSpace("t")
    s.add(Organisation("jc", "Jobcenter", kind="jobcenter"),
          Organisation("tk", "Tagesklinik", kind="day_clinic"),
          Organisation("sv", "Sportverein", kind="sports_club"),
          Coach("c-jc", role="pap", organisation_id="jc"), Coach("c-tk", role="medical",
                                                                  organisation_id="tk"),
          ParticipantProfile(Participant("p"), "A"), Person("n", "contact"))
    return s


def test_tie_of_a_participant_to_an_organisation_without_consent_is_refused() -> None:
    """space.add(Tie(p, organisation)) without a consent raises and adds nothing."""
    s = _space()
    with pytest.raises(ValidationError) as info:
        s.add(Tie("t1", "p", "tk", since=D))
    assert [str(p) for p in info.value.problems] == [
        "tie 't1': links participant 'p' to 'tk' from 2024-03-01 without consent: "
        "no consent of p for data_exchange or referral with tk on 2024-03-01"]
    assert "t1" not in s.ties


def test_tie_to_a_coach_needs_consent_for_the_coachs_organisation() -> None:
    """A coach speaks for their employer: a tie to a clinic's coach needs consent for the clinic."""
    s = _space()
    with pytest.raises(ValidationError, match="'p' to 'tk'"):
        s.add(Tie("t1", "p", "c-tk", held_by="c-tk"))
    s.add(Consent("k", "p", "data_exchange", "tk", given=D), Tie("t1", "p", "c-tk", held_by="c-tk", since=D))
    assert s.tie_consent("t1").reason == "consent k"


def test_jobcenter_ties_and_own_contacts_need_no_consent() -> None:
    """Ties to the jobcenter, to people and the participant's own personal ties are not exchanges."""
    s = _space()
    s.add(Tie("t1", "p", "c-jc", held_by="c-jc"), Tie("t2", "p", "jc"), Tie("t3", "p", "n", kind="personal"),
          Tie("t4", "p", "sv", kind="personal", held_by="p"))
    assert [s.tie_consent(t).required for t in ("t1", "t2", "t3", "t4")] == [False] * 4


def test_a_personal_tie_held_by_a_coach_is_still_an_exchange() -> None:
    """Only the participant's own personal contact is exempt; a coach's personal tie is not."""
    s = _space()
    with pytest.raises(ValidationError, match="without consent"):
        s.add(Tie("t1", "p", "sv", kind="personal", held_by="c-jc"))


def test_consent_in_the_same_batch_counts() -> None:
    """A consent added together with the tie is its basis."""
    s = _space()
    s.add(Tie("t1", "p", "tk", since=D), Consent("k", "p", "referral", "tk", given=D))
    assert s.tie_consent("t1", on=D).allowed


def test_withdrawn_consent_refuses_a_new_tie() -> None:
    """A consent withdrawn on or before the tie's start (or ever, for an undated tie) is no basis."""
    s = _space()
    s.add(Consent("k", "p", "data_exchange", "tk", given=date(2024, 1, 1), withdrawn=D))
    with pytest.raises(ValidationError, match="was withdrawn on 2024-03-01"):
        s.add(Tie("t1", "p", "tk", since=D))
    with pytest.raises(ValidationError, match="was withdrawn on 2024-03-01"):
        s.add(Tie("t1", "p", "tk"))
    s.add(Tie("t1", "p", "tk", since=date(2024, 2, 1)))  # history: it began while the consent held
    assert s.tie_consent("t1", on=date(2024, 2, 29)).allowed
    assert not s.tie_consent("t1", on=D).allowed


def test_withdrawal_outranks_the_consent_noted_on_a_tie() -> None:
    """Tie.consent=True is an undated note; a dated withdrawal for that recipient refuses the tie."""
    s = _space()
    s.add(Consent("k", "p", "data_exchange", "tk", given=date(2024, 1, 1), withdrawn=D))
    with pytest.raises(ValidationError, match="was withdrawn"):
        s.add(Tie("t1", "p", "tk", consent=True))
    s.add(Tie("t2", "p", "c-tk", consent=True, since=date(2024, 2, 1)))
    assert s.tie_consent("t2", on=date(2024, 2, 1)).reason == "consent k"
    assert s.tie_consent("t2").allowed is False


def test_withdraw_consent_stops_the_tie_from_that_day_and_keeps_it_as_history() -> None:
    """After withdraw_consent the tie stays in ties but is unusable from the day on, in every check."""
    s = example_space()
    before = consent_check(s, ["p-dirk", "c-jonas"], on=date(2024, 6, 30))
    assert before.allowed
    s.withdraw_consent("k-dirk-bruecke", date(2024, 7, 1))
    assert "t-dirk-jonas" in s.ties
    assert s.tie_consent("t-dirk-jonas", on=date(2024, 6, 30)).allowed
    assert not s.tie_consent("t-dirk-jonas", on=date(2024, 7, 1)).allowed
    assert "t-dirk-jonas" not in {t.id for t in s.usable_ties()}
    after = consent_check(s, ["p-dirk", "c-jonas"], on=date(2024, 7, 1))
    assert after.failures[0].reason == (
        "consent k-dirk-bruecke for data_exchange with bruecke was withdrawn on 2024-07-01")


def test_withdraw_consent_refuses_unknown_repeated_and_early_withdrawals() -> None:
    """An unknown consent, a second withdrawal or one before the consent was given are refused."""
    s = example_space()
    with pytest.raises(UnknownNameError):
        s.withdraw_consent("k-nobody", D)
    with pytest.raises(ValidationError, match="already withdrawn on 2024-05-01"):
        s.withdraw_consent("k-dirk-tk", D)
    with pytest.raises(ValidationError, match="before it was given"):
        s.withdraw_consent("k-anna-tk", date(2023, 1, 1))


def test_reader_refuses_a_file_with_an_unconsented_tie(tmp_path: Path) -> None:
    """A saved space whose tie lacks consent is not imported; the problem names file and tie."""
    doc = space_to_dict(example_space())
    doc["consents"] = [c for c in doc["consents"] if c["id"] != "k-emil-bruecke"]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_space(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}: ties[9] 't-emil-lena': links participant 'p-emil' to 'bruecke' from 2024-03-01 "
        "without consent: no consent of p-emil for data_exchange or referral with bruecke on 2024-03-01"]


def test_network_record_ids_follow_the_engine_id_rule() -> None:
    """Ids in network records are bounded and printable, as at the engine boundary."""
    with pytest.raises(ValueError, match="at most 200"):
        Tie("t" * 201, "a", "b")
    with pytest.raises(ValueError, match="control or invisible"):
        Location("l\x00", "L", area="A")
    with pytest.raises(ValueError, match="control or invisible"):
        Service("s", "o", "S", needs=["debt"], location_ids=["ok", "bad\u200b"])
    with pytest.raises(ValueError, match="at most 200"):
        Organisation("o" * 201, "O")
    with pytest.raises(ValueError, match="control or invisible"):
        Person("n\t1")
