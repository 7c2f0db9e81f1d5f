import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.simulation import (
    CohortReferrals,
    Exponential,
    Fixed,
    OpenDayReferrals,
    PoissonReferrals,
    Staffing,
    builtin_scenarios,
    load_scenario,
    read_scenario,
    scenario_from_dict,
)


def _programme() -> dict[str, Any]:
    return {
        "id": "p", "name": "P", "capacity": {"places": 10}, "max_duration": "12 months",
        "extension": {"max_extensions": 1, "length": "6 months"},
        "phases": [{"id": "intake", "planned_duration": 1}, {"id": "coaching"}, {"id": "training"},
                   {"id": "exit", "terminal": True}],
        "transitions": [{"from": "intake", "to": "coaching"}, {"from": "intake", "to": "training"},
                        {"from": "intake", "to": "exit"}, {"from": "coaching", "to": "exit"},
                        {"from": "training", "to": "exit"}],
    }


def _valid() -> dict[str, Any]:
    return {
        "id": "s", "start": dt.date(2024, 1, 1), "horizon": "24 months", "programme": _programme(),
        "referrals": {"kind": "poisson", "rate": 3},
        "durations": {"coaching": {"kind": "gamma", "mean": 10, "cv": 0.5}, "training": 6},
        "routing": {"intake": {"coaching": 0.7, "training": 0.3}},
    }


def test_a_valid_table_builds_a_scenario() -> None:
    """A complete table gives a scenario with the stated parts."""
    s = scenario_from_dict(_valid())
    assert s.referrals == PoissonReferrals(3.0)
    assert s.duration("intake") == Fixed(1.0)
    assert s.routing["intake"] == (("coaching", 0.7), ("training", 0.3))
    assert s.end == dt.date(2026, 1, 1)


def test_every_problem_is_listed_with_its_location() -> None:
    """Problems in many sections come back together, each with its key."""
    data = _valid()
    data.update({
        "agreement_probability": 1.5,
        "referrals": {"kind": "lottery"},
        "durations": {"coaching": {"kind": "gamma", "mean": -2}, "nowhere": 3},
        "hazards": {"coaching": {"dropout": 0.1, "lottery": 0.2}},
        "routing": {"intake": {"coaching": 0.5, "training": 0.3}},
        "waiting_list": {"discipline": "random"},
        "staffing": {"coaches": 2, "caseload": 12, "fte": [1.0]},
        "colour": "blue",
    })
    with pytest.raises(ValidationError) as info:
        scenario_from_dict(data, location="s.toml")
    locations = [p.location for p in info.value.problems]  # type: ignore[union-attr]
    assert locations == [
        "s.toml.colour", "s.toml.referrals.kind", "s.toml.agreement_probability", "s.toml.staffing.fte",
        "s.toml.waiting_list.discipline", "s.toml.durations.coaching", "s.toml.hazards.coaching.lottery",
        "s.toml.durations.nowhere", "s.toml.durations.training", "s.toml.routing.intake",
    ]


def test_model_level_problems_are_listed_together() -> None:
    """Unknown phases, missing routing and durations, bad sums are all named at once."""
    data = _valid()
    data["durations"] = {"nowhere": 3, "exit": 1}
    data["routing"] = {"intake": {"coaching": 0.5, "training": 0.3}}
    data["completion"] = {"svp": 0.5}
    with pytest.raises(ValidationError) as info:
        scenario_from_dict(data, location="s")
    messages = [str(p) for p in info.value.problems]
    assert messages == [
        "s.durations.nowhere: unknown phase; phases: intake, coaching, training, exit",
        "s.durations.exit: a terminal phase has no stay",
        "s.durations.coaching: no duration: the phase has no planned_duration and the scenario gives none",
        "s.durations.training: no duration: the phase has no planned_duration and the scenario gives none",
        "s.routing.intake: probabilities sum to 0.8, not 1",
        "s.completion: probabilities must be non-negative and sum to 1, got 0.5",
    ]


def test_several_onward_phases_need_routing() -> None:
    """A phase leading on to two phases needs routing probabilities."""
    data = _valid()
    del data["routing"]
    with pytest.raises(ValidationError, match=r"leads on to several phases \(coaching, training\)"):
        scenario_from_dict(data)


def test_agreement_below_one_needs_a_voluntary_programme() -> None:
    """Agreeing is a choice only in voluntary programmes."""
    data = _valid()
    data["programme"]["voluntary"] = False
    data["agreement_probability"] = 0.5
    with pytest.raises(ValidationError, match="is not voluntary"):
        scenario_from_dict(data)


def test_referral_kinds_are_read() -> None:
    """Cohorts and open days are read with durations in months."""
    data = _valid()
    data["referrals"] = {"kind": "cohorts", "size": 15, "every": "12 months", "count": 4}
    assert scenario_from_dict(data).referrals == CohortReferrals(15, every=12.0, count=4)
    data["referrals"] = {"kind": "open_days", "every": 3, "mean": 20}
    assert scenario_from_dict(data).referrals == OpenDayReferrals(every=3.0, mean=20.0)
    data["referrals"] = {"kind": "poisson", "rate": 2, "per": "week"}
    assert scenario_from_dict(data).referrals.rate == pytest.approx(2 * 365.2425 / 12 / 7)  # type: ignore[attr-defined]


def test_waiting_list_patience_and_max_wait_are_distributions() -> None:
    """A fixed max_wait and a random patience both become the list's patience."""
    data = _valid()
    data["waiting_list"] = {"max_wait": "6 months", "max_length": 40}
    wl = scenario_from_dict(data).waiting_list
    assert (wl.patience, wl.max_length) == (Fixed(6.0), 40)
    data["waiting_list"] = {"patience": {"kind": "exponential", "mean": 4}}
    assert scenario_from_dict(data).waiting_list.patience == Exponential(4.0)


