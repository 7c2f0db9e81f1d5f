"""Domain layer: the Rechtsstand — which SGB II rules are in force on a date.

Rules that changed over time are kept here as date-effective rule sets, so the engine's
guards, the indicators and the simulator ask one place: :func:`rechtsstand` gives the
:class:`LawInForce` of a day. Every rule is a :class:`LawRule` of :data:`LAW_RULES` with
its source (Gesetz, Bundesgesetzblatt, paragraph) and dates; ``docs/background/law.md``
lists them all (a test checks that every rule is there).

Instrument dates (§ 16e's change of meaning on 01.01.2019, § 16i since 2019, § 16j
07/2023–03/2024, § 16k since 07/2023) are not written twice: they are read from the
instrument catalogue's data file (``spells/data/instruments.toml``, DOMAIN.md § 3a), the
same file :func:`langzeit.spells.default_catalogue` reads. The domain layer imports no
other package, so it reads that file itself (data, not code: no upward import).

The Grundsicherung reform of 2026 ("Neue Grundsicherung", 13. SGB-II-Änderungsgesetz) is
a draft as far as this library knows: its rules are applied only when asked for
(``drafts=True``) and every such rule says ``draft=True``.

Examples:
    >>> from datetime import date
    >>> rechtsstand(date(2023, 6, 30)).plan_label
    'Eingliederungsvereinbarung'
    >>> rechtsstand(date(2023, 7, 1)).plan_label
    'Kooperationsplan'
    >>> rechtsstand(date(2024, 5, 1)).reductions.work_refusal_months
    2
"""

from __future__ import annotations

import enum
import functools
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.exceptions import UnknownNameError

__all__ = [
    "LAW_RULES",
    "LawInForce",
    "LawRule",
    "PastReduction",
    "ReductionDecision",
    "ReductionGround",
    "ReductionRules",
    "decide_reduction",
    "instrument_in_force",
    "rechtsstand",
]

_INSTRUMENTS = Path(__file__).resolve().parent.parent / "spells" / "data" / "instruments.toml"


@attrs.frozen
class LawRule:
    """One rule of the Rechtsstand with its source and dates.

    Args:
        id: a stable identifier, e.g. ``"31a_7"``.
        title: what the rule says, in a line.
        law: the paragraph, e.g. ``"§ 31a Abs. 7 SGB II"``.
        source: the Gesetz and its Bundesgesetzblatt reference (or the judgment).
        valid_from: first day the rule applies (None: before anything modelled here).
        valid_until: last day it applies, inclusive (None: still in force).
        draft: the rule comes from a bill, not from promulgated law.
        note: what is uncertain or simplified.

    Examples:
        >>> r = LawRule("x", "t", "§ 1", "Gesetz", date(2023, 7, 1), None)
        >>> r.in_force(date(2023, 6, 30)), r.in_force(date(2023, 7, 1))
        (False, True)
    """

    id: str
    title: str
    law: str
    source: str
    valid_from: date | None
    valid_until: date | None
    draft: bool = False
    note: str = ""

    def in_force(self, day: date) -> bool:
        """Whether the rule applies on ``day``."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until)


_BG = "Bürgergeld-Gesetz (12. SGB-II-ÄndG) vom 16.12.2022, BGBl. I S. 2328"
_HFG = "Zweites Haushaltsfinanzierungsgesetz 2024 vom 22.03.2024, BGBl. 2024 I Nr. 107"
_TCG = "Teilhabechancengesetz (10. SGB-II-ÄndG) vom 17.12.2018, BGBl. I S. 2583"
_NG = ("Entwurf eines Dreizehnten Gesetzes zur Änderung des SGB II (Neue Grundsicherung), "
       "Regierungsentwurf 12/2025, 1. Lesung im Bundestag 01/2026")
_MOR = "Elftes Gesetz zur Änderung des SGB II (Sanktionsmoratorium) vom 19.06.2022, BGBl. I S. 921"
_BVERFG = "BVerfG, Urteil vom 05.11.2019 – 1 BvL 7/16"

@functools.cache
def _instrument_periods() -> Mapping[str, tuple[tuple[date | None, date | None], ...]]:
    data: dict[str, Any] = tomllib.loads(_INSTRUMENTS.read_text(encoding="utf-8"))
    out: dict[str, tuple[tuple[date | None, date | None], ...]] = {}
    for entry in data.get("instrument", []):
        out[str(entry["code"]).lower()] = tuple(
            (p.get("valid_from"), p.get("valid_until")) for p in entry.get("period", []))
    return out


def _since(code: str) -> date | None:
    """The first day of the catalogue's last period of ``code`` (its current meaning)."""
    return _instrument_periods()[code][-1][0]


