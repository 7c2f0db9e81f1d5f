"""Simulation layer: reading the scenario TOML format — tables, files and the built-in scenarios.

The format beside the model (STYLE.md § 14): :func:`scenario_from_dict` reads a TOML
table with the one table reader of langzeit (:class:`langzeit._toml.TableReader`),
listing every problem with its key; :func:`read_scenario` reads a file and
:func:`load_scenario` a built-in scenario or a file. The writer is
:mod:`._scenario_write`. The model (:mod:`._scenario`) imports neither.
"""

from __future__ import annotations

import datetime as _dt
import importlib.resources
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from langzeit._toml import TableReader, loads_toml, read_toml
from langzeit.domain import (
    ExtensionRule,
    OutcomeKind,
    Programme,
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
from langzeit.simulation._scenario import (
    SCALE_ITEMS,
    Aftercare,
    Calibration,
    Costs,
    FollowUps,
    Plans,
    Reductions,
    ScaleModel,
    Scenario,
    Staffing,
    WaitingListPolicy,
    model_problems,
    months_of,
)

__all__ = ["builtin_scenarios", "load_scenario", "read_scenario", "scenario_from_dict"]

_TOP_KEYS = frozenset({
    "id", "name", "description", "start", "horizon", "warm_up", "programme", "referrals",
    "agreement_probability", "take_up", "staffing", "waiting_list", "durations", "hazards", "routing",
    "completion", "extension", "aftercare", "follow_up", "plans", "scales", "calibration",
    "reductions", "costs",
})
_REFERRAL_KEYS = {
    "poisson": {"rate", "per"},
    "cohorts": {"size", "every", "count", "offset"},
    "open_days": {"every", "mean", "offset"},
}
_PER = {"month": 1.0, "day": DAYS_PER_MONTH, "week": DAYS_PER_MONTH / 7, "year": 1 / 12}
#: The most coaches, caseload, plan steps or follow-ups a scenario may name.
_MAX_COUNT = 100_000


def scenario_from_dict(data: Mapping[str, Any], *, location: str = "scenario") -> Scenario:
    """Build a scenario from a TOML table (``docs/guides/scenarios.md``), listing every problem found.

    Args:
        data: the table.
        location: prefix of problem locations (e.g. the file name).

    Returns:
        The validated scenario.

    Raises:
        ValidationError: every problem found, each with its key; an unknown built-in
            programme is one of them.

    Examples:
        >>> scenario_from_dict({"id": "x", "horizon": "-3 months", "agreement_probability": 2})
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid scenario at scenario (5 problems)
          - scenario.start: required key missing
          - scenario.programme: required key missing
          - scenario.referrals: required key missing
          - scenario.horizon: must be positive, got P-3M
          - scenario.agreement_probability: must be a probability in [0, 1], got 2
        >>> scenario_from_dict({"id": "x", "staffing": {"coaches": "three", "caseload": 12}},
        ...                    location="s.toml")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid scenario at s.toml (5 problems)
        ...
          - s.toml.staffing.coaches: must be a whole number, got 'three'
    """
    if not isinstance(data, Mapping):
        raise ValidationError(f"invalid scenario at {location}",
                              [Problem(location, "a scenario is a table")])
    r = TableReader(data, location, allowed=_TOP_KEYS,
                    required=("id", "start", "horizon", "programme", "referrals"))
    problems = r.problems
    kwargs: dict[str, Any] = {key: r.text(key) for key in ("id", "name", "description")}
    kwargs["start"] = r.date("start")
    for key in ("horizon", "warm_up"):
        span = r.value(key, parse_duration)
        if span is None:
            continue
        ref = _dt.date(2001, 1, 31)
        if key == "horizon" and not ref + span > ref:
            r.problem(key, f"must be positive, got {format_duration(span)}")
        elif is_negative(span):
            r.problem(key, f"must not be negative, got {format_duration(span)}")
        else:
            kwargs[key] = span
    programme = _programme(r) if "programme" in r else None
    kwargs["programme"] = programme
    kwargs["referrals"] = _referrals(r) if "referrals" in r else None
    kwargs["agreement_probability"] = _agreement(r)
    kwargs["staffing"] = _staffing(r)
    kwargs["waiting_list"] = _waiting_list(r)
    durations = _durations(r)
    hazards = _hazards(r)
    routing = _routing(r)
    kwargs.update(durations=durations, hazards=hazards, routing=routing)
    kwargs["completion"] = _completion(r)
    ext = r.table("extension", allowed={"probability", "max_extensions", "length", "max_duration"})
    if ext is not None:
        kwargs["extension_probability"] = ext.probability("probability") if "probability" in ext else 0.0
        if programme is not None and {"max_extensions", "length", "max_duration"} & set(ext.data):
            programme = _override_extension(programme, ext)
            kwargs["programme"] = programme
    kwargs["aftercare"] = _aftercare(r, programme)
    kwargs["plans"] = _plans(r)
    kwargs["reductions"] = _reductions(r)
    kwargs["costs"] = _costs(r)
    kwargs["scales"] = _scales(r)
    kwargs["follow_ups"] = _follow_ups(r)
    kwargs["calibration"] = _calibration(r)

    if programme is not None:
        seen = {p.location for p in problems}
        for p in model_problems(
            programme, agreement_probability=_or(kwargs.get("agreement_probability"), 1.0),
            durations=durations, hazards=hazards,
            routing=routing, completion=kwargs.get("completion") or ((OutcomeKind.NONE, 1.0),),
            extension_probability=kwargs.get("extension_probability") or 0.0,
        ):
            if r.where(p.location) not in seen:
                r.problem(p.location, p.message)
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    complete = all(k in kwargs for k in ("id", "programme", "referrals", "start", "horizon"))
    if complete and not problems:
        r.build(Scenario, **kwargs)
        if not problems:
            return Scenario(**kwargs)
    raise ValidationError(f"invalid scenario at {location}", problems)


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _agreement(r: TableReader) -> float | None:
    """The probability to agree; its old key ``take_up`` (or ``[take_up] probability``) reads, warning."""
    if "take_up" not in r:
        return r.probability("agreement_probability")
    if "agreement_probability" in r:
        r.problem("take_up", "give agreement_probability only (take_up is its deprecated name)")
        return None
    warnings.warn(f"{r.where('take_up')}: the scenario key take_up is deprecated; it is the probability "
                  "to agree: write agreement_probability (the metric take_up is admitted / referred)",
                  FutureWarning, stacklevel=4)
    if isinstance(r.data["take_up"], Mapping):
        t = r.table("take_up", allowed={"probability"})
        return t.probability("probability") if t is not None and "probability" in t else 1.0
    return r.probability("take_up")


def _programme(r: TableReader) -> Programme | None:
    value = r.data["programme"]
    if isinstance(value, str):
        from langzeit.programmes import load_programme

        try:
            return load_programme(value)
        except UnknownNameError as exc:
            r.problem("programme", str(exc))
            return None
    if isinstance(value, Mapping):
        try:
            return Programme.from_dict(value, location=r.where("programme"))
        except ValidationError as exc:
            r.problems.extend([p for p in exc.problems if isinstance(p, Problem)]
                              or [Problem(r.where("programme"), str(exc))])
            return None
    r.problem("programme", "a built-in programme name or an inline [programme] table")
    return None


def _override_extension(programme: Programme, t: TableReader) -> Programme | None:
    """The programme with the scenario's maximum stay and extension rule (a what-if on the rules)."""
    changes: dict[str, Any] = {}
    if "max_duration" in t:
        changes["max_duration"] = t.value("max_duration", parse_duration)
    if "max_extensions" in t or "length" in t:
        old = programme.extension
        n = t.integer("max_extensions", minimum=0) if "max_extensions" in t else (
            old.max_extensions if old else 1)
        length = t.value("length", parse_duration) if "length" in t else (
            old.length if old else relativedelta(months=6))
        if n is not None and length is not None:
            changes["extension"] = t.build(ExtensionRule, max_extensions=n, length=length)
    if any(v is None for v in changes.values()):
        return None
    return _evolve(t, programme, changes)


def _evolve(t: TableReader, programme: Programme, changes: dict[str, Any]) -> Programme | None:
    import attrs

    try:
        return attrs.evolve(programme, **changes)
    except ValidationError as exc:
        t.problems.extend([Problem(t.location, str(p)) for p in exc.problems]
                          or [Problem(t.location, str(exc))])
    except (TypeError, ValueError) as exc:
        t.problem(None, str(exc))
    return None


def _referrals(r: TableReader) -> ReferralProcess | None:
    t = r.table("referrals", what="a table with a kind")
    if t is None:
        return None
    kind = t.data.get("kind")
    if not isinstance(kind, str) or kind not in _REFERRAL_KEYS:
        t.problem("kind", f"unknown referral process {kind!r}; known: cohorts, open_days, poisson")
        return None
    before = len(t.problems)
    for key in sorted(set(t.data) - _REFERRAL_KEYS[kind] - {"kind"}):
        t.problem(key, f"unknown key for {kind} referrals; known: {', '.join(sorted(_REFERRAL_KEYS[kind]))}")
    if kind == "poisson":
        per = t.text("per") if "per" in t else "month"
        if per is not None and per not in _PER:
            t.problem("per", f"unknown unit {per!r}; use day, week, month, year")
        rate = t.number("rate", required=True)
        if rate is not None and rate <= 0:
            t.problem("rate", f"must be more than 0, got {rate}")
        if len(t.problems) > before or rate is None or per is None:
            return None
        return t.build(PoissonReferrals, rate=rate * _PER[per])
    args: dict[str, Any] = {}
    for key in ("every", "offset"):
        if key in t:
            args[key] = t.value(key, months_of)
    if kind == "cohorts":
        args["size"] = t.integer("size", required=True, minimum=1)
        if "count" in t:
            args["count"] = t.integer("count", minimum=1)
    else:
        args["mean"] = t.number("mean", required=True)
        if "every" not in t:
            t.problem("every", "required key missing")
    if len(t.problems) > before:
        return None
    factory: Any = CohortReferrals if kind == "cohorts" else OpenDayReferrals
    made: ReferralProcess | None = t.build(factory, **args)
    return made


def _staffing(r: TableReader) -> Any:
    st = r.table("staffing", allowed={"coaches", "caseload", "fte", "tandems"},
                 required=("coaches", "caseload"))
    if st is None:
        return None
    coaches = st.integer("coaches", minimum=1, maximum=_MAX_COUNT)
    caseload = st.integer("caseload", minimum=1, maximum=_MAX_COUNT)
    kw: dict[str, Any] = {"coaches": coaches, "caseload": caseload}
    if "fte" in st:
        raw = st.data["fte"]
        if isinstance(raw, list | tuple):
            values = [st.check_number(f"fte[{i}]", v) for i, v in enumerate(raw)]
            kw["fte"] = None if None in values else values
        else:
            one = st.number("fte")
            kw["fte"] = None if one is None or coaches is None else [one] * coaches
    if "tandems" in st:
        kw["tandems"] = st.flag("tandems")
    return st.build_checked(Staffing, **kw)


def _waiting_list(r: TableReader) -> Any:
    wl = r.table("waiting_list",
                 allowed={"discipline", "max_length", "patience", "max_wait", "priority_share"})
    if wl is None:
        return None
    kw: dict[str, Any] = {}
    discipline = wl.text("discipline")
    if discipline is not None and discipline not in ("fifo", "priority", "none"):
        wl.problem("discipline", f"unknown discipline {discipline!r}; use fifo, priority or none")
    kw["discipline"] = discipline
    if "patience" in wl and "max_wait" in wl:
        wl.problem(None, "give either patience or max_wait, not both")
    for key in ("patience", "max_wait"):
        if key in wl:
            kw["patience"] = distribution_from_dict(wl.data[key], location=wl.where(key),
                                                    problems=wl.problems)
    kw["max_length"] = wl.integer("max_length", minimum=0)
    kw["priority_share"] = wl.probability("priority_share")
    return wl.build_checked(WaitingListPolicy, **{k: v for k, v in kw.items() if v is not None})


def _durations(r: TableReader) -> dict[str, Distribution]:
    t = r.table("durations", what="a table phase = distribution")
    out: dict[str, Distribution] = {}
    for pid, raw in t.items() if t is not None else ():
        dist = distribution_from_dict(raw, location=t.where(pid), problems=r.problems) if t else None
        if dist is not None:
            out[pid] = dist
    return out


def _hazards(r: TableReader) -> dict[str, PhaseHazards]:
    t = r.table("hazards", what="a table of phases")
    out: dict[str, PhaseHazards] = {}
    if t is None:
        return out
    for pid, raw in t.items():
        if not isinstance(raw, Mapping):
            t.problem(pid, "must be a table cause = monthly probability")
            continue
        h = TableReader(raw, t.where(pid), r.problems)
        before = len(r.problems)
        rates: dict[str, Any] = {}
        for cause, value in h.items():
            if cause not in CAUSES:
                h.problem(cause, "unknown cause; known: integration, dropout, health, moved, benefit_ended, "
                          "transfer, other and outcome kinds")
                continue
            seq = value if isinstance(value, list) else [value]
            if not seq or len(seq) > 1200:
                h.problem(cause, "a probability or an array of 1 to 1200 monthly probabilities")
                continue
            checked = [h.check_number(cause, v, minimum=0, maximum=1) for v in seq]
            rates[cause] = value if None not in checked else None
        if len(r.problems) > before:
            continue
        hz = h.build(PhaseHazards, rates=rates)
        if hz is not None:
            out[pid] = hz
    return out


def _routing(r: TableReader) -> dict[str, tuple[tuple[str, float], ...]]:
    t = r.table("routing", what="a table of phases")
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for pid, raw in t.items() if t is not None else ():
        if not isinstance(raw, Mapping) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in raw.values()
        ):
            r.problems.append(Problem(t.where(pid) if t else pid, "must be a table next_phase = probability"))
            continue
        out[pid] = tuple((str(k), float(v)) for k, v in raw.items())
    return out


