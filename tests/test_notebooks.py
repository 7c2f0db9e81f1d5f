"""The tutorial notebooks in docs/notebooks run top to bottom (nbclient) and are stored without outputs."""

import tempfile
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "docs" / "notebooks").glob("*.ipynb"))


def test_the_tutorial_notebooks_exist() -> None:
    """The scenario study, the indicator report and the programme evaluation are there."""
    expected = ["evaluation.ipynb", "indicator-report.ipynb", "scenario-study.ipynb"]
    assert [p.name for p in NOTEBOOKS] == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    """Notebooks are committed clean: no outputs, no execution counts (CI executes them)."""
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_errors(path: Path) -> None:
    """Every cell runs in a fresh kernel of this environment, in a temporary working directory.

    The kernel is ``python3``; jupyter_client starts it with ``sys.executable``, i.e. the
    interpreter running the tests (the project's virtualenv).
    """
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as work:
        client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                         resources={"metadata": {"path": work}})
        client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert images, "the notebook draws its plots"
