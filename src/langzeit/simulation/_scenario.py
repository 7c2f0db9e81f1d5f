"""Simulation layer: scenarios — what-if descriptions of a programme, read from TOML."""

from __future__ import annotations

import datetime as _dt
import importlib.resources
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from langzeit.domain import (
    Coach,
    CoachRole,
    ExtensionRule,
    OutcomeKind,
    Programme,
    Tandem,
    format_duration,
    is_negative,
    parse_duration,
)
from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.simulation._distributions import DAYS_PER_MONTH, Distribution, Fixed, distribution_from_dict
from langzeit.simulation._hazards import CAUSES, PhaseHazards
from langzeit.simulation._referrals import (
    CohortReferrals,
    OpenDayReferrals,
    PoissonReferrals,
    ReferralProcess,
)

__all__ = [
    "SCALE_ITEMS",
    "Aftercare",
    "Calibration",
    "FollowUps",
    "Plans",
    "ScaleModel",
    "Scenario",
    "Staffing",
    "WaitingListPolicy",
    "builtin_scenarios",
    "load_scenario",
]


def _months(value: Any) -> float:
    """A duration value (``12``, ``"6 months"``, ``"P1Y"``, ``{days = 10}``) in months."""
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
        raise ValueError(f"{attribute.name} must be a probability in [0, 1], got {value!r}")


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

    coaches: int = attrs.field(validator=attrs.validators.ge(1))
    caseload: int = attrs.field(validator=attrs.validators.ge(1))
    fte: tuple[float, ...] = attrs.field(
        default=attrs.Factory(lambda self: (1.0,) * self.coaches, takes_self=True),
        converter=_floats,
    )
    tandems: bool = False

    def __attrs_post_init__(self) -> None:
        if len(self.fte) != self.coaches:
            raise ValueError(f"{len(self.fte)} FTE values for {self.coaches} coaches")
        if any(not (0.0 < f <= 1.0) for f in self.fte):
            raise ValueError("each FTE must lie in (0, 1]")

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
        default="fifo", validator=attrs.validators.in_(("fifo", "priority", "none"))
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

    Examples:
        >>> Aftercare(duration=Fixed(6.0)).after
        'integration'
    """

    after: str = attrs.field(default="integration", validator=attrs.validators.in_(("integration", "work")))
    duration: Distribution = attrs.field(factory=lambda: Fixed(6.0))

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

    steps: int = attrs.field(default=3, validator=attrs.validators.ge(0))
    achieve: float = attrs.field(default=0.6, validator=_probability)
    due: float = attrs.field(default=3.0, converter=float)
    review: float = attrs.field(default=6.0, converter=float)

    def __attrs_post_init__(self) -> None:
        if not 0 < self.review <= 6:
            raise ValueError(f"review must be after more than 0 and at most 6 months (§ 15 Abs. 3 SGB II), "
                             f"got {self.review}")
        if not self.due > 0:
            raise ValueError(f"due must be positive, got {self.due}")


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

    scale: str = attrs.field(validator=attrs.validators.in_(tuple(SCALE_ITEMS)))
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
                raise ValueError(f"{name} must lie in the item range {low}–{high} of {self.scale}")
        if not self.sd >= 0:
            raise ValueError("sd must not be negative")


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

    Build one with :meth:`from_dict`, :meth:`from_toml` or :func:`load_scenario`;
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
        take_up: probability that a referred person agrees to take part (voluntary programmes).
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

    Examples:
        >>> s = Scenario.from_dict({
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
    take_up: float = attrs.field(default=1.0, validator=_probability)
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
        if self.aftercare is not None and prog.aftercare is None:
            problems.append(Problem("aftercare", f"programme {prog.id!r} offers no aftercare"))
        problems += _model_problems(
            prog, take_up=self.take_up, durations=self.durations, hazards=self.hazards,
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

    def duration(self, phase_id: str) -> Distribution:
        """The stay distribution of a (non-terminal) phase."""
        if phase_id in self.durations:
            return self.durations[phase_id]
        planned = self.programme.phase(phase_id).planned_duration
        assert planned is not None  # checked at construction
        return Fixed(_months(planned))

    # -- construction from data ------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, location: str = "scenario") -> Scenario:
        """Build a scenario from a TOML table, listing every problem found.

        Args:
            data: the table (see ``docs/guides/scenarios.md``).
            location: prefix of problem locations (e.g. the file name).

        Returns:
            The validated scenario.

        Raises:
            ValidationError: with every problem found.
            UnknownNameError: never; an unknown built-in programme is reported as a problem.

        Examples:
            >>> Scenario.from_dict({"id": "x", "horizon": "-3 months", "take_up": 2})
            Traceback (most recent call last):
            ...
            langzeit.exceptions.ValidationError: invalid scenario at scenario (5 problems)
              - scenario.start: required key missing
              - scenario.programme: required key missing
              - scenario.referrals: required key missing
              - scenario.horizon: must be positive, got P-3M
              - scenario.take_up: must be a probability in [0, 1], got 2
        """
        return _from_dict(data, location)

    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        r"""Read a scenario from a TOML file (top level or a ``[scenario]`` table).

        Args:
            path: the file.

        Returns:
            The validated scenario.

        Raises:
            ValidationError: every problem, located by file and key.

        Examples:
            >>> import tempfile, pathlib
            >>> with tempfile.TemporaryDirectory() as d:
            ...     f = pathlib.Path(d) / "s.toml"
            ...     _ = f.write_text('id = "s"\nstart = 2024-01-01\nhorizon = 12\n'
            ...                      'programme = "geh-vor"\n[referrals]\nkind = "poisson"\nrate = 3\n')
            ...     Scenario.from_toml(f).referrals
            PoissonReferrals(rate=3.0)
        """
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(f"{p}: not valid TOML", [Problem(str(p), str(exc))]) from None
        return _from_dict(data.get("scenario", data), p.name)


def _model_problems(
    prog: Programme,
    *,
    take_up: float,
    durations: Mapping[str, Distribution],
    hazards: Mapping[str, PhaseHazards],
    routing: Mapping[str, tuple[tuple[str, float], ...]],
    completion: tuple[tuple[OutcomeKind, float], ...],
    extension_probability: float,
) -> list[Problem]:
    """The problems of a scenario's parts against its programme's phase model."""
    problems: list[Problem] = []
    phase_ids = {p.id for p in prog.phases}
    if take_up < 1.0 and not prog.voluntary:
        problems.append(Problem("take_up", f"programme {prog.id!r} is not voluntary; take-up "
                                "below 1 needs a voluntary programme"))
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


_TOP_KEYS = {
    "id", "name", "description", "start", "horizon", "warm_up", "programme", "referrals",
    "take_up", "staffing", "waiting_list", "durations", "hazards", "routing", "completion",
    "extension", "aftercare", "follow_up", "plans", "scales", "calibration",
}


def _is_probability(value: Any, at: str, problems: list[Problem]) -> bool:
    """Whether ``value`` is a number in [0, 1]; if not, the problem is appended."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        problems.append(Problem(at, f"must be a probability in [0, 1], got {value!r}"))
        return False
    return True


