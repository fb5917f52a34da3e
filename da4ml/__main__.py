"""``python -m da4ml ...``: the ``da4ml`` command (da4ml.cli)."""

import sys

from .cli import main

sys.exit(main())
