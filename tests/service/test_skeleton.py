"""The service answers on a real uvicorn: health, readiness, one command, problem details."""

import pytest

from service._server import Server

pytestmark = pytest.mark.slow


def test_health_needs_no_token(server: Server) -> None:
    """GET /health answers 200 without a token."""
    with server.client(None) as http:
        response = http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_command_writes_its_events(server: Server) -> None:
    """POST a refer command record: 201 with the referred event of that programme."""
    with server.client("caseworker") as http:
        response = http.post("/programmes/pan/commands",
                             json={"command": "refer", "participant_id": "sk-1", "date": "2024-01-08"})
    assert response.status_code == 201, response.text
    events = response.json()["events"]
    assert [(e["type"], e["participant_id"], e["programme_id"]) for e in events] == [
        ("referred", "sk-1", "pan")]


def test_an_unknown_token_is_a_401_problem(server: Server) -> None:
    """A token that is not configured gets 401 problem details with a Bearer challenge."""
    with server.client(None) as http:
        response = http.post("/programmes/pan/commands", headers={"Authorization": "Bearer " + "x" * 43},
                             json={"command": "refer", "participant_id": "sk-2", "date": "2024-01-08"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["status"] == 401
    assert body["type"].endswith("/problems/unauthenticated")
