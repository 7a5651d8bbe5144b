"""Hypothesis material for the plan fuzz tests: settings, valid plan dicts, their mutations."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Derandomized by default: CI and the other people committing in this tree see the same examples
# on every run, so a red test is reproducible and never a new random find blocking an unrelated
# change. YUQING_FUZZ=explore draws fresh examples (and keeps a .hypothesis/ database) to hunt.
EXPLORE = os.environ.get("YUQING_FUZZ") == "explore"


def fuzz(max_examples: int) -> settings:
    """Settings for one property: a modest example count, no per-example deadline."""
    return settings(
        max_examples=max_examples * (10 if EXPLORE else 1),
        deadline=None,  # a loaded 2-core CI box makes per-example timings meaningless
        derandomize=not EXPLORE,
        suppress_health_check=[HealthCheck.too_slow],
    )


FUZZ = fuzz(100)
