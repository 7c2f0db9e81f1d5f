"""Indicator layer: change of SWE and WHO-5 scores between first and last scoring (DOMAIN.md § 4)."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import as_columns
from langzeit.indicators._confidentiality import SHOWN, ConfidentialityRule, suppression_flags
from langzeit.indicators._intervals import normal_quantile
from langzeit.indicators._pathways import _NONE, Data, _grouping, _ids
from langzeit.indicators._scales import SCALES, WHO5_RELEVANT_CHANGE, score_items
from langzeit.indicators._tables import Grouping, RateTable, ValueCounts, merge_value_counts, value_counts
from langzeit.tabular import Table

__all__ = [
    "ScaleChange",
    "scale_change",
]


# -- scales ------------------------------------------------------------------------------------


@attrs.frozen(eq=False)
class ScaleChange(Table):
    """Change of a scale score between each participant's first and last scoring.

    Per group: ``n`` participants scored at least twice, mean first / last score,
    mean change with a normal-approximation interval; for WHO-5 also the relevant
    improvements and deteriorations (≥ 10 percentage points) and the screening flags
    at first and last scoring (numerator / denominator / Wilson interval in ``rates``).
    ``participant_ids``, ``first``, ``last`` give the individual level.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import ScaleScored
        >>> log = [ScaleScored("e1", "p1", date(2024, 1, 1), scale="who5", items=[2, 2, 2, 2, 2]),
        ...        ScaleScored("e2", "p1", date(2024, 9, 1), scale="who5", items=[3, 3, 3, 3, 3])]
        >>> s = scale_change(log, scale="who5")
        >>> s.rows()[0]["mean_change"], s.rates.get("improved").numerator
        (20.0, 1)
    """

    scale: str
    groups: tuple[str, ...]
    n: IntArray
    mean_first: FloatArray
    mean_last: FloatArray
    mean_change: FloatArray
    lower: FloatArray
    upper: FloatArray
    rates: RateTable
    participant_ids: tuple[str, ...]
    first: FloatArray
    last: FloatArray
    flags: npt.NDArray[np.int8] | None = None

    _title = "Scale change"

    def columns(self) -> tuple[str, ...]:
        """The column names (one row per group)."""
        return ("scale", "group", "n", "mean_first", "mean_last", "mean_change", "lower", "upper",
                "suppressed")

    def rows(self) -> list[dict[str, Any]]:
        """One row per group."""
        out = []
        for g, group in enumerate(self.groups):
            hide = self.flags is not None and self.flags[g] != SHOWN

            def v(a: FloatArray, g: int = g, hide: bool = hide) -> float | None:
                return None if hide or np.isnan(a[g]) else float(a[g])

            out.append({"scale": self.scale, "group": group, "n": None if hide else int(self.n[g]),
                        "mean_first": v(self.mean_first), "mean_last": v(self.mean_last),
                        "mean_change": v(self.mean_change), "lower": v(self.lower), "upper": v(self.upper),
                        "suppressed": bool(hide)})
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> ScaleChange:
        """Hide groups with fewer than ``min_n`` participants; suppress the rates likewise.

        Examples:
            >>> from langzeit.indicators._tables import RateTable
            >>> s = scale_change([], scale="swe").with_confidentiality(ConfidentialityRule())
            >>> s.rows()[0]["n"]
            0
        """
        grouped = len(self.groups) > 1
        order = np.r_[np.arange(1, len(self.groups)), 0] if grouped else np.arange(len(self.groups))
        flags = suppression_flags(self.n[order][:, None], min_n=rule.min_n, row_totals=False,
                                  column_totals=grouped, secondary=rule.secondary)[:, 0]
        return attrs.evolve(self, flags=flags[np.argsort(order)].astype(np.int8),
                            rates=self.rates.with_confidentiality(rule))


def scale_change(data: Data, *, scale: str, by: Grouping | None = None, level: float = 0.95) -> ScaleChange:
    """Change in SWE or WHO-5 between first and last scoring (DOMAIN.md § 4 scoring rules).

    Unscorable sheets (too many missing answers, a wrong number of items, answers outside
    the scale's range) are skipped; participants need two scored sheets on different
    events. WHO-5 is compared in percent (raw × 4).

    Args:
        data: the event log.
        scale: ``"swe"`` or ``"who5"``.
        by: optional grouping.
        level: confidence level.

    Returns:
        The change per group with the individual first and last scores.

    Raises:
        ValidationError: unknown scale.

    Examples:
        >>> scale_change([], scale="swe").n.tolist()
        [0]
    """
    g = _grouping(as_columns(data), by)
    return scale_change_table(scale_counts(data, scale=scale, by=g, level=level), g.names, level=level)


#: Mergeable parts of a scale change: scale, participants scored twice per group, first /
#: last / change scores per group (distinct values, counts), the rates, the individual level.
ScaleCounts = tuple[str, IntArray, ValueCounts, ValueCounts, ValueCounts, RateTable, tuple[str, ...],
                    FloatArray, FloatArray]


def scale_counts(data: Data, *, scale: str, by: Grouping | None = None, level: float = 0.95) -> ScaleCounts:
    """The counts behind :func:`scale_change` of one log or partition (they merge exactly).

    Raises:
        ValidationError: unknown scale.
    """
    if scale not in SCALES:
        raise ValidationError("unknown scale", [Problem("scale", f"{scale!r} is not one of swe, who5")])
    cols = as_columns(data)
    g = _grouping(cols, by)
    n_items = SCALES[scale][0]
    code = cols.key_code(scale)
    sel = cols.key[cols.item_rows] == code if code >= 0 else np.zeros(len(cols.item_rows), dtype=bool)
    rows = cols.item_rows[sel]
    sheets = cols.items[sel][:, :n_items].astype(np.int64)
    _, low, high = SCALES[scale]
    in_range = (sheets == -1) | ((sheets >= low) & (sheets <= high))
    well_formed = (cols.value[rows] == n_items) & np.all(in_range, axis=1)
    score, screening, _ = score_items(np.where(well_formed[:, None], sheets, -1), scale)
    ok = well_formed & ~np.isnan(score)
    rows, score, screening = rows[ok], score[ok], screening[ok]
    n = cols.n_participants
    part = cols.participant[rows].astype(np.int64)
    key = (cols.day[rows].astype(np.int64) << 32) | rows
    lo = np.full(n, _NONE, dtype=np.int64)
    hi = np.full(n, -1, dtype=np.int64)
    np.minimum.at(lo, part, key)
    np.maximum.at(hi, part, key)
    twice = (lo != _NONE) & (hi != lo)
    pos = np.full(len(cols), -1, dtype=np.int64)
    pos[rows] = np.arange(len(rows))
    first_i = pos[np.where(twice, lo & 0xFFFFFFFF, 0)]
    last_i = pos[np.where(twice, hi & 0xFFFFFFFF, 0)]
    first = np.where(twice, score[first_i] if len(score) else 0.0, np.nan)
    last = np.where(twice, score[last_i] if len(score) else 0.0, np.nan)
    change = last - first
    cnt = g.counts(twice)
    if scale == "who5":
        scr_first = np.zeros(n, dtype=bool)
        scr_last = np.zeros(n, dtype=bool)
        if len(screening):
            scr_first = twice & screening[first_i]
            scr_last = twice & screening[last_i]
        items: tuple[str, ...] = ("improved", "worsened", "screening_first", "screening_last")
        nums = [twice & (change >= WHO5_RELEVANT_CHANGE), twice & (change <= -WHO5_RELEVANT_CHANGE),
                scr_first, scr_last]
        notes: tuple[str, ...] = (f"change ≥ +{WHO5_RELEVANT_CHANGE} points",
                                  f"change ≤ −{WHO5_RELEVANT_CHANGE} points",
                                  "screening indicated at first scoring",
                                  "screening indicated at last scoring")
    else:
        items = ("improved", "worsened")
        nums = [twice & (change > 0), twice & (change < 0)]
        notes = ("score higher at last scoring", "score lower at last scoring")
    rates = RateTable.of_counts(f"scale_change_{scale}", g.names, items,
                                np.stack([g.counts(x) for x in nums], axis=1), cnt[:, None],
                                notes=notes, level=level)
    idx = np.flatnonzero(twice)
    codes = g.codes[twice]
    k = len(g.labels)
    return (scale, cnt.astype(np.int64), value_counts(first[twice], codes, k),
            value_counts(last[twice], codes, k), value_counts(change[twice], codes, k), rates,
            _ids(cols, idx), first[idx], last[idx])


def merge_scale_counts(a: ScaleCounts, b: ScaleCounts) -> ScaleCounts:
    """The scale counts of two partitions together (the individual level concatenated)."""
    return (a[0], a[1] + b[1], merge_value_counts(a[2], b[2]), merge_value_counts(a[3], b[3]),
            merge_value_counts(a[4], b[4]), a[5].merge(b[5]), a[6] + b[6], np.r_[a[7], b[7]],
            np.r_[a[8], b[8]])


def _sums(counts: ValueCounts, power: int = 1) -> FloatArray:
    return np.array([float((c * v**power).sum()) for v, c in counts], dtype=np.float64)


def scale_change_table(counts: ScaleCounts, groups: tuple[str, ...], *, level: float = 0.95) -> ScaleChange:
    """The scale change from (merged) counts: means from the distinct scores and their counts."""
    scale, cnt, first_h, last_h, change_h, rates, ids, first, last = counts
    n = len(groups)
    z = normal_quantile(level)
    sums, sq = _sums(change_h)[:n], _sums(change_h, 2)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = sums / cnt
        var = (sq - cnt * mean**2) / (cnt - 1)
        half = z * np.sqrt(np.maximum(var, 0.0) / cnt)
        mean_first = _sums(first_h)[:n] / cnt
        mean_last = _sums(last_h)[:n] / cnt
    half = np.where(cnt > 1, half, np.nan)
    return ScaleChange(scale, groups, cnt, mean_first, mean_last, mean, mean - half, mean + half, rates,
                       ids, first, last)


