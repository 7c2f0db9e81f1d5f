"""Simulation layer: scenarios — what-if descriptions of a programme (the model; no file format).

The TOML format sits beside the model (STYLE.md § 14): :mod:`._scenario_toml` reads
tables and files into a :class:`Scenario`, :mod:`._scenario_write` writes them back and
derives variants. This module imports neither, so no import circle appears.

Why over 600 lines: :class:`Scenario` and the parts it is made of (staffing, waiting
list, aftercare, follow-ups, plans, scales, calibration) are one model, validated
together (:func:`model_problems` checks the parts against each other and the
programme); the formats are already elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from dateutil.relativedelta import relativedelta

from langzeit import _checks
from langzeit.domain import (
    Coach,
    CoachRole,
    OutcomeKind,
    Programme,
    Tandem,
    format_duration,
    is_negative,
    parse_duration,
)
from langzeit.exceptions import Problem, ValidationError
from langzeit.simulation._distributions import DAYS_PER_MONTH, Distribution, Fixed
from langzeit.simulation._hazards import PhaseHazards
from langzeit.simulation._referrals import ReferralProcess

__all__ = [
    "SCALE_ITEMS",
    "Aftercare",
    "Calibration",
    "Costs",
    "FollowUps",
    "Plans",
    "Reductions",
    "ScaleModel",
    "Scenario",
    "Staffing",
    "WaitingListPolicy",
]


def months_of(value: Any) -> float:
    """A duration value (``12``, ``"6 months"``, ``"P1Y"``, ``{days = 10}``) in months.

    Examples:
        >>> months_of("1 year"), months_of(2.5)
        (12.0, 2.5)
    """
    if isinstance(value, float) and not isinstance(value, bool):
        return value
    rd = parse_duration(value)
    return rd.years * 12 + rd.months + rd.days / DAYS_PER_MONTH


def _floats(value: Any) -> tuple[float, ...]:
    return tuple(float(x) for x in value)


def _ints(value: Any) -> tuple[int, ...]:
    return tuple(int(x) for x in value)


def _probability(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise ValidationError(f"{attribute.name} must be a probability in [0, 1], got {value!r}")


@attrs.frozen
class Staffing:
    """Coaches, their full-time equivalents, the caseload and whether cases run in tandems.

    The programme's places are ``floor(Σ fte × caseload)``: 3 coaches with FTE
    1, 1 and 0.67 at a caseload of 1:12 give 32 places (Geh vor!).

    Args:
        coaches: number of coaches.
        caseload: cases per full-time coach (Betreuungsschlüssel).
        fte: full-time equivalent of each coach (default 1.0 each).
        tandems: cases are worked by a tandem of a jobcenter coach and a provider coach.

    Examples:
        >>> Staffing(coaches=3, caseload=12, fte=(1.0, 1.0, 0.67)).places
        32
    """

    coaches: int
    caseload: int
    fte: tuple[float, ...] = attrs.field(
        default=attrs.Factory(lambda self: (1.0,) * self.coaches, takes_self=True),
        converter=_floats,
    )
    tandems: bool = False

    def __attrs_post_init__(self) -> None:
        """Check the staffing; every problem at once (ValidationError, a ValueError)."""
        problems = [Problem(name, f"must be a whole number >= 1, got {value!r}")
                    for name, value in (("coaches", self.coaches), ("caseload", self.caseload))
                    if isinstance(value, bool) or not isinstance(value, int) or value < 1]
        if not problems and len(self.fte) != self.coaches:
            problems.append(Problem("fte", f"{len(self.fte)} FTE values for {self.coaches} coaches"))
        if any(not (0.0 < f <= 1.0) for f in self.fte):
            problems.append(Problem("fte", "each FTE must lie in (0, 1]"))
        if problems:
            raise ValidationError("invalid staffing", problems)

    @property
    def places(self) -> int:
        """Cases the staff can hold at once: Σ ``floor(fte × caseload)`` (as the engine counts)."""
        return sum(c.max_cases for c in self.team()[0] if c.role is CoachRole.PROVIDER_COACH)

    def team(self) -> tuple[tuple[Coach, ...], tuple[Tandem, ...]]:
        """The coaches (``coach-1``…) and, with ``tandems``, one tandem per coach (``tandem-1``…).

        A tandem pairs the provider coach with a jobcenter coach (``pap-1``…) of the
        same FTE and caseload, so the tandem holds as many cases as the coach alone.

        Examples:
            >>> coaches, tandems = Staffing(coaches=2, caseload=12, fte=(1.0, 0.5), tandems=True).team()
            >>> [c.id for c in coaches], [t.max_cases for t in tandems]
            (['coach-1', 'coach-2', 'pap-1', 'pap-2'], [12, 6])
        """
        coaches = [Coach(f"coach-{i}", role=CoachRole.PROVIDER_COACH, organisation_id="provider",
                         fte=f, caseload_limit=self.caseload) for i, f in enumerate(self.fte, 1)]
        if not self.tandems:
            return tuple(coaches), ()
        paps = [Coach(f"pap-{i}", role=CoachRole.PAP, organisation_id="jobcenter", fte=f,
                      caseload_limit=self.caseload) for i, f in enumerate(self.fte, 1)]
        tandems = tuple(Tandem(f"tandem-{i}", [pap, coach])
                        for i, (pap, coach) in enumerate(zip(paps, coaches, strict=True), 1))
        return tuple(coaches + paps), tandems


@attrs.frozen
class WaitingListPolicy:
    """The waiting list's discipline, its length limit and reneging.

    Args:
        discipline: ``"fifo"`` (first come, first served), ``"priority"`` (higher
            priority first, FIFO within) or ``"none"`` (no waiting list: who finds no
            place is turned away).
        max_length: longest list; referrals beyond it are turned away (None: unlimited).
        patience: how long people wait before they leave the list (Reneged);
            None: they wait indefinitely.
        priority_share: share of referrals with priority 1 under ``"priority"``.

    Examples:
        >>> WaitingListPolicy("fifo", patience=Fixed(6.0)).patience.mean
        6.0
    """

    discipline: str = attrs.field(
        default="fifo", validator=_checks.in_(("fifo", "priority", "none"))
    )
    max_length: int | None = attrs.field(default=None)
    patience: Distribution | None = None
    priority_share: float = attrs.field(default=0.0, validator=_probability)


@attrs.frozen
class Aftercare:
    """Aftercare (Nachbetreuung) after an exit into work.

    Args:
        after: ``"integration"`` (svp, training, self-employment) or ``"work"`` (any work).
        duration: its length in months.
        available_from: the day from which the programme offers aftercare (date-effective:
            an exit before it starts none; None: always). TOML key ``from``.

    Examples:
        >>> Aftercare(duration=Fixed(6.0)).after
        'integration'
        >>> from datetime import date
        >>> Aftercare(available_from=date(2021, 8, 1)).offered_on(date(2021, 7, 31))
        False
    """

    after: str = attrs.field(default="integration", validator=_checks.in_(("integration", "work")))
    duration: Distribution = attrs.field(factory=lambda: Fixed(6.0))
    available_from: _dt.date | None = None

    def offered_on(self, day: _dt.date) -> bool:
        """Whether an exit on ``day`` can start aftercare (it is offered from ``available_from``)."""
        return self.available_from is None or day >= self.available_from

    def applies(self, outcome: OutcomeKind) -> bool:
        """Whether an exit with ``outcome`` starts aftercare."""
        return outcome.is_integration if self.after == "integration" else outcome.is_work


def _prob_map(value: Any) -> tuple[tuple[int, float], ...]:
    if isinstance(value, Mapping):
        return tuple(sorted((int(k), float(v)) for k, v in value.items()))
    return ((0, float(value)),)


@attrs.frozen
class FollowUps:
    """Follow-ups after exit: status some months later (sustainability).

    Args:
        months: when, in months after exit.
        retention: probability that someone who left into work is still in that kind of
            work at the follow-up: one number, or per month ``{6 = 0.8, 12 = 0.7}``.
        later_work: probability that someone who left without work is in insured work
            (``svp``) at the follow-up.

    Examples:
        >>> f = FollowUps(months=(6, 12), retention={6: 0.8, 12: 0.7})
        >>> f.retention_at(12), f.later_work_at(6)
        (0.7, 0.0)
    """

    months: tuple[int, ...] = attrs.field(default=(6, 12), converter=_ints)
    retention: tuple[tuple[int, float], ...] = attrs.field(default=0.7, converter=_prob_map)
    later_work: tuple[tuple[int, float], ...] = attrs.field(default=0.0, converter=_prob_map)

    def __attrs_post_init__(self) -> None:
        twice = sorted({m for m in self.months if self.months.count(m) > 1})
        if twice:
            raise ValidationError(
                f"months: each month once, {', '.join(map(str, twice))} given more than once")
        if any(m <= 0 for m in self.months):
            raise ValidationError("months must be positive")
        if any(not 0 <= p <= 1 for _, p in self.retention + self.later_work):
            raise ValidationError("probabilities must lie in [0, 1]")

    @staticmethod
    def _at(table: tuple[tuple[int, float], ...], month: int) -> float:
        for m, p in table:
            if m in (0, month):
                return p
        return 0.0

    def retention_at(self, month: int) -> float:
        """Probability of still working ``month`` months after an exit into work."""
        return self._at(self.retention, month)

    def later_work_at(self, month: int) -> float:
        """Probability of insured work ``month`` months after an exit without work."""
        return self._at(self.later_work, month)


@attrs.frozen
class Plans:
    """Cooperation plans (§ 15 SGB II): agreed at admission, reviewed while in the programme.

    Args:
        steps: plan steps agreed with the first plan.
        achieve: probability that a step is achieved (at a uniform time before it is due).
        due: months from agreement until a step is due.
        review: months between reviews (at most 6, § 15 Abs. 3 SGB II).

    Examples:
        >>> Plans(steps=3, achieve=0.6).review
        6.0
    """

    steps: int = attrs.field(default=3, validator=_checks.ge(0))
    achieve: float = attrs.field(default=0.6, validator=_probability)
    due: float = attrs.field(default=3.0, converter=float)
    review: float = attrs.field(default=6.0, converter=float)

    def __attrs_post_init__(self) -> None:
        if not 0 < self.review <= 6:
            raise ValidationError(
                f"review must be after more than 0 and at most 6 months (§ 15 Abs. 3 SGB II), "
                f"got {self.review}")
        if not self.due > 0:
            raise ValidationError(f"due must be positive, got {self.due}")


@attrs.frozen
class Reductions:
    """Leistungsminderungen (§§ 31–32 SGB II) in the simulation: breaches drawn, the engine decides.

    While admitted, each participant commits a Pflichtverletzung (``duty_breach``) and a
    Meldeversäumnis (``missed_appointment``) with the given monthly probabilities (the
    time to the next one is exponential with the matching rate); ``on_dropout`` is the
    probability that a dropout (breaking off the programme, § 31 Abs. 1 Satz 1 Nr. 3) is
    taken for a Pflichtverletzung. Each breach becomes the engine's
    :class:`~langzeit.engine.ReduceBenefit` command, so the reduction, its chain count,
    percent, months and cap are those of :func:`~langzeit.domain.decide_reduction` under
    the law in force on the day; with probability ``hardship`` the jobcenter finds an
    außergewöhnliche Härte (the engine refuses the reduction), and a dropout's breach is
    the breaking off of coaching that § 16k Abs. 4 protects from 01.07.2023 (the engine
    refuses it then). A refused reduction writes no event. Off (None) by default.

    Args:
        duty_breach: monthly probability of a Pflichtverletzung while admitted.
        missed_appointment: monthly probability of a Meldeversäumnis while admitted.
        on_dropout: probability that a dropout is taken for a Pflichtverletzung.
        hardship: probability that the jobcenter finds an außergewöhnliche Härte.

    Examples:
        >>> r = Reductions(missed_appointment=0.05)
        >>> round(r.rate("missed_appointment"), 4), r.rate("duty_breach")
        (0.0513, 0.0)
        >>> Reductions(duty_breach=1.0)
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: duty_breach must be a monthly probability in [0, 1), got 1.0
    """

    duty_breach: float = attrs.field(default=0.0)
    missed_appointment: float = attrs.field(default=0.0)
    on_dropout: float = attrs.field(default=0.0, validator=_probability)
    hardship: float = attrs.field(default=0.0, validator=_probability)

    @duty_breach.validator
    @missed_appointment.validator
    def _monthly(self, attribute: attrs.Attribute[float], value: float) -> None:
        if isinstance(value, bool) or not (isinstance(value, int | float) and 0.0 <= value < 1.0):
            raise ValidationError(f"{attribute.name} must be a monthly probability in [0, 1), got {value!r}")

    def rate(self, ground: str) -> float:
        """The monthly rate ``-ln(1 - p)`` of breaches of ``ground`` (a monthly probability's field)."""
        return -math.log1p(-float(getattr(self, ground)))


#: The default staff cost of one full-time position a year (euros): the hourly rate for
#: Verwaltungsbeschäftigte des gehobenen Dienstes without the overhead surcharge (53.60 €,
#: AGebV Anlage 1 Teil A, BGBl. I 2017, 1701) × 1,600 working hours a year (an assumption).
STAFF_COST_PER_FTE_YEAR = 85_760.0  # 53.60 × 1600

#: The default SGB II benefit a month of a person no longer receiving it (euros): an
#: assumption — the Regelbedarf of Regelbedarfsstufe 1 (563 € in 2024) plus about 437 € for
#: housing and heating (§ 22); no statistic of the BA.
MONTHLY_BENEFIT = 1000.0


@attrs.frozen
class Costs:
    """Staff cost and benefit relief as replication metrics (``staff_cost``, ``benefit_relief``, …).

    With costs, each replication reports, over the whole calendar months of its observation
    window and by the one definition of :func:`langzeit.indicators.cost_relief` read from its
    events: ``staff_fte`` (Σ FTE of the scenario's coaches), ``staff_cost`` (their FTE ×
    ``staff_cost_per_fte_year`` / 12 a month), ``relieved_months`` (months out of benefit:
    from the month after an exit into an Integration, or from a follow-up without benefit,
    until a follow-up reports benefit again), ``benefit_relief`` (those months ×
    ``monthly_benefit``) and ``net_relief`` (relief − cost). Follow-ups then record whether
    the person receives benefit: not while in an Integration (svp, training,
    self-employment). Both defaults are assumptions (see the module constants
    ``STAFF_COST_PER_FTE_YEAR`` and ``MONTHLY_BENEFIT``); give your own.

    Args:
        staff_cost_per_fte_year: employer's cost of one full-time position a year (euros).
        monthly_benefit: benefit a month not paid for a relieved person (euros).

    Examples:
        >>> Costs().staff_cost_per_fte_year, Costs().monthly_cost_per_fte
        (85760.0, 7146.666666666667)
    """

    staff_cost_per_fte_year: float = attrs.field(default=STAFF_COST_PER_FTE_YEAR, converter=float)
    monthly_benefit: float = attrs.field(default=MONTHLY_BENEFIT, converter=float)

    def __attrs_post_init__(self) -> None:
        problems = [Problem(name, f"must be a finite amount >= 0, got {value!r}")
                    for name, value in (("staff_cost_per_fte_year", self.staff_cost_per_fte_year),
                                        ("monthly_benefit", self.monthly_benefit))
                    if not (math.isfinite(value) and value >= 0)]
        if problems:
            raise ValidationError("invalid costs", problems)

    @property
    def monthly_cost_per_fte(self) -> float:
        """The staff cost of one full-time position a month."""
        return self.staff_cost_per_fte_year / 12


#: Items and their range per scale (DOMAIN.md § 4): WHO-5 five items 0–5, SWE ten items 1–4.
SCALE_ITEMS: Mapping[str, tuple[int, int, int]] = {"who5": (5, 0, 5), "swe": (10, 1, 4)}


@attrs.frozen
class ScaleModel:
    """Item answers of a scale at admission and at exit (well-being, self-efficacy).

    Each item is a normal draw around the mean, rounded and clipped to the item range.
    Exits after completing the programme or into work use ``exit``; other exits
    (dropout, health…) keep the ``entry`` mean.

    Args:
        scale: ``"who5"`` or ``"swe"``.
        entry: mean item answer at admission.
        exit: mean item answer at exit.
        sd: spread of the item answers.

    Examples:
        >>> ScaleModel("who5", entry=2.0, exit=2.8).items
        5
    """

    scale: str = attrs.field(validator=_checks.in_(tuple(SCALE_ITEMS)))
    entry: float = attrs.field(converter=float)
    exit: float = attrs.field(converter=float)
    sd: float = attrs.field(default=1.0, converter=float)

    @property
    def items(self) -> int:
        """The number of items."""
        return SCALE_ITEMS[self.scale][0]

    def __attrs_post_init__(self) -> None:
        _, low, high = SCALE_ITEMS[self.scale]
        for name in ("entry", "exit"):
            if not low <= getattr(self, name) <= high:
                raise ValidationError(f"{name} must lie in the item range {low}–{high} of {self.scale}")
        if not self.sd >= 0:
            raise ValidationError("sd must not be negative")


@attrs.frozen
class Calibration:
    """A seed figure the scenario is calibrated on, checked over replications.

    Args:
        metric: a metric of :func:`~langzeit.simulation.replication_metrics`.
        target: the seed figure.
        tolerance: accepted absolute distance of the replications' mean.
        source: where the figure comes from.

    Examples:
        >>> Calibration("take_up", 417 / 620, 0.03, "Sanus LE").accepts(0.66)
        True
    """

    metric: str
    target: float
    tolerance: float
    source: str = ""

    def accepts(self, value: float) -> bool:
        """Whether ``value`` lies within the tolerance of the target."""
        return abs(value - self.target) <= self.tolerance


@attrs.frozen(eq=False)
class Scenario:
    """A what-if scenario of a programme: inflow, staffing, stays, hazards, horizon.

    Build one with :func:`~langzeit.simulation.scenario_from_dict`,
    :func:`~langzeit.simulation.read_scenario` or :func:`~langzeit.simulation.load_scenario`;
    the TOML format is documented in ``docs/guides/scenarios.md``.

    Args:
        id: the scenario's id (e.g. ``"geh-vor"``).
        programme: the programme's phase model.
        referrals: the referral process.
        start: first day of the simulation.
        horizon: the observation window's length, after the warm-up.
        warm_up: time simulated before the observation window (its events stay
            in the log; replication metrics count from the window on).
        name: display name.
        description: text, naming the seed figures the scenario is calibrated on.
        agreement_probability: probability that a referred person agrees to take part
            (voluntary programmes). Not the metric ``take_up`` (admitted / referred), which
            also counts who finds no place; the old name of this field, ``take_up``, is
            deprecated.
        staffing: coaches and caseload; None: the programme's capacity.
        waiting_list: waiting-list policy.
        durations: phase id → stay distribution in months (default: the phase's planned duration).
        hazards: phase id → monthly competing hazards.
        routing: phase id → (next phase, probability) pairs at the end of a stay; needed
            when a phase leads on to several non-terminal phases. Without it, a stay ends
            in the one non-terminal successor, or else in the first exit phase (exit
            transitions serve early exits: hazards and the maximum stay).
        completion: outcome kind → probability for those who complete the pathway's
            last phase (a phase that leads on to no other phase); who is routed to an
            exit earlier (e.g. a recommendation only after a case analysis) leaves
            without an outcome (``none``).
        extension_probability: probability of asking for an extension when the maximum
            stay is reached (the engine decides whether it is allowed). In TOML the
            ``[extension]`` table may also change the programme's rules for the
            scenario: ``max_duration``, ``max_extensions``, ``length``.
        aftercare: aftercare after exits into work (None: none).
        follow_ups: follow-ups after exit (None: none).
        plans: cooperation plans and their steps (None: none).
        scales: scales scored at admission and exit (WHO-5, SWE).
        calibration: seed figures with tolerances.
        reductions: Leistungsminderungen drawn and decided by the engine (None: none, the default).
        costs: staff cost and benefit relief as metrics (None: none); needs ``staffing``.

    Examples:
        >>> from langzeit.simulation import scenario_from_dict
        >>> s = scenario_from_dict({
        ...     "id": "mini", "start": "2024-01-01", "horizon": "24 months",
        ...     "programme": {"id": "p", "name": "P", "capacity": {"places": 5},
        ...                   "phases": [{"id": "coaching", "planned_duration": 6},
        ...                              {"id": "exit", "terminal": True}],
        ...                   "transitions": [{"from": "coaching", "to": "exit"}]},
        ...     "referrals": {"kind": "poisson", "rate": 1.0},
        ... })
        >>> s.places, s.duration("coaching").mean, s.end
        (5, 6.0, datetime.date(2026, 1, 1))
    """

    id: str
    programme: Programme
    referrals: ReferralProcess
    start: _dt.date
    horizon: relativedelta = attrs.field(converter=parse_duration)
    warm_up: relativedelta = attrs.field(factory=relativedelta, converter=parse_duration)
    name: str = attrs.field(default=attrs.Factory(lambda self: self.id, takes_self=True))
    description: str = ""
    agreement_probability: float = attrs.field(default=1.0, validator=_probability)
    staffing: Staffing | None = None
    waiting_list: WaitingListPolicy = attrs.field(factory=WaitingListPolicy)
    durations: Mapping[str, Distribution] = attrs.field(factory=dict)
    hazards: Mapping[str, PhaseHazards] = attrs.field(factory=dict)
    routing: Mapping[str, tuple[tuple[str, float], ...]] = attrs.field(factory=dict)
    completion: tuple[tuple[OutcomeKind, float], ...] = ((OutcomeKind.NONE, 1.0),)
    extension_probability: float = attrs.field(default=0.0, validator=_probability)
    aftercare: Aftercare | None = None
    follow_ups: FollowUps | None = None
    plans: Plans | None = None
    scales: tuple[ScaleModel, ...] = ()
    calibration: tuple[Calibration, ...] = ()
    reductions: Reductions | None = None
    costs: Costs | None = None

    def __attrs_post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValidationError(f"invalid scenario {self.id!r}", problems)

    def _problems(self) -> list[Problem]:
        problems: list[Problem] = []
        prog = self.programme
        if not self.start + self.horizon > self.start:
            problems.append(Problem("horizon", f"must be positive, got {format_duration(self.horizon)}"))
        if is_negative(self.warm_up):
            problems.append(Problem("warm_up", f"must not be negative, got {format_duration(self.warm_up)}"))
        if self.costs is not None and self.staffing is None:
            problems.append(Problem("costs", "staff cost needs [staffing]: the coaches whose cost counts"))
        if self.aftercare is not None and prog.aftercare is None:
            problems.append(Problem("aftercare", f"programme {prog.id!r} offers no aftercare"))
        problems += model_problems(
            prog, agreement_probability=self.agreement_probability, durations=self.durations,
            hazards=self.hazards,
            routing=self.routing, completion=self.completion,
            extension_probability=self.extension_probability,
        )
        return problems

    # -- derived -------------------------------------------------------------------------

    @property
    def places(self) -> int | None:
        """The programme's places under this scenario's staffing (None: unlimited)."""
        if self.staffing is not None:
            return self.staffing.places
        return self.programme.capacity.total

    @property
    def end(self) -> _dt.date:
        """The first day after the simulated window (start + warm-up + horizon)."""
        return self.observed_from + self.horizon

    @property
    def observed_from(self) -> _dt.date:
        """The first day of the observation window (start + warm-up)."""
        return self.start + self.warm_up

    @property
    def take_up(self) -> float:
        """Deprecated: :attr:`agreement_probability` (the metric ``take_up`` is admitted / referred)."""
        _warn_take_up("Scenario.take_up", stacklevel=3)
        return self.agreement_probability

    def duration(self, phase_id: str) -> Distribution:
        """The stay distribution of a (non-terminal) phase."""
        if phase_id in self.durations:
            return self.durations[phase_id]
        planned = self.programme.phase(phase_id).planned_duration
        assert planned is not None  # checked at construction
        return Fixed(months_of(planned))

    if TYPE_CHECKING:  # deprecated; attached by langzeit.simulation._legacy (no import of the format here)

        @classmethod
        def from_dict(cls, data: Mapping[str, Any], *, location: str = "scenario") -> Scenario:
            """Deprecated: :func:`langzeit.simulation.scenario_from_dict`."""

        @classmethod
        def from_toml(cls, path: str | Path) -> Scenario:
            """Deprecated: :func:`langzeit.simulation.read_scenario`."""

        def to_dict(self) -> dict[str, Any]:
            """Deprecated: :func:`langzeit.simulation.scenario_to_dict`."""

        def to_toml(self) -> str:
            """Deprecated: :func:`langzeit.simulation.scenario_to_toml`."""

        def variant(self, changes: Mapping[str, Any], *, id: str | None = None) -> Scenario:
            """Deprecated: :func:`langzeit.simulation.scenario_variant`."""

    # -- as a value ------------------------------------------------------------------------

    def evolve(self, **changes: Any) -> Scenario:
        """A copy with some fields replaced (``attrs.evolve``), validated again.

        Args:
            **changes: fields and their new values, e.g. ``staffing=Staffing(3, 15)``.

        Returns:
            The validated copy.

        Raises:
            ValidationError: the copy has problems (all listed).

        Examples:
            >>> from langzeit.simulation import load_scenario
            >>> s = load_scenario("geh-vor")
            >>> s.evolve(agreement_probability=0.5).agreement_probability
            0.5
            >>> s.evolve(agreement_probability=1.5)
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ValidationError: invalid scenario 'geh-vor' (1 problem)
              - agreement_probability: must be a probability in [0, 1], got 1.5
        """
        if "take_up" in changes:
            _warn_take_up("Scenario.evolve(take_up=...)", stacklevel=3)
            changes["agreement_probability"] = changes.pop("take_up")
        try:
            return attrs.evolve(self, **changes)
        except (TypeError, ValueError) as exc:
            if isinstance(exc, ValidationError) and exc.problems:
                raise
            text = str(exc)
            field, _, rest = text.partition(" ")
            if field in attrs.fields_dict(Scenario) and rest:
                raise ValidationError(f"invalid scenario {self.id!r}", [Problem(field, rest)]) from None
            raise ValidationError(f"invalid scenario {self.id!r}", [Problem("", text)]) from None


def _warn_take_up(where: str, *, stacklevel: int) -> None:
    warnings.warn(f"{where} is deprecated: it is the probability to agree, now agreement_probability "
                  "(the metric take_up is admitted / referred)", DeprecationWarning, stacklevel=stacklevel)


def model_problems(
    prog: Programme,
    *,
    agreement_probability: float,
    durations: Mapping[str, Distribution],
    hazards: Mapping[str, PhaseHazards],
    routing: Mapping[str, tuple[tuple[str, float], ...]],
    completion: tuple[tuple[OutcomeKind, float], ...],
    extension_probability: float,
) -> list[Problem]:
    """The problems of a scenario's parts against its programme's phase model."""
    problems: list[Problem] = []
    phase_ids = {p.id for p in prog.phases}
    if agreement_probability < 1.0 and not prog.voluntary:
        problems.append(Problem("agreement_probability", f"programme {prog.id!r} is not voluntary; "
                                "an agreement probability below 1 needs a voluntary programme"))
    for section, keys in (("durations", durations), ("hazards", hazards),
                          ("routing", routing)):
        for pid in keys:
            if pid not in phase_ids:
                problems.append(Problem(f"{section}.{pid}", "unknown phase; phases: "
                                        + ", ".join(p.id for p in prog.phases)))
            elif prog.phase(pid).terminal:
                problems.append(Problem(f"{section}.{pid}", "a terminal phase has no stay"))
    for phase in prog.phases:
        if phase.terminal:
            continue
        if phase.id not in durations and phase.planned_duration is None:
            problems.append(Problem(f"durations.{phase.id}", "no duration: the phase has no "
                                    "planned_duration and the scenario gives none"))
        successors = prog.successors(phase.id)
        exits = [t for t in successors if prog.phase(t).terminal]
        if phase.id in hazards and not exits:
            problems.append(Problem(f"hazards.{phase.id}", "the phase has no transition to an exit "
                                    "phase, so nobody can leave it early"))
        elif prog.max_duration is not None and not exits:
            problems.append(Problem(f"phase {phase.id!r}", "no transition to an exit phase: a stay "
                                    "reaching the programme's max_duration cannot end there"))
        onward = [t for t in successors if not prog.phase(t).terminal]
        if len(onward) > 1 and phase.id not in routing:
            problems.append(Problem(f"routing.{phase.id}", "the phase leads on to several phases "
                                    f"({', '.join(onward)}); give their probabilities"))
    for pid, pairs in routing.items():
        if pid not in phase_ids:
            continue
        allowed = set(prog.successors(pid))
        for target, p in pairs:
            if target not in allowed:
                problems.append(Problem(f"routing.{pid}.{target}", "no transition "
                                        f"{pid} -> {target} in the programme"))
            if not 0.0 <= p <= 1.0:
                problems.append(Problem(f"routing.{pid}.{target}", f"probability {p} not in [0, 1]"))
        total = sum(p for _, p in pairs)
        if abs(total - 1.0) > 1e-9:
            problems.append(Problem(f"routing.{pid}", f"probabilities sum to {total:.6g}, not 1"))
    total = sum(p for _, p in completion)
    if abs(total - 1.0) > 1e-9 or any(p < 0 for _, p in completion):
        problems.append(Problem("completion", f"probabilities must be non-negative and sum to 1, "
                                f"got {total:.6g}"))
    if extension_probability > 0 and (prog.extension is None or prog.max_duration is None):
        problems.append(Problem("extension.probability", f"programme {prog.id!r} has no maximum "
                                "duration with an extension rule"))
    return problems
