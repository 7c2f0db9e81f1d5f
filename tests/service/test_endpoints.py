"""What the endpoints answer, on a real uvicorn: engine refusals as problem details, state, feed, reports."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from langzeit.indicators import kennzahlen, suppress
from langzeit.service import openapi_document
from langzeit.spells import read_spells
from service._server import Server

pytestmark = pytest.mark.slow

PURPOSE = "Beratungsgespräch"


def _post(server: Server, programme: str, **record: Any) -> Any:
    with server.client("administrator") as http:
        return http.post(f"/programmes/{programme}/commands", json=record)


def _ok(server: Server, programme: str, **record: Any) -> list[dict[str, Any]]:
    response = _post(server, programme, **record)
    assert response.status_code == 201, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _admitted(server: Server, pid: str, day: str = "2024-02-01") -> None:
    _ok(server, "pan", command="refer", participant_id=pid, date="2024-01-08")
    _ok(server, "pan", command="agree_participation", participant_id=pid, date="2024-01-10")
    _ok(server, "pan", command="record_consent", participant_id=pid, date="2024-01-10",
        recipient="tagesklinik")
    _ok(server, "pan", command="admit", participant_id=pid, date=day)


def test_an_invalid_command_lists_every_bad_field(server: Server) -> None:
    """A record with two bad fields gets 422 invalid-command with both in errors."""
    response = _post(server, "pan", command="refer", participant_id="", date="2024-02-30")
    assert response.status_code == 422
    body = response.json()
    assert body["type"].endswith("/problems/invalid-command")
    assert sorted(e["location"] for e in body["errors"]) == ["date", "participant_id"]


def test_a_body_that_is_not_json_is_a_bad_request(server: Server) -> None:
    """A body that is not JSON gets 400 bad-request."""
    with server.client("administrator") as http:
        response = http.post("/programmes/pan/commands", content=b"{refer",
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["type"].endswith("/problems/bad-request")


def test_a_refused_command_carries_the_engines_reasons(server: Server) -> None:
    """Admitting without agreement and consent: 409 transition-refused listing both guards."""
    _ok(server, "pan", command="refer", participant_id="e-1", date="2024-01-08")
    response = _post(server, "pan", command="admit", participant_id="e-1", date="2024-02-01")
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/problems/transition-refused")
    assert body["instance"] == "/programmes/pan/commands"
    assert [r["guard"] for r in body["reasons"]] == ["agreement", "consent"]
    assert "has not agreed" in body["reasons"][0]["reason"]


def test_an_admission_without_consent_is_refused_with_403(server: Server) -> None:
    """PaN exchanges data with the Tagesklinik: admitting without that consent is 403 consent-required."""
    _ok(server, "pan", command="refer", participant_id="e-2", date="2024-01-08")
    _ok(server, "pan", command="agree_participation", participant_id="e-2", date="2024-01-09")
    response = _post(server, "pan", command="admit", participant_id="e-2", date="2024-02-01")
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/problems/consent-required")
    assert body["reasons"] == [
        {"guard": "consent", "reason": "no consent for data exchange with tagesklinik"}]


def test_a_referral_without_consent_is_refused_with_403(server: Server) -> None:
    """A referral to an actor sharing data, without consent: 403 consent-required; nothing written."""
    _admitted(server, "c-1")
    refer = {"command": "refer_to_actor", "participant_id": "c-1", "date": "2024-03-01",
             "actor_id": "schuldnerberatung"}
    response = _post(server, "pan", **refer)
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/problems/consent-required")
    assert [r["guard"] for r in body["reasons"]] == ["consent"]
    with server.client("caseworker", PURPOSE) as http:
        assert http.get("/programmes/pan/participants/c-1").json()["actor_referrals"] == 0


def test_consent_then_withdrawal_opens_and_stops_the_flow(server: Server) -> None:
    """After a recorded consent the referral passes; after its withdrawal the next is refused."""
    _admitted(server, "c-2")
    _ok(server, "pan", command="record_consent", participant_id="c-2", date="2024-02-15",
        recipient="schuldnerberatung", purpose="referral")
    refer = {"command": "refer_to_actor", "participant_id": "c-2", "actor_id": "schuldnerberatung"}
    assert [e["type"] for e in _ok(server, "pan", date="2024-03-01", **refer)] == ["actor_referred"]
    _ok(server, "pan", command="withdraw_consent", participant_id="c-2", date="2024-04-01",
        recipient="schuldnerberatung", purpose="referral")
    response = _post(server, "pan", date="2024-04-02", **refer)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/consent-required")


def test_an_assignment_to_the_provider_without_consent_is_refused_with_403(server: Server) -> None:
    """Tandem-1 includes the Träger's coach: without consent 403 consent-required naming the Träger."""
    _admitted(server, "as-1")
    tandem = {"command": "assign_tandem", "participant_id": "as-1", "tandem_id": "tandem-1"}
    response = _post(server, "pan", date="2024-02-01", **tandem)
    assert response.status_code == 403
    body = response.json()
    assert body["type"].endswith("/problems/consent-required")
    assert body["reasons"] == [{"guard": "consent", "reason": "no consent for data exchange with "
                                "Träger Nord gGmbH, which would receive the case with tandem 'tandem-1'"}]
    with server.client("caseworker", PURPOSE) as http:
        assert http.get("/programmes/pan/participants/as-1").json()["tandem_id"] is None


