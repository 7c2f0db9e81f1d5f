"""The synthetic social-space generator and the network-map plot."""

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from langzeit.exceptions import UnknownNameError, ValidationError
from langzeit.network import (
    SETTINGS,
    NodeKind,
    example_space,
    network_map,
    space_to_dict,
    synthetic_space,
)
from langzeit.report import plot_network_map


def test_same_seed_same_space_other_seed_other_space() -> None:
    """The generator is a pure function of its arguments and seed."""
    a = space_to_dict(synthetic_space("rural", actors=50, participants=40, seed=3))
    assert a == space_to_dict(synthetic_space("rural", actors=50, participants=40, seed=3))
    assert a != space_to_dict(synthetic_space("rural", actors=50, participants=40, seed=4))


def test_sizes_and_roles() -> None:
    """Actors and participants as asked, coaches = participants // caseload, employed by JC or providers."""
    s = synthetic_space("city", actors=100, participants=400, seed=0)
    sizes = (len(s.organisations), len(s.participants), len(s.coaches))
    assert sizes == (100, 400, 400 // SETTINGS["city"].caseload)
    employers = {s.organisations[c.organisation_id].kind.value for c in s.coaches.values()}
    assert employers <= {"jobcenter", "provider"}
    assert all(any(s.kind_of(n) is NodeKind.COACH for n in s.neighbours(p)) for p in s.participants)


def test_rural_has_missing_connections_city_has_none() -> None:
    """Rural areas lack some bus connections; in the city every pair of areas is connected."""
    rural = synthetic_space("rural", actors=20, participants=10, seed=1)
    city = synthetic_space("city", actors=20, participants=10, seed=1)
    n_r, n_c = SETTINGS["rural"].areas, SETTINGS["city"].areas
    assert len(rural.travel) < n_r * (n_r - 1) // 2
    assert len(city.travel) == n_c * (n_c - 1) // 2


def test_bad_arguments() -> None:
    """Unknown settings and too small sizes are refused."""
    with pytest.raises(UnknownNameError):
        synthetic_space("suburb")
    with pytest.raises(ValidationError) as info:
        synthetic_space("city", actors=1, participants=0)
    assert len(info.value.problems) == 2


def test_plot_writes_a_png(tmp_path: Path) -> None:
    """The network map is drawn to a PNG file with one axes titled for the participant."""
    import matplotlib.pyplot as plt

    path = tmp_path / "map.png"
    fig = plot_network_map(network_map(example_space(), "p-carla"), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert fig.axes[0].get_title() == "Netzwerkkarte p-carla (Radius 2)"
    fig2, ax = plt.subplots()
    assert plot_network_map(network_map(example_space(), "p-anna"), ax=ax, labels=False) is fig2
    plt.close("all")
