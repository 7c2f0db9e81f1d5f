"""Report layer: the programme report — every programme indicator of one event log, as text or JSON.

:func:`build_programme_report` converts the log once into columns and runs the
calculators of :mod:`langzeit.indicators`; :class:`ProgrammeReport` holds their
results (with the confidentiality rule of DOMAIN.md § 3 applied to every table) and
renders them as plain text (:meth:`ProgrammeReport.to_text`) or as a JSON-ready dict
with stable keys (:meth:`ProgrammeReport.to_dict`).
"""

from __future__ import annotations

import concurrent.futures
import html
import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypedDict, Unpack

import attrs
import numpy as np

from langzeit._checks import keyword_options
from langzeit._executor import SerialExecutor, run_all
from langzeit.events import Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators import (
    EXIT_CAUSES,
    Caseloads,
    ConfidentialityRule,
    ContactDensity,
    CostRelief,
    CumulativeIncidence,
    EventColumns,
    ProgrammeCounts,
    ProgrammeEvidence,
    RateTable,
    ScaleChange,
    StaffCost,
    StayLengths,
    WaitingListStatistics,
    cost_relief,
    suppress,
)
from langzeit.report._text import format_table
from langzeit.tabular import Table

__all__ = [
    "REPORT_FORMAT",
    "REPORT_VERSION",
    "ProgrammeReport",
    "ProgrammeReportOptions",
    "SequenceSummary",
    "build_programme_report",
    "build_programme_report_partitioned",
    "with_confidentiality",
]

#: Name and version of the JSON report (``to_dict()["format"]`` / ``["version"]``).
REPORT_FORMAT = "langzeit-programme-report"
REPORT_VERSION = 1


@attrs.frozen(eq=False)
class SequenceSummary(Table):
    """Monthly state sequences summarised: mean measures, time in state, transition rates.

    Examples:
        >>> s = SequenceSummary(3, 12, {"transitions": 1.0}, {"waiting": 2.0}, {("waiting", "active"): 0.5})
        >>> s.rows()[0]
        {'measure': 'transitions', 'value': 1.0}
    """

    sequences: int
    months: int
    means: dict[str, float]
    time_in_state: dict[str, float]
    transitions: dict[tuple[str, str], float]

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("measure", "value")

    def rows(self) -> list[dict[str, Any]]:
        """Mean measures, mean months per state, and the observed transition rates."""
        out = [{"measure": k, "value": v} for k, v in self.means.items()]
        out += [{"measure": f"months:{k}", "value": v} for k, v in self.time_in_state.items()]
        out += [{"measure": f"rate:{a}->{b}", "value": v} for (a, b), v in self.transitions.items()]
        return out


def _incidence_table(curves: Mapping[str, CumulativeIncidence], horizons: Sequence[int],
                     level: float) -> RateTable:
    """Incidence at the horizons per group: numerator = events so far, denominator = at start."""
    groups = tuple(curves)
    items = tuple(f"{c}_{h}m" for c in EXIT_CAUSES for h in horizons)
    shape = (len(groups), len(items))
    num = np.zeros(shape, dtype=np.int64)
    den = np.zeros(shape, dtype=np.int64)
    val, lo, hi = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for g, curve in enumerate(curves.values()):
        start = int(curve.at_risk[0]) if len(curve.times) else 0
        j = 0
        for k, cause in enumerate(EXIT_CAUSES):
            for h in horizons:
                i = int(np.searchsorted(curve.times, h, side="right"))
                num[g, j] = int(curve.events[k, :i].sum()) if len(curve.times) else 0
                den[g, j] = start
                if start:
                    val[g, j] = 100 * curve.at(cause, h)
                    lo[g, j], hi[g, j] = (100 * x for x in curve.interval_at(cause, h))
                j += 1
    notes = tuple("AJ incidence; n = events so far / at start" for _ in items)
    return RateTable("competing_exits", groups, items, num, den, val, lo, hi, notes, False, level)


