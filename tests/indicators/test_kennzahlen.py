"""§ 48a Kennzahlen: every code and every edge, with expectations computed by hand (DOMAIN.md § 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from langzeit.exceptions import DataFormatError, UnknownNameError, ValidationError
from langzeit.indicators import (
    KennzahlenResult,
    garwood_interval,
    kennzahlen,
    suppress,
    wilson_interval,
)
from langzeit.spells import SpellTable, load_catalogue

D = dt.date
JUNE = D(2024, 6, 1)  # reference month m: S(m) = 2024-06-30, S(m-12) = 2023-06-30
END = D(2025, 6, 30)


def elb(
    pid: str, start: str, end: str | None = None, *, jc: str = "1", sex: str = "F", sp: str = "0"
) -> dict[str, Any]:
    """An elb spell record."""
    return {"person_id": pid, "kind": "elb", "start": start, "end": end, "jobcenter": jc, "sex": sex,
            "single_parent": sp}


def job(
    pid: str, kind: str, start: str, end: str | None = None, instrument: str | None = None
) -> dict[str, Any]:
    """A job, measure or public-employment spell record."""
    return {"person_id": pid, "kind": kind, "start": start, "end": end, "instrument": instrument}


def money(pid: str, kind: str, start: str, amount: float, jc: str = "1") -> dict[str, Any]:
    """An llu/luh amount record (with the jobcenter it counts for, convention 8)."""
    return {"person_id": pid, "kind": kind, "start": start, "end": start, "amount": amount, "jobcenter": jc}


def run(
    records: list[dict[str, Any]], month: dt.date = JUNE, data_end: dt.date = END, **options: Any
) -> KennzahlenResult:
    """Kennzahlen of the records for one reference month."""
    return kennzahlen(SpellTable.from_records(records, data_end=data_end), month, **options)


def val(result: KennzahlenResult, code: str, group: str = "all", jc: str = "1", month: dt.date = JUNE) -> Any:
    """(numerator, denominator, value rounded to 4 places) of one cell."""
    c = result.cell(jc, month, code, group)
    return (c.numerator, c.denominator, None if c.value is None else round(c.value, 4))


# ---------------------------------------------------------------------------------------------
# One jobcenter, every code, computed by hand.
#
# JC 1, reference month 2024-06 (window Jul 2023 … Jun 2024), data end 2025-06-30.
#   A  F, single parent, elb 2019-01-01 open         always in stock, always LZB; measure 16k
#   B  M, elb 2023-01-01 open                         never LZB (547 days at 2024-06-30);
#                                                     svp 2023-10-05 open (Integration Oct),
#                                                     minijob 2024-02-10
#   C  F, elb 2022-01-01 … 2024-01-15                 exit Jan 2024; LZB from S(Sep 2023) (exactly 638 days);
#                                                     apprenticeship 2024-01-16 (Integration Jan, via S(Dec))
#   D  M, elb 2023-09-10 open                         entry Sep 2023; svp 2023-09-20 … 2024-02-15
#                                                     (Integration in the entry month, not continuous)
#   E  sex D, elb 2020-01-01 open                     LZB; self_employment 2024-05-02; public_employment 16d
#                                                     2024-03-01 … 2024-12-31 (activation)
#   G  F, single parent, elb 2023-11-20 … 2024-03-10  entry Nov 2023, exit Mar 2024; svp 2024-03-11 open
#   H  M, elb 2020-01-01 open in JC 2                 (another jobcenter)
#   K  A's child, never ELB: llu (Sozialgeld) 300 in Jun 2024 for JC 1 (counts, convention 8)
#
# Stocks S(k), Jun 2023 … Jun 2024:   all 4 4 4 5 5 6 6 5 5 4 4 4 4   (Σ Jun…May = 56, Σ Jul…Jun = 56)
#                                      F   2 2 2 2 2 3 3 2 2 1 1 1 1   (Σ Jun…May = 23, Jul…Jun = 22)
#                                      M   1 1 1 2 2 2 2 2 2 2 2 2 2   (Σ Jun…May = 21, Jul…Jun = 22)
# The mean stocks use the Vormonate S(m−12) … S(m−1) = Jun 2023 … May 2024 (convention 4).
# LZB S(k), Jun 2023 … Jun 2024:       all 2 2 2 3 3 3 3 2 2 2 2 2 2   (Σ Jun…May = 28; C in Sep–Dec)
#                                      F   1 1 1 2 2 2 2 1 1 1 1 1 1   (Σ = 16)
# ---------------------------------------------------------------------------------------------
SCENARIO = [
    elb("A", "2019-01-01", sp="1"),
    job("A", "measure", "2024-04-01", "2024-09-30", "16k"),
    money("A", "llu", "2023-06-01", 400), money("A", "llu", "2024-06-01", 500),
    money("A", "luh", "2023-06-01", 300), money("A", "luh", "2024-06-01", 330),
    elb("B", "2023-01-01", sex="M"),
    job("B", "svp", "2023-10-05"),
    job("B", "minijob", "2024-02-10", "2024-05-31"),
    money("B", "llu", "2023-06-01", 250), money("B", "llu", "2024-06-01", 200),
    elb("C", "2022-01-01", "2024-01-15"),
    job("C", "apprenticeship", "2024-01-16"),
    money("K", "llu", "2024-06-01", 300),  # never ELB: Sozialgeld counts for the row's jobcenter
    elb("D", "2023-09-10", sex="M"),
    job("D", "svp", "2023-09-20", "2024-02-15"),
    elb("E", "2020-01-01", sex="D"),
    job("E", "self_employment", "2024-05-02"),
    job("E", "public_employment", "2024-03-01", "2024-12-31", "16d"),
    elb("G", "2023-11-20", "2024-03-10", sp="1"),
    job("G", "svp", "2024-03-11"),
    elb("H", "2020-01-01", jc="2", sex="M"),
]


@pytest.fixture(scope="module")
def scenario() -> KennzahlenResult:
    """The hand-computed scenario above."""
    return run(SCENARIO)


def test_k1_sums_the_household_llu_of_the_jobcenter(scenario: KennzahlenResult) -> None:
    """K1 = Σ llu Jun 2024 / Σ llu Jun 2023 = (500 + 200 + K's 300) / (400 + 250) = 153.8462 %.

    K is never an ELB: the Sozialgeld of a non-employable member is part of K1 (§ 4 VO, convention 8).
    """
    assert val(scenario, "K1") == (1000.0, 650.0, 153.8462)
    assert scenario.cell("1", JUNE, "K1").change == pytest.approx(53.846154, abs=1e-6)


def test_k1_and_k1e1_are_reported_for_all_only(scenario: KennzahlenResult) -> None:
    """The BA does not split K1/K1E1 by sex: the F and M cells are null and not available."""
    for code in ("K1", "K1E1"):
        for group in ("F", "M"):
            c = scenario.cell("1", JUNE, code, group)
            assert (c.available, c.numerator, c.denominator, c.value) == (False, None, None, None)
            assert c.change is None


def test_k1e1_sums_luh(scenario: KennzahlenResult) -> None:
    """K1E1 = 330 / 300 = 110 %, change +10."""
    assert val(scenario, "K1E1") == (330.0, 300.0, 110.0)
    assert scenario.cell("1", JUNE, "K1E1").change == pytest.approx(10.0)


def test_amounts_count_for_the_jobcenter_on_their_row() -> None:
    """An ELB of JC 1 whose llu row names JC 2 counts for JC 2 (the row decides, convention 8)."""
    r = run([elb("a", "2020-01-01", jc="1"), elb("b", "2020-01-01", jc="2"),
             money("a", "llu", "2024-06-01", 100.0, jc="2"), money("a", "llu", "2023-06-01", 80.0, jc="2")])
    assert val(r, "K1", jc="2") == (100.0, 80.0, 125.0)
    assert val(r, "K1", jc="1") == (0.0, 0.0, None)


def test_amounts_outside_the_component_months_count_nothing_but_report_their_jobcenter() -> None:
    """Amount rows outside the component months add no euros, yet their jobcenter gets cells (conv. 8, 11)."""
    r = run([elb("a", "2020-01-01", jc="1"), money("a", "llu", "2024-06-01", 100.0),
             money("a", "llu", "2023-05-31", 7.0), money("a", "llu", "2024-07-01", 9.0),
             money("b", "llu", "2021-03-01", 5.0, jc="9")])
    assert val(r, "K1") == (100.0, 0.0, None)
    assert "9" in r.jobcenters
    assert val(r, "K1", jc="9") == (0.0, 0.0, None)


def test_the_column_passes_give_the_same_counts_in_any_chunk_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chunked passes over kinds, starts and jobcenters do not depend on the chunk size."""
    from langzeit.indicators import _kennzahlen_counts
    from langzeit.spells import generate_spells

    spells = generate_spells(120, seed=5, n_jobcenters=3)
    months = [D(2024, 1, 1), D(2024, 6, 1)]
    whole = kennzahlen(spells, months).rows()
    monkeypatch.setattr(_kennzahlen_counts, "_CHUNK", 7)
    assert kennzahlen(spells, months).rows() == whole


def test_llu_rows_need_a_jobcenter() -> None:
    """An llu row without jobcenter is an input error with its line (strict) or a rejected row (lenient)."""
    rows = [elb("a", "2020-01-01"), {**money("a", "llu", "2024-06-01", 100.0), "jobcenter": ""}]
    with pytest.raises(DataFormatError, match=r"<records>:3: llu row without jobcenter"):
        SpellTable.from_records(rows)
    t = SpellTable.from_records(rows, strict=False)
    assert (len(t), [p.line for p in t.rejected]) == (1, [3])


def test_k1e2_is_the_stock_against_a_year_before(scenario: KennzahlenResult) -> None:
    """K1E2 = 4 / 4; women 1 / 2 (change −50: "gesunken um 50 %"); men 2 / 1 (change +100)."""
    assert val(scenario, "K1E2") == (4, 4, 100.0)
    assert val(scenario, "K1E2", "F") == (1, 2, 50.0)
    assert val(scenario, "K1E2", "M") == (2, 1, 200.0)
    assert [scenario.cell("1", JUNE, "K1E2", g).change for g in ("all", "F", "M")] == [0.0, -50.0, 100.0]


def test_k1e3_is_the_mean_of_twelve_monthly_entry_rates(scenario: KennzahlenResult) -> None:
    """Entries D (Sep, stock 5) and G (Nov, stock 6): (1/5 + 1/6) / 12 = 3.0556 %; F (1/3)/12; M (1/2)/12."""
    assert val(scenario, "K1E3") == (None, None, round(100 * (1 / 5 + 1 / 6) / 12, 4))
    assert val(scenario, "K1E3", "F")[2] == round(100 * (1 / 3) / 12, 4)
    assert val(scenario, "K1E3", "M")[2] == round(100 * (1 / 2) / 12, 4)


def test_k1e4_divides_exits_by_the_previous_stock(scenario: KennzahlenResult) -> None:
    """Exits C (Jan, stock S(Dec) = 6) and G (Mar, S(Feb) = 5): (1/6 + 1/5)/12; F (1/3 + 1/2)/12; M 0."""
    assert val(scenario, "K1E4")[2] == round(100 * (1 / 6 + 1 / 5) / 12, 4)
    assert val(scenario, "K1E4", "F")[2] == round(100 * (1 / 3 + 1 / 2) / 12, 4)
    assert val(scenario, "K1E4", "M") == (None, None, 0.0)


def test_k2_counts_integrationen_per_mean_stock_of_the_vormonate(scenario: KennzahlenResult) -> None:
    """B (Oct), D (Sep), C (Jan), G (Mar), E (May): 5 / (56/12) = 107.1429 %; F 2/(23/12); M 2/(21/12).

    The mean stock is that of S(Jun 2023) … S(May 2024) (convention 4); K2 carries no change.
    """
    num, den, value = val(scenario, "K2")
    assert (num, den, value) == (5, pytest.approx(56 / 12), round(100 * 5 * 12 / 56, 4))
    assert val(scenario, "K2", "F")[0::2] == (2, round(100 * 2 * 12 / 23, 4))
    assert val(scenario, "K2", "M")[0::2] == (2, round(100 * 2 * 12 / 21, 4))
    assert scenario.cell("1", JUNE, "K2").change is None


def test_the_current_stock_window_is_an_option(scenario: KennzahlenResult) -> None:
    """stock_window="current": S(Jul 2023) … S(Jun 2024): F 2/(22/12), M 2/(22/12)."""
    r = run(SCENARIO, stock_window="current")
    assert val(r, "K2", "F")[0::2] == (2, round(100 * 2 * 12 / 22, 4))
    assert val(r, "K2", "M")[1] == pytest.approx(22 / 12)


def test_the_vormonate_window_differs_where_the_stock_changed() -> None:
    """Stock 1 at S(Jun 2023) … S(Dec 2023), 3 from S(Jan 2024): Vormonate Σ = 7 + 5·3 = 22, current 24.

    a in the stock throughout; b and c enter on 2024-01-10; b starts svp on 2024-03-01.
    K2 = 1 / (22/12) with the Vormonate, 1 / (24/12) = 50 % with the current window.
    """
    records = [elb("a", "2020-01-01"), elb("b", "2024-01-10"), elb("c", "2024-01-10"),
               job("b", "svp", "2024-03-01")]
    assert val(run(records), "K2") == (1, pytest.approx(22 / 12), round(100 * 12 / 22, 4))
    assert val(run(records, stock_window="current"), "K2") == (1, 2.0, 50.0)


def test_k2_interval_is_garwood_on_the_count_over_the_mean_stock(scenario: KennzahlenResult) -> None:
    """CI of K2 = 100 × Garwood(5) / (56/12)."""
    c = scenario.cell("1", JUNE, "K2")
    low, high = garwood_interval(5)
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * low * 12 / 56, 100 * high * 12 / 56))


