"""Domain layer: programmes and their phase models (DOMAIN.md § 4)."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs
import networkx as nx
from dateutil.relativedelta import relativedelta

from langzeit import _checks
from langzeit._ids import compare_by_id
from langzeit._toml import TableReader, read_toml
from langzeit.domain._duration import format_duration, is_negative, parse_duration
from langzeit.domain._eligibility import ELIGIBILITY_INSTRUMENTS
from langzeit.exceptions import Problem, RowProblem, ValidationError, WrongTypeError

__all__ = [
    "BUILTIN_GUARDS",
    "Capacity",
    "ExtensionRule",
    "Phase",
    "Programme",
    "Transition",
]

#: Guards the engine evaluates on every transition whether named or not, and guards
#: that may be named on a transition (DOMAIN.md § 4). User guards are any other name.
BUILTIN_GUARDS = frozenset(
    {"edge", "admitted", "consent", "assessed", "max_duration", "capacity", "agreement"}
)


def _opt_duration(value: object) -> relativedelta | None:
    return None if value is None else parse_duration(value)


def _opt_code(value: object) -> str | None:
    return None if value is None else str(value).strip().lower()


def _unknown_instrument(code: str) -> str:
    return (f"unknown instrument code {code!r}: one of {', '.join(ELIGIBILITY_INSTRUMENTS)} "
            f"(the instruments with target-group rules)")


def _str_tuple(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Iterable):
        raise WrongTypeError(f"expected a list of names, got {value!r}")
    return tuple(str(v) for v in value)


@attrs.frozen
class Phase:
    """A phase of a programme (Phase, Modul, Zyklus).

    Args:
        id: the phase's id within its programme.
        name: display name.
        planned_duration: planned stay in the phase (``None`` for open-ended phases).
        max_duration: maximum stay before an extension is needed.
        terminal: an exit phase: no outgoing transitions.
        places: places in this phase (``None``: only the programme's capacity counts).
        requires_assessment: entering needs a completed assessment (Potenzialanalyse).
        data_exchange_with: organisations this phase exchanges data with; entering needs
            the participant's consent for each (§§ 67 ff. SGB X).

    Examples:
        >>> Phase("coaching", planned_duration="6 months").planned_duration
        relativedelta(months=+6)
    """

    id: str
    name: str = attrs.field(default=attrs.Factory(lambda self: self.id, takes_self=True))
    planned_duration: relativedelta | None = attrs.field(default=None, converter=_opt_duration)
    max_duration: relativedelta | None = attrs.field(default=None, converter=_opt_duration)
    terminal: bool = False
    places: int | None = None
    requires_assessment: bool = False
    data_exchange_with: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)


@attrs.frozen
class Transition:
    """A permitted move between two phases, with the guards named on it.

    Args:
        source: the phase left.
        target: the phase entered.
        guards: names of guards checked on this transition, built-in
            (see :data:`BUILTIN_GUARDS`) or user guards registered with the engine.

    Examples:
        >>> Transition("profiling", "phase-2", guards=["assessed"]).guards
        ('assessed',)
    """

    source: str
    target: str
    guards: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)


@attrs.frozen
class ExtensionRule:
    """How often and by how much a stay may be extended (Verlängerung).

    Args:
        max_extensions: how many extensions are allowed.
        length: how much each extension adds to the maximum stay.

    Examples:
        >>> ExtensionRule(max_extensions=2, length="6 months").length
        relativedelta(months=+6)
    """

    max_extensions: int = attrs.field(validator=_checks.ge(0))
    length: relativedelta = attrs.field(converter=parse_duration)


@attrs.frozen
class Capacity:
    """A programme's capacity: fixed places, or coaches × caseload.

    Args:
        places: fixed number of places.
        coaches: number of full-time coach positions.
        caseload: cases per full-time coach (Betreuungsschlüssel, e.g. 12 for 1:12).

    Examples:
        >>> Capacity(places=32).total
        32
        >>> Capacity(coaches=3, caseload=12).total
        36
        >>> Capacity().total is None
        True
    """

    places: int | None = None
    coaches: int | None = None
    caseload: int | None = None

    @property
    def total(self) -> int | None:
        """Places in the programme, or None when unlimited."""
        if self.places is not None:
            return self.places
        if self.coaches is not None and self.caseload is not None:
            return self.coaches * self.caseload
        return None


_PROGRAMME_KEYS = frozenset({
    "id", "name", "entry", "planned_duration", "max_duration", "voluntary", "aftercare",
    "description", "capacity", "extension", "phases", "transitions", "instrument",
})
_PHASE_KEYS = frozenset({
    "id", "name", "planned_duration", "max_duration", "terminal", "places", "requires_assessment",
    "data_exchange_with",
})


def _read_phase(t: TableReader) -> Phase | None:
    """A phase from its table, or None with its problems in ``t.problems``."""
    kwargs: dict[str, Any] = {"id": t.text("id", required=True), "name": t.text("name"),
                              "terminal": t.flag("terminal"),
                              "requires_assessment": t.flag("requires_assessment"),
                              "places": t.integer("places")}
    for key in ("planned_duration", "max_duration"):
        kwargs[key] = t.value(key, parse_duration)
    if "data_exchange_with" in t:
        kwargs["data_exchange_with"] = t.value("data_exchange_with", _str_tuple)
    return t.build_checked(Phase, **{k: v for k, v in kwargs.items() if v is not None})


def _to_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise WrongTypeError(f"expected a sequence, got {value!r}")
    return tuple(value)


@compare_by_id
@attrs.frozen(eq=False)
class Programme:
    """A programme (Modellvorhaben, Projekt) with its phase model.

    The phase model is a directed graph with one entry phase and terminal exit
    phases. A programme that exists is valid: construction lists **every**
    problem of the model in one :class:`~langzeit.exceptions.ValidationError`.

    Args:
        id: stable id, e.g. ``"geh-vor"``.
        name: display name.
        phases: the phases; the first is the entry unless ``entry`` is given.
        transitions: permitted moves between phases.
        entry: id of the entry phase.
        planned_duration: planned stay in the programme as a whole.
        max_duration: maximum stay before an extension is needed.
        extension: extension rule (``None``: no extensions).
        capacity: places or coaches × caseload.
        voluntary: participation needs the participant's agreement.
        aftercare: length of aftercare after taking up work (Nachbetreuung), if offered.
        description: free text, e.g. the seed it comes from.
        instrument: the SGB II instrument the programme is financed under, one of
            :data:`~langzeit.domain.ELIGIBILITY_INSTRUMENTS` (``"16e"``, ``"16i"``, ``"16k"``);
            the engine then checks its target-group rules at admission
            (:func:`~langzeit.domain.eligibility`). None: no statutory target group.

    Raises:
        ValidationError: with every problem of the model.

    Examples:
        >>> prog = Programme(
        ...     "mini", "Mini",
        ...     phases=[Phase("intake"), Phase("coaching", planned_duration=6),
        ...             Phase("exit", terminal=True)],
        ...     transitions=[Transition("intake", "coaching"), Transition("coaching", "exit")],
        ...     capacity=Capacity(places=12),
        ... )
        >>> prog.entry, prog.terminal_phases, prog.successors("intake")
        ('intake', ('exit',), ('coaching',))
        >>> attrs.evolve(prog, instrument="16I").instrument
        '16i'
        >>> Programme("bad", "Bad", phases=[Phase("a"), Phase("b", terminal=True)],
        ...           transitions=[])
        Traceback (most recent call last):
        ...
        langzeit.exceptions.ValidationError: invalid phase model of programme 'bad' (2 problems)
          - phase 'a': not terminal but has no outgoing transition
          - phase 'b': unreachable from the entry phase 'a'
    """

    id: str
    name: str
    phases: tuple[Phase, ...] = attrs.field(converter=_to_tuple)
    transitions: tuple[Transition, ...] = attrs.field(converter=_to_tuple)
    entry: str = attrs.field(
        default=attrs.Factory(lambda self: self.phases[0].id if self.phases else "", takes_self=True)
    )
    planned_duration: relativedelta | None = attrs.field(default=None, converter=_opt_duration)
    max_duration: relativedelta | None = attrs.field(default=None, converter=_opt_duration)
    extension: ExtensionRule | None = None
    capacity: Capacity = attrs.field(factory=Capacity)
    voluntary: bool = True
    aftercare: relativedelta | None = attrs.field(default=None, converter=_opt_duration)
    description: str = ""
    instrument: str | None = attrs.field(default=None, converter=_opt_code)

    def __attrs_post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValidationError(f"invalid phase model of programme {self.id!r}", problems)

    def _problems(self) -> Iterable[Problem]:
        ids = [p.id for p in self.phases]
        known = set(ids)
        if not self.id:
            yield Problem("programme", "id is empty")
        if self.instrument is not None and self.instrument not in ELIGIBILITY_INSTRUMENTS:
            yield Problem("programme.instrument", _unknown_instrument(self.instrument))
        if not self.phases:
            yield Problem("phases", "a programme needs at least one phase")
            return
        for pid in sorted({i for i in ids if ids.count(i) > 1}):
            yield Problem(f"phase {pid!r}", "defined more than once")
        if self.entry not in known:
            yield Problem("entry", f"entry phase {self.entry!r} is not a phase")
        for name, value in (("planned_duration", self.planned_duration),
                            ("max_duration", self.max_duration),
                            ("aftercare", self.aftercare)):
            if value is not None and is_negative(value):
                yield Problem(f"programme.{name}", f"negative duration {format_duration(value)}")
        yield from _duration_order("programme", self.planned_duration, self.max_duration)
        if self.extension and self.extension.max_extensions and is_negative(self.extension.length):
            yield Problem("extension.length", "negative duration")
        cap = self.capacity
        for name, number in (("places", cap.places), ("coaches", cap.coaches),
                             ("caseload", cap.caseload)):
            if number is not None and number <= 0:
                yield Problem(f"capacity.{name}", f"must be positive, got {number}")
        if (cap.coaches is None) != (cap.caseload is None) and cap.places is None:
            yield Problem("capacity", "coaches and caseload must be given together")
        for phase in self.phases:
            where = f"phase {phase.id!r}"
            for name, value in (("planned_duration", phase.planned_duration),
                                ("max_duration", phase.max_duration)):
                if value is not None and is_negative(value):
                    yield Problem(where, f"negative {name} {format_duration(value)}")
            yield from _duration_order(where, phase.planned_duration, phase.max_duration)
            if phase.places is not None and phase.places <= 0:
                yield Problem(where, f"places must be positive, got {phase.places}")
        seen_edges: set[tuple[str, str]] = set()
        for t in self.transitions:
            where = f"transition {t.source} -> {t.target}"
            for end in (t.source, t.target):
                if end not in known:
                    yield Problem(where, f"unknown phase {end!r}")
            if (t.source, t.target) in seen_edges:
                yield Problem(where, "defined more than once")
            seen_edges.add((t.source, t.target))
        graph = self.graph
        terminal = {p.id for p in self.phases if p.terminal}
        if not terminal:
            yield Problem("phases", "no terminal (exit) phase")
        for phase in self.phases:
            where = f"phase {phase.id!r}"
            out = list(graph.successors(phase.id)) if phase.id in graph else []
            if phase.terminal and out:
                yield Problem(where, f"terminal but has outgoing transitions to {sorted(out)}")
            if not phase.terminal and not out:
                yield Problem(where, "not terminal but has no outgoing transition")
        if self.entry in known:
            reachable = nx.descendants(graph, self.entry) | {self.entry}
            for phase in self.phases:
                if phase.id not in reachable:
                    yield Problem(f"phase {phase.id!r}",
                                  f"unreachable from the entry phase {self.entry!r}")
            for phase in self.phases:
                if phase.id in reachable and not phase.terminal and terminal and not (
                    nx.descendants(graph, phase.id) & terminal
                ) and list(graph.successors(phase.id)):
                    yield Problem(f"phase {phase.id!r}", "no path to a terminal phase")

    @functools.cached_property
    def graph(self) -> nx.DiGraph:
        """The phase model as a networkx DiGraph (nodes carry ``phase``, edges ``guards``)."""
        g = nx.DiGraph()
        for p in self.phases:
            g.add_node(p.id, phase=p)
        for t in self.transitions:
            g.add_edge(t.source, t.target, guards=t.guards)
        return g

    @functools.cached_property
    def _by_id(self) -> dict[str, Phase]:
        return {p.id: p for p in self.phases}

    def phase(self, phase_id: str) -> Phase:
        """The phase with this id.

        Raises:
            UnknownNameError: if there is no such phase.
        """
        try:
            return self._by_id[phase_id]
        except KeyError:
            from langzeit.exceptions import UnknownNameError

            raise UnknownNameError("phase", phase_id, self._by_id) from None

    def transition(self, source: str, target: str) -> Transition | None:
        """The transition from ``source`` to ``target``, or None if the model has none."""
        for t in self.transitions:
            if t.source == source and t.target == target:
                return t
        return None

    def successors(self, phase_id: str) -> tuple[str, ...]:
        """Phases reachable in one step from ``phase_id``, in definition order."""
        return tuple(t.target for t in self.transitions if t.source == phase_id)

    @property
    def terminal_phases(self) -> tuple[str, ...]:
        """Ids of the exit phases, in definition order."""
        return tuple(p.id for p in self.phases if p.terminal)

    @property
    def guard_names(self) -> frozenset[str]:
        """Every guard name used on a transition."""
        return frozenset(g for t in self.transitions for g in t.guards)

    # -- construction from data ------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, location: str = "programme") -> Programme:
        """Build a programme from a TOML/JSON table, listing every problem.

        The table has ``id``, ``name``, optional ``entry``, ``planned_duration``,
        ``max_duration``, ``voluntary``, ``aftercare``, ``description``, ``instrument``,
        ``[capacity]``, ``[extension]``, ``[[phases]]`` and ``[[transitions]]``
        (``from``, ``to``, ``guards``).

        Args:
            data: the table.
            location: prefix for problem locations (e.g. the file name).

        Returns:
            The validated programme.

        Raises:
            ValidationError: with every problem found.

        Examples:
            >>> Programme.from_dict({
            ...     "id": "p", "name": "P",
            ...     "phases": [{"id": "a"}, {"id": "z", "terminal": True}],
            ...     "transitions": [{"from": "a", "to": "z"}],
            ...     "capacity": {"coaches": 2, "caseload": 12},
            ... }).capacity.total
            24
        """
        if not isinstance(data, Mapping):
            raise ValidationError(f"invalid programme at {location}",
                                  [Problem(location, f"expected a table, got {data!r}")])
        r = TableReader(data, location, allowed=_PROGRAMME_KEYS,
                        required=("id", "name", "phases", "transitions"))
        problems = r.problems
        raw_phases = r.array("phases") or []
        phases = []
        for t in r.tables("phases", allowed=_PHASE_KEYS):
            if "id" not in t:
                t.problem(None, "a phase is a table with at least an id")
                continue
            phase = _read_phase(t)
            if phase is not None:
                phases.append(phase)
        raw_transitions = r.array("transitions") or []
        transitions = []
        for t in r.tables("transitions", allowed={"from", "to", "guards"}):
            if "from" not in t or "to" not in t:
                t.problem(None, "a transition is a table with 'from' and 'to'")
                continue
            before = len(problems)
            ends = t.text("from"), t.text("to")
            guards = t.value("guards", _str_tuple) if "guards" in t else ()
            if len(problems) == before:
                transition = t.build(Transition, source=ends[0], target=ends[1], guards=guards)
                if transition is not None:
                    transitions.append(transition)
        kwargs: dict[str, Any] = {"phases": phases, "transitions": transitions}
        for key in ("id", "name", "entry", "description"):
            kwargs[key] = r.text(key)
        code = _opt_code(r.text("instrument"))
        if code is not None and code not in ELIGIBILITY_INSTRUMENTS:  # located at the key
            r.problem("instrument", _unknown_instrument(code))
        else:
            kwargs["instrument"] = code
        kwargs["voluntary"] = r.flag("voluntary")
        for key in ("planned_duration", "max_duration", "aftercare"):
            kwargs[key] = r.value(key, parse_duration)
        cap = r.table("capacity", allowed={"places", "coaches", "caseload"})
        if cap is not None:
            counts = {k: cap.integer(k) for k in ("places", "coaches", "caseload") if k in cap}
            kwargs["capacity"] = cap.build(Capacity, **{k: v for k, v in counts.items() if v is not None})
        ext = r.table("extension", allowed={"max_extensions", "length"},
                      required=("max_extensions", "length"))
        if ext is not None:
            n, length = ext.integer("max_extensions", minimum=0), ext.value("length", parse_duration)
            if n is not None and length is not None:
                kwargs["extension"] = ext.build(ExtensionRule, max_extensions=n, length=length)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        # Structural problems of the phase model are listed together with the key-level ones,
        # as long as every phase and transition could be read (else they would be misleading).
        parts_complete = (
            "id" in kwargs and "name" in kwargs
            and len(phases) == len(raw_phases)
            and len(transitions) == len(raw_transitions)
        )
        structural: list[Problem | RowProblem] = []
        if not problems or parts_complete:
            try:
                programme = cls(**kwargs)
            except ValidationError as exc:
                structural = [
                    Problem(f"{location}: {p.location}", p.message) if isinstance(p, Problem) else p
                    for p in exc.problems
                ] or [Problem(location, str(exc))]
            except (TypeError, ValueError) as exc:
                structural = [Problem(location, str(exc))]
            else:
                if not problems:
                    return programme
        message = f"invalid programme at {location}" if problems else f"invalid phase model at {location}"
        raise ValidationError(message, [*problems, *structural])

    @classmethod
    def from_toml(cls, path: str | Path) -> Programme:
        r"""Read a programme from a TOML file (the table of :meth:`from_dict`).

        A file may hold the table at top level or under ``[programme]``.

        Args:
            path: the file.

        Returns:
            The validated programme.

        Raises:
            ValidationError: every problem, located by file and key (also a file that is
                not UTF-8 or not TOML, see :func:`langzeit._toml.read_toml`).
            FileNotFoundError: the file does not exist.

        Examples:
            >>> import tempfile, pathlib
            >>> f = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
            >>> _ = f.write_text('id = "p"\nname = "P"\n[[phases]]\nid = "a"\n[[phases]]\nid = "z"\n'
            ...                  'terminal = true\n[[transitions]]\nfrom = "a"\nto = "z"\n')
            >>> Programme.from_toml(f).terminal_phases
            ('z',)
        """
        p = Path(path)
        data = read_toml(p, name=p.name)
        table = data.get("programme", data)
        return cls.from_dict(table, location=f"{p.name}")

    def to_dict(self) -> dict[str, Any]:
        """The programme as a TOML/JSON-ready table, the inverse of :meth:`from_dict`.

        Examples:
            >>> prog = Programme("p", "P", phases=[Phase("a"), Phase("z", terminal=True)],
            ...                  transitions=[Transition("a", "z")])
            >>> Programme.from_dict(prog.to_dict()).to_dict() == prog.to_dict()
            True
        """
        def phase_dict(p: Phase) -> dict[str, Any]:
            d: dict[str, Any] = {"id": p.id, "name": p.name}
            if p.planned_duration is not None:
                d["planned_duration"] = format_duration(p.planned_duration)
            if p.max_duration is not None:
                d["max_duration"] = format_duration(p.max_duration)
            if p.terminal:
                d["terminal"] = True
            if p.places is not None:
                d["places"] = p.places
            if p.requires_assessment:
                d["requires_assessment"] = True
            if p.data_exchange_with:
                d["data_exchange_with"] = list(p.data_exchange_with)
            return d

        out: dict[str, Any] = {"id": self.id, "name": self.name, "entry": self.entry,
                               "voluntary": self.voluntary}
        if self.description:
            out["description"] = self.description
        if self.instrument is not None:
            out["instrument"] = self.instrument
        for key in ("planned_duration", "max_duration", "aftercare"):
            value = getattr(self, key)
            if value is not None:
                out[key] = format_duration(value)
        cap = {k: v for k, v in attrs.asdict(self.capacity).items() if v is not None}
        if cap:
            out["capacity"] = cap
        if self.extension is not None:
            out["extension"] = {"max_extensions": self.extension.max_extensions,
                                "length": format_duration(self.extension.length)}
        out["phases"] = [phase_dict(p) for p in self.phases]
        out["transitions"] = [
            {"from": t.source, "to": t.target, **({"guards": list(t.guards)} if t.guards else {})}
            for t in self.transitions
        ]
        return out



def _duration_order(
    where: str, planned: relativedelta | None, maximum: relativedelta | None
) -> Iterable[Problem]:
    if planned is None or maximum is None:
        return
    from datetime import date

    ref = date(2001, 1, 31)
    if ref + maximum < ref + planned:
        yield Problem(where, f"max_duration {format_duration(maximum)} is shorter than "
                             f"planned_duration {format_duration(planned)}")
