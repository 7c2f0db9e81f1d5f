"""Programmes layer: the shipped programme models of the seeds, loadable by name or from TOML."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from langzeit.domain import Programme
from langzeit.exceptions import UnknownNameError

__all__ = ["list_programmes", "load_programme", "programme_source"]

_PACKAGE = "langzeit.programmes"


def _data() -> resources.abc.Traversable:
    return resources.files(_PACKAGE) / "data"


def list_programmes() -> tuple[str, ...]:
    """Names of the shipped programme models, sorted.

    Returns:
        The names :func:`load_programme` accepts.

    Examples:
        >>> "geh-vor" in list_programmes()
        True
    """
    return tuple(sorted(p.name.removesuffix(".toml") for p in _data().iterdir()
                        if p.name.endswith(".toml")))


def programme_source(name: str) -> str:
    """The TOML text of a shipped programme model (a start for your own).

    Args:
        name: a name from :func:`list_programmes`.

    Returns:
        The file's text.

    Raises:
        UnknownNameError: no shipped programme has this name.

    Examples:
        >>> programme_source("fallmanagement").splitlines()[0]
        "# Gesundheitsorientiertes Fallmanagement: a jobcenter's Fallmanagement team, caseload 1:60."
    """
    if name not in list_programmes():
        raise UnknownNameError("programme", name, list_programmes())
    return (_data() / f"{name}.toml").read_text(encoding="utf-8")


@functools.cache
def _builtin(name: str) -> Programme:
    with resources.as_file(_data() / f"{name}.toml") as path:
        return Programme.from_toml(path)


def load_programme(name_or_path: str | Path) -> Programme:
    """A programme model: a shipped one by name, or one read from a TOML file.

    A value that names an existing file, or ends in ``.toml``, is read as a file
    (see :meth:`langzeit.domain.Programme.from_toml`); anything else is looked up
    among the shipped models (:func:`list_programmes`).

    Args:
        name_or_path: e.g. ``"geh-vor"`` or ``"models/my-programme.toml"``.

    Returns:
        The validated programme.

    Raises:
        UnknownNameError: no shipped programme has this name.
        ValidationError: the file is not a valid programme model (every problem listed).
        FileNotFoundError: a ``.toml`` path that does not exist.

    Examples:
        >>> prog = load_programme("geh-vor")
        >>> prog.capacity.total, prog.phase("coaching").requires_assessment
        (32, True)
        >>> load_programme("nope")
        Traceback (most recent call last):
        ...
        langzeit.exceptions.UnknownNameError: unknown programme 'nope'; known: aktivoreha, ...
    """
    if isinstance(name_or_path, Path) or str(name_or_path).endswith(".toml") or Path(
            str(name_or_path)).is_file():
        return Programme.from_toml(name_or_path)
    name = str(name_or_path)
    if name not in list_programmes():
        raise UnknownNameError("programme", name, list_programmes())
    return _builtin(name)
