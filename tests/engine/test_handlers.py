"""The command handlers: one registered per command type, in one place."""

import inspect
from datetime import date

import attrs
import pytest

import langzeit.engine as engine_api
from langzeit.engine import Command, PathwayEngine, Refer
from langzeit.engine._handlers import HANDLERS, handles
from langzeit.exceptions import ValidationError

COMMANDS = [obj for name in engine_api.__all__
            if inspect.isclass(obj := getattr(engine_api, name)) and issubclass(obj, Command)
            and obj is not Command]


def test_every_command_has_exactly_its_own_handler() -> None:
    """Each exported command class is registered, and nothing else is."""
    assert set(HANDLERS) == set(COMMANDS)


def test_a_second_handler_for_a_command_is_refused() -> None:
    """Registering a handler twice for one command type raises instead of replacing it."""
    with pytest.raises(TypeError, match="Refer has a handler already"):
        handles(Refer)(lambda engine, cmd, b, fail: [])
    assert HANDLERS[Refer][0].__name__ == "_refer"


def test_every_command_has_a_convenience_method_on_the_engine() -> None:
    """Each command's verb has a method on the engine that builds and executes it."""
    sources = {name: inspect.getsource(member) for name, member in vars(PathwayEngine).items()
               if inspect.isfunction(member) and not name.startswith("_")}
    missing = [c.__name__ for c in COMMANDS
               if not any(f"self.execute(commands.{c.__name__}(" in src for src in sources.values())]
    assert not missing


def test_an_unknown_command_type_is_a_validation_error(engine: PathwayEngine) -> None:
    """A Command subclass without a handler is refused as not an engine command (a LangzeitError)."""

    @attrs.frozen
    class Shout(Command):
        pass

    with pytest.raises(ValidationError, match="not an engine command"):
        engine.check(Shout("p1", date(2024, 1, 1)))
