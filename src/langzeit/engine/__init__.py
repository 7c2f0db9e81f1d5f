"""Engine layer: the pathway engine turning commands into validated events (DESIGN.md).

:class:`PathwayEngine` holds one programme's pathways. A case-management application
(or the simulator) sends it commands; the engine checks the guards and appends the
resulting events to an :class:`~langzeit.events.EventStore` (default: an in-memory
:class:`~langzeit.events.EventLog`; ``langzeit.store.SqliteEventStore`` works alike).

The API, stable for applications and the simulator:

* ``engine.execute(command) -> tuple[Event, ...]`` and ``engine.check(command) ->
  tuple[GuardFailure, ...]``; one convenience method per command (``refer``, ``assess``,
  ``record_consent``, ``withdraw_consent``, ``agree``, ``decline``, ``admit``,
  ``waitlist``, ``renege``, ``enter_phase``, ``extend``, ``pause``, ``resume``,
  ``assign_coach``, ``assign_tandem``, ``agree_plan``, ``agree_plan_step``,
  ``achieve_plan_step``, ``score_scale``, ``refer_to_actor``, ``exit``,
  ``start_aftercare``, ``end_aftercare``, ``record_follow_up``, ``update_plan``,
  ``start_schlichtung``, ``end_schlichtung``, ``reduce_benefit``, ``record_contact``).
* Refusals raise :class:`~langzeit.exceptions.TransitionRefused` with every failed guard
  (:class:`~langzeit.exceptions.CapacityExceeded` when only places or caseload are
  missing, :class:`~langzeit.exceptions.ConsentRequired` when only a consent for the
  command's flow of data is); nothing is written.
* Waiting list: ``admit`` puts a referred participant on the list when full; a freed
  place admits the next (``auto_admit=True``; disciplines ``"fifo"`` and
  ``"priority"``); ``admit_from_waiting_list(day)``; ``renege_overdue(as_of)`` with
  ``max_wait``.
* Model clock: ``due(as_of)`` lists deadlines; a command may not be dated before the
  participant's last event, and commands that take places or caseload not before the
  engine's last change of them (``engine.clock``).
* Queries: ``state``, ``states``, ``occupancy``, ``caseload``, ``waiting_list``, each now
  or ``as_of`` a date; ``assignment_recipients(coach=|tandem=)``, the organisations whose
  consent a case's assignment needs; ``held_without_consent()``, the cases still held
  where that consent was withdrawn; ``refresh()`` catches up with the store (its feed, on a shared store).
* Concurrency: appends carry each participant's expected version, and on a
  :class:`~langzeit.events.SharedEventStore` the programme's version for commands that
  read or change places, caseloads or the waiting list; on
  :class:`~langzeit.exceptions.ConcurrencyConflict` the engine reloads the participants
  concerned, catches up from the store's feed and re-raises (retry the command). One
  engine may be shared by threads (it serialises its calls).
* The boundary: commands check their fields when built (``ValidationError``);
  ``Command.to_dict()``, :func:`command_from_dict` and :func:`command_json_schema`
  carry them as JSON.

Examples:
    >>> from datetime import date
    >>> from langzeit.domain import Programme, Phase, Transition, Capacity
    >>> prog = Programme("demo", "Demo", phases=[Phase("coaching"), Phase("exit", terminal=True)],
    ...                  transitions=[Transition("coaching", "exit")], capacity=Capacity(places=10))
    >>> engine = PathwayEngine(prog)
    >>> _ = engine.refer("p1", date(2024, 1, 8))
    >>> try:
    ...     engine.admit("p1", date(2024, 2, 1))
    ... except TransitionRefused as refusal:
    ...     print(refusal)
    admit 'p1' on 2024-02-01 refused:
      - agreement: Demo is voluntary: participant 'p1' has not agreed to take part
"""

from langzeit.engine import _commands, _results
from langzeit.engine._commands import *  # noqa: F403 -- re-exports _commands.__all__
from langzeit.engine._engine import FactsSource, PathwayEngine, UserGuard
from langzeit.engine._results import *  # noqa: F403 -- re-exports _results.__all__
from langzeit.exceptions import (
    CapacityExceeded,
    ConcurrencyConflict,
    ConsentRequired,
    GuardFailure,
    TransitionRefused,
)

__all__ = [
    "CapacityExceeded",
    "ConcurrencyConflict",
    "ConsentRequired",
    "FactsSource",
    "GuardFailure",
    "PathwayEngine",
    "TransitionRefused",
    "UserGuard",
    *_commands.__all__,
    *_results.__all__,
]