def test_k2e1_counts_minijob_starts(scenario: KennzahlenResult) -> None:
    """B's minijob (Feb): 1 / (56/12) = 21.4286 % (the mean stock of the Vormonate)."""
    assert val(scenario, "K2E1")[0::2] == (1, round(100 * 12 / 56, 4))
    assert val(scenario, "K2E1", "F")[0] == 0


def test_k2e2_counts_public_employment_starts(scenario: KennzahlenResult) -> None:
    """E's public employment (Mar, sex D): 1 in all, 0 for women and men."""
    assert val(scenario, "K2E2")[0::2] == (1, round(100 * 12 / 56, 4))
    assert val(scenario, "K2E2", "M")[0] == 0


def test_k2e3_counts_continuous_svp_integrationen(scenario: KennzahlenResult) -> None:
    """Svp Integrationen B, D, G (C's apprenticeship and E's self-employment are not): B and G continuous."""
    assert val(scenario, "K2E3") == (2, 3, round(100 * 2 / 3, 4))
    assert val(scenario, "K2E3", "F") == (1, 1, 100.0)
    assert val(scenario, "K2E3", "M") == (1, 2, 50.0)
    c = scenario.cell("1", JUNE, "K2E3")
    low, high = wilson_interval(2, 3)
    assert (c.ci_low, c.ci_high) == pytest.approx((100 * low, 100 * high))


