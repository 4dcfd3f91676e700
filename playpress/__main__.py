"""`python -m playpress`: the same command line as build.py."""

import sys

from .commands.cli import main

sys.exit(main())
