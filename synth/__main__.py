"""Entry point of ``python -m synth``; the work is in ``synth.cli``."""

import logging
import sys

from synth.cli import main

__all__: list[str] = []

logger = logging.getLogger(__name__)

if __name__ == "__main__":
    sys.exit(main())
