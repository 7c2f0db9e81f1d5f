"""The SocialSpace holder: atomic validated building, JSON (HSDS subset) and GraphML."""

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langzeit.domain import Coach, Consent, Organisation, Participant
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.network import (
    EXAMPLE_SPACES,
    Location,
    NodeKind,
    ParticipantProfile,
    Service,
    SocialSpace,
    Tie,
    Travel,
    example_space,
    read_space,
    space_from_dict,
    space_to_dict,
    synthetic_space,
    write_graphml,
    write_space,
)
from langzeit.privacy import StatedPurpose

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _base() -> SocialSpace:
    s = SocialSpace("t")
    s.add(Organisation("o", "O"), Location("l", "L", area="A", organisation_id="o"),
          Coach("c", role="pap", organisation_id="o"), ParticipantProfile(Participant("p"), "A"))
    return s


def test_add_lists_every_problem_and_adds_nothing() -> None:
    """A batch with several problems raises them all at once and leaves the space unchanged."""
    s = _base()
    before = space_to_dict(s)
    with pytest.raises(ValidationError) as info:
        s.add(
            Organisation("p", "clash with participant id"),
            Service("s", "nobody", "S", needs=["debt"], location_ids=["l", "nowhere"]),
            Tie("t", "p", "ghost"),
            Travel("A", "B", minutes=5),
            Travel("B", "A", minutes=6),
            Consent("k", "p", "data_exchange", "ghost", given=__import__("datetime").date(2024, 1, 1)),
            Coach("c2", role="pap", organisation_id="missing"),
        )
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "organisation 'p': id 'p' is already used by another node",
        "travel 'A <-> B': travel between these areas is already given",
        "service 's': unknown organisation 'nobody'",
        "service 's': unknown location 'nowhere'",
        "tie 't': unknown node 'ghost'",
        "consent 'k': unknown recipient 'ghost'",
        "coach 'c2': unknown organisation 'missing'",
    ]
    assert space_to_dict(s) == before


def test_records_of_one_batch_may_refer_to_each_other() -> None:
    """References are resolved against the space and the batch together."""
    s = SocialSpace()
    s.add(Tie("t", "o", "c"), Coach("c", role="pap", organisation_id="o"), Organisation("o", "O"))
    assert s.ties_between("c", "o")[0].id == "t"
    assert s.kind_of("c") is NodeKind.COACH
    assert s.organisation_of("c") == "o"


def test_non_records_are_refused() -> None:
    """Anything that is not a social-space record is a problem, not a crash."""
    with pytest.raises(ValidationError, match="not a social-space record"):
        SocialSpace().add("organisation")  # type: ignore[arg-type]


def test_lookups_of_unknown_ids_raise_unknown_name() -> None:
    """Unknown node and participant ids raise UnknownNameError (a LookupError)."""
    s = _base()
    with pytest.raises(UnknownNameError):
        s.kind_of("x")
    with pytest.raises(LookupError):
        s.participant("c")


def test_graph_view_is_read_only_and_keyed_by_tie() -> None:
    """The graph view shows ties as keyed edges and cannot be changed."""
    s = _base()
    s.add(Tie("t1", "p", "c", consent=True), Tie("t2", "c", "p", kind="personal", consent=True))
    g = s.graph
    assert sorted(k for _, _, k in g.edges(keys=True)) == ["t1", "t2"]
    with pytest.raises(nx.NetworkXError):
        g.add_node("x")


def test_areas_come_from_locations_travel_and_homes() -> None:
    """Areas are collected from locations, travel entries and participants' homes."""
    s = _base()
    s.add(Travel("B", "C", minutes=9), ParticipantProfile(Participant("q"), "D"))
    assert s.areas == ("A", "B", "C", "D")


@pytest.mark.parametrize("name", EXAMPLE_SPACES)
def test_json_round_trip_keeps_everything(name: str, tmp_path: Path) -> None:
    """With a stated purpose, writing and reading the JSON document gives the same document back."""
    space = example_space(name)
    path = tmp_path / "space.json"
    purpose = StatedPurpose("Sicherung des Sozialraums")
    write_space(space, path, include_special_categories=purpose)
    again = read_space(path)
    assert space_to_dict(again, include_special_categories=purpose) == space_to_dict(
        space, include_special_categories=purpose)
    assert len(again.ties) == len(space.ties)


@pytest.mark.parametrize("name", EXAMPLE_SPACES)
def test_shipped_example_files_match_the_builtin_spaces(name: str) -> None:
    """examples/social-space-<name>.json is exactly the built-in example space."""
    shipped = read_space(EXAMPLES / f"social-space-{name}.json")
    assert space_to_dict(shipped) == space_to_dict(example_space(name))


def test_json_uses_hsds_names() -> None:
    """Organisations, services, locations and service_at_locations use HSDS field names."""
    doc = space_to_dict(example_space())
    service = next(s for s in doc["services"] if s["id"] == "tk-preetz-beh")
    assert service["organization_id"] == "tk-preetz"
    assert service["service_capacities"] == [{"maximum": 20, "available": 0}]
    assert service["schedules"] == [{"byday": "", "opens_at": "08:00", "closes_at": "16:00"}]
    assert {"id": "tk-preetz-beh@tk-preetz-1", "service_id": "tk-preetz-beh",
            "location_id": "tk-preetz-1"} in doc["service_at_locations"]
    assert doc["locations"][0].keys() >= {"id", "name", "organization_id"}


