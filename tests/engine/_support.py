"""Helpers for the engine tests: a small programme with every kind of guard."""

from datetime import date

from langzeit.domain import (
    Capacity,
    Coach,
    ExtensionRule,
    Organisation,
    Phase,
    Programme,
    Tandem,
    Transition,
)
from langzeit.engine import PathwayEngine

D0 = date(2024, 1, 8)


def small_programme(places: int | None = 3, *, voluntary: bool = True) -> Programme:
    """Intake -> clinic (consent, assessment, 2 places) -> work; exits from every phase."""
    return Programme(
        "test", "Testprogramm",
        phases=[
            Phase("intake", planned_duration="1 month"),
            Phase("clinic", planned_duration="3 months", max_duration="4 months", places=2,
                  requires_assessment=True, data_exchange_with=["tk-nord"]),
            Phase("work", planned_duration="6 months"),
            Phase("exit", terminal=True),
            Phase("dropout", terminal=True),
        ],
        transitions=[
            Transition("intake", "clinic", guards=["agreement"]),
            Transition("intake", "work"),
            Transition("intake", "exit"),
            Transition("clinic", "work"),
            Transition("clinic", "exit"),
            Transition("clinic", "dropout"),
            Transition("work", "exit"),
        ],
        planned_duration="10 months", max_duration="12 months",
        extension=ExtensionRule(max_extensions=1, length="6 months"),
        capacity=Capacity(places=places), voluntary=voluntary, aftercare="6 months",
    )


COACH_A = Coach("a", role="pap", organisation_id="jc", caseload_limit=4, fte=0.5)
COACH_B = Coach("b", role="provider_coach", organisation_id="traeger", caseload_limit=3)
COACH_C = Coach("c", role="provider_coach", organisation_id="traeger", caseload_limit=12)
TANDEM = Tandem("t1", [COACH_A, COACH_C])
TK_NORD = Organisation("tk-nord", "Tagesklinik Nord", kind="day_clinic", legal_domain="SGB V")
#: The employer of coaches b and c: a case assigned to them (or to tandem t1) needs consent with it.
TRAEGER = Organisation("traeger", "Träger Nord gGmbH", kind="provider")


def new_engine(places: int | None = 3, **options: object) -> PathwayEngine:
    """An engine on the small programme with coaches a, b, c and tandem t1 (a + c)."""
    return PathwayEngine(small_programme(places), coaches=[COACH_A, COACH_B, COACH_C],
                         tandems=[TANDEM], organisations=[TK_NORD, TRAEGER], **options)  # type: ignore[arg-type]


def admitted(engine: PathwayEngine, pid: str, day: date = D0) -> None:
    """Refer, agree and admit ``pid`` on ``day``."""
    engine.refer(pid, day)
    engine.agree(pid, day)
    engine.admit(pid, day, waitlist=False)


def consented(engine: PathwayEngine, pid: str, day: date = D0, recipient: str = "traeger") -> None:
    """Record ``pid``'s consent to data exchange with ``recipient`` (default: the provider of b and c)."""
    engine.record_consent(pid, day, recipient)


def guards_of(engine: PathwayEngine, command: object) -> list[str]:
    """Names of the guards ``command`` fails."""
    return [f.guard for f in engine.check(command)]  # type: ignore[arg-type]
