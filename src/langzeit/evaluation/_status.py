"""Evaluation layer: status at entry — benefit history, LZB, LZA, household type, earlier Integrationen."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit._arrays import BoolArray, FloatArray, IntArray
from langzeit._calendar import add_months
from langzeit.evaluation._index import SpellIndex, _pack, _person_index
from langzeit.evaluation._linkage import Linkage
from langzeit.exceptions import Problem, ValidationError
from langzeit.indicators import EventColumns, SpellCoverage
from langzeit.spells import SexCode, SpellKind, SpellTable, date_to_day, day_to_date
from langzeit.tabular import Table

__all__ = ["ORIGINS", "EntryStatus", "PersonAttributes", "UnemploymentSpells", "entry_days", "entry_status"]


ORIGINS = {"referral": "referred", "admission": "admitted", "exit": "exited"}
"""The dates an evaluation can start from, and the event type that dates them (its first occurrence)."""

NO_DAY = np.iinfo(np.int64).min
"""The day of a participant without the origin event."""

LZA_DAYS = 364
"""§ 18 SGB III as the BA statistic counts it: unemployed for 364 days or more."""
SICKNESS_DAYS = 42
"""Up to six weeks of sickness do not interrupt unemployment (§ 18 Abs. 2 SGB III)."""

_SEX_LABELS = {int(c): c.name for c in SexCode}
_SEX_LABELS[int(SexCode.UNKNOWN)] = ""


def entry_days(events: EventColumns, origin: str) -> IntArray:
    """The day of each participant's first ``origin`` event (:data:`NO_DAY` when there is none).

    Args:
        events: the event log as columns.
        origin: ``"referral"``, ``"admission"`` or ``"exit"`` (:data:`ORIGINS`).

    Returns:
        One day number per participant of ``events``.

    Raises:
        ValidationError: an unknown origin.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Referred
        >>> cols = EventColumns.from_events([Referred("e1", "p1", date(1970, 1, 5)),
        ...                                  Admitted("e2", "p1", date(1970, 1, 9)),
        ...                                  Referred("e3", "p2", date(1970, 1, 2))])
        >>> entry_days(cols, "admission").tolist() == [8, NO_DAY]
        True
    """
    if origin not in ORIGINS:
        raise ValidationError("unknown origin", [Problem("origin", f"{origin!r}; one of {sorted(ORIGINS)}")])
    m = events.mask(ORIGINS[origin])
    out = np.full(events.n_participants, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, events.participant[m].astype(np.int64), events.day[m].astype(np.int64))
    out[out == np.iinfo(np.int64).max] = NO_DAY
    return out


@attrs.frozen(eq=False)
class PersonAttributes:
    """Person attributes that the spell format does not carry (DOMAIN.md § 2 has no age).

    Args:
        birth_year: birth year per person index of the spell table, ``-1`` unknown.

    Examples:
        >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
        >>> PersonAttributes.from_mapping(t, {"a": 1980, "zz": 1990}).birth_year.tolist()
        [1980]
    """

    birth_year: IntArray

    @classmethod
    def from_mapping(cls, spells: SpellTable, birth_years: Mapping[Any, int]) -> PersonAttributes:
        """Birth years keyed by the spell table's ``person_id`` (unknown ids are ignored)."""
        out = np.full(spells.n_persons, -1, dtype=np.int64)
        if birth_years:
            idx = _person_index(spells, list(birth_years))
            years = np.array([int(v) for v in birth_years.values()], dtype=np.int64)
            out[idx[idx >= 0]] = years[idx >= 0]
        return cls(out)


