"""Waiting-list indicators: the old class name still resolves, with a warning."""

import pytest

import langzeit.indicators as ind


def test_old_waiting_list_name_warns_and_is_the_statistics_class() -> None:
    """``indicators.WaitingList`` still resolves, with a warning, to :class:`WaitingListStatistics`."""
    with pytest.warns(DeprecationWarning, match="WaitingListStatistics"):
        assert ind.WaitingList is ind.WaitingListStatistics
    assert "WaitingList" not in ind.__all__
