"""Test support: a real ``langzeit serve`` (uvicorn) on 127.0.0.1 and a free port.

``running`` starts the CLI in a subprocess with a configuration in a temporary folder:
the SQLite store, two programmes (PaN and Geh vor!) and one token per role (a
caseworker of PaN, a caseworker of Geh vor!, an analyst, an administrator). The
tokens are made by the library's own helper; the configuration holds only digests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import attrs
import httpx

from langzeit.service import hash_token, new_token

#: One TLS context for every client: plain HTTP needs none, but httpx builds one per client (slow).
_TLS = ssl.create_default_context()
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@attrs.define
class Server:
    """A running service: its base URL, the tokens by role and the folder of its files."""

    url: str
    tokens: dict[str, str]
    folder: Path
    process: subprocess.Popen[bytes]

    def client(self, who: str | None, purpose: str | None = None) -> httpx.Client:
        """An HTTP client sending ``who``'s token (None: no token) and a purpose header."""
        headers = {}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        if purpose is not None:
            headers["Langzeit-Purpose"] = urllib.parse.quote(purpose)  # a header is ASCII
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=_TLS)


TOKEN_TABLES = {
    "caseworker": ("caseworker", ["pan"]),
    "other_caseworker": ("caseworker", ["geh-vor"]),
    "analyst": ("analyst", []),
    "administrator": ("administrator", []),
}


#: The provider of PaN's coach: an assignment to ``coach-1`` or ``tandem-1`` needs consent with it.
ORGANISATIONS = ["[[organisations]]", 'id = "traeger"', 'name = "Träger Nord gGmbH"', 'kind = "provider"']
#: PaN's staff: the jobcenter's ``ifk-1`` (pap), the provider's ``coach-1``, and ``tandem-1`` of both.
PAN_STAFF = ["[[programmes.coaches]]", 'id = "ifk-1"', 'role = "pap"', 'organisation = "jc-ploen"',
             "caseload = 60",
             "[[programmes.coaches]]", 'id = "coach-1"', 'role = "provider_coach"',
             'organisation = "traeger"',
             "[[programmes.tandems]]", 'id = "tandem-1"', 'coaches = ["ifk-1", "coach-1"]']


def write_config(folder: Path, store: str, *, extra: str = "") -> dict[str, str]:
    """Write ``serve.toml`` in ``folder`` with ``store`` as its [store] table; returns token by role."""
    tokens = {who: new_token() for who in TOKEN_TABLES}
    lines = [store, extra, *ORGANISATIONS, "[confidentiality]", "min_n = 3",
             "[[programmes]]", 'id = "pan"', *PAN_STAFF, "[[programmes]]", 'id = "geh-vor"']
    for who, (role, programmes) in TOKEN_TABLES.items():
        lines += ["[[tokens]]", f'name = "{who.replace("_", "-")}"', f'role = "{role}"',
                  f"programmes = {programmes!r}".replace("'", '"'),
                  f'sha256 = "{hash_token(tokens[who]).removeprefix("sha256:")}"']
    (folder / "serve.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tokens


@contextlib.contextmanager
def serving(config: Path, *, workers: int = 1) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start ``langzeit serve config`` on a free port and wait for /ready; stop it afterwards.

    Yields the URL and the process; the output goes to ``server.log`` beside ``config``.
    ``benchmarks/service_load.py`` runs its server with this too.
    """
    folder = config.parent
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    log = (folder / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "langzeit.cli", "serve", str(config), "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"langzeit serve ended: {(folder / 'server.log').read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("langzeit serve did not become ready in 60 s")
            time.sleep(0.1)
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextlib.contextmanager
def running(folder: Path, tokens: dict[str, str], *, workers: int = 1) -> Iterator[Server]:
    """Start ``langzeit serve`` on ``folder/serve.toml`` (see :func:`serving`) as a :class:`Server`."""
    with serving(folder / "serve.toml", workers=workers) as (url, process):
        yield Server(url, tokens, folder, process)
