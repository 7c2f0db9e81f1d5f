"""langzeit serve's worker app: the library's app, with the objects alive after startup frozen."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

import pytest

from langzeit.cli._cmd_serve import worker_app
from langzeit.service import CONFIG_VARIABLE


async def _lifespan(app: Any) -> tuple[list[str], int]:
    """Run the startup and shutdown as a server does; the messages sent, the freeze count at startup."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    sent: list[str] = []
    frozen_at_startup = -1

    async def send(message: Any) -> None:
        nonlocal frozen_at_startup
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete":
            frozen_at_startup = gc.get_freeze_count()
            await inbox.put({"type": "lifespan.shutdown"})

    await inbox.put({"type": "lifespan.startup"})
    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, send)
    return sent, frozen_at_startup


def test_the_worker_app_freezes_the_objects_alive_after_startup(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Once the service is open, gc.freeze() has moved what is alive out of the collector's rounds."""
    config = tmp_path / "serve.toml"
    config.write_text('[store]\nsqlite = "e.sqlite"\n[[programmes]]\nid = "pan"\n', encoding="utf-8")
    monkeypatch.setenv(CONFIG_VARIABLE, str(config))
    gc.unfreeze()
    try:
        sent, frozen = asyncio.run(_lifespan(worker_app()))
    finally:
        gc.unfreeze()  # leave the test process as it was
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert frozen > 1000  # modules, the programme, the open service
    assert (tmp_path / "e.sqlite").exists()  # the service was opened (and closed) by the lifespan
