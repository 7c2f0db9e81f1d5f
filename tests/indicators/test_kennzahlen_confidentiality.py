"""Confidentiality of the § 48a cells: nothing suppressed can be recovered from what is shown (Hypothesis).

An independent attacker reads every published number, knows which cells hold the same
quantity and how quantities add up (F + M + other sexes = all; a subset plus its
difference = the whole), and derives what it can: a line with one unknown gives it away,
and unknown parts that add up to 0 beside a known total are each 0. Nothing it derives may
be a count of 1 or 2 persons (a mean stock below 3), nor the numerator of a group whose
denominator is that small — whatever the spell data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_kennzahlen_oracle import spell_records

from langzeit.indicators import KennzahlenResult, kennzahlen, suppress
from langzeit.spells import SpellTable

MONTH = dt.date(2024, 6, 1)
MIN_N = 3
# the attacker's own model: code -> (numerator quantity, denominator quantity); K1/K1E1 are sums of
# euros reported for "all" only and have no lines
QUANTITIES = {
    "K1E2": ("stock", "stock_12"), "K2": ("integ", "mean"), "K2E1": ("mini", "mean"),
    "K2E2": ("pub", "mean"), "K2E3": ("cont", "svp"), "K2E4": ("integ_sp", "mean_sp"),
    "K3": ("lzb", "lzb_12"), "K3E1": ("integ_lzb", "mean_lzb"), "K3E2": ("act", "lzb"),
    "bedarfsdeckend": ("gone", "integ"),
}
# (subset, whole): the persons of the first are among those of the second
SUBSETS = [("cont", "svp"), ("act", "lzb"), ("gone", "integ"), ("svp", "integ"), ("integ_sp", "integ"),
           ("integ_lzb", "integ"), ("mean_sp", "mean"), ("mean_lzb", "mean"), ("lzb", "stock"),
           ("lzb_12", "stock_12")]
GROUPS = ("F", "M", "other", "all")


def _lines() -> list[tuple[list[tuple[str, str]], tuple[str, str]]]:
    names = {q for pair in QUANTITIES.values() for q in pair} | {f"{w}-{s}" for s, w in SUBSETS}
    out = [([(q, "F"), (q, "M"), (q, "other")], (q, "all")) for q in sorted(names)]
    out += [([(s, g), (f"{w}-{s}", g)], (w, g)) for s, w in SUBSETS for g in GROUPS]
    return out


LINES = _lines()


def _numbers(result: KennzahlenResult, jc: str) -> dict[tuple[str, str], float]:
    """The numbers a result shows for one jobcenter (quantity, group) -> value."""
    out: dict[tuple[str, str], float] = {}
    for c in result.cells():
        if c.jobcenter != jc or c.code not in QUANTITIES or not c.available or c.suppressed:
            continue
        num, den = QUANTITIES[c.code]
        assert c.numerator is not None
        assert c.denominator is not None
        out[(num, c.group)] = float(c.numerator)
        out[(den, c.group)] = float(c.denominator)
    return out


def _truth(plain: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    truth = dict(plain)
    for q in {q for q, _ in plain}:
        if all((q, g) in plain for g in ("F", "M", "all")):
            truth[(q, "other")] = plain[(q, "all")] - plain[(q, "F")] - plain[(q, "M")]
    for s, w in SUBSETS:
        for g in GROUPS:
            if (s, g) in truth and (w, g) in truth:
                truth[(f"{w}-{s}", g)] = truth[(w, g)] - truth[(s, g)]
    return truth


def _attack(known: dict[tuple[str, str], float]) -> dict[tuple[str, str], float]:
    """Everything derivable from the shown numbers by subtraction (and zero sums)."""
    known = dict(known)
    changed = True
    while changed:
        changed = False
        for parts, total in LINES:
            unknown = [x for x in [*parts, total] if x not in known]
            if not unknown:
                continue
            if len(unknown) == 1:
                x = unknown[0]
                rest = sum(known[p] for p in parts if p != x)
                known[x] = known[total] - rest if x != total else rest
                changed = True
            elif (total in known and all(x in parts for x in unknown)
                  and known[total] - sum(known[p] for p in parts if p in known)
                  == pytest.approx(0.0, abs=1e-9)):
                for x in unknown:
                    known[x] = 0.0
                changed = True
    return known


@settings(max_examples=120, deadline=None)
@given(spell_records(), st.sampled_from([dt.date(2024, 12, 31), dt.date(2025, 6, 30)]))
def test_no_suppressed_count_can_be_recovered(records: list[dict[str, Any]], data_end: dt.date) -> None:
    """Whatever the attacker derives is 0 or at least 3, and never a numerator of a group of 1 or 2."""
    spells = SpellTable.from_records(records, data_end=data_end)
    plain = kennzahlen(spells, MONTH, data_end=data_end)
    shown = suppress(plain, min_n=MIN_N)
    for jc in plain.jobcenters:
        truth = _truth(_numbers(plain, jc))
        derived = _attack(_numbers(shown, jc))
        for key, value in derived.items():
            assert value == pytest.approx(truth[key], abs=1e-9), key  # the attacker's model is right
            assert not 0 < value < MIN_N - 1e-9, (jc, key, value)
        for num, den in QUANTITIES.values():
            for g in GROUPS:
                small = (den, g) in truth and 0 < truth[(den, g)] < MIN_N - 1e-9
                assert not (small and (num, g) in derived), (jc, num, g)
