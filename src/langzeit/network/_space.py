"""Network layer: the :class:`SocialSpace` holder — actors, services, places, people and ties.

Why over 600 lines: :class:`SocialSpace` is the one mutable holder of the network layer
(STYLE.md § 3), and most of its lines are its documented API: adding and removing each
kind of record with its checks, the consent of ties (§ 67 SGB X) and the derived views
the analyses read. The file formats (``_formats``), the analyses (one module per
family) and the records (``_records``) are already beside it.
"""

from __future__ import annotations

import os
import types
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any

import attrs
import networkx as nx

from langzeit.domain import (
    Coach,
    Consent,
    ConsentPurpose,
    Organisation,
    OrganisationKind,
    consent_basis,
    consent_refusal,
    consent_withdrawal,
)
from langzeit.exceptions import Problem, UnknownNameError, ValidationError
from langzeit.network._records import (
    Location,
    NodeKind,
    ParticipantProfile,
    Person,
    Service,
    Tie,
    TieKind,
    Travel,
)

__all__ = ["TIE_CONSENT_PURPOSES", "Record", "SocialSpace", "TieConsent"]

#: Consent purposes that allow a tie between a participant and an organisation (a referral creates one).
TIE_CONSENT_PURPOSES = (ConsentPurpose.DATA_EXCHANGE, ConsentPurpose.REFERRAL)

Record = Organisation | Location | Service | Travel | ParticipantProfile | Coach | Person | Tie | Consent

_NODE_KIND: dict[type, NodeKind] = {
    Organisation: NodeKind.ORGANISATION,
    ParticipantProfile: NodeKind.PARTICIPANT,
    Coach: NodeKind.COACH,
    Person: NodeKind.PERSON,
}
_TYPE_NAMES: dict[type, str] = {
    Organisation: "organisation",
    Location: "location",
    Service: "service",
    Travel: "travel",
    ParticipantProfile: "participant",
    Coach: "coach",
    Person: "person",
    Tie: "tie",
    Consent: "consent",
}


@attrs.frozen
class TieConsent:
    """Whether a tie may carry a participant's social data, and on what basis (DOMAIN.md § 6).

    A tie joining a participant to an organisation — or to a coach, who speaks for
    their employer — is a channel of the participant's social data to that
    organisation and needs their consent (§ 67b SGB X) for data exchange or
    referral (:data:`TIE_CONSENT_PURPOSES`). Two kinds of tie need none: ties to a
    jobcenter (kind ``jobcenter``, the Leistungsträger whose own social data they
    are) and the participant's own personal contacts (``kind="personal"``, held by
    the participant: a club they belong to). Ties without a participant need none.

    Args:
        tie_id: the tie.
        participant_id: the participant whose data the tie would carry ("" when none needs consent).
        recipient: the organisation receiving them ("" when none).
        required: whether the tie needs a consent.
        allowed: whether it has one (always true when none is required).
        reason: the basis (``"consent k1"``, ``"consent recorded on the tie"``,
            ``"tie to the jobcenter"``…) or why it has none.

    Examples:
        >>> from langzeit.network import example_space
        >>> space = example_space()
        >>> space.tie_consent("t-anna-lena")
        TieConsent(tie_id='t-anna-lena', participant_id='p-anna', recipient='bruecke', required=True, \
allowed=True, reason='consent k-anna-bruecke')
        >>> space.tie_consent("t-anna-mira").reason
        'tie to the jobcenter jc-ploen: its own social data (no consent needed)'
    """

    tie_id: str
    participant_id: str
    recipient: str
    required: bool
    allowed: bool
    reason: str


def _tie_channel(tie: Tie, kinds: Mapping[str, NodeKind], coach_org: Mapping[str, str]) -> tuple[str, str]:
    """The (participant, recipient organisation) a tie would carry data between, or ("", "")."""
    ends = (tie.source, tie.target)
    for subject, other in (ends, ends[::-1]):
        if kinds.get(subject) is not NodeKind.PARTICIPANT:
            continue
        kind = kinds.get(other)
        if kind is NodeKind.ORGANISATION:
            return subject, other
        if kind is NodeKind.COACH:
            return subject, coach_org[other]
    return "", ""


