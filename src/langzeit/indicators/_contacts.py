"""Indicator layer: contact density — Beratungskontakte per participation month and per coach month.

Issue 17 item 3. Two exposures, both in the month of the stays code
(:func:`~langzeit.indicators.stay_months`: completed calendar months plus the
remaining days / 30.44):

- **per participation month**: the contacts of each participation on the days of its
  stay (admission to exit, or to the data's end while it runs; both days included)
  divided by the months of those stays. Each participation is its own pathway (repeat
  participation, docs/guides/repeat-participation.md): a person referred again after
  an exit brings two stays, and the time between them is no month in the programme.
  Since contacts and months add up, the density of a group is the same whether it is
  summed over participations or over persons; the rows say how many of each it covers.
  Contacts outside every stay (before admission, after the exit — e.g. in aftercare,
  Nachbetreuung) are counted apart (``outside_stay``), in no density.
- **per coach month**: all contacts the coach had (in or outside a stay) divided by
  the months in which the coach was active: the union of the coach's caseload spans
  (the rule of :func:`~langzeit.indicators.caseloads`: an assignment holds from its day,
  at the earliest the admission, until the participant's next assignment or exit; an
  open one until the data's end) and of the days of the coach's contacts (a contact
  outside every span adds its day). Gaps without any case are not counted.

The counts merge exactly across partitions of persons (:meth:`ContactCounts.merge`):
per group and per coach, contacts and minutes add; months are kept as two integer
sums (completed months, remaining days); the coaches' active days are kept as their
disjoint, non-touching spans, whose union over partitions is the union over the whole
log — one coach's participants may lie in different partitions without a day counted
twice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import FloatArray, IntArray
from langzeit._calendar import DAYS_PER_MONTH
from langzeit.events import CONTACT_CHANNELS
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators._columns import OTHER_CHANNEL, TYPE_CODES, as_columns
from langzeit.indicators._confidentiality import (
    FLAG_NAMES,
    SHOWN,
    ConfidentialityRule,
    round_to_multiple,
    suppression_flags,
)
from langzeit.indicators._coverage import _union_intervals
from langzeit.indicators._intervals import poisson_rate_interval
from langzeit.indicators._pathways import Data, _data_end, _grouping, _has, _pathways
from langzeit.indicators._stays import assignment_spans, stay_parts
from langzeit.indicators._tables import Grouping
from langzeit.tabular import Table

__all__ = ["CHANNELS", "ContactDensity", "ContactRate", "contact_density"]

#: The columns of the contact counts: ``total``, each of
#: :data:`~langzeit.events.CONTACT_CHANNELS`, and ``other`` (a channel text outside them).
CHANNELS: tuple[str, ...] = ("total", *CONTACT_CHANNELS, "other")

FlagArray = npt.NDArray[np.int8]


def _by_channel(index: IntArray, channel: IntArray, weights: IntArray | None, n: int) -> IntArray:
    """``n × CHANNELS`` sums (counts, or ``weights``) per index and channel, total first."""
    out = np.zeros((n, len(CHANNELS)), dtype=np.int64)
    if len(index):
        flat = np.bincount(index * (len(CHANNELS) - 1) + channel, weights=weights,
                           minlength=n * (len(CHANNELS) - 1))
        out[:, 1:] = np.round(flat).astype(np.int64).reshape(n, len(CHANNELS) - 1)
        out[:, 0] = out[:, 1:].sum(axis=1)
    return out


def _union(coach: IntArray, start: IntArray, stop: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Per coach, the union of half-open day spans as disjoint, non-touching spans (sorted).

    The canonical form: two unions of the same days are equal span for span, so the
    months of the spans do not depend on how the spans were split among partitions.
    The union is the spells' (``_coverage._union_intervals``, on
    inclusive ends, which joins touching spans too).
    """
    c, s, last = _union_intervals(coach.astype(np.int32), start.astype(np.int64), stop.astype(np.int64) - 1)
    return c, s, last + 1