_D = date
#: Every rule the Rechtsstand knows, with its source and dates (docs/background/law.md).
LAW_RULES: tuple[LawRule, ...] = (
    LawRule("15_eingliederungsvereinbarung", "Eingliederungsvereinbarung: agreed integration "
            "contract, reviewed at the latest after six months", "§ 15 SGB II (Fassung bis 30.06.2023)",
            "Neuntes SGB-II-ÄndG vom 26.07.2016, BGBl. I S. 1824 (six-month review)", None, _D(2023, 6, 30)),
    LawRule("15_kooperationsplan", "Kooperationsplan: plan without legal force, reviewed and "
            "fortgeschrieben regularly, at the latest after six months", "§ 15 Abs. 2–3 SGB II",
            _BG + ", Art. 1, in force 01.07.2023", _D(2023, 7, 1), None),
    LawRule("15a_schlichtung", "Schlichtungsverfahren when a Kooperationsplan cannot be made or "
            "fortgeschrieben; ends at the latest four weeks after it began", "§ 15a SGB II",
            _BG + ", in force 01.07.2023", _D(2023, 7, 1), None,
            note="the 2026 draft abolishes § 15a (see ng_2026_plan)"),
    LawRule("31a_bverfg", "Pflichtverletzung: 30 % of the Regelbedarf for three months, also when "
            "repeated (no 60 %/100 %); Meldeversäumnis (§ 32 a.F.): 10 % for three months; "
            "no reduction in außergewöhnlicher Härte", "§§ 31a, 32 SGB II a.F. as limited by the BVerfG",
            _BVERFG, _D(2019, 11, 5), _D(2022, 6, 30),
            note="the Weisung allowed shortening once the duty was fulfilled; not modelled. "
                 "Rules before 05.11.2019 (60 %, 100 %, stricter rules for under-25s) are not modelled"),
    LawRule("84_moratorium", "Sanktionsmoratorium: no reduction for Pflichtverletzungen; "
            "Meldeversäumnis 10 % for one month", "§ 84 SGB II (01.07.2022–31.12.2022)",
            _MOR, _D(2022, 7, 1), _D(2022, 12, 31),
            note="§ 84 reduced only repeated Meldeversäumnisse; modelled as every Meldeversäumnis "
                 "after the first within a year"),
    LawRule("31a_1_buergergeld", "Pflichtverletzung: 10 %, 20 %, 30 % of the Regelbedarf for one, two, "
            "three months (first, weitere, jede weitere within a year of the previous reduction's start)",
            "§ 31a Abs. 1, § 31b Abs. 2 SGB II", _BG + ", in force 01.01.2023", _D(2023, 1, 1), None),
    LawRule("32_buergergeld", "Meldeversäumnis: 10 % of the Regelbedarf for one month", "§ 32 SGB II",
            _BG + ", in force 01.01.2023", _D(2023, 1, 1), None),
    LawRule("31a_3_haerte", "No reduction where it would be an außergewöhnliche Härte",
            "§ 31a Abs. 3 SGB II", _BG, _D(2023, 1, 1), None),
    LawRule("31a_4_cap", "Reductions together at most 30 % of the Regelbedarf (Abs. 7 excepted)",
            "§ 31a Abs. 4 SGB II", _BG, _D(2023, 1, 1), None),
    LawRule("31a_7_entzug", "Arbeitsverweigerung: the Regelbedarf is withdrawn completely, for at most "
            "two months, if a reduction was established within the last year",
            "§ 31a Abs. 7 SGB II", _HFG + ", Art. 5, in force 28.03.2024", _D(2024, 3, 28), _D(2026, 3, 27),
            note="limited to two years by the same law; the 2026 draft re-enacts it "
                 "(from the day after promulgation) — see ng_2026_reductions"),
    LawRule("16k_4_schutz", "Breaking off ganzheitliche Betreuung (Coaching) under § 16k is not a "
            "Pflichtverletzung: no reduction", "§ 16k Abs. 4 SGB II", _BG + ", in force 01.07.2023",
            _since("16k"), None, note="dates read from the instrument catalogue (code 16k)"),
    LawRule("16e_lza", "Eingliederung von Langzeitarbeitslosen: wage subsidy for insured work, for "
            "persons unemployed for at least two years", "§ 16e Abs. 1, 3 SGB II", _TCG,
            _since("16e"), None, note="dates read from the instrument catalogue (code 16e)"),
    LawRule("16i_zielgruppe", "Teilhabe am Arbeitsmarkt: at least 25 years old; Bürgergeld/ALG II in "
            "at least six of the last seven years; not or only briefly employed in that time "
            "(five years for persons with a minor child or a Schwerbehinderung)",
            "§ 16i Abs. 3 SGB II", _TCG + "; made permanent by the " + _BG, _since("16i"), None,
            note="dates read from the instrument catalogue (code 16i)"),
    LawRule("16j_bonus", "Bürgergeldbonus (75 € a month for certain measures)", "§ 16j SGB II",
            _BG + "; repealed by the " + _HFG, _D(2023, 7, 1), _D(2024, 3, 27),
            note="the catalogue accepts spells starting until 31.03.2024 (monthly data)"),
    LawRule("ng_2026_reductions", "Draft: Pflichtverletzung 30 % for three months from the first; "
            "Meldeversäumnis: the first none, the second 30 %, from the third the Regelbedarf "
            "withdrawn; Arbeitsverweigerung: Regelbedarf withdrawn", "§§ 31a, 32 SGB II (Entwurf)", _NG,
            _D(2026, 7, 1), None, draft=True,
            note="a draft: amounts and start date may change in the Bundestag; the withdrawal "
                 "of housing costs after repeated Meldeversäumnisse is not modelled"),
    LawRule("ng_2026_plan", "Draft: Kooperationsplan becomes binding (can be issued as a "
            "Verwaltungsakt); Schlichtung (§ 15a) abolished", "§§ 15, 15a SGB II (Entwurf)", _NG,
            _D(2026, 7, 1), None, draft=True),
)
del _D

