"""Simulation layer: duration distributions drawn from ``numpy.random.Generator`` streams.

Durations are in **months** of the model clock (fractions allowed); the event loop turns
whole months into calendar months (``relativedelta``) and the fraction into days, so a
fixed stay of 12 months ends on the same calendar day a year later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs
import numpy as np

from langzeit._arrays import FloatArray
from langzeit._calendar import DAYS_PER_MONTH
from langzeit.exceptions import Problem, ValidationError

__all__ = [
    "DAYS_PER_MONTH",
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "Gamma",
    "LogNormal",
    "distribution_from_dict",
]


_UNIT_MONTHS = {
    "months": 1.0, "month": 1.0,
    "days": 1.0 / DAYS_PER_MONTH, "day": 1.0 / DAYS_PER_MONTH,
    "weeks": 7.0 / DAYS_PER_MONTH, "week": 7.0 / DAYS_PER_MONTH,
    "years": 12.0, "year": 12.0,
}


def positive(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator (shared by the simulation modules): a finite number > 0."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValidationError(f"{attribute.name} must be a positive number, got {value!r}")


def non_negative(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    """Attrs validator (shared by the simulation modules): a finite number >= 0."""
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValidationError(f"{attribute.name} must be a non-negative number, got {value!r}")


@runtime_checkable
class Distribution(Protocol):
    """A distribution of durations in months: ``sample(rng, n)`` and its ``mean``.

    Examples:
        >>> isinstance(Fixed(12), Distribution)
        True
    """

    @property
    def mean(self) -> float:
        """The expected duration in months."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations in months."""
        ...


@attrs.frozen
class Fixed:
    """Every draw is the same duration (e.g. PaN's 12-month cycles).

    Args:
        value: the duration in months.

    Examples:
        >>> Fixed(12).sample(np.random.default_rng(1), 3)
        array([12., 12., 12.])
    """

    value: float = attrs.field(validator=non_negative)

    @property
    def mean(self) -> float:
        """The duration itself."""
        return float(self.value)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations (all equal; the stream is not advanced)."""
        return np.full(n, float(self.value))


@attrs.frozen
class Exponential:
    """Exponential durations (memoryless stays, the M/M/c service time).

    Args:
        mean_value: the mean duration in months (1 / rate).

    Examples:
        >>> d = Exponential(2.0)
        >>> d.mean
        2.0
        >>> bool(d.sample(np.random.default_rng(1), 4000).mean() > 1.8)
        True
    """

    mean_value: float = attrs.field(validator=positive)

    @property
    def mean(self) -> float:
        """The mean duration."""
        return float(self.mean_value)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations."""
        return rng.exponential(self.mean_value, n)


@attrs.frozen
class Gamma:
    """Gamma durations given by mean and coefficient of variation (shape = 1 / cv²).

    Args:
        mean_value: the mean duration in months.
        cv: coefficient of variation (sd / mean); 1 is the exponential.

    Examples:
        >>> Gamma(12.0, cv=0.5).shape
        4.0
    """

    mean_value: float = attrs.field(validator=positive)
    cv: float = attrs.field(default=1.0, validator=positive)

    @property
    def shape(self) -> float:
        """The shape parameter k = 1 / cv²."""
        return 1.0 / (self.cv * self.cv)

    @property
    def mean(self) -> float:
        """The mean duration."""
        return float(self.mean_value)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations."""
        k = self.shape
        return rng.gamma(k, self.mean_value / k, n)


@attrs.frozen
class LogNormal:
    """Log-normal durations given by mean and coefficient of variation.

    With sigma² = ln(1 + cv²) and mu = ln(mean) − sigma² / 2 the draws have the
    stated mean: long right tails such as "usually 18 to 24 months" (GesA).

    Args:
        mean_value: the mean duration in months.
        cv: coefficient of variation (sd / mean).

    Examples:
        >>> round(LogNormal(12.0, cv=0.5).sigma, 4)
        0.4724
    """

    mean_value: float = attrs.field(validator=positive)
    cv: float = attrs.field(default=0.5, validator=positive)

    @property
    def sigma(self) -> float:
        """The sd of the logarithm."""
        return math.sqrt(math.log1p(self.cv * self.cv))

    @property
    def mean(self) -> float:
        """The mean duration."""
        return float(self.mean_value)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations."""
        s = self.sigma
        return rng.lognormal(math.log(self.mean_value) - s * s / 2, s, n)


def _to_float_tuple(value: Any) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