def test_k2e4_restricts_to_single_parents(scenario: KennzahlenResult) -> None:
    """G is a single parent on S(Feb): 1 / ((12 + 4)/12) = 75 %; no single fathers: denominator 0."""
    assert val(scenario, "K2E4")[0::2] == (1, 75.0)
    assert val(scenario, "K2E4")[1] == pytest.approx(16 / 12)
    assert val(scenario, "K2E4", "M") == (0, 0.0, None)


def test_k3_is_the_lzb_stock_against_a_year_before(scenario: KennzahlenResult) -> None:
    """LZB at 2024-06-30: A, E; at 2023-06-30: A, E (C had 546 days, B 181): 2 / 2."""
    assert val(scenario, "K3") == (2, 2, 100.0)
    assert val(scenario, "K3", "F") == (1, 1, 100.0)
    assert val(scenario, "K3", "M") == (0, 0, None)


def test_k3e1_counts_integrationen_of_lzb_per_mean_lzb_stock(scenario: KennzahlenResult) -> None:
    """C (LZB at S(Dec)) and E (LZB at S(Apr)): 2 / (28/12) = 85.7143 %; F: C, 1 / (16/12) = 75 %."""
    assert val(scenario, "K3E1")[0::2] == (2, round(100 * 2 * 12 / 28, 4))
    assert val(scenario, "K3E1", "F")[0::2] == (1, 75.0)


