"""Benchmarks: the real bot against a bare echo bot on the fake Bot API (``python -m bench``)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
if str(TESTS) not in sys.path:  # the fake Bot API server lives with the tests
    sys.path.insert(0, str(TESTS))
