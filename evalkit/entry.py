"""The ``evalkit`` command: the console script and ``python -m evalkit`` both start here.

For ``evalkit run``, the helper process that will score and report (evalkit/finisher.py) is started
first, before the CLI's own imports (0.4 s of pydantic's models, aiohttp and the pipeline): its
interpreter starts beside them, on the other core, and it is ready when the run's store is.
"""

from __future__ import annotations

import gc
import sys

from . import finisher


def main() -> int:
    if sys.argv[1:2] == ["run"]:
        finisher.prestart()
    try:
        from .cli import main as cli_main

        code = cli_main()
    finally:
        finisher.discard_early()  # not taken by a run (a usage error): stopped, not left to exit by itself
    # The process ends now. Python's last full collection would traverse every object left (pandas,
    # the scorers, the run's tables: 0.3-0.4 s at 2,000 items) to free memory the OS takes back anyway;
    # every file evalkit writes is closed by then (collector.py).
    gc.freeze()
    return code
