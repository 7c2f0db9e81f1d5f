"""Confidentiality of rate tables (programme report): complements, zeros, one mechanism (DOMAIN.md § 3)."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.events import Admitted, ParticipationAgreed, Referred
from langzeit.indicators import ConfidentialityRule, funnel, protect, rate_flags
from langzeit.report import build_programme_report

MIN_N = 3


def test_four_referred_and_three_agreed_do_not_disclose_the_one_who_declined() -> None:
    """Funnel referred 4 → participation_agreed 3 → admitted 3: the complement 1 hides the 3 of 4.

    The stage admitted (3 of 3, complement 0) would show 3 again: one number shown twice is
    hidden together, so nothing of "3" remains; referred 4 stays.
    """
    log: list[Any] = [Referred(f"r{i}", f"p{i}", date(2024, 1, 8)) for i in range(4)]
    log += [ParticipationAgreed(f"g{i}", f"p{i}", date(2024, 1, 20)) for i in range(3)]
    log += [Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)) for i in range(3)]
    t = funnel(log).with_confidentiality(ConfidentialityRule())
    cells = {r["item"]: r for r in t.rows()}
    assert (cells["referred"]["numerator"], cells["referred"]["denominator"]) == (4, 4)
    agreed = cells["participation_agreed"]
    assert (agreed["suppressed"], agreed["numerator"], agreed["denominator"], agreed["value"]) == (
        True, None, None, None)
    assert cells["admitted"]["numerator"] is None


def test_the_programme_report_uses_the_same_mechanism_by_sex() -> None:
    """Report --by sex: 6 women of 7 took part, 5 men of 5: F's complement 1 is protected (and all's)."""
    log: list[Any] = [Referred(f"r{i}", f"p{i}", date(2024, 1, 8)) for i in range(12)]
    log += [Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)) for i in range(12) if i != 0]
    people = {f"p{i}": {"sex": "F" if i < 7 else "M"} for i in range(12)}
    rep = build_programme_report(log, participants=people, by="sex")
    f, m, total = (rep.take_up.get("took_part", g) for g in ("F", "M", "all"))
    assert (f.suppressed, f.numerator, f.denominator) == (True, None, None)
    assert (total.suppressed, total.numerator) == (True, None)
    assert (m.suppressed, m.numerator, m.denominator) == (False, 5, 5)


def test_rate_flags_hand_computed() -> None:
    """Groups all/F/M, one item: numerators 10/4/6, denominators 12/6/6.

    Complements 2/2/0: F's and all's are primary, so their numerators are hidden (complement
    lines 4 + 2 = 6 and 10 + 2 = 12); the numerator line 4 + 6 = 10 then has two hidden cells.
    """
    n, d = rate_flags([[10], [4], [6]], [[12], [6], [6]], grouped=True)
    assert (n[:, 0] != 0).tolist() == [True, True, False]
    assert (d[:, 0] != 0).tolist() == [False, False, False]


def _attack(known: dict[int, float], lines: list[list[int]]) -> dict[int, float]:
    """Derive cells by subtraction (a line with one unknown) and zero sums (unknown parts adding up to 0)."""
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for line in lines:
            unknown = [c for c in line if c not in known]
            if len(unknown) == 1:
                c = unknown[0]
                parts = sum(known[x] for x in line[:-1] if x != c)
                known[c] = parts if c == line[-1] else known[line[-1]] - parts
                changed = True
            elif (unknown and line[-1] in known and line[-1] not in unknown
                  and known[line[-1]] - sum(known[x] for x in line[:-1] if x in known) == 0):
                known.update(dict.fromkeys(unknown, 0.0))
                changed = True
    return known


@st.composite
def _tables(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, bool]:
    groups = draw(st.integers(0, 3))
    items = draw(st.integers(1, 4))
    den = np.array([[draw(st.integers(0, 9))] * items for _ in range(groups or 1)])
    num = np.array([[draw(st.integers(0, int(d))) for d in row] for row in den])
    if groups:
        num = np.vstack([num.sum(axis=0), num])
        den = np.vstack([den.sum(axis=0), den])
    return num, den, groups > 0


@settings(max_examples=300, deadline=None)
@given(_tables())
def test_no_suppressed_count_of_a_rate_table_can_be_recovered(
    table: tuple[np.ndarray, np.ndarray, bool],
) -> None:
    """From the shown numbers nothing derivable is 1 or 2, nor a small group's numerator."""
    num, den, grouped = table
    g, i = num.shape
    nflags, dflags = rate_flags(num, den, grouped=grouped)
    hidden = (nflags != 0) | (dflags != 0)
    cell = np.arange(3 * g * i).reshape(3, g, i)
    truth = np.concatenate([num.ravel(), den.ravel(), (den - num).ravel()]).astype(float)
    known = {int(cell[k, a, b]): truth[cell[k, a, b]] for k in (0, 1) for a in range(g) for b in range(i)
             if not hidden[a, b]}
    lines = [[int(cell[0, a, b]), int(cell[2, a, b]), int(cell[1, a, b])] for a in range(g) for b in range(i)]
    if grouped:
        lines += [[int(x) for x in [*cell[k, 1:, b], cell[k, 0, b]]] for k in range(3) for b in range(i)]
    derived = _attack(known, lines)
    for c, value in derived.items():
        assert value == truth[c]
        assert not 0 < value < MIN_N, (c, value)
    for a in range(g):
        for b in range(i):
            if 0 < den[a, b] < MIN_N:
                assert int(cell[0, a, b]) not in derived


def test_protect_rejects_indices_outside_the_cells() -> None:
    """A line naming cell 5 of 3 cells is a ValueError."""
    with pytest.raises(ValueError, match="outside"):
        protect([[1, 2, 3]], [[[0, 1, 5]]])
