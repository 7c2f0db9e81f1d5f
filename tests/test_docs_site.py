"""The documentation site builds with ``mkdocs build --strict``: all pages in the nav, no broken link."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    """``mkdocs build --strict`` succeeds (warnings from griffe, links or the nav fail it)."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    assert proc.returncode == 0, "\n".join(warnings) or proc.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "api" / "indicators" / "index.html").exists()


def test_every_package_has_a_generated_api_page() -> None:
    """Each public package has ``docs/reference/api/<package>.md`` with its ``:::`` directive."""
    packages = sorted(
        p.name for p in (ROOT / "src" / "langzeit").iterdir()
        if p.is_dir() and not p.name.startswith("_") and (p / "__init__.py").exists() and p.name != "cli"
    )
    pages = ROOT / "docs" / "reference" / "api"
    missing = [
        p for p in packages
        if not (pages / f"{p}.md").exists()
        or f"::: langzeit.{p}" not in (pages / f"{p}.md").read_text(encoding="utf-8")
    ]
    assert not missing, f"no generated API page for {missing}"