def test_import_reports_every_problem_with_its_location() -> None:
    """A bad document lists each problem with file, section, index and id; nothing is returned."""
    doc = space_to_dict(example_space())
    doc["services"][0]["needs"] = ["debt", "flying"]
    doc["services"][1].pop("name")
    doc["ties"][0]["since"] = "2024-13-01"
    doc["ties"][1]["target"] = "ghost"
    doc["locations"][0]["transit_minutes"] = -5
    doc["service_at_locations"].append({"id": "x", "service_id": "nope", "location_id": "l"})
    doc["consents"] = "all"
    with pytest.raises(ValidationError) as info:
        space_from_dict(doc, source="s.json")
    text = [str(p) for p in info.value.problems]
    assert text[0] == "s.json: consents: must be a list"
    assert text[1] == "s.json: service_at_locations[10]: unknown service 'nope'"
    location = "s.json: locations[0] 'bruecke-preetz': "
    assert any(t.startswith(location) and "transit_minutes" in t for t in text)
    assert any(t.startswith("s.json: services[0] 'arbeitsdiagnostik': ") and "flying" in t for t in text)
    assert "s.json: services[1] 'dak-seminar': missing field 'name'" in text
    assert any(t.startswith("s.json: ties[0] 't-anna-lena': since must be an ISO date") for t in text)
    assert "s.json: ties[1] 't-anna-mira': unknown node 'ghost'" in text
    assert len(text) == 7


def test_import_refuses_other_formats_and_newer_versions() -> None:
    """The format name and version are checked."""
    with pytest.raises(ValidationError) as info:
        space_from_dict({"format": "hsds", "version": 2})
    assert [p.location for p in info.value.problems] == ["<memory>: format", "<memory>: version"]
    with pytest.raises(ValidationError, match="expected a JSON object"):
        space_from_dict([1, 2])


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    """A file that is not JSON is a ValidationError naming line and column."""
    path = tmp_path / "bad.json"
    path.write_text('{"organizations": [\n  {"id": }\n]}', encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_space(path)
    assert info.value.problems[0].location == f"{path}:2:10"


def test_import_ignores_unknown_hsds_fields() -> None:
    """Other HSDS fields (email, url, description) are ignored, not errors."""
    doc = {"organizations": [{"id": "o", "name": "O", "email": "a@b", "url": "x", "description": "d"}],
           "locations": [{"id": "l", "name": "L", "area": "A", "latitude": 54.2}]}
    assert space_from_dict(doc).locations["l"].area == "A"


def test_graphml_export_round_trips_through_networkx(tmp_path: Path) -> None:
    """GraphML holds every node and tie with scalar attributes."""
    space = example_space()
    path = tmp_path / "space.graphml"
    write_graphml(space, path)
    g = nx.read_graphml(path, force_multigraph=True)
    assert g.number_of_nodes() == space.graph.number_of_nodes()
    assert g.number_of_edges() == len(space.ties)
    assert g.nodes["tk-preetz"]["legal_domain"] == "SGB V"
    assert g.nodes["tk-preetz"]["services"] == "tk-preetz-beh"
    kinds = {d["kind"] for _, _, d in g.edges(data=True)}
    assert kinds == {"institutional", "personal"}
    assert json.loads(json.dumps(space_to_dict(space)))  # the document is plain JSON


@settings(max_examples=10)
@given(st.sampled_from(["rural", "city"]), st.integers(0, 10_000))
def test_synthetic_spaces_round_trip_through_json(setting: str, seed: int) -> None:
    """Any generated space survives to_dict / from_dict unchanged (also through JSON text)."""
    space = synthetic_space(setting, actors=30, participants=25, seed=seed)
    purpose = StatedPurpose("round trip")
    doc = json.loads(json.dumps(space_to_dict(space, include_special_categories=purpose)))
    assert space_to_dict(space_from_dict(doc), include_special_categories=purpose) == space_to_dict(
        space, include_special_categories=purpose)


@pytest.mark.parametrize(
    ("call", "replacement"),
    [
        (lambda space, path: SocialSpace.from_dict(space_to_dict(space)), "space_from_dict"),
        (lambda space, path: space.to_dict(), "space_to_dict"),
        (lambda space, path: space.to_json(path), "write_space"),
        (lambda space, path: (write_space(space, path), SocialSpace.from_json(path)), "read_space"),
        (lambda space, path: space.to_graphml(path), "write_graphml"),
    ],
)
def test_deprecated_format_methods_warn_and_still_work(call: Any, replacement: str, tmp_path: Path) -> None:
    """The old ``SocialSpace`` format methods warn, name the new function and give its result."""
    space = example_space()
    with pytest.warns(DeprecationWarning, match=replacement):
        call(space, tmp_path / "s.json")
    with pytest.warns(DeprecationWarning, match="space_to_dict"):
        assert space.to_dict() == space_to_dict(space)