_RULE = {r.id: r for r in LAW_RULES}


@attrs.frozen
class ReductionRules:
    """Leistungsminderungen (§§ 31–32 SGB II) as in force on a day.

    Percentages are of the maßgebender Regelbedarf (§ 20); a reduction of the n-th
    Pflichtverletzung (counted within ``repeat_window`` of the previous reduction's start)
    takes the n-th entry, the last one for all further ones. A percentage 0 means no
    reduction.

    Args:
        duty_percent: Pflichtverletzung (§ 31): percent for the first, second, … (last repeats).
        duty_months: their durations in months.
        appointment_percent: Meldeversäumnis (§ 32): likewise.
        appointment_months: their durations in months.
        cap_percent: at most this much of the Regelbedarf at once (§ 31a Abs. 4).
        work_refusal_months: § 31a Abs. 7: complete withdrawal for at most this many months
            (None: no such rule).
        repeat_window: a repetition counts within this time of the previous reduction's start.
        rules: the ids of the :data:`LAW_RULES` these figures come from.

    Examples:
        >>> r = rechtsstand(date(2023, 3, 1)).reductions
        >>> r.duty(1), r.duty(2), r.duty(5), r.appointment(3)
        ((10, 1), (20, 2), (30, 3), (10, 1))
    """

    duty_percent: tuple[int, ...]
    duty_months: tuple[int, ...]
    appointment_percent: tuple[int, ...]
    appointment_months: tuple[int, ...]
    cap_percent: int
    work_refusal_months: int | None
    repeat_window: relativedelta = attrs.field(factory=lambda: relativedelta(years=1))
    rules: tuple[str, ...] = ()

    def duty(self, n: int) -> tuple[int, int]:
        """(percent, months) for the ``n``-th Pflichtverletzung (1 = first)."""
        return _nth(self.duty_percent, n), _nth(self.duty_months, n)

    def appointment(self, n: int) -> tuple[int, int]:
        """(percent, months) for the ``n``-th Meldeversäumnis (1 = first)."""
        return _nth(self.appointment_percent, n), _nth(self.appointment_months, n)


def _nth(values: tuple[int, ...], n: int) -> int:
    return values[min(max(n, 1), len(values)) - 1]


