"""Scoring of SWE and WHO-5 (DOMAIN.md § 4), hand-computed."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from langzeit.exceptions import ValidationError
from langzeit.indicators._scales import score_items, score_swe, score_who5


def test_swe_complete_sheet_is_the_item_sum() -> None:
    """A complete SWE sheet scores the sum of its ten answers."""
    assert score_swe([1, 2, 3, 4, 1, 2, 3, 4, 1, 2]).score == 23.0


def test_swe_three_missing_uses_mean_times_ten() -> None:
    """With three missing answers the score is the mean of the seven answered × 10."""
    s = score_swe([4, 4, 4, 3, 3, 3, 2, None, None, None])
    assert s.score == pytest.approx(23 / 7 * 10)
    assert s.answered == 7


def test_swe_four_missing_has_no_score() -> None:
    """With four missing answers the SWE is not scored."""
    assert score_swe([4, 4, 4, 3, 3, 3, None, None, None, None]).score is None


def test_swe_rejects_every_bad_answer_at_once() -> None:
    """Answers outside 1–4 are all reported together."""
    with pytest.raises(ValidationError) as info:
        score_swe([0, 5, 3, 3, 3, 3, 3, 3, 3, 3])
    assert len(info.value.problems) == 2


def test_who5_raw_and_percentage() -> None:
    """WHO-5 raw is the sum, the percentage raw × 4."""
    s = score_who5([5, 4, 3, 4, 5])
    assert (s.raw, s.score) == (21, 84.0)
    assert s.screening_indicated is False
    assert s.depression_suggested is False


def test_who5_screening_by_low_raw_score() -> None:
    """A raw score of 12 (< 13) indicates screening even without an item below 2."""
    assert score_who5([2, 2, 2, 3, 3]).screening_indicated is True


def test_who5_screening_by_single_low_item() -> None:
    """One item answered 1 indicates screening even with a raw score of 21."""
    s = score_who5([5, 5, 5, 5, 1])
    assert s.raw == 21
    assert s.screening_indicated is True


def test_who5_depression_threshold_is_inclusive() -> None:
    """A percentage of exactly 28 (raw 7) suggests depression, 32 (raw 8) does not."""
    assert score_who5([1, 1, 1, 2, 2]).depression_suggested is True
    assert score_who5([2, 1, 1, 2, 2]).depression_suggested is False


def test_who5_with_missing_item_is_not_scored() -> None:
    """A WHO-5 sheet with a missing answer has no score and no flags."""
    s = score_who5([5, 5, None, 5, 5])
    assert s.score is None
    assert s.screening_indicated is None


def test_who5_wrong_item_count() -> None:
    """A sheet with six items is refused."""
    with pytest.raises(ValidationError):
        score_who5([1, 2, 3, 4, 5, 0])


def test_unknown_scale_is_refused() -> None:
    """The bulk scorer refuses a scale it does not know."""
    with pytest.raises(ValidationError):
        score_items(np.zeros((1, 5), dtype=int), "phq9")


@given(st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=10, max_size=10))
def test_swe_bulk_equals_single(items: list[int | None]) -> None:
    """The bulk scorer and the per-sheet scorer agree; scores stay in 10–40."""
    single = score_swe(items).score
    bulk, _, _ = score_items(np.array([[-1 if v is None else v for v in items]]), "swe")
    if single is None:
        assert np.isnan(bulk[0])
    else:
        assert bulk[0] == pytest.approx(single)
        assert 10 <= single <= 40


@given(st.lists(st.integers(0, 5), min_size=5, max_size=5))
def test_who5_flags_follow_the_rule(items: list[int]) -> None:
    """Screening is raw < 13 or an item ≤ 1; depression is percentage ≤ 28."""
    s = score_who5(items)
    raw = sum(items)
    assert s.screening_indicated == (raw < 13 or min(items) <= 1)
    assert s.depression_suggested == (raw * 4 <= 28)