@attrs.frozen(eq=False)
class ProgrammeReport:
    """The programme report of one event log (build it with :func:`build_programme_report`).

    Every table has the confidentiality rule in :attr:`rule` applied (None: raw counts,
    for internal use only).

    Every table counts **participations** (a person referred again after an exit has
    two, docs/guides/repeat-participation.md): :attr:`participants`
    is the number of participations, :attr:`persons` the number of persons (the head
    line names both when they differ).

    :attr:`contacts` (section ``contacts``) is the contact density
    (:func:`~langzeit.indicators.contact_density`) when the log has ``contacted``
    events, else None (the report of an older log is unchanged).

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred(f"r{i}", f"p{i}", date(2024, 1, 8)) for i in range(10)]
        >>> log += [Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)) for i in range(6)]
        >>> rep = build_programme_report(log)
        >>> rep.take_up.get("took_part").value
        60.0
        >>> rep.to_dict()["sections"]["take_up"][0]["numerator"]
        6
    """

    data_end: date
    participants: int
    events: int
    group_by: str | None
    rule: ConfidentialityRule | None
    level: float
    funnel: RateTable
    exits_by_phase: RateTable
    take_up: RateTable
    dropout: RateTable
    extension: RateTable
    outcomes: RateTable
    sustainability: RateTable
    plan_steps: RateTable
    networks: RateTable
    stays: StayLengths
    waiting: WaitingListStatistics
    caseloads: Caseloads
    scales: tuple[ScaleChange, ...]
    competing_exits: RateTable
    sequences: SequenceSummary
    cost: CostRelief | None = None
    persons: int | None = None  # None: as many as participations (reports built before 0.x)
    contacts: ContactDensity | None = None  # None: the log has no contacted events

    def sections(self) -> list[tuple[str, str, Table]]:
        """``(key, title, table)`` of every section, in report order.

        Examples:
            >>> build_programme_report([]).sections()[0][:2]
            ('funnel', 'Funnel (Einström / Durchström / Ausström)')
        """
        out: list[tuple[str, str, Table]] = [
            ("funnel", "Funnel (Einström / Durchström / Ausström)", self.funnel),
            ("exits_by_phase", "Exits by phase and reason", self.exits_by_phase),
            ("take_up", "Take-up", self.take_up),
            ("dropout", "Dropout", self.dropout),
            ("extension", "Extensions", self.extension),
            ("outcomes", "Outcomes at exit (Integration = § 48a SGB II)", self.outcomes),
            ("sustainability", "Status after exit", self.sustainability),
            ("plan_steps", "Cooperation plan steps", self.plan_steps),
            ("networks", "Referrals into the social space", self.networks),
            ("stay_months", "Stay length (months, completed stays)", self.stays.actual),
        ]
        if self.stays.over_planned is not None:
            out.append(("stay_over_planned", "Stays longer than planned", self.stays.over_planned))
        out += [
            ("waiting_list", "Waiting list at month end", self.waiting),
            ("waiting_days", "Waiting time until admission (days)", self.waiting.times),
        ]
        for s in self.scales:
            out.append((f"scale_{s.scale}", f"Scale change {s.scale.upper()} (first → last scoring)", s))
            out.append((f"scale_{s.scale}_rates", f"Scale change {s.scale.upper()}: shares", s.rates))
        out += [
            ("competing_exits", "Competing exits (Aalen–Johansen, months since admission)",
             self.competing_exits),
            ("sequences", "Monthly state sequences", self.sequences),
        ]
        if self.contacts is not None:
            out.append(("contacts", "Contact density (Beratungskontakte per participation and coach month)",
                        self.contacts))
        if self.cost is not None:
            out.append(("cost_relief", "Staff cost and benefit relief", self.cost))
        return out

    def _caseload_summary(self) -> list[dict[str, Any]]:
        return [{**r, "month_end": r["month_end"].isoformat()} for r in self.caseloads.summary()]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data with stable keys.

        Examples:
            >>> d = build_programme_report([]).to_dict()
            >>> d["format"], d["version"], sorted(d)[:3]
            ('langzeit-programme-report', 1, ['break_even', 'caseload_summary', 'confidentiality'])
        """
        rule = None if self.rule is None else {"min_n": self.rule.min_n, "secondary": self.rule.secondary,
                                               "round_to": self.rule.round_to}
        return {
            "format": REPORT_FORMAT,
            "version": REPORT_VERSION,
            "data_end": self.data_end.isoformat(),
            "participants": self.participants,
            "persons": self.participants if self.persons is None else self.persons,
            "events": self.events,
            "group_by": self.group_by,
            "level": self.level,
            "confidentiality": rule,
            "sections": {key: table.to_records() for key, _, table in self.sections()},
            "caseload_summary": self._caseload_summary(),
            "break_even": None if self.cost is None or self.cost.break_even is None
            else self.cost.break_even.isoformat(),
        }

    def _who(self, sep: str) -> str:
        """``"N participants"``, or ``"N participations (M persons)"`` when someone took part twice."""
        n = f"{self.participants:{sep}}"
        if self.persons is None or self.persons == self.participants:
            return f"{n} participants"
        return f"{n} participations ({self.persons:{sep}} persons)"

    def _repr_html_(self) -> str:
        """Jupyter view: the head line, then every section as a titled table."""
        head = (f"<p><b>Programme report</b>: {self._who(',')}, {self.events:,} events, "
                f"data end {self.data_end.isoformat()}"
                + ("" if self.rule is None else f"; cells below {self.rule.min_n} suppressed") + "</p>")
        parts = [head]
        for _, title, table in self.sections():
            parts.append(f"<h4>{html.escape(title)}</h4>{table._repr_html_()}")
        return "".join(parts)

    def to_text(self) -> str:
        """The report as plain text: one aligned table per section.

        Examples:
            >>> print(build_programme_report([]).to_text().splitlines()[0])
            Programme report: 0 participants, 0 events, data end 1970-01-01
        """
        head = (f"Programme report: {self._who('')}, {self.events} events, "
                f"data end {self.data_end.isoformat()}")
        lines = [head]
        if self.rule is not None:
            lines.append(f"Confidentiality: cells below {self.rule.min_n} suppressed"
                         + (" (with secondary suppression)" if self.rule.secondary else "")
                         + (f", counts rounded to {self.rule.round_to}" if self.rule.round_to else ""))
        for key, title, table in self.sections():
            lines += ["", f"## {title}", _render(key, table, self.group_by is not None)]
        load_cols = ("month_end", "holders", "cases", "mean", "median", "max")
        lines += ["", "## Caseload per coach and tandem (month end)",
                  format_table(load_cols, [[_fmt(r[c]) for c in load_cols]
                                           for r in self._caseload_summary()])]
        if self.cost is not None:
            be = self.cost.break_even
            lines.append(f"Break-even: {be.isoformat() if be else 'not within the period'}")
        return "\n".join(lines)


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.1f}" if abs(v) >= 0.05 or v == 0 else f"{v:.3f}"
    return v


def _render(key: str, table: Table, grouped: bool) -> str:
    rows = table.to_records()
    if isinstance(table, RateTable):
        headers = (["group"] if grouped or table.indicator == "exits_by_phase" else []) + [
            "item", "numerator", "denominator", "percent", "interval", "note"]
        body = []
        for r in rows:
            if table.indicator in ("outcomes_by_kind", "exits_by_phase") and r["numerator"] == 0:
                continue
            interval = "" if r["lower"] is None else f"[{r['lower']:.1f}; {r['upper']:.1f}]"
            flag = f"suppressed ({r['flag']})" if r["suppressed"] else r["note"]
            cells = [r["item"], r["numerator"], r["denominator"], _fmt(r["value"]), interval, flag]
            body.append(([r["group"]] if len(headers) == 7 else []) + cells)
        return format_table(headers, body)
    cols = list(table.columns())
    if isinstance(table, (WaitingListStatistics, CostRelief)) and len(rows) > 24:
        rows = rows[-24:]
    if isinstance(table, ContactDensity):
        headers = ["scope", "unit", "channel", "contacts", "months", "per month", "interval", "minutes/month",
                   "outside stay", "persons"]
        body = []
        for r in rows:
            interval = "" if r["lower"] is None else f"[{r['lower']:.2f}; {r['upper']:.2f}]"
            per = "" if r["per_month"] is None else f"{r['per_month']:.2f}"
            per = "suppressed" if r["suppressed"] else per
            body.append([r["scope"], r["unit"], r["channel"], r["contacts"], _fmt(r["months"]), per, interval,
                         _fmt(r["minutes_per_month"]), r["outside_stay"], r["persons"]])
        return format_table(headers, body)
    if isinstance(table, SequenceSummary):  # shares and rates below 1: three decimals
        return format_table(cols, [[r["measure"], f"{r['value']:.3f}"] for r in rows])
    return format_table(cols, [[_fmt(r[c]) for c in cols] for r in rows])


def build_programme_report(
    data: EventColumns | Iterable[Event],
    *,
    data_end: date | None = None,
    participants: Mapping[str, Any] | None = None,
    by: str | None = None,
    phases: Sequence[str] | None = None,
    planned_months: float | None = None,
    min_n: int | None = 3,
    secondary: bool = True,
    round_to: int | None = None,
    level: float = 0.95,
    horizons: Sequence[int] = (6, 12, 24),
    sequence_months: int = 36,
    staff: Sequence[StaffCost] | None = None,
    monthly_benefit: float | Mapping[str, float] | None = None,
    cost_start: date | None = None,
) -> ProgrammeReport:
    """Compute every programme indicator of an event log and assemble the report.

    Args:
        data: the event log (events, an EventLog, or :class:`~langzeit.indicators.EventColumns`).
        data_end: the data's end (default: the latest event date).
        participants: participant id → :class:`~langzeit.domain.Participant` or attribute dict,
            for grouping.
        by: the attribute to group by (e.g. ``"sex"``); None: no grouping.
        phases: phase ids in model order (default: order of first appearance).
        planned_months: the planned stay, for "stays longer than planned".
        min_n: least number of cases per published cell; None applies no confidentiality
            (internal use only).
        secondary: apply secondary suppression.
        round_to: round published counts to multiples of this.
        level: confidence level of all intervals.
        horizons: months at which competing-exit incidences are reported.
        sequence_months: length of the monthly state sequences (from referral).
        staff: coaches' staff costs for the cost/relief section (with ``monthly_benefit``).
        monthly_benefit: benefit per relieved participant and month (or per participant).
        cost_start: first month of the cost period (default: the first event's month).

    Returns:
        The report.

    Raises:
        ValidationError: invalid options (e.g. a bad level or origin).

    Examples:
        >>> build_programme_report([]).participants
        0
    """
    cols = data if isinstance(data, EventColumns) else EventColumns.from_events(data)
    evidence = ProgrammeEvidence.of(cols, participants=participants, by=by)
    counts = ProgrammeCounts.of(cols, evidence, participants=participants, data_end=data_end, phases=phases,
                                planned_months=planned_months, level=level, sequence_months=sequence_months)
    cost = None
    if staff is not None and monthly_benefit is not None:
        end = counts.plan.data_end
        start = cost_start or cols.first_date or end
        cost = cost_relief(cols, staff=staff, monthly_benefit=monthly_benefit, start=start, end=end)
    return _assemble(counts, horizons=horizons, min_n=min_n, secondary=secondary, round_to=round_to,
                     cost=cost)


#: The sections that are one table of the counts each, reported as counted and protected alike.
_COUNT_SECTIONS = ("funnel", "exits_by_phase", "take_up", "dropout", "extension", "outcomes",
                   "sustainability", "plan_steps", "networks", "waiting", "caseloads")


def _assemble(counts: ProgrammeCounts, *, horizons: Sequence[int], min_n: int | None, secondary: bool,
              round_to: int | None, cost: CostRelief | None = None) -> ProgrammeReport:
    """The report from the (merged) counts: every table computed from the counts alone."""
    t = counts.tables()
    seq = t["sequences"]
    level = counts.plan.level
    report = ProgrammeReport(
        data_end=counts.plan.data_end,
        participants=counts.participants,
        events=counts.events,
        group_by=counts.plan.by,
        rule=None,
        level=level,
        **{name: t[name] for name in _COUNT_SECTIONS},
        stays=t["stays"],
        scales=t["scales"],
        competing_exits=_incidence_table(t["competing_exits"], horizons, level),
        sequences=SequenceSummary(seq["sequences"], counts.plan.sequence_months, seq["means"],
                                  seq["time_in_state"], seq["transitions"]),
        cost=cost,
        persons=counts.persons,
        contacts=t["contacts"] if counts.contacts.events else None,
    )
    if min_n is None:
        return report
    rule = ConfidentialityRule(min_n=min_n, secondary=secondary, round_to=round_to)
    return with_confidentiality(report, rule)


class ProgrammeReportOptions(TypedDict, total=False):
    """The options of :func:`build_programme_report` that its partitioned form takes too (not the costs).

    Examples:
        >>> options: ProgrammeReportOptions = {"planned_months": 12, "min_n": 5}
        >>> "staff" in ProgrammeReportOptions.__optional_keys__
        False
    """

    data_end: date | None
    participants: Mapping[str, Any] | None
    by: str | None
    phases: Sequence[str] | None
    planned_months: float | None
    min_n: int | None
    secondary: bool
    round_to: int | None
    level: float
    horizons: Sequence[int]
    sequence_months: int


#: The defaults of :class:`ProgrammeReportOptions`: those of :func:`build_programme_report`.
_REPORT_DEFAULTS = {name: p.default
                    for name, p in inspect.signature(build_programme_report).parameters.items()
                    if name in ProgrammeReportOptions.__optional_keys__}


def _evidence_task(part: EventColumns | Iterable[Event], participants: Mapping[str, Any] | None,
                   by: str | None) -> ProgrammeEvidence:
    return ProgrammeEvidence.of(part, participants=participants, by=by)


def _count_task(part: EventColumns | Iterable[Event], evidence: ProgrammeEvidence,
                participants: Mapping[str, Any] | None, options: dict[str, Any]) -> ProgrammeCounts:
    return ProgrammeCounts.of(part, evidence, participants=participants, **options)


def build_programme_report_partitioned(
    partitions: Sequence[EventColumns | Iterable[Event]],
    *,
    executor: concurrent.futures.Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    **options: Unpack[ProgrammeReportOptions],
) -> ProgrammeReport:
    """The programme report of a log split into partitions of persons: counted apart, merged exactly.

    Every event of a person must be in the person's partition (:meth:`EventColumns.split
    <langzeit.indicators.EventColumns.split>` splits a log so). Two passes over the
    partitions, each task on ``executor`` (a process pool, or a Dask client's
    ``client.get_executor()``): the evidence that fixes the tables' rows
    (:class:`~langzeit.indicators.ProgrammeEvidence`), then the counts
    (:class:`~langzeit.indicators.ProgrammeCounts`); only these travel back. The result
    equals :func:`build_programme_report` of the whole log, number for number. The
    cost/relief section (``staff``) is not offered here.

    Args:
        partitions: the partitions' event columns (or events).
        executor: where the partitions are counted (default: one after the other here);
            it is not shut down.
        progress: called with ``(done, total)`` tasks of both passes.
        **options: the options of :func:`build_programme_report` from ``data_end`` to
            ``sequence_months``, with its defaults (:class:`ProgrammeReportOptions`;
            ``participants`` is sent with every task).

    Returns:
        The report.

    Raises:
        ValidationError: no partitions, or invalid options.
        TypeError: an option that is not one of :class:`ProgrammeReportOptions`.
        WorkerLost: a worker died and the executor did not finish its task elsewhere.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted
        >>> log = [Referred(f"r{i}", f"p{i}", date(2024, 1, 8)) for i in range(10)]
        >>> log += [Admitted(f"a{i}", f"p{i}", date(2024, 2, 1)) for i in range(6)]
        >>> parts = EventColumns.from_events(log).split(3)
        >>> build_programme_report_partitioned(parts).to_dict() == build_programme_report(log).to_dict()
        True
    """
    keyword_options("build_programme_report_partitioned", options, ProgrammeReportOptions)
    o: dict[str, Any] = {**_REPORT_DEFAULTS, **options}
    participants, by = o["participants"], o["by"]
    parts = list(partitions)
    if not parts:
        raise ValidationError("no partitions", [Problem("partitions", "give at least one partition")])
    pool = executor if executor is not None else SerialExecutor()
    total = 2 * len(parts)

    def step(offset: int) -> Callable[[int, int], None] | None:
        return None if progress is None else (lambda done, _: progress(offset + done, total))

    what = lambda i: f"partition {i}"  # noqa: E731 - a name for the error messages
    found = run_all(pool, _evidence_task, [(p, participants, by) for p in parts], what=what, progress=step(0))
    evidence = found[0]
    for e in found[1:]:
        evidence = evidence.merge(e)
    counting = {k: o[k] for k in ("data_end", "phases", "planned_months", "level", "sequence_months")}
    counted = run_all(pool, _count_task, [(p, evidence, participants, counting) for p in parts], what=what,
                      progress=step(len(parts)))
    counts = counted[0]
    for c in counted[1:]:
        counts = counts.merge(c)
    return _assemble(counts, horizons=o["horizons"], min_n=o["min_n"], secondary=o["secondary"],
                     round_to=o["round_to"])


def with_confidentiality(report: ProgrammeReport, rule: ConfidentialityRule) -> ProgrammeReport:
    """The report with ``rule`` applied to every table that holds counts of persons.

    Examples:
        >>> from langzeit.indicators import ConfidentialityRule
        >>> r = build_programme_report([], min_n=None)
        >>> with_confidentiality(r, ConfidentialityRule(min_n=5)).rule.min_n
        5
    """
    def sup(t: Any) -> Any:
        return suppress(t, min_n=rule.min_n, secondary=rule.secondary, round_to=rule.round_to)

    over = report.stays.over_planned
    stays = attrs.evolve(report.stays, actual=sup(report.stays.actual),
                         over_planned=None if over is None else sup(over))
    protected = {name: sup(getattr(report, name)) for name in (*_COUNT_SECTIONS, "competing_exits")}
    optional: dict[str, Any] = {name: None if getattr(report, name) is None else sup(getattr(report, name))
                                for name in ("cost", "contacts")}
    return attrs.evolve(report, rule=rule, stays=stays, scales=tuple(sup(s) for s in report.scales),
                        **protected, **optional)
