"""Evaluation layer: synthetic spells and events with a planted programme effect (known truth).

For the simulation study (``benchmarks/evaluation_study.py``), the tutorial notebook and
tests: a population whose true effect is known, with selection on observables.

* Persons in 3 jobcenters (``"0"``, ``"1"``, ``"2"``), sex F/M, each with one ``elb``
  spell that began ``L`` days before 2022-01-01 (``L`` uniform over 1–2,499 days).
  Leaving benefit is an exponential time (memoryless from 2021-12-01 on) with a monthly
  probability that depends on sex, jobcenter and benefit history; the exit starts an
  ``svp`` spell the next day (an Integration).
* *Selection on observables:* a person is a would-be participant with a probability that
  is higher for long histories (LZB), for women and in jobcenter ``"2"``, and enters on a
  uniform day of 2022 if still in benefit then (``Referred`` two weeks before,
  ``Admitted`` on the day).
* *Planted effect:* of the participants who would not have left benefit within 365 days
  of entry, a share ``effect / S₀(365)`` leaves on a uniform day of that year — so the
  probability of being off benefit 12 months after entry (and of an Integration within
  them) rises by exactly ``effect`` for every participant.
"""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np

from langzeit._calendar import DAYS_PER_MONTH
from langzeit.events import EVENT_TYPES
from langzeit.exceptions import ValidationError
from langzeit.indicators import EventColumns
from langzeit.spells import NO_CODE, OPEN_END, SpellKind, SpellTable, date_to_day

__all__ = ["PlantedEffect", "planted_effect_data"]

_TYPE = {name: i for i, name in enumerate(EVENT_TYPES)}
_ORIGIN = date_to_day(dt.date(2022, 1, 1))
_DATA_END = date_to_day(dt.date(2024, 12, 31))
_YEAR = 365


@attrs.frozen(eq=False)
class PlantedEffect:
    """Synthetic data with a known programme effect.

    Args:
        spells: the spell table of the whole population (data end 2024-12-31).
        events: the participants' event log (``Referred``, ``Admitted``).
        effect: the true effect on ``off_benefit_12m`` and ``integration_12m`` (a share).
        n_participants: how many took part.

    Examples:
        >>> d = planted_effect_data(2000, seed=1)
        >>> d.effect, d.n_participants == d.events.n_participants
        (0.1, True)
    """

    spells: SpellTable
    events: EventColumns
    effect: float
    n_participants: int


def planted_effect_data(
    n_persons: int, *, effect: float = 0.10, seed: int | np.random.Generator = 0
) -> PlantedEffect:
    """A synthetic population with a planted programme effect and selection on observables.

    Args:
        n_persons: the population size.
        effect: the planted rise in the probability of being off benefit 12 months after entry.
        seed: an int seed or a ``numpy.random.Generator``.

    Returns:
        The data and the truth.

    Raises:
        ValueError: ``n_persons`` < 1 or ``effect`` outside [0, 0.3].

    Examples:
        >>> d = planted_effect_data(500, seed=2)
        >>> d.spells.n_persons, d.spells.data_end_date
        (500, datetime.date(2024, 12, 31))
    """
    if n_persons < 1:
        raise ValidationError("n_persons must be at least 1")
    if not 0.0 <= effect <= 0.3:
        raise ValidationError("effect must lie in [0, 0.3] (every participant's baseline leaves room for it)")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = n_persons
    jc = rng.integers(0, 3, n)
    sex = rng.integers(1, 3, n)  # 1 = F, 2 = M
    history = rng.integers(1, 2500, n)
    start = _ORIGIN - history
    years = np.minimum(history, 1826) / 365.25
    logit = -2.6 + 0.35 * (sex == 2) + np.array([0.0, 0.2, -0.2])[jc] - 0.28 * years
    monthly = 1.0 / (1.0 + np.exp(-logit))
    rate = -np.log1p(-monthly) / DAYS_PER_MONTH  # per day
    exit0 = np.maximum(_ORIGIN - 31, start) + rng.exponential(1.0 / rate).astype(np.int64)
    lzb = history >= 730
    take = 1.0 / (1.0 + np.exp(-(-4.3 + 1.0 * lzb + 0.5 * (sex == 1) + np.array([0.0, 0.3, 0.7])[jc]
                                 + 0.15 * history / 365.25)))
    would = rng.random(n) < take
    entry = _ORIGIN + rng.integers(0, 365, n)
    treated = would & (exit0 > entry) & (start < entry - 31)
    theta = np.clip(effect / np.exp(-rate * _YEAR), 0.0, 1.0)
    convert = treated & (exit0 - entry > _YEAR) & (rng.random(n) < theta)
    exit_day = np.where(convert, entry + rng.integers(1, _YEAR + 1, n), exit0)
    left = exit_day < _DATA_END
    persons = np.arange(n)
    n_svp = int(left.sum())
    person = np.concatenate([persons, persons[left]])
    kind = np.concatenate([np.full(n, SpellKind.ELB), np.full(n_svp, SpellKind.SVP)])
    s = np.concatenate([start, exit_day[left] + 1])
    e = np.concatenate([np.where(left, exit_day, OPEN_END), np.full(n_svp, OPEN_END)])
    table = SpellTable(person, kind, s, e, np.concatenate([jc, np.full(n_svp, NO_CODE)]),
                       np.concatenate([sex, np.zeros(n_svp, dtype=np.int64)]), np.zeros(person.size, bool),
                       np.full(person.size, NO_CODE), np.full(person.size, np.nan), persons.astype(str),
                       ("0", "1", "2"), (), _DATA_END)
    tp = np.flatnonzero(treated)
    idx = np.arange(tp.size)
    events = EventColumns.from_arrays(
        tuple(str(i) for i in tp.tolist()), np.concatenate([idx, idx]),
        np.concatenate([np.full(tp.size, _TYPE["referred"]), np.full(tp.size, _TYPE["admitted"])]),
        np.concatenate([entry[tp] - 14, entry[tp]]))
    return PlantedEffect(table, events, float(effect), int(tp.size))