def _tie_consent(tie: Tie, kinds: Mapping[str, NodeKind], coach_org: Mapping[str, str],
                 org_kind: Mapping[str, OrganisationKind], consents: Mapping[str, list[Consent]],
                 on: date | None) -> TieConsent:
    pid, org = _tie_channel(tie, kinds, coach_org)
    if not pid:
        return TieConsent(tie.id, "", "", False, True, "the tie carries no participant's data")
    if org_kind.get(org) is OrganisationKind.JOBCENTER:
        return TieConsent(tie.id, pid, org, False, True,
                          f"tie to the jobcenter {org}: its own social data (no consent needed)")
    if tie.kind is TieKind.PERSONAL and tie.held_by == pid:
        return TieConsent(tie.id, pid, org, False, True,
                          "the participant's own personal contact (no data pass)")
    mine = consents.get(pid, [])
    basis = consent_basis(mine, pid, org, on, purposes=TIE_CONSENT_PURPOSES)
    if basis is not None:
        return TieConsent(tie.id, pid, org, True, True, f"consent {basis.id}")
    if tie.consent and consent_withdrawal(mine, pid, org, on, purposes=TIE_CONSENT_PURPOSES) is None:
        return TieConsent(tie.id, pid, org, True, True, "consent recorded on the tie")
    return TieConsent(tie.id, pid, org, True, False,
                      consent_refusal(mine, pid, org, on, purposes=TIE_CONSENT_PURPOSES))


def _record_id(record: Record) -> str:
    if isinstance(record, Travel):
        return " <-> ".join(record.key)
    return record.id