@attrs.frozen(eq=False)
class UnemploymentSpells:
    """Registered unemployment (and sickness) periods, for the LZA status (§ 18 SGB III).

    The spell format of DOMAIN.md § 2 has no unemployment kind: these periods come
    separately (e.g. from the BA's unemployment register), keyed by the same pseudonym.

    Args:
        person: person index into the spell table's ``person_ids`` per period.
        start: first day (day number).
        end: last day (inclusive).
        sickness: the period is sickness during unemployment (bridges up to 42 days).

    Examples:
        >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
        >>> u = UnemploymentSpells.from_records(t, [
        ...     {"person_id": "a", "start": "2022-01-01", "end": "2022-06-30"},
        ...     {"person_id": "a", "start": "2022-07-01", "end": "2022-08-10", "kind": "sickness"}])
        >>> u.sickness.tolist()
        [False, True]
    """

    person: IntArray
    start: IntArray
    end: IntArray
    sickness: BoolArray

    @classmethod
    def from_records(cls, spells: SpellTable, records: Sequence[Mapping[str, Any]]) -> UnemploymentSpells:
        """Periods from dicts: ``person_id``, ``start``, ``end`` (ISO text or dates), optional ``kind``.

        ``kind`` is ``"unemployed"`` (the default) or ``"sickness"``.

        Raises:
            ValidationError: an unknown person, an unparsable date, end before start or an
                unknown kind — every bad record, with its position.
        """
        import datetime as dt

        problems = []
        persons = _person_index(spells, [r.get("person_id", "") for r in records])
        starts, ends, sick = [], [], []
        for i, r in enumerate(records):
            where = f"unemployment record {i + 1}"
            try:
                s, e = (v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
                        for v in (r.get("start"), r.get("end")))
            except (TypeError, ValueError):
                problems.append(Problem(where, "start and end must be dates (YYYY-MM-DD)"))
                continue
            kind = r.get("kind") or "unemployed"
            if kind not in ("unemployed", "sickness"):
                problems.append(Problem(where, f"kind {kind!r}: 'unemployed' or 'sickness'"))
            if e < s:
                problems.append(Problem(where, "end before start"))
            if persons[i] < 0:
                problems.append(Problem(where, f"person {r.get('person_id')!r} not in the spell data"))
            starts.append(date_to_day(s))
            ends.append(date_to_day(e))
            sick.append(kind == "sickness")
        if problems:
            raise ValidationError("unemployment periods invalid", problems)
        return cls(persons, np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64),
                   np.array(sick, dtype=np.bool_))

    def long_term_unemployed(self, spells: SpellTable, person: Any, day: Any) -> BoolArray:
        """LZA on ``day`` (§ 18 SGB III; DOMAIN.md § 3): unemployed on the day, for 364 days or more.

        The period runs through gaps that a § 45 SGB III measure (``measure`` spells with
        instrument ``45sgb3``) or a sickness period of at most 42 days fills
        (:meth:`unemployed_since`).

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
            >>> u = UnemploymentSpells(np.array([0]), np.array([0]), np.array([400]), np.array([False]))
            >>> u.long_term_unemployed(t, [0, 0, 0], [363, 364, 401]).tolist()
            [False, True, False]
        """
        since = self.unemployed_since(spells, person, day)
        out: BoolArray = (since != NO_DAY) & (np.asarray(day, dtype=np.int64) - since >= LZA_DAYS)
        return out

    def unemployed_since(self, spells: SpellTable, person: Any, day: Any) -> IntArray:
        """The first day of the unemployment that ``day`` is in, :data:`NO_DAY` when not unemployed.

        Registered unemployment must cover ``day``; the period reaches back through gaps that
        a § 45 SGB III measure (``measure`` spells with instrument ``45sgb3``) or a sickness
        period of at most 42 days fills (§ 18 Abs. 2 SGB III as DOMAIN.md § 3 reads it).

        Args:
            spells: the spell table the periods' person indices refer to (for § 45 measures).
            person: person indices.
            day: day numbers (broadcast against ``person``).

        Returns:
            One day number per (person, day).

        Examples:
            >>> t = SpellTable.from_records([{"person_id": "a", "kind": "svp", "start": "2024-01-01"}])
            >>> u = UnemploymentSpells(np.array([0, 0, 0]), np.array([0, 101, 121]),
            ...                        np.array([100, 120, 300]), np.array([False, True, False]))
            >>> u.unemployed_since(t, [0, 0, 0], [50, 110, 200]).tolist() == [0, NO_DAY, 0]
            True
        """
        unemployed = ~self.sickness
        bridge = self.sickness & (self.end - self.start + 1 <= SICKNESS_DAYS)
        labels = spells.instrument_labels
        code45 = labels.index("45sgb3") if "45sgb3" in labels else -2
        m45 = (spells.kind == SpellKind.MEASURE) & (spells.instrument == code45)
        m45 &= spells.start <= spells.data_end
        p = np.concatenate([self.person[unemployed | bridge], spells.person[m45].astype(np.int64)])
        s = np.concatenate([self.start[unemployed | bridge], spells.start[m45].astype(np.int64)])
        e = np.concatenate([self.end[unemployed | bridge],
                            np.minimum(spells.end[m45].astype(np.int64), spells.data_end)])
        periods = SpellCoverage.from_intervals(p, s, e, spells.n_persons)
        up, us, ue = periods.person, periods.start, periods.end
        period_keys = _pack(up, us)
        q_p = np.asarray(person, dtype=np.int64)
        q_d = np.asarray(day, dtype=np.int64)
        q_p, q_d = np.broadcast_arrays(q_p, q_d)
        j = np.searchsorted(period_keys, _pack(q_p, q_d), side="right") - 1
        safe = np.maximum(j, 0)
        inside = (j >= 0) & (up[safe] == q_p) & (ue[safe] >= q_d) if up.size else np.zeros(q_p.shape, bool)
        cov = SpellCoverage.from_intervals(self.person[unemployed], self.start[unemployed],
                                           self.end[unemployed], spells.n_persons)
        out: IntArray = np.where(inside & cov.covers(q_p, q_d), us[safe] if up.size else NO_DAY, NO_DAY)
        return out.astype(np.int64)


