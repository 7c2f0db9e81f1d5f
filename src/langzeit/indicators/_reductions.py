"""Indicator layer: Leistungsminderungen (§§ 31-32 SGB II) among a programme's participants."""

from __future__ import annotations

import numpy as np

from langzeit.indicators._columns import TYPE_CODES, as_columns
from langzeit.indicators._pathways import Data, _grouping, _has, _pathways
from langzeit.indicators._tables import Grouping, RateTable

__all__ = ["benefit_reduction_rate"]


def benefit_reduction_rate(data: Data, *, by: Grouping | None = None, level: float = 0.95) -> RateTable:
    """Leistungsminderungen per participant: admitted participants with a reduction / admitted.

    Items (both counted **per participant**, i.e. per pseudonymous participant id — one
    pathway per id, so today also per participation):

    - ``participants_reduced``: admitted participants with at least one ``benefit_reduced``
      event (any ground, at any time of the log) / admitted participants;
    - ``participants_reduced_repeatedly``: admitted participants with two or more / admitted.

    Proportions of participants, not counts of reductions per participant (a mean count
    is no proportion and gets no Wilson interval).

    Args:
        data: the event log.
        by: optional grouping.
        level: confidence level.

    Returns:
        The rate table.

    Examples:
        >>> from datetime import date
        >>> from langzeit.events import Admitted, BenefitReduced
        >>> cut = dict(ground="duty_breach", percent=10, start=date(2024, 6, 1), months=1)
        >>> log = [Admitted("e1", "p1", date(2024, 1, 8)), Admitted("e2", "p2", date(2024, 1, 8)),
        ...        BenefitReduced("e3", "p1", date(2024, 5, 13), **cut),
        ...        BenefitReduced("e4", "p1", date(2024, 8, 13), **cut)]
        >>> t = benefit_reduction_rate(log)
        >>> t.get("participants_reduced").value, t.get("participants_reduced_repeatedly").value
        (50.0, 50.0)
    """
    cols = as_columns(data)
    p, g = _pathways(cols), _grouping(cols, by)
    admitted = _has(p.first["admitted"])
    n = np.bincount(cols.participant[cols.type == TYPE_CODES["benefit_reduced"]],
                    minlength=cols.n_participants)
    n = np.where(admitted, n, 0)
    num = np.stack([g.counts(n > 0), g.counts(n > 1)], axis=1)
    den = np.stack([g.counts(admitted), g.counts(admitted)], axis=1)
    return RateTable.of_counts("benefit_reduction_rate", g.names, ("participants_reduced",
                                                                  "participants_reduced_repeatedly"),
                               num.astype(np.int64), den.astype(np.int64),
                               notes=("participants with a reduction / admitted",
                                      "participants with two or more / admitted"), level=level)