@attrs.define(eq=False)
class SocialSpace:
    """The social space (Sozialraum) of a programme or jobcenter: who is there and who knows whom.

    Holds organisations (actors) with their services and locations, the travel table
    between areas, participants (with needs and travel limits), coaches, other
    people (contacts, peers, volunteers), the ties between them and consent records.
    The graph is a networkx ``MultiGraph`` whose nodes are the ids of organisations,
    participants, coaches and persons (one id space) and whose edges are the ties
    (key: tie id).

    Build it with :meth:`add` / :meth:`extend` (every record validated, every
    problem reported at once, nothing added when anything is wrong), or read it
    with :func:`~langzeit.network.read_space` / :func:`~langzeit.network.space_from_dict`
    (the file formats are functions beside the model, not methods of it).

    Args:
        name: a label, e.g. ``"Kreis Plön"``.

    Examples:
        >>> from langzeit.domain import Organisation, Coach, Participant
        >>> from langzeit.network import Location, Service, Tie, ParticipantProfile
        >>> space = SocialSpace("Beispiel")
        >>> space.add(
        ...     Organisation("jc", "Jobcenter", kind="jobcenter", legal_domain="SGB II"),
        ...     Organisation("sb", "Schuldnerberatung", kind="debt_counselling", legal_domain="SGB II"),
        ...     Location("sb-1", "Beratungsstelle", area="Mitte", organisation_id="sb"),
        ...     Service("sb-s", "sb", "Schuldnerberatung", needs=["debt"], location_ids=["sb-1"]),
        ...     Coach("c1", role="pap", organisation_id="jc"),
        ...     ParticipantProfile(Participant("p1"), home_area="Mitte", needs=["debt"]),
        ...     Tie("t1", "c1", "p1"),
        ...     Tie("t2", "c1", "sb", kind="personal"),
        ... )
        >>> space
        <SocialSpace 'Beispiel': 2 organisations, 1 services, 1 participants, 1 coaches, 2 ties>
        >>> space.kind_of("sb"), [t.id for t in space.ties_of("c1")]
        (<NodeKind.ORGANISATION: 'organisation'>, ['t1', 't2'])
    """

    name: str = ""
    _organisations: dict[str, Organisation] = attrs.field(factory=dict, init=False)
    _locations: dict[str, Location] = attrs.field(factory=dict, init=False)
    _services: dict[str, Service] = attrs.field(factory=dict, init=False)
    _travel: dict[tuple[str, str], Travel] = attrs.field(factory=dict, init=False)
    _participants: dict[str, ParticipantProfile] = attrs.field(factory=dict, init=False)
    _coaches: dict[str, Coach] = attrs.field(factory=dict, init=False)
    _persons: dict[str, Person] = attrs.field(factory=dict, init=False)
    _ties: dict[str, Tie] = attrs.field(factory=dict, init=False)
    _consents: dict[str, Consent] = attrs.field(factory=dict, init=False)
    _consents_of: dict[str, list[Consent]] = attrs.field(factory=dict, init=False)
    _kinds: dict[str, NodeKind] = attrs.field(factory=dict, init=False)
    _graph: nx.MultiGraph = attrs.field(factory=nx.MultiGraph, init=False)
    _version: int = attrs.field(default=0, init=False)

    # -- building ----------------------------------------------------------------------------

    def add(self, *records: Record) -> None:
        """Add records of any kind; all are validated together, nothing is added on a problem.

        Args:
            *records: organisations, locations, services, travel, participant
                profiles, coaches, persons, ties and consents, in any order.

        Raises:
            ValidationError: every problem found (duplicate ids, unknown references,
                wrong record types), each with the record it concerns.
        """
        self.extend(records)

    def extend(self, records: Iterable[Record], *, locations: Iterable[str] | None = None) -> None:
        """Add many records at once (see :meth:`add`); atomic: all or nothing.

        Args:
            records: the records.
            locations: optional labels naming where each record came from (e.g.
                ``"services[3]"`` of a JSON file), used in problem reports.

        Raises:
            ValidationError: every problem found, each with its location.
        """
        batch = list(records)
        where = list(locations) if locations is not None else [
            f"{_TYPE_NAMES.get(type(r), type(r).__name__)} {_record_id(r)!r}"
            if type(r) in _TYPE_NAMES else f"record {i}"
            for i, r in enumerate(batch)
        ]
        self._extend(batch, where, frozenset())

    def _extend(self, batch: list[Any], where: list[str], unparsed: frozenset[str], *,
                consents_known: bool = True) -> None:
        """Validate and commit; references to ``unparsed`` ids (records that failed to parse) are ignored.

        ``consents_known=False`` (a reader whose consent records did not all parse)
        skips the consent check of ties: a missing record may be the basis, and the
        import fails anyway.
        """
        problems = self._check(batch, where, unparsed)
        if consents_known:
            problems += self._consent_problems(batch, where)
        if problems:
            raise ValidationError(f"social space {self.name!r}: nothing was added", problems)
        self._commit(batch)

    def _check(self, batch: list[Any], where: list[str], unparsed: frozenset[str]) -> list[Problem]:
        problems: list[Problem] = []
        nodes: dict[str, str] = {}
        ids: dict[type, dict[Any, str]] = defaultdict(dict)
        existing: dict[type, Mapping[Any, Any]] = {
            Location: self._locations, Service: self._services, Tie: self._ties,
            Consent: self._consents, Travel: self._travel,
        }
        for record, loc in zip(batch, where, strict=True):
            kind = type(record)
            if kind not in _TYPE_NAMES:
                problems.append(Problem(loc, f"not a social-space record: {kind.__name__}"))
                continue
            if kind in _NODE_KIND:
                node_id = record.id
                if node_id in self._kinds or node_id in nodes:
                    problems.append(Problem(loc, f"id {node_id!r} is already used by another node"))
                nodes[node_id] = loc
            else:
                key: Any = record.key if isinstance(record, Travel) else record.id
                if key in existing[kind] or key in ids[kind]:
                    what = "travel between these areas" if kind is Travel else f"id {key!r}"
                    problems.append(Problem(loc, f"{what} is already given"))
                ids[kind][key] = loc
        organisations = {n for n, r in self._kinds.items() if r is NodeKind.ORGANISATION} | {
            r.id for r in batch if isinstance(r, Organisation)
        } | unparsed
        participants = set(self._participants) | {r.id for r in batch if isinstance(r, ParticipantProfile)}
        participants |= unparsed
        locations = set(self._locations) | set(ids[Location]) | unparsed
        all_nodes = set(self._kinds) | set(nodes) | unparsed
        for record, loc in zip(batch, where, strict=True):
            if isinstance(record, Service):
                if record.organisation_id not in organisations:
                    problems.append(Problem(loc, f"unknown organisation {record.organisation_id!r}"))
                problems += [
                    Problem(loc, f"unknown location {lid!r}")
                    for lid in record.location_ids if lid not in locations
                ]
            elif isinstance(record, Location):
                if record.organisation_id and record.organisation_id not in organisations:
                    problems.append(Problem(loc, f"unknown organisation {record.organisation_id!r}"))
            elif isinstance(record, Coach):
                if record.organisation_id not in organisations:
                    problems.append(Problem(loc, f"unknown organisation {record.organisation_id!r}"))
            elif isinstance(record, Tie):
                for end in (record.source, record.target, record.held_by):
                    if end not in all_nodes:
                        problems.append(Problem(loc, f"unknown node {end!r}"))
            elif isinstance(record, Consent):
                if record.participant_id not in participants:
                    problems.append(Problem(loc, f"unknown participant {record.participant_id!r}"))
                if record.recipient not in all_nodes:
                    problems.append(Problem(loc, f"unknown recipient {record.recipient!r}"))
        return problems

    def _consent_problems(self, batch: list[Any], where: list[str]) -> list[Problem]:
        """Ties of the batch joining a participant to an organisation without a consent (DOMAIN.md § 6)."""
        ties = [(r, loc) for r, loc in zip(batch, where, strict=True) if isinstance(r, Tie)]
        if not ties:
            return []
        kinds: dict[str, NodeKind] = dict(self._kinds)
        kinds.update((r.id, _NODE_KIND[type(r)]) for r in batch if type(r) in _NODE_KIND)
        coach_org = {c: r.organisation_id for c, r in self._coaches.items()}
        coach_org.update((r.id, r.organisation_id) for r in batch if isinstance(r, Coach))
        org_kind = {o: r.kind for o, r in self._organisations.items()}
        org_kind.update((r.id, r.kind) for r in batch if isinstance(r, Organisation))
        consents = self._consents_of
        added = [r for r in batch if isinstance(r, Consent)]
        if added:
            consents = {k: list(v) for k, v in consents.items()}
            for c in added:
                consents.setdefault(c.participant_id, []).append(c)
        problems = []
        for tie, loc in ties:
            if tie.source not in kinds or tie.target not in kinds:
                continue  # an unknown end, reported above
            check = _tie_consent(tie, kinds, coach_org, org_kind, consents, tie.since)
            if not check.allowed:
                when = f" from {tie.since}" if tie.since is not None else ""
                problems.append(Problem(loc, f"links participant {check.participant_id!r} to "
                                             f"{check.recipient!r}{when} without consent: {check.reason}"))
        return problems

    def _commit(self, batch: list[Any]) -> None:
        graph = self._graph
        for record in batch:
            if isinstance(record, Organisation):
                self._organisations[record.id] = record
            elif isinstance(record, ParticipantProfile):
                self._participants[record.id] = record
            elif isinstance(record, Coach):
                self._coaches[record.id] = record
            elif isinstance(record, Person):
                self._persons[record.id] = record
            elif isinstance(record, Location):
                self._locations[record.id] = record
            elif isinstance(record, Service):
                self._services[record.id] = record
            elif isinstance(record, Travel):
                self._travel[record.key] = record
            elif isinstance(record, Consent):
                self._consents[record.id] = record
                self._consents_of.setdefault(record.participant_id, []).append(record)
            if type(record) in _NODE_KIND:
                kind = _NODE_KIND[type(record)]
                self._kinds[record.id] = kind
                graph.add_node(record.id, kind=kind)
        ties = [r for r in batch if isinstance(r, Tie)]
        for tie in ties:
            self._ties[tie.id] = tie
        graph.add_edges_from((t.source, t.target, t.id, {"tie": t}) for t in ties)
        self._version += 1

    # -- reading -----------------------------------------------------------------------------

    @property
    def organisations(self) -> Mapping[str, Organisation]:
        """Organisations (actors) by id (read-only)."""
        return types.MappingProxyType(self._organisations)

    @property
    def locations(self) -> Mapping[str, Location]:
        """Locations by id (read-only)."""
        return types.MappingProxyType(self._locations)

    @property
    def services(self) -> Mapping[str, Service]:
        """Services by id (read-only)."""
        return types.MappingProxyType(self._services)

    @property
    def travel(self) -> Mapping[tuple[str, str], Travel]:
        """The travel table by unordered pair of areas (sorted tuple; read-only)."""
        return types.MappingProxyType(self._travel)

    @property
    def participants(self) -> Mapping[str, ParticipantProfile]:
        """Participant profiles by participant id (read-only)."""
        return types.MappingProxyType(self._participants)

    @property
    def coaches(self) -> Mapping[str, Coach]:
        """Coaches by id (read-only)."""
        return types.MappingProxyType(self._coaches)

    @property
    def persons(self) -> Mapping[str, Person]:
        """Contacts, peers and volunteers by id (read-only)."""
        return types.MappingProxyType(self._persons)

    @property
    def ties(self) -> Mapping[str, Tie]:
        """Ties by id (read-only)."""
        return types.MappingProxyType(self._ties)

    @property
    def consents(self) -> Mapping[str, Consent]:
        """Consent records by id (read-only)."""
        return types.MappingProxyType(self._consents)

    def tie_consent(self, tie_id: str, *, on: date | None = None) -> TieConsent:
        """Whether a tie may carry its participant's data on ``on`` (None: from now on), and why.

        A tie is added only with a consent covering its start (``since``; with no
        start, a consent never withdrawn). A later withdrawal keeps the tie as
        history but makes it unusable from the withdrawal day on: this check, the
        consent check of a path and the exports then leave it out.

        Args:
            tie_id: the tie.
            on: the day of the flow; None asks about a standing flow (an export).

        Returns:
            The check: needed, allowed, the participant and recipient, the basis or reason.

        Raises:
            UnknownNameError: no such tie.

        Examples:
            >>> from langzeit.network import example_space
            >>> space = example_space()
            >>> space.tie_consent("t-dirk-jonas", on=date(2024, 6, 3)).allowed
            True
            >>> _ = space.withdraw_consent("k-dirk-bruecke", date(2024, 7, 1))
            >>> space.tie_consent("t-dirk-jonas", on=date(2024, 7, 1)).reason
            'consent k-dirk-bruecke for data_exchange with bruecke was withdrawn on 2024-07-01'
        """
        try:
            tie = self._ties[tie_id]
        except KeyError:
            raise UnknownNameError("tie", tie_id) from None
        coach_org = {c: r.organisation_id for c, r in self._coaches.items()}
        org_kind = {o: r.kind for o, r in self._organisations.items()}
        return _tie_consent(tie, self._kinds, coach_org, org_kind, self._consents_of, on)

    def tie_consents(self, *, on: date | None = None) -> dict[str, TieConsent]:
        """:meth:`tie_consent` of every tie at once, by tie id (in id order).

        Examples:
            >>> from langzeit.network import example_space
            >>> checks = example_space().tie_consents()
            >>> sum(c.required for c in checks.values()), all(c.allowed for c in checks.values())
            (5, True)
        """
        coach_org = {c: r.organisation_id for c, r in self._coaches.items()}
        org_kind = {o: r.kind for o, r in self._organisations.items()}
        return {tid: _tie_consent(t, self._kinds, coach_org, org_kind, self._consents_of, on)
                for tid, t in sorted(self._ties.items())}

    def usable_ties(self, *, on: date | None = None) -> list[Tie]:
        """The ties that may carry data on ``on`` (None: from now on), ordered by id.

        Ties whose consent was withdrawn stay in :attr:`ties` as history; this
        leaves them out (the exports use it).

        Examples:
            >>> from langzeit.network import example_space
            >>> space = example_space()
            >>> n = len(space.usable_ties())
            >>> _ = space.withdraw_consent("k-dirk-bruecke", date(2024, 7, 1))
            >>> len(space.usable_ties()) == n - 1, len(space.ties) == n
            (True, True)
        """
        return [self._ties[tid] for tid, c in self.tie_consents(on=on).items() if c.allowed]

    def withdraw_consent(self, consent_id: str, day: date) -> Consent:
        """Record the withdrawal of a consent: flows it covered stop from ``day`` on (§ 67b SGB X).

        The consent record is replaced by one with ``withdrawn=day``; ties that
        relied on it stay as history but are no longer usable from ``day`` on
        (:meth:`tie_consent`, :meth:`usable_ties`, :func:`consent_check`, the exports).

        Args:
            consent_id: the consent.
            day: the day of the withdrawal.

        Returns:
            The withdrawn consent record.

        Raises:
            UnknownNameError: no such consent.
            ValidationError: already withdrawn, or ``day`` before the consent was given.

        Examples:
            >>> from langzeit.network import example_space
            >>> space = example_space()
            >>> space.withdraw_consent("k-anna-tk", date(2024, 9, 1)).withdrawn
            datetime.date(2024, 9, 1)
        """
        try:
            old = self._consents[consent_id]
        except KeyError:
            raise UnknownNameError("consent", consent_id, sorted(self._consents)) from None
        where = f"consent {consent_id!r}"
        if old.withdrawn is not None:
            raise ValidationError("withdrawal not recorded",
                                  [Problem(where, f"already withdrawn on {old.withdrawn}")])
        if day < old.given:
            raise ValidationError("withdrawal not recorded",
                                  [Problem(where, f"withdrawn on {day}, before it was given ({old.given})")])
        new = attrs.evolve(old, withdrawn=day)
        self._consents[consent_id] = new
        mine = self._consents_of[old.participant_id]
        mine[mine.index(old)] = new
        self._version += 1
        return new

    @property
    def graph(self) -> nx.MultiGraph:
        """A read-only view of the graph (nodes: ids with ``kind``; edges keyed by tie id with ``tie``)."""
        return nx.graphviews.subgraph_view(self._graph)

    @property
    def kinds(self) -> Mapping[str, NodeKind]:
        """The kind of every node by id (read-only).

        Examples:
            >>> from langzeit.network import example_space
            >>> example_space().kinds["c-lena"]
            <NodeKind.COACH: 'coach'>
        """
        return types.MappingProxyType(self._kinds)

    @property
    def adjacency(self) -> Mapping[str, Mapping[str, Mapping[str, Mapping[str, Any]]]]:
        """The graph's adjacency: node -> neighbour -> tie id -> edge data (``"tie"``: the :class:`Tie`).

        The graph's own mappings, read-only (the fast way for analyses to walk the
        ties; :attr:`graph` is the networkx view of the same).

        Examples:
            >>> from langzeit.network import example_space
            >>> sorted(example_space().adjacency["p-anna"])
            ['c-lena', 'c-mira', 'n-schwester', 'sv-ploen']
        """
        return types.MappingProxyType(self._graph._adj)

    @property
    def version(self) -> int:
        """A counter that grows with every successful :meth:`extend` (for indexes derived from the space).

        Examples:
            >>> space = SocialSpace()
            >>> before = space.version
            >>> space.add(Organisation("o", "O"))
            >>> space.version > before
            True
        """
        return self._version

    @property
    def areas(self) -> tuple[str, ...]:
        """Every area named by a location, a travel entry or a participant's home, sorted."""
        found = {loc.area for loc in self._locations.values()}
        found.update(a for key in self._travel for a in key)
        found.update(p.home_area for p in self._participants.values())
        return tuple(sorted(found))

    def kind_of(self, node_id: str) -> NodeKind:
        """The kind of a node.

        Args:
            node_id: an organisation, participant, coach or person id.

        Returns:
            Its kind.

        Raises:
            UnknownNameError: the id is not a node of this space.
        """
        try:
            return self._kinds[node_id]
        except KeyError:
            raise UnknownNameError("node", node_id) from None

    def participant(self, participant_id: str) -> ParticipantProfile:
        """A participant's profile.

        Raises:
            UnknownNameError: no such participant.
        """
        try:
            return self._participants[participant_id]
        except KeyError:
            raise UnknownNameError("participant", participant_id) from None

    def has_node(self, node_id: str) -> bool:
        """Whether ``node_id`` is a node of this space."""
        return node_id in self._kinds

    def ties_of(self, node_id: str) -> list[Tie]:
        """The ties of a node, ordered by tie id.

        Raises:
            UnknownNameError: no such node.
        """
        self.kind_of(node_id)
        return sorted(self._iter_ties(node_id), key=lambda t: t.id)

    def _iter_ties(self, node_id: str) -> Iterator[Tie]:
        for keyed in self._graph._adj[node_id].values():
            for data in keyed.values():
                yield data["tie"]

    def ties_between(self, a: str, b: str) -> list[Tie]:
        """The ties joining two nodes (either direction), ordered by id."""
        keyed = self._graph._adj.get(a, {}).get(b, {})
        return sorted((d["tie"] for d in keyed.values()), key=lambda t: t.id)

    def neighbours(self, node_id: str) -> list[str]:
        """Ids of the nodes tied to ``node_id``, sorted.

        Raises:
            UnknownNameError: no such node.
        """
        self.kind_of(node_id)
        return sorted(self._graph._adj[node_id])

    def organisation_of(self, node_id: str) -> str:
        """The organisation a node speaks for: itself, a coach's employer; "" for people.

        Raises:
            UnknownNameError: no such node.
        """
        kind = self.kind_of(node_id)
        if kind is NodeKind.ORGANISATION:
            return node_id
        if kind is NodeKind.COACH:
            return self._coaches[node_id].organisation_id
        return ""

    def __repr__(self) -> str:
        return (
            f"<SocialSpace {self.name!r}: {len(self._organisations)} organisations, "
            f"{len(self._services)} services, {len(self._participants)} participants, "
            f"{len(self._coaches)} coaches, {len(self._ties)} ties>"
        )

    if TYPE_CHECKING:  # deprecated; attached by langzeit.network._legacy (no import of the formats here)

        @classmethod
        def from_dict(cls, data: Any, *, source: str = "<memory>") -> SocialSpace:
            """Deprecated: :func:`langzeit.network.space_from_dict`."""

        @classmethod
        def from_json(cls, path: str | os.PathLike[str]) -> SocialSpace:
            """Deprecated: :func:`langzeit.network.read_space`."""

        def to_dict(self) -> dict[str, Any]:
            """Deprecated: :func:`langzeit.network.space_to_dict`."""

        def to_json(self, path: str | os.PathLike[str]) -> None:
            """Deprecated: :func:`langzeit.network.write_space`."""

        def to_graphml(self, path: str | os.PathLike[str]) -> None:
            """Deprecated: :func:`langzeit.network.write_graphml`."""
