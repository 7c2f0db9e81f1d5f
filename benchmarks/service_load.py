"""Load on `langzeit serve`: 50 concurrent clients × 200 requests on loopback, SQLite and PostgreSQL.

For each store the script starts a real ``langzeit serve`` (uvicorn, ``--workers`` processes,
default 2) on 127.0.0.1 and a free port; PostgreSQL is a throwaway server started as
``tests/pg_server.py`` does (fsync off, as in the tests). Each client is one keep-alive
HTTP/1.1 connection (raw asyncio streams; httpx, ``--client httpx``, costs about 1.7 ms CPU
per request, as much as the server, on the cores the server is measured on) that runs pathways
in Geh vor! (32 places), all dated one day: ``refer``, ``agree_participation``, ``admit``
(admitted, or waitlisted when full), a state read with a purpose (written to the access log),
then ``exit`` when admitted or ``renege`` when waiting — when a race with another client
changed that in between (the engine answers 409), the client reads the state again and sends
the other one. Each client sends exactly 200 requests.

Checks, printed with the figures (the script asserts nothing about time):

* ``errors``: responses other than 200/201 and the 409s of those races, and transport errors;
* ``lost`` / ``duplicated``: event ids in the responses that are not in the store, in the store
  and not in any response, or twice in either;
* ``max_occupied``: the most places held at once, replaying the store's feed in commit order
  (must not exceed ``capacity``).

Figures: wall time, throughput (requests/s), the CPU per request of the client and of the
server's processes (from /proc), and p50/p95/p99 latency in ms of commands and of reads
(goal: p95 under 50 ms for a command on SQLite). Taken on a shared, loaded machine; run
under ``flock /work/bench.lock``:

    flock /work/bench.lock python benchmarks/service_load.py [--clients 50] [--requests 200]
        [--workers 2] [--store sqlite|postgres|both] [--client raw|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
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

from _common import load_average  # noqa: E402

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


class _Answer:
    """A response as the load client reads it: status code, body, and the body as JSON."""

    __slots__ = ("body", "status_code")

    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.body = status_code, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


class _Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams (the lean client).

    httpx costs about 1.7 ms of CPU per request, as much as the server: on a 2-core machine
    the client then takes half the cores the server is measured on. This client sends the
    same requests and reads every response whole (status line, headers, ``Content-Length``
    body); anything else (no length, chunked, a closed connection) is an error.
    """

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> _Answer:
        if self.writer is None or self.reader is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        if method == "POST":
            data = json.dumps(body).encode()
            head = (f"POST {path} HTTP/1.1\r\n{self.head}Content-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\n\r\n")
        else:
            data = b""
            head = f"GET {path} HTTP/1.1\r\n{self.head}Langzeit-Purpose: {PURPOSE}\r\n\r\n"
        self.writer.write(head.encode() + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip()
                  for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if "content-length" not in fields:
            raise ConnectionError(f"a response without Content-Length: {lines[0]}")
        answer = _Answer(status, await self.reader.readexactly(int(fields["content-length"])))
        if fields.get("connection", "").lower() == "close":
            await self.close()
        return answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()
        self.reader = self.writer = None


class _HttpxConnection:
    """The same requests through httpx (``--client httpx``: the figures before the lean client)."""

    def __init__(self, url: str, token: str) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self.http = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120,
                                      limits=limits, verify=_TLS)

    async def request(self, method: str, path: str, body: Any = None) -> _Answer:
        if method == "POST":
            response = await self.http.post(path, json=body)
        else:
            response = await self.http.get(path, headers={"Langzeit-Purpose": PURPOSE})
        return _Answer(response.status_code, response.content)

    async def close(self) -> None:
        await self.http.aclose()


_TLS = ssl.create_default_context()  # one for every httpx client: it builds one per client otherwise (slow)


class _Client:
    """One simulated host: one connection, a budget of requests, its own participants."""

    def __init__(self, http: _Connection | _HttpxConnection, number: int, budget: int) -> None:
        self.http, self.number, self.left = http, number, budget
        self.commands: list[float] = []
        self.reads: list[float] = []
        self.events: list[str] = []
        self.errors: list[str] = []
        self.races = 0

    async def _send(self, method: str, path: str, body: Any = None) -> _Answer | None:
        if self.left <= 0:
            return None
        self.left -= 1
        start = time.perf_counter()
        try:
            response = await self.http.request(method, path, body)
        except (OSError, ValueError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
            self.errors.append(f"{method} {path}: {type(exc).__name__}")
            await self.http.close()
            return None
        (self.commands if method == "POST" else self.reads).append(time.perf_counter() - start)
        if response.status_code == 201:
            self.events += [e["event_id"] for e in response.json()["events"]]
        return response

    async def command(self, record: dict[str, Any]) -> _Answer | None:
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


async def _load(url: str, token: str, clients: int, requests: int, client: str = "raw",
                ) -> tuple[list[_Client], float]:
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    connections = [_Connection(host, port, token) if client == "raw" else _HttpxConnection(url, token)
                   for _ in range(clients)]
    runners = [_Client(c, i, requests) for i, c in enumerate(connections)]
    start = time.perf_counter()
    await asyncio.gather(*(r.run() for r in runners))
    wall = time.perf_counter() - start
    for c in connections:
        await c.close()
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


def _tree_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a process and its descendants so far, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, todo = 0.0, [pid]
    try:
        while todo:
            p = todo.pop()
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    except (OSError, IndexError, ValueError):
        return None
    return total


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def bench(kind: str, clients: int, requests: int, workers: int, client: str = "raw") -> dict[str, Any]:
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
        with serving(config, workers=workers) as (url, process):
            server_cpu, client_cpu = _tree_cpu(process.pid), _own_cpu()
            runners, wall = asyncio.run(_load(url, token, clients, requests, client))
            client_cpu = _own_cpu() - client_cpu
            after = _tree_cpu(process.pid)
            server_cpu = None if server_cpu is None or after is None else after - server_cpu
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
        "store": kind, "workers": workers, "client": client, "clients": clients,
        "requests_per_client": requests, "requests": sent, "wall_s": round(wall, 2),
        "throughput_per_s": round(sent / wall, 1),
        # CPU per request of the load client and of the server's processes (they share the cores)
        "client_cpu_ms_per_request": round(client_cpu / sent * 1000, 3),
        "server_cpu_ms_per_request": None if server_cpu is None else round(server_cpu / sent * 1000, 3),
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
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw",
                        help="raw asyncio streams (default, lean) or httpx (about 1.7 ms CPU per request)")
    args = parser.parse_args()
    kinds = ("sqlite", "postgres") if args.store == "both" else (args.store,)
    before = load_average()
    results = [bench(k, args.clients, args.requests, args.workers, args.client) for k in kinds]
    print(json.dumps({"benchmark": "service_load", "machine": "shared, loaded (2 cores, several sessions)",
                      "load_average_before": before, "load_average_after": load_average(),
                      "results": results}, indent=2))


if __name__ == "__main__":
    main()