def test_consent_opens_the_assignment_and_withdrawal_stops_the_next(server: Server) -> None:
    """The jobcenter's own coach needs no consent; the tandem does; after withdrawal coach-1 is refused."""
    _admitted(server, "as-2")
    assign = {"command": "assign_coach", "participant_id": "as-2"}
    assert [e["type"] for e in _ok(server, "pan", date="2024-02-01", coach_id="ifk-1", **assign)] == [
        "coach_assigned"]
    _ok(server, "pan", command="record_consent", participant_id="as-2", date="2024-02-01",
        recipient="traeger")
    _ok(server, "pan", command="assign_tandem", participant_id="as-2", date="2024-02-01",
        tandem_id="tandem-1")
    _ok(server, "pan", command="withdraw_consent", participant_id="as-2", date="2024-03-01",
        recipient="traeger")
    response = _post(server, "pan", date="2024-03-01", coach_id="coach-1", **assign)
    assert response.status_code == 403
    assert response.json()["type"].endswith("/problems/consent-required")


def test_state_as_of_a_date_is_the_state_then(server: Server) -> None:
    """The state now is active in a phase; as of a day before admission it is referred."""
    _admitted(server, "s-1")
    with server.client("caseworker", PURPOSE) as http:
        now = http.get("/programmes/pan/participants/s-1").json()
        then = http.get("/programmes/pan/participants/s-1", params={"as_of": "2024-01-09"}).json()
    assert (now["status"], now["phase_id"], now["admitted"]) == ("active", "modules", "2024-02-01")
    assert (then["status"], then["phase_id"], then["version"]) == ("referred", None, 1)


def test_an_unknown_participant_is_not_found(server: Server) -> None:
    """A participant the programme does not know: 404 not-found."""
    with server.client("caseworker", PURPOSE) as http:
        response = http.get("/programmes/pan/participants/nobody")
    assert response.status_code == 404
    assert response.json()["type"].endswith("/problems/not-found")


def test_a_bad_as_of_is_a_bad_request(server: Server) -> None:
    """as_of=2024-13-01 is refused with bad-request naming the parameter."""
    with server.client("caseworker", PURPOSE) as http:
        response = http.get("/programmes/pan/participants/s-1", params={"as_of": "2024-13-01"})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"location": "as_of", "message": "a date YYYY-MM-DD"}]


def test_a_read_is_in_the_access_log_before_the_answer(server: Server) -> None:
    """A state read leaves one record: who, role, action, programme, participant and purpose."""
    _admitted(server, "a-1")
    with server.client("caseworker", "Hilfeplangespräch am 3.3.") as http:
        assert http.get("/programmes/pan/participants/a-1").status_code == 200
    with server.client("administrator", "Auskunft nach Art. 15 DSGVO") as http:
        records = http.get("/access-log", params={"participant_id": "a-1"}).json()["records"]
    assert [(r["who"], r["role"], r["action"], r["programme_id"], r["purpose"]) for r in records] == [
        ("caseworker", "caseworker", "GET /programmes/{programme}/participants/{participant}", "pan",
         "Hilfeplangespräch am 3.3.")]
    assert records[0]["at"].endswith("Z")


def test_a_refused_read_writes_no_record(server: Server) -> None:
    """A read refused for want of a purpose discloses nothing and logs nothing."""
    _admitted(server, "a-2")
    with server.client("caseworker") as http:
        assert http.get("/programmes/pan/participants/a-2").status_code == 400
    with server.client("administrator", "Prüfung") as http:
        assert http.get("/access-log", params={"participant_id": "a-2"}).json()["records"] == []


