"""Simulation layer: writing the scenario TOML format, and variants of a scenario.

The writer beside the model (STYLE.md § 14): :func:`scenario_to_dict` gives the table
that :func:`~langzeit.simulation.scenario_from_dict` reads back to the same scenario,
:func:`scenario_to_toml` its text, and :func:`scenario_variant` merges changes into the
table and reads it again (so every rule is checked once, by the reader).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dateutil.relativedelta import relativedelta

from langzeit._toml_write import dumps_toml
from langzeit.domain import format_duration
from langzeit.simulation._distributions import Distribution, Empirical, Exponential, Fixed, Gamma, LogNormal
from langzeit.simulation._referrals import (
    CohortReferrals,
    OpenDayReferrals,
    PoissonReferrals,
    ReferralProcess,
)
from langzeit.simulation._scenario import Scenario
from langzeit.simulation._scenario_toml import scenario_from_dict

__all__ = ["scenario_to_dict", "scenario_to_toml", "scenario_variant"]


def _distribution(d: Distribution) -> Any:
    if isinstance(d, Fixed):
        return d.value
    if isinstance(d, Exponential):
        return {"kind": "exponential", "mean": d.mean_value}
    if isinstance(d, Gamma | LogNormal):
        return {"kind": "gamma" if isinstance(d, Gamma) else "lognormal", "mean": d.mean_value, "cv": d.cv}
    if isinstance(d, Empirical):
        out: dict[str, Any] = {"kind": "empirical", "values": list(d.values)}
        if d.weights is not None:
            out["weights"] = list(d.weights)
        return out
    raise TypeError(f"no TOML form for the distribution {d!r}")  # pragma: no cover - all kinds above


def _referrals_dict(p: ReferralProcess) -> dict[str, Any]:
    if isinstance(p, PoissonReferrals):
        return {"kind": "poisson", "rate": p.rate}
    if isinstance(p, CohortReferrals):
        out: dict[str, Any] = {"kind": "cohorts", "size": p.size, "every": p.every, "offset": p.offset}
        if p.count is not None:
            out["count"] = p.count
        return out
    if isinstance(p, OpenDayReferrals):
        return {"kind": "open_days", "every": p.every, "mean": p.mean, "offset": p.offset}
    raise TypeError(f"no TOML form for the referral process {p!r}")


def _prob_table(pairs: tuple[tuple[int, float], ...]) -> Any:
    if len(pairs) == 1 and pairs[0][0] == 0:
        return pairs[0][1]
    return {str(m): p for m, p in pairs}


def scenario_to_dict(s: Scenario) -> dict[str, Any]:
    """The scenario as a TOML-ready table, the inverse of :func:`scenario_from_dict`.

    The programme is written inline (with any extension rule the scenario changed),
    so the table stands on its own.

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> s = load_scenario("geh-vor")
        >>> table = scenario_to_dict(s)
        >>> table["staffing"]
        {'coaches': 3, 'caseload': 12, 'fte': [1.0, 1.0, 0.7], 'tandems': True}
        >>> table["referrals"]
        {'kind': 'poisson', 'rate': 10.0}
        >>> scenario_to_dict(scenario_from_dict(table, location="again")) == table
        True
    """
    out: dict[str, Any] = {"id": s.id, "name": s.name}
    if s.description:
        out["description"] = s.description
    out.update(start=s.start, horizon=format_duration(s.horizon))
    if s.warm_up != relativedelta():
        out["warm_up"] = format_duration(s.warm_up)
    out["agreement_probability"] = s.agreement_probability
    out["programme"] = s.programme.to_dict()
    out["referrals"] = _referrals_dict(s.referrals)
    if s.staffing is not None:
        st = s.staffing
        out["staffing"] = {"coaches": st.coaches, "caseload": st.caseload, "fte": list(st.fte),
                           "tandems": st.tandems}
    wl = s.waiting_list
    out["waiting_list"] = {"discipline": wl.discipline, "priority_share": wl.priority_share}
    if wl.max_length is not None:
        out["waiting_list"]["max_length"] = wl.max_length
    if wl.patience is not None:
        out["waiting_list"]["patience"] = _distribution(wl.patience)
    if s.durations:
        out["durations"] = {pid: _distribution(d) for pid, d in s.durations.items()}
    if s.hazards:
        out["hazards"] = {pid: {cause: (list(v) if len(v) > 1 else v[0]) for cause, v in h.rates}
                          for pid, h in s.hazards.items()}
    if s.routing:
        out["routing"] = {pid: dict(pairs) for pid, pairs in s.routing.items()}
    out["completion"] = {kind.value: p for kind, p in s.completion}
    if s.extension_probability:
        out["extension"] = {"probability": s.extension_probability}
    if s.aftercare is not None:
        out["aftercare"] = {"after": s.aftercare.after, "duration": _distribution(s.aftercare.duration)}
        if s.aftercare.available_from is not None:
            out["aftercare"]["from"] = s.aftercare.available_from
    if s.follow_ups is not None:
        f = s.follow_ups
        out["follow_up"] = {"months": list(f.months), "retention": _prob_table(f.retention),
                            "later_work": _prob_table(f.later_work)}
    if s.plans is not None:
        p = s.plans
        out["plans"] = {"steps": p.steps, "achieve": p.achieve, "due": p.due, "review": p.review}
    if s.reductions is not None:
        red = s.reductions
        out["reductions"] = {"duty_breach": red.duty_breach, "missed_appointment": red.missed_appointment,
                             "on_dropout": red.on_dropout, "hardship": red.hardship}
    if s.costs is not None:
        out["costs"] = {"staff_cost_per_fte_year": s.costs.staff_cost_per_fte_year,
                        "monthly_benefit": s.costs.monthly_benefit}
    if s.scales:
        out["scales"] = {m.scale: {"entry": m.entry, "exit": m.exit, "sd": m.sd} for m in s.scales}
    if s.calibration:
        out["calibration"] = [{"metric": c.metric, "target": c.target, "tolerance": c.tolerance,
                               **({"source": c.source} if c.source else {})} for c in s.calibration]
    return out


def scenario_to_toml(s: Scenario) -> str:
    """The scenario as TOML text, for a file that :func:`~langzeit.simulation.read_scenario` reads back.

    Examples:
        >>> from langzeit._toml import loads_toml
        >>> from langzeit.simulation import load_scenario
        >>> s = load_scenario("geh-vor")
        >>> text = scenario_to_toml(s)
        >>> text.splitlines()[0]
        'id = "geh-vor"'
        >>> scenario_to_dict(scenario_from_dict(loads_toml(text, "geh-vor.toml"))) == scenario_to_dict(s)
        True
    """
    return dumps_toml(scenario_to_dict(s))


def scenario_variant(s: Scenario, changes: Mapping[str, Any], *, id: str | None = None) -> Scenario:
    """A new scenario: ``s``'s table with ``changes`` merged in, validated again.

    ``changes`` is a table in the TOML format (nested tables are merged key by key,
    everything else replaces); every problem of the result is listed, located under
    ``variant``. This is how a notebook compares 1:12 with 1:15 without copying TOML;
    :meth:`Scenario.evolve` replaces whole fields instead.

    Args:
        s: the scenario.
        changes: the keys to change, e.g. ``{"staffing": {"caseload": 15}}``.
        id: the variant's id (default: ``s``'s id with ``-variant``); its name follows
            unless ``changes`` gives one.

    Returns:
        The validated variant.

    Raises:
        ValidationError: the variant has problems (all listed, e.g. ``variant.staffing.caseload``).

    Examples:
        >>> from langzeit.simulation import load_scenario
        >>> base = load_scenario("geh-vor")
        >>> wider = scenario_variant(base, {"staffing": {"caseload": 15}}, id="geh-vor-1-15")
        >>> base.places, wider.places, wider.id
        (32, 40, 'geh-vor-1-15')
        >>> scenario_variant(base, {"staffing": {"caseload": "fifteen"}})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid scenario at variant (1 problem)
          - variant.staffing.caseload: must be a whole number, got 'fifteen'
    """
    table = _merge(scenario_to_dict(s), changes)
    new_id = id if id is not None else f"{s.id}-variant"
    table["id"] = new_id
    if "name" not in changes:
        table["name"] = new_id if s.name == s.id else f"{s.name} ({new_id})"
    return scenario_from_dict(table, location="variant")


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: nested tables key by key, everything else replaced."""
    out = dict(base)
    for key, value in changes.items():
        old = out.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out