def test_k3e2_counts_lzb_with_activation_at_the_stichtag(scenario: KennzahlenResult) -> None:
    """E has § 16d covering 2024-06-30; A's 16k counts only on request: 1/2, or 2/2."""
    assert val(scenario, "K3E2") == (1, 2, 50.0)
    assert val(run(SCENARIO, count_16k=True), "K3E2") == (2, 2, 100.0)


def test_activation_is_every_paragraph_16_measure() -> None:
    """Five LZB with a measure covering 2024-06-30: FbW, BaE, LTA count; Vermittlungsbudget, § 16a not: 3/5.

    Codes 81sgb3, 76sgb3, 112sgb3 are activation (§ 2 Abs. 2 Nr. 1 VO); 44sgb3 and 16a are not named.
    """
    codes = ["81sgb3", "76sgb3", "112sgb3", "44sgb3", "16a"]
    records = []
    for i, code in enumerate(codes):
        records += [elb(f"p{i}", "2020-01-01"), job(f"p{i}", "measure", "2024-05-01", "2024-07-31", code)]
    assert val(run(records), "K3E2") == (3, 5, 60.0)


def test_16e_is_classed_by_the_version_in_force_at_the_spells_start() -> None:
    """§ 16e public employment that started in 2018 counts as activation in June 2024; 16e_old too."""
    records = [elb("a", "2020-01-01"), job("a", "public_employment", "2018-06-01", "2024-12-31", "16e"),
               elb("b", "2020-01-01"), job("b", "public_employment", "2018-06-01", "2024-12-31", "16e_old"),
               elb("c", "2020-01-01"), job("c", "svp", "2024-02-01", None, "16e")]
    assert val(run(records), "K3E2") == (2, 3, round(200 / 3, 4))


def test_contradicting_instrument_spells_are_input_errors_with_their_lines() -> None:
    """public_employment with 16e from 2019, with 16b; an unknown code; 16j after March 2024: all listed."""
    rows = [
        elb("a", "2020-01-01"),
        job("a", "public_employment", "2019-03-01", None, "16e"),
        job("a", "public_employment", "2020-03-01", None, "16b"),
        job("a", "measure", "2020-03-01", None, "zz9"),
        job("a", "measure", "2024-05-01", None, "16j"),
        job("a", "measure", "2024-01-01", "2024-02-01", "16j"),
    ]
    with pytest.raises(DataFormatError) as info:
        SpellTable.from_records(rows)
    reasons = {p.line: p.reason for p in info.value.problems}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "may not appear on public_employment spells" in reasons[3]
    assert "kind svp" in reasons[3]
    assert "may not appear on public_employment spells" in reasons[4]
    assert "'zz9' is not in the instrument catalogue" in reasons[5]
    assert "did not exist at the spell's start" in reasons[6]
    lenient = SpellTable.from_records(rows, strict=False)
    assert (len(lenient), [p.line for p in lenient.rejected]) == (2, [3, 4, 5, 6])


def test_a_user_catalogue_extends_the_shipped_one(tmp_path: Any) -> None:
    """A code of the user's own file is accepted by the reader and classed as activation."""
    path = tmp_path / "own.toml"
    path.write_text('[[instrument]]\ncode = "jc_coach"\nlaw = "kommunal"\nname = "Coaching"\n'
                    '[[instrument.period]]\ncategory = "activation"\nkinds = ["measure"]\n', encoding="utf-8")
    cat = load_catalogue(path)
    rows = [elb("a", "2020-01-01"), job("a", "measure", "2024-05-01", None, "jc_coach")]
    with pytest.raises(DataFormatError, match="jc_coach"):
        SpellTable.from_records(rows)
    spells = SpellTable.from_records(rows, catalogue=cat, data_end=END)
    assert val(kennzahlen(spells, JUNE, catalogue=cat), "K3E2") == (1, 1, 100.0)
    with pytest.raises(ValidationError, match="catalogue"):
        kennzahlen(spells, JUNE)


def test_k3e3_and_k3e4_are_mean_lzb_entry_and_exit_rates(scenario: KennzahlenResult) -> None:
    """C becomes LZB in Sep (LZB stock 3) and leaves in Jan (previous LZB stock 3): (1/3)/12 each."""
    assert val(scenario, "K3E3")[2] == round(100 / 3 / 12, 4)
    assert val(scenario, "K3E4")[2] == round(100 / 3 / 12, 4)
    assert val(scenario, "K3E3", "F")[2] == round(100 / 2 / 12, 4)


def test_mean_rates_are_not_available_when_a_monthly_denominator_is_zero(scenario: KennzahlenResult) -> None:
    """No male LZB at all: K3E3/K3E4 for men are not available, with null numerator and denominator."""
    for code in ("K3E3", "K3E4"):
        c = scenario.cell("1", JUNE, code, "M")
        assert (c.available, c.numerator, c.denominator, c.value) == (False, None, None, None)


def test_bedarfsdeckend_counts_integrationen_that_leave_the_stock(scenario: KennzahlenResult) -> None:
    """C (gone at S(Apr)) and G (gone at S(Jun)) of 5 Integrationen: 40 %."""
    assert val(scenario, "bedarfsdeckend") == (2, 5, 40.0)
    assert val(scenario, "bedarfsdeckend", "F") == (2, 2, 100.0)
    assert val(scenario, "bedarfsdeckend", "M") == (0, 2, 0.0)


def test_other_jobcenters_are_reported_separately(scenario: KennzahlenResult) -> None:
    """JC 2 (only H) has its own cells; H never appears in JC 1."""
    assert scenario.jobcenters == ("1", "2")
    assert val(scenario, "K1E2", jc="2") == (1, 1, 100.0)


