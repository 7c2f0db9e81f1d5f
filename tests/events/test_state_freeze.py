"""StateBuilder.freeze: every builder attribute lands in the ParticipantState field of the same name."""

from datetime import date
from typing import Any

import attrs

from langzeit.domain import ConsentPurpose, ExitReason, OutcomeKind
from langzeit.events import ActiveConsent, BenefitReduced, ParticipantState, StateBuilder, Status

#: What freeze turns the builder's collections into (phases and consents are copied; steps,
#: follow-ups and reductions are immutable in the builder already and handed over as they are).
_CUT = BenefitReduced("e9", "p1", date(2024, 5, 2), ground="duty_breach", percent=10,
                      start=date(2024, 6, 1), months=1)
_COLLECTIONS: dict[str, tuple[Any, Any]] = {
    "phases": ([("intake", date(2024, 1, 2))], (("intake", date(2024, 1, 2)),)),
    "consents": ({"k2": ActiveConsent("k2", ConsentPurpose.DATA_EXCHANGE, "b"),
                  "k1": ActiveConsent("k1", ConsentPurpose.DATA_EXCHANGE, "a")},
                 (ActiveConsent("k1", ConsentPurpose.DATA_EXCHANGE, "a"),
                  ActiveConsent("k2", ConsentPurpose.DATA_EXCHANGE, "b"))),
    "open_steps": (frozenset({"s1"}), frozenset({"s1"})),
    "achieved_steps": (frozenset({"s2", "s3"}), frozenset({"s2", "s3"})),
    "follow_ups": (((6, OutcomeKind.SVP),), ((6, OutcomeKind.SVP),)),
    "reductions": ((_CUT,), (_CUT,)),
}


def test_every_attribute_is_frozen_into_its_own_field() -> None:
    """Each scalar attribute set to a value no other has comes back in the field of its name."""
    b = StateBuilder("p1")
    expected: dict[str, Any] = {}
    for i, field in enumerate(attrs.fields(ParticipantState)):
        name = field.name
        if name in _COLLECTIONS:
            value, frozen = _COLLECTIONS[name]
        else:  # distinct per field: a distinct day, number or text
            value = frozen = {
                "status": Status.PAUSED, "exit_reason": ExitReason.MOVED, "outcome": OutcomeKind.MINIJOB,
            }.get(name, date(2000, 1 + i // 28, 1 + i % 28) if "date" in str(field.type) else
                  i if str(field.type) == "int" else f"text-{name}")
        setattr(b, name, value)
        expected[name] = frozen
    state = b.freeze()
    assert {name: getattr(state, name) for name in expected} == expected
    assert state == ParticipantState(**expected)


def test_an_empty_builder_freezes_to_the_defaults() -> None:
    """A builder with nothing applied is the state with every default."""
    assert StateBuilder("p1").freeze() == ParticipantState("p1", Status.REFERRED)


def test_the_builder_never_changes_a_shared_empty_container() -> None:
    """Consents, steps, follow-ups and reductions are replaced, not changed: other builders stay empty."""
    from langzeit.events import ConsentGiven, ConsentWithdrawn, FollowUp, PlanStepAchieved, PlanStepAgreed

    day = date(2024, 1, 2)
    b = StateBuilder("p1")
    for e in (ConsentGiven("e1", "p1", day, consent_id="k", purpose=ConsentPurpose.DATA_EXCHANGE,
                           recipient="a"),
              PlanStepAgreed("e2", "p1", day, step_id="s"), PlanStepAchieved("e3", "p1", day, step_id="s"),
              FollowUp("e4", "p1", day, months_after_exit=6, status=OutcomeKind.SVP), _CUT,
              ConsentWithdrawn("e5", "p1", day, consent_id="k")):
        b.apply(e)
    assert (b.open_steps, b.achieved_steps, len(b.follow_ups), len(b.reductions), dict(b.consents)) == (
        frozenset(), frozenset({"s"}), 1, 1, {})
    fresh = StateBuilder("p2")
    assert (dict(fresh.consents), fresh.open_steps, fresh.achieved_steps) == ({}, frozenset(), frozenset())
    assert (fresh.follow_ups, fresh.reductions) == ((), ())
