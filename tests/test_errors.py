"""Every error a caller can cause is in the LangzeitError tree (issue 14; STYLE.md § 5).

The source is scanned for ``raise`` of a bare builtin error; the few that remain are
programming errors of langzeit itself (a subclass contract, a registry filled twice, a
format table out of step with the event classes), listed here with the reason. Public
entry points of the layers that used to raise bare errors are called with bad input.
"""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from langzeit.exceptions import LangzeitError, UnknownNameError, ValidationError, WrongTypeError

SRC = Path(__file__).resolve().parents[1] / "src" / "langzeit"
BUILTINS = {"ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "RuntimeError",
            "AttributeError", "Exception"}  # AssertionError: unreachable-code markers, not a caller's

#: (file, function) -> why a bare builtin is right there: none of them is reachable with user input.
INTERNAL = {
    ("tabular.py", "columns"): "the Table subclass contract (a langzeit class lacks a method)",
    ("tabular.py", "rows"): "the Table subclass contract (a langzeit class lacks a method)",
    ("engine/_handlers.py", "register"): "a command class registered twice at import",
    ("events/_fields.py", "slot_constructor"): "the bulk decoder built for a class it cannot build",
    ("store/_csv.py", "_kinds"): "an event field type the CSV table does not know, at import",
    ("_toml_write.py", "_scalar"): "the TOML writer given a value langzeit's own writers never produce",
    ("simulation/_scenario_write.py", "_distribution"): "a distribution kind the writer misses",
    ("simulation/_scenario_write.py", "_referrals_dict"): "a referral process the writer misses",
    ("service/_app.py", "_json_default"): "json.dumps's default= hook: TypeError is its protocol",
}


def _bare_raises() -> list[tuple[str, str, int, str]]:
    """``(file, enclosing function, line, builtin)`` of every ``raise Builtin(...)`` in the source."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        stack: list[tuple[ast.AST, str]] = [(tree, "")]
        while stack:
            node, function = stack.pop()
            for child in ast.iter_child_nodes(node):
                name = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
                if isinstance(child, ast.Raise) and child.exc is not None:
                    exc = child.exc.func if isinstance(child.exc, ast.Call) else child.exc
                    if isinstance(exc, ast.Name) and exc.id in BUILTINS:
                        found.append((rel, name, child.lineno, exc.id))
                stack.append((child, name))
    return found


def test_no_bare_builtin_error_reaches_a_caller() -> None:
    """No ``raise ValueError/TypeError/KeyError/...`` outside the listed internal checks."""
    bare = [f"{rel}:{line} {builtin} in {function}()" for rel, function, line, builtin in _bare_raises()
            if (rel, function) not in INTERNAL
            and (function, builtin) != ("__getattr__", "AttributeError")]  # the attribute protocol
    assert bare == []


def test_the_internal_list_names_only_existing_raises() -> None:
    """Every entry of the internal list still names a bare raise (the list does not rot)."""
    present = {(rel, function) for rel, function, _, _ in _bare_raises()}
    assert set(INTERNAL) <= present


def test_network_record_errors_are_validation_errors() -> None:
    """A tie of strength 4 raises ValidationError, which is also a ValueError."""
    from langzeit.network import Tie

    with pytest.raises(ValidationError, match="strength") as caught:
        Tie("t1", "p1", "o1", kind="personal", strength=4, since=date(2024, 1, 1))
    assert isinstance(caught.value, ValueError)


def test_indicator_argument_errors_are_validation_errors() -> None:
    """A Wilson interval with more successes than trials raises ValidationError (a ValueError)."""
    from langzeit.indicators import wilson_interval

    with pytest.raises(ValidationError, match="successes must lie between 0 and trials"):
        wilson_interval(5, 3)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(-1, 3)


def test_bad_enumeration_values_are_validation_errors() -> None:
    """An unknown exit reason in an event raises ValidationError naming the allowed values."""
    from langzeit.events import Exited

    with pytest.raises(ValidationError, match="'foo' is not a valid ExitReason; use one of: completed"):
        Exited("e1", "p1", date(2024, 1, 8), reason="foo", outcome="none")


def test_unknown_keys_are_unknown_name_errors_and_key_errors() -> None:
    """An unknown coach in the caseload table raises UnknownNameError, also a KeyError."""
    from langzeit.domain import Phase, Programme, Transition
    from langzeit.engine import PathwayEngine

    programme = Programme("d", "D", phases=[Phase("a"), Phase("z", terminal=True)],
                          transitions=[Transition("a", "z")])
    table = PathwayEngine(programme).caseload()
    with pytest.raises(UnknownNameError) as caught:
        table.of("nobody")
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, LangzeitError)
    assert str(caught.value) == "unknown coach or tandem 'nobody'"


def test_wrong_types_are_wrong_type_errors_and_type_errors() -> None:
    """A tandem built from strings raises WrongTypeError: a ValidationError and a TypeError."""
    from langzeit.domain import Tandem

    with pytest.raises(WrongTypeError) as caught:
        Tandem("t1", "not a list of coaches")  # type: ignore[arg-type]
    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, ValidationError)