def _completion(r: TableReader) -> tuple[tuple[OutcomeKind, float], ...] | None:
    t = r.table("completion", what="a table outcome = probability")
    if t is None:
        return None
    pairs = []
    for kind, p in t.items():
        try:
            outcome = OutcomeKind(kind)
        except ValueError:
            t.problem(kind, "unknown outcome kind; known: " + ", ".join(k.value for k in OutcomeKind))
            continue
        number = t.check_number(kind, p, minimum=0, maximum=1)
        if number is not None:
            pairs.append((outcome, number))
    return tuple(pairs)


def _aftercare(r: TableReader, programme: Programme | None) -> Any:
    t = r.table("aftercare", allowed={"after", "duration", "from"})
    if t is None:
        return None
    kw: dict[str, Any] = {}
    if "after" in t:
        after = t.text("after")
        if after is not None and after not in ("integration", "work"):
            t.problem("after", f"unknown {after!r}; use integration or work")
        kw["after"] = after
    if "duration" in t:
        kw["duration"] = distribution_from_dict(t.data["duration"], location=t.where("duration"),
                                                problems=t.problems)
    elif programme is not None and programme.aftercare is not None:
        kw["duration"] = Fixed(months_of(programme.aftercare))
    if "from" in t:
        kw["available_from"] = t.date("from")
    return t.build_checked(Aftercare, **kw)