def test_staffing_sets_the_places() -> None:
    """Three coaches at 1, 1 and 0.67 FTE with 1:12 hold 12 + 12 + 8 = 32 cases."""
    data = _valid()
    data["staffing"] = {"coaches": 3, "fte": [1.0, 1.0, 0.67], "caseload": 12}
    assert scenario_from_dict(data).places == 32


def test_tandems_pair_each_coach_with_a_jobcenter_coach() -> None:
    """With tandems every provider coach works with a PAP; the tandem holds the coach's cases."""
    coaches, tandems = Staffing(coaches=2, caseload=12, fte=(1.0, 0.5), tandems=True).team()
    assert [t.coach_ids for t in tandems] == [("pap-1", "coach-1"), ("pap-2", "coach-2")]
    assert [t.max_cases for t in tandems] == [12, 6]
    assert len(coaches) == 4


def test_single_fte_applies_to_every_coach() -> None:
    """An FTE given as one number is each coach's."""
    data = _valid()
    data["staffing"] = {"coaches": 4, "fte": 0.5, "caseload": 12}
    assert scenario_from_dict(data).staffing == Staffing(coaches=4, caseload=12, fte=(0.5,) * 4)


def test_extension_needs_a_rule_in_the_programme() -> None:
    """Asking for extensions needs a programme with a maximum stay and an extension rule."""
    data = _valid()
    del data["programme"]["extension"]
    data["extension"] = {"probability": 0.5}
    with pytest.raises(ValidationError, match="no maximum duration with an extension rule"):
        scenario_from_dict(data)


def test_scenario_may_change_the_extension_rule() -> None:
    """[extension] can set the programme's maximum stay, number and length of extensions."""
    data = _valid()
    data["extension"] = {"probability": 0.5, "max_extensions": 3, "length": "4 months",
                         "max_duration": "18 months"}
    prog = scenario_from_dict(data).programme
    assert prog.extension is not None
    assert (prog.extension.max_extensions, prog.extension.length.months) == (3, 4)
    assert prog.max_duration is not None
    assert (prog.max_duration.years, prog.max_duration.months) == (1, 6)


def test_bad_extension_rule_is_a_problem() -> None:
    """A negative number of extensions is reported at the extension table."""
    data = _valid()
    data["extension"] = {"max_extensions": -1}
    with pytest.raises(ValidationError, match=r"scenario\.extension"):
        scenario_from_dict(data)


def test_aftercare_needs_a_programme_that_offers_it() -> None:
    """Aftercare in a scenario needs aftercare in the programme (the engine refuses it otherwise)."""
    data = _valid()
    data["aftercare"] = {"after": "work"}
    with pytest.raises(ValidationError, match="offers no aftercare"):
        scenario_from_dict(data)


def test_plans_and_scales_are_checked() -> None:
    """A review later than six months (§ 15 Abs. 3) and a mean outside the item range are problems."""
    data = _valid()
    data["plans"] = {"steps": 2, "review": "9 months"}
    data["scales"] = {"who5": {"entry": 7, "exit": 3}, "phq9": {"entry": 1, "exit": 1}}
    with pytest.raises(ValidationError) as info:
        scenario_from_dict(data, location="s")
    assert [str(p) for p in info.value.problems] == [
        "s.plans: review must be after more than 0 and at most 6 months (§ 15 Abs. 3 SGB II), got 9.0",
        "s.scales.who5: entry must lie in the item range 0–5 of who5",
        "s.scales.phq9: a scale is who5 or swe with entry, exit, sd",
    ]


def test_unknown_built_in_programme_is_a_problem() -> None:
    """A programme name that is not shipped is reported with the known names."""
    data = _valid()
    data["programme"] = "atlantis"
    with pytest.raises(ValidationError, match="unknown programme 'atlantis'"):
        scenario_from_dict(data)


def test_scenario_file_round_trip(tmp_path: Path) -> None:
    """A TOML file with a [scenario] table reads like the table itself."""
    f = tmp_path / "s.toml"
    f.write_text('[scenario]\nid = "t"\nstart = 2024-01-01\nhorizon = "2 years"\nprogramme = "geh-vor"\n'
                 '[scenario.referrals]\nkind = "poisson"\nrate = 5\n', encoding="utf-8")
    s = load_scenario(f)
    assert (s.id, s.programme.id, s.places) == ("t", "geh-vor", 32)


def test_broken_toml_is_a_validation_error(tmp_path: Path) -> None:
    """Unparsable TOML is reported with the file name."""
    f = tmp_path / "bad.toml"
    f.write_text("id = \n", encoding="utf-8")
    with pytest.raises(ValidationError, match="not valid TOML"):
        read_scenario(f)


def test_unknown_scenario_name_lists_the_built_ins() -> None:
    """An unknown name raises UnknownNameError naming the built-in scenarios."""
    with pytest.raises(UnknownNameError, match="known: aktivoreha, geh-vor"):
        load_scenario("atlantis")


def test_built_in_scenarios_name_their_seed_figures() -> None:
    """Every built-in scenario says what it is calibrated on; seed scenarios carry targets."""
    scenarios = {s.id: s for s in builtin_scenarios()}
    assert set(scenarios) == {"aktivoreha", "geh-vor", "leitbild-1-12", "leitbild-1-60", "lipsy",
                              "mm-c-queue", "pan-ploen", "proges", "rpe-euregio", "sanus-le", "segel-setzen"}
    for sid, s in scenarios.items():
        assert "alibrated on" in s.description, sid
        if sid != "mm-c-queue":
            assert s.calibration, sid
