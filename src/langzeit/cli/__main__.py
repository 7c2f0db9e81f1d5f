"""CLI layer: ``python -m langzeit.cli`` runs the ``langzeit`` command."""

import sys

from langzeit.cli import main

sys.exit(main())
