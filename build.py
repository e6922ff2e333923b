#!/usr/bin/env python3
"""Gongkai's command line: `python build.py --help`."""

import sys

from gongkai.cli import main

if __name__ == "__main__":
    sys.exit(main())
