"""Indicator layer: competing exits and monthly state sequences read from the event log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from langzeit._calendar import add_months, months_between_days
from langzeit.indicators._columns import EXIT_CAUSES, TYPE_CODES, as_columns, exit_causes
from langzeit.indicators._pathways import (
    Data,
    _data_end,
    _grouping,
    _has,
    _ids,
    _origin,
    _pathways,
    _used_phase_codes,
)
from langzeit.indicators._sequences import StateSequences
from langzeit.indicators._survival import CumulativeIncidence, RiskTable, aalen_johansen
from langzeit.indicators._tables import Grouping

__all__ = [
    "competing_exits",
    "state_sequences",
]


# -- time to event and sequences -----------------------------------------------------------------


def competing_exits(data: Data, *, origin: str = "admission", by: Grouping | None = None,
                    data_end: date | None = None, level: float = 0.95) -> dict[str, CumulativeIncidence]:
    """Cumulative incidence of competing exits (Aalen–Johansen) on monthly time, per group.

    Causes (:data:`~langzeit.indicators.EXIT_CAUSES`): ``integration``, ``other_work``,
    ``dropout``, ``rehabilitation``, ``other``. Time is completed months since
    admission (or since referral: then declining or reneging counts as ``other``);
    participants without exit are censored at the data's end.

    Args:
        data: the event log.
        origin: ``"admission"`` or ``"referral"``.
        by: optional grouping: one estimate per group.
        data_end: the data's end (default: the latest event).
        level: confidence level of the pointwise intervals.

    Returns:
        ``{"all": …, <group>: …}``.

    Raises:
        ValidationError: an unknown origin.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, Exited
        >>> log = [Admitted("e1", "p1", date(2024, 1, 1)), Admitted("e2", "p2", date(2024, 1, 1)),
        ...        Exited("e3", "p1", date(2024, 4, 15), reason="work", outcome="svp")]
        >>> competing_exits(log, data_end=date(2024, 12, 31))["all"].at("integration", 3)
        0.5
    """
    tables = competing_exit_counts(data, origin=origin, by=by, end_day=_data_end(as_columns(data), data_end))
    return {name: aalen_johansen(t, causes=EXIT_CAUSES, level=level) for name, t in tables.items()}


def competing_exit_counts(data: Data, *, origin: str = "admission", by: Grouping | None = None,
                          end_day: int) -> dict[str, RiskTable]:
    """The risk tables behind :func:`competing_exits`, per group: they add up across partitions."""
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    end = end_day
    start = _origin(p, origin)
    stop, cause = p.exit_day.copy(), np.zeros(cols.n_participants, dtype=np.int64)
    exited = (p.exit_row >= 0) & (p.exit_day <= end)
    cause[exited] = exit_causes(p.exit_reason[exited], p.exit_outcome[exited])
    if origin == "referral":
        for name in ("declined", "reneged"):
            d = p.first[name]
            earlier = _has(d) & (d <= end) & (d < stop)
            stop = np.where(earlier, d, stop)
            cause = np.where(earlier, EXIT_CAUSES.index("other") + 1, cause)
    ended = cause > 0
    stop = np.where(ended, stop, end)
    inside = _has(start) & (start <= end) & (stop >= start)
    months = months_between_days(np.where(inside, start, 0), np.where(inside, stop, 0))
    out = {}
    for k, name in enumerate(g.names):
        sel = inside if k == 0 else inside & (g.codes == k - 1)
        out[name] = RiskTable.of_durations(months[sel], cause[sel], causes=len(EXIT_CAUSES))
    return out


def state_sequences(data: Data, *, origin: str = "referral", months: int = 36,
                    data_end: date | None = None, phases: Sequence[str] | None = None) -> StateSequences:
    """Monthly state sequences of the participants, read from the log.

    The state of month ``m`` is the state on the day ``origin + m months``: ``waiting``
    (referred, assessed, agreed, waitlisted), the current phase (``active`` before any
    phase event), ``paused``, ``not_admitted`` after declining or reneging, and after
    exit the exit cause (:data:`~langzeit.indicators.EXIT_CAUSES`). Months after the
    data's end are unobserved (-1).

    Args:
        data: the event log.
        origin: ``"referral"`` or ``"admission"`` (participants without it are left out).
        months: sequence length.
        data_end: the data's end (default: the latest event).
        phases: the phases of the alphabet, in this order (default: the phases entered in
            the log, in order of first appearance); give the whole log's phases when
            summarising partitions of it, so that every partition has the same alphabet.

    Returns:
        The sequences (ids are participant ids).

    Raises:
        ValidationError: an unknown origin.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Referred, Admitted, PhaseEntered, Exited
        >>> log = [Referred("e1", "p1", date(2024, 1, 1)), Admitted("e2", "p1", date(2024, 2, 1)),
        ...        PhaseEntered("e3", "p1", date(2024, 2, 1), phase_id="coaching"),
        ...        Exited("e4", "p1", date(2024, 4, 1), reason="work", outcome="svp")]
        >>> state_sequences(log, months=5, data_end=date(2024, 5, 1)).to_lists()
        [['waiting', 'coaching', 'coaching', 'integration', 'integration']]
    """
    cols = as_columns(data)
    p = _pathways(cols)
    end = _data_end(cols, data_end)
    start = _origin(p, origin)
    used = [cols.keys[int(k)] for k in _used_phase_codes(cols)]
    phase_names = used if phases is None else list(phases)
    phase_codes = [cols.key_code(ph) for ph in phase_names]
    alphabet = ("waiting", *phase_names, "active", "paused", "not_admitted", *EXIT_CAUSES)
    s_wait, s_active, s_paused, s_not = 0, len(phase_names) + 1, len(phase_names) + 2, len(phase_names) + 3
    s_exit0 = len(phase_names) + 3  # + cause (1-based)
    phase_state = np.full(max(len(cols.keys), 1), -1, dtype=np.int64)
    for number, c in enumerate(phase_codes, start=1):
        if c >= 0:
            phase_state[c] = number
    t = cols.type
    code = np.full(len(TYPE_CODES), -2, dtype=np.int64)  # -2: not a state event
    for name in ("referred", "assessed", "participation_agreed", "waitlisted"):
        code[TYPE_CODES[name]] = s_wait
    code[TYPE_CODES["admitted"]] = -3  # current phase or active
    code[TYPE_CODES["resumed"]] = -3
    code[TYPE_CODES["phase_entered"]] = -4
    code[TYPE_CODES["paused"]] = s_paused
    code[TYPE_CODES["declined"]] = s_not
    code[TYPE_CODES["reneged"]] = s_not
    code[TYPE_CODES["exited"]] = -5
    rows = np.flatnonzero(code[t] != -2)
    rows = rows[_has(start[cols.participant[rows]])]
    part = cols.participant[rows].astype(np.int64)
    day = cols.day[rows].astype(np.int64)
    span = int(day.max() - day.min()) + 1 if len(day) else 1
    order = np.argsort(part * span + (day - (int(day.min()) if len(day) else 0)), kind="stable")
    rows, part, day = rows[order], part[order], day[order]
    state = code[t[rows]]
    is_phase = state == -4
    state = np.where(is_phase, phase_state[np.where(is_phase, cols.key[rows], 0)], state)
    # -3 (admitted / resumed): the last phase entered before, else "active"
    pos = np.arange(len(rows))
    group_start = np.r_[True, part[1:] != part[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    last = np.maximum.accumulate(np.where(is_phase | group_start, pos, 0)) if len(rows) else pos
    carried = np.where(is_phase[last], state[last], s_active)
    state = np.where(state == -3, carried, state)
    ex = state == -5
    causes = exit_causes(np.where(ex, cols.code[rows], 0), np.where(ex, cols.code2[rows], 0))
    state = np.where(ex, s_exit0 + causes, state)
    # the first month m whose day (origin + m months) is on or after the event: it is in force from m on
    origin_day = start[part]
    mb = months_between_days(origin_day, day)
    k = np.maximum(np.where(add_months(origin_day, mb) >= day, mb, mb + 1), 0)
    # per participant and month keep the last event (events are in log order)
    last_of_month = np.r_[(part[1:] != part[:-1]) | (k[1:] != k[:-1]), True] if len(k) else k.astype(bool)
    keep = last_of_month & (k < months)
    who = np.flatnonzero(_has(start))
    slot = np.full(cols.n_participants, -1, dtype=np.int64)
    slot[who] = np.arange(len(who))
    matrix = np.full((len(who), months), -1, dtype=np.int16)
    matrix[slot[part[keep]], k[keep]] = state[keep]
    for m in range(1, months):
        col = matrix[:, m]
        np.copyto(col, matrix[:, m - 1], where=col < 0)
    # months after the data's end are unobserved (they trail: query days grow with the month)
    observed = np.where(start[who] <= end, months_between_days(start[who], np.full(len(who), end)) + 1, 0)
    matrix[np.arange(months)[None, :] >= observed[:, None]] = -1
    ids = _ids(cols, who)
    return StateSequences(ids, alphabet, matrix)


