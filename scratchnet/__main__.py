"""`python -m scratchnet ...` runs the CLI."""

import sys

from scratchnet.cli import main

sys.exit(main())