def test_every_jobcenter_group_and_code_is_reported(scenario: KennzahlenResult) -> None:
    """2 jobcenters × 3 groups × 16 codes, each row with the documented keys and the official name."""
    rows = scenario.rows()
    assert len(rows) == 2 * 3 * 16
    assert set(rows[0]) == {"jobcenter", "month", "group", "code", "name", "numerator", "denominator",
                            "value", "change", "ci_low", "ci_high", "suppressed", "available"}
    names = {r["code"]: r["name"] for r in rows}
    assert names["K2"] == "Integrationsquote"
    assert names["K3E2"] == "Aktivierungsquote der Langzeitleistungsbeziehenden"
    assert all(r["change"] is None for r in rows if r["code"] not in ("K1", "K1E1", "K1E2", "K3"))


# ---------------------------------------------------------------------------------------------
# Edges
# ---------------------------------------------------------------------------------------------
def test_a_spell_ending_the_day_before_the_stichtag_is_not_in_the_stock() -> None:
    """Spells to 2024-06-29 and to 2024-06-30: only the second is in the stock at S = 2024-06-30."""
    r = run([elb("a", "2023-01-01", "2024-06-29"), elb("b", "2023-01-01", "2024-06-30")])
    assert val(r, "K1E2")[0] == 1


def test_lzb_needs_638_days_not_637() -> None:
    """Window [S − 729, S] with S = 2024-06-30: from S − 637 (638 days) LZB; from S − 636 (637 days) not."""
    s = D(2024, 6, 30)
    r = run([
        elb("a", str(s - dt.timedelta(days=637))),
        elb("b", str(s - dt.timedelta(days=636))),
    ])
    assert val(r, "K3")[0] == 1
    assert val(r, "K3E2")[1] == 1


def test_overlapping_spells_in_two_jobcenters_count_once_for_lzb() -> None:
    """[S−637, S−100] in JC 2 and [S−200, S] in JC 1 cover 638 distinct days (739 naively): LZB.

    The same with the first spell from S−636 covers 637 days: not LZB, although the naive sum is 738.
    """
    s = D(2024, 6, 30)

    def day(n: int) -> str:
        return str(s - dt.timedelta(days=n))

    r = run([
        elb("a", day(637), day(100), jc="2"), elb("a", day(200), None, jc="1"),
        elb("b", day(636), day(100), jc="2"), elb("b", day(200), None, jc="1"),
    ])
    assert val(r, "K3")[0] == 1


def test_overlapping_spells_put_the_person_in_one_stock_only() -> None:
    """Covering spells in JC 1 (from 2023) and JC 2 (from 2024-03): the latest start (JC 2) decides."""
    r = run([elb("a", "2023-01-01", jc="1"), elb("a", "2024-03-01", jc="2")])
    assert val(r, "K1E2", jc="1")[0] == 0
    assert val(r, "K1E2", jc="2")[0] == 1


def test_same_start_goes_to_the_smaller_jobcenter_id() -> None:
    """Same start in JC '10' and JC '2': the smaller id is '2' (numeric ids compare as numbers)."""
    r = run([elb("a", "2024-03-01", jc="10"), elb("a", "2024-03-01", jc="2")])
    assert val(r, "K1E2", jc="2")[0] == 1
    assert val(r, "K1E2", jc="10")[0] == 0


def test_a_move_between_jobcenters_is_neither_entry_nor_exit() -> None:
    """Person b moves from JC 1 to JC 2 in March 2024: no exit in JC 1, no entry in JC 2; both rates 0."""
    r = run([
        elb("a", "2020-01-01", jc="1"),
        elb("b", "2020-01-01", "2024-03-15", jc="1"), elb("b", "2024-03-16", jc="2"),
        elb("c", "2020-01-01", jc="2"),
    ])
    for jc in ("1", "2"):
        assert val(r, "K1E3", jc=jc)[2] == 0.0
        assert val(r, "K1E4", jc=jc)[2] == 0.0
    assert val(r, "K1E2", jc="1") == (1, 2, 50.0)
    assert val(r, "K1E2", jc="2") == (2, 1, 200.0)


def test_an_integration_in_the_entry_month_counts_through_the_new_stock() -> None:
    """Entrant a (via S(Jun)) and leaver b (via S(May)) count; c, ELB only from July, does not.

    a enters on 2024-06-10 and starts svp on 06-12; b leaves on 06-05 and starts on 06-06.
    Mean stock of the Vormonate Jun 2023 … May 2024: b 11 (Jul–May), so 2 / (11/12) = 218.1818 %.
    """
    r = run([
        elb("a", "2024-06-10"), job("a", "svp", "2024-06-12"),
        elb("b", "2023-07-01", "2024-06-05"), job("b", "svp", "2024-06-06"),
        elb("c", "2024-07-01"), job("c", "svp", "2024-06-12"),
    ])
    assert val(r, "K2") == (2, pytest.approx(11 / 12), round(100 * 2 * 12 / 11, 4))


def test_the_previous_stock_decides_the_jobcenter_of_an_integration() -> None:
    """In JC 1 at S(May), in JC 2 at S(Jun), svp in June: attributed to JC 1 (the stock at S(m − 1))."""
    r = run([elb("a", "2024-01-01", "2024-06-03", jc="1"), elb("a", "2024-06-04", jc="2"),
             job("a", "svp", "2024-06-20")])
    assert val(r, "K2", jc="1")[0] == 1
    assert val(r, "K2", jc="2")[0] == 0


