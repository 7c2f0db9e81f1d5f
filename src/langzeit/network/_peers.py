"""Network layer: peer-group candidates — participants sharing needs and places they all reach."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.exceptions import Problem, ValidationError
from langzeit.network._memo import derived
from langzeit.network._reach import reachable_areas
from langzeit.network._records import Need, ParticipantProfile
from langzeit.network._space import SocialSpace
from langzeit.tabular import Table

__all__ = ["PeerCandidate", "PeerCandidates", "peer_candidates"]


@attrs.frozen
class PeerCandidate:
    """A possible peer: the needs shared with the participant and how many areas both reach.

    Examples:
        >>> PeerCandidate("p2", "Plön", (Need.DEBT,), 2).shared_areas
        2
    """

    participant_id: str
    home_area: str
    shared_needs: tuple[Need, ...]
    shared_areas: int


@attrs.frozen
class PeerCandidates(Table):
    """Peer-group candidates for one participant, best first.

    Examples:
        >>> PeerCandidates("p1", ()).columns()
        ('participant_id', 'home_area', 'shared_needs', 'shared_areas')
    """

    participant_id: str
    candidates: tuple[PeerCandidate, ...]
    _title = "Peer-Kandidat*innen"

    def columns(self) -> tuple[str, ...]:
        """The column names."""
        return ("participant_id", "home_area", "shared_needs", "shared_areas")

    def rows(self) -> list[dict[str, Any]]:
        """One row per candidate; shared needs comma-separated."""
        return [
            {"participant_id": c.participant_id, "home_area": c.home_area,
             "shared_needs": ",".join(n.value for n in c.shared_needs), "shared_areas": c.shared_areas}
            for c in self.candidates
        ]


@attrs.frozen
class _PeerIndex:
    ids: list[str]
    position: dict[str, int]
    group_of: npt.NDArray[np.int64]
    programme_of: npt.NDArray[np.int64]
    programmes: dict[str, int]
    groups: list[ParticipantProfile]
    areas: dict[str, int]
    reach: npt.NDArray[np.int64]
    members: dict[Need, npt.NDArray[np.int64]]


def _index(space: SocialSpace) -> _PeerIndex:
    def build() -> _PeerIndex:
        willing = sorted((p for p in space.participants.values() if p.wants_peers), key=lambda p: p.id)
        groups: dict[tuple[str, int, float | None], int] = {}
        representatives: list[ParticipantProfile] = []
        programmes: dict[str, int] = {}
        group_of = np.empty(len(willing), dtype=np.int64)
        programme_of = np.empty(len(willing), dtype=np.int64)
        members: dict[Need, list[int]] = defaultdict(list)
        for i, p in enumerate(willing):
            key = (p.home_area, p.max_minutes, p.max_fare)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(representatives)
                representatives.append(p)
            group_of[i] = g
            programme_of[i] = programmes.setdefault(p.programme_id, len(programmes))
            for need in p.needs:
                members[need].append(i)
        areas = {a: i for i, a in enumerate(space.areas)}
        reach = np.zeros((len(representatives), len(areas)), dtype=np.int64)
        for g, rep in enumerate(representatives):
            reach[g, [areas[a] for a in reachable_areas(space, rep)]] = 1
        return _PeerIndex(
            [p.id for p in willing], {p.id: i for i, p in enumerate(willing)}, group_of, programme_of,
            programmes, representatives, areas, reach,
            {k: np.asarray(v, dtype=np.int64) for k, v in members.items()},
        )

    return derived(space, "peer_index", build)


def _shared_areas(space: SocialSpace, index: _PeerIndex, ego: ParticipantProfile) -> npt.NDArray[np.int64]:
    """Per participant group: how many areas it shares with the ego's reach."""
    mine = np.zeros(len(index.areas), dtype=np.int64)
    mine[[index.areas[a] for a in reachable_areas(space, ego)]] = 1
    shared: npt.NDArray[np.int64] = index.reach @ mine
    return shared


def peer_candidates(
    space: SocialSpace, participant_id: str, *, limit: int = 10, same_programme: bool = False
) -> PeerCandidates:
    """Participants who share needs with a participant and reach the same places.

    Workshop question (Thementisch 3): *How can peer groups be formed in projects
    that focus on individual participants?* A candidate shares at least one need
    and at least one area whose stop both reach within their own time and fare
    limits (a place to meet). Participants who do not want to meet peers
    (``wants_peers=False``) are never proposed. Ranked by shared needs, then shared
    areas (more first), then participant id.

    Participants are indexed once by need and by group (home area and limits,
    with the group's reachable areas as a 0/1 matrix), so a query is a handful of
    vectorised array operations, never a Python loop over participants.

    Args:
        space: the social space.
        participant_id: the participant looking for peers.
        limit: the most candidates to return.
        same_programme: only participants of the same programme.

    Returns:
        The candidates, best first.

    Raises:
        UnknownNameError: no such participant.
        ValidationError: ``limit`` below 1.

    Examples:
        >>> from langzeit.network import example_space
        >>> [(c.participant_id, [n.value for n in c.shared_needs], c.shared_areas)
        ...  for c in peer_candidates(example_space(), "p-anna").candidates]
        [('p-emil', ['debt', 'social_contact'], 2), ('p-carla', ['mental_health'], 3)]
    """
    ego = space.participant(participant_id)
    if limit < 1:
        raise ValidationError("peer candidates", [Problem("limit", f"must be at least 1, got {limit}")])
    index = _index(space)
    n = len(index.ids)
    shared = _shared_areas(space, index, ego)
    counts = np.zeros(n, dtype=np.int64)
    for need in ego.needs:
        arr = index.members.get(need)
        if arr is not None:
            counts += np.bincount(arr[shared[index.group_of[arr]] > 0], minlength=n)
    if participant_id in index.position:
        counts[index.position[participant_id]] = 0
    if same_programme:
        counts[index.programme_of != index.programmes.get(ego.programme_id, -1)] = 0
    cand = np.flatnonzero(counts)
    if not len(cand):
        return PeerCandidates(participant_id, ())
    areas = shared[index.group_of[cand]]
    # one sortable key: more shared needs, then more shared areas, then the smaller id (index)
    key = (counts[cand] * (len(index.areas) + 1) + areas) * n + (n - 1 - cand)
    top = np.argpartition(-key, limit - 1)[:limit] if len(cand) > limit else np.arange(len(cand))
    order = top[np.argsort(-key[top])]
    out = []
    for j in order:
        profile = space.participants[index.ids[int(cand[j])]]
        common = tuple(need for need in Need if need in profile.needs and need in ego.needs)
        out.append(PeerCandidate(profile.id, profile.home_area, common, int(areas[j])))
    return PeerCandidates(participant_id, tuple(out))