def _plans(r: TableReader) -> Any:
    t = r.table("plans", allowed={"steps", "achieve", "due", "review"})
    if t is None:
        return None
    kw: dict[str, Any] = {"steps": t.integer("steps", minimum=0, maximum=1000),
                          "achieve": t.probability("achieve"),
          "due": t.value("due", months_of), "review": t.value("review", months_of)}
    return t.build_checked(Plans, **{k: v for k, v in kw.items() if v is not None})


def _reductions(r: TableReader) -> Any:
    keys = ("duty_breach", "missed_appointment", "on_dropout", "hardship")
    t = r.table("reductions", allowed=set(keys))
    if t is None:
        return None
    before = len(t.problems)
    kw: dict[str, Any] = {k: t.probability(k) for k in keys if k in t}
    for k in ("duty_breach", "missed_appointment"):
        if kw.get(k) == 1.0:
            t.problem(k, "a monthly probability must be below 1")
    if len(t.problems) > before:
        return None
    return t.build(Reductions, **kw)


def _costs(r: TableReader) -> Any:
    keys = ("staff_cost_per_fte_year", "monthly_benefit")
    t = r.table("costs", allowed=set(keys))
    if t is None:
        return None
    before = len(t.problems)
    kw: dict[str, Any] = {k: t.number(k, minimum=0, maximum=1e12) for k in keys if k in t}
    if len(t.problems) > before:
        return None
    return t.build(Costs, **kw)