def _from_dict(data: Mapping[str, Any], location: str) -> Scenario:
    problems: list[Problem] = []

    def where(key: str) -> str:
        return f"{location}.{key}"

    def check_keys(table: Mapping[str, Any], allowed: set[str], at: str) -> None:
        for key in sorted(set(table) - allowed):
            problems.append(Problem(f"{at}.{key}", "unknown key"))

    if not isinstance(data, Mapping):
        raise ValidationError(f"invalid scenario at {location}",
                              [Problem(location, "a scenario is a table")])
    check_keys(data, _TOP_KEYS, location)
    for key in ("id", "start", "horizon", "programme", "referrals"):
        if key not in data:
            problems.append(Problem(where(key), "required key missing"))
    kwargs: dict[str, Any] = {}
    for key in ("id", "name", "description"):
        if key in data:
            if isinstance(data[key], str):
                kwargs[key] = data[key]
            else:
                problems.append(Problem(where(key), "must be text"))

    if "start" in data:
        value = data["start"]
        if isinstance(value, str):
            try:
                value = _dt.date.fromisoformat(value)
            except ValueError:
                problems.append(Problem(where("start"), f"not an ISO date: {value!r}"))
                value = None
        if isinstance(value, _dt.datetime) or (value is not None and not isinstance(value, _dt.date)):
            problems.append(Problem(where("start"), f"must be a date, got {value!r}"))
        elif value is not None:
            kwargs["start"] = value

    for key in ("horizon", "warm_up"):
        if key in data:
            try:
                span = parse_duration(data[key])
            except ValueError as exc:
                problems.append(Problem(where(key), str(exc)))
                continue
            ref = _dt.date(2001, 1, 31)
            if key == "horizon" and not ref + span > ref:
                problems.append(Problem(where(key), f"must be positive, got {format_duration(span)}"))
            elif is_negative(span):
                problems.append(Problem(where(key), f"must not be negative, got {format_duration(span)}"))
            else:
                kwargs[key] = span

    programme = None
    if "programme" in data:
        programme = _programme(data["programme"], where("programme"), problems)
    if programme is not None:
        kwargs["programme"] = programme
    if "referrals" in data:
        referrals = _referrals(data["referrals"], where("referrals"), problems)
        if referrals is not None:
            kwargs["referrals"] = referrals

    if "take_up" in data:
        value = data["take_up"]
        if isinstance(value, Mapping):
            check_keys(value, {"probability"}, where("take_up"))
            value = value.get("probability", 1.0)
        if _is_probability(value, where("take_up"), problems):
            kwargs["take_up"] = float(value)

    def section(key: str, allowed: set[str], what: str = "a table") -> Mapping[str, Any] | None:
        """The table under ``key`` (None when absent or not a table), its keys checked."""
        if key not in data:
            return None
        table = data[key]
        if not isinstance(table, Mapping):
            problems.append(Problem(where(key), f"must be {what}"))
            return None
        if allowed:
            check_keys(table, allowed, where(key))
        return table

    def record(at: str, factory: Any, **fields: Any) -> Any:
        """``factory(**fields)``, or None with the problem appended."""
        try:
            return factory(**fields)
        except (TypeError, ValueError) as exc:
            problems.append(Problem(at, str(exc)))
            return None

    staffing_keys = {"coaches", "caseload", "fte", "tandems"}
    table = section("staffing", staffing_keys)
    if table is not None:
        st = {k: v for k, v in table.items() if k in staffing_keys}
        if isinstance(st.get("fte"), int | float):
            st["fte"] = [st["fte"]] * int(st.get("coaches", 1))
        kwargs["staffing"] = record(where("staffing"), Staffing, **st)

    table = section("waiting_list", {"discipline", "max_length", "patience", "max_wait", "priority_share"})
    if table is not None:
        at = where("waiting_list")
        wl: dict[str, Any] = {k: table[k] for k in ("discipline", "max_length", "priority_share")
                              if k in table}
        if wl.get("discipline", "fifo") not in ("fifo", "priority", "none"):
            problems.append(Problem(f"{at}.discipline", f"unknown discipline {wl.pop('discipline')!r}; "
                                    "use fifo, priority or none"))
        if "patience" in table and "max_wait" in table:
            problems.append(Problem(at, "give either patience or max_wait, not both"))
        for key in ("patience", "max_wait"):
            if key in table:
                dist = distribution_from_dict(table[key], location=f"{at}.{key}", problems=problems)
                if dist is not None:
                    wl["patience"] = dist
        if "max_length" in table and (not isinstance(table["max_length"], int) or table["max_length"] < 0):
            problems.append(Problem(f"{at}.max_length", "must be a non-negative integer"))
            wl.pop("max_length")
        kwargs["waiting_list"] = record(at, WaitingListPolicy, **wl)

    durations: dict[str, Distribution] = {}
    for pid, raw in (section("durations", set(), "a table phase = distribution") or {}).items():
        dist = distribution_from_dict(raw, location=f"{where('durations')}.{pid}", problems=problems)
        if dist is not None:
            durations[str(pid)] = dist
    kwargs["durations"] = durations

    hazards: dict[str, PhaseHazards] = {}
    for pid, raw in (section("hazards", set(), "a table of phases") or {}).items():
        at = f"{where('hazards')}.{pid}"
        if not isinstance(raw, Mapping):
            problems.append(Problem(at, "must be a table cause = monthly probability"))
            continue
        bad = sorted(set(raw) - set(CAUSES))
        for cause in bad:
            problems.append(Problem(f"{at}.{cause}", "unknown cause; known: integration, dropout, "
                                    "health, moved, benefit_ended, transfer, other and outcome kinds"))
        hz = record(at, PhaseHazards, rates={k: v for k, v in raw.items() if k not in bad})
        if hz is not None:
            hazards[str(pid)] = hz
    kwargs["hazards"] = hazards

    routing: dict[str, tuple[tuple[str, float], ...]] = {}
    for pid, raw in (section("routing", set(), "a table of phases") or {}).items():
        at = f"{where('routing')}.{pid}"
        if not isinstance(raw, Mapping) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in raw.values()
        ):
            problems.append(Problem(at, "must be a table next_phase = probability"))
            continue
        routing[str(pid)] = tuple((str(k), float(v)) for k, v in raw.items())
    kwargs["routing"] = routing

    table = section("completion", set(), "a table outcome = probability")
    if table is not None:
        pairs = []
        for kind, p in table.items():
            try:
                pairs.append((OutcomeKind(kind), float(p)))
            except (ValueError, TypeError):
                problems.append(Problem(f"{where('completion')}.{kind}", "unknown outcome kind or "
                                        "not a probability"))
        kwargs["completion"] = tuple(pairs)

    rule_keys = {"max_extensions", "length", "max_duration"}
    table = section("extension", {"probability"} | rule_keys)
    if table is not None:
        p = table.get("probability", 0.0)
        if _is_probability(p, f"{where('extension')}.probability", problems):
            kwargs["extension_probability"] = float(p)
        if programme is not None and rule_keys & set(table):
            programme = _override_extension(programme, table, where("extension"), problems)
            if programme is not None:
                kwargs["programme"] = programme

    table = section("aftercare", {"after", "duration"})
    if table is not None:
        at = where("aftercare")
        ac: dict[str, Any] = {}
        if "after" in table:
            ac["after"] = table["after"]
        if "duration" in table:
            dist = distribution_from_dict(table["duration"], location=f"{at}.duration", problems=problems)
            if dist is not None:
                ac["duration"] = dist
        elif programme is not None and programme.aftercare is not None:
            ac["duration"] = Fixed(_months(programme.aftercare))
        kwargs["aftercare"] = record(at, Aftercare, **ac)

    table = section("plans", {"steps", "achieve", "due", "review"})
    if table is not None:
        try:
            pl = {k: table[k] for k in ("steps", "achieve") if k in table}
            pl.update({k: _months(table[k]) for k in ("due", "review") if k in table})
        except ValueError as exc:
            problems.append(Problem(where("plans"), str(exc)))
        else:
            kwargs["plans"] = record(where("plans"), Plans, **pl)

    models = []
    for name, raw in (section("scales", set(), "a table of scales (who5, swe)") or {}).items():
        at = f"{where('scales')}.{name}"
        if name not in SCALE_ITEMS or not isinstance(raw, Mapping):
            problems.append(Problem(at, "a scale is who5 or swe with entry, exit, sd"))
            continue
        check_keys(raw, {"entry", "exit", "sd"}, at)
        model = record(at, ScaleModel, scale=name, **{k: raw[k] for k in ("entry", "exit", "sd") if k in raw})
        if model is not None:
            models.append(model)
    kwargs["scales"] = tuple(models)

    table = section("follow_up", {"months", "retention", "later_work"})
    if table is not None:
        at = where("follow_up")
        fu = record(at, FollowUps, **{k: v for k, v in table.items() if k in ("months", "retention",
                                                                                "later_work")})
        if fu is not None:
            bad_p = any(not 0 <= p <= 1 for _, p in fu.retention + fu.later_work)
            if bad_p or any(m <= 0 for m in fu.months):
                problems.append(Problem(at, "months must be positive and probabilities in [0, 1]"))
            else:
                kwargs["follow_ups"] = fu

    if "calibration" in data:
        items = data["calibration"]
        cal = []
        if not isinstance(items, list):
            problems.append(Problem(where("calibration"), "must be an array of tables"))
        else:
            for i, raw in enumerate(items):
                at = f"{where('calibration')}[{i}]"
                try:
                    check_keys(raw, {"metric", "target", "tolerance", "source"}, at)
                    cal.append(Calibration(str(raw["metric"]), float(raw["target"]),
                                           float(raw["tolerance"]), str(raw.get("source", ""))))
                except (KeyError, TypeError, ValueError, AttributeError):
                    problems.append(Problem(at, "needs metric, target and tolerance"))
        kwargs["calibration"] = tuple(cal)

    if programme is not None:
        seen = {p.location for p in problems}
        for p in _model_problems(
            programme, take_up=kwargs.get("take_up", 1.0), durations=durations, hazards=hazards,
            routing=routing, completion=kwargs.get("completion", ((OutcomeKind.NONE, 1.0),)),
            extension_probability=kwargs.get("extension_probability", 0.0),
        ):
            if f"{location}.{p.location}" not in seen:
                problems.append(Problem(f"{location}.{p.location}", p.message))
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    complete = all(k in kwargs for k in ("id", "programme", "referrals", "start", "horizon"))
    if complete and not problems:
        try:
            return Scenario(**kwargs)
        except ValidationError as exc:
            problems.extend(Problem(f"{location}.{p.location}", p.message)
                            for p in exc.problems if isinstance(p, Problem))
        except (TypeError, ValueError) as exc:
            problems.append(Problem(location, str(exc)))
    raise ValidationError(f"invalid scenario at {location}", problems)


