"""Domain layer: who may be supported under § 16e, § 16i and § 16k SGB II on a date.

:func:`eligibility` checks the statutory target-group rules (the Rechtsstand's
``16e_lza``, ``16i_zielgruppe`` and the instruments' dates in the catalogue) and gives
every failed rule with its reason. It works on :class:`EligibilityFacts`, plain facts
that a caller has from its case file or computes from administrative spells
(:func:`langzeit.evaluation.eligibility_facts`). A fact that is not given is never
guessed: the rule is not checked and the result says so in ``assumed`` — the engine
then relies on the jobcenter's own check, as the case-management software does today.

Examples:
    >>> from datetime import date
    >>> from langzeit.domain import Participant
    >>> p = Participant("p1", birth_month="2001-03")
    >>> r = eligibility("16i", p, date(2025, 1, 15))
    >>> r.eligible, [f.guard for f in r.failures]
    (False, ['16i_age'])
"""

from __future__ import annotations

from datetime import date

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.domain._actors import Participant, _to_birth_month
from langzeit.domain._rechtsstand import instrument_in_force
from langzeit.exceptions import GuardFailure, Problem, ValidationError

__all__ = ["ELIGIBILITY_INSTRUMENTS", "Eligibility", "EligibilityFacts", "eligibility"]

#: The instruments :func:`eligibility` knows target-group rules for.
ELIGIBILITY_INSTRUMENTS = ("16e", "16i", "16k")


@attrs.frozen
class EligibilityFacts:
    """The facts the target-group rules need; None means "not known".

    Args:
        benefit_days: days with benefit receipt (ELB) in the seven years before the day
            (the day itself excluded).
        employment_days: days of insured, marginal or self-employment in those seven years.
        unemployed_since: first day of the current unemployment (§ 18 SGB III).
        minor_child: a minor child lives in the Bedarfsgemeinschaft (§ 16i Abs. 3 Satz 3).
        severely_disabled: schwerbehindert (§ 2 Abs. 2 SGB IX; § 16i Abs. 3 Satz 3).
        unemployed: unemployed before the day; False says "not unemployed" (then
            ``unemployed_since`` is None), None "not known" (unless ``unemployed_since`` is given).
        birth_month: year and month of birth, for the age when the participant record has none
            (e.g. facts handed to the engine, which knows participants by id only).

    Raises:
        ValidationError: ``unemployed`` is False but ``unemployed_since`` is given.

    Examples:
        >>> EligibilityFacts(benefit_days=2400).benefit_days
        2400
        >>> EligibilityFacts(birth_month="1990-07").birth_month
        datetime.date(1990, 7, 1)
    """

    benefit_days: int | None = None
    employment_days: int | None = None
    unemployed_since: date | None = None
    minor_child: bool | None = None
    severely_disabled: bool | None = None
    unemployed: bool | None = None
    birth_month: date | None = attrs.field(default=None, converter=_to_birth_month)

    def __attrs_post_init__(self) -> None:
        if self.unemployed is False and self.unemployed_since is not None:
            raise ValidationError("contradictory eligibility facts", [Problem(
                "unemployed", f"False, but unemployed_since is {self.unemployed_since.isoformat()}")])


@attrs.frozen
class Eligibility:
    """The result of :func:`eligibility`.

    Args:
        instrument: the instrument code.
        day: the day the support would start.
        failures: every failed rule with its reason (empty: eligible).
        assumed: rules not checked for want of a fact, each a sentence.

    Examples:
        >>> Eligibility("16k", date(2024, 1, 1)).eligible
        True
    """

    instrument: str
    day: date
    failures: tuple[GuardFailure, ...] = ()
    assumed: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        """No rule failed (rules in ``assumed`` were not checked)."""
        return not self.failures


#: "Mehr als kurzzeitig" (§ 16i Abs. 3 Nr. 3): more than this many days of employment in
#: the seven years. A parameter: the law does not fix it; the BA's Fachliche Weisungen read
#: "kurzzeitig" as short interruptions — 183 days (half a year) in total is this library's default.
BRIEF_EMPLOYMENT_DAYS = 183


def _days(lo: date, hi: date) -> int:
    return (hi - lo).days


