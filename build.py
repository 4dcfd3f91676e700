#!/usr/bin/env python3
"""Playpress command line: `python build.py [build|check|watch|serve|new] ...` (see README.md)."""

import sys

from playpress.commands.cli import main

if __name__ == "__main__":
    sys.exit(main())