def test_two_job_starts_in_one_month_count_once_with_the_earliest_kind() -> None:
    """Apprenticeship 06-03 and svp 06-10: one Integration of kind apprenticeship (no svp for K2E3)."""
    r = run([
        elb("a", "2023-01-01"), job("a", "apprenticeship", "2024-06-03"), job("a", "svp", "2024-06-10")
    ])
    assert val(r, "K2")[0] == 1
    assert val(r, "K2E3")[:2] == (0, 0)


def test_same_day_starts_prefer_svp() -> None:
    """Self-employment and svp on the same day: one Integration of kind svp."""
    r = run([
        elb("a", "2023-01-01"), job("a", "self_employment", "2024-06-10"), job("a", "svp", "2024-06-10")
    ])
    assert val(r, "K2")[0] == 1
    assert val(r, "K2E3")[:2] == (1, 1)


def test_starts_in_different_months_count_separately_and_minijobs_once_a_month() -> None:
    """Svp in April and June: 2 Integrationen; two minijobs in May: 1 for K2E1."""
    r = run([
        elb("a", "2023-01-01"), job("a", "svp", "2024-04-10", "2024-04-30"), job("a", "svp", "2024-06-10"),
        job("a", "minijob", "2024-05-02", "2024-05-10"), job("a", "minijob", "2024-05-20"),
    ])
    assert val(r, "K2")[0] == 2
    assert val(r, "K2E1")[0] == 1


def test_minijobs_and_measures_are_not_integrationen() -> None:
    """Minijob, public employment and a measure: K2 numerator 0."""
    r = run([
        elb("a", "2023-01-01"), job("a", "minijob", "2024-06-10"),
        job("a", "public_employment", "2024-05-10", None, "16i"),
        job("a", "measure", "2024-04-10", None, "16f"),
    ])
    assert val(r, "K2")[0] == 0
    assert val(r, "K2E2")[0] == 1


def test_follow_up_beyond_the_data_end_is_not_available() -> None:
    """K2E3 (2019) for June 2024 needs S(Dec 2024) = 2024-12-31; bedarfsdeckend S(Sep) = 2024-09-30."""
    records = [elb("a", "2023-01-01"), job("a", "svp", "2024-06-10")]
    early = run(records, data_end=D(2024, 12, 30))
    c = early.cell("1", JUNE, "K2E3")
    assert (c.available, c.numerator, c.denominator, c.value) == (False, None, None, None)
    assert early.cell("1", JUNE, "K2").available
    assert run(records, data_end=D(2024, 12, 31)).cell("1", JUNE, "K2E3").available
    assert not run(records, data_end=D(2024, 9, 29)).cell("1", JUNE, "bedarfsdeckend").available
    assert run(records, data_end=D(2024, 9, 30)).cell("1", JUNE, "bedarfsdeckend").available
    assert not run(records, data_end=D(2025, 6, 29), regime="2011").cell("1", JUNE, "K2E3").available


def test_cells_are_not_available_before_the_stichtag_is_in_the_data() -> None:
    """Data ending 2024-06-29: nothing for June 2024 is available."""
    r = run([elb("a", "2023-01-01")], data_end=D(2024, 6, 29))
    assert not any(c.available for c in r.cells())


def test_open_spells_run_to_the_data_end() -> None:
    """An open svp spell covers every follow-up day up to the data end: continuous under 2019."""
    r = run([elb("a", "2023-01-01"), job("a", "svp", "2024-06-10")], data_end=D(2024, 12, 31))
    assert val(r, "K2E3")[:2] == (1, 1)


def test_the_two_k2e3_regimes_disagree_on_one_person() -> None:
    """Person a is continuous under 2019 only, person b under 2011 only.

    a: svp to 2025-01-15 covers S(Jul…Dec 2024) but not S(Jun 2025).
    b: svp to 2024-09-10, again from 2025-05-01: no under 2019 (S(Sep) uncovered), yes under 2011.
    """
    records = [
        elb("a", "2023-01-01"), job("a", "svp", "2024-06-12", "2025-01-15"),
        elb("b", "2023-01-01"), job("b", "svp", "2024-06-12", "2024-09-10"), job("b", "svp", "2025-05-01"),
    ]
    r2019, r2011 = run(records), run(records, regime="2011")
    assert val(r2019, "K2E3") == (1, 2, 50.0)
    assert val(r2011, "K2E3") == (1, 2, 50.0)
    only_a = [r for r in records if r["person_id"] == "a"]
    assert val(run(only_a), "K2E3") == (1, 1, 100.0)
    assert val(run(only_a, regime="2011"), "K2E3") == (0, 1, 0.0)


def test_the_stichtag_is_a_parameter() -> None:
    """With S(m) on the 15th, a spell ending 2024-06-20 is in the June stock; with the last day it is not."""
    records = [elb("a", "2023-01-01", "2024-06-20")]
    assert val(run(records, stichtag=15), "K1E2")[0] == 1
    assert val(run(records), "K1E2")[0] == 0


def test_other_sexes_count_in_all_only() -> None:
    """Sex D and unknown: counted in 'all', not in 'F' or 'M'."""
    r = run([elb("a", "2023-01-01", sex="D"), elb("b", "2023-01-01", sex="")])
    assert val(r, "K1E2", "all")[0] == 2
    assert val(r, "K1E2", "F")[0] == 0
    assert val(r, "K1E2", "M")[0] == 0


def test_the_data_end_defaults_to_the_latest_date_in_the_file() -> None:
    """Latest date 2024-12-31 (a job's end): K2E3 of June 2024 is available, of July 2024 not."""
    spells = SpellTable.from_records([elb("a", "2023-01-01"), job("a", "svp", "2024-06-10", "2024-12-31")])
    r = kennzahlen(spells, [JUNE, D(2024, 7, 1)])
    assert r.data_end == D(2024, 12, 31)
    assert r.cell("1", JUNE, "K2E3").available
    assert not r.cell("1", D(2024, 7, 1), "K2E3").available