def eligibility(instrument: str, participant: Participant, day: date,
                facts: EligibilityFacts | None = None, *,
                brief_employment_days: int = BRIEF_EMPLOYMENT_DAYS) -> Eligibility:
    """Check the target-group rules of § 16e, § 16i or § 16k SGB II for a start on ``day``.

    - ``16i`` (§ 16i Abs. 3): at least 25 years old on ``day``; benefit receipt on at least as
      many days of the seven years before ``day`` as six calendar years have (five with a minor
      child or a Schwerbehinderung); in those seven years not more than
      ``brief_employment_days`` of employment; the instrument exists (from 01.01.2019).
    - ``16e`` (§ 16e Abs. 3, version since 01.01.2019): unemployed for at least two years.
      Before 2019 § 16e was public employment with other rules: refused as not modelled.
    - ``16k`` (§ 16k): in force (from 01.07.2023); the law names no further objective criterion.

    Args:
        instrument: ``"16e"``, ``"16i"`` or ``"16k"``.
        participant: the participant (``birth_month`` is used for the age).
        day: the first day of the support.
        facts: what is known (None: nothing beyond the participant record); its
            ``birth_month`` is used when the participant's is not known.
        brief_employment_days: the "kurzzeitig" threshold (parameter).

    Returns:
        The :class:`Eligibility`, with every failure and every unchecked rule.

    Raises:
        ValidationError: an instrument without target-group rules here.

    Examples:
        >>> p = Participant("p1", birth_month="1970-05")
        >>> f = EligibilityFacts(benefit_days=2200, employment_days=0)
        >>> eligibility("16i", p, date(2024, 6, 1), f).eligible
        True
        >>> eligibility("16e", p, date(2024, 6, 1), EligibilityFacts(
        ...     unemployed_since=date(2023, 1, 1))).failures[0].guard
        '16e_lza'
    """
    code = instrument.lower()
    if code not in ELIGIBILITY_INSTRUMENTS:
        raise ValidationError("no eligibility rules", [Problem(
            "instrument", f"expected one of {', '.join(ELIGIBILITY_INSTRUMENTS)}, got {instrument!r}")])
    f = facts or EligibilityFacts()
    fail: list[GuardFailure] = []
    assumed: list[str] = []
    when = day.isoformat()
    if not instrument_in_force(code, day) or (code == "16e" and day < date(2019, 1, 1)):
        what = ("§ 16e before 01.01.2019 was Förderung von Arbeitsverhältnissen (public employment); "
                "its rules are not modelled" if code == "16e"
                else f"§ {code} SGB II is not in force on {when}")
        fail.append(GuardFailure(f"{code}_in_force", what))
    if participant.birth_month is None and f.birth_month is not None:
        participant = attrs.evolve(participant, birth_month=f.birth_month)
    if code == "16i":
        age = participant.age_on(day)
        if age is None:
            assumed.append("age >= 25 (§ 16i Abs. 3 Nr. 1): birth month unknown")
        elif age < 25:
            fail.append(GuardFailure("16i_age", f"{participant.id!r} is {age} on {when}; "
                                                "§ 16i Abs. 3 Nr. 1 SGB II needs 25"))
        reduced = bool(f.minor_child) or bool(f.severely_disabled)
        years = 5 if reduced else 6
        need = _days(day - relativedelta(years=years), day)
        if f.benefit_days is None:
            assumed.append(f"benefit receipt in {years} of the last 7 years (§ 16i Abs. 3 Nr. 2): not given")
        elif f.benefit_days < need:
            fail.append(GuardFailure("16i_benefit", f"{f.benefit_days} days of benefit receipt in the seven "
                                                    f"years before {when}; § 16i Abs. 3 SGB II needs "
                                                    f"{years} years ({need} days)"))
        if f.minor_child is None and f.severely_disabled is None and f.benefit_days is not None \
                and f.benefit_days < need:
            assumed.append("no minor child and no Schwerbehinderung (§ 16i Abs. 3 Satz 3): not given")
        if f.employment_days is None:
            assumed.append("not or only briefly employed in the last 7 years (§ 16i Abs. 3 Nr. 3): not given")
        elif f.employment_days > brief_employment_days:
            fail.append(GuardFailure("16i_employment", f"{f.employment_days} days of employment in the seven "
                                                       f"years before {when}, more than kurzzeitig "
                                                       f"({brief_employment_days} days)"))
    elif code == "16e":
        if f.unemployed is False:
            fail.append(GuardFailure("16e_lza", f"not unemployed before {when}; § 16e Abs. 3 SGB II "
                                                "needs two years of unemployment"))
        elif f.unemployed_since is None:
            assumed.append("unemployed for at least two years (§ 16e Abs. 3 SGB II): not given")
        elif f.unemployed_since > day - relativedelta(years=2):
            since = f.unemployed_since.isoformat()
            fail.append(GuardFailure("16e_lza", f"unemployed since {since}, less than "
                                                f"two years before {when} (§ 16e Abs. 3 SGB II)"))
    return Eligibility(code, day, tuple(fail), tuple(assumed))
