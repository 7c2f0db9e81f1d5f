"""The service configuration's staff tables: coaches, tandems and organisations per programme."""

from __future__ import annotations

from pathlib import Path

import pytest

from langzeit.domain import OrganisationKind
from langzeit.exceptions import ValidationError
from langzeit.service import ServiceConfig

STORE = {"sqlite": "events.sqlite"}


def test_staff_and_organisations_are_read_per_programme() -> None:
    """Coaches, a tandem of them and an organisation come out as domain records; no staff: empty."""
    config = ServiceConfig.from_dict({
        "store": STORE,
        "organisations": [{"id": "traeger", "name": "Träger Nord", "kind": "provider"}],
        "programmes": [
            {"id": "pan", "coaches": [{"id": "ifk-1", "role": "pap", "organisation": "jc", "caseload": 60},
                                      {"id": "c1", "role": "provider_coach", "organisation": "traeger",
                                       "fte": 0.5}],
             "tandems": [{"id": "t1", "coaches": ["ifk-1", "c1"]}]},
            {"id": "geh-vor"}]}, base=Path("/srv"))
    pan = config.staff_of(0)
    assert [(c.id, c.max_cases) for c in pan.coaches] == [("ifk-1", 60), ("c1", 6)]
    assert [t.coach_ids for t in pan.tandems] == [("ifk-1", "c1")]
    assert config.staff_of(1).coaches == ()
    assert config.organisations[0].kind is OrganisationKind.PROVIDER


def test_every_staff_problem_is_listed_with_its_location() -> None:
    """An unknown role, a tandem of an unknown coach, an organisation without name: all at once."""
    with pytest.raises(ValidationError) as info:
        ServiceConfig.from_dict({
            "store": STORE,
            "organisations": [{"id": "traeger"}],
            "programmes": [{"id": "pan", "coaches": [{"id": "c1", "role": "boss", "organisation": "x"}],
                            "tandems": [{"id": "t1", "coaches": ["c1", "c2"]}]}]})
    where = sorted(str(p).split(":")[0] for p in info.value.problems)
    assert where == ["service configuration.organisations[0].name",
                     "service configuration.programmes[0].coaches[0]",
                     "service configuration.programmes[0].tandems[0].coaches"], info.value.problems
