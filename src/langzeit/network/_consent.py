"""Network layer: consent check for a flow of social data along a path of ties (§§ 67 ff. SGB X)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import attrs

from langzeit.domain import Consent, ConsentPurpose, consent_basis, consent_refusal, consent_withdrawal
from langzeit.events import ConsentGiven, ConsentWithdrawn, Event
from langzeit.exceptions import Problem, ValidationError
from langzeit.network._records import NodeKind
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = ["ConsentCheck", "HopCheck", "consent_check", "consents_from_events"]


@attrs.frozen
class HopCheck:
    """One hop of a data flow: from whom, to whom, allowed or not, and why.

    Args:
        step: 1-based number of the hop.
        source: the node the data leave.
        target: the node the data reach.
        recipient: the organisation (or person) receiving the data.
        tie_id: the tie the hop uses ("" when there is none).
        allowed: whether the hop is covered.
        reason: the basis (e.g. ``"consent k1"``) or why it is not allowed.

    Examples:
        >>> HopCheck(1, "c1", "tk", "tk", "t1", False, "no consent").allowed
        False
    """

    step: int
    source: str
    target: str
    recipient: str
    tie_id: str
    allowed: bool
    reason: str


@attrs.frozen
class ConsentCheck(Table):
    """The consent check of a data flow: every hop with its basis or the reason it fails.

    Examples:
        >>> ConsentCheck("p1", ConsentPurpose.DATA_EXCHANGE, date(2024, 5, 1), ()).allowed
        True
    """

    participant_id: str
    purpose: ConsentPurpose
    on: date
    hops: tuple[HopCheck, ...]
    _title = "Einwilligungsprüfung"

    @property
    def allowed(self) -> bool:
        """Whether every hop is allowed."""
        return all(h.allowed for h in self.hops)

    @property
    def failures(self) -> tuple[HopCheck, ...]:
        """The hops that lack a basis."""
        return tuple(h for h in self.hops if not h.allowed)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("step", "source", "target", "recipient", "tie_id", "allowed", "reason")

    def rows(self) -> list[dict[str, Any]]:
        """One row per hop."""
        return [attrs.asdict(h) for h in self.hops]


def consents_from_events(events: Iterable[Event]) -> list[Consent]:
    """Consent records from ``consent_given`` / ``consent_withdrawn`` events (as the engine records them).

    Args:
        events: events in log order.

    Returns:
        One :class:`~langzeit.domain.Consent` per consent id, with its withdrawal date if any.

    Examples:
        >>> evs = [ConsentGiven("e1", "p1", date(2024, 1, 5), consent_id="k1",
        ...                     purpose="data_exchange", recipient="tk"),
        ...        ConsentWithdrawn("e2", "p1", date(2024, 3, 1), consent_id="k1")]
        >>> consents_from_events(evs)[0].withdrawn
        datetime.date(2024, 3, 1)
    """
    given: dict[str, Consent] = {}
    for e in events:
        if isinstance(e, ConsentGiven):
            given[e.consent_id] = Consent(e.consent_id, e.participant_id, e.purpose, e.recipient, e.date)
        elif isinstance(e, ConsentWithdrawn) and e.consent_id in given:
            c = given[e.consent_id]
            if c.withdrawn is None and e.date >= c.given:
                given[e.consent_id] = attrs.evolve(c, withdrawn=e.date)
    return list(given.values())


def _recipient(space: SocialSpace, node: str) -> str:
    return space.organisation_of(node) or node


def consent_check(
    space: SocialSpace,
    path: Sequence[str],
    *,
    on: date,
    purpose: ConsentPurpose | str = ConsentPurpose.DATA_EXCHANGE,
    participant_id: str | None = None,
    consents: Iterable[Consent] = (),
) -> ConsentCheck:
    """Check a flow of a participant's social data along a path of ties, hop by hop.

    Workshop finding (DOMAIN.md §§ 5–6): cross-Rechtskreis cooperation is blocked
    by data-protection worries. Exchange between organisations needs the
    participant's consent for that purpose and recipient (§ 67b SGB X); withdrawal
    stops future exchange. A hop ``u -> v`` is allowed when

    1. ``u`` and ``v`` speak for the same organisation (a coach and their employer,
       also without a tie: employment links them);
    2. a tie joins them and ``v`` is the participant (data return to the person they are about);
    3. a consent record of the participant (the space's and ``consents``) covers
       the purpose, the recipient (``v``'s organisation, or ``v`` for a person) and
       the day ``on`` (:func:`~langzeit.domain.consent_basis`); or
    4. a tie between ``u`` and ``v`` that touches the participant records their
       consent, and no consent record for that purpose and recipient was withdrawn
       by ``on`` (a dated withdrawal outranks the undated note on the tie).

    Otherwise the hop fails with a readable reason (no tie, no consent, a
    withdrawn consent, a consent for another purpose). All hops are reported.

    Args:
        space: the social space.
        path: node ids, the data flowing from the first to the last.
        on: the day of the exchange.
        purpose: the purpose of the exchange.
        participant_id: whose data (default: the path's first node).
        consents: further consent records (e.g. from :func:`consents_from_events`).

    Returns:
        The check, one row per hop.

    Raises:
        ValidationError: a path of fewer than two nodes, or an unknown node.
        UnknownNameError: the participant is unknown.

    Examples:
        >>> from langzeit.network import example_space
        >>> check = consent_check(example_space(), ["p-anna", "c-lena", "tk-preetz"], on=date(2024, 5, 2))
        >>> [(h.step, h.allowed, h.reason) for h in check.hops]
        [(1, True, 'consent k-anna-bruecke'), (2, True, 'consent k-anna-tk')]
        >>> check = consent_check(example_space(), ["p-dirk", "c-jonas", "tk-luetjenburg"],
        ...                       on=date(2024, 6, 3))
        >>> check.allowed, check.failures[0].reason
        (False, 'consent k-dirk-tk for data_exchange with tk-luetjenburg was withdrawn on 2024-05-01')
    """
    problems = []
    if len(path) < 2:
        problems.append(Problem("path", f"needs at least two nodes, got {len(path)}"))
    problems += [
        Problem(f"path[{i}]", f"unknown node {n!r}") for i, n in enumerate(path) if not space.has_node(n)
    ]
    if problems:
        raise ValidationError("consent check not possible", problems)
    subject = path[0] if participant_id is None else participant_id
    space.participant(subject)
    wanted = ConsentPurpose(purpose)
    records = list(space.consents.values()) + list(consents)
    hops = []
    for step, (u, v) in enumerate(itertools.pairwise(path), start=1):
        recipient = _recipient(space, v)
        ties = space.ties_between(u, v)
        tie_id = ties[0].id if ties else ""
        same_org = space.kind_of(v) is not NodeKind.PERSON and space.organisation_of(u) == recipient
        if same_org:
            allowed, reason = True, f"within organisation {recipient}"
        elif not ties:
            allowed, reason = False, f"no tie between {u} and {v}: the path is broken"
        elif v == subject:
            allowed, reason = True, "data return to the participant"
        else:
            basis = consent_basis(records, subject, recipient, on, purposes=wanted)
            flagged = [t for t in ties if t.consent and t.touches(subject)]
            if basis is not None:
                allowed, reason = True, f"consent {basis.id}"
            elif flagged and consent_withdrawal(records, subject, recipient, on, purposes=wanted) is None:
                allowed, reason, tie_id = True, f"consent recorded on tie {flagged[0].id}", flagged[0].id
            else:
                allowed, reason = False, consent_refusal(records, subject, recipient, on, purposes=wanted)
        hops.append(HopCheck(step, u, v, recipient, tie_id, allowed, reason))
    return ConsentCheck(subject, wanted, on, tuple(hops))