def test_the_access_log_refuses_update_and_delete(server: Server) -> None:
    """The access log's table refuses UPDATE and DELETE (triggers), as the event store's does."""
    with server.client("administrator", "Prüfung") as http:
        assert http.get("/access-log").status_code == 200
    with sqlite3.connect(server.folder / "events.access.sqlite") as db:
        for statement in ("UPDATE access_log SET purpose = 'x'", "DELETE FROM access_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                db.execute(statement)


def test_the_waiting_list_and_occupancy_follow_the_places(server: Server) -> None:
    """Geh vor! has 32 places: 33 admissions leave one on the waiting list, occupancy 32 of 32."""
    for i in range(33):
        pid = f"w-{i}"
        _ok(server, "geh-vor", command="refer", participant_id=pid, date="2024-01-08")
        _ok(server, "geh-vor", command="agree_participation", participant_id=pid, date="2024-01-09")
        _ok(server, "geh-vor", command="admit", participant_id=pid, date="2024-02-01")
    with server.client("administrator", PURPOSE) as http:
        waiting = http.get("/programmes/geh-vor/waiting-list").json()
        occupancy = http.get("/programmes/geh-vor/occupancy").json()
        refused = http.post("/programmes/geh-vor/commands", json={
            "command": "admit", "participant_id": "w-32", "date": "2024-02-02", "waitlist": False})
    assert [e["participant_id"] for e in waiting["entries"]] == ["w-32"]
    assert (occupancy["occupied"], occupancy["capacity"], occupancy["free"], occupancy["waiting"]) == (
        32, 32, 0, 1)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/problems/capacity-exceeded")


def test_the_feed_pages_through_every_event_once(server: Server) -> None:
    """Reading the feed in pages of 7 gives each event once, positions increasing, as the store has them."""
    _admitted(server, "f-1")
    seen: list[int] = []
    since = 0
    with server.client("administrator", "Abgleich") as http:
        while True:
            page = http.get("/feed", params={"since": since, "limit": 7}).json()
            if not page["events"]:
                break
            seen += [e["position"] for e in page["events"]]
            since = page["next"]
    assert seen == sorted(set(seen))
    from langzeit.store import SqliteEventStore

    with SqliteEventStore(server.folder / "events.sqlite", readonly=True) as store:
        assert seen == [s.position for s in store.events_since(0)]


def test_a_caseworkers_feed_holds_only_its_programme(server: Server) -> None:
    """The feed with programme=pan holds only PaN participants' events."""
    with server.client("caseworker", "Abgleich") as http:
        page = http.get("/feed", params={"programme": "pan", "limit": 1000}).json()
    assert page["events"]
    assert not [e for e in page["events"] if e["event"]["participant_id"].startswith("w-")]


def test_the_report_is_suppressed_at_the_configured_min_n(server: Server) -> None:
    """The programme report has the configured min_n; asking for less keeps it."""
    with server.client("analyst") as http:
        report = http.get("/programmes/pan/report", params={"min_n": 1}).json()
    assert report["programme_id"] == "pan"
    assert report["confidentiality"]["min_n"] == 3


def test_the_kennzahlen_are_the_librarys_suppressed(server: Server) -> None:
    """GET /kennzahlen gives exactly suppress(kennzahlen(spells, month), min_n=3) of the spell file."""
    from datetime import date

    with server.client("analyst") as http:
        body = http.get("/kennzahlen", params={"month": "2023-06"}).json()
    expected = suppress(kennzahlen(read_spells(server.folder / "spells.csv"), [date(2023, 6, 1)]),
                        min_n=3).rows()
    for row in expected:
        row["month"] = row["month"].strftime("%Y-%m")
    assert body["rows"] == expected
    assert any(r["suppressed"] for r in body["rows"])
    assert all(r["value"] is None for r in body["rows"] if r["suppressed"])


def test_errors_outside_the_routes_are_problems_too(server: Server) -> None:
    """An unknown path is 404 not-found, a wrong method 405 method-not-allowed, both problem details."""
    with server.client("administrator") as http:
        missing, wrong = http.get("/nowhere"), http.delete("/programmes")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert wrong.status_code == 405
    assert wrong.json()["type"].endswith("/problems/method-not-allowed")


def test_the_openapi_document_describes_every_route(server: Server) -> None:
    """/openapi.json is the library's document and names every route the app serves."""
    from langzeit.service._app import ROUTES

    with server.client(None) as http:
        served = http.get("/openapi.json").json()
    assert served == openapi_document()
    assert sorted(served["paths"]) == sorted(path for path, *_ in ROUTES)