@attrs.frozen(eq=False)
class ContactCounts:
    """The contact density's counts of one partition of persons (they merge exactly; private).

    Participation side, per group (``all`` first) and :data:`CHANNELS`: ``contacts``,
    ``minutes`` within the stays, ``outside`` the stays; per group: participations with
    a stay, their persons, the stays' completed months (``whole``) and remaining days
    (``rest``). Coach side: coach ids (sorted), their contacts and minutes per channel,
    their persons, and the disjoint spans of their active days (``span_coach`` indexes
    ``coaches``). ``events``: the ``contacted`` events of the log.
    """

    contacts: IntArray
    minutes: IntArray
    outside: IntArray
    participations: IntArray
    persons: IntArray
    whole: IntArray
    rest: IntArray
    events: int
    coaches: tuple[str, ...]
    coach_contacts: IntArray
    coach_minutes: IntArray
    coach_persons: IntArray
    coached_persons: int
    span_coach: IntArray
    span_start: IntArray
    span_stop: IntArray

    def merge(self, other: ContactCounts) -> ContactCounts:
        """Both partitions' counts together (disjoint persons; coaches may be shared).

        Raises:
            ValidationError: the two were counted with different groups.
        """
        if self.contacts.shape != other.contacts.shape:
            raise ValidationError("contact counts do not match",
                                  [Problem("groups", f"{self.contacts.shape} and {other.contacts.shape}")])
        coaches = tuple(sorted(set(self.coaches) | set(other.coaches)))
        index = {c: i for i, c in enumerate(coaches)}
        k = len(coaches)
        cc = np.zeros((k, len(CHANNELS)), dtype=np.int64)
        cm = np.zeros((k, len(CHANNELS)), dtype=np.int64)
        cp = np.zeros(k, dtype=np.int64)
        spans_c, spans_s, spans_e = [], [], []
        for t in (self, other):
            at = np.array([index[c] for c in t.coaches], dtype=np.int64)
            if len(at):
                cc[at] += t.coach_contacts
                cm[at] += t.coach_minutes
                cp[at] += t.coach_persons
                spans_c.append(at[t.span_coach])
                spans_s.append(t.span_start)
                spans_e.append(t.span_stop)
        span = _union(*(np.concatenate(x) if x else np.zeros(0, dtype=np.int64)
                        for x in (spans_c, spans_s, spans_e)))
        return ContactCounts(
            self.contacts + other.contacts, self.minutes + other.minutes, self.outside + other.outside,
            self.participations + other.participations, self.persons + other.persons,
            self.whole + other.whole, self.rest + other.rest, self.events + other.events,
            coaches, cc, cm, cp, self.coached_persons + other.coached_persons, *span)


