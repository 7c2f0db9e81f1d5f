"""A throwaway PostgreSQL server for the tests and benchmarks, from the system's binaries.

``start()`` runs ``initdb`` and ``pg_ctl`` into a new temporary folder and serves on a
free loopback port (and a Unix socket in that folder); when the tests run as root the
server runs as the unprivileged user ``nobody`` (the folder is handed to it).
``LANGZEIT_POSTGRES_DSN`` names an existing server instead. Without binaries,
:func:`unavailable` says why and how to get them.

Imports by its plain name from ``tests/`` (like ``strategies``)::

    from pg_server import PostgresServer
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["HOW_TO_ENABLE", "PostgresServer", "find_binaries", "unavailable"]

HOW_TO_ENABLE = (
    "install the server binaries (Debian/Ubuntu: `apt-get install -y postgresql`; the tests look in "
    "/usr/lib/postgresql/*/bin and on PATH) and `pip install 'langzeit[postgres]'`, "
    "or point LANGZEIT_POSTGRES_DSN at a server whose user may create schemas"
)


def find_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``, newest version first; None if there is none."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]),
                        reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here (None: they can)."""
    try:
        import psycopg  # noqa: F401
        import psycopg_pool  # noqa: F401
    except ImportError:
        return "psycopg / psycopg_pool are not installed"
    if os.environ.get("LANGZEIT_POSTGRES_DSN"):
        return None
    if find_binaries() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl) found"
    return None


def _free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One server in a temporary folder; :meth:`stop` shuts it down and removes the folder.

    Args:
        durable: keep PostgreSQL's defaults (fsync on every commit); False turns fsync
            off, which the tests use (a killed client needs no fsync) for speed.
    """

    def __init__(self, *, durable: bool = False) -> None:
        self.external = os.environ.get("LANGZEIT_POSTGRES_DSN")
        self.folder: Path | None = None
        self.dsn = self.external or ""
        if self.external:
            return
        binaries = find_binaries()
        if binaries is None:
            raise RuntimeError(f"cannot start PostgreSQL: {HOW_TO_ENABLE}")
        self.bin = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="langzeit-pg-"))
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.folder, self.user)
        data = self.folder / "data"
        port = _free_port()
        self._run([self.bin / "initdb", "-D", data, "-U", "langzeit", "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions"])
        options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=100"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off"
        self._run([self.bin / "pg_ctl", "-D", data, "-o", options, "-l", self.folder / "log",
                   "-w", "-t", "60", "start"])
        self.dsn = f"host=127.0.0.1 port={port} user=langzeit dbname=postgres"

    def _run(self, argv: list[object]) -> None:
        command = [str(a) for a in argv]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder, check=False)
        if done.returncode != 0:
            log = self.folder / "log" if self.folder else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}{tail}")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder; nothing for an external server."""
        if self.folder is None:
            return
        with contextlib.suppress(RuntimeError):
            self._run([self.bin / "pg_ctl", "-D", self.folder / "data", "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