@attrs.frozen
class Empirical:
    """Durations resampled from observed values, optionally weighted.

    Args:
        values: observed durations in months.
        weights: relative frequencies (default equal).

    Raises:
        ValueError: no values, a negative value, or weights of another length or not positive.

    Examples:
        >>> d = Empirical([6, 12, 18], weights=[1, 2, 1])
        >>> d.mean
        12.0
        >>> sorted(set(d.sample(np.random.default_rng(3), 50).tolist()))
        [6.0, 12.0, 18.0]
    """

    values: tuple[float, ...] = attrs.field(converter=_to_float_tuple)
    weights: tuple[float, ...] | None = attrs.field(
        default=None, converter=attrs.converters.optional(_to_float_tuple)
    )

    def __attrs_post_init__(self) -> None:
        if not self.values:
            raise ValidationError("an empirical distribution needs at least one value")
        if any(not math.isfinite(v) or v < 0 for v in self.values):
            raise ValidationError("empirical values must be non-negative numbers")
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValidationError(f"{len(self.weights)} weights for {len(self.values)} values")
            if any(not math.isfinite(w) or w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValidationError("weights must be non-negative with a positive sum")

    @property
    def _p(self) -> FloatArray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights)
        return np.asarray(w / w.sum(), dtype=np.float64)

    @property
    def mean(self) -> float:
        """The (weighted) mean of the values."""
        return float(np.dot(self._p, self.values))

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` durations with replacement."""
        return np.asarray(rng.choice(np.asarray(self.values), size=n, p=self._p), dtype=np.float64)


_KINDS: dict[str, tuple[Any, set[str]]] = {
    "fixed": (Fixed, {"value"}),
    "exponential": (Exponential, {"mean"}),
    "gamma": (Gamma, {"mean", "cv"}),
    "lognormal": (LogNormal, {"mean", "cv"}),
    "empirical": (Empirical, {"values", "weights"}),
}


def distribution_from_dict(
    data: Any, *, location: str, problems: list[Problem]
) -> Distribution | None:
    """Read a duration distribution from a TOML value, appending every problem found.

    A plain number or duration text is a fixed duration in months (``12``,
    ``"18 months"``). A table has ``kind`` (``fixed``, ``exponential``, ``gamma``,
    ``lognormal``, ``empirical``), its parameters (``value``; ``mean``; ``mean``
    and ``cv``; ``values`` and optional ``weights``) and an optional ``unit``
    (``months`` by default, ``days``, ``weeks``, ``years``).

    Args:
        data: the TOML value.
        location: where it is, for problems (e.g. ``"durations.coaching"``).
        problems: list to which problems are appended.

    Returns:
        The distribution, or None when there were problems.

    Examples:
        >>> problems = []
        >>> distribution_from_dict({"kind": "gamma", "mean": 14, "cv": 0.6},
        ...                        location="d", problems=problems)
        Gamma(mean_value=14.0, cv=0.6)
        >>> distribution_from_dict({"kind": "exponential", "mean": 1, "unit": "days"},
        ...                        location="d", problems=problems).mean  # doctest: +ELLIPSIS
        0.0328...
        >>> distribution_from_dict({"kind": "normal"}, location="d", problems=problems)
        >>> [str(p) for p in problems]
        ["d.kind: unknown distribution 'normal'; known: empirical, exponential, fixed, gamma, lognormal"]
    """
    if isinstance(data, bool):
        problems.append(Problem(location, f"not a duration: {data!r}"))
        return None
    if isinstance(data, int | float):
        data = {"kind": "fixed", "value": data}
    elif isinstance(data, str):
        from langzeit.domain import parse_duration

        try:
            rd = parse_duration(data)
        except ValueError as exc:
            problems.append(Problem(location, str(exc)))
            return None
        data = {"kind": "fixed", "value": rd.years * 12 + rd.months + rd.days / DAYS_PER_MONTH}
    if not isinstance(data, Mapping):
        problems.append(Problem(location, f"a distribution is a number or a table, got {data!r}"))
        return None
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _KINDS:
        problems.append(Problem(f"{location}.kind", f"unknown distribution {kind!r}; known: "
                                + ", ".join(sorted(_KINDS))))
        return None
    factory, keys = _KINDS[kind]
    unknown = sorted(set(data) - keys - {"kind", "unit"})
    if unknown:
        problems.append(Problem(location, f"unknown keys {unknown} for a {kind} distribution"))
    unit = data.get("unit", "months")
    if not isinstance(unit, str) or unit not in _UNIT_MONTHS:
        problems.append(Problem(f"{location}.unit", f"unknown unit {unit!r}; use months, weeks, "
                                "days or years"))
        return None
    scale = _UNIT_MONTHS[unit]
    kwargs: dict[str, Any] = {}
    try:
        for key in sorted(keys & set(data)):
            value = data[key]
            if key in ("value", "mean"):
                value = float(value) * scale
                key = "mean_value" if key == "mean" else key
            elif key == "values":
                value = [float(v) * scale for v in value]
            kwargs[key] = value
        if unknown:
            return None
        dist: Distribution = factory(**kwargs)
        return dist
    except (TypeError, ValueError) as exc:
        problems.append(Problem(location, str(exc)))
        return None
