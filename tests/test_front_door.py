"""The front door: ``import langzeit`` offers the newcomer's entry points, imported on first use."""

import subprocess
import sys

import pytest

import langzeit


def test_every_entry_point_is_its_package_object() -> None:
    """Each front-door name is the very object its package exports (no second copy)."""
    import importlib

    for name, module in langzeit._ENTRY_POINTS.items():
        package = importlib.import_module(module)
        assert name in package.__all__, f"{module} does not export {name}"
        assert getattr(langzeit, name) is getattr(package, name)
        assert name in langzeit.__all__
        assert name in dir(langzeit)


def test_unknown_name_is_an_attribute_error() -> None:
    """A name that is not an entry point raises ``AttributeError`` naming it."""
    with pytest.raises(AttributeError, match="no_such_thing"):
        langzeit.no_such_thing  # noqa: B018


@pytest.mark.slow
def test_import_langzeit_loads_no_package() -> None:
    """``import langzeit`` imports only the exceptions: no engine, numpy or networkx yet."""
    code = ("import sys, langzeit; print(sorted(m for m in sys.modules "
            "if m.startswith(('langzeit.', 'numpy', 'networkx'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['langzeit.exceptions']"
