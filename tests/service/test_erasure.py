"""Erasure through the service (crypto-shredding), then replay: counts stay, personal fields are gone."""

from __future__ import annotations

from typing import Any

import pytest

from service._server import Server, running

pytestmark = pytest.mark.slow

PURPOSE = "Löschung nach Art. 17 DSGVO"


def _ok(server: Server, **record: Any) -> None:
    with server.client("administrator") as http:
        response = http.post("/programmes/pan/commands", json=record)
    assert response.status_code == 201, response.text


def _feed_of(server: Server, pid: str) -> list[dict[str, Any]]:
    with server.client("administrator", "Abgleich") as http:
        events = http.get("/feed", params={"limit": 1000}).json()["events"]
    return [e["event"] for e in events if e["event"]["participant_id"] == pid]


@pytest.fixture(scope="module")
def erased(server: Server) -> dict[str, Any]:
    """Participant x-1 with a plan goal and a referral need, read before and after erasure."""
    _ok(server, command="refer", participant_id="x-1", date="2024-01-08")
    _ok(server, command="agree_participation", participant_id="x-1", date="2024-01-09")
    _ok(server, command="record_consent", participant_id="x-1", date="2024-01-09", recipient="tagesklinik")
    _ok(server, command="admit", participant_id="x-1", date="2024-02-01")
    _ok(server, command="agree_plan", participant_id="x-1", date="2024-02-05", goal="Schulden regeln")
    with server.client("administrator", PURPOSE) as http:
        before = http.get("/programmes/pan/participants/x-1").json()
        feed_before = _feed_of(server, "x-1")
        report_before = http.get("/programmes/pan/report").json()
        response = http.post("/programmes/pan/participants/x-1/erasure")
        after = http.get("/programmes/pan/participants/x-1").json()
        report_after = http.get("/programmes/pan/report").json()
    return {"before": before, "after": after, "response": response, "feed_before": feed_before,
            "feed_after": _feed_of(server, "x-1"), "report_before": report_before,
            "report_after": report_after}


def test_erasure_destroys_the_key(erased: dict[str, Any]) -> None:
    """POST …/erasure answers 200 with erased true."""
    assert erased["response"].status_code == 200
    assert erased["response"].json() == {"participant_id": "x-1", "erased": True}


def test_the_feed_no_longer_shows_personal_fields(erased: dict[str, Any]) -> None:
    """The plan goal was in the feed before erasure and is empty after; the events stay."""
    goals = [e.get("goal") for e in erased["feed_before"] if e["type"] == "plan_agreed"]
    assert goals == ["Schulden regeln"]
    assert [e.get("goal", "") for e in erased["feed_after"] if e["type"] == "plan_agreed"] == [""]
    assert [e["type"] for e in erased["feed_after"]] == [e["type"] for e in erased["feed_before"]]


def test_the_counts_stay_after_erasure(erased: dict[str, Any]) -> None:
    """The programme report after erasure is the report before it."""
    assert erased["report_after"] == erased["report_before"]


def test_nothing_new_is_stored_about_an_erased_participant(server: Server, erased: dict[str, Any]) -> None:
    """A command for the erased participant is refused with 410 participant-erased."""
    with server.client("administrator") as http:
        response = http.post("/programmes/pan/commands", json={
            "command": "agree_plan", "participant_id": "x-1", "date": "2024-03-01", "goal": "neu"})
    assert response.status_code == 410
    assert response.json()["type"].endswith("/problems/participant-erased")


def test_a_new_worker_replays_the_erased_log(server: Server, erased: dict[str, Any]) -> None:
    """A second service started on the same files replays the log to the same state as after erasure."""
    with running(server.folder, server.tokens) as second, second.client("administrator", PURPOSE) as http:
        replayed = http.get("/programmes/pan/participants/x-1").json()
    assert replayed == erased["after"]
    assert (replayed["status"], replayed["admitted"]) == (erased["before"]["status"], "2024-02-01")
    assert replayed["plan_goal"] == ""


def test_the_erasure_is_in_the_access_log(server: Server, erased: dict[str, Any]) -> None:
    """Who erased whom and why is in the access log."""
    with server.client("administrator", "Prüfung") as http:
        records = http.get("/access-log", params={"participant_id": "x-1"}).json()["records"]
    assert ("POST /programmes/{programme}/participants/{participant}/erasure", PURPOSE) in {
        (r["action"], r["purpose"]) for r in records}