@attrs.frozen
class LawInForce:
    """The rules of SGB II that apply on one day (see :func:`rechtsstand`).

    Args:
        day: the day.
        plan_label: ``"Kooperationsplan"`` (from 01.07.2023) or ``"Eingliederungsvereinbarung"``.
        plan_law: the paragraph of the plan.
        plan_review: the plan is reviewed at the latest after this time (§ 15 Abs. 3).
        schlichtung: a Schlichtungsverfahren (§ 15a) exists.
        schlichtung_duration: it ends at the latest after this time.
        reductions: the Leistungsminderungen in force, or None before 05.11.2019 (not modelled).
        coaching_protected: breaking off § 16k coaching is not a Pflichtverletzung.
        drafts: draft rules were included.
        rules: the ids of the :data:`LAW_RULES` in force.

    Examples:
        >>> law = rechtsstand(date(2022, 8, 1))
        >>> law.reductions.duty(1), law.schlichtung, law.coaching_protected
        ((0, 0), False, False)
    """

    day: date
    plan_label: str
    plan_law: str
    plan_review: relativedelta
    schlichtung: bool
    schlichtung_duration: relativedelta
    reductions: ReductionRules | None
    coaching_protected: bool
    drafts: bool
    rules: tuple[str, ...]

    def rule(self, rule_id: str) -> LawRule:
        """The :class:`LawRule` ``rule_id`` (UnknownNameError, a KeyError, if not in force on the day)."""
        if rule_id not in self.rules:
            raise UnknownNameError(f"rule in force on {self.day.isoformat()}", rule_id, self.rules)
        return _RULE[rule_id]


def _reductions(day: date, in_force: set[str]) -> ReductionRules | None:
    if "ng_2026_reductions" in in_force:
        return ReductionRules((30,), (3,), (0, 30, 100), (0, 1, 1), 30, 2,
                              rules=("ng_2026_reductions", "31a_3_haerte"))
    if "31a_1_buergergeld" in in_force:
        abs7 = "31a_7_entzug" in in_force
        ids = ("31a_1_buergergeld", "32_buergergeld", "31a_3_haerte", "31a_4_cap") + (
            ("31a_7_entzug",) if abs7 else ())
        return ReductionRules((10, 20, 30), (1, 2, 3), (10,), (1,), 30, 2 if abs7 else None, rules=ids)
    if "84_moratorium" in in_force:
        return ReductionRules((0,), (0,), (0, 10), (0, 1), 30, None, rules=("84_moratorium",))
    if "31a_bverfg" in in_force:
        return ReductionRules((30,), (3,), (10,), (3,), 30, None, rules=("31a_bverfg",))
    return None


def rechtsstand(day: date, *, drafts: bool = False) -> LawInForce:
    """The law in force on ``day``.

    Args:
        day: the day.
        drafts: also apply draft rules (the 2026 Grundsicherung reform), from their planned dates.

    Returns:
        The :class:`LawInForce` of the day.

    Examples:
        >>> rechtsstand(date(2026, 8, 1)).reductions.duty(1)
        (10, 1)
        >>> rechtsstand(date(2026, 8, 1), drafts=True).reductions.duty(1)
        (30, 3)
        >>> rechtsstand(date(2026, 8, 1), drafts=True).schlichtung
        False
    """
    return _rechtsstand(day, drafts)


@functools.lru_cache(maxsize=4096)
def _rechtsstand(day: date, drafts: bool) -> LawInForce:
    ids = {r.id for r in LAW_RULES if r.in_force(day) and (drafts or not r.draft)}
    if "ng_2026_reductions" in ids:  # the draft re-enacts Abs. 7 within its own rules
        ids -= {"31a_1_buergergeld", "32_buergergeld", "31a_7_entzug"}
    if "ng_2026_plan" in ids:
        ids.discard("15a_schlichtung")
    koop = "15_kooperationsplan" in ids
    return LawInForce(
        day=day,
        plan_label="Kooperationsplan" if koop else "Eingliederungsvereinbarung",
        plan_law="§ 15 SGB II" if koop else "§ 15 SGB II (Fassung bis 30.06.2023)",
        plan_review=relativedelta(months=6),
        schlichtung="15a_schlichtung" in ids,
        schlichtung_duration=relativedelta(weeks=4),
        reductions=_reductions(day, ids),
        coaching_protected="16k_4_schutz" in ids and instrument_in_force("16k", day),
        drafts=drafts,
        rules=tuple(r.id for r in LAW_RULES if r.id in ids),
    )


