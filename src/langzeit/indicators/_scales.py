"""Indicator layer: scoring of the outcome scales SWE and WHO-5 (DOMAIN.md § 4).

One implementation scores item matrices (columnar numpy, used for whole logs);
the per-record functions :func:`score_swe` and :func:`score_who5` call it with one row.

* **SWE** (Allgemeine Selbstwirksamkeitserwartung, Jerusalem & Schwarzer 1999):
  10 items coded 1–4; score = sum (10–40). With up to 3 items missing the score is
  the mean of the answered items × 10; with more missing there is no score.
* **WHO-5** (WHO Collaborating Centre in Mental Health, Psychiatric Research Unit,
  Frederiksborg 1998): 5 items coded 0–5; raw score = sum (0–25); percentage =
  raw × 4. Screening (further assessment) is indicated when raw < 13 or any item is
  0 or 1; a percentage ≤ 28 suggests depression; a change of 10 percentage points is
  relevant. A WHO-5 with a missing item is not scored (the manual gives no rule).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import BoolArray, FloatArray
from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "SCALES",
    "SWE_MAX_MISSING",
    "WHO5_DEPRESSION_PERCENT",
    "WHO5_RELEVANT_CHANGE",
    "WHO5_SCREENING_RAW",
    "ScaleScore",
    "score_items",
    "score_swe",
    "score_who5",
]

#: Item count and the allowed answer range of each scale.
SCALES: dict[str, tuple[int, int, int]] = {"swe": (10, 1, 4), "who5": (5, 0, 5)}
#: SWE: at most this many missing items are replaced by the mean of the answered ones.
SWE_MAX_MISSING = 3
#: WHO-5: screening is indicated below this raw score (or when any item is 0 or 1).
WHO5_SCREENING_RAW = 13
#: WHO-5: a percentage at or below this suggests depression.
WHO5_DEPRESSION_PERCENT = 28
#: WHO-5: a change of at least this many percentage points is relevant.
WHO5_RELEVANT_CHANGE = 10

_MISSING = -1


@attrs.frozen
class ScaleScore:
    """The score of one scale answer sheet.

    Args:
        scale: ``"swe"`` or ``"who5"``.
        score: SWE score (10–40) or WHO-5 percentage (0–100); None when not scorable.
        raw: the raw sum of the answered items (WHO-5 raw score 0–25 when complete).
        answered: how many items were answered.
        screening_indicated: WHO-5 only: raw < 13 or an item 0 or 1 (None for SWE
            or when not scorable).
        depression_suggested: WHO-5 only: percentage ≤ 28.

    Examples:
        >>> score_who5([3, 3, 2, 2, 2])
        ScaleScore(scale='who5', score=48.0, raw=12, answered=5, screening_indicated=True, \
depression_suggested=False)
    """

    scale: str
    score: float | None
    raw: int
    answered: int
    screening_indicated: bool | None = None
    depression_suggested: bool | None = None


def _item_matrix(rows: Sequence[Sequence[int | None]], scale: str) -> npt.NDArray[np.int8]:
    n_items, low, high = SCALES[scale]
    problems = []
    out = np.full((len(rows), n_items), _MISSING, dtype=np.int8)
    for i, row in enumerate(rows):
        if len(row) != n_items:
            problems.append(Problem(f"{scale} sheet {i}", f"expected {n_items} items, got {len(row)}"))
            continue
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not low <= v <= high:
                problems.append(Problem(f"{scale} sheet {i} item {j + 1}",
                                        f"answer {v!r} outside {low}–{high}"))
                continue
            out[i, j] = v
    if problems:
        raise ValidationError(f"{scale} items invalid", problems)
    return out


def score_items(items: npt.NDArray[np.integer], scale: str) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Score a matrix of item answers (one sheet per row, missing answers as -1).

    Args:
        items: integer matrix of shape (sheets, items of the scale); -1 marks a missing answer.
            Answers must lie in the scale's range (not checked here: this is the bulk path).
        scale: ``"swe"`` or ``"who5"``.

    Returns:
        ``(score, screening_indicated, depression_suggested)``: the scores (NaN when not
        scorable) and two boolean arrays (always False for SWE and for unscorable sheets).

    Raises:
        ValidationError: an unknown scale name or a matrix of the wrong shape.

    Examples:
        >>> import numpy as np
        >>> s, scr, dep = score_items(np.array([[4, 4, 4, 4, 4, 4, 4, -1, -1, -1]]), "swe")
        >>> float(s[0])
        40.0
        >>> s, scr, dep = score_items(np.array([[1, 1, 1, 1, 2], [5, 5, 5, 5, -1]]), "who5")
        >>> s.tolist(), scr.tolist(), dep.tolist()
        ([24.0, nan], [True, False], [True, False])
    """
    return _score(np.asarray(items), scale)


