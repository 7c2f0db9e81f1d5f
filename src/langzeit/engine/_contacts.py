"""Engine layer: the handler of Beratungskontakte (:class:`~langzeit.engine.RecordContact`, issue 17).

Registered with ``@handles`` like those of :mod:`._handlers` (imported by the engine).
A contact is allowed while the pathway is open (referred, waitlisted, active, paused:
outreach before admission is how many participants are reached) and in aftercare; its
channel must be one of :data:`~langzeit.events.CONTACT_CHANNELS`, its minutes not
negative, and its coach registered with the engine (alone or as a tandem member). A
contact changes no place and no caseload, so only the participant's own chronology applies.
"""

from __future__ import annotations

from langzeit.engine._commands import RecordContact
from langzeit.engine._core import EngineCore
from langzeit.engine._handlers import Events, Failures, handles
from langzeit.events import CONTACT_CHANNELS, Contacted, StateBuilder
from langzeit.exceptions import GuardFailure

__all__: list[str] = []


@handles(RecordContact)
def _record_contact(engine: EngineCore, cmd: RecordContact, b: StateBuilder, fail: Failures) -> Events:
    if b.status.is_final and not (b.aftercare_started is not None and b.aftercare_ended is None):
        fail.append(GuardFailure("status", f"cannot record a contact with participant {b.participant_id!r} "
                                           f"with status {b.status.value!r}: the pathway has ended "
                                           f"and no aftercare is running"))
    if cmd.channel not in CONTACT_CHANNELS:
        fail.append(GuardFailure("contact", f"channel must be one of {', '.join(CONTACT_CHANNELS)}, "
                                            f"got {cmd.channel!r}"))
    if cmd.minutes < 0:
        fail.append(GuardFailure("contact", f"minutes must not be negative, got {cmd.minutes}"))
    if cmd.coach_id not in engine._coaches:
        fail.append(GuardFailure("known", f"coach {cmd.coach_id!r} is not registered with the engine"))
    return [Contacted(*engine._head(b, cmd), channel=cmd.channel, minutes=cmd.minutes, coach_id=cmd.coach_id)]