def _scales(r: TableReader) -> tuple[Any, ...]:
    t = r.table("scales", what="a table of scales (who5, swe)")
    models = []
    for name, raw in t.items() if t is not None else ():
        if name not in SCALE_ITEMS or not isinstance(raw, Mapping) or t is None:
            at = t.where(name) if t else name
            r.problems.append(Problem(at, "a scale is who5 or swe with entry, exit, sd"))
            continue
        sc = TableReader(raw, t.where(name), r.problems, allowed={"entry", "exit", "sd"},
                         required=("entry", "exit"))
        before = len(r.problems)
        kw: dict[str, Any] = {k: sc.number(k) for k in ("entry", "exit", "sd") if k in sc}
        if len(r.problems) == before:
            model = sc.build(ScaleModel, scale=name, **kw)
            if model is not None:
                models.append(model)
    return tuple(models)


def _follow_ups(r: TableReader) -> Any:
    t = r.table("follow_up", allowed={"months", "retention", "later_work"})
    if t is None:
        return None
    kw: dict[str, Any] = {}
    months = t.array("months", max_items=100)
    if months is not None:
        checked = [t.check_number(f"months[{i}]", m, minimum=1, maximum=1200) for i, m in enumerate(months)]
        for i, m in enumerate(months):
            if checked[i] is not None and not float(m).is_integer():
                t.problem(f"months[{i}]", f"must be a whole number of months, got {m}")
        twice = sorted({m for m in months if months.count(m) > 1}, key=str)
        if twice:
            t.problem("months", f"each month once: {', '.join(map(str, twice))} given more than once")
        kw["months"] = months
    for key in ("retention", "later_work"):
        if key not in t:
            continue
        value = t.data[key]
        if isinstance(value, Mapping):
            sub = TableReader(value, t.where(key), t.problems)
            for month, p in sub.items():
                if not month.isdigit() or not 1 <= int(month) <= 1200:
                    sub.problem(month, "a month after exit, 1 to 1200")
                sub.check_number(month, p, minimum=0, maximum=1)
        else:
            t.check_number(key, value, minimum=0, maximum=1)
        kw[key] = value
    return t.build_checked(FollowUps, **kw)


