"""The figure script of the plots guide runs and draws every figure the guide shows."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "scripts" / "make_figures.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_figures", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_make_figures_writes_every_png(tmp_path: Path) -> None:
    """``make_figures.py --out DIR`` writes one non-empty PNG per figure it lists."""
    pytest.importorskip("matplotlib")
    module = _script()
    assert module.main(["--out", str(tmp_path), "--dpi", "30"]) == 0
    written = sorted(p.stem for p in tmp_path.glob("*.png"))
    assert written == sorted(module.FIGURES)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in tmp_path.glob("*.png"))


def test_guide_shows_the_committed_figures_of_the_script() -> None:
    """Every image of the plots guide is one the script makes, and it is committed under docs/img."""
    guide = (ROOT / "docs" / "guides" / "plots.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\(\.\./img/([a-z-]+)\.png\)", guide)
    assert sorted(shown) == sorted(_script().FIGURES)
    assert all((ROOT / "docs" / "img" / f"{name}.png").exists() for name in shown)
