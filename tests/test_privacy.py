"""langzeit.privacy: the keyed hash of ids, date coarsening and stated purposes (DOMAIN.md § 6)."""

import hashlib
import hmac
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.privacy import Pseudonymiser, StatedPurpose, coarsen_date

RFC4231_KEY = bytes.fromhex("0b" * 20)


def test_pseudonym_is_hmac_sha256_rfc4231_case_1() -> None:
    """The pseudonym of 'Hi There' under key 0x0b×20 is the RFC 4231 test vector."""
    assert Pseudonymiser(RFC4231_KEY).id("Hi There") == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")


def test_pseudonym_hashes_the_utf8_text_of_the_id() -> None:
    """A non-ASCII id is hashed as its UTF-8 bytes (HMAC computed independently with hmac)."""
    key = b"k" * 32
    expected = hmac.new(key, "p-Jürgen".encode(), hashlib.sha256).hexdigest()
    assert Pseudonymiser(key).id("p-Jürgen") == expected


def test_short_keys_are_refused() -> None:
    """A key of fewer than 16 bytes is a ValidationError that says how to make one."""
    with pytest.raises(ValidationError, match="at least 16"):
        Pseudonymiser(b"Jefe")


def test_key_file_without_its_line_break(tmp_path: Path) -> None:
    """The key file's bytes are the key, a trailing line break removed."""
    path = tmp_path / "key"
    path.write_bytes(RFC4231_KEY + b"\n")
    assert Pseudonymiser.from_key_file(path).id("Hi There") == Pseudonymiser(RFC4231_KEY).id("Hi There")


def test_missing_key_file_is_a_validation_error(tmp_path: Path) -> None:
    """An unreadable key file is a ValidationError naming the file."""
    with pytest.raises(ValidationError) as info:
        Pseudonymiser.from_key_file(tmp_path / "nope")
    assert info.value.problems[0].location == str(tmp_path / "nope")


def test_the_key_is_never_shown() -> None:
    """Neither repr nor the key id contains the key."""
    p = Pseudonymiser(RFC4231_KEY)
    assert RFC4231_KEY.hex() not in repr(p)
    assert "0b0b" not in p.key_id
    assert p.key_id != Pseudonymiser(b"x" * 20).key_id


def test_coarsening_to_month_and_quarter() -> None:
    """Month: first of the month; quarter: first of the quarter; day: unchanged."""
    d = date(2024, 11, 30)
    assert coarsen_date(d, "day") == d
    assert coarsen_date(d, "month") == date(2024, 11, 1)
    assert coarsen_date(d, "quarter") == date(2024, 10, 1)
    assert coarsen_date(date(2024, 3, 31), "quarter") == date(2024, 1, 1)


@given(st.dates(), st.dates(), st.sampled_from(["day", "month", "quarter"]))
def test_coarsening_never_reverses_an_order(a: date, b: date, precision: str) -> None:
    """An earlier date never coarsens to a later one than a later date: sequences survive."""
    lo, hi = min(a, b), max(a, b)
    assert coarsen_date(lo, precision) <= coarsen_date(hi, precision)  # type: ignore[arg-type]


def test_a_stated_purpose_is_one_non_empty_line() -> None:
    """An empty or multi-line purpose is refused."""
    assert StatedPurpose("Fallkonferenz").text == "Fallkonferenz"
    for bad in ("", "  ", "a\nb", "x" * 501):
        with pytest.raises(ValueError, match="purpose"):
            StatedPurpose(bad)
