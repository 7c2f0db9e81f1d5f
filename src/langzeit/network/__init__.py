"""Network layer: the social space (Sozialraum) on networkx and its analyses (DOMAIN.md § 5).

A :class:`SocialSpace` holds the actors of a region (organisations with services and
locations shaped like Open Referral HSDS), the travel table between areas,
participants with their needs and travel limits, coaches, personal contacts and
peers, and the ties between them. The analyses are pure functions, each answering a
question of the seeds' workshop on network work: network maps, needs coverage,
coach dependency, brokers and bridges, parallel offers, peer-group candidates,
consent checks and actor usage.

Examples:
    >>> from langzeit.network import example_space, needs_coverage
    >>> cov = needs_coverage(example_space("ploen"), "p-carla")
    >>> cov.numerator, cov.denominator
    (1, 4)
    >>> cov.get("childcare").nearest
    'Kindertagesbetreuung (Kita Lütjenburg, Lütjenburg): keine freien Plätze'
"""

from langzeit.network import _legacy  # noqa: F401  (attaches SocialSpace's deprecated format methods)
from langzeit.network._brokers import (
    Bridge,
    Bridges,
    Broker,
    Brokers,
    brokers,
    professional_graph,
    rechtskreis_bridges,
)
from langzeit.network._consent import ConsentCheck, HopCheck, consent_check, consents_from_events
from langzeit.network._coverage import (
    NeedCoverage,
    NeedsCoverage,
    known_organisations,
    needs_coverage,
    offer_hindrances,
)
from langzeit.network._dependency import (
    CoachDependency,
    CoachImpact,
    SoleContact,
    SoleContacts,
    coach_dependency,
    sole_contacts,
)
from langzeit.network._examples import EXAMPLE_SPACES, example_space
from langzeit.network._formats import (
    is_space_file,
    read_space,
    space_from_dict,
    space_to_dict,
    write_graphml,
    write_space,
)
from langzeit.network._generate import SETTINGS, SpaceSettings, synthetic_space
from langzeit.network._maps import MapNode, NetworkMap, network_map
from langzeit.network._parallel import (
    PairBlock,
    ParallelArea,
    ParallelOffer,
    ParallelOffers,
    ParallelSummary,
    parallel_offers,
    parallel_summary,
    people_in_reach,
)
from langzeit.network._peers import PeerCandidate, PeerCandidates, peer_candidates
from langzeit.network._reach import Trip, trip
from langzeit.network._records import (
    WEEKDAYS,
    Hindrance,
    Location,
    Need,
    NodeKind,
    ParticipantProfile,
    Person,
    PersonRole,
    Schedule,
    Service,
    ServiceStatus,
    Tie,
    TieKind,
    Travel,
)
from langzeit.network._space import TIE_CONSENT_PURPOSES, SocialSpace, TieConsent
from langzeit.network._usage import ActorUsage, UsageRow, actor_usage

__all__ = [
    "EXAMPLE_SPACES",
    "SETTINGS",
    "TIE_CONSENT_PURPOSES",
    "WEEKDAYS",
    "ActorUsage",
    "Bridge",
    "Bridges",
    "Broker",
    "Brokers",
    "CoachDependency",
    "CoachImpact",
    "ConsentCheck",
    "Hindrance",
    "HopCheck",
    "Location",
    "MapNode",
    "Need",
    "NeedCoverage",
    "NeedsCoverage",
    "NetworkMap",
    "NodeKind",
    "PairBlock",
    "ParallelArea",
    "ParallelOffer",
    "ParallelOffers",
    "ParallelSummary",
    "ParticipantProfile",
    "PeerCandidate",
    "PeerCandidates",
    "Person",
    "PersonRole",
    "Schedule",
    "Service",
    "ServiceStatus",
    "SocialSpace",
    "SoleContact",
    "SoleContacts",
    "SpaceSettings",
    "Tie",
    "TieConsent",
    "TieKind",
    "Travel",
    "Trip",
    "UsageRow",
    "actor_usage",
    "brokers",
    "coach_dependency",
    "consent_check",
    "consents_from_events",
    "example_space",
    "is_space_file",
    "known_organisations",
    "needs_coverage",
    "network_map",
    "offer_hindrances",
    "parallel_offers",
    "parallel_summary",
    "peer_candidates",
    "people_in_reach",
    "professional_graph",
    "read_space",
    "rechtskreis_bridges",
    "sole_contacts",
    "space_from_dict",
    "space_to_dict",
    "synthetic_space",
    "trip",
    "write_graphml",
    "write_space",
]


def __getattr__(name: str) -> object:
    """Point the old name of the network-map plot at its new home (plots live in ``langzeit.report``)."""
    if name == "plot_network_map":
        raise AttributeError(
            "langzeit.network.plot_network_map moved to langzeit.report.plot_network_map "
            "(every plot lives in langzeit.report)"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