def test_jobcenter_filter_and_unknown_jobcenters() -> None:
    """jobcenters=['2'] reports JC 2 only; an id without elb rows is an UnknownNameError."""
    spells = SpellTable.from_records(SCENARIO, data_end=END)
    assert kennzahlen(spells, JUNE, jobcenters=["2"]).jobcenters == ("2",)
    with pytest.raises(UnknownNameError, match="jobcenter '9'"):
        kennzahlen(spells, JUNE, jobcenters=["9"])


def test_bad_options_are_rejected() -> None:
    """No months, an unknown regime or a bad Stichtag day raise ValueError."""
    spells = SpellTable.from_records(SCENARIO, data_end=END)
    with pytest.raises(ValueError, match="month"):
        kennzahlen(spells, [])
    with pytest.raises(ValueError, match="regime"):
        kennzahlen(spells, JUNE, regime="2020")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stichtag"):
        kennzahlen(spells, JUNE, stichtag=0)


def test_merge_rejects_results_of_different_months() -> None:
    """Results of different reference months cannot be merged."""
    spells = SpellTable.from_records(SCENARIO, data_end=END)
    with pytest.raises(ValueError, match="different months"):
        kennzahlen(spells, JUNE).merge(kennzahlen(spells, D(2024, 5, 1)))


# ---------------------------------------------------------------------------------------------
# Confidentiality on the result
# ---------------------------------------------------------------------------------------------
def _five_women_one_man() -> list[dict[str, Any]]:
    return [elb(f"w{i}", "2020-01-01") for i in range(5)] + [elb("m", "2020-01-01", sex="M")]


def test_small_cells_are_suppressed_with_a_flag_not_a_fake_value() -> None:
    """Stock line F 5, M 1, other 0 | all 6: M is primary; the smallest other non-zero cell, F, secondary."""
    r = suppress(run(_five_women_one_man()))
    m, f, total = (r.cell("1", JUNE, "K1E2", g) for g in ("M", "F", "all"))
    assert (m.suppressed, m.numerator, m.denominator, m.value, m.ci_low) == (True, None, None, None, None)
    assert (f.suppressed, f.numerator, f.value) == (True, None, None)
    assert (total.suppressed, total.numerator, total.denominator, total.value) == (False, 6, 6, 100.0)


def test_a_suppressed_cell_carries_no_number_at_all() -> None:
    """K2: 1 Integration (primary) over a mean stock of 6: numerator, denominator and value are all null."""
    r = suppress(run([*_five_women_one_man(), job("w0", "svp", "2024-06-10")]))
    c = r.cell("1", JUNE, "K2")
    assert (c.suppressed, c.numerator, c.denominator, c.value, c.ci_low, c.change) == (
        True, None, None, None, None, None)
    assert (r.cell("1", JUNE, "K1E2").numerator, r.cell("1", JUNE, "K1E2").denominator) == (6, 6)


def _five_four_one() -> list[dict[str, Any]]:
    """Five women, four men and one person of sex D, in the stock all the time (LZB too)."""
    women = [elb(f"w{i}", "2020-01-01") for i in range(5)]
    return women + [elb(f"m{i}", "2020-01-01", sex="M") for i in range(4)] + [elb("d", "2020-01-01", sex="D")]


def test_one_person_of_another_sex_hides_a_published_cell() -> None:
    """Stock line F 5, M 4, D 1 | all 10: D is not published but protected; the smallest other, M, is hidden.

    Without it, all − F − M = 1 would disclose the one person of sex D.
    """
    r = suppress(run(_five_four_one()))
    f, m, total = (r.cell("1", JUNE, "K1E2", g) for g in ("F", "M", "all"))
    assert (f.numerator, f.denominator, total.numerator, total.denominator) == (5, 5, 10, 10)
    assert (m.suppressed, m.numerator, m.denominator) == (True, None, None)


def test_a_zero_on_one_person_is_protected() -> None:
    """K2: three men start svp, the D person and the women do not.

    Numerators F 0, M 3, D 0 | all 3; denominators (mean stocks) F 5, M 4, D 1 | all 10. The D
    denominator 1 is primary, so its numerator 0 is protected too; the denominator line hides M (4),
    which hides M's numerator 3. Subsets and zeros spread it (the men's svp Integrationen go with
    their Integrationen; hidden parts beside a shown total must not add up to 0). What matters:
    neither M nor all − F can be read off.
    """
    records = [*_five_four_one(), *(job(f"m{i}", "svp", "2024-03-01") for i in range(3))]
    plain = run(records)
    assert (val(plain, "K2")[0], val(plain, "K2", "F")[0], val(plain, "K2", "M")[0]) == (3, 0, 3)
    r = suppress(run(records))
    f, m, total = (r.cell("1", JUNE, "K2", g) for g in ("F", "M", "all"))
    assert (m.suppressed, m.numerator, m.denominator, m.value) == (True, None, None, None)
    assert total.numerator is None or f.numerator is None  # all − F would give M + D
    assert (r.cell("1", JUNE, "K1E2", "F").numerator, r.cell("1", JUNE, "K1E2").numerator) == (5, 10)


