"""The public API: every exported name exists, is documented and has an example (STYLE.md § 2)."""

import importlib
import inspect
import pkgutil

import pytest

import langzeit

PACKAGES = ["langzeit", "langzeit.exceptions", "langzeit.tabular", "langzeit.privacy"] + [
    f"langzeit.{m.name}"
    for m in pkgutil.iter_modules(langzeit.__path__)
    if not m.name.startswith("_")
]


def _public(module_name: str) -> list[tuple[str, object]]:
    module = importlib.import_module(module_name)
    return [(n, getattr(module, n)) for n in getattr(module, "__all__", [])]


@pytest.mark.parametrize("module_name", PACKAGES)
def test_package_declares_all(module_name: str) -> None:
    """Every public package lists its API in ``__all__``."""
    module = importlib.import_module(module_name)
    assert hasattr(module, "__all__"), f"{module_name} has no __all__"
    assert module.__doc__, f"{module_name} has no docstring"


@pytest.mark.parametrize("module_name", PACKAGES)
def test_every_exported_name_exists(module_name: str) -> None:
    """Names in ``__all__`` are importable from the package."""
    module = importlib.import_module(module_name)
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing


@pytest.mark.parametrize("module_name", PACKAGES)
def test_every_public_class_and_function_has_an_example(module_name: str) -> None:
    """Public classes and functions have a docstring with a runnable ``>>>`` example."""
    lacking = [
        name
        for name, obj in _public(module_name)
        if (inspect.isclass(obj) or inspect.isfunction(obj))
        and ">>>" not in (inspect.getdoc(obj) or "")
    ]
    assert not lacking, f"{module_name}: no example in {lacking}"


#: Private helpers shared across layers (DESIGN.md): they import nothing of langzeit but exceptions.
_CROSS_CUTTING = {
    "exceptions", "tabular", "_gc", "_calendar", "_toml", "_spreadsheet", "_ids", "_arrays", "privacy",
    "_executor", "_toml_write", "_memory",
    "_checks", "_deprecation",
}


def test_package_layers_do_not_import_upwards() -> None:
    """Imports follow DESIGN.md's dependency column: no package imports a higher layer."""
    import ast
    from pathlib import Path

    allowed = {
        "domain": set(),
        "events": {"domain"},
        "engine": {"domain", "events", "programmes"},
        "programmes": {"domain"},
        "store": {"events", "domain"},
        "spells": set(),
        "indicators": {"domain", "events", "spells"},
        "network": {"domain", "events"},
        "simulation": {"domain", "events", "engine", "programmes", "indicators"},
        "evaluation": {"domain", "events", "spells", "indicators"},
        "report": {"indicators", "domain", "events", "spells", "network", "simulation", "evaluation"},
        "service": {"domain", "events", "engine", "programmes", "store", "spells", "indicators", "network",
                    "simulation", "evaluation", "report"},
    }
    root = Path(langzeit.__file__).parent
    bad = []
    for package, ok in allowed.items():
        for path in (root / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module == "langzeit":
                    names = [f"langzeit.{a.name}" for a in node.names  # from langzeit import events as ev
                             if (root / a.name).is_dir() or (root / f"{a.name}.py").is_file()]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                for name in names:
                    parts = name.split(".")
                    if parts[0] == "langzeit" and len(parts) > 1:
                        target = parts[1]
                        if target not in ok | {package, *_CROSS_CUTTING}:
                            bad.append(f"{path.relative_to(root)} imports langzeit.{target}")
    assert not bad, bad


def _import_graph() -> dict[str, set[str]]:
    """Module -> the langzeit modules it imports, anywhere in the file (also lazy and TYPE_CHECKING ones)."""
    import ast
    from pathlib import Path

    root = Path(langzeit.__file__).parent
    paths = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        paths[".".join(parts)] = path
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "langzeit":
                targets = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                while target not in paths and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in paths and target != name:
                    graph[name].add(target)
    return graph


def test_import_graph_has_no_circle() -> None:
    """No module imports, directly or through others, a module that imports it back."""
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, targets in _import_graph().items() for b in targets])
    assert not sorted(sorted(c) for c in nx.simple_cycles(graph))


def test_import_graph_sees_lazy_and_type_checking_imports() -> None:
    """The circle check reads imports inside functions and ``if TYPE_CHECKING`` blocks too."""
    graph = _import_graph()
    assert "langzeit.engine" in graph["langzeit"]  # only under TYPE_CHECKING (the front door is lazy)
    assert "langzeit._calendar" in graph["langzeit.domain._duration"]
