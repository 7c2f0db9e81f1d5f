"""Shipped programme models: loadable by name and path, calibrated on DOMAIN.md § 4."""

from datetime import date
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from langzeit.domain import Programme
from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.programmes import list_programmes, load_programme, programme_source

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_ten_seed_programmes_are_shipped() -> None:
    """The seed's ten programmes are listed, sorted."""
    assert list_programmes() == (
        "aktivoreha", "fallmanagement", "geh-vor", "gesa", "lipsy", "pan", "proges", "rehapro-euregio",
        "sanus-le", "segel-setzen",
    )


@pytest.mark.parametrize("name", list_programmes())
def test_every_shipped_programme_loads_and_cites_its_seed(name: str) -> None:
    """Each file is a valid model whose id is its name and whose description cites the seed."""
    prog = load_programme(name)
    assert prog.id == name
    assert "Seed:" in prog.description
    assert "Jobcenter der Zukunft I" in prog.description


@pytest.mark.parametrize("name", list_programmes())
def test_every_non_terminal_phase_can_exit(name: str) -> None:
    """Every non-terminal phase has an edge to an exit phase, so a dropout is always possible."""
    prog = load_programme(name)
    terminal = set(prog.terminal_phases)
    for phase in prog.phases:
        if not phase.terminal:
            assert terminal & set(prog.successors(phase.id)), phase.id


@pytest.mark.parametrize("name", list_programmes())
def test_shipped_models_round_trip_through_dicts(name: str) -> None:
    """to_dict / from_dict reproduces the shipped model."""
    prog = load_programme(name)
    assert Programme.from_dict(prog.to_dict()).to_dict() == prog.to_dict()


def test_geh_vor_is_calibrated_on_the_seed() -> None:
    """Geh vor!: 32 places, 12 months planned, extensions, aftercare, voluntary."""
    prog = load_programme("geh-vor")
    assert prog.capacity.total == 32
    assert prog.planned_duration == relativedelta(years=1)
    assert prog.extension is not None
    assert prog.extension.max_extensions >= 1
    assert prog.aftercare is not None
    assert prog.voluntary


def test_pan_has_fifteen_places_per_twelve_month_cycle() -> None:
    """PaN: 15 places, fixed 12-month cycles with 6 months of internships and job coaching."""
    prog = load_programme("pan")
    assert prog.capacity.total == 15
    assert prog.max_duration == relativedelta(years=1)
    assert prog.extension is None
    assert prog.phase("internship").planned_duration == relativedelta(months=6)
    assert "tagesklinik" in prog.phase("modules").data_exchange_with


def test_rehapro_euregio_has_profiling_then_phases_two_and_three() -> None:
    """rpE: profiling -> phase II (medical partner) -> phase III."""
    prog = load_programme("rehapro-euregio")
    assert prog.entry == "profiling"
    assert prog.successors("profiling")[0] == "phase-2"
    assert prog.successors("phase-2")[0] == "phase-3"
    assert prog.phase("phase-2").data_exchange_with == ("rpe-medical",)


def test_aktivoreha_has_six_months_intensive_support_and_aftercare() -> None:
    """AktiVoReha: case analysis -> 6 months intensive support, or a recommendation only."""
    prog = load_programme("aktivoreha")
    assert prog.phase("intensive").planned_duration == relativedelta(months=6)
    assert set(prog.successors("case-analysis")) == {"intensive", "exit", "recommendation"}
    assert prog.aftercare is not None


def test_gesa_allows_stays_up_to_twenty_four_months() -> None:
    """GesA: 12 months planned, stays up to the usual 24 months, and no participant extension.

    The seed's "Verlängerung um 6 Monate angestrebt" extends the project, not a stay.
    """
    prog = load_programme("gesa")
    assert prog.extension is None
    assert prog.planned_duration == relativedelta(months=12)
    assert prog.max_duration is not None
    assert date(2024, 1, 1) + prog.max_duration == date(2026, 1, 1)
    assert "extension of the project's term by 6 months" in prog.description


def test_fallmanagement_caseload_is_one_to_sixty() -> None:
    """Fallmanagement: coaches x 60 cases, not voluntary, labelled as the seed's health-oriented team."""
    prog = load_programme("fallmanagement")
    assert prog.name.startswith("Gesundheitsorientiertes Fallmanagement")
    assert prog.capacity.caseload == 60
    assert prog.capacity.total == 60 * (prog.capacity.coaches or 0)
    assert not prog.voluntary


def test_sanus_le_is_voluntary() -> None:
    """Sanus LE: voluntary take-up (417 of 620 took part)."""
    assert load_programme("sanus-le").voluntary


def test_example_file_is_the_shipped_geh_vor_model() -> None:
    """examples/geh-vor.toml is the same model as the shipped one."""
    assert load_programme(EXAMPLES / "geh-vor.toml").to_dict() == load_programme("geh-vor").to_dict()


def test_load_from_a_toml_path(tmp_path: Path) -> None:
    """A path (str or Path) is read as a TOML programme model."""
    path = tmp_path / "mine.toml"
    text = programme_source("fallmanagement").replace(
        'id = "fallmanagement"\nname = "Gesundheitsorientiertes Fallmanagement (1:60)"',
        'id = "mine"\nname = "Mine"')
    path.write_text(text, encoding="utf-8")
    assert load_programme(str(path)).id == "mine"
    assert load_programme(path).id == "mine"


def test_invalid_file_reports_every_problem(tmp_path: Path) -> None:
    """A broken model raises ValidationError with its problems."""
    path = tmp_path / "bad.toml"
    path.write_text('[programme]\nid = "bad"\nname = "Bad"\nphases = [{id = "a"}]\ntransitions = []\n',
                    encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_programme(path)
    assert len(info.value.problems) >= 2


def test_unknown_name_lists_the_known_ones() -> None:
    """An unknown name raises UnknownNameError (a LookupError) naming the shipped models."""
    with pytest.raises(UnknownNameError) as info:
        load_programme("no-such-programme")
    assert "geh-vor" in info.value.known
    assert isinstance(info.value, LookupError)
    with pytest.raises(UnknownNameError):
        programme_source("no-such-programme")
