"""The seed programmes added by issue 17: LIPSY, PROGES, Segel setzen — their shapes and seed figures."""

from collections import Counter

from langzeit.programmes import load_programme
from langzeit.simulation import load_scenario, simulate


def test_lipsy_screens_before_the_psychological_assessment() -> None:
    """LIPSY: screening (self-report) -> psychological assessment -> coaching, which needs the assessment."""
    prog = load_programme("lipsy")
    assert prog.entry == "screening"
    assert prog.successors("screening")[0] == "assessment"
    assert "coaching" in prog.successors("assessment")
    assert prog.phase("coaching").requires_assessment


def test_proges_works_with_its_own_staff_only() -> None:
    """PROGES: no phase exchanges data with a partner organisation."""
    prog = load_programme("proges")
    assert all(not p.data_exchange_with for p in prog.phases)
    assert "no project partners" in prog.description


def test_segel_setzen_exits_mostly_into_rehabilitation() -> None:
    """Segel setzen: of the completed stays, most leave towards vocational rehabilitation."""
    rep = simulate(load_scenario("segel-setzen"), seed=11, replications=1).replications[0]
    outcomes = Counter(e.outcome.value for e in rep.events
                       if e.type == "exited" and e.reason.value == "completed")
    assert outcomes.most_common(1)[0][0] == "rehabilitation"
    assert outcomes["rehabilitation"] > 0.6 * sum(outcomes.values())


def test_the_new_scenarios_calibrate_on_their_seed_figures() -> None:
    """LIPSY 80 waiting, PROGES 385 (half of 770) admitted, Segel setzen 18 months mean stay."""
    targets = {sid: {c.metric: c.target for c in load_scenario(sid).calibration}
               for sid in ("lipsy", "proges", "segel-setzen")}
    assert targets == {"lipsy": {"waiting_at_end": 80}, "proges": {"admitted": 385},
                       "segel-setzen": {"mean_stay_months": 18}}