def _programme(value: Any, at: str, problems: list[Problem]) -> Programme | None:
    if isinstance(value, str):
        from langzeit.programmes import load_programme

        try:
            return load_programme(value)
        except UnknownNameError as exc:
            problems.append(Problem(at, str(exc)))
            return None
    if isinstance(value, Mapping):
        try:
            return Programme.from_dict(value, location=at)
        except ValidationError as exc:
            problems.extend(p for p in exc.problems if isinstance(p, Problem))
            return None
    problems.append(Problem(at, "a built-in programme name or an inline [programme] table"))
    return None


def _override_extension(
    programme: Programme, table: Mapping[str, Any], at: str, problems: list[Problem]
) -> Programme | None:
    """The programme with the scenario's maximum stay and extension rule (a what-if on the rules)."""
    changes: dict[str, Any] = {}
    try:
        if "max_duration" in table:
            changes["max_duration"] = parse_duration(table["max_duration"])
        if "max_extensions" in table or "length" in table:
            old = programme.extension
            changes["extension"] = ExtensionRule(
                max_extensions=table.get("max_extensions", old.max_extensions if old else 1),
                length=table.get("length", old.length if old else relativedelta(months=6)),
            )
        return attrs.evolve(programme, **changes)
    except ValidationError as exc:
        problems.extend(Problem(at, str(p)) for p in exc.problems)
    except (TypeError, ValueError) as exc:
        problems.append(Problem(at, str(exc)))
    return None