def _pairs(a: IntArray, b: IntArray, n_a: int) -> IntArray:
    """How many distinct ``b`` each ``a`` (``0 … n_a − 1``) occurs with."""
    if not len(a):
        return np.zeros(n_a, dtype=np.int64)
    width = int(b.max()) + 1
    pairs = np.unique(a * width + b)  # one int64 key per pair: a 1-D sort, not a row-wise one
    out: IntArray = np.bincount(pairs // width, minlength=n_a).astype(np.int64)
    return out


def _distinct(values: IntArray) -> int:
    """How many distinct non-negative integers (indices) ``values`` holds."""
    return int(np.count_nonzero(np.bincount(values))) if len(values) else 0


def contact_counts(data: Data, *, by: Grouping | None, end_day: int) -> ContactCounts:
    """The contact density's counts of one log or partition (see :meth:`ContactCounts.merge`)."""
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    n_groups = len(g.names)
    # participations: the stay runs from the admission to the exit, or to the data's end
    adm = p.first["admitted"]
    stop = np.where(_has(p.exit_day) & (p.exit_day <= end_day), p.exit_day, end_day)
    stay = _has(adm) & (adm <= stop) & ~(_has(p.exit_day) & (p.exit_day < adm))
    whole, rest = stay_parts(adm[stay], stop[stay])
    person = cols.person_index.astype(np.int64)
    codes = g.codes.astype(np.int64)

    def per_group(values: IntArray, who: npt.NDArray[np.bool_]) -> IntArray:
        out: IntArray = np.asarray(g.counts(who, weights=values), dtype=np.float64).astype(np.int64)
        return out

    w = np.zeros(cols.n_participants, dtype=np.int64)
    r = np.zeros(cols.n_participants, dtype=np.int64)
    w[stay], r[stay] = whole, rest
    persons = np.concatenate([[_distinct(person[stay])],
                              _pairs(codes[stay], person[stay], len(g.labels)) if g.labels else []])
    # contacts up to the data's end
    rows = np.flatnonzero((cols.type == TYPE_CODES["contacted"]) & (cols.day <= end_day))
    part = cols.participant[rows].astype(np.int64)
    day = cols.day[rows].astype(np.int64)
    code = cols.code[rows].astype(np.int64)
    channel = np.where((code < 0) | (code > OTHER_CHANNEL), OTHER_CHANNEL, code)  # -1: not given
    minutes = cols.value[rows].astype(np.int64)
    inside = stay[part] & (day >= adm[part]) & (day <= stop[part])

    def group_channels(sel: npt.NDArray[np.bool_], weights: IntArray | None) -> IntArray:
        per = _by_channel(codes[part[sel]] + 1, channel[sel], None if weights is None else weights[sel],
                          n_groups) if g.labels else np.zeros((n_groups, len(CHANNELS)), dtype=np.int64)
        total = _by_channel(np.zeros(int(sel.sum()), dtype=np.int64), channel[sel],
                            None if weights is None else weights[sel], 1)
        per[0] = total[0]
        return per

    # coaches: caseload spans of coach assignments (open ones to the data's end) and contact days
    a_rows, a_start, a_stop, ok = assignment_spans(cols)
    coach_rows = cols.type[a_rows] == TYPE_CODES["coach_assigned"]
    a_stop = np.minimum(a_stop, end_day)
    keep = ok & coach_rows & (a_stop > a_start)
    attributed = cols.key[rows] >= 0
    key = np.concatenate([cols.key[a_rows[keep]], cols.key[rows[attributed]]]).astype(np.int64)
    span_start = np.concatenate([a_start[keep], day[attributed]])
    span_stop = np.concatenate([a_stop[keep], day[attributed] + 1])
    who = np.concatenate([person[cols.participant[a_rows[keep]]], person[part[attributed]]])
    used = np.flatnonzero(np.bincount(key, minlength=len(cols.keys)))
    names = [cols.keys[k] for k in used.tolist()]
    order = sorted(range(len(names)), key=names.__getitem__)
    lookup = np.full(len(cols.keys) + 1, -1, dtype=np.int64)
    lookup[used[order]] = np.arange(len(order))
    coach = lookup[key]
    k = len(order)
    c_att = lookup[cols.key[rows[attributed]].astype(np.int64)]
    return ContactCounts(
        group_channels(inside, None), group_channels(inside, minutes), group_channels(~inside, None),
        g.counts(stay).astype(np.int64), persons.astype(np.int64),
        per_group(w, stay), per_group(r, stay), int(np.count_nonzero(cols.type == TYPE_CODES["contacted"])),
        tuple(names[i] for i in order),
        _by_channel(c_att, channel[attributed], None, k),
        _by_channel(c_att, channel[attributed], minutes[attributed], k),
        _pairs(coach, who, k), _distinct(who), *_union(coach, span_start, span_stop),
    )


@attrs.frozen
class ContactRate:
    """One cell of a :class:`ContactDensity`: contacts per month with its exact Poisson interval.

    ``numerator`` is the number of contacts, ``denominator`` the months of exposure
    (participation or coach months), ``value`` contacts per month, ``lower`` and
    ``upper`` the Garwood interval of the count divided by the months. Suppressed
    cells carry no number (all None).

    Examples:
        >>> ContactRate(6, 3.0, 2.0, 0.73, 4.35, 180, 60.0).value
        2.0
    """

    numerator: int | None
    denominator: float | None
    value: float | None
    lower: float | None
    upper: float | None
    minutes: int | None
    minutes_per_month: float | None
    suppressed: bool = False


def _per_month(num: Any, months: Any) -> FloatArray:
    n = np.asarray(num, dtype=np.float64)
    m = np.asarray(months, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(m > 0, n / np.where(m > 0, m, 1.0), np.nan)
    return out


def _none(x: Any) -> float | None:
    f = float(x)
    return None if np.isnan(f) else f


@attrs.frozen(eq=False)
class ContactDensity(Table):
    """Contact density: contacts and minutes per participation month and per coach month.

    Build it with :func:`contact_density` (or from merged counts in the partitioned
    report). Rows of :meth:`rows`, in this order:

    - ``scope="participation"``, one per group (``all`` first) and channel: contacts
      within the stays per month of stay (``per = "participation month"``), with
      ``participations`` and ``persons`` covered and ``outside_stay`` (contacts before
      the admission or after the exit, e.g. in aftercare, in no density);
    - ``scope="coach"``, one per coach and channel with contacts (``total`` always):
      the coach's contacts per month of activity (``per = "coach month"``);
    - ``scope="coaches"``, unit ``all``: all coaches' contacts per coach month.

    Args:
        groups: the participation groups, ``all`` first.
        contacts: groups × :data:`CHANNELS`, contacts within the stays.
        minutes: groups × channels, their minutes.
        outside: groups × channels, contacts outside every stay.
        months: per group, the months of the stays.
        participations: per group, participations with a stay.
        persons: per group, their persons.
        coaches: the coach ids.
        coach_contacts: coaches × channels, all their contacts.
        coach_minutes: coaches × channels, their minutes.
        coach_months: per coach, the months active.
        coach_persons: per coach, the persons assigned to or contacted by the coach.
        coached_persons: persons with any coach (the ``coaches`` row).
        level: confidence level of the intervals.
        group_flags: confidentiality flags per group (None: not applied).
        coach_flags: per coach, then the ``coaches`` row (None: not applied).
        rule: the rule applied, or None.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Contacted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)),
        ...        Contacted("e2", "p1", date(2024, 1, 15), channel="phone", minutes=20, coach_id="c1"),
        ...        Contacted("e3", "p1", date(2024, 2, 12), channel="in_person", minutes=60, coach_id="c1"),
        ...        Exited("e4", "p1", date(2024, 3, 1), reason="completed")]
        >>> d = contact_density(log)
        >>> d.get().numerator, d.get().denominator, d.get().value, d.get().minutes_per_month
        (2, 2.0, 1.0, 40.0)
    """

    groups: tuple[str, ...]
    contacts: IntArray
    minutes: IntArray
    outside: IntArray
    months: FloatArray
    participations: IntArray
    persons: IntArray
    coaches: tuple[str, ...]
    coach_contacts: IntArray
    coach_minutes: IntArray
    coach_months: FloatArray
    coach_persons: IntArray
    coached_persons: int
    level: float = 0.95
    group_flags: FlagArray | None = None
    coach_flags: FlagArray | None = None
    rule: ConfidentialityRule | None = None

    _title = "Contact density (Beratungskontakte)"

    @property
    def channels(self) -> tuple[str, ...]:
        """The channel columns: :data:`CHANNELS`."""
        return CHANNELS

    def get(self, channel: str = "total", group: str = "all", *, coach: str | None = None) -> ContactRate:
        """The density of one channel in one participation group, or of a coach (``"all"``: all coaches).

        Raises:
            ValidationError: unknown channel, group or coach.

        Examples:
            >>> contact_density([]).get().value is None
            True
        """
        if channel not in CHANNELS:
            raise ValidationError("unknown channel", [Problem("channel", f"{channel!r} not in {CHANNELS}")])
        j = CHANNELS.index(channel)
        if coach is None:
            if group not in self.groups:
                raise ValidationError("unknown group", [Problem("group", repr(group))])
            i = self.groups.index(group)
            hidden = self.group_flags is not None and self.group_flags[i] != SHOWN
            return self._rate(int(self.contacts[i, j]), float(self.months[i]), int(self.minutes[i, j]),
                              hidden)
        if coach == "all":
            hidden = self.coach_flags is not None and self.coach_flags[-1] != SHOWN
            return self._rate(int(self.coach_contacts[:, j].sum()), float(self.coach_months.sum()),
                              int(self.coach_minutes[:, j].sum()), hidden)
        if coach not in self.coaches:
            raise ValidationError("unknown coach", [Problem("coach", repr(coach))])
        i = self.coaches.index(coach)
        hidden = self.coach_flags is not None and self.coach_flags[i] != SHOWN
        return self._rate(int(self.coach_contacts[i, j]), float(self.coach_months[i]),
                          int(self.coach_minutes[i, j]), hidden)

    def _rate(self, n: int, months: float, minutes: int, hidden: bool) -> ContactRate:
        if hidden:
            return ContactRate(None, None, None, None, None, None, None, True)
        low, high = poisson_rate_interval(n, months, level=self.level)
        return ContactRate(self._shown(n), months, _none(_per_month(n, months)), _none(low), _none(high),
                           minutes, _none(_per_month(minutes, months)))

    def _shown(self, n: int) -> int:
        rule = self.rule
        return int(round_to_multiple(n, rule.round_to)) if rule is not None and rule.round_to else n

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("scope", "unit", "channel", "per", "contacts", "months", "per_month", "lower", "upper",
                "minutes", "minutes_per_month", "outside_stay", "participations", "persons", "suppressed",
                "flag")

    def _row(self, scope: str, unit: str, channel: str, per: str, rate: ContactRate, flag: int,
             extra: tuple[int | None, int | None, int | None]) -> dict[str, Any]:
        hidden = rate.suppressed
        outside, participations, persons = (None, None, None) if hidden else extra
        return {"scope": scope, "unit": unit, "channel": channel, "per": per, "contacts": rate.numerator,
                "months": rate.denominator, "per_month": rate.value, "lower": rate.lower, "upper": rate.upper,
                "minutes": rate.minutes, "minutes_per_month": rate.minutes_per_month,
                "outside_stay": outside, "participations": participations, "persons": persons,
                "suppressed": hidden, "flag": FLAG_NAMES[flag]}

    def rows(self) -> list[dict[str, Any]]:
        """The participation rows, then the coach rows, then the all-coaches row (see the class)."""
        out = []
        other = bool(self.contacts[:, -1].any() or self.outside[:, -1].any())
        shown = CHANNELS if other else CHANNELS[:-1]
        for i, group in enumerate(self.groups):
            flag = 0 if self.group_flags is None else int(self.group_flags[i])
            for ch in shown:
                j = CHANNELS.index(ch)
                out.append(self._row("participation", group, ch, "participation month", self.get(ch, group),
                                     flag, (self._shown(int(self.outside[i, j])),
                                            self._shown(int(self.participations[i])),
                                            self._shown(int(self.persons[i])))))
        for i, coach in enumerate(self.coaches):
            flag = 0 if self.coach_flags is None else int(self.coach_flags[i])
            for j, ch in enumerate(CHANNELS):
                if j == 0 or self.coach_contacts[i, j]:
                    out.append(self._row("coach", coach, ch, "coach month", self.get(ch, coach=coach), flag,
                                         (None, None, self._shown(int(self.coach_persons[i])))))
        if self.coaches:
            flag = 0 if self.coach_flags is None else int(self.coach_flags[-1])
            for j, ch in enumerate(CHANNELS):
                if j == 0 or self.coach_contacts[:, j].any():
                    out.append(self._row("coaches", "all", ch, "coach month", self.get(ch, coach="all"), flag,
                                         (None, None, self._shown(self.coached_persons))))
        return out

    def with_confidentiality(self, rule: ConfidentialityRule) -> ContactDensity:
        """Hide rows of 1 … min_n − 1 persons, and one more where subtraction would reveal them.

        The cases of a row are its persons (a group's persons with a stay; a coach's
        persons assigned or contacted). Primary: 1 … min_n − 1 persons. Secondary: the
        groups add up to ``all``, the coaches' contacts to the ``coaches`` row; a line
        with one hidden row hides its smallest other non-zero row too. A hidden row
        shows no number at all; shown counts are rounded when the rule says so.

        Examples:
            >>> from datetime import date
            >>> from langzeit.events import Admitted, Contacted
            >>> log = [Admitted("e1", "p1", date(2024, 1, 1)),
            ...        Contacted("e2", "p1", date(2024, 1, 15), channel="phone")]
            >>> contact_density(log).with_confidentiality(ConfidentialityRule()).get().suppressed
            True
        """
        def flags(counts: IntArray, total: int) -> FlagArray:
            if not len(counts):
                return np.zeros(0, dtype=np.int8)
            column = np.concatenate([counts, [total]]).reshape(-1, 1)
            out: FlagArray = suppression_flags(column, min_n=rule.min_n, row_totals=False, column_totals=True,
                                               secondary=rule.secondary)[:, 0].astype(np.int8)
            return out

        if len(self.groups) > 1:
            f = flags(self.persons[1:], int(self.persons[0]))
            group_flags = np.concatenate([f[-1:], f[:-1]])
        else:
            group_flags = suppression_flags(self.persons.reshape(-1, 1), min_n=rule.min_n, row_totals=False,
                                            column_totals=False, secondary=False)[:, 0].astype(np.int8)
        coach_flags = flags(self.coach_persons, self.coached_persons)
        return attrs.evolve(self, group_flags=group_flags, coach_flags=coach_flags, rule=rule)


def contact_density_table(counts: ContactCounts, groups: tuple[str, ...], *,
                          level: float = 0.95) -> ContactDensity:
    """The contact density from (merged) counts."""
    months = counts.whole + counts.rest / DAYS_PER_MONTH
    k = len(counts.coaches)
    whole, rest = stay_parts(counts.span_start, counts.span_stop)
    c_whole = np.bincount(counts.span_coach, weights=whole, minlength=k).astype(np.int64) if k else whole[:0]
    c_rest = np.bincount(counts.span_coach, weights=rest, minlength=k).astype(np.int64) if k else rest[:0]
    return ContactDensity(groups, counts.contacts, counts.minutes, counts.outside, months,
                          counts.participations, counts.persons, counts.coaches, counts.coach_contacts,
                          counts.coach_minutes, c_whole + c_rest / DAYS_PER_MONTH, counts.coach_persons,
                          counts.coached_persons, level)


def contact_density(data: Data, *, by: Grouping | None = None, data_end: date | None = None,
                    level: float = 0.95) -> ContactDensity:
    """Contact density (Beratungskontakte): contacts and minutes per participation month and per coach month.

    The contacts are the ``contacted`` events (:class:`~langzeit.events.Contacted`), by
    channel (:data:`~langzeit.events.CONTACT_CHANNELS`) and in total. Months follow the
    stays code (:func:`~langzeit.indicators.stay_months`). Per participation month: the
    contacts within each participation's stay (admission to exit or to the data's end,
    both days included) over the months of the stays — every participation of a person
    is its own stay. Per coach month: the coach's contacts over the months in which
    the coach held a case (the caseload rule of :func:`~langzeit.indicators.caseloads`)
    or had a contact. Intervals: exact Poisson (Garwood) on the contact count, divided
    by the months (:func:`~langzeit.indicators.poisson_rate_interval`).

    Args:
        data: the event log.
        by: optional grouping of the participations.
        data_end: the data's end (default: the latest event); later contacts are not counted.
        level: confidence level of the intervals.

    Returns:
        The contact density.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, CoachAssigned, Contacted
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)),
        ...        CoachAssigned("e2", "p1", date(2024, 1, 1), coach_id="c1"),
        ...        Contacted("e3", "p1", date(2024, 2, 5), channel="outreach", minutes=90, coach_id="c1"),
        ...        Contacted("e4", "p1", date(2024, 3, 4), channel="video", minutes=30, coach_id="c1")]
        >>> d = contact_density(log, data_end=date(2024, 5, 1))
        >>> d.get().value, d.get("outreach").numerator, d.get(coach="c1").denominator
        (0.5, 1, 4.0)
    """
    cols = as_columns(data)
    g = _grouping(cols, by)
    return contact_density_table(contact_counts(cols, by=g, end_day=_data_end(cols, data_end)), g.names,
                                 level=level)
