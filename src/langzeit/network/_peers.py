"""Network layer: peer-group candidates — participants sharing needs and places they all reach."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from langzeit.exceptions import Problem, ValidationError
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
    members: dict[tuple[int, Need], npt.NDArray[np.int64]]


def _index(space: SocialSpace) -> _PeerIndex:
    def build() -> _PeerIndex:
        willing = sorted((p for p in space.participants.values() if p.wants_peers), key=lambda p: p.id)
        groups: dict[tuple[str, int, float | None], int] = {}
        representatives: list[ParticipantProfile] = []
        programmes: dict[str, int] = {}
        group_of = np.empty(len(willing), dtype=np.int64)
        programme_of = np.empty(len(willing), dtype=np.int64)
        members: dict[tuple[int, Need], list[int]] = defaultdict(list)
        for i, p in enumerate(willing):
            key = (p.home_area, p.max_minutes, p.max_fare)
            g = groups.get(key)
            if g is None:
                g = groups[key] = len(representatives)
                representatives.append(p)
            group_of[i] = g
            programme_of[i] = programmes.setdefault(p.programme_id, len(programmes))
            for need in p.needs:
                members[(g, need)].append(i)
        return _PeerIndex(
            [p.id for p in willing], {p.id: i for i, p in enumerate(willing)}, group_of, programme_of,
            programmes, representatives,
            {k: np.asarray(v, dtype=np.int64) for k, v in members.items()},
        )

    return space._cached("peer_index", build)


def _shared_areas(space: SocialSpace, index: _PeerIndex, ego: ParticipantProfile) -> npt.NDArray[np.int64]:
    """Per participant group: how many areas it shares with the ego's reach (cached per ego group)."""
    cache: dict[tuple[str, int, float | None], npt.NDArray[np.int64]] = space._cached("peer_shared", dict)
    key = (ego.home_area, ego.max_minutes, ego.max_fare)
    found = cache.get(key)
    if found is None:
        mine = reachable_areas(space, ego)
        found = np.array([len(mine & reachable_areas(space, g)) for g in index.groups], dtype=np.int64)
        cache[key] = found
    return found


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

    Participants are indexed once by (home area, limits) and need, so a query
    costs a few array operations, not a scan of all participants.

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
    shared = _shared_areas(space, index, ego)
    parts = [
        arr for need in ego.needs for g in np.flatnonzero(shared)
        if (arr := index.members.get((int(g), need))) is not None
    ]
    if not parts:
        return PeerCandidates(participant_id, ())
    cand, counts = np.unique(np.concatenate(parts), return_counts=True)
    keep = np.ones(len(cand), dtype=bool)
    if participant_id in index.position:
        keep &= cand != index.position[participant_id]
    if same_programme:
        keep &= index.programme_of[cand] == index.programmes.get(ego.programme_id, -1)
    cand, counts = cand[keep], counts[keep]
    areas = shared[index.group_of[cand]]
    order = np.lexsort((cand, -areas, -counts))[:limit]
    out = []
    for j in order:
        profile = space.participants[index.ids[int(cand[j])]]
        common = tuple(n for n in Need if n in profile.needs and n in ego.needs)
        out.append(PeerCandidate(profile.id, profile.home_area, common, int(areas[j])))
    return PeerCandidates(participant_id, tuple(out))