_REFERRAL_KEYS = {
    "poisson": {"rate"},
    "cohorts": {"size", "every", "count", "offset"},
    "open_days": {"every", "mean", "offset"},
}


def _referrals(value: Any, at: str, problems: list[Problem]) -> ReferralProcess | None:
    if not isinstance(value, Mapping):
        problems.append(Problem(at, "must be a table with a kind"))
        return None
    kind = value.get("kind")
    if kind not in _REFERRAL_KEYS:
        problems.append(Problem(f"{at}.kind", f"unknown referral process {kind!r}; known: "
                                "cohorts, open_days, poisson"))
        return None
    keys = _REFERRAL_KEYS[kind]
    for key in sorted(set(value) - keys - {"kind", "per"}):
        problems.append(Problem(f"{at}.{key}", f"unknown key for {kind} referrals"))
    args: dict[str, Any] = {k: value[k] for k in keys if k in value}
    try:
        if kind == "poisson":
            per = value.get("per", "month")
            scale = {"month": 1.0, "day": DAYS_PER_MONTH, "week": DAYS_PER_MONTH / 7, "year": 1 / 12}
            if per not in scale:
                problems.append(Problem(f"{at}.per", f"unknown unit {per!r}; use day, week, month, year"))
                return None
            if "rate" not in args:
                problems.append(Problem(f"{at}.rate", "required key missing"))
                return None
            return PoissonReferrals(float(args["rate"]) * scale[per])
        for key in ("every", "offset"):
            if key in args:
                args[key] = _months(args[key])
        if kind == "cohorts":
            return CohortReferrals(**args)
        return OpenDayReferrals(**args)
    except (TypeError, ValueError) as exc:
        problems.append(Problem(at, str(exc)))
        return None


