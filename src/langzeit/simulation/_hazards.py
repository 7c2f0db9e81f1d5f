"""Simulation layer: monthly competing hazards per phase (dropout, Integration, other exits)."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from langzeit.domain import ExitReason, OutcomeKind
from langzeit.exceptions import ValidationError

__all__ = ["CAUSES", "PhaseHazards", "cause_exit"]

#: Horizon of the hazard tables in months (100 years: beyond any stay).
_MAX_MONTHS = 1200


def _known_causes() -> dict[str, tuple[ExitReason, OutcomeKind]]:
    causes: dict[str, tuple[ExitReason, OutcomeKind]] = {
        "integration": (ExitReason.WORK, OutcomeKind.SVP),
    }
    for kind in OutcomeKind:
        if kind in (OutcomeKind.NONE, OutcomeKind.OTHER):
            continue
        if kind is OutcomeKind.REHABILITATION:
            causes[kind.value] = (ExitReason.TRANSFER, kind)
        elif kind.is_work:
            causes[kind.value] = (ExitReason.WORK, kind)
        else:
            causes[kind.value] = (ExitReason.OTHER, kind)
    for reason in ExitReason:
        if reason in (ExitReason.COMPLETED, ExitReason.MAX_DURATION, ExitReason.WORK):
            continue
        causes[reason.value] = (reason, OutcomeKind.NONE)
    return causes


#: Every cause a hazard may name, with the exit reason and outcome it produces:
#: ``integration`` (work, ``svp``), the outcome kinds (``minijob``, ``rehabilitation``
#: as a transfer, ``stabilisation``…) and the exit reasons (``dropout``, ``health``,
#: ``moved``, ``benefit_ended``, ``transfer``, ``death``, ``other``).
CAUSES: Mapping[str, tuple[ExitReason, OutcomeKind]] = _known_causes()


def cause_exit(cause: str) -> tuple[ExitReason, OutcomeKind]:
    """The exit reason and outcome a hazard cause produces.

    Args:
        cause: a key of :data:`CAUSES`.

    Returns:
        ``(reason, outcome)``.

    Examples:
        >>> cause_exit("integration")
        (<ExitReason.WORK: 'work'>, <OutcomeKind.SVP: 'svp'>)
        >>> cause_exit("dropout")
        (<ExitReason.DROPOUT: 'dropout'>, <OutcomeKind.NONE: 'none'>)
    """
    return CAUSES[cause]


def _to_rates(value: Mapping[str, Any]) -> tuple[tuple[str, tuple[float, ...]], ...]:
    out = []
    for cause, rates in value.items():
        seq = (rates,) if isinstance(rates, int | float) else tuple(rates)
        out.append((str(cause), tuple(float(r) for r in seq)))
    return tuple(out)


@attrs.frozen
class PhaseHazards:
    """Monthly competing hazards of one phase, optionally duration-dependent.

    Each cause has a probability per month in the phase; a list gives month 0, 1, 2…
    since phase entry, its last value repeating. In month ``k`` the participant leaves
    with probability ``h(k) = Σ h_j(k)``, for cause ``j`` with probability
    ``h_j(k) / h(k)``; the time within the month is uniform.

    Args:
        rates: cause → monthly probability, or list of monthly probabilities.

    Raises:
        ValueError: an unknown cause, a probability outside [0, 1], or monthly totals above 1.

    Examples:
        >>> h = PhaseHazards({"dropout": 0.02, "integration": [0.0, 0.0, 0.03]})
        >>> h.total(0), h.total(5)
        (0.02, 0.05)
        >>> round(h.survival(3), 6)  # (1 - 0.02)^2 * (1 - 0.05)
        0.91238
    """

    rates: tuple[tuple[str, tuple[float, ...]], ...] = attrs.field(converter=_to_rates)
    _cumulative: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)
    _totals: tuple[float, ...] = attrs.field(init=False, repr=False, eq=False)
    _by_month: tuple[tuple[tuple[str, float], ...], ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        problems = []
        for cause, seq in self.rates:
            if cause not in CAUSES:
                problems.append(f"unknown cause {cause!r}")
            if not seq:
                problems.append(f"{cause}: no rates")
            if any(not (math.isfinite(r) and 0.0 <= r <= 1.0) for r in seq):
                problems.append(f"{cause}: monthly probabilities must lie in [0, 1]")
        if not problems:
            longest = max((len(s) for _, s in self.rates), default=1)
            for k in range(longest):
                if self.total(k) > 1.0 + 1e-12:
                    problems.append(f"month {k}: hazards sum to {self.total(k):.4g} > 1")
                    break
        if problems:
            raise ValidationError("; ".join(problems))
        longest = max((len(s) for _, s in self.rates), default=1)
        object.__setattr__(self, "_totals", tuple(self.total(k) for k in range(longest + 1)))
        object.__setattr__(self, "_by_month", tuple(
            tuple((c, seq[min(k, len(seq) - 1)]) for c, seq in self.rates) for k in range(longest + 1)))
        cumulative = []
        surv = 1.0
        steady = self.total(max((len(s) for _, s in self.rates), default=1))
        for k in range(_MAX_MONTHS):
            surv *= 1.0 - self.total(k)
            cumulative.append(1.0 - surv)
            if surv <= 0.0:
                break
            if k > 0 and steady == 0.0 and k >= max((len(s) for _, s in self.rates), default=1):
                break
        object.__setattr__(self, "_cumulative", tuple(cumulative))

    @property
    def causes(self) -> tuple[str, ...]:
        """The causes, in definition order."""
        return tuple(c for c, _ in self.rates)

    def rate(self, cause: str, month: int) -> float:
        """The monthly probability of ``cause`` in month ``month`` since phase entry."""
        for c, seq in self.rates:
            if c == cause:
                return seq[min(month, len(seq) - 1)]
        return 0.0

    def total(self, month: int) -> float:
        """The probability of leaving in month ``month`` given presence at its start."""
        return sum(seq[min(month, len(seq) - 1)] for _, seq in self.rates)

    def survival(self, months: int) -> float:
        """Probability of no event in the first ``months`` months."""
        if months <= 0:
            return 1.0
        if months <= len(self._cumulative):
            return 1.0 - self._cumulative[months - 1]
        return 1.0 - self._cumulative[-1] if self._cumulative else 1.0

    def draw(self, u_time: float, u_cause: float, u_within: float) -> tuple[float, str] | None:
        """The first event from three uniforms: months since phase entry and cause.

        Args:
            u_time: uniform deciding the month (inverse of the cumulative incidence).
            u_cause: uniform choosing the cause within that month.
            u_within: uniform placing the event within the month.

        Returns:
            ``(months, cause)``, or None when no event happens within the table's horizon.

        Examples:
            >>> PhaseHazards({"dropout": 0.5}).draw(0.6, 0.1, 0.5)  # F(0)=0.5, F(1)=0.75
            (1.5, 'dropout')
            >>> PhaseHazards({"dropout": 0.0}).draw(0.6, 0.1, 0.5) is None
            True
        """
        k = bisect.bisect_right(self._cumulative, u_time)
        if k >= len(self._cumulative) or self._cumulative[k] <= u_time:
            return None
        m = min(k, len(self._totals) - 1)
        total = self._totals[m]
        if total <= 0.0:
            return None
        target = u_cause * total
        acc = 0.0
        pairs = self._by_month[m]
        chosen = pairs[-1][0]
        for cause, rate in pairs:
            acc += rate
            if target < acc:
                chosen = cause
                break
        return k + u_within, chosen

    @classmethod
    def from_mapping(cls, data: Mapping[str, float | Sequence[float]]) -> PhaseHazards:
        """Build from a TOML table ``{cause = rate or [rates]}``.

        Examples:
            >>> PhaseHazards.from_mapping({"dropout": 0.1}).causes
            ('dropout',)
        """
        return cls(dict(data))