@attrs.frozen(eq=False)
class EntryStatus(Table):
    """Status of the linked participants on their entry date (one row per participant with that date).

    Args:
        origin: ``"referral"``, ``"admission"`` or ``"exit"``.
        participant_ids: the participants.
        person: their person index in the spell table.
        day: the entry day (day number).
        in_benefit: in the ELB stock on the day.
        months_24: months in benefit (days / (365.2425 / 12)) in the 24 months before the day.
        months_60: the same over 60 months.
        lzb: long-term recipient on the day (§ 48a rule).
        lza: long-term unemployed on the day (§ 18 SGB III): 1/0, -1 when no unemployment periods were given.
        jobcenter: jobcenter code of the deciding ``elb`` spell (-1: not in the stock).
        sex: sex code (:class:`~langzeit.spells.SexCode`).
        single_parent: household type: the household is a single parent's.
        birth_year: birth year, -1 unknown.
        integrations_60: Integrationen in the 60 months before the day.
        measures_60: starts of measures and public employment in the 60 months before the day.
        jobcenter_labels: labels of the jobcenter codes.

    Examples:
        >>> one = [np.array([v]) for v in (0, 19723, True, 24.0, 60.0, True, -1, 0, 1, False, -1, 0, 2)]
        >>> e = EntryStatus("admission", ("a",), *one, ("J",))
        >>> e.rows()[0]["date"], e.rows()[0]["jobcenter"], e.rows()[0]["lza"]
        (datetime.date(2024, 1, 1), 'J', None)
    """

    _title = "status at entry"

    origin: str
    participant_ids: tuple[str, ...]
    person: IntArray
    day: IntArray
    in_benefit: BoolArray
    months_24: FloatArray
    months_60: FloatArray
    lzb: BoolArray
    lza: npt.NDArray[np.int8]
    jobcenter: IntArray
    sex: IntArray
    single_parent: BoolArray
    birth_year: IntArray
    integrations_60: IntArray
    measures_60: IntArray
    jobcenter_labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.participant_ids)

    def columns(self) -> tuple[str, ...]:
        """The column names of :meth:`rows`."""
        return ("participant_id", "origin", "date", "in_benefit", "months_in_benefit_24",
                "months_in_benefit_60", "lzb", "lza", "jobcenter", "sex", "single_parent", "birth_year",
                "integrationen_60", "measures_60")

    def rows(self) -> list[dict[str, Any]]:
        """One row per participant, decoded."""
        out = []
        for i, pid in enumerate(self.participant_ids):
            jc, lza, by = int(self.jobcenter[i]), int(self.lza[i]), int(self.birth_year[i])
            out.append({
                "participant_id": pid, "origin": self.origin, "date": day_to_date(int(self.day[i])),
                "in_benefit": bool(self.in_benefit[i]),
                "months_in_benefit_24": round(float(self.months_24[i]), 2),
                "months_in_benefit_60": round(float(self.months_60[i]), 2), "lzb": bool(self.lzb[i]),
                "lza": None if lza < 0 else bool(lza),
                "jobcenter": None if jc < 0 else self.jobcenter_labels[jc],
                "sex": _SEX_LABELS[int(self.sex[i])] or None, "single_parent": bool(self.single_parent[i]),
                "birth_year": None if by < 0 else by, "integrationen_60": int(self.integrations_60[i]),
                "measures_60": int(self.measures_60[i]),
            })
        return out

    def summary(self) -> dict[str, Any]:
        """Counts and means of the status variables (for the report; counts, not persons).

        Examples:
            >>> e = EntryStatus("admission", ("a",), *(np.array([v]) for v in (0, 0, True, 24.0, 60.0,
            ...     True, -1, 0, 1, False, -1, 0, 2)), ("J",))
            >>> e.summary()["lzb"], e.summary()["mean_months_in_benefit_24"]
            (1, 24.0)
        """
        n = len(self)
        known = self.lza >= 0
        return {
            "n": n, "in_benefit": int(self.in_benefit.sum()), "lzb": int(self.lzb.sum()),
            "lza": int((self.lza == 1).sum()) if known.any() else None, "lza_known": int(known.sum()),
            "single_parent": int(self.single_parent.sum()),
            "with_earlier_integration": int((self.integrations_60 > 0).sum()),
            "with_earlier_measure": int((self.measures_60 > 0).sum()),
            "mean_months_in_benefit_24": float(self.months_24.mean()) if n else None,
            "mean_months_in_benefit_60": float(self.months_60.mean()) if n else None,
        }