def _scenario_files() -> dict[str, Any]:
    folder = importlib.resources.files("langzeit.simulation") / "scenarios"
    return {f.name.removesuffix(".toml"): f for f in folder.iterdir() if f.name.endswith(".toml")}


def builtin_scenarios() -> tuple[Scenario, ...]:
    """The built-in scenarios, calibrated on the seed figures (DOMAIN.md § 4), by id.

    Examples:
        >>> [s.id for s in builtin_scenarios()]  # doctest: +NORMALIZE_WHITESPACE
        ['aktivoreha', 'geh-vor', 'mm-c-queue', 'pan-ploen', 'rpe-euregio', 'sanus-le']
    """
    return tuple(load_scenario(name) for name in sorted(_scenario_files()))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario TOML file by path.

    Args:
        name_or_path: e.g. ``"geh-vor"`` or ``"my-scenario.toml"``.

    Returns:
        The scenario.

    Raises:
        UnknownNameError: neither a built-in name nor an existing file.
        ValidationError: the file has problems (all listed).

    Examples:
        >>> load_scenario("geh-vor").places
        32
        >>> load_scenario("nope")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.UnknownNameError: unknown scenario 'nope'; known: aktivoreha, geh-vor, ...
    """
    files = _scenario_files()
    key = str(name_or_path)
    if key in files:
        data = tomllib.loads(files[key].read_text(encoding="utf-8"))
        return _from_dict(data.get("scenario", data), f"{key}.toml")
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        return Scenario.from_toml(path)
    raise UnknownNameError("scenario", key, sorted(files))
