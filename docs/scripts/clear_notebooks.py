"""Docs tooling: clear the outputs and execution counts of the tutorial notebooks (they are stored clean).

Run: ``.venv/bin/python docs/scripts/clear_notebooks.py [NOTEBOOK ...]`` (default: every
notebook in ``docs/notebooks``). Prints the notebooks it changed as JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def clear(path: Path) -> bool:
    """Remove outputs and execution counts of ``path``'s code cells; True if it changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs = []
            cell.execution_count = None
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Clear the given notebooks (default: all in docs/notebooks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    print(json.dumps({"cleared": [str(p) for p in paths if clear(p)]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
