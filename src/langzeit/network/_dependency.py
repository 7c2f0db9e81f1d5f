"""Network layer: coach dependency — sole contacts, referral paths that break when a coach leaves."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs

from langzeit.exceptions import UnknownNameError
from langzeit.network._memo import derived
from langzeit.network._records import NodeKind, Tie
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = [
    "CoachDependency", "CoachImpact", "SoleContact", "SoleContacts", "coach_dependency", "sole_contacts",
]


@attrs.frozen
class SoleContact:
    """A contact to an actor that only one coach holds and no organisation-level tie backs up.

    Examples:
        >>> SoleContact("tk", "Tagesklinik", "c1", "t1", "personal").coach_id
        'c1'
    """

    organisation_id: str
    organisation_name: str
    coach_id: str
    tie_id: str
    kind: str


@attrs.frozen
class SoleContacts(Table):
    """Contacts held by only one coach (rows: organisation, its name, the coach, the tie, its kind).

    Examples:
        >>> SoleContacts(()).rows()
        []
    """

    contacts: tuple[SoleContact, ...]
    _title = "Kontakte, die nur eine Fachkraft hält"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("organisation_id", "organisation_name", "coach_id", "tie_id", "kind")

    def rows(self) -> list[dict[str, Any]]:
        """One row per contact, by organisation then coach."""
        return [attrs.asdict(c) for c in self.contacts]


def _coach_contacts(space: SocialSpace) -> dict[str, dict[str, list[Tie]]]:
    """Coach id -> organisation id -> the coach's ties to it (not to the coach's own employer)."""
    adj = space.adjacency
    kinds = space.kinds
    out: dict[str, dict[str, list[Tie]]] = {}
    for cid, coach in space.coaches.items():
        contacts: dict[str, list[Tie]] = {}
        for v, keyed in adj[cid].items():
            if kinds[v] is NodeKind.ORGANISATION and v != coach.organisation_id:
                contacts[v] = [d["tie"] for d in keyed.values()]
        out[cid] = contacts
    return out


def _org_links(space: SocialSpace) -> dict[str, set[str]]:
    """Organisation id -> organisations it has an organisation-level tie with (cached on the space)."""

    def build() -> dict[str, set[str]]:
        kinds = space.kinds
        links: dict[str, set[str]] = {oid: set() for oid in space.organisations}
        org = NodeKind.ORGANISATION
        for t in space.ties.values():
            if kinds[t.source] is org and kinds[t.target] is org:
                links[t.source].add(t.target)
                links[t.target].add(t.source)
        return links

    return derived(space, "org_links", build)


def sole_contacts(space: SocialSpace) -> SoleContacts:
    """Contacts to actors held by only one coach, with no organisation-level tie as backup.

    Workshop question (fallübergreifende Netzwerkarbeit): *How can network work be
    made independent of the coaches' individual networks?* A contact to an
    organisation is fragile when exactly one coach of the space holds a tie to it
    and the coach's employer has no tie of its own to it ("Korridore vereinbaren
    auf Organisationsebene").

    Args:
        space: the social space.

    Returns:
        The fragile contacts, by organisation id then coach id.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(c.organisation_id, c.coach_id) for c in sole_contacts(example_space()).contacts]
        ... # doctest: +NORMALIZE_WHITESPACE
        [('kita-luetjenburg', 'c-lena'), ('sb-ploen', 'c-lena'), ('sucht-preetz', 'c-jonas'),
         ('tk-luetjenburg', 'c-jonas'), ('tk-preetz', 'c-lena')]
    """
    contacts = _coach_contacts(space)
    links = _org_links(space)
    holders: dict[str, list[str]] = defaultdict(list)
    for cid, orgs in contacts.items():
        for oid in orgs:
            holders[oid].append(cid)
    found = []
    for oid, coaches in holders.items():
        if len(coaches) != 1:
            continue
        cid = coaches[0]
        employer = space.coaches[cid].organisation_id
        if oid in links.get(employer, set()):
            continue
        tie = min(contacts[cid][oid], key=lambda t: t.id)
        found.append(SoleContact(oid, space.organisations[oid].name, cid, tie.id, tie.kind.value))
    found.sort(key=lambda c: (c.organisation_id, c.coach_id))
    return SoleContacts(tuple(found))


@attrs.frozen
class CoachImpact:
    """What one coach's departure does to a programme's referral paths.

    Args:
        coach_id: the coach.
        organisation_id: the coach's employer.
        cases: participants (of the programme) tied to the coach.
        contacts: organisations the coach holds ties to.
        paths: referral paths that run (also) through the coach.
        broken: referral paths that run only through the coach.
        share: ``broken`` / all referral paths of the programme (None when there are none).

    Examples:
        >>> CoachImpact("c1", "jc", cases=2, contacts=3, paths=6, broken=3, share=0.25).broken
        3
    """

    coach_id: str
    organisation_id: str
    cases: int
    contacts: int
    paths: int
    broken: int
    share: float | None


@attrs.frozen
class CoachDependency(Table):
    """Referral paths of a programme and how many break when each coach leaves.

    ``denominator`` is the number of the programme's referral paths; each row's
    ``broken`` is a numerator over it.

    Examples:
        >>> d = CoachDependency("pan", 4, (CoachImpact("c1", "jc", 2, 3, 4, 1, 0.25),))
        >>> d.impact("c1").share, d.denominator
        (0.25, 4)
    """

    programme_id: str | None
    denominator: int
    coaches: tuple[CoachImpact, ...]
    _title = "Abhängigkeit von einzelnen Fachkräften"

    def impact(self, coach_id: str) -> CoachImpact:
        """The row of one coach.

        Raises:
            UnknownNameError: (a KeyError) the coach has no row.
        """
        for c in self.coaches:
            if c.coach_id == coach_id:
                return c
        raise UnknownNameError("coach", coach_id)

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("coach_id", "organisation_id", "cases", "contacts", "paths", "broken", "share")

    def rows(self) -> list[dict[str, Any]]:
        """One row per coach, the largest share first."""
        return [attrs.asdict(c) for c in self.coaches]


def coach_dependency(space: SocialSpace, *, programme_id: str | None = None) -> CoachDependency:
    """The share of a programme's referral paths that break if a given coach leaves.

    Workshop question (fallübergreifende Netzwerkarbeit): *How can network work stop
    depending on one coach's private contacts?*

    A referral path is a pair (participant, organisation) such that the
    participant can be referred to the organisation over at least one route:

    * **own** — the participant has a tie to the organisation;
    * **coach** — one of the participant's coaches (a coach tied to the participant)
      has a tie to the organisation;
    * **institutional** — the employer of one of the participant's coaches has an
      organisation-level tie to it.

    The coaches' own employers are not referral targets. A path *breaks* when a
    coach leaves if that coach is its only route. Each coach's ``share`` is the
    number of paths that break divided by all referral paths of the programme
    (participants with ``programme_id``, or all participants when None).

    Args:
        space: the social space.
        programme_id: the programme, or None for every participant.

    Returns:
        One row per coach with cases in the programme, the largest share first
        (then by coach id).

    Examples:
        >>> from langzeit.network import example_space
        >>> dep = coach_dependency(example_space(), programme_id="pan")
        >>> dep.denominator
        24
        >>> [(c.coach_id, c.cases, c.paths, c.broken) for c in dep.coaches]
        [('c-lena', 3, 9, 8), ('c-jonas', 2, 4, 4), ('c-mira', 1, 1, 0)]
    """
    contacts = {cid: set(orgs) for cid, orgs in _coach_contacts(space).items()}
    links = _org_links(space)
    adj = space.adjacency
    kinds = space.kinds
    employer = {cid: c.organisation_id for cid, c in space.coaches.items()}
    cases: dict[str, int] = defaultdict(int)
    paths: dict[str, int] = defaultdict(int)
    broken: dict[str, int] = defaultdict(int)
    total = 0
    for pid, profile in space.participants.items():
        if programme_id is not None and profile.programme_id != programme_id:
            continue
        own: set[str] = set()
        coaches: list[str] = []
        for v in adj[pid]:
            kind = kinds[v]
            if kind is NodeKind.ORGANISATION:
                own.add(v)
            elif kind is NodeKind.COACH:
                coaches.append(v)
        employers = {employer[c] for c in coaches}
        backed = set(own)
        for e in employers:
            backed |= links.get(e, set())
        reach = set(backed)
        for c in coaches:
            reach |= contacts[c]
        reach -= employers
        total += len(reach)
        for c in coaches:
            cases[c] += 1
            mine = contacts[c] - employers
            paths[c] += len(mine)
            others: set[str] = set(backed)
            for d in coaches:
                if d != c:
                    others |= contacts[d]
            broken[c] += len(mine - others)
    rows = [
        CoachImpact(c, employer[c], cases[c], len(contacts[c]), paths[c], broken[c],
                    broken[c] / total if total else None)
        for c in cases
    ]
    rows.sort(key=lambda r: (-(r.share or 0.0), r.coach_id))
    return CoachDependency(programme_id, total, tuple(rows))