def status_of(
    index: SpellIndex,
    person: IntArray,
    day: IntArray,
    *,
    unemployment: UnemploymentSpells | None = None,
    attributes: PersonAttributes | None = None,
) -> dict[str, Any]:
    """The status columns of (person, day) pairs (shared by participants and comparison candidates)."""
    jc, sex, sp = index.attributes(person, day)
    if unemployment is None:
        lza = np.full(person.shape, -1, dtype=np.int8)
    else:
        lza = unemployment.long_term_unemployed(index.spells, person, day).astype(np.int8)
    birth = attributes.birth_year[person] if attributes is not None else np.full(person.shape, -1, np.int64)
    back60 = add_months(day, -60)
    return {
        "in_benefit": index.in_benefit(person, day),
        "months_24": index.months_in_benefit(person, day, 24),
        "months_60": index.months_in_benefit(person, day, 60),
        "lzb": index.long_term(person, day), "lza": lza, "jobcenter": jc, "sex": sex, "single_parent": sp,
        "birth_year": birth,
        "integrations_60": index.integrations.count_in(person, back60 - 1, day - 1),
        "measures_60": index.measure_starts.count_in(person, back60 - 1, day - 1),
    }


def entry_status(
    linkage: Linkage,
    events: EventColumns,
    index: SpellIndex,
    *,
    origin: str = "admission",
    unemployment: UnemploymentSpells | None = None,
    attributes: PersonAttributes | None = None,
) -> EntryStatus:
    """Status of every linked participant on the date of their first ``origin`` event.

    Months in benefit count the days of the union of ``elb`` spells in the 24 (60)
    calendar months before the day, divided by 365.2425 / 12; LZB is the § 48a rule on the day
    (:func:`~langzeit.indicators.long_term_recipient`); LZA the § 18 SGB III rule when
    unemployment periods are given; household type and jobcenter come from the deciding
    ``elb`` spell (convention 1); earlier Integrationen and measure starts count the 60
    months before the day. Participants without the origin event have no row.

    Args:
        linkage: the linkage of ``events`` to the spells of ``index``.
        events: the event log as columns.
        index: the indexed spell table.
        origin: ``"referral"`` or ``"admission"`` (or ``"exit"``).
        unemployment: optional unemployment periods (for LZA).
        attributes: optional person attributes (birth year).

    Returns:
        The status table.

    Examples:
        >>> import datetime as dt
        >>> from langzeit.events import Admitted
        >>> from langzeit.evaluation import link
        >>> t = SpellTable.from_records([{"person_id": "p1", "kind": "elb", "start": "2021-01-01",
        ...                               "end": "", "jobcenter": "J", "single_parent": "1"}],
        ...                             data_end=dt.date(2024, 12, 31))
        >>> cols = EventColumns.from_events([Admitted("e1", "p1", dt.date(2024, 1, 1))])
        >>> s = entry_status(link(cols, t), cols, SpellIndex(t))
        >>> r = s.rows()[0]
        >>> r["months_in_benefit_24"], r["lzb"], r["single_parent"], r["jobcenter"]
        (23.98, True, True, 'J')
    """
    days = entry_days(events, origin)
    keep = np.flatnonzero(linkage.linked & (days != NO_DAY))
    person = linkage.person[keep]
    day = days[keep]
    cols = status_of(index, person, day, unemployment=unemployment, attributes=attributes)
    return EntryStatus(origin, tuple(linkage.participant_ids[i] for i in keep.tolist()), person, day,
                       jobcenter_labels=index.spells.jobcenter_labels, **cols)
