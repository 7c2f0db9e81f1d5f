"""Every role against every endpoint, on a real uvicorn: allowed answers and refused ones."""

from __future__ import annotations

from typing import Any

import pytest

from service._server import Server

pytestmark = pytest.mark.slow

ROLES = ("caseworker", "other_caseworker", "analyst", "administrator")
CASEWORK = {"caseworker", "administrator"}
AGGREGATES = {"analyst", "administrator"}
EVERYONE = set(ROLES)

#: (method, path, JSON body or None, personal data?, the roles allowed, the status when allowed)
ENDPOINTS: list[tuple[str, str, Any, bool, set[str], int]] = [
    ("GET", "/programmes", None, False, EVERYONE, 200),
    ("POST", "/programmes/pan/commands", "refer", False, CASEWORK, 201),
    ("GET", "/programmes/pan/participants/r-0", None, True, CASEWORK, 200),
    ("GET", "/programmes/pan/due?as_of=2024-12-01", None, True, CASEWORK, 200),
    ("GET", "/programmes/pan/occupancy", None, False, CASEWORK, 200),
    ("GET", "/programmes/pan/waiting-list", None, True, CASEWORK, 200),
    ("GET", "/feed?programme=pan", None, True, CASEWORK, 200),
    ("GET", "/feed", None, True, {"administrator"}, 200),
    ("GET", "/programmes/pan/report", None, False, AGGREGATES, 200),
    ("GET", "/kennzahlen?month=2023-06", None, False, AGGREGATES, 200),
    ("GET", "/access-log", None, True, {"administrator"}, 200),
]
_counter = iter(range(1, 10_000))


@pytest.fixture(scope="module", autouse=True)
def _participant(server: Server) -> None:
    """Participant r-0 exists in PaN (referred, agreed, admitted)."""
    with server.client("caseworker") as http:
        for body in ({"command": "refer", "participant_id": "r-0", "date": "2024-01-08"},
                     {"command": "agree_participation", "participant_id": "r-0", "date": "2024-01-10"},
                     {"command": "record_consent", "participant_id": "r-0", "date": "2024-01-10",
                      "recipient": "tagesklinik"},
                     {"command": "admit", "participant_id": "r-0", "date": "2024-02-01"}):
            assert http.post("/programmes/pan/commands", json=body).status_code == 201


def _call(server: Server, who: str | None, method: str, path: str, body: Any, personal: bool) -> Any:
    with server.client(who, purpose="Prüfung der Zugriffsrechte" if personal else None) as http:
        if body == "refer":
            body = {"command": "refer", "participant_id": f"r-{next(_counter)}", "date": "2024-03-01"}
        return http.request(method, path, json=body)


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("method", "path", "body", "personal", "allowed", "status"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
def test_each_role_is_allowed_or_refused(server: Server, who: str, method: str, path: str, body: Any,
                                         personal: bool, allowed: set[str], status: int) -> None:
    """A role in the endpoint's list gets its answer; any other gets 403 problem details."""
    response = _call(server, who, method, path, body, personal)
    if who in allowed:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
    else:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/problems/forbidden")


@pytest.mark.parametrize(("method", "path", "body", "personal", "allowed", "status"), ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])
def test_no_token_is_refused_everywhere(server: Server, method: str, path: str, body: Any, personal: bool,
                                        allowed: set[str], status: int) -> None:
    """Without a token every protected endpoint answers 401 with a Bearer challenge."""
    response = _call(server, None, method, path, body, personal)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="langzeit"'


@pytest.mark.parametrize("path", ["/health", "/ready", "/openapi.json", "/problems/forbidden"])
def test_open_endpoints_need_no_token(server: Server, path: str) -> None:
    """Health, readiness, the OpenAPI document and problem types answer without a token."""
    with server.client(None) as http:
        assert http.get(path).status_code == 200


@pytest.mark.parametrize(("method", "path", "body", "personal", "allowed", "status"),
                         [e for e in ENDPOINTS if e[3]],
                         ids=[f"{m} {p}" for m, p, _, x, *_ in ENDPOINTS if x])
def test_personal_reads_need_a_purpose(server: Server, method: str, path: str, body: Any, personal: bool,
                                       allowed: set[str], status: int) -> None:
    """A read of personal data without Langzeit-Purpose is refused with purpose-required."""
    response = _call(server, "administrator", method, path, body, False)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/purpose-required")


def test_a_caseworker_sees_only_its_programmes(server: Server) -> None:
    """GET /programmes lists only the programmes on a caseworker's token."""
    with server.client("other_caseworker") as http:
        assert [p["id"] for p in http.get("/programmes").json()["programmes"]] == ["geh-vor"]
    with server.client("analyst") as http:
        assert [p["id"] for p in http.get("/programmes").json()["programmes"]] == ["geh-vor", "pan"]
