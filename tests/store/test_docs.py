"""The reference pages list every public name of store, events and domain."""

import importlib
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"


@pytest.mark.parametrize("package", ["store", "events", "domain"])
def test_reference_page_names_every_public_name(package: str) -> None:
    """docs/reference/<package>.md mentions each name of __all__ in backticks."""
    text = (DOCS / "reference" / f"{package}.md").read_text(encoding="utf-8")
    names = importlib.import_module(f"langzeit.{package}").__all__
    missing = [n for n in names if f"`{n}`" not in text]
    assert not missing