def instrument_in_force(code: str, day: date) -> bool:
    """Whether the shipped instrument catalogue has ``code`` in force on ``day``.

    Reads the catalogue's data file (DOMAIN.md § 3a), so the dates are the catalogue's.

    Args:
        code: an instrument code, e.g. ``"16j"``.
        day: the day.

    Returns:
        True if a period of the code covers ``day``; False also for unknown codes.

    Examples:
        >>> instrument_in_force("16j", date(2023, 7, 1)), instrument_in_force("16j", date(2024, 4, 1))
        (True, False)
    """
    for lo, hi in _instrument_periods().get(code.lower(), ()):
        if (lo is None or lo <= day) and (hi is None or day <= hi):
            return True
    return False


class ReductionGround(enum.StrEnum):
    """Why a Leistungsminderung is established (§§ 31, 31a Abs. 7, 32 SGB II).

    Examples:
        >>> ReductionGround("missed_appointment").law
        '§ 32 SGB II'
    """

    DUTY_BREACH = "duty_breach"
    MISSED_APPOINTMENT = "missed_appointment"
    WORK_REFUSAL = "work_refusal"

    @property
    def law(self) -> str:
        """The paragraph."""
        return {"duty_breach": "§§ 31, 31a Abs. 1 SGB II", "missed_appointment": "§ 32 SGB II",
                "work_refusal": "§ 31a Abs. 7 SGB II"}[self.value]

    @property
    def label(self) -> str:
        """The German term."""
        return {"duty_breach": "Pflichtverletzung", "missed_appointment": "Meldeversäumnis",
                "work_refusal": "Arbeitsverweigerung"}[self.value]


@attrs.frozen
class PastReduction:
    """A reduction established earlier (what :func:`decide_reduction` needs of the history).

    Args:
        ground: its ground.
        start: first day of its reduction period.
        months: its length in months.
        percent: percent of the Regelbedarf.
        count: its place in its chain of repetitions (1 = first).

    Examples:
        >>> PastReduction("duty_breach", date(2024, 2, 1), 1, 10, 1).end
        datetime.date(2024, 2, 29)
    """

    ground: ReductionGround = attrs.field(converter=ReductionGround)
    start: date
    months: int
    percent: int
    count: int = 1

    @property
    def end(self) -> date:
        """Last day of the reduction period."""
        return self.start + relativedelta(months=self.months, days=-1)


@attrs.frozen
class ReductionDecision:
    """What the law in force says about one ground on one day (:func:`decide_reduction`).

    Args:
        ground: the ground.
        day: the day the reduction is established (Verwaltungsakt).
        percent: percent of the Regelbedarf (capped by § 31a Abs. 4; 100 for a withdrawal).
        months: duration in months.
        start: first day of the reduction period: the first of the next month (§ 31b Abs. 1).
        count: the reduction's place in its chain of repetitions.
        rules: the ids of the :data:`LAW_RULES` applied.
        refusals: why no reduction may be established, each ``(guard, reason)`` (empty: it may).

    Examples:
        >>> d = decide_reduction("duty_breach", date(2024, 5, 13), ())
        >>> d.percent, d.months, d.start, d.allowed
        (10, 1, datetime.date(2024, 6, 1), True)
    """

    ground: ReductionGround
    day: date
    percent: int
    months: int
    start: date
    count: int
    rules: tuple[str, ...]
    refusals: tuple[tuple[str, str], ...] = ()

    @property
    def allowed(self) -> bool:
        """No rule refuses the reduction."""
        return not self.refusals