def test_a_complement_of_one_or_two_persons_is_protected() -> None:
    """K3E2: 4 LZB women of whom 3 are activated, 5 men all activated.

    Complements (not activated) F 1, M 0 | all 1: shown numerators 3 of 4 would disclose one
    woman without a measure. The complement lines 3 + 1 = 4 (F) and 8 + 1 = 9 (all) each hide
    their numerator; men stay shown (5 of 5).
    """
    records = [elb(f"w{i}", "2020-01-01") for i in range(4)] + [elb(f"m{i}", "2020-01-01", sex="M")
                                                                 for i in range(5)]
    records += [job(f"w{i}", "measure", "2024-01-01", "2024-12-31", "45sgb3") for i in range(3)]
    records += [job(f"m{i}", "measure", "2024-01-01", "2024-12-31", "81sgb3") for i in range(5)]
    r = suppress(run(records))
    f, m, total = (r.cell("1", JUNE, "K3E2", g) for g in ("F", "M", "all"))
    assert (f.suppressed, f.numerator, total.suppressed, total.numerator) == (True, None, True, None)
    assert (m.suppressed, m.numerator, m.denominator) == (False, 5, 5)
    assert run(records).cell("1", JUNE, "K3E2", "F").numerator == 3  # unsuppressed: 3 of 4


def test_rounding_to_ten_changes_shown_counts_not_values() -> None:
    """round_to=10: the stock 6 is shown as 10; the value stays 100 %."""
    c = suppress(run(_five_women_one_man()), round_to=10).cell("1", JUNE, "K1E2")
    assert (c.numerator, c.denominator, c.value) == (10, 10, 100.0)


def test_min_n_is_a_parameter_for_results_too() -> None:
    """min_n=1 suppresses nothing."""
    r = suppress(run(_five_women_one_man()), min_n=1)
    assert not any(c.suppressed for c in r.cells())


def test_mean_rates_are_suppressed_when_a_monthly_count_is_small() -> None:
    """K1E3 for men rests on monthly stocks of 1: suppressed; for all (stocks of 6, no entries) shown."""
    r = suppress(run(_five_women_one_man()))
    assert r.cell("1", JUNE, "K1E3", "M").suppressed
    assert not r.cell("1", JUNE, "K1E3").suppressed


def test_a_start_on_the_stichtag_belongs_to_that_month() -> None:
    """Window (S(m−1), S(m)]: a start on 2024-06-30 is in June; one on 2023-06-30 is June 2023, outside."""
    assert val(run([elb("a", "2022-01-01"), job("a", "svp", "2024-06-30")]), "K2")[0] == 1
    assert val(run([elb("a", "2022-01-01"), job("a", "svp", "2023-06-30", "2023-07-05")]), "K2")[0] == 0


def test_continuity_needs_the_sixth_stichtag_too() -> None:
    """Svp from 2024-06-12 to 2024-12-30 misses S(Dec 2024) = 2024-12-31: not continuous under 2019."""
    r = run([elb("a", "2023-01-01"), job("a", "svp", "2024-06-12", "2024-12-30")])
    assert val(r, "K2E3")[:2] == (0, 1)


def test_monthly_counts_show_stock_entries_and_exits(scenario: KennzahlenResult) -> None:
    """Monthly components of JC 1: stocks 4 (Jun 2023) … 6 (Nov), entries Sep/Nov, exits Jan/Mar."""
    m = scenario.monthly()
    assert m.months[0] == D(2023, 6, 1)
    assert m.months[-1] == JUNE
    stocks = [m.get("1", month, "stock") for month in m.months]
    assert stocks == [4, 4, 4, 5, 5, 6, 6, 5, 5, 4, 4, 4, 4]
    entries = {month.month for month in m.months[1:] if m.get("1", month, "entries")}
    exits = {month.month for month in m.months[1:] if m.get("1", month, "exits")}
    assert (entries, exits) == ({9, 11}, {1, 3})
    assert m.get("1", D(2023, 9, 1), "lzb_entries") == 1
    assert m.get("1", D(2023, 9, 1), "integrationen", "M") == 1
    assert m.get("1", JUNE, "llu_euros") == 1000.0
    assert m.get("1", JUNE, "llu_euros", "F") is None  # amounts are not split by sex
    assert m.get("1", D(2023, 6, 1), "entries") is None  # needs S(May 2023), not computed
    assert len(m.rows()) == 2 * 13 * 3


def test_monthly_follow_up_counts_are_unknown_beyond_the_data_end() -> None:
    """Data to 2024-09-30: continuity of June 2024 (needs S(Dec 2024)) is unknown, bedarfsdeckend known."""
    m = run([elb("a", "2023-01-01"), job("a", "svp", "2024-06-10")], data_end=D(2024, 9, 30)).monthly()
    assert m.get("1", JUNE, "svp_continuous_2019") is None
    assert m.get("1", JUNE, "bedarfsdeckend") == 0
    assert m.get("1", JUNE, "svp_integrationen") == 1
    with pytest.raises(UnknownNameError):
        m.get("1", JUNE, "nonsense")


@pytest.mark.parametrize("seed", range(5))
def test_the_packed_sort_of_the_deciding_spell_equals_the_four_key_lexsort(seed: int) -> None:
    """(person, start, −jobcenter, −row) by one packed stable sort, ties of every key included (conv. 1)."""
    import numpy as np

    from langzeit.indicators._kennzahlen_counts import _decider_order

    rng = np.random.default_rng(seed)
    n = 2000
    person = np.sort(rng.integers(0, 50, n)).astype(np.int32) if seed % 2 else rng.integers(0, 50, n).astype(
        np.int32)
    start = rng.integers(-400, 40, n).astype(np.int64)
    jc = rng.integers(-1, 4, n).astype(np.int64)
    expected = np.lexsort((-np.arange(n), -jc, start, person))
    assert _decider_order(person, start, jc).tolist() == expected.tolist()
    assert _decider_order(person[:0], start[:0], jc[:0]).size == 0