def _score(items: npt.NDArray[np.integer], scale: str) -> tuple[FloatArray, BoolArray, BoolArray]:
    if scale not in SCALES:
        raise ValidationError("unknown scale", [Problem("scale", f"{scale!r} is not one of swe, who5")])
    n_items = SCALES[scale][0]
    if items.ndim != 2 or items.shape[1] != n_items:
        raise ValidationError("item matrix has the wrong shape",
                              [Problem(scale, f"expected (n, {n_items}), got {items.shape}")])
    answered_mask = items >= 0
    answered = answered_mask.sum(axis=1)
    raw = np.where(answered_mask, items, 0).sum(axis=1)
    if scale == "swe":
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(answered >= n_items - SWE_MAX_MISSING, raw / answered * n_items, np.nan)
        no = np.zeros(len(items), dtype=bool)
        return score.astype(np.float64), no, no
    complete = answered == n_items
    score = np.where(complete, raw * 4.0, np.nan)
    low_item = (answered_mask & (items <= 1)).any(axis=1)
    screening = complete & ((raw < WHO5_SCREENING_RAW) | low_item)
    depression = complete & (raw * 4 <= WHO5_DEPRESSION_PERCENT)
    return score, screening, depression


def _score_one(items: Sequence[int | None], scale: str) -> ScaleScore:
    matrix = _item_matrix([items], scale)
    score, screening, depression = _score(matrix, scale)
    answered = int((matrix >= 0).sum())
    raw = int(np.where(matrix >= 0, matrix, 0).sum())
    value = None if np.isnan(score[0]) else float(score[0])
    if scale == "swe":
        return ScaleScore(scale, value, raw, answered)
    flags = (bool(screening[0]), bool(depression[0])) if value is not None else (None, None)
    return ScaleScore(scale, value, raw, answered, *flags)


def score_swe(items: Sequence[int | None]) -> ScaleScore:
    """Score one SWE answer sheet (10 items, 1–4; up to 3 missing replaced by the mean).

    Args:
        items: ten answers, None for a missing answer.

    Returns:
        The score (10–40, or None with more than 3 missing answers).

    Raises:
        ValidationError: wrong number of items or an answer outside 1–4 (all listed).

    Examples:
        >>> score_swe([3] * 10).score
        30.0
        >>> score_swe([4, 4, 3, 3, 2, 2, 1, 1, None, None]).score  # mean 2.5 × 10
        25.0
        >>> score_swe([4] * 6 + [None] * 4).score is None
        True
    """
    return _score_one(items, "swe")


def score_who5(items: Sequence[int | None]) -> ScaleScore:
    """Score one WHO-5 answer sheet: raw 0–25, percentage raw × 4, screening flags.

    Args:
        items: five answers 0–5, None for a missing answer.

    Returns:
        The percentage as ``score``, the raw sum, and the screening and depression flags
        (None when an item is missing: the sheet is not scored).

    Raises:
        ValidationError: wrong number of items or an answer outside 0–5 (all listed).

    Examples:
        >>> s = score_who5([4, 4, 3, 3, 1])
        >>> s.raw, s.score, s.screening_indicated, s.depression_suggested
        (15, 60.0, True, False)
        >>> score_who5([1, 1, 1, 2, 2]).depression_suggested   # 7 × 4 = 28
        True
    """
    return _score_one(items, "who5")