def decide_reduction(ground: ReductionGround | str, day: date, history: tuple[PastReduction, ...], *,
                     hardship: bool = False, coaching_breakoff: bool = False, months: int | None = None,
                     drafts: bool = False) -> ReductionDecision:
    """The reduction the law in force on ``day`` gives for ``ground``, or why none is allowed.

    The one implementation of §§ 31a, 31b, 32 SGB II in langzeit: the engine's guard and the
    simulator call it. Rules (ids of :data:`LAW_RULES`):

    - the n-th reduction of a chain: a "weitere" Pflichtverletzung (Meldeversäumnis) is one
      whose previous reduction of the same ground began less than ``repeat_window`` (a year)
      before this one begins (§ 31a Abs. 1 Satz 4–5); percent and months from :class:`ReductionRules`;
    - the period begins on the first of the month after ``day`` (§ 31b Abs. 1 Satz 1);
    - reductions running at its start and the new one together at most ``cap_percent`` (§ 31a
      Abs. 4): the new percent is lowered; a withdrawal (100 %) is not capped;
    - ``work_refusal`` (§ 31a Abs. 7): only while Abs. 7 is in force and if a Pflichtverletzung
      reduction began within the last year; for ``months`` (default and at most the rule's 2);
    - refused: in außergewöhnlicher Härte (§ 31a Abs. 3; required since BVerfG 1 BvL 7/16),
      for breaking off § 16k coaching (§ 16k Abs. 4), where the law in force gives 0 %
      (§ 84 moratorium), before 05.11.2019 (not modelled), or when the cap leaves nothing.

    Args:
        ground: the ground.
        day: the day the reduction is established.
        history: the participant's earlier reductions (any order).
        hardship: the jobcenter found an außergewöhnliche Härte.
        coaching_breakoff: the breach is breaking off ganzheitliche Betreuung under § 16k.
        months: for ``work_refusal`` only: the withdrawal's length (1 or 2).
        drafts: apply draft law (:func:`rechtsstand`).

    Returns:
        The :class:`ReductionDecision`.

    Examples:
        >>> first = decide_reduction("duty_breach", date(2024, 5, 13), ())
        >>> past = (PastReduction("duty_breach", first.start, first.months, first.percent, first.count),)
        >>> second = decide_reduction("duty_breach", date(2024, 9, 2), past)
        >>> second.count, second.percent, second.months
        (2, 20, 2)
        >>> decide_reduction("duty_breach", date(2024, 9, 2), (), coaching_breakoff=True).refusals[0][0]
        '16k_protection'
    """
    g = ReductionGround(ground)
    law = rechtsstand(day, drafts=drafts)
    start = day.replace(day=1) + relativedelta(months=1)
    refusals: list[tuple[str, str]] = []
    rules = law.reductions
    if rules is None:
        return ReductionDecision(g, day, 0, 0, start, 1, (), (("rechtsstand", (
            f"Leistungsminderungen before 05.11.2019 are not modelled ({day.isoformat()})"),),))
    chain = [p for p in history if p.ground is (ReductionGround.DUTY_BREACH if g is
                                                ReductionGround.WORK_REFUSAL else g)]
    previous = max(chain, key=lambda p: p.start, default=None)
    recent = previous is not None and previous.start + rules.repeat_window > start
    repeated = recent and previous is not None and g is not ReductionGround.WORK_REFUSAL
    count = previous.count + 1 if repeated and previous is not None else 1
    if g is ReductionGround.WORK_REFUSAL:
        limit = rules.work_refusal_months
        if limit is None:
            refusals.append(("31a_7", f"§ 31a Abs. 7 SGB II is not in force on {day.isoformat()}"))
            percent, length = 0, 0
        else:
            percent, length = 100, limit if months is None else months
            if not 1 <= length <= limit:
                refusals.append(("31a_7", f"the Regelbedarf may be withdrawn for 1 to {limit} months, "
                                          f"not {length} (§ 31a Abs. 7 SGB II)"))
            if not recent:
                refusals.append(("31a_7", "no Pflichtverletzung reduction began within the year before "
                                          f"{start.isoformat()} (§ 31a Abs. 7 SGB II)"))
    else:
        percent, length = rules.duty(count) if g is ReductionGround.DUTY_BREACH else rules.appointment(count)
        if percent == 0:
            refusals.append(("rechtsstand", f"the law in force on {day.isoformat()} gives no reduction "
                                            f"for a {g.label} ({', '.join(rules.rules)})"))
    if percent and percent < 100:
        running = sum(p.percent for p in history if p.start <= start <= p.end and p.percent < 100)
        room = max(rules.cap_percent - running, 0)
        if room == 0:
            refusals.append(("reduction_cap", f"reductions of {running} % run on {start.isoformat()}; "
                                              f"together at most {rules.cap_percent} % "
                                              "(§ 31a Abs. 4 SGB II)"))
        percent = min(percent, room)
    if hardship:
        refusals.append(("hardship", "no reduction in außergewöhnlicher Härte (§ 31a Abs. 3 SGB II)"))
    if coaching_breakoff and law.coaching_protected:
        refusals.append(("16k_protection", "breaking off ganzheitliche Betreuung under § 16k is not "
                                           "a Pflichtverletzung (§ 16k Abs. 4 SGB II)"))
    return ReductionDecision(g, day, percent, length, start, count, rules.rules, tuple(refusals))
