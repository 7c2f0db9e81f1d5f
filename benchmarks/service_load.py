"""Load on `langzeit serve`: 50 concurrent clients × 200 requests on loopback, SQLite and PostgreSQL.

For each store the script starts a real ``langzeit serve`` (uvicorn, ``--workers`` processes,
default 2) on 127.0.0.1 and a free port; PostgreSQL is a throwaway server started as
``tests/pg_server.py`` does (fsync off, as in the tests). Each client is one keep-alive HTTP
connection that runs pathways in Geh vor! (32 places), all dated one day: ``refer``,
``agree_participation``, ``admit`` (admitted, or waitlisted when full), a state read with a
purpose (written to the access log), then ``exit`` when admitted or ``renege`` when waiting —
when a race with another client changed that in between (the engine answers 409), the client
reads the state again and sends the other one. Each client sends exactly 200 requests.

Checks, printed with the figures (the script asserts nothing about time):

* ``errors``: responses other than 200/201 and the 409s of those races, and transport errors;
* ``lost`` / ``duplicated``: event ids in the responses that are not in the store, in the store
  and not in any response, or twice in either;
* ``max_occupied``: the most places held at once, replaying the store's feed in commit order
  (must not exceed ``capacity``).

Figures: wall time, throughput (requests/s), and p50/p95/p99 latency in ms of commands and
of reads (goal: p95 under 50 ms for a command on SQLite). Taken on a shared, loaded machine;
run under ``flock /work/bench.lock``:

    flock /work/bench.lock python benchmarks/service_load.py [--clients 50] [--requests 200]
        [--workers 2] [--store sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from langzeit.events import replay  # noqa: E402
from langzeit.service import hash_token, new_token  # noqa: E402
from langzeit.store import PostgresEventStore, SqliteEventStore  # noqa: E402
from service._server import serving  # noqa: E402  (the tests' server runner)

DAY = "2024-02-01"
PROGRAMME = "geh-vor"
CAPACITY = 32
PURPOSE = urllib.parse.quote("Lasttest Beratung")


def _config(folder: Path, store: str, token: str) -> Path:
    digest = hash_token(token).removeprefix("sha256:")
    text = (f"{store}\n[[programmes]]\nid = \"{PROGRAMME}\"\n[[tokens]]\nname = \"load\"\n"
            f"role = \"caseworker\"\nprogrammes = [\"{PROGRAMME}\"]\nsha256 = \"{digest}\"\n")
    path = folder / "serve.toml"
    path.write_text(text, encoding="utf-8")
    return path


class _Client:
    """One simulated host: one connection, a budget of requests, its own participants."""

    def __init__(self, http: httpx.AsyncClient, number: int, budget: int) -> None:
        self.http, self.number, self.left = http, number, budget
        self.commands: list[float] = []
        self.reads: list[float] = []
        self.events: list[str] = []
        self.errors: list[str] = []
        self.races = 0

    async def _send(self, method: str, path: str, body: Any = None) -> httpx.Response | None:
        if self.left <= 0:
            return None
        self.left -= 1
        start = time.perf_counter()
        try:
            if method == "POST":
                response = await self.http.post(path, json=body)
            else:
                response = await self.http.get(path, headers={"Langzeit-Purpose": PURPOSE})
        except httpx.HTTPError as exc:
            self.errors.append(f"{method} {path}: {type(exc).__name__}")
            return None
        (self.commands if method == "POST" else self.reads).append(time.perf_counter() - start)
        if response.status_code == 201:
            self.events += [e["event_id"] for e in response.json()["events"]]
        return response

    async def command(self, record: dict[str, Any]) -> httpx.Response | None:
        response = await self._send("POST", f"/programmes/{PROGRAMME}/commands", record)
        if response is not None and response.status_code not in (201, 409):
            self.errors.append(f"{record['command']}: {response.status_code} {response.text[:200]}")
        return response

    async def status(self, pid: str) -> str | None:
        response = await self._send("GET", f"/programmes/{PROGRAMME}/participants/{pid}")
        if response is None:
            return None
        if response.status_code != 200:
            self.errors.append(f"state: {response.status_code} {response.text[:200]}")
            return None
        return str(response.json()["status"])

    async def run(self) -> None:
        k = 0
        while self.left > 0:
            pid = f"c{self.number}-{k}"
            k += 1
            base = {"participant_id": pid, "date": DAY}
            for name in ("refer", "agree_participation", "admit"):
                response = await self.command({"command": name, **base})
                if response is None or response.status_code != 201:
                    if response is not None:
                        self.errors.append(f"{name} {pid}: {response.status_code} {response.text[:200]}")
                    return
            status = await self.status(pid)
            while status in ("active", "waitlisted") and self.left > 0:
                if status == "active":
                    record = {"command": "exit", **base, "reason": "work", "outcome": "svp"}
                else:
                    record = {"command": "renege", **base}
                response = await self.command(record)
                if response is None or response.status_code == 201:
                    break
                self.races += 1  # another client's exit admitted this one from the list: look again
                status = await self.status(pid)


def _percentiles(seconds: list[float]) -> dict[str, float | int]:
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "max_ms": round(float(ms.max()), 2)}


async def _load(url: str, token: str, clients: int, requests: int) -> tuple[list[_Client], float]:
    tls = ssl.create_default_context()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    https = [httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120,
                               limits=limits, verify=tls) for _ in range(clients)]
    runners = [_Client(h, i, requests) for i, h in enumerate(https)]
    start = time.perf_counter()
    await asyncio.gather(*(r.run() for r in runners))
    wall = time.perf_counter() - start
    for h in https:
        await h.aclose()
    return runners, wall


def _check(store: Any, runners: list[_Client]) -> dict[str, Any]:
    answered = [e for r in runners for e in r.events]
    feed = store.events_since(0)
    stored = [s.event.event_id for s in feed]
    occupied = most = 0
    for s in feed:  # commit order
        if s.event.type == "admitted":
            occupied += 1
        elif s.event.type == "exited":
            occupied -= 1
        most = max(most, occupied)
    states = replay(s.event for s in feed)
    return {
        "events": len(stored),
        "lost": len(set(answered) - set(stored)),
        "unanswered": len(set(stored) - set(answered)),
        "duplicated": (len(answered) - len(set(answered))) + (len(stored) - len(set(stored))),
        "max_occupied": most, "capacity": CAPACITY,
        "final_occupied": sum(1 for st in states.values() if st.occupies_place),
    }


def bench(kind: str, clients: int, requests: int, workers: int) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix=f"langzeit-load-{kind}-"))
    token = new_token()
    server = None
    if kind == "postgres":
        from pg_server import PostgresServer  # the tests' throwaway server

        server = PostgresServer()
        store_table = f'[store]\npostgres = "{server.dsn}"\nschema = "load"'
    else:
        store_table = '[store]\nsqlite = "events.sqlite"'
    try:
        config = _config(folder, store_table, token)
        with serving(config, workers=workers) as (url, _):
            runners, wall = asyncio.run(_load(url, token, clients, requests))
        if kind == "postgres":
            with PostgresEventStore(server.dsn, schema="load", readonly=True) as store:
                checks = _check(store, runners)
        else:
            with SqliteEventStore(folder / "events.sqlite", readonly=True) as store:
                checks = _check(store, runners)
    finally:
        if server is not None:
            server.stop()
    sent = sum(requests - r.left for r in runners)
    return {
        "store": kind, "workers": workers, "clients": clients, "requests_per_client": requests,
        "requests": sent, "wall_s": round(wall, 2), "throughput_per_s": round(sent / wall, 1),
        "commands": _percentiles([t for r in runners for t in r.commands]),
        "reads": _percentiles([t for r in runners for t in r.reads]),
        "errors": sum(len(r.errors) for r in runners),
        "error_examples": [e for r in runners for e in r.errors][:5],
        "races_resolved": sum(r.races for r in runners),
        **checks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    results = [bench(k, args.clients, args.requests, args.workers) for k in kinds]
    print(json.dumps({"benchmark": "service_load", "machine": "shared, loaded (2 cores, several sessions)",
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