def _calibration(r: TableReader) -> tuple[Any, ...]:
    cal = []
    for t in r.tables("calibration", allowed={"metric", "target", "tolerance", "source"},
                      required=("metric", "target", "tolerance")):
        before = len(t.problems)
        kw: dict[str, Any] = {"metric": t.text("metric"), "target": t.number("target"),
              "tolerance": t.number("tolerance", minimum=0), "source": t.text("source") or ""}
        if len(t.problems) == before and None not in kw.values():
            cal.append(Calibration(**kw))
    return tuple(cal)


def read_scenario(path: str | Path) -> Scenario:
    r"""Read a scenario from a TOML file (top level or a ``[scenario]`` table).

    Args:
        path: the file.

    Returns:
        The validated scenario.

    Raises:
        ValidationError: every problem, located by file and key (also a file that is
            not UTF-8 or not TOML; a UTF-8 byte-order mark is fine).
        FileNotFoundError: the file does not exist.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     f = pathlib.Path(d) / "s.toml"
        ...     _ = f.write_text('id = "s"\nstart = 2024-01-01\nhorizon = 12\n'
        ...                      'programme = "geh-vor"\n[referrals]\nkind = "poisson"\nrate = 3\n')
        ...     read_scenario(f).referrals
        PoissonReferrals(rate=3.0)
    """
    p = Path(path)
    data = read_toml(p, name=p.name)
    return scenario_from_dict(data.get("scenario", data), location=p.name)


def _scenario_files() -> dict[str, Any]:
    folder = importlib.resources.files("langzeit.simulation") / "scenarios"
    return {f.name.removesuffix(".toml"): f for f in folder.iterdir() if f.name.endswith(".toml")}


def builtin_scenarios() -> tuple[Scenario, ...]:
    """The built-in scenarios, calibrated on the seed figures (DOMAIN.md § 4), by id.

    Examples:
        >>> [s.id for s in builtin_scenarios()]  # doctest: +NORMALIZE_WHITESPACE
        ['aktivoreha', 'geh-vor', 'leitbild-1-12', 'leitbild-1-60', 'lipsy', 'mm-c-queue', 'pan-ploen',
         'proges', 'rpe-euregio', 'sanus-le', 'segel-setzen']
    """
    return tuple(load_scenario(name) for name in sorted(_scenario_files()))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name, or a scenario TOML file by path.

    Args:
        name_or_path: e.g. ``"geh-vor"`` or ``"my-scenario.toml"``.

    Returns:
        The scenario.

    Raises:
        UnknownNameError: neither a built-in name nor a ``.toml`` file name.
        FileNotFoundError: a ``.toml`` file that does not exist.
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
        data = loads_toml(files[key].read_text(encoding="utf-8"), f"{key}.toml")
        return scenario_from_dict(data.get("scenario", data), location=f"{key}.toml")
    path = Path(name_or_path)
    if path.suffix.lower() == ".toml":
        return read_scenario(path)
    raise UnknownNameError("scenario", key, sorted(files))
