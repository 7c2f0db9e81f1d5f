"""Reading spells needs no pandas: pyarrow's conversions of Python objects would import it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from langzeit.spells import generate_spells, write_spells

_SCRIPT = """
import sys
from langzeit.spells import read_spells
for name in ("s.csv", "s.parquet", "s.arrow", "odd.csv"):
    read_spells(name)
print("pandas" in sys.modules)
"""


@pytest.mark.slow
def test_reading_csv_parquet_and_arrow_does_not_import_pandas(tmp_path: Path) -> None:
    """read_spells on CSV, Parquet and Arrow files leaves pandas unimported (0.8 s per CLI run)."""
    table = generate_spells(300, seed=4)
    for name in ("s.csv", "s.parquet", "s.arrow"):
        write_spells(table, tmp_path / name)
    # padded ids, a non-ASCII id and an amount with a decimal comma take the other paths
    (tmp_path / "odd.csv").write_text('person_id,kind,start,end,jobcenter,amount\n'
                                      ' p1 ,elb,2024-01-01,,1,\n"Jörg",elb,2024-01-01,,1,\n'
                                      'p1,llu,2024-01-01,,1,"12,5"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=tmp_path, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
